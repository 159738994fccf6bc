"""Running one replication of a scenario: the model layer's public entry point."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pathsim.model.builders import BUILDERS, Builder
from pathsim.model.eventlog import EventSinkFactory
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
    tables: Mapping[str, pd.DataFrame]
    """Further tidy tables the model produces, by name, each with a ``replication`` column;
    the experiment layer stacks, saves and reads them by name without knowing any. Today
    ``"ed_time_histogram"``: replication, hours_from, count: A&E time in 15-minute bins to
    72 hours (the last bin holds all longer stays), results period only."""
    conservation: dict[str, int]
    """created, exited and present patient counts at the end of the run."""
    streams: tuple[str, ...]
    """Names of the random streams used."""
    event_log_file: Path | None = None
    """The Parquet file holding the event log, when it was streamed to disk rather than
    kept in memory (``pathsim.simulate(..., event_log_path=...)``, and results read back
    from a run folder): what the event-log sink's ``close`` returned. :meth:`read_event_log`
    reads it."""

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
    event_log_sink: EventSinkFactory | None = None,
    builders: Sequence[Builder] = BUILDERS,
) -> ReplicationResult:
    """Runs replication number ``replication`` of ``scenario``.

    Arguments left as None come from ``scenario.run``. The random numbers depend only on
    (seed, replication, stream name), so the same call always gives the same result, in any
    process, and two scenarios run with the same seed see the same patients.

    With the event log on and ``event_log_sink`` given, the log is handed as the run goes
    to the sink that ``event_log_sink(replication, organisations)`` makes (a chunk every
    :data:`~pathsim.model.eventlog.DEFAULT_CHUNK_ROWS` events, so memory stays flat) rather
    than kept in memory: the result's ``event_log`` is then None and its ``event_log_file``
    what the sink's ``close`` returned. A run that fails aborts the sink.
    ``pathsim.simulate(..., event_log_path=...)`` streams the log to a Parquet file this way.

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
    if log is not None and event_log_sink is not None:
        log.stream_to(event_log_sink(replication, log.organisations))
    try:
        system.run()
        kpis = compute_kpis(system)
        tables = system.tables()
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
        tables=tables,
        conservation=system.conservation(),
        streams=tuple(system.streams.names),
        event_log_file=log_file,
    )
