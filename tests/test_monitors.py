"""The buffered :class:`~pathsim.model.monitors.Tally` (issue 7) against the same values
accumulated one by one in plain Python: n, total, sum of squares, mean, counts above
thresholds and histogram must be bit for bit equal, whatever the values, however long the
sequence (past ``FOLD_AT``), and whenever they are read or folded in between."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathsim.model.monitors import Tally

THRESHOLDS = (0.5, 1.0, 4.0)
WIDTH = 0.25
N_BINS = 16  # bins cover [0, 4); the last one holds everything beyond


@dataclass
class OneByOne:
    """Adds value by value in plain Python, as ``Tally.record`` did before the buffer."""

    thresholds: tuple[float, ...] = THRESHOLDS
    width: float = WIDTH
    n_bins: int = N_BINS
    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    counts: list[int] = field(default_factory=list)
    bins: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.counts = [0] * len(self.thresholds)
        self.bins = [0] * (self.n_bins + 1)

    def record(self, x: float) -> None:
        self.n += 1
        self.total += x
        self.total_sq += x * x
        for i, thr in enumerate(self.thresholds):
            if x > thr:
                self.counts[i] += 1
        k = int(x / self.width)
        self.bins[min(k, self.n_bins)] += 1  # negative k: from the end, as list indexing does


def bits(x: float) -> str:
    """The exact bits of a float (tells -0.0 from 0.0 and one ulp from another)."""
    return x.hex()


STATISTICS = ("n", "total", "total_sq", "mean", "counts_above", "histogram")


def assert_same_one(tally: Tally, ref: OneByOne, name: str) -> None:
    """Reads one statistic (which must fold whatever is buffered by itself) and compares."""
    if name == "n":
        assert tally.n == ref.n
    elif name == "total":
        assert bits(tally.total) == bits(ref.total)
    elif name == "total_sq":
        assert bits(tally.total_sq) == bits(ref.total_sq)
    elif name == "mean":
        if ref.n:
            assert bits(tally.mean) == bits(ref.total / ref.n)
        else:
            assert math.isnan(tally.mean)
    elif name == "counts_above":
        assert tally.counts_above == ref.counts
    else:
        hist = tally.histogram
        assert hist is not None
        edges, counts = hist
        assert counts.tolist() == ref.bins
        assert edges.tolist() == [i * WIDTH for i in range(N_BINS + 1)]


def assert_same(tally: Tally, ref: OneByOne) -> None:
    for name in STATISTICS:
        assert_same_one(tally, ref, name)


# Values a tally sees (waits and stays, >= 0) with awkward ones mixed in: exact thresholds and
# bin edges (ties with ">" and with truncation), -0.0, tiny and huge magnitudes (which make
# the order of additions matter), values beyond the histogram. Negative values are kept above
# -N_BINS * WIDTH, where the old list indexing was defined.
VALUES = st.one_of(
    st.floats(min_value=0.0, max_value=10.0),
    st.sampled_from([0.0, -0.0, 0.25, 0.5, 1.0, 4.0, 3.9999999999999996, 1e-300, 1e15, 1e-9]),
    st.floats(min_value=-N_BINS * WIDTH + 1e-9, max_value=0.0),
    st.floats(min_value=0.0, max_value=1e15),
)

# An operation: record a value, read one statistic, or the run's daily fold_if_long.
OPS = st.lists(
    st.one_of(
        VALUES.map(lambda v: ("record", v)),
        st.sampled_from([*STATISTICS, "fold_if_long"]).map(lambda name: (name, 0.0)),
    ),
    max_size=300,
)


def new_tally() -> Tally:
    return Tally(THRESHOLDS, bin_width=WIDTH, n_bins=N_BINS)


@settings(max_examples=300, deadline=None)
@given(OPS)
def test_tally_is_bit_for_bit_one_by_one(ops: list[tuple[str, float]]) -> None:
    tally, ref = new_tally(), OneByOne()
    for name, value in ops:
        if name == "record":
            tally.record(value)
            ref.record(value)
        elif name == "fold_if_long":
            tally.fold_if_long()
        else:
            assert_same_one(tally, ref, name)
    assert_same(tally, ref)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(Tally.FOLD_AT - 2, 3 * Tally.FOLD_AT + 5),
    read_every=st.one_of(st.none(), st.integers(1, 5000)),
    scale=st.sampled_from([1e-3, 1.0, 1e6]),
)
def test_long_sequences_past_fold_at(
    seed: int, n: int, read_every: int | None, scale: float
) -> None:
    """Sequences around and past FOLD_AT values, folded once a 'day' (every 97 values here)
    when long and read now and then, with magnitudes spread over many orders so that any
    other order of addition (numpy's pairwise sum, for one) would change the last bits."""
    rng = np.random.default_rng(seed)
    values = (rng.lognormal(0.0, 3.0, n) * scale).tolist()
    values[:: max(1, n // 50)] = [THRESHOLDS[1]] * len(values[:: max(1, n // 50)])
    tally, ref = new_tally(), OneByOne()
    for i, x in enumerate(values, start=1):
        tally.record(x)
        ref.record(x)
        if i % 97 == 0:
            tally.fold_if_long()
        if read_every and i % read_every == 0:
            assert_same(tally, ref)
    assert_same(tally, ref)


def test_fold_if_long_folds_at_fold_at_and_not_before() -> None:
    """The buffer is bounded: fold_if_long empties it at FOLD_AT values, leaves it shorter."""
    tally = new_tally()
    for i in range(Tally.FOLD_AT - 1):
        tally.record(float(i))
    tally.fold_if_long()
    assert tally._n == 0 and len(tally._buf) == Tally.FOLD_AT - 1
    tally.record(1.0)
    tally.fold_if_long()
    assert tally._n == Tally.FOLD_AT and tally._buf == []
    tally.record(2.0)  # record is still bound to the (cleared) buffer
    assert tally.n == Tally.FOLD_AT + 1


def test_a_pairwise_sum_would_be_caught() -> None:
    """The check above is sensitive to the order of addition: for these values a running sum
    and numpy's pairwise sum differ, and the tally gives the running sum."""
    values = [1e16] + [1.0] * 20
    running = 0.0
    for x in values:
        running += x
    assert bits(float(np.sum(values))) != bits(running)
    tally = new_tally()
    for x in values:
        tally.record(x)
    assert bits(tally.total) == bits(running)


def test_tally_without_histogram_or_thresholds() -> None:
    tally = Tally()
    assert tally.histogram is None and tally.counts_above == [] and math.isnan(tally.mean)
    total = 0.0
    for x in (0.1, 0.2, 0.3):
        tally.record(x)
        total += x
    assert (tally.n, bits(tally.total)) == (3, bits(total))
    with pytest.raises(ValueError, match="histogram needs at least one threshold"):
        Tally(bin_width=1.0, n_bins=3)


def test_huge_values_land_in_the_last_bin_and_nan_is_refused() -> None:
    # 4 bins of width 1 plus the overflow bin; values far beyond the range (even inf, whose
    # quotient overflows an int64 if cast unclipped) go to the overflow bin, as placing
    # them one by one did.
    t = Tally(thresholds=(4.0,), bin_width=1.0, n_bins=4)
    for v in (1e300, float("inf"), 4.6e18, 2.5):
        t.record(v)
    hist = t.histogram
    assert hist is not None
    assert list(hist[1]) == [0, 0, 1, 0, 3]
    bad = Tally(thresholds=(4.0,), bin_width=1.0, n_bins=4)
    bad.record(float("nan"))
    with pytest.raises(ValueError, match="outside the histogram"):
        _ = bad.histogram
