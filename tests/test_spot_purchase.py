"""Spot purchase of onward places (``onward_services.<name>.spot_purchase``): a person who
finds every contracted place taken waits for one and, after a sourcing time, for a spot place
too, taking whichever comes first. Worked out by hand on a small scripted system; a spot
market of no places is exactly no spot purchase; the equilibrium start puts the excess over
the contracted places in spot places; patients are conserved in the shipped scenarios with
spot purchase; a spot service that diverts is refused."""

from __future__ import annotations

from typing import Any

import pytest

from builders import scenario
from pathsim import load_scenario, simulate, with_overrides
from pathsim.model.onward import OnwardServiceComponent
from pathsim.model.system import System
from pathsim.scenario.equilibrium import onward_equilibrium
from pathsim.scenario.errors import ScenarioError
from scripted import Arrival, scripted

P1 = {"pathway": 1, "onward": 0}


def _fixed(value: float) -> dict[str, Any]:
    return {"distribution": "fixed", "value": value}


def _small(spot: dict[str, Any] | None, arrivals: list[Arrival]) -> Any:
    """Ten beds, no discharge timing or frictions (fit at the end of the clinical stay, then
    at once in the line for a place); one contracted place of support at home, fixed 10-day
    stays, costing 100 a day; one day of warm-up, 30 of results, with the event log."""
    home_support: dict[str, Any] = {
        "kind": "home_care",
        "organisation": "council",
        "capacity": 1,
        "length_of_stay_days": _fixed(10.0),
        "cost_per_day_gbp": 100.0,
    }
    if spot is not None:
        home_support["spot_purchase"] = spot
    sc = scenario(
        **{
            "acute_ward.beds": 10,
            "onward_services": {"home_support": home_support},
            "discharge_pathway_services": {"P1": {"home_support": 1.0}},
        }
    )
    return simulate(sc, 0, days=30, warmup_days=1, event_log=True, builders=scripted(arrivals))


ARRIVALS = [
    # A: fit 1.5, the contracted place is free: starts at once, until 11.5 (a same-day stay:
    # out of the Discharge Ready Date measures)
    Arrival(1.0, los=0.5, **P1),
    # B: fit 2.0, the contracted place taken; sourced at 4.0, the spot place is free: starts
    # there at 4.0 (2.0 days in bed waiting), until 14.0
    Arrival(1.5, los=0.5, **P1),
    # C: fit 3.0; sourced at 5.0, the spot place is B's: waits in both lines; the contracted
    # place frees at 11.5 (A): C takes it (8.5 days) and leaves the spot line, until 21.5
    Arrival(2.5, los=0.5, **P1),
    # D: fit 4.0; sourced at 6.0, behind C in both lines; C leaves the spot line at 11.5, the
    # spot place frees at 14.0 (B): D takes it (10.0 days), until 24.0
    Arrival(3.5, los=0.5, **P1),
    # E: fit 12.5; sourced at 14.5, just after D took the spot place: both lines; the
    # contracted place frees at 21.5 (C): E takes it (9.0 days)
    Arrival(12.0, los=0.5, **P1),
]
SPOT = {"sourcing_days": _fixed(2.0), "max_places": 1, "cost_per_day_gbp": 150.0}


def test_a_small_system_worked_out_by_hand() -> None:
    res = _small(SPOT, ARRIVALS)
    k = res.kpis
    assert k["started_home_support"] == 5
    assert k["spot_starts_home_support"] == 2  # B and D
    waits = [0.0, 2.0, 8.5, 10.0, 9.0]
    assert k["delayed_discharge_bed_days_awaiting_home_support"] == pytest.approx(sum(waits))
    assert k["mean_wait_days_home_support"] == pytest.approx(sum(waits) / 5)
    # spot place days in the results period (1 to 31): B 4-14, D 14-24
    assert k["spot_places_in_use_home_support"] == pytest.approx(20 / 30)
    # contracted place days: A 1.5-11.5, C 11.5-21.5, E 21.5-31
    assert k["occupancy_home_support"] == pytest.approx(29.5 / 30)
    assert k["cost_service_home_support_spot_gbp"] == pytest.approx(20 * 150.0)
    assert k["cost_service_home_support_gbp"] == pytest.approx(29.5 * 100.0)
    # Discharge Ready Date measures: B, C, D, E stay overnight, delayed 2, 8, 10 and 9 days
    assert k["overnight_discharges"] == 4
    assert k["share_discharges_delayed"] == 1.0
    assert k["mean_delay_days_among_delayed"] == pytest.approx((2 + 8 + 10 + 9) / 4)
    log = res.event_log
    bought = log[log["event"] == "home_support_spot_purchase"]
    assert bought["time"].tolist() == pytest.approx([4.0, 14.0])
    # spot places are numbered after the contracted one
    starts = log[log["event"] == "home_support_begins"].sort_values("time")
    assert starts["resource_id"].tolist() == [1, 2, 1, 2, 1]  # the log counts from 1
    assert res.conservation["created"] == res.conservation["exited"] + res.conservation["present"]


def test_without_spot_purchase_everyone_waits_for_the_contracted_place() -> None:
    k = _small(None, ARRIVALS).kpis
    # B 2.0-11.5, C 3.0-21.5, D from 4.0 and E from 12.5 still waiting at 31
    assert k["started_home_support"] == 3
    assert k["spot_starts_home_support"] == 0
    assert k["spot_places_in_use_home_support"] == 0
    assert "cost_service_home_support_spot_gbp" not in k
    waiting_days = 9.5 + 18.5 + (31 - 4.0) + (31 - 12.5)
    assert k["delayed_discharge_bed_days_awaiting_home_support"] == pytest.approx(waiting_days)


def test_a_spot_market_of_no_places_is_no_spot_purchase() -> None:
    # The sourcing times are drawn from a stream of their own and lead nowhere: every other
    # number is the same as with no spot purchase, on the shipped base (whose home care buys
    # spot places: here it buys none) for 120 days.
    base = load_scenario("scenarios/fragmented.yaml")
    assert base.onward_services["home_care"].spot_purchase is not None
    none = with_overrides(base, {"onward_services.home_care.spot_purchase.max_places": 0})
    plain = with_overrides(base, {"onward_services.home_care.spot_purchase": None})
    got = simulate(none, 0, days=120, warmup_days=20).kpis
    want = simulate(plain, 0, days=120, warmup_days=20).kpis
    assert want["mean_queue_home_care"] > 1  # the test sees people waiting
    assert got.pop("cost_service_home_care_spot_gbp") == 0
    assert got == want


def _equilibrium_system(spot_places: int) -> Any:
    """2 overnight admissions a day, all to home care (capacity 100, stays of 100 days):
    an offered load of 200 places."""
    spot = {"sourcing_days": _fixed(5.0), "max_places": spot_places}
    return scenario(
        **{
            "segments.everyone.direct_admissions_per_1000_per_year": 2 * 365.25,
            "segments.everyone.discharge_pathway_share": {"P1": 1.0},
            "onward_services": {
                "home_care": {
                    "kind": "home_care",
                    "organisation": "council",
                    "capacity": 100,
                    "length_of_stay_days": {"distribution": "exponential", "mean": 100.0},
                    "initial_occupancy_share": "equilibrium",
                    "spot_purchase": spot,
                }
            },
            "discharge_pathway_services": {"P1": {"home_care": 1.0}},
        }
    )


@pytest.mark.parametrize(("spot_places", "in_spot", "excess"), [(150, 100, 0.0), (60, 60, 0.4)])
def test_the_equilibrium_start_fills_spot_places_beyond_the_contracted_ones(
    spot_places: int, in_spot: int, excess: float
) -> None:
    sc = _equilibrium_system(spot_places)
    eq = onward_equilibrium(sc)["home_care"]
    assert eq.offered_load == pytest.approx(200.0)
    assert eq.places_in_use == 100 + in_spot
    assert eq.spot_places_in_use == in_spot
    assert eq.occupancy == 1.0
    # beyond the contracted and spot places together, the line grows: 2 - 160 / 100 a day
    assert eq.excess_per_day == pytest.approx(excess)
    system = System(sc, 0, 1, 30, 0)
    service = next(c for c in system.components if isinstance(c, OnwardServiceComponent))
    service.start()  # the places in use when the run starts
    assert service.places.in_use == 100
    assert service.market.in_use == in_spot


@pytest.mark.parametrize("path", ["scenarios/fragmented.yaml", "scenarios/integrated.yaml"])
def test_patients_are_conserved_with_spot_purchase(path: str) -> None:
    # Every onward service of the shipped scenarios buys spot places; the integrated one adds
    # contracted places (the joint emergency team's) that start empty.
    sc = load_scenario(path)
    assert all(s.spot_purchase is not None for s in sc.onward_services.values())
    res = simulate(sc, 0, days=90, warmup_days=10)
    c = res.conservation
    assert c["created"] == c["exited"] + c["present"]
    k = res.kpis
    for name, spec in sc.onward_services.items():
        assert spec.spot_purchase is not None
        assert 0 < k[f"spot_places_in_use_{name}"] <= spec.spot_purchase.max_places, name
    assert k["spot_starts_home_care"] > 0 and k["spot_starts_care_homes"] > 0


def test_spot_purchase_for_a_service_that_diverts_is_refused() -> None:
    with pytest.raises(ScenarioError, match="spot_purchase needs when_full: wait"):
        scenario(
            **{
                "onward_services": {
                    "beds": {
                        "kind": "community_bed",
                        "organisation": "council",
                        "capacity": 5,
                        "length_of_stay_days": _fixed(10.0),
                        "when_full": "divert",
                        "spot_purchase": SPOT,
                    }
                },
                "discharge_pathway_services": {"P1": {"beds": 1.0}},
            }
        )
