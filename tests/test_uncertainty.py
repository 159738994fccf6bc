"""Ranges on a scenario's numbers (``uncertainty:``) and the settings sampled from them: a
plain run ignores the ranges; each shape is the distribution it says (percentiles, mode, mean,
the field's limits); the design is space-filling and reproducible; whole-number fields stay
whole; every sampled setting is a valid scenario with its values."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from pathsim import load_scenario, simulate, with_overrides
from pathsim.scenario import Scenario
from pathsim.scenario.sampling import (
    apply_setting,
    field_limits,
    range_distribution,
    sample_settings,
)
from pathsim.scenario.uncertainty import Range

BASE = "scenarios/fragmented.yaml"


def _ranges(**entries: dict[str, Any]) -> Scenario:
    ranges = {k.replace("__", "."): v for k, v in entries.items()}
    return with_overrides(load_scenario(BASE), {"uncertainty": ranges})


RANGES = {
    "onward_services__home_care__capacity": {"low": 1650, "high": 2050, "reason": "test"},
    "frictions__referral_delay_days__mean": {
        "shape": "pert",
        "low": 0.8,
        "high": 2.4,
        "reason": "test",
    },
    "segments__under_65__readmission_probability": {
        "low": 0.05,
        "high": 0.98,
        "reason": "test: an interval reaching past the share's upper limit",
    },
    "acute_ward__transfer_hours__mean": {
        "shape": "uniform",
        "low": 3.0,
        "high": 6.0,
        "reason": "test",
    },
}


def test_a_plain_run_uses_the_fields_own_values() -> None:
    with_ranges = _ranges(**RANGES)
    assert len(with_ranges.uncertainty) == 4
    got = simulate(with_ranges, 0, days=30, warmup_days=5).kpis
    want = simulate(load_scenario(BASE), 0, days=30, warmup_days=5).kpis
    assert got.keys() == want.keys()
    assert all(got[k] == want[k] or (math.isnan(got[k]) and math.isnan(want[k])) for k in got)


def test_interval80_has_its_ends_at_the_10th_and_90th_percentiles() -> None:
    dist = range_distribution(Range(low=10.0, high=30.0, reason="t"), 20.0)
    assert dist.ppf(0.1) == pytest.approx(10.0, abs=1e-9)
    assert dist.ppf(0.9) == pytest.approx(30.0, abs=1e-9)
    assert dist.mean() == pytest.approx(20.0)


def test_interval80_is_truncated_at_the_fields_limits_not_clipped() -> None:
    # a share with an 80% interval from 0.05 to 0.98: the normal reaches past 1 and below 0
    rng = Range(low=0.05, high=0.98, reason="t")
    dist = range_distribution(rng, 0.14, (0.0, 1.0))
    assert dist.ppf(0.0) == pytest.approx(0.0) and dist.ppf(1.0) == pytest.approx(1.0)
    draws = dist.rvs(size=20_000, random_state=np.random.default_rng(1))
    assert draws.min() > 0 and draws.max() < 1
    # truncation spreads the cut probability over the range: no mass piled on the limits
    assert (draws > 0.999).mean() < 0.01
    sc = _ranges(**RANGES)
    assert field_limits(sc, "segments.under_65.readmission_probability") == (0.0, 1.0)
    # whole numbers are rounded after the draw: cut half a unit early, so that none rounds to
    # a refused number (a capacity may be 0; A&E needs at least one cubicle)
    assert field_limits(sc, "onward_services.home_care.capacity") == (-0.5, math.inf)
    assert field_limits(sc, "ed.cubicles") == (0.5, math.inf)
    assert field_limits(sc, "frictions.referral_delay_days.mean") == (0.0, math.inf)
    # a share that must stay below 1 (not even 1 itself) is cut at 1 too
    assert field_limits(sc, "left_before_seen.share_leaving_by_4h") == (0.0, 1.0)


def test_triangular_and_pert_peak_at_the_fields_value() -> None:
    rng = Range(shape="pert", low=0.8, high=2.4, reason="t")
    pert = range_distribution(rng, 1.2)
    assert pert.mean() == pytest.approx((0.8 + 4 * 1.2 + 2.4) / 6)  # the PERT mean
    grid = np.linspace(0.8, 2.4, 16_001)
    assert grid[np.argmax(pert.pdf(grid))] == pytest.approx(1.2, abs=1e-3)
    tri = range_distribution(rng.model_copy(update={"shape": "triangular"}), 1.2)
    assert grid[np.argmax(tri.pdf(grid))] == pytest.approx(1.2, abs=1e-3)
    assert tri.ppf(0) == pytest.approx(0.8) and tri.ppf(1) == pytest.approx(2.4)
    uni = range_distribution(rng.model_copy(update={"shape": "uniform"}), 1.2)
    assert uni.mean() == pytest.approx(1.6)


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_settings_are_space_filling_reproducible_and_valid(method: str) -> None:
    sc = _ranges(**RANGES)
    n = 16
    settings = sample_settings(sc, n, method=method)  # type: ignore[arg-type]
    assert list(settings.columns) == ["setting", *sc.uncertainty]
    assert settings["setting"].tolist() == list(range(n))
    assert settings.equals(sample_settings(sc, n, method=method))  # type: ignore[arg-type]
    assert not settings.equals(sample_settings(sc, n, seed=7, method=method))  # type: ignore[arg-type]
    # the uniform range: one setting in each sixteenth of the range (both designs stratify
    # every coordinate at this n)
    uniform = settings["acute_ward.transfer_hours.mean"].to_numpy()
    strata = np.floor((uniform - 3.0) / 3.0 * n).astype(int)
    assert sorted(strata.tolist()) == list(range(n))
    capacity = settings["onward_services.home_care.capacity"]
    assert capacity.dtype.kind == "i"  # a whole-number field stays whole
    share = settings["segments.under_65.readmission_probability"]
    assert share.between(0, 1).all()
    for row in settings.to_dict("records")[:3]:
        variant = apply_setting(sc, row)
        assert variant.onward_services["home_care"].capacity == row[capacity.name]
        assert variant.frictions.referral_delay_days is not None
        assert (
            variant.frictions.referral_delay_days.mean == row["frictions.referral_delay_days.mean"]
        )
        assert variant.uncertainty == sc.uncertainty


def test_sampling_needs_ranges_and_at_least_one_setting() -> None:
    # the shipped base has ranges (issue 14); the reference hospital has none
    with pytest.raises(ValueError, match="no ranges"):
        sample_settings(load_scenario("experiments/benchmarks/reference_hospital.yaml"), 4)
    with pytest.raises(ValueError, match="at least 1"):
        sample_settings(_ranges(**RANGES), 0)


def test_the_json_schema_describes_the_section() -> None:
    schema = Scenario.model_json_schema()
    section = schema["properties"]["uncertainty"]
    assert section["type"] == "object"
    ((pattern, entry),) = section["patternProperties"].items()
    assert pattern.startswith("^[a-z]")  # keys are dotted field paths
    ref = entry["$ref"].split("/")[-1]
    assert set(schema["$defs"][ref]["properties"]) == {"shape", "low", "high", "reason"}
