"""Money: costs add up across services, organisations and payers; hand-computed cases; and
cost shifting between the local authority and the NHS."""

from __future__ import annotations

import re

import pytest

from builders import per_1000_per_year, scenario, without_implementation_costs
from pathsim import load_scenario, simulate, with_overrides


def _parts(k: dict[str, float], prefix: str) -> float:
    return sum(v for n, v in k.items() if n.startswith(prefix) and n.endswith("_gbp"))


def test_costs_add_up_in_the_default_scenario() -> None:
    k = simulate(load_scenario("scenarios/fragmented.yaml"), 0, days=30, warmup_days=5).kpis
    total = k["cost_total_gbp"]
    assert total > 0
    assert k["cost_nhs_gbp"] + k["cost_local_authority_gbp"] == pytest.approx(total, rel=1e-12)
    assert _parts(k, "cost_org_") == pytest.approx(total, rel=1e-12)
    assert _parts(k, "cost_service_") == pytest.approx(total, rel=1e-12)
    # the default's A&E, beds, electives, escalation, community beds (contracted and spot)
    # and mental health liaison are NHS; onward social care is the council's
    nhs = (
        k["cost_service_ed_gbp"]
        + k["cost_service_acute_ward_gbp"]
        + k["cost_service_electives_gbp"]
        + sum(v for n, v in k.items() if n.startswith("cost_service_escalation_"))
        + k.get("cost_service_sdec_gbp", 0.0)
        + k["cost_service_community_beds_gbp"]
        + k["cost_service_community_beds_spot_gbp"]  # spot-purchased community beds
        + k["cost_service_mental_health_liaison_gbp"]
    )
    assert k["cost_service_community_beds_spot_gbp"] > 0
    assert k["cost_service_mental_health_liaison_gbp"] > 0
    assert k["cost_nhs_gbp"] == pytest.approx(nhs, rel=1e-12)


HALF_FULL_WARD = {
    "acute_ward.beds": 20,
    "acute_ward.initial_occupancy_share": 0.5,
    "acute_ward.cost_per_bed_day_gbp": 600,
    "acute_ward.cost_per_delayed_bed_day_gbp": 400,
    "segments.everyone.length_of_stay_days": {"distribution": "fixed", "value": 1e6},
}
"""Nothing arrives; 10 of 20 beds are full all run long (stays of a million days)."""


def test_hand_computed_costs() -> None:
    # Nothing arrives; 10 of 20 beds and 6 of 8 care places are full all run long (stays of a
    # million days): 10 x 100 bed days at 600 and 6 x 100 place days at 90.
    sc = scenario(
        **{
            **HALF_FULL_WARD,
            "ed.cost_per_attendance_gbp": 190,
            "onward_services": {
                "care": {
                    "kind": "care_home",
                    "organisation": "council",
                    "capacity": 8,
                    "initial_occupancy_share": 0.75,
                    "length_of_stay_days": {"distribution": "fixed", "value": 1e6},
                    "cost_per_day_gbp": 90,
                    "cost_per_episode_gbp": 1000,
                }
            },
        }
    )
    k = simulate(sc, 0, days=100, warmup_days=10).kpis
    assert k["cost_service_acute_ward_gbp"] == pytest.approx(10 * 100 * 600)
    assert k["cost_service_care_gbp"] == pytest.approx(6 * 100 * 90)  # no stay started
    assert k["cost_service_ed_gbp"] == 0
    assert k["cost_nhs_gbp"] == pytest.approx(600_000)
    assert k["cost_local_authority_gbp"] == pytest.approx(54_000)


PRICED = {
    "ed.cubicles": 20,
    "acute_ward.beds": 60,
    "acute_ward.cost_per_bed_day_gbp": 500,
    "acute_ward.cost_per_delayed_bed_day_gbp": 300,
    "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(40),
    "segments.everyone.admission_probability": 0.25,
    "segments.everyone.discharge_pathway_share": {"P0": 0.5, "P1": 0.5},
    "onward_services": {
        "support": {
            "kind": "reablement",
            "organisation": "council",
            "capacity": 20,  # 5 a day x 5 days offered: delays do happen
            "length_of_stay_days": {"distribution": "fixed", "value": 5},
            "cost_per_episode_gbp": 2000,
        }
    },
    "discharge_pathway_services": {"P1": {"support": 1.0}},
}
"""A small system whose P1 discharges wait for reablement: every priced measure happens."""


def test_attendances_episodes_and_delayed_days_are_priced() -> None:
    sc = scenario(
        **{
            **PRICED,
            "ed.cost_per_attendance_gbp": 100,
        }
    )
    k = simulate(sc, 0, days=200, warmup_days=20).kpis
    assert k["cost_service_ed_gbp"] == pytest.approx(100 * k["ed_attendances"])
    assert k["cost_service_support_gbp"] == pytest.approx(2000 * k["started_support"])
    delayed = k["delayed_discharge_bed_days"]
    bed_days = k["bed_occupancy"] * 60 * 200
    assert delayed > 0
    assert k["cost_service_acute_ward_gbp"] == pytest.approx(
        500 * (bed_days - delayed) + 300 * delayed
    )


def test_the_fixed_part_of_a_bed_is_paid_whether_or_not_it_is_used() -> None:
    # The hand-computed case above with 60% of a bed day's cost fixed: every one of the 20
    # beds costs 360 a day, used or not, and each of the 10 occupied ones 240 more; the 10
    # empty beds' fixed part is the empty-bed cost.
    sc = scenario(**{**HALF_FULL_WARD, "acute_ward.fixed_share_of_bed_day_cost": 0.6})
    k = simulate(sc, 0, days=100, warmup_days=10).kpis
    assert k["cost_service_acute_ward_gbp"] == pytest.approx(20 * 100 * 360 + 10 * 100 * 240)
    assert k["empty_bed_cost_gbp"] == pytest.approx(10 * 100 * 360)


def test_with_a_fixed_share_a_delayed_day_costs_at_least_the_fixed_part() -> None:
    # The priced case above again, with 70% fixed (350 of 500 a bed day): open beds cost 350
    # a day, an acute bed day 150 more, a delayed one nothing more (its 300 is below 350).
    k = simulate(
        scenario(**{**PRICED, "acute_ward.fixed_share_of_bed_day_cost": 0.7}),
        0,
        days=200,
        warmup_days=20,
    ).kpis
    delayed = k["delayed_discharge_bed_days"]
    bed_days = k["bed_occupancy"] * 60 * 200
    assert delayed > 0
    assert k["cost_service_acute_ward_gbp"] == pytest.approx(
        60 * 200 * 350 + 150 * (bed_days - delayed)
    )


@pytest.mark.slow
def test_cutting_home_care_shifts_cost_to_the_nhs() -> None:
    # Same patients: with fewer home care packages (a fifth fewer contracted, the spot market
    # as it was: fewer than the area needs) the council spends less on home care, contracted
    # and spot together, and the NHS bears it in its beds: patients waiting for home care
    # fill beds that would have stood empty (the fixed part of a bed is paid either way, so
    # this is capacity, not cash) and the trust opens more escalation beds (cash).
    base = load_scenario("scenarios/fragmented.yaml")
    cut = with_overrides(base, {"onward_services.home_care.capacity": 1480})
    a = simulate(base, 0, days=120, warmup_days=30).kpis
    b = simulate(cut, 0, days=120, warmup_days=30).kpis

    def home_care(k: dict[str, float]) -> float:
        return k["cost_service_home_care_gbp"] + k["cost_service_home_care_spot_gbp"]

    assert home_care(b) < home_care(a)
    assert b["delayed_discharge_bed_days_awaiting_home_care"] > (
        2 * a["delayed_discharge_bed_days_awaiting_home_care"]
    )
    assert b["empty_bed_cost_gbp"] < a["empty_bed_cost_gbp"]
    assert b["escalation_cost_gbp"] > a["escalation_cost_gbp"]


def test_lever_implementation_costs_by_hand_and_nothing_else_changes() -> None:
    # The integrated system with and without the levers' implementation costs, on the same
    # seed: every flow KPI is the same, and each lever's cost lines are its running cost pro
    # rata over the 40 days and its set-up spread over the first year (40/365 of it),
    # borne by the organisation that pays.
    sc = load_scenario("scenarios/integrated.yaml")
    days = 40
    k = simulate(sc, 0, days=days, warmup_days=5).kpis
    bare = simulate(without_implementation_costs(sc), 0, days=days, warmup_days=5).kpis
    added = 0.0
    by_org: dict[str, float] = {}
    for name in type(sc.integration).model_fields:
        c = getattr(sc.integration, name).implementation_costs
        assert c is not None, f"{name} states no implementation costs"
        staff = sum(
            (r.wte or 0) * (r.cost_per_wte_per_year_gbp or 0) + (r.per_year_gbp or 0)
            for r in c.running
        )
        running = staff * days / 365.25
        assert k[f"cost_service_lever_{name}_gbp"] == pytest.approx(running, rel=1e-12)
        set_up = c.set_up_gbp * days / 365  # spread over the first year
        assert k[f"cost_service_lever_{name}_set_up_gbp"] == pytest.approx(set_up, rel=1e-12)
        added += running + set_up
        by_org[c.paid_by] = by_org.get(c.paid_by, 0.0) + running + set_up
    for kpi, value in bare.items():
        if not kpi.startswith("cost_"):
            assert k[kpi] == value or (value != value and k[kpi] != k[kpi]), kpi
    assert k["cost_total_gbp"] - bare["cost_total_gbp"] == pytest.approx(added, rel=1e-9)
    for org, gbp in by_org.items():
        diff = k[f"cost_org_{org}_gbp"] - bare[f"cost_org_{org}_gbp"]
        assert diff == pytest.approx(gbp, rel=1e-9), org
    assert _parts(k, "cost_service_") == pytest.approx(k["cost_total_gbp"], rel=1e-12)
    assert k["cost_nhs_gbp"] + k["cost_local_authority_gbp"] == pytest.approx(
        k["cost_total_gbp"], rel=1e-12
    )


@pytest.mark.parametrize(
    ("costs", "words"),
    [
        (
            {"paid_by": "nobody"},
            "implementation_costs.paid_by': 'nobody' is not an organisation of this scenario",
        ),
        (
            {"paid_by": "acute_trust", "running": [{"item": "x", "wte": 1}]},
            "implementation_costs.running.0': Staff need both wte and cost_per_wte_per_year_gbp",
        ),
        (
            {
                "paid_by": "acute_trust",
                "running": [
                    {"item": "x", "wte": 1, "per_year_gbp": 5, "cost_per_wte_per_year_gbp": 2}
                ],
            },
            "running.0': Give either wte with cost_per_wte_per_year_gbp (staff) or per_year_gbp",
        ),
        (
            {"paid_by": "acute_trust", "set_up_gbp": -1},
            "set_up_gbp",
        ),
    ],
)
def test_bad_implementation_costs_are_refused_naming_the_field(
    costs: dict[str, object], words: str
) -> None:
    from pathsim import ScenarioError

    base = load_scenario("scenarios/fragmented.yaml")
    with pytest.raises(ScenarioError, match=re.escape(words)):
        with_overrides(
            base,
            {"integration": {"pooled_budget": {"enabled": True, "implementation_costs": costs}}},
        )


def test_a_set_up_is_counted_once_in_a_run_of_a_year_or_more() -> None:
    sc = with_overrides(
        load_scenario("scenarios/fragmented.yaml"),
        {
            "integration": {
                "pooled_budget": {
                    "enabled": True,
                    "implementation_costs": {"paid_by": "local_authority", "set_up_gbp": 1000},
                }
            }
        },
    )
    k = simulate(sc, 0, days=400, warmup_days=0).kpis
    assert k["cost_service_lever_pooled_budget_set_up_gbp"] == 1000
    assert k["cost_service_lever_pooled_budget_gbp"] == 0
