"""Frictions and the levers that remove them: each lever changes what it claims and nothing
else; frictions behave as specified; hand-offs and assessments per episode on deterministic
cases with hand-computed answers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import simpy

from builders import per_1000_per_year, scenario
from pathsim import load_scenario, simulate, with_overrides
from pathsim.model.context import Calendar, RunContext
from pathsim.model.patients import Patient
from pathsim.model.referral import BudgetGate, FundingPanelStep
from pathsim.scenario import Frictions, Integration, effective_frictions

GAMMA = {"distribution": "gamma", "mean": 1.0, "sd": 0.5}
ALL_FRICTIONS = Frictions.model_validate(
    {
        "hospital_assessment_days": GAMMA,
        "referral_delay_days": GAMMA,
        "referral_bounce_probability": 0.1,
        "repeat_assessment_days": GAMMA,
        "funding_panel_interval_days": 7,
        "social_care_packages_per_week": 10,
    }
)


def _changed(levers: dict[str, object]) -> dict[str, tuple[object, object]]:
    base = effective_frictions(ALL_FRICTIONS, Integration()).model_dump()
    after = effective_frictions(ALL_FRICTIONS, Integration.model_validate(levers)).model_dump()
    return {k: (base[k], after[k]) for k in base if base[k] != after[k]}


def test_no_lever_changes_nothing() -> None:
    assert _changed({}) == {}


def test_each_lever_changes_only_its_named_frictions() -> None:
    assert set(_changed({"discharge_to_assess": {"enabled": True}})) == {
        "hospital_assessment_days",
        "repeat_assessment_days",
        "assessment_after_discharge",
    }
    assert set(_changed({"pooled_budget": {"enabled": True}})) == {
        "funding_panel_interval_days",
        "social_care_packages_per_week",
    }
    shared = _changed(
        {"shared_care_record": {"enabled": True, "referral_bounce_probability": 0.02}}
    )
    assert shared == {
        "referral_bounce_probability": (0.1, 0.02),
        "referral_delay_factor": (1.0, 0.5),
    }


# -- simulated effects ------------------------------------------------------------------
def _kpis(path: str) -> dict[str, float]:
    return simulate(load_scenario(path), 0, days=120, warmup_days=30).kpis


@pytest.fixture(scope="module")
def fragmented() -> dict[str, float]:
    return _kpis("scenarios/fragmented.yaml")


DELAY = "delayed_discharge_bed_days_"


def _first_crises(k: dict[str, float]) -> float:
    """A&E attendances that are neither readmissions nor returns of patients who left before
    being seen, with the ambulances diverted under escalation added back: the same patients
    in every configuration (readmissions depend on when patients leave, returns on how long
    they wait, diversion on the pressure, all of which the levers change)."""
    return (
        k["ed_attendances"]
        - k["readmissions_30d"]
        - k["ed_left_before_seen_returns"]
        + k["ambulances_diverted"]
    )


@pytest.mark.slow
def test_discharge_to_assess_removes_assessment_delays(fragmented: dict[str, float]) -> None:
    k = _kpis("scenarios/levers/discharge_to_assess.yaml")
    assert fragmented[DELAY + "awaiting_assessment"] > 500
    assert fragmented[DELAY + "awaiting_repeat_assessment"] > 500
    assert k[DELAY + "awaiting_assessment"] == 0
    assert k[DELAY + "awaiting_repeat_assessment"] == 0
    for still in ("awaiting_referral", "awaiting_funding_panel"):
        assert k[DELAY + still] > 0
    assert _first_crises(k) == _first_crises(fragmented)  # the same patients
    assert k["delayed_discharge_bed_days"] < fragmented["delayed_discharge_bed_days"]


def test_pooled_budget_removes_the_funding_panel_and_the_cap(
    fragmented: dict[str, float],
) -> None:
    k = _kpis("scenarios/levers/pooled_budget.yaml")
    assert fragmented[DELAY + "awaiting_funding_panel"] > 200
    assert k[DELAY + "awaiting_funding_panel"] == 0
    assert k[DELAY + "awaiting_budget"] == 0
    for still in ("awaiting_assessment", "awaiting_referral", "awaiting_repeat_assessment"):
        assert k[DELAY + still] > 0
    assert _first_crises(k) == _first_crises(fragmented)


def test_shared_care_record_cuts_referral_delay_only(fragmented: dict[str, float]) -> None:
    k = _kpis("scenarios/levers/shared_care_record.yaml")
    # halved delays and fewer bounces: well under two thirds of the referral bed days
    assert k[DELAY + "awaiting_referral"] < 0.65 * fragmented[DELAY + "awaiting_referral"]
    for still in ("awaiting_assessment", "awaiting_repeat_assessment", "awaiting_funding_panel"):
        assert k[DELAY + still] > 0


def test_levers_written_but_off_equal_the_base_exactly() -> None:
    base = load_scenario("scenarios/fragmented.yaml")
    off = with_overrides(
        base,
        {
            "integration": {
                "discharge_to_assess": {"enabled": False},
                "pooled_budget": {"enabled": False},
                "shared_care_record": {"enabled": False, "referral_bounce_probability": 0.0},
            }
        },
    )
    a = simulate(base, 1, days=40, warmup_days=10).kpis
    b = simulate(off, 1, days=40, warmup_days=10).kpis
    assert a == b


# -- deterministic cases ------------------------------------------------------------------
def _one_route(**extra: object) -> dict[str, float]:
    """Everyone is admitted and leaves on P1 to a council service with room to spare, so every
    episode takes the same path."""
    sc = scenario(
        **{
            "ed.cubicles": 50,
            "acute_ward.beds": 200,
            "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(10),
            "segments.everyone.admission_probability": 1.0,
            "segments.everyone.discharge_pathway_share": {"P1": 1.0},
            "onward_services": {
                "support": {
                    "kind": "reablement",
                    "organisation": "council",
                    "capacity": 500,
                    "length_of_stay_days": {"distribution": "fixed", "value": 10},
                }
            },
            "discharge_pathway_services": {"P1": {"support": 1.0}},
            "frictions": {
                "hospital_assessment_days": {"distribution": "fixed", "value": 1},
                "referral_delay_days": {"distribution": "fixed", "value": 0.5},
                "repeat_assessment_days": {"distribution": "fixed", "value": 0.25},
            },
            **extra,
        }
    )
    return simulate(sc, 0, days=100, warmup_days=20).kpis


def test_handoffs_and_assessments_by_hand() -> None:
    # A&E (1) + admitting team (1) + assessment before discharge (1) + the council assessing
    # again (1) = 4 assessments; one referral to another organisation = 1 hand-off.
    k = _one_route()
    assert k["crisis_episodes"] > 500
    assert k["assessments_per_episode"] == 4
    assert k["handoffs_per_episode"] == 1
    # Every P1 discharge waits 1 + 0.5 + 0.25 days in a bed after being declared fit.
    fit_days = k["mean_fit_to_discharge_days"]
    assert fit_days == pytest.approx(1.75)
    # Discharge to assess: assessed once, at home; no repeat; 0.5 days of referral remain.
    d2a = _one_route(integration={"discharge_to_assess": {"enabled": True}})
    assert d2a["assessments_per_episode"] == 3
    assert d2a["handoffs_per_episode"] == 1
    assert d2a["mean_fit_to_discharge_days"] == pytest.approx(0.5)


def test_bounced_referrals_are_extra_handoffs() -> None:
    # Each attempt bounces with probability 0.5, so attempts are geometric with mean 2.
    k = _one_route(frictions={"referral_bounce_probability": 0.5})
    assert k["handoffs_per_episode"] == pytest.approx(2.0, rel=0.1)  # >700 episodes


def _ctx() -> RunContext:
    env = simpy.Environment()
    return RunContext(
        env=env,
        calendar=Calendar(dt.date(2024, 1, 1)),
        results_from=0.0,
        end=100.0,
    )


def test_funding_panel_waits_for_the_next_meeting() -> None:
    ctx = _ctx()
    step = FundingPanelStep(ctx, 7.0)
    done: list[float] = []
    for t in (0.0, 3.0, 7.0, 7.5):
        if t > ctx.env.now:
            ctx.env.run(until=t)
        step.enter(Patient(1, 0, 0, t), lambda p: done.append(ctx.env.now), None)
    ctx.env.run(until=30)
    assert done == [0.0, 7.0, 7.0, 14.0]


def test_budget_gate_holds_packages_beyond_the_weekly_cap() -> None:
    ctx = _ctx()
    gate = BudgetGate(ctx, 2.0)
    started: list[tuple[int, float]] = []
    for i in range(5):
        gate.enter(Patient(i, 0, 0, 0.0), lambda p: started.append((p.pid, ctx.env.now)), None)
    ctx.env.run(until=30)
    assert started == [(0, 0.0), (1, 0.0), (2, 7.0), (3, 7.0), (4, 14.0)]


def test_integrated_is_exactly_its_levers() -> None:
    # integrated.yaml repeats each lever's settings (a file can extend only one base); they
    # must stay the same as the lever files', and every lever must be on.
    integrated = load_scenario("scenarios/integrated.yaml").integration
    lever_files = sorted(Path("scenarios/levers").glob("*.yaml"))
    assert {p.stem for p in lever_files} == set(Integration.model_fields)
    for path in lever_files:
        alone = getattr(load_scenario(path).integration, path.stem)
        assert alone.enabled
        assert getattr(integrated, path.stem) == alone, path.stem


def test_the_integrated_systems_lever_ranges_are_the_lever_files() -> None:
    # integrated.yaml switches on the seven levers with the single-lever files' settings, so
    # its ranges on their sizes must be theirs too (issue 14): together, not drifting apart.
    base = set(load_scenario("scenarios/fragmented.yaml").uncertainty)
    integrated = load_scenario("scenarios/integrated.yaml").uncertainty
    union: dict[str, object] = {}
    for path in sorted(Path("scenarios/levers").glob("*.yaml")):
        for field, rng in load_scenario(path).uncertainty.items():
            if field not in base:
                assert union.setdefault(field, rng) == rng, field  # no two files disagree
    own = {f: r for f, r in integrated.items() if f not in base}
    assert own == union
    assert len(own) > 10  # the lever files do give their sizes ranges
