"""The interface every component of a replication shares: what it monitors, what it reports
and what it costs.

A component is a service (A&E, the ward, an onward service, a joint emergency team) or a
part of the journey that is not a place (the liaison team, readmissions, case management).
Each owns its measures: the system gathers level monitors, tallies, daily counts, KPIs,
costs and tables from every component through the methods below, in the order of the builder
table (:mod:`pathsim.model.builders`), and never reads a component's counters itself. Every
method has a default that reports nothing, so a component implements only what it has.

A component that stands at a front door (in front of A&E or direct admission) changes the
:class:`FrontDoors` in :meth:`Component.front_doors`, called once every component is built,
from the services outwards: in order of :attr:`Component.door_position` (the services that
are the doors, 0; virtual wards in front of direct admission, 10; the single point of
referral in front of both, 20; case management in front of everything for its segment, 30),
then of the table.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from pathsim.model.monitors import LevelMonitor, Tally
from pathsim.model.patients import FrontDoor


class Cost(NamedTuple):
    """A cost over the results period: of which service, borne by which organisation."""

    service: str
    organisation: str
    gbp: float


@dataclass
class FrontDoors:
    """Per segment (by index), where a crisis arriving at A&E (``ed``) and one referred for
    direct admission (``direct``) goes. Components that stand at the front door wrap or
    replace these in :meth:`Component.front_doors`; sources and readmissions read them when
    patients arrive."""

    ed: list[FrontDoor] = field(default_factory=list)
    direct: list[FrontDoor] = field(default_factory=list)


@dataclass(frozen=True)
class Results:
    """The results period of a replication that has run, as components read their measures
    from the daily snapshots: time-weighted means of level monitors, midnight counts, and
    running totals."""

    days: float
    """Length of the results period (days)."""
    start: int
    """Index of the snapshot taken when results start (the warm-up's length in days)."""
    integrals: Mapping[tuple[str, str], list[float]]
    midnight: Mapping[tuple[str, str], list[float]]
    cumulative: Mapping[tuple[str, str], list[list[float]]]

    def mean_level(self, service: str, metric: str) -> float:
        """Time-weighted mean of a level monitor over the results period."""
        series = self.integrals[(service, metric)]
        return (series[-1] - series[self.start]) / self.days

    def midnights(self, service: str, metric: str) -> np.ndarray:
        """Counts taken at each midnight inside the results period."""
        return np.asarray(self.midnight[(service, metric)][self.start + 1 :])

    def increase(self, service: str, key: str) -> list[float]:
        """How much each running total (a list of them, as the component gave) grew over the
        results period."""
        series = self.cumulative[(service, key)]
        return [end - start for start, end in zip(series[self.start], series[-1], strict=True)]


def ratio(a: float, b: float) -> float:
    """``a / b``, NaN when ``b`` is 0."""
    return a / b if b else math.nan


class Component:
    """One component of a replication. Subclasses override what they have."""

    name: str = ""
    """The component's name in time series, costs and the event log."""

    door_position: int = 0
    """Where the component stands at the front doors, counted outwards from the services
    (only for components that change them in :meth:`front_doors`)."""

    def parts(self) -> Iterable[Component]:
        """The components this one stands for (itself; a group gives its members)."""
        return (self,)

    def front_doors(self, doors: FrontDoors) -> None:
        """Changes the front doors if this component stands at one (called once all are
        built, in order of :attr:`door_position`)."""

    def start(self) -> None:
        """Called when the run starts, in table order (initial occupants, sources)."""

    def level_monitors(self) -> dict[str, LevelMonitor]:
        """Monitors reported in the daily time series, by metric name."""
        return {}

    def tallies(self) -> list[Tally]:
        """Every tally (the run folds their buffers when they grow long)."""
        return []

    def midnight_counts(self, now: float) -> dict[str, float]:
        """Counts taken at each midnight, reported in the daily time series, by metric."""
        return {}

    def running_totals(self, now: float) -> dict[str, list[float]]:
        """Running totals to take at each midnight (not in the time series), by key."""
        return {}

    def pressure(self) -> dict[str, float]:
        """Measures of how hard pressed the component is now, by metric (read by others as
        ``"<name>.<metric>"``)."""
        return {}

    def patients_present(self) -> int:
        """Patients this component accounts for now (each patient counted by exactly one
        component: a patient blocked in a place and waiting in the next line counts where
        they wait)."""
        return 0

    def kpis(self, results: Results) -> dict[str, float]:
        """This component's KPIs over the results period."""
        return {}

    def costs(self, kpis: Mapping[str, float], results: Results) -> list[Cost]:
        """This component's costs over the results period (``kpis`` holds every KPI)."""
        return []

    def tables(self, replication: int) -> dict[str, pd.DataFrame]:
        """Tidy tables this component reports, by name, each with a ``replication`` column."""
        return {}
