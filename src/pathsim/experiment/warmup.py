"""How long a warm-up: MSER-5 on daily time series, with Welch's moving averages to look at.

MSER-5 (White 1997; recommended by Hoad, Robinson and Davies 2010 among 42 methods) batches
a series in fives and picks the truncation point d that minimises the standard error of the
mean of what is left, ``sum((Z_j - mean(Z_{d+1..m}))^2) / (m - d)^2``; only the first half
of the series is searched, and a minimum at the edge of that half means the run was too short
to tell. It is applied to the mean across replications of each daily series, which damps the
noise that otherwise makes MSER truncate too little.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pathsim.experiment.executor import Backend
from pathsim.experiment.plan import run_experiment
from pathsim.experiment.runner import Progress, RunSpec
from pathsim.model.defaults import IN_USE, SPOT_OCCUPIED, warmup_series
from pathsim.scenario.models import Scenario


def mser(series: Sequence[float] | np.ndarray, batch: int = 5) -> tuple[int, bool]:
    """MSER-``batch`` truncation point of ``series``, in observations (a multiple of
    ``batch``), and whether it is trustworthy (False when the minimum is at the edge of the
    searched half, or the series is too short: run longer)."""
    x = np.asarray(series, dtype=float)
    m = len(x) // batch
    if m < 4:
        return 0, False
    z = x[: m * batch].reshape(m, batch).mean(axis=1)
    # statistic for d = 0..m-2 via suffix sums (O(m))
    rev = z[::-1]
    count = np.arange(1, m + 1)
    s1 = np.cumsum(rev)[::-1]
    s2 = np.cumsum(rev**2)[::-1]
    n = count[::-1].astype(float)
    sse = s2 - s1**2 / n
    stat = sse / n**2
    half = m // 2
    d = int(np.argmin(stat[: half + 1]))
    return d * batch, d < half


@dataclass(frozen=True)
class WarmupResult:
    """Truncation per series and the recommendation."""

    table: pd.DataFrame
    """service, metric, truncation_days, reliable."""
    recommended_days: int
    """The longest truncation over the series, rounded up to whole weeks."""
    reliable: bool
    days: int
    replications: int

    def explain(self) -> str:
        worst = self.table.sort_values("truncation_days", ascending=False).iloc[0]
        text = (
            f"Recommended warm-up: {self.recommended_days} days (MSER-5 on the mean of "
            f"{self.replications} replications of {self.days} days; the longest transient is "
            f"{worst.service} {worst.metric} at {worst.truncation_days} days, rounded up to "
            "whole weeks)."
        )
        if not self.reliable:
            unsure = self.table[~self.table["reliable"]]
            names = ", ".join(f"{r.service} {r.metric}" for r in unsure.itertuples())
            text += (
                f" Not settled within half the run for: {names}; run longer (--days) and look "
                "at the Welch plot (welch.csv) before trusting this."
            )
        return text


def analyse(
    timeseries: pd.DataFrame,
    series: Sequence[tuple[str, str]],
    batch: int = 5,
) -> WarmupResult:
    """MSER on each chosen (service, metric) of a time-series table (columns replication,
    day, service, metric, value, as from ``ExperimentResult.timeseries``) run from day 0
    without warm-up. :func:`warmup_study` chooses the scenario's default series
    (:func:`pathsim.model.defaults.warmup_series`) when given none."""
    chosen = list(series)
    if not chosen:
        raise ValueError("no series to judge; give at least one (service, metric)")
    means = timeseries.groupby(["service", "metric", "day"], sort=True)["value"].mean()
    rows = []
    for service, metric in chosen:
        parts = ("occupied", SPOT_OCCUPIED) if metric == IN_USE else (metric,)
        try:
            # daily means add up: the mean of a sum is the sum of the means
            values = sum(means.loc[(service, part)].to_numpy() for part in parts)
        except KeyError as exc:
            raise KeyError(f"no time series {service}.{metric}") from exc
        d, ok = mser(values, batch)
        rows.append((service, metric, d, ok))
    table = pd.DataFrame(rows, columns=["service", "metric", "truncation_days", "reliable"])
    longest = int(table["truncation_days"].max())
    return WarmupResult(
        table=table,
        recommended_days=int(math.ceil(longest / 7) * 7),
        reliable=bool(table["reliable"].all()),
        days=int(timeseries["day"].max()) + 1,
        replications=int(timeseries["replication"].nunique()),
    )


def present_series(
    timeseries: pd.DataFrame, series: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Those of ``series`` (service, metric) that ``timeseries`` has, in their order (the made
    series :data:`~pathsim.model.defaults.IN_USE` when it has both of its parts)."""
    present = set(zip(timeseries["service"], timeseries["metric"], strict=True))
    for service, _ in list(present):
        if (service, "occupied") in present and (service, SPOT_OCCUPIED) in present:
            present.add((service, IN_USE))
    return [sm for sm in series if sm in present]


def welch(timeseries: pd.DataFrame, window: int = 7) -> pd.DataFrame:
    """Welch's moving averages of the mean across replications: service, metric, day, mean,
    moving_average (centred, ``window`` days either side, shortened near the start)."""
    means = (
        timeseries.groupby(["service", "metric", "day"], sort=True)["value"].mean().reset_index()
    )
    means = means.rename(columns={"value": "mean"})
    means["moving_average"] = means.groupby(["service", "metric"])["mean"].transform(
        lambda s: _welch_average(s.to_numpy(), window)
    )
    return means


def _welch_average(y: np.ndarray, w: int) -> np.ndarray:
    """Welch (1983): for i <= w the average of the 2i-1 values centred on i, then of 2w+1."""
    out = np.empty(len(y))
    csum = np.concatenate([[0.0], np.cumsum(y)])
    for i in range(len(y)):
        k = min(i, w, len(y) - 1 - i)
        out[i] = (csum[i + k + 1] - csum[i - k]) / (2 * k + 1)
    return out


def warmup_study(
    scenario: Scenario,
    *,
    days: int = 730,
    replications: int = 5,
    seed: int | None = None,
    series: Sequence[tuple[str, str]] | None = None,
    backend: Backend | None = None,
    progress: Progress | None = None,
) -> tuple[WarmupResult, pd.DataFrame]:
    """Runs ``replications`` of ``scenario`` for ``days`` with no warm-up and returns the
    MSER-5 analysis of ``series`` (by default those of
    :func:`pathsim.model.defaults.warmup_series` that the run has: the main services'
    occupancy and queues, and those of every other service) and the Welch moving averages
    (for a plot)."""
    spec = RunSpec.from_scenario(
        scenario, replications=replications, seed=seed, days=days, warmup_days=0
    )
    result = run_experiment(scenario, spec, backend=backend, progress=progress)
    ts = result.timeseries
    chosen = list(series) if series else present_series(ts, warmup_series(scenario))
    return analyse(ts, chosen), welch(ts)
