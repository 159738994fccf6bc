"""The calibration check of a run's KPIs against published targets (the targets themselves
are in :mod:`pathsim.model.targets`, re-exported here as before)."""

from __future__ import annotations

import math

import pandas as pd

from pathsim.experiment.stats import mean_ci
from pathsim.model.targets import (
    DELAY_GROUPS,
    TARGETS,
    YEAR_DAYS,
    Target,
    delay_shares,
    derived,
)

__all__ = [
    "CALIBRATION_COLUMNS",
    "DELAY_GROUPS",
    "TARGETS",
    "Target",
    "calibration_table",
    "delay_shares",
    "derived",
]


CALIBRATION_COLUMNS = [
    "kpi",
    "mean",
    "ci_low",
    "ci_high",
    "n",
    "target",
    "target_low",
    "target_high",
    "within",
    "rep_min",
    "rep_max",
    "reps_within",
    "source",
]
"""The calibration table's columns: the mean over replications with its 95% interval, the
target and the range accepted, whether the mean is within it, the lowest and highest single
replication, and the share of replications within the range (a calibration is judged by
each replication, not by the mean alone: an average of two regimes can match a target that
no replication does)."""


def calibration_table(
    replications: pd.DataFrame, scenario: str | None = None, days: int | None = None
) -> pd.DataFrame:
    """Each target beside the model's mean and 95% confidence interval, from a
    replications table (scenario, replication, kpi, value; the first scenario unless
    ``scenario`` is named). Counts per year are scaled from ``days`` to 365 days. Targets
    whose KPI the run lacks (or where it is NaN in every replication) are left out.
    Columns: CALIBRATION_COLUMNS."""
    table = replications
    if "scenario" in table:
        label = scenario if scenario is not None else str(table["scenario"].iloc[0])
        table = table[table["scenario"] == label]
    per_rep = [
        derived(dict(zip(group["kpi"], group["value"].astype(float), strict=True)))
        for _, group in table.groupby("replication", sort=True)
    ]
    scale = YEAR_DAYS / days if days else 1.0
    rows = []
    for t in TARGETS:
        values = [r[t.name] for r in per_rep if t.name in r and not math.isnan(r[t.name])]
        if not values:
            continue
        factor = scale if t.per_year else 1.0
        scaled_values = [v * factor for v in values]
        mean, lo, hi, n = mean_ci(scaled_values)
        inside = sum(t.low <= v <= t.high for v in scaled_values) / len(scaled_values)
        rows.append(
            (
                t.name,
                mean,
                lo,
                hi,
                n,
                t.central,
                t.low,
                t.high,
                t.low <= mean <= t.high,
                min(scaled_values),
                max(scaled_values),
                inside,
                t.source,
            )
        )
    return pd.DataFrame(rows, columns=CALIBRATION_COLUMNS)
