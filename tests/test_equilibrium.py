"""Onward services that start at their equilibrium (``initial_occupancy_share:
equilibrium``): the Little's-law estimate worked out by hand, its caps, the budget and
deterioration, the start it gives, and numeric shares exactly as before."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from builders import per_1000_per_year, scenario, shipped_scenarios
from pathsim import load_scenario, simulate
from pathsim.model.onward import OnwardServiceComponent
from pathsim.model.system import System
from pathsim.scenario import effective_system
from pathsim.scenario.equilibrium import onward_equilibrium
from pathsim.scenario.overrides import with_overrides

ROOT = Path(__file__).parents[1]


def _fixed(value: float) -> dict[str, Any]:
    return {"distribution": "fixed", "value": value}


def _exponential(mean: float) -> dict[str, Any]:
    return {"distribution": "exponential", "mean": mean}


def _system(**extra: Any) -> dict[str, Any]:
    """10 A&E attendances a day (half admitted) and 2 direct admissions, a fifth of them
    same-day: (10 x 0.5 + 2) x 0.8 = 5.6 overnight admissions a day; 30% leave on P1 (3/4
    to reablement, 1/4 to home care), 20% on P2 (to community beds, which divert when
    full)."""
    changes: dict[str, Any] = {
        "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(10.0),
        "segments.everyone.admission_probability": 0.5,
        "segments.everyone.direct_admissions_per_1000_per_year": per_1000_per_year(2.0),
        "segments.everyone.same_day_probability": 0.2,
        "segments.everyone.discharge_pathway_share": {"P0": 0.5, "P1": 0.3, "P2": 0.2},
        "onward_services": {
            "reablement": {
                "kind": "reablement",
                "organisation": "council",
                "capacity": 200,
                "length_of_stay_days": _exponential(20.0),
                "community_referrals_per_week": 7.0,
                "then_referred_to": {"home_care": 0.1},
                "initial_occupancy_share": "equilibrium",
            },
            "home_care": {
                "kind": "home_care",
                "organisation": "council",
                "capacity": 150,
                "length_of_stay_days": _exponential(100.0),
                "community_referrals_per_week": 3.5,
                "needs_funding_decision": True,
                "initial_occupancy_share": "equilibrium",
            },
            "community_beds": {
                "kind": "community_bed",
                "organisation": "acute",
                "capacity": 5,
                "length_of_stay_days": _fixed(10.0),
                "when_full": "divert",
                "initial_occupancy_share": "equilibrium",
            },
        },
        "discharge_pathway_services": {
            "P1": {"reablement": 0.75, "home_care": 0.25},
            "P2": {"community_beds": 1.0},
        },
    }
    changes.update(extra)
    return changes


def _erlang_b(c: int, a: float) -> float:
    """Erlang's loss formula written out: (a^c / c!) / sum_k (a^k / k!)."""
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    return terms[-1] / sum(terms)


def test_littles_law_by_hand() -> None:
    eq = onward_equilibrium(scenario(**_system()))
    reab, home, beds = eq["reablement"], eq["home_care"], eq["community_beds"]
    # reablement: 1 a day from the community + 5.6 x 0.3 x 0.75 = 1.26 from hospital
    assert reab.inflow_per_day == pytest.approx(2.26)
    assert reab.offered_load == pytest.approx(45.2)
    assert reab.places_in_use == 45
    # home care: 0.5 + 5.6 x 0.3 x 0.25 = 0.42 + a tenth of reablement's 2.26 leaving
    assert home.inflow_per_day == pytest.approx(0.5 + 0.42 + 0.226)
    assert home.places_in_use == round(114.6)
    assert home.excess_per_day == 0.0
    # community beds divert when full: 1.12 a day x 10 days offered to 5 beds
    assert beds.inflow_per_day == pytest.approx(1.12)
    assert beds.places_in_use == round(11.2 * (1 - _erlang_b(5, 11.2)))
    assert beds.places_in_use <= 5
    assert beds.occupancy == beds.places_in_use / 5


def test_demand_above_capacity_starts_full_and_says_by_how_much() -> None:
    sc = scenario(**_system(**{"onward_services.home_care.capacity": 100}))
    home = onward_equilibrium(sc)["home_care"]
    assert home.offered_load == pytest.approx(114.6)
    assert home.places_in_use == 100
    # 1.146 a day ask; 100 places of 100-day stays serve 1 a day
    assert home.excess_per_day == pytest.approx(0.146)


def test_a_capped_budget_scales_the_funded_inflow() -> None:
    # 7 new funded packages a week (1 a day) for 1.146 a day asking: home care is the only
    # funded service, so its inflow is 1 a day
    sc = scenario(**_system(**{"frictions.social_care_packages_per_week": 7.0}))
    eq = onward_equilibrium(sc)
    assert eq["home_care"].inflow_per_day == pytest.approx(1.0)
    assert eq["reablement"].inflow_per_day == pytest.approx(2.26)  # not funded: unchanged


def test_deterioration_moves_patients_to_the_service_they_come_to_need() -> None:
    # Waiting for reablement (another organisation): 2 days' assessment in hospital and a
    # referral of 1 day that comes back half the time (2 days expected): 4 days at 10% a day
    sc = scenario(
        **_system(
            deterioration={
                "daily_chance": 0.1,
                "from_services": ["reablement"],
                "to_service": "home_care",
            },
            frictions={
                "hospital_assessment_days": _fixed(2.0),
                "referral_delay_days": _fixed(1.0),
                "referral_bounce_probability": 0.5,
                "funding_panel_interval_days": 4.0,  # home care's, not reablement's
            },
        )
    )
    moved = 1.26 * (1 - 0.9**4)
    eq = onward_equilibrium(sc)
    assert eq["reablement"].inflow_per_day == pytest.approx(1.0 + 1.26 - moved)
    throughput = 1.0 + 1.26 - moved
    assert eq["home_care"].inflow_per_day == pytest.approx(0.5 + 0.42 + moved + 0.1 * throughput)


def test_the_run_starts_with_the_estimate_and_stays_near_it() -> None:
    # Community referrals only: 2 a day for 50-day stays in 200 places: 100 in use, Poisson
    # (sd 10) at equilibrium. Over the first 30 days the mean of 10 replications is within
    # +/-10 of 100 (each replication's 30-day mean varies by about 9, strongly correlated
    # over a 50-day stay; 10 replications: sd about 3, so the band is over 3 sd), where an
    # empty start would average about 25.
    service = {
        "kind": "other",
        "organisation": "council",
        "capacity": 200,
        "length_of_stay_days": _exponential(50.0),
        "community_referrals_per_week": 14.0,
        "initial_occupancy_share": "equilibrium",
    }
    sc = scenario(**{"onward_services": {"support": service}})
    assert onward_equilibrium(sc)["support"].places_in_use == 100
    system = System(sc, 0, 1, 30, 0)
    (support,) = [c for c in system.components if isinstance(c, OnwardServiceComponent)]
    assert support.initial_places == 100
    means = []
    for rep in range(10):
        ts = simulate(sc, rep, days=30, warmup_days=0).timeseries
        occupied = ts[(ts.service == "support") & (ts.metric == "occupied")]["value"]
        assert occupied.iloc[0] == pytest.approx(100, abs=15)  # day 0: the start, plus a day
        means.append(occupied.mean())
    assert float(np.mean(means)) == pytest.approx(100, abs=10)


def test_numeric_shares_start_exactly_as_before() -> None:
    # every shipped scenario: the places in use at the start are the share of the scenario's
    # places, rounded, as they always were (the regression test checks the whole run)
    for path in shipped_scenarios():
        sc = load_scenario(path)
        initial = effective_system(sc).onward_initial
        numeric = {
            name: round(s.capacity * float(s.initial_occupancy_share))
            for name, s in sc.onward_services.items()
            if s.initial_occupancy_share != "equilibrium"
        }
        assert {n: initial[n] for n in numeric} == numeric, path


def test_the_default_scenario_with_an_equilibrium_start() -> None:
    # The fragmented base starts every onward service at equilibrium. Each has fewer
    # contracted places than its offered load and buys the rest (spot purchase): it starts
    # with its contracted places full and the excess in spot places, below the market's
    # limit, so no waiting line grows without bound; a numeric start of 96% (the old default)
    # starts them elsewhere (home care lower).
    base = load_scenario(ROOT / "scenarios" / "fragmented.yaml")
    assert {s.initial_occupancy_share for s in base.onward_services.values()} == {"equilibrium"}
    eq = onward_equilibrium(base)
    start = effective_system(base).onward_initial
    assert start == {n: e.places_in_use for n, e in eq.items()}
    for name, e in eq.items():
        spec = base.onward_services[name]
        assert spec.spot_purchase is not None
        assert spec.capacity < e.places_in_use < spec.places_at_most, name
        assert e.spot_places_in_use == e.places_in_use - spec.capacity
        assert e.excess_per_day == 0.0, name
    numeric = with_overrides(
        base,
        {f"onward_services.{n}.initial_occupancy_share": 0.96 for n in base.onward_services},
    )
    old = effective_system(numeric).onward_initial
    assert old != start and old["home_care"] < start["home_care"]
