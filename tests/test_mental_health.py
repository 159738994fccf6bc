"""Mental health liaison and the integrated physical and mental health lever, on tiny
deterministic systems with hand-computed answers."""

from __future__ import annotations

from typing import Any

import pytest

from builders import per_1000_per_year, scenario, without_implementation_costs
from pathsim import load_scenario, simulate, with_overrides
from pathsim.scenario import ScenarioError

LEVER = "integration.integrated_mental_health"


def _fixed(value: float) -> dict[str, Any]:
    return {"distribution": "fixed", "value": value}


def _changes(**extra: Any) -> dict[str, Any]:
    changes: dict[str, Any] = {
        "organisations.mh_trust": {"label": "Mental health trust", "payer": "nhs"},
        "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(10.0),
        "segments.everyone.ed_assessment_hours": _fixed(2.0),
        "segments.everyone.mental_health_share": 1.0,
        "ed.cubicles": 100,
        "mental_health": {
            "organisation": "mh_trust",
            "ed_liaison_wait_hours": _fixed(3.0),
            "ward_liaison_wait_days": _fixed(0.5),
            "cost_per_assessment_gbp": 200,
        },
    }
    changes.update(extra)
    return changes


def _kpis(**changes: Any) -> dict[str, float]:
    return simulate(scenario(**changes), 0, days=60, warmup_days=10).kpis


def test_liaison_wait_in_a_and_e_is_a_hand_off_and_an_assessment() -> None:
    k = _kpis(**_changes())
    assert k["ed_mean_time_hours_mental_health"] == pytest.approx(5.0)  # 2 h + 3 h
    assert k["handoffs_per_episode"] == pytest.approx(1.0)  # referred to the mental health trust
    assert k["assessments_per_episode"] == pytest.approx(2.0)  # A&E and the liaison team
    assert k["mental_health_liaison_assessments"] == k["ed_attendances"]
    assert k["cost_service_mental_health_liaison_gbp"] == pytest.approx(
        200 * k["mental_health_liaison_assessments"]
    )
    assert k["cost_org_mh_trust_gbp"] == k["cost_service_mental_health_liaison_gbp"]


def test_the_lever_shortens_the_wait_and_removes_the_hand_off() -> None:
    lever = {"enabled": True, "ed_liaison_wait_hours": _fixed(1.0)}
    k = _kpis(**_changes(**{LEVER: lever}))
    assert k["ed_mean_time_hours_mental_health"] == pytest.approx(3.0)
    assert k["handoffs_per_episode"] == 0
    assert k["assessments_per_episode"] == pytest.approx(2.0)


def test_waiting_in_bed_for_the_liaison_assessment_is_a_delayed_discharge() -> None:
    ward = {
        "segments.everyone.ed_attendances_per_1000_per_year": 0.0,
        "segments.everyone.direct_admissions_per_1000_per_year": per_1000_per_year(4.0),
        "segments.everyone.length_of_stay_days": _fixed(10.0),
    }
    k = _kpis(**_changes(**ward))
    assert k["mean_los_days"] == pytest.approx(10.5)
    assert k["mean_fit_to_discharge_days"] == pytest.approx(0.5)
    # every patient leaving in the results period waited half a day (boundaries aside)
    assert k["delayed_discharge_bed_days_awaiting_mental_health"] == pytest.approx(
        0.5 * k["ward_admissions"], rel=0.1
    )
    lever = {"enabled": True, "ward_liaison_wait_days": _fixed(0.1)}
    k = _kpis(**_changes(**ward, **{LEVER: lever}))
    assert k["mean_los_days"] == pytest.approx(10.1)


def test_no_mental_health_need_no_liaison_and_the_lever_changes_nothing() -> None:
    base = load_scenario("scenarios/fragmented.yaml")
    shares = {f"segments.{name}.mental_health_share": 0.0 for name in base.segments}
    off = with_overrides(base, shares)
    lever = load_scenario("scenarios/levers/integrated_mental_health.yaml")
    on = with_overrides(without_implementation_costs(lever), shares)
    a = simulate(off, 0, days=40, warmup_days=10).kpis
    b = simulate(on, 0, days=40, warmup_days=10).kpis
    assert a["mental_health_liaison_assessments"] == 0
    assert a == pytest.approx(b, nan_ok=True)


@pytest.mark.slow
def test_the_default_lever_shortens_mental_health_waits_in_a_and_e() -> None:
    a = simulate(load_scenario("scenarios/fragmented.yaml"), 0, days=60, warmup_days=20).kpis
    lever = load_scenario("scenarios/levers/integrated_mental_health.yaml")
    b = simulate(lever, 0, days=60, warmup_days=20).kpis
    assert b["ed_mean_time_hours_mental_health"] < a["ed_mean_time_hours_mental_health"] - 1
    assert b["handoffs_per_episode"] < a["handoffs_per_episode"]
    assert b["delayed_discharge_bed_days_awaiting_mental_health"] < (
        0.6 * a["delayed_discharge_bed_days_awaiting_mental_health"]
    )


def test_a_mental_health_share_needs_an_organisation() -> None:
    with pytest.raises(ScenarioError, match=r"mental_health\.organisation"):
        scenario(**{"segments.everyone.mental_health_share": 0.1})
