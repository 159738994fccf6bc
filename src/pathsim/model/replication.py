"""Running one replication of a scenario: the model layer's public entry point."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pathsim.model.builders import BUILDERS, Builder
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
    """Per-patient events (see :mod:`pathsim.model.eventlog`), when asked for and kept in
    memory; None when the log was off or was streamed to :attr:`event_log_file`."""
    ed_time_histogram: pd.DataFrame
    """Columns: replication, hours_from, count: A&E time in 15-minute bins to 72 hours (the
    last bin holds all longer stays), results period only."""
    conservation: dict[str, int]
    """created, exited and present patient counts at the end of the run."""
    streams: tuple[str, ...]
    """Names of the random streams used."""
    event_log_file: Path | None = None
    """The Parquet file holding the event log, when it was streamed to disk rather than
    kept in memory (``simulate(..., event_log_path=...)``, and results read back from a run
    folder). :meth:`read_event_log` reads it."""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Every other table the components report, by name (e.g.
    ``ambulance_handover_histogram``), each with a ``replication`` column."""

    def read_event_log(self) -> pd.DataFrame | None:
        """The event log, wherever it is kept: :attr:`event_log`, else read from
        :attr:`event_log_file`; None when the log was off."""
        if self.event_log is not None:
            return self.event_log
        if self.event_log_file is not None:
            return pd.read_parquet(self.event_log_file)
        return None

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
    run = scenario.run
    seed = run.seed if seed is None else seed
    system = System(
        scenario,
        replication,
        seed,
        run.days if days is None else days,
        run.warmup_days if warmup_days is None else warmup_days,
        run.event_log if event_log is None else event_log,
        builders,
    )
    log = system.ctx.log
    if log is not None and event_log_path is not None:
        log.stream_to(event_log_path, replication)
    try:
        system.run()
        kpis = compute_kpis(system)
        tables = system.tables()
        ed_hist = tables.pop("ed_time_histogram")
        timeseries = system.timeseries()
        frame = log.to_frame(replication) if log is not None and not log.streaming else None
        log_file = log.close() if log is not None and log.streaming else None
    except BaseException:
        if log is not None:
            log.abort()
        raise
    return ReplicationResult(
        replication=replication,
        seed=seed,
        kpis=kpis,
        timeseries=timeseries,
        event_log=frame,
        ed_time_histogram=ed_hist,
        conservation=system.conservation(),
        streams=tuple(system.streams.names),
        event_log_file=log_file,
        tables=tables,
    )
