"""Virtual wards: step up, step down and escalation do what they claim and nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from builders import per_1000_per_year, scenario
from pathsim import ReplicationResult, Scenario, load_scenario, simulate, with_overrides
from pathsim.scenario import ScenarioError

BASE = "scenarios/fragmented.yaml"
LEVER = "scenarios/levers/virtual_wards.yaml"
VW = "integration.virtual_wards"


def _run(sc: Scenario, days: int = 120, log: bool = False, rep: int = 0) -> ReplicationResult:
    return simulate(sc, rep, days=days, warmup_days=20, event_log=log)


def _vw(**fields: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "enabled": True,
        "organisation": "acute",
        "slots": 1000,
        "length_of_stay_days": {"distribution": "fixed", "value": 5.0},
    }
    spec.update(fields)
    return spec


@pytest.mark.slow
def test_no_slots_is_the_base_exactly() -> None:
    base = _run(load_scenario(BASE)).kpis
    zero = _run(with_overrides(load_scenario(LEVER), {f"{VW}.slots": 0})).kpis
    vw_only = {k for k in zero if k.startswith(("virtual_ward", "cost_"))}
    assert zero["virtual_ward_step_ups"] == zero["virtual_ward_step_downs"] == 0
    for name, value in base.items():
        if name in vw_only:
            continue
        assert zero[name] == value or (value != value and zero[name] != zero[name]), name


def test_step_up_takes_exactly_the_drawn_share_and_avoids_their_admissions() -> None:
    # Plenty of slots and beds, a fixed 5-day virtual ward stay, no escalation: every
    # would-be admission whose draw is below the share goes to the virtual ward instead.
    rate = per_1000_per_year(20.0)
    common = {
        "segments.everyone.ed_attendances_per_1000_per_year": rate,
        "segments.everyone.admission_probability": 0.5,
        "ed.cubicles": 200,
        "acute_ward.beds": 400,
        "run.days": 200,
    }
    base = _run(scenario(**common), days=200).kpis
    vw = _run(scenario(**common, **{VW: _vw(step_up_share_if_admission_needed=0.25)}), 200).kpis
    # same patients: attendances equal; a quarter of admissions moved to the virtual ward
    assert vw["ed_attendances"] == base["ed_attendances"]
    # Step-ups of the last 5 days are still on the ward at the end, and those of the warm-up's
    # last 5 days complete in the results period: about 12 each way, Poisson.
    assert vw["admissions_avoided"] == pytest.approx(vw["virtual_ward_step_ups"], abs=15)
    assert vw["virtual_ward_step_ups"] == pytest.approx(
        0.25 * base["emergency_admissions"], rel=0.1
    )
    assert vw["emergency_admissions"] + vw["virtual_ward_step_ups"] == base["emergency_admissions"]
    # 5 days on the virtual ward at about 2.5 step-ups a day: about 12.5 slots in use
    assert vw["virtual_ward_occupancy"] * 1000 == pytest.approx(12.5, rel=0.15)


def test_step_up_of_patients_who_would_go_home_avoids_nothing() -> None:
    common = {
        "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(20.0),
        "segments.everyone.admission_probability": 0.5,
        "ed.cubicles": 200,
    }
    base = _run(scenario(**common)).kpis
    vw = _run(scenario(**common, **{VW: _vw(step_up_share_otherwise=0.5)})).kpis
    assert vw["virtual_ward_step_ups"] > 100
    assert vw["admissions_avoided"] == 0
    assert vw["emergency_admissions"] == base["emergency_admissions"]


def test_no_room_no_step_up() -> None:
    common = {
        "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(20.0),
        "segments.everyone.admission_probability": 0.5,
        "ed.cubicles": 200,
    }
    base = _run(scenario(**common)).kpis
    full = _run(scenario(**common, **{VW: _vw(slots=0, step_up_share_if_admission_needed=1)}))
    assert full.kpis["virtual_ward_step_ups"] == 0
    assert full.kpis["emergency_admissions"] == base["emergency_admissions"]


def test_step_down_saves_the_bed_days_it_says() -> None:
    # Direct admissions, fixed 10-day stays, no discharge timing: each stepped-down patient
    # leaves the bed 3 days early, so mean length of stay drops from 10 to 7 days exactly.
    common = {
        "segments.everyone.direct_admissions_per_1000_per_year": per_1000_per_year(5.0),
        "segments.everyone.length_of_stay_days": {"distribution": "fixed", "value": 10.0},
        "acute_ward.beds": 200,
    }
    base = _run(scenario(**common)).kpis
    vw = _run(
        scenario(**common, **{VW: _vw(step_down_share=1.0, step_down_bed_days_saved=3.0)})
    ).kpis
    assert base["mean_los_days"] == pytest.approx(10.0)
    assert vw["mean_los_days"] == pytest.approx(7.0)
    assert vw["ward_admissions"] == base["ward_admissions"]
    # every patient steps down, 7 days after admission (boundary effects of about 35 a side)
    assert vw["virtual_ward_step_downs"] == pytest.approx(vw["ward_admissions"], rel=0.1)
    assert vw["bed_occupancy"] == pytest.approx(base["bed_occupancy"] * 0.7, rel=0.05)


def test_escalation_rate_and_conservation() -> None:
    common = {
        "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(30.0),
        "segments.everyone.admission_probability": 0.5,
        "ed.cubicles": 300,
        "acute_ward.beds": 400,
    }
    spec = _vw(step_up_share_if_admission_needed=0.6, escalation_probability=0.3)
    sc = scenario(**common, **{VW: spec})
    res = _run(sc, days=300)
    k = res.kpis
    # about 0.6 x 15 a day x 300 days = 2,700 step-ups; the escalated share is binomial with
    # SD sqrt(0.3 x 0.7 / 2700) = 0.9 points: 4 SD is 3.5 points
    assert k["virtual_ward_escalations"] / k["virtual_ward_step_ups"] == pytest.approx(
        0.3, abs=0.035
    )
    c = res.conservation
    assert c["created"] == c["exited"] + c["present"]


@pytest.mark.slow
def test_the_default_lever_stays_within_the_evidence() -> None:
    a = _run(load_scenario(BASE)).kpis
    b = _run(load_scenario(LEVER)).kpis
    change = b["emergency_admissions"] / a["emergency_admissions"] - 1
    assert -0.05 <= change < 0  # controlled studies: 0 to -5% [6b]
    # about 1 in 2.5 step-ups avoids an admission [6.14]
    ratio = b["admissions_avoided"] / b["virtual_ward_step_ups"]
    assert 0.25 <= ratio <= 0.55
    assert b["cost_service_virtual_ward_gbp"] > 0


def test_bad_virtual_ward_settings_are_refused() -> None:
    with pytest.raises(ScenarioError, match="segments"):
        scenario(**{VW: _vw(segments=["nobody"])})
    with pytest.raises(ScenarioError, match="length_of_stay_days"):
        scenario(**{VW: {"enabled": True, "organisation": "acute", "slots": 5}})


def test_patients_who_would_have_gone_home_are_not_readmission_risks() -> None:
    # Nobody needs admission; the virtual ward takes half the A&E patients anyway. Leaving it
    # is not a discharge from an overnight stay, so nobody is readmitted.
    changes = {
        "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(20.0),
        "segments.everyone.readmission_probability": 0.5,
        "ed.cubicles": 200,
        VW: _vw(step_up_share_otherwise=0.5),
    }
    k = _run(scenario(**changes)).kpis
    assert k["virtual_ward_step_ups"] > 500
    assert k["readmissions_30d"] == 0
    # a stepped-down patient is a discharge after an overnight stay: readmitted as any other
    changes = {
        "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(5.0),
        "segments.everyone.admission_probability": 1.0,
        "segments.everyone.length_of_stay_days": {"distribution": "fixed", "value": 10.0},
        "segments.everyone.readmission_probability": 0.5,
        "ed.cubicles": 100,
        "acute_ward.beds": 300,
        VW: _vw(step_down_share=1.0, step_down_bed_days_saved=3.0),
    }
    k = _run(scenario(**changes)).kpis
    assert k["virtual_ward_step_downs"] > 300
    # about 900 discharges: binomial SD 1.7 points; boundaries of the count add a little
    assert k["readmission_rate_30d"] == pytest.approx(0.5, abs=0.08)
