"""Property tests over randomly generated valid scenarios (hypothesis): whatever the system,
no patient is lost or duplicated, no wait or level is negative, no service holds more than its
capacity, and levers written but switched off change nothing: the integrated machinery with
every lever off is the fragmented base exactly. More capacity never lengthens a wait:
tests/test_monotonicity.py."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathsim import load_scenario, simulate, with_overrides
from pathsim.scenario import Integration, Scenario, validate_scenario_data

DAYS, WARMUP = 25, 5


def _dist(draw: st.DrawFn, low: float, high: float) -> dict[str, Any]:
    mean = draw(st.floats(low, high))
    family = draw(st.sampled_from(["exponential", "lognormal", "gamma", "fixed"]))
    if family == "exponential":
        return {"distribution": "exponential", "mean": mean}
    if family == "fixed":
        return {"distribution": "fixed", "value": mean}
    return {"distribution": family, "mean": mean, "sd": mean * draw(st.floats(0.1, 2.0))}


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """A small valid system: one or two segments, A&E, a ward, up to two onward services
    (one council-funded), random frictions and random levers."""
    services: dict[str, Any] = {}
    n_services = draw(st.integers(0, 2))
    for i in range(n_services):
        services[f"s{i}"] = {
            "kind": "reablement" if i == 0 else "care_home",
            "organisation": "council",
            "capacity": draw(st.integers(0, 30)),
            "length_of_stay_days": _dist(draw, 1, 30),
            "initial_occupancy_share": draw(st.floats(0, 1)),
            "community_referrals_per_week": draw(st.floats(0, 10)),
            "when_full": draw(st.sampled_from(["wait", "divert"])),
            "needs_funding_decision": i == 1,
        }
    p1 = draw(st.floats(0, 0.6)) if n_services else 0.0
    segments = {}
    for j in range(draw(st.integers(1, 2))):
        attendances = draw(st.floats(0, 1500))
        admit = draw(st.floats(0, 0.6))
        segments[f"g{j}"] = {
            "population": 10_000,
            "ed_attendances_per_1000_per_year": attendances,
            # at most twice the A&E admissions, so that readmissions (at most 10% of overnight
            # stays, all through A&E) never exceed A&E admissions
            "direct_admissions_per_1000_per_year": draw(st.floats(0, 2)) * attendances * admit,
            "acuity_share": [0.1, 0.2, 0.4, 0.2, 0.1],
            "ed_assessment_hours": _dist(draw, 0.5, 6),
            "admission_probability": admit,
            "ambulance_share": draw(st.floats(0, 1)),
            "community_response_share": draw(st.floats(0, 1)),
            "same_day_probability": draw(st.floats(0, 0.5)),
            "mental_health_share": draw(st.floats(0, 0.3)),
            "readmission_probability": draw(st.floats(0, 0.1)),
            "length_of_stay_days": _dist(draw, 0.5, 15),
            "discharge_pathway_share": {"P0": 1 - p1, "P1": p1},
        }
    data: dict[str, Any] = {
        "name": "random",
        "organisations": {
            "acute": {"label": "Acute", "payer": "nhs"},
            "community": {"label": "Community", "payer": "nhs"},
            "council": {"label": "Council", "payer": "local_authority"},
        },
        "segments": segments,
        "ed": {
            "organisation": "acute",
            "cubicles": draw(st.integers(1, 30)),
            "escalation_spaces": draw(st.integers(0, 10)),
            "queue_discipline": draw(st.sampled_from(["fifo", "priority"])),
        },
        "acute_ward": {
            "organisation": "acute",
            "beds": draw(st.integers(1, 80)),
            "initial_occupancy_share": draw(st.floats(0, 1)),
            "bed_turnaround_hours": draw(st.floats(0, 6)),
        },
        "onward_services": services,
        "mental_health": {
            "organisation": "community",
            "ed_liaison_wait_hours": _dist(draw, 0.1, 5),
            "ward_liaison_wait_days": _dist(draw, 0.05, 2),
        },
        "frictions": {
            "hospital_assessment_days": _dist(draw, 0.1, 2),
            "referral_bounce_probability": draw(st.floats(0, 0.5)),
            "funding_panel_interval_days": draw(st.sampled_from([None, 3.5, 7.0])),
            "social_care_packages_per_week": draw(st.sampled_from([None, 1.0, 5.0])),
        },
        "integration": {
            "discharge_to_assess": {"enabled": draw(st.booleans())},
            "pooled_budget": {"enabled": draw(st.booleans())},
            "virtual_wards": {
                "enabled": draw(st.booleans()),
                "organisation": "community",
                "slots": draw(st.integers(0, 10)),
                "length_of_stay_days": _dist(draw, 1, 10),
                "step_up_share_if_admission_needed": draw(st.floats(0, 1)),
                "step_up_share_otherwise": draw(st.floats(0, 0.2)),
                "step_down_share": draw(st.floats(0, 1)),
                "step_down_bed_days_saved": draw(st.floats(0, 3)),
                "escalation_probability": draw(st.floats(0, 0.5)),
            },
        },
    }
    if n_services:
        data["discharge_pathway_services"] = {"P1": {"s0": 1.0}}
        if n_services == 2:
            services["s0"]["then_referred_to"] = {"s1": draw(st.floats(0, 1))}
            data["deterioration"] = {
                "daily_chance": draw(st.floats(0, 0.5)),
                "from_services": ["s0"],
                "to_service": "s1",
            }
    if draw(st.booleans()):  # drawn last, so the other draws are as they were
        data["frictions"]["referral_lead_days"] = _dist(draw, 0.1, 5)
    return validate_scenario_data(data)


SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@pytest.mark.slow
@SETTINGS
@given(scenarios(), st.integers(0, 3))
def test_invariants_hold_in_any_system(sc: Scenario, rep: int) -> None:
    res = simulate(sc, rep, days=DAYS, warmup_days=WARMUP)
    c = res.conservation
    assert c["created"] == c["exited"] + c["present"]
    assert c["present"] >= 0
    k = res.kpis
    for name, value in k.items():
        if name.startswith(("mean_", "ed_mean", "delayed_", "occupancy_", "bed_")):
            assert math.isnan(value) or value >= -1e-9, name
    for name in ("bed_occupancy", "bed_unavailability", "ed_cubicle_occupancy"):
        assert -1e-9 <= k[name] <= 1 + 1e-9, name
    ts: pd.DataFrame = res.timeseries
    assert (ts["value"] >= -1e-9).all()
    capacity = {
        "ed": sc.ed.cubicles,
        "acute_ward": sc.acute_ward.beds,
        **{n: s.capacity for n, s in sc.onward_services.items()},
    }
    occupied = ts[ts["metric"].isin(["occupied", "occupied_at_midnight"])]
    for service, cap in capacity.items():
        values = occupied[occupied["service"] == service]["value"]
        assert (values <= cap + 1e-9).all(), service


@pytest.mark.slow
@SETTINGS
@given(scenarios())
def test_levers_written_but_off_change_nothing(sc: Scenario) -> None:
    off = {
        f"integration.{lever}.enabled": False
        for lever in ("discharge_to_assess", "pooled_budget", "virtual_wards")
    }
    base = with_overrides(sc, off)
    # the same levers with other settings, still off
    other = with_overrides(base, {"integration.virtual_wards.slots": 99})
    a = simulate(base, 0, days=DAYS, warmup_days=WARMUP).kpis
    b = simulate(other, 0, days=DAYS, warmup_days=WARMUP).kpis
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name] or (math.isnan(a[name]) and math.isnan(b[name])), name


@pytest.mark.slow
@SETTINGS
@given(scenarios())
def test_the_lever_machinery_switched_off_is_the_base_exactly(sc: Scenario) -> None:
    # every lever written with random settings but off, against no integration section at
    # all (every lever at its defaults): the same patients, the same numbers, exactly
    written_off = with_overrides(
        sc,
        {f"integration.{lever}.enabled": False for lever in Integration.model_fields},
    )
    bare = written_off.model_copy(update={"integration": Integration()})
    a = simulate(written_off, 0, days=DAYS, warmup_days=WARMUP)
    b = simulate(bare, 0, days=DAYS, warmup_days=WARMUP)
    assert a.kpis.keys() == b.kpis.keys()
    for name in a.kpis:
        x, y = a.kpis[name], b.kpis[name]
        assert x == y or (math.isnan(x) and math.isnan(y)), name
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)


def test_integrated_with_every_lever_off_is_the_fragmented_base_exactly() -> None:
    fragmented = load_scenario("scenarios/fragmented.yaml")
    integrated = load_scenario("scenarios/integrated.yaml")
    assert all(getattr(integrated.integration, n).enabled for n in Integration.model_fields)
    off = with_overrides(
        integrated, {f"integration.{lever}.enabled": False for lever in Integration.model_fields}
    )
    a = simulate(fragmented, 1, days=40, warmup_days=10)
    b = simulate(off, 1, days=40, warmup_days=10)
    assert a.kpis == b.kpis and a.conservation == b.conservation
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    # and the levers on do change it (so the comparison can fail)
    on = simulate(integrated, 1, days=40, warmup_days=10)
    assert on.kpis != a.kpis
