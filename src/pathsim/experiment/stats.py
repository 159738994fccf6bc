"""Confidence intervals across replications."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np


def mean_ci(values: Iterable[float], level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and two-sided Student-t confidence interval of independent replications.

    NaN values (a KPI undefined in a replication, e.g. a mean wait with no one waiting) are
    left out; ``n`` counts the values used. With fewer than two values the interval is NaN.
    """
    x = np.asarray(list(values), dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan, n
    half = float(t_quantile(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


def t_quantile(q: float, df: int) -> float:
    """Student's t quantile (scipy is imported on first use: it takes half a second, which
    every command would otherwise pay at start-up)."""
    from scipy import stats

    return float(stats.t.ppf(q, df))
