"""Builds one replication of a scenario on a fresh SimPy environment and runs it.

Nothing here is shared between replications: each owns its environment, streams, components
and monitors, so replications can run in any order and in any process. The components are
built by the builder table (:mod:`pathsim.model.builders`) from the scenario's effective
system (:func:`pathsim.scenario.effective.effective_system`); this module knows no service
by name: it composes the front doors, starts the components, takes the daily snapshots and
asks each component for what it reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from pathsim.model.builders import BUILDERS, Assembly, Builder
from pathsim.model.clock import Clock, call_after, rare_garbage_collection
from pathsim.model.component import Component, Results
from pathsim.model.context import Calendar, RunContext
from pathsim.model.eventlog import EventLog
from pathsim.model.monitors import LevelMonitor, Tally
from pathsim.model.service import Service
from pathsim.model.streams import Streams
from pathsim.scenario.effective import effective_system
from pathsim.scenario.errors import ScenarioError
from pathsim.scenario.models import Scenario


@dataclass
class DailySnapshots:
    """At each midnight: the cumulative integral of every level monitor, the components'
    midnight counts and their running totals."""

    days: list[float] = field(default_factory=list)
    integrals: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    midnight: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    cumulative: dict[tuple[str, str], list[list[float]]] = field(default_factory=dict)


class System:
    """The components of one replication, built and ready to run."""

    def __init__(
        self,
        scenario: Scenario,
        replication: int,
        seed: int,
        days: int,
        warmup_days: int,
        event_log: bool = False,
        builders: Sequence[Builder] = BUILDERS,
    ) -> None:
        self.scenario = scenario
        self.replication = replication
        self.seed = seed
        self.days = days
        self.warmup_days = warmup_days
        env = Clock()
        self.env = env
        self.ctx = RunContext(
            env=env,
            calendar=Calendar(scenario.run.start_date),
            results_from=float(warmup_days),
            end=float(warmup_days + days),
            log=EventLog(env, {}) if event_log else None,
        )
        self.streams = Streams(seed, replication)
        assembly = Assembly(effective_system(scenario), self.ctx, self.streams, builders)
        self.components: list[Component] = [
            part for built in assembly.build_all() for part in built.parts()
        ]
        """Every component, in the order of the builder table."""
        if self.ctx.log is not None:  # each service's organisation, now they are built
            self.ctx.log.add_services(
                {c.name: c.organisation for c in self.components if isinstance(c, Service)}
            )
        for component in sorted(self.components, key=lambda c: c.door_position):
            component.front_doors(assembly.doors)
        self.snapshots = DailySnapshots()

    # -- running -----------------------------------------------------------------------
    def level_monitors(self) -> dict[tuple[str, str], LevelMonitor]:
        return {
            (c.name, metric): monitor
            for c in self.components
            for metric, monitor in c.level_monitors().items()
        }

    def tallies(self) -> list[Tally]:
        """Every tally of the run's components (they fold their buffers when long). Listed
        by each component, not found with ``vars()``: reading an object's ``__dict__`` makes
        CPython keep its attributes in a real dict, which slows every attribute access on it
        (about 10% of a run)."""
        return [t for c in self.components for t in c.tallies()]

    def _snapshot(self) -> None:
        now = self.env.now
        snap = self.snapshots
        snap.days.append(now)
        for key, monitor in self._monitors.items():
            snap.integrals.setdefault(key, []).append(monitor.integral(now))
        for c in self.components:
            for total, values in c.running_totals(now).items():
                snap.cumulative.setdefault((c.name, total), []).append(values)
            for metric, value in c.midnight_counts(now).items():
                snap.midnight.setdefault((c.name, metric), []).append(value)

    def _daily(self, _value: object = None) -> None:
        for tally in self._tallies:
            tally.fold_if_long()
        self._snapshot()
        if self.env.now + 1.0 < self.ctx.end:
            call_after(self.env, 1.0, self._daily)

    def _start_results(self, _value: object = None) -> None:
        self.ctx.collecting = True

    def run(self) -> None:
        """Runs the replication to the end of the results period."""
        self._monitors = self.level_monitors()
        self._tallies = self.tallies()
        for component in self.components:
            component.start()
        self._snapshot()
        if self.ctx.results_from > 0:
            call_after(self.env, self.ctx.results_from, self._start_results)
        else:
            self.ctx.collecting = True
        if self.ctx.end > 1.0:
            call_after(self.env, 1.0, self._daily)
        with rare_garbage_collection():
            self.env.run(until=self.ctx.end)
        self._snapshot()

    # -- what the run gives ------------------------------------------------------------
    def results(self) -> Results:
        """The results period, as components read their measures."""
        snap = self.snapshots
        return Results(
            days=float(self.days),
            start=self.warmup_days,
            integrals=snap.integrals,
            midnight=snap.midnight,
            cumulative=snap.cumulative,
        )

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables the components report, by name."""
        return {
            name: frame
            for c in self.components
            for name, frame in c.tables(self.replication).items()
        }

    def patients_present(self) -> int:
        """Patients still in the system, each counted by the one component where they are."""
        return sum(c.patients_present() for c in self.components)

    def conservation(self) -> dict[str, int]:
        """Created = exited + present, by construction of independent counters."""
        return {
            "created": self.ctx.created,
            "exited": self.ctx.exited,
            "present": self.patients_present(),
        }

    def timeseries(self) -> pd.DataFrame:
        """Daily time-weighted means of every level monitor and the midnight counts."""
        snap = self.snapshots
        days = np.asarray(snap.days)
        n = len(days) - 1
        frames = []
        widths = np.diff(days)
        for (service, metric), integrals in snap.integrals.items():
            values = np.diff(np.asarray(integrals)) / widths
            frames.append(
                pd.DataFrame(
                    {"day": np.arange(n), "service": service, "metric": metric, "value": values}
                )
            )
        for (service, metric), counts in snap.midnight.items():
            frames.append(
                pd.DataFrame(
                    {
                        "day": np.arange(n),
                        "service": service,
                        "metric": metric,
                        "value": np.asarray(counts[1:]),
                    }
                )
            )
        frame = pd.concat(frames, ignore_index=True)
        frame.insert(0, "replication", self.replication)
        frame["warmup"] = frame["day"] < self.warmup_days
        return frame


def check_buildable(
    scenario: Scenario, file: str = "", builders: Sequence[Builder] = BUILDERS
) -> None:
    """Builds one replication of ``scenario`` without running it, so that what only the
    built model can check (an escalation measure that no component has) is refused before
    any run, as a ScenarioError naming ``file`` (the command line exits with 2)."""
    try:
        System(scenario, 0, scenario.run.seed, 1, 0, builders=builders)
    except ScenarioError as exc:
        raise ScenarioError([replace(p, file=p.file or file) for p in exc.problems]) from None
