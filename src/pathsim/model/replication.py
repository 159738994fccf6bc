"""Running one replication of a scenario: the model layer's public entry point."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pathsim.model.kpis import compute_kpis
from pathsim.model.system import System
from pathsim.scenario.models import Scenario


@dataclass(frozen=True)
class ReplicationResult:
    """Everything one replication produced. Tables are tidy, each with a ``replication``
    column, so results of many replications stack with ``pandas.concat``."""

    replication: int
    seed: int
    kpis: dict[str, float]
    timeseries: pd.DataFrame
    """Columns: replication, day, service, metric, value, warmup."""
    event_log: pd.DataFrame | None
    """Per-patient events (see :mod:`pathsim.model.eventlog`), when asked for."""
    ed_time_histogram: pd.DataFrame
    """Columns: replication, hours_from, count: A&E time in 15-minute bins to 72 hours (the
    last bin holds all longer stays), results period only."""
    conservation: dict[str, int]
    """created, exited and present patient counts at the end of the run."""
    streams: tuple[str, ...]
    """Names of the random streams used."""

    def kpi_frame(self) -> pd.DataFrame:
        """KPIs as a tidy table: replication, kpi, value."""
        return pd.DataFrame(
            {
                "replication": self.replication,
                "kpi": list(self.kpis),
                "value": list(self.kpis.values()),
            }
        )


def simulate(
    scenario: Scenario,
    replication: int = 0,
    *,
    seed: int | None = None,
    days: int | None = None,
    warmup_days: int | None = None,
    event_log: bool | None = None,
) -> ReplicationResult:
    """Runs replication number ``replication`` of ``scenario``.

    Arguments left as None come from ``scenario.run``. The random numbers depend only on
    (seed, replication, stream name), so the same call always gives the same result, in any
    process, and two scenarios run with the same seed see the same patients.
    """
    run = scenario.run
    seed = run.seed if seed is None else seed
    system = System(
        scenario,
        replication,
        seed,
        run.days if days is None else days,
        run.warmup_days if warmup_days is None else warmup_days,
        run.event_log if event_log is None else event_log,
    )
    system.run()
    kpis = compute_kpis(system)
    hist = system.ed.time_in_department.histogram
    assert hist is not None
    edges, counts = hist
    ed_hist = pd.DataFrame({"replication": replication, "hours_from": edges * 24, "count": counts})
    log = system.ctx.log.to_frame(replication) if system.ctx.log is not None else None
    return ReplicationResult(
        replication=replication,
        seed=seed,
        kpis=kpis,
        timeseries=system.timeseries(),
        event_log=log,
        ed_time_histogram=ed_hist,
        conservation=system.conservation(),
        streams=tuple(system.streams.names),
    )
