"""Gridlock: a replication whose waiting lines grow without bound, recognised from the daily
time series the run already takes (nothing is added to the patient journey).

A waiting line is watched through the daily time-weighted mean of its level monitor: the A&E
cubicle queue (patients waiting to be seen) and the patients waiting for an acute bed
(boarders in A&E and direct admissions). A replication is gridlocked once a line's daily mean
has been at or above its threshold on the scenario's ``gridlock.consecutive_days`` days in a
row; the onset is the first day of the first such run, counted from the start of the results
period (day 0 is the first day after the warm-up). :func:`gridlock_summary` reads the KPIs of
many replications and says which gridlocked, when, and on which line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from pathsim.model.component import Component, Results

ED_CUBICLE_QUEUE = "ed_cubicle_queue"
"""The line of patients waiting for an A&E cubicle."""
BED_QUEUE = "bed_queue"
"""The line of admitted patients waiting for an acute bed."""
QUEUES = (ED_CUBICLE_QUEUE, BED_QUEUE)
"""The lines watched, in the order they are reported."""
ONSET_PREFIX = "gridlock_onset_day_"

KPIS: dict[str, str] = {
    "gridlocked": (
        "1 if a waiting line (A&E cubicle queue, patients waiting for a bed) stayed at or above "
        "its gridlock threshold for the scenario's consecutive days in the results period, "
        "else 0; its mean over replications is the share of replications gridlocked"
    ),
    "gridlock_onset_day": (
        "Day of the results period (0 = first day after the warm-up) on which the first "
        "gridlock began, on any line; NaN if none"
    ),
    "gridlock_days": "Days of the results period inside a gridlock (on any line)",
    f"{ONSET_PREFIX}<queue>": (
        "Day of the results period on which a gridlock of that line first began (queue: "
        "ed_cubicle_queue, bed_queue); NaN if none"
    ),
}
"""The KPIs gridlock detection reports, with their descriptions."""


@dataclass(frozen=True)
class Watch:
    """A waiting line, as a level monitor of a service, and its threshold (people)."""

    queue: str
    service: str
    metric: str
    threshold: float


def gridlock_runs(over: np.ndarray, days: int) -> np.ndarray:
    """For daily flags ``over`` (the line at or above its threshold), which days belong to a
    run of at least ``days`` consecutive flagged days."""
    flags = np.asarray(over, dtype=bool)
    out = np.zeros(flags.size, dtype=bool)
    start = None
    for i, flag in enumerate([*flags.tolist(), False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= days:
                out[start:i] = True
            start = None
    return out


class GridlockWatch(Component):
    """Reads the watched lines' daily means over the results period and reports whether,
    when and for how long the replication was gridlocked."""

    name = "gridlock"

    def __init__(self, watches: Sequence[Watch], consecutive_days: int) -> None:
        self.watches = tuple(watches)
        self.consecutive_days = consecutive_days

    def kpis(self, results: Results) -> dict[str, float]:
        any_run: np.ndarray | None = None
        onsets: dict[str, float] = {}
        for w in self.watches:
            daily = results.daily_means(w.service, w.metric)
            runs = gridlock_runs(daily >= w.threshold, self.consecutive_days)
            onsets[w.queue] = float(np.argmax(runs)) if runs.any() else math.nan
            any_run = runs if any_run is None else any_run | runs
        first = min((d for d in onsets.values() if not math.isnan(d)), default=math.nan)
        k = {
            "gridlocked": 0.0 if math.isnan(first) else 1.0,
            "gridlock_onset_day": first,
            "gridlock_days": float(any_run.sum()) if any_run is not None else 0.0,
        }
        k.update({f"{ONSET_PREFIX}{queue}": day for queue, day in onsets.items()})
        return k


@dataclass(frozen=True)
class GridlockedReplication:
    """One replication that gridlocked."""

    scenario: str | None
    """The scenario's label (None when the KPIs had no scenario column)."""
    replication: int
    onset_day: float
    """Day of the results period on which the first gridlock began."""
    queue: str
    """The line that gridlocked first (:data:`ED_CUBICLE_QUEUE` or :data:`BED_QUEUE`; on a
    tie, the first of :data:`QUEUES`)."""
    onsets: dict[str, float]
    """Onset day of every line that gridlocked."""
    days: float
    """Days of the results period inside a gridlock."""


@dataclass(frozen=True)
class GridlockSummary:
    """Which replications gridlocked, when and on which line (data, no text)."""

    replications: dict[str | None, int]
    """Replications read, per scenario label."""
    gridlocked: tuple[GridlockedReplication, ...]
    """The replications that gridlocked, by scenario and replication number."""

    def share(self, scenario: str | None = None) -> float:
        """Share of a scenario's replications that gridlocked (NaN if it has none)."""
        n = self.replications.get(scenario, 0)
        hit = sum(1 for g in self.gridlocked if g.scenario == scenario)
        return hit / n if n else math.nan

    @property
    def any(self) -> bool:
        """Whether any replication gridlocked."""
        return bool(self.gridlocked)


def gridlock_summary(kpis: pd.DataFrame) -> GridlockSummary:
    """Reads the KPIs of replications, as a tidy table (replication, kpi, value, and
    optionally scenario: ``ExperimentResult.kpis`` or a run folder's ``replications.csv``),
    and says which gridlocked, when and on which line. Replications without the gridlock
    KPIs (from an older pathsim) count as read but never as gridlocked."""
    has_scenario = "scenario" in kpis.columns
    keys = ["scenario", "replication"] if has_scenario else ["replication"]
    replications: dict[str | None, int] = {}
    found: list[GridlockedReplication] = []
    for key, group in kpis.groupby(keys, sort=True):
        parts = key if isinstance(key, tuple) else (key,)
        label = str(parts[0]) if has_scenario else None
        replication = int(cast(int, parts[-1]))
        replications[label] = replications.get(label, 0) + 1
        values = dict(zip(group["kpi"], group["value"].astype(float), strict=True))
        if values.get("gridlocked", 0.0) != 1.0:
            continue
        onsets = {
            q: values[f"{ONSET_PREFIX}{q}"]
            for q in QUEUES
            if not math.isnan(values.get(f"{ONSET_PREFIX}{q}", math.nan))
        }
        first = min(onsets, key=lambda q: (onsets[q], QUEUES.index(q))) if onsets else ""
        found.append(
            GridlockedReplication(
                scenario=label,
                replication=replication,
                onset_day=values["gridlock_onset_day"],
                queue=first,
                onsets=onsets,
                days=values.get("gridlock_days", math.nan),
            )
        )
    return GridlockSummary(replications=replications, gridlocked=tuple(found))
