"""The simulation model: services and patient journeys on a SimPy environment.

Knows nothing of files, the CLI or plots: it takes a validated Scenario and returns tables.
"""

from pathsim.model.eventlog import EVENT_LOG_COLUMNS
from pathsim.model.kpis import KPI_DESCRIPTIONS, describe
from pathsim.model.replication import ReplicationResult, simulate
from pathsim.model.streams import Streams, replication_seed_sequence

__all__ = [
    "EVENT_LOG_COLUMNS",
    "KPI_DESCRIPTIONS",
    "ReplicationResult",
    "Streams",
    "describe",
    "replication_seed_sequence",
    "simulate",
]
