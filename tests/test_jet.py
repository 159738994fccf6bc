"""The single point of referral (joint emergency team): zero capacity equals the base,
hand-computed cases, opening hours, and effects within the published evidence."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from builders import erlang_b, per_1000_per_year, scenario, without_implementation_costs
from pathsim import load_scenario, simulate, with_overrides

TEAM: dict[str, Any] = {
    "enabled": True,
    "organisation": "council",
    "teams": 1000,
    "open_hour": 0,
    "close_hour": 24,
    "response_hours": {"distribution": "fixed", "value": 1.0},
    "assessment_hours": {"distribution": "fixed", "value": 1.0},
    "manage_at_home_if_admission_needed": 0.0,
    "manage_at_home_otherwise": 0.0,
    "cost_per_contact_gbp": 150,
}


def _system(team: dict[str, Any] | None = None, **extra: Any) -> dict[str, float]:
    """Every crisis arrives by ambulance and suits a community team; nobody is admitted."""
    changes: dict[str, Any] = {
        "ed.cubicles": 100,
        "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(20),
        "segments.everyone.ambulance_share": 1.0,
        "segments.everyone.community_response_share": 1.0,
        **extra,
    }
    if team is not None:
        changes["integration"] = {"single_point_of_referral": team}
    return simulate(scenario(**changes), 0, days=100, warmup_days=10).kpis


def test_a_team_of_zero_is_the_base_exactly() -> None:
    base = load_scenario("scenarios/fragmented.yaml")
    zero = with_overrides(
        without_implementation_costs(
            load_scenario("scenarios/levers/single_point_of_referral.yaml")
        ),
        {
            "integration.single_point_of_referral.teams": 0,
            "integration.single_point_of_referral.added_capacity": {},
        },
    )
    a = simulate(base, 2, days=60, warmup_days=20).kpis
    b = simulate(zero, 2, days=60, warmup_days=20).kpis
    assert b.pop("cost_service_jet_gbp") == 0
    assert b == a


def test_everyone_managed_at_home() -> None:
    k = _system({**TEAM, "manage_at_home_otherwise": 1.0})
    assert k["ed_attendances"] == 0
    assert k["jet_contacts"] > 1500 and k["jet_managed_at_home"] == k["jet_contacts"]
    assert k["admissions_avoided"] == 0  # nobody would have been admitted
    assert k["share_with_named_coordinator"] == 1
    assert k["assessments_per_episode"] == 1  # the team's one holistic assessment
    assert k["handoffs_per_episode"] == 0
    assert k["cost_service_jet_gbp"] == pytest.approx(150 * k["jet_contacts"])


def test_everyone_sent_in() -> None:
    k = _system(TEAM)
    assert k["jet_managed_at_home"] == 0
    assert k["ed_attendances"] == pytest.approx(k["jet_contacts"], abs=5)  # edge of the period
    assert k["share_with_named_coordinator"] == 1
    assert k["assessments_per_episode"] == 2  # the team, then A&E: the story told twice
    assert k["handoffs_per_episode"] == 1  # from the team to the hospital


def test_would_be_admissions_managed_at_home_are_admissions_avoided() -> None:
    team = {**TEAM, "manage_at_home_if_admission_needed": 1.0}
    k = _system(team, **{"segments.everyone.admission_probability": 0.5})
    assert k["admissions_avoided"] == pytest.approx(k["jet_contacts"] / 2, rel=0.1)
    assert k["emergency_admissions"] == 0
    assert k["ed_attendances"] == pytest.approx(k["jet_contacts"] / 2, rel=0.1)


def test_team_only_takes_crises_in_opening_hours() -> None:
    team = {**TEAM, "open_hour": 8, "close_hour": 20}
    sc = scenario(
        **{
            "ed.cubicles": 100,
            "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(20),
            "segments.everyone.ambulance_share": 1.0,
            "segments.everyone.community_response_share": 1.0,
            "integration": {"single_point_of_referral": team},
        }
    )
    log = simulate(sc, 0, days=60, warmup_days=0, event_log=True).event_log
    assert log is not None
    taken = log[(log["service"] == "jet") & (log["event"] == "arrival")]["time"].to_numpy()
    hours = (taken % 1) * 24
    assert len(taken) > 400
    assert ((hours >= 8) & (hours < 20)).all()
    direct = log[(log["service"] == "ed") & (log["event"] == "arrival")]["time"].to_numpy()
    assert (((direct % 1) * 24 < 8) | ((direct % 1) * 24 >= 20)).all()


def test_full_teams_turn_crises_away_to_their_usual_route() -> None:
    # One team that cannot queue is a loss system: 20 crises a day of 2 hours each offer
    # a = 20/24 x 2 = 1.67 Erlangs, so the share taken is 1 - B(1, a) = 0.375 (Erlang B,
    # insensitive to the fixed case length). About 1,900 crises: the standard error of the
    # share is 0.011, and 0.04 is over 3.5 of them.
    k = _system({**TEAM, "teams": 1, "manage_at_home_otherwise": 1.0})
    share = k["jet_contacts"] / (k["jet_contacts"] + k["ed_attendances"])
    assert share == pytest.approx(1 - erlang_b(1, 20 / 24 * 2), abs=0.04)


@pytest.mark.slow
def test_single_point_of_referral_stays_within_the_evidence() -> None:
    # Controlled studies found 0 to -5% emergency admissions [6b]: the shipped lever must too.
    base = load_scenario("scenarios/fragmented.yaml")
    lever = load_scenario("scenarios/levers/single_point_of_referral.yaml")
    change = []
    for rep in range(2):
        a = simulate(base, rep, days=180, warmup_days=30).kpis["emergency_admissions"]
        b = simulate(lever, rep, days=180, warmup_days=30).kpis
        change.append(b["emergency_admissions"] / a - 1)
        assert b["admissions_avoided"] > 0
    assert -0.05 <= float(np.mean(change)) <= 0.0
