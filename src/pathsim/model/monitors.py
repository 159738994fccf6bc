"""Level monitors (time-weighted: occupancy, queue length) and tallies (per-patient values).

Both keep running sums only, so memory stays flat however long the run. A level monitor's
``integral(t)`` is the area under the level from the start of the run to ``t``; averages over
any window are differences of integrals, which is how warm-up is excluded and how daily series
are made.
"""

from __future__ import annotations

import math
from collections.abc import Callable

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
        self._t = env.now

    def add(self, delta: float) -> None:
        # Hot path: on a Clock, ``now`` is a plain attribute (no property call).
        now = self.env.now
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
        # LevelMonitor.add inlined (one call instead of two on this hot path); nothing is
        # added when no time has passed (adding level * 0.0 left the sums unchanged).
        now = self.env.now
        dt = now - self._t
        if dt > 0:
            level = self.level
            self._area += level * dt
            self._t = now
            above = self._above
            for i, thr in enumerate(self.thresholds):
                if level >= thr:
                    above[i] += dt
        self.level += delta

    def time_above(self, t: float) -> list[float]:
        """Time at or above each threshold from the start of the run to ``t``."""
        dt = t - self._t
        return [
            a + (dt if self.level >= thr else 0.0)
            for a, thr in zip(self._above, self.thresholds, strict=True)
        ]


class Tally:
    """Running statistics of per-patient values (waits, lengths of stay) with counts above
    thresholds and a fixed-width histogram.

    ``record(x)`` is the hot path: it only appends ``x`` to a buffer (it *is* the buffer's
    ``append``). The buffer is folded into the statistics with numpy when any of them is read
    and whenever :meth:`fold_if_long` finds it long (the run does so once a day), so memory
    stays bounded. The fold is exact: the sums are running sums in the order the values came
    (``numpy.add.accumulate`` adds one value at a time, as ``total += x`` did), so every
    statistic is bit for bit what adding value by value gives.
    """

    __slots__ = (
        "_bins",
        "_buf",
        "_counts",
        "_n",
        "_total",
        "_total_sq",
        "_width",
        "record",
        "thresholds",
    )

    FOLD_AT = 4096
    """Buffer length at which :meth:`fold_if_long` folds."""

    def __init__(
        self,
        thresholds: tuple[float, ...] = (),
        bin_width: float | None = None,
        n_bins: int = 0,
    ) -> None:
        self._buf: list[float] = []
        self.record: Callable[[float], None] = self._buf.append
        """Records one value."""
        self._n = 0
        self._total = 0.0
        self._total_sq = 0.0
        self.thresholds = thresholds
        self._counts = [0] * len(thresholds)
        self._width = bin_width
        self._bins = np.zeros(n_bins + 1, dtype=np.int64) if bin_width else None
        if self._bins is not None and not thresholds:
            raise ValueError("a histogram needs at least one threshold (use the largest bin)")

    @classmethod
    def from_sums(cls, n: int, total: float, total_sq: float) -> Tally:
        """A tally of ``n`` values with these sums (values kept elsewhere)."""
        t = cls()
        t._n, t._total, t._total_sq = n, total, total_sq
        return t

    def fold_if_long(self) -> None:
        if len(self._buf) >= self.FOLD_AT:
            self.fold()

    def fold(self) -> None:
        """Folds the buffered values into the statistics."""
        buf = self._buf
        if not buf:
            return
        x = np.array(buf, dtype=float)
        buf.clear()  # the same list: ``record`` stays bound to it
        self._n += x.size
        with np.errstate(over="ignore"):  # like Python floats: an overflow is inf, silently
            self._total = float(np.add.accumulate(np.concatenate(([self._total], x)))[-1])
            sq = np.concatenate(([self._total_sq], x * x))
            self._total_sq = float(np.add.accumulate(sq)[-1])
        for i, thr in enumerate(self.thresholds):
            self._counts[i] += int(np.count_nonzero(x > thr))
        if self._bins is not None and self._width:
            size = len(self._bins)
            # clipped before the cast so that huge values (and inf) land in the last bin, as
            # they did when each value was placed on its own; NaN stays NaN and is refused
            q = np.clip(x / self._width, -size - 1, size)
            with np.errstate(invalid="ignore"):  # NaN: refused just below
                k = np.minimum(q.astype(np.int64), size - 1)
            k = np.where(k < 0, k + size, k)  # as Python's list indexing would place them
            if (k < 0).any() or np.isnan(q).any():
                raise ValueError(
                    f"values outside the histogram of this tally (width {self._width}, "
                    f"{size} bins): {x[(k < 0) | np.isnan(q)][:3]}"
                )
            self._bins += np.bincount(k, minlength=size)

    @property
    def n(self) -> int:
        self.fold()
        return self._n

    @property
    def total(self) -> float:
        self.fold()
        return self._total

    @property
    def total_sq(self) -> float:
        self.fold()
        return self._total_sq

    @property
    def counts_above(self) -> list[int]:
        """Values above each threshold."""
        self.fold()
        return list(self._counts)

    @property
    def mean(self) -> float:
        self.fold()
        return self._total / self._n if self._n else math.nan

    @property
    def histogram(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(left bin edges, counts); the last bin holds everything beyond the range."""
        if self._bins is None or not self._width:
            return None
        self.fold()
        edges = np.arange(len(self._bins)) * self._width
        return edges, self._bins.copy()
