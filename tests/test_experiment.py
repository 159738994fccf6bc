"""Replications, confidence intervals and paired comparisons."""

from __future__ import annotations

import math

import numpy as np
import pytest

from builders import per_1000_per_year, scenario
from pathsim import RunSpec, compare, mean_ci, run_experiment, simulate, with_overrides


def test_mean_ci_by_hand() -> None:
    # x = 1..5: mean 3, sd sqrt(2.5), t(0.975, 4) = 2.776445
    mean, lo, hi, n = mean_ci([1, 2, 3, 4, 5])
    half = 2.776445 * math.sqrt(2.5) / math.sqrt(5)
    assert (mean, n) == (3.0, 5)
    assert lo == pytest.approx(3 - half, abs=1e-5) and hi == pytest.approx(3 + half, abs=1e-5)
    m, lo1, hi1, n1 = mean_ci([4.0])
    assert m == 4.0 and n1 == 1 and math.isnan(lo1) and math.isnan(hi1)
    m, _, _, n2 = mean_ci([1.0, float("nan"), 3.0])
    assert (m, n2) == (2.0, 2)


def test_ci_covers_the_truth_at_the_stated_rate() -> None:
    # 400 intervals from normal samples of size 5: about 95% must cover the mean. The
    # binomial standard deviation of the coverage is 1.1%; 91-99% is over 3.5 of them.
    rng = np.random.default_rng(0)
    covered = 0
    for _ in range(400):
        _, lo, hi, _ = mean_ci(rng.normal(10, 3, 5))
        covered += lo <= 10 <= hi
    assert 0.91 <= covered / 400 <= 0.99


def small() -> object:
    return scenario(
        **{
            "ed.cubicles": 6,
            "acute_ward.beds": 25,  # 3 admissions a day x 5 days: 15 beds offered
            "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(30),
            "segments.everyone.admission_probability": 0.1,
        }
    )


def test_experiment_tables_are_tidy_and_match_single_runs() -> None:
    sc = small()
    spec = RunSpec(replications=3, seed=11, days=40, warmup_days=5)
    result = run_experiment(sc, spec, label="small")  # type: ignore[arg-type]
    kpis = result.kpis
    assert list(kpis.columns) == ["scenario", "replication", "kpi", "value"]
    assert sorted(kpis["replication"].unique()) == [0, 1, 2]
    # replication 1 re-run alone gives the same numbers
    alone = simulate(sc, 1, seed=11, days=40, warmup_days=5).kpis  # type: ignore[arg-type]
    got = kpis[kpis["replication"] == 1].set_index("kpi")["value"].to_dict()
    assert got == pytest.approx(alone, nan_ok=True)
    summary = result.summary()
    assert list(summary.columns) == ["scenario", "kpi", "mean", "ci_low", "ci_high", "n"]
    row = summary.set_index("kpi").loc["ed_attendances"]
    values = kpis[kpis["kpi"] == "ed_attendances"]["value"]
    assert row["mean"] == pytest.approx(values.mean())
    assert row["ci_low"] < row["mean"] < row["ci_high"]
    ts = result.timeseries
    assert {"scenario", "replication", "day", "service", "metric", "value", "warmup"} <= set(
        ts.columns
    )


def test_paired_comparison() -> None:
    sc = small()
    fewer = with_overrides(sc, {"acute_ward.beds": 18})  # type: ignore[arg-type]
    spec = RunSpec(replications=4, seed=3, days=60, warmup_days=5)
    result = compare([("base", sc), ("same", sc), ("fewer", fewer)], spec)  # type: ignore[list-item]
    table = result.comparison().set_index(["kpi", "scenario"])
    # the baseline has no difference; an identical scenario differs by exactly zero
    assert math.isnan(table.loc[("bed_occupancy", "base"), "diff"])
    same = table.xs("same", level="scenario")
    assert (same["diff"].dropna() == 0).all()
    # paired: the difference equals the difference of the means, with its own interval
    row = table.loc[("bed_occupancy", "fewer")]
    base_mean = table.loc[("bed_occupancy", "base"), "mean"]
    assert row["diff"] == pytest.approx(row["mean"] - base_mean)
    assert row["diff_ci_low"] > 0  # fewer beds: higher occupancy, with confidence
    # common random numbers: the same attendances in both, so the difference is exactly zero
    assert table.loc[("ed_attendances", "fewer"), "diff"] == 0


def test_labels_must_be_unique() -> None:
    sc = small()
    with pytest.raises(ValueError, match="unique"):
        compare([("a", sc), ("a", sc)], RunSpec(1, 1, 5, 0))  # type: ignore[list-item]
