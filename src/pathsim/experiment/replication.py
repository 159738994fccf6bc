"""One replication from the Python API: the model's run with its event log streamed, when
asked, to a Parquet file (``pathsim.simulate``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pathsim.experiment.parquet_log import parquet_sink
from pathsim.model import replication as model
from pathsim.model.builders import BUILDERS, Builder
from pathsim.model.replication import ReplicationResult
from pathsim.scenario.models import Scenario


def simulate(
    scenario: Scenario,
    replication: int = 0,
    *,
    seed: int | None = None,
    days: int | None = None,
    warmup_days: int | None = None,
    event_log: bool | None = None,
    event_log_path: str | Path | None = None,
    builders: Sequence[Builder] = BUILDERS,
) -> ReplicationResult:
    """Runs replication number ``replication`` of ``scenario``.

    Arguments left as None come from ``scenario.run``. The random numbers depend only on
    (seed, replication, stream name), so the same call always gives the same result, in any
    process, and two scenarios run with the same seed see the same patients.

    With the event log on and ``event_log_path`` given, the log is streamed to that Parquet
    file as the run goes (a row group every
    :data:`~pathsim.model.eventlog.DEFAULT_CHUNK_ROWS` events, so memory stays flat) rather
    than kept in memory: the result's ``event_log`` is then None and its ``event_log_file``
    the path. The file appears only when the run has finished; a run that fails leaves
    none (a process killed outright can leave its temporary, ``.<name>.<random>.tmp`` beside
    it; a run folder removes those when resumed). ``pandas.read_parquet`` on it gives the
    DataFrame ``event_log`` would have held.

    ``builders`` is the table of components to build (:data:`pathsim.model.builders.BUILDERS`,
    the standard model, unless a study adds or replaces a component).
    """
    return model.simulate(
        scenario,
        replication,
        seed=seed,
        days=days,
        warmup_days=warmup_days,
        event_log=event_log,
        event_log_sink=None if event_log_path is None else parquet_sink(event_log_path),
        builders=builders,
    )
