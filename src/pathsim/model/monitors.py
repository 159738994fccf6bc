"""Level monitors (time-weighted: occupancy, queue length) and tallies (per-patient values).

Both keep running sums only, so memory stays flat however long the run. A level monitor's
``integral(t)`` is the area under the level from the start of the run to ``t``; averages over
any window are differences of integrals, which is how warm-up is excluded and how daily series
are made.
"""

from __future__ import annotations

import math

import numpy as np
import simpy


class LevelMonitor:
    """The level of something over time (patients in beds, patients queueing)."""

    __slots__ = ("_area", "_t", "env", "level", "name")

    def __init__(self, env: simpy.Environment, name: str, level: float = 0.0) -> None:
        self.env = env
        self.name = name
        self.level = level
        self._area = 0.0
        self._t = env._now

    def add(self, delta: float) -> None:
        # Hot path: read the clock attribute behind simpy's ``Environment.now`` property.
        now = self.env._now
        self._area += self.level * (now - self._t)
        self._t = now
        self.level += delta

    def integral(self, t: float) -> float:
        """Area under the level from the start of the run to time ``t`` (t >= last change)."""
        return self._area + self.level * (t - self._t)


class ThresholdLevelMonitor(LevelMonitor):
    """A level monitor that also accumulates the time spent at or above given levels (for
    example 92% and 95% of the beds)."""

    __slots__ = ("_above", "thresholds")

    def __init__(
        self, env: simpy.Environment, name: str, thresholds: list[float], level: float = 0.0
    ) -> None:
        super().__init__(env, name, level)
        self.thresholds = thresholds
        self._above = [0.0] * len(thresholds)

    def add(self, delta: float) -> None:
        now = self.env._now
        dt = now - self._t
        if dt > 0:
            level = self.level
            for i, thr in enumerate(self.thresholds):
                if level >= thr:
                    self._above[i] += dt
        super().add(delta)

    def time_above(self, t: float) -> list[float]:
        """Time at or above each threshold from the start of the run to ``t``."""
        dt = t - self._t
        return [
            a + (dt if self.level >= thr else 0.0)
            for a, thr in zip(self._above, self.thresholds, strict=True)
        ]


class Tally:
    """Running statistics of per-patient values (waits, lengths of stay) with counts above
    thresholds and a fixed-width histogram."""

    __slots__ = ("_bins", "_last", "_width", "counts_above", "n", "thresholds", "total", "total_sq")

    def __init__(
        self,
        thresholds: tuple[float, ...] = (),
        bin_width: float | None = None,
        n_bins: int = 0,
    ) -> None:
        self.n = 0
        self.total = 0.0
        self.total_sq = 0.0
        self.thresholds = thresholds
        self.counts_above = [0] * len(thresholds)
        self._width = bin_width
        # A plain list: incrementing one element of a numpy array costs several times more.
        self._bins: list[int] | None = [0] * (n_bins + 1) if bin_width else None
        self._last = n_bins
        if self._bins is not None and not thresholds:
            raise ValueError("a histogram needs at least one threshold (use the largest bin)")

    def record(self, x: float) -> None:
        self.n += 1
        self.total += x
        self.total_sq += x * x
        if not self.thresholds:
            return
        counts = self.counts_above
        for i, thr in enumerate(self.thresholds):
            if x > thr:
                counts[i] += 1
        bins = self._bins
        if bins is not None and self._width:
            k = int(x / self._width)
            bins[k if k < self._last else self._last] += 1

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else math.nan

    @property
    def histogram(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(left bin edges, counts); the last bin holds everything beyond the range."""
        if self._bins is None or not self._width:
            return None
        edges = np.arange(len(self._bins)) * self._width
        return edges, np.array(self._bins, dtype=np.int64)
