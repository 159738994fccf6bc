"""The Discharge Ready Date (DRD) measures: share of discharges delayed, mean delay among the
delayed, and the delayed share of bed days, counted as NHS England's DRD data and the Health
Foundation count them (overnight stays in general and acute beds, emergency and elective;
whole days, discharge date after the ready date; bed days over the G&A beds): recomputed from
the event log, and worked out by hand on a small scripted system."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from builders import scenario
from pathsim import load_scenario, simulate, with_overrides
from scripted import Arrival, scripted

DRD_KPIS = ("share_discharges_delayed", "mean_delay_days_among_delayed", "share_bed_days_delayed")


def _fixed(value: float) -> dict[str, Any]:
    return {"distribution": "fixed", "value": value}


def drd_from_event_log(log: pd.DataFrame, results_from: float) -> tuple[int, int, int]:
    """(discharges, delayed, delay days) of the overnight stays in a general and acute bed
    (the acute ward's, or the ring-fenced elective beds) ending from ``results_from`` on, from
    the log alone: each stay's end paired with its start and the ``medically_fit`` milestone
    within it; a stay with no such milestone (an elective stay, a step-down to a virtual
    ward) leaves on its ready date; a stay ending on the calendar day it began is out of
    scope."""
    return tuple(  # type: ignore[return-value]
        sum(counts)
        for counts in zip(
            *(_stays_from_log(log, service, results_from) for service in GA_SERVICES),
            strict=True,
        )
    )


GA_SERVICES = ("acute_ward", "elective_beds")


def _stays_from_log(log: pd.DataFrame, service: str, results_from: float) -> tuple[int, int, int]:
    ward = log[log["service"] == service]

    def events(name: str) -> pd.DataFrame:
        rows = ward[ward["event"] == name][["patient_id", "time"]]
        return rows.sort_values("time").reset_index(drop=True)

    ends = events(f"{service}_ends").rename(columns={"time": "t_end"})
    begins = events(f"{service}_begins").rename(columns={"time": "t_begin"})
    fits = events("medically_fit").rename(columns={"time": "t_fit"})
    stays = pd.merge_asof(
        ends, begins, left_on="t_end", right_on="t_begin", by="patient_id", direction="backward"
    )
    stays = pd.merge_asof(
        stays, fits, left_on="t_end", right_on="t_fit", by="patient_id", direction="backward"
    )
    assert stays["t_begin"].notna().all()
    stays = stays[stays["t_end"] >= results_from]
    stays = stays[np.floor(stays["t_end"]) > np.floor(stays["t_begin"])]  # overnight stays
    fit_in_stay = stays["t_fit"].notna() & (stays["t_fit"] >= stays["t_begin"])
    delay = np.where(
        fit_in_stay,
        np.floor(stays["t_end"]) - np.floor(stays["t_fit"].where(fit_in_stay, 0.0)),
        0,
    ).astype(int)
    return len(stays), int((delay > 0).sum()), int(delay[delay > 0].sum())


@pytest.mark.parametrize(
    ("path", "ring_fenced"),
    [
        ("scenarios/fragmented.yaml", True),
        ("scenarios/integrated.yaml", True),
        ("scenarios/fragmented.yaml", False),
    ],
)
def test_the_measures_are_exactly_what_the_event_log_says(path: str, ring_fenced: bool) -> None:
    # The integrated system steps patients down to virtual wards (stays with no medically
    # fit milestone) and sends them on to onward care; the fragmented one delays most.
    # Electives have beds of their own in both; without them they use the ward's beds.
    days, warmup = 40, 15
    sc = load_scenario(path)
    assert sc.electives.ring_fenced_beds  # both scenarios have elective beds of their own
    beds = sc.acute_ward.beds + (sc.electives.ring_fenced_beds if ring_fenced else 0)
    if not ring_fenced:
        sc = with_overrides(sc, {"electives.ring_fenced_beds": None})
    res = simulate(sc, 0, days=days, warmup_days=warmup, event_log=True)
    assert res.event_log is not None
    n, delayed, delay_days = drd_from_event_log(res.event_log, warmup)
    electives = res.event_log["event"] == "elective_admission"
    assert electives.sum() > 100  # elective stays are in the count
    k = res.kpis
    assert n > 1000 and delayed > 100  # the test sees a real mix
    assert k["overnight_discharges"] == n
    assert k["share_discharges_delayed"] == delayed / n
    assert k["mean_delay_days_among_delayed"] == delay_days / delayed
    assert k["share_bed_days_delayed"] == delay_days / (beds * days)
    if "integrated" in path:
        assert k["virtual_ward_step_downs"] > 0


def _small_system(arrivals: list[Arrival]) -> dict[str, float]:
    """Ten beds; one place of support at home (fixed 10-day stays) after P1; a liaison
    assessment of 0.3 days in bed, once fit, for patients with a mental health need; no
    discharge timing (patients going home leave when fit). One day of warm-up, 30 of
    results."""
    sc = scenario(
        **{
            "acute_ward.beds": 10,
            "segments.everyone.mental_health_share": 0.5,
            "mental_health": {"organisation": "acute", "ward_liaison_wait_days": _fixed(0.3)},
            "onward_services": {
                "home_support": {
                    "kind": "reablement",
                    "organisation": "council",
                    "capacity": 1,
                    "length_of_stay_days": _fixed(10.0),
                }
            },
            "discharge_pathway_services": {"P1": {"home_support": 1.0}},
        }
    )
    return simulate(sc, 0, days=30, warmup_days=1, builders=scripted(arrivals)).kpis


def test_a_small_system_worked_out_by_hand() -> None:
    p1 = {"pathway": 1, "onward": 0}
    arrivals = [
        Arrival(0.10, los=0.60),  # fit and home at 0.70: in the warm-up, not counted
        Arrival(0.05, los=0.90, mental_health=True),  # fit 0.95, home 1.25: 1 day (day 0 -> 1)
        Arrival(0.20, los=1.00, **p1),  # fit 1.20, the place is free: leaves 1.20, no delay
        Arrival(0.30, los=2.00, **p1),  # fit 2.30, place free at 11.20: 11 - 2 = 9 days
        Arrival(0.40, los=3.70, **p1),  # fit 4.10, place free at 21.20: 21 - 4 = 17 days
        Arrival(2.00, los=0.50, mental_health=True),  # fit 2.50, home 2.80: same day, no DRD
        Arrival(3.00, los=0.80, mental_health=True),  # fit 3.80, home 4.10: 1 day (0.3 days)
        Arrival(5.00, same_day=True),  # a same-day admission: never in a bed, not counted
        Arrival(6.00, los=30.0),  # fit after the run ends: not discharged, not counted
    ]
    k = _small_system(arrivals)
    # 5 overnight discharges in the results period (and one same-day stay, out of scope), 4
    # delayed, by 1 + 9 + 17 + 1 = 28 whole days
    assert k["overnight_discharges"] == 5
    assert k["share_discharges_delayed"] == pytest.approx(4 / 5)
    assert k["mean_delay_days_among_delayed"] == pytest.approx(28 / 4)
    assert k["share_bed_days_delayed"] == pytest.approx(28 / (10 * 30))
    # the continuous fit-to-leaving time of the same six: 0.3 + 0 + 8.9 + 17.1 + 0.3 + 0.3
    assert k["mean_fit_to_discharge_days"] == pytest.approx(26.9 / 6)
    # at the 30 midnights of the results period (days 2 to 31), as the sitrep counts: the P1
    # patients waiting for the place at 3-11 and 5-21, the liaison wait of 3.8-4.1 at 4
    assert k["delayed_at_midnight_awaiting_home_support"] == pytest.approx((9 + 17) / 30)
    assert k["delayed_at_midnight_awaiting_mental_health"] == pytest.approx(1 / 30)
    assert k["nctr_per_100_beds"] == pytest.approx(27 / 30 * 100 / 10)


def test_no_delays_and_no_discharges() -> None:
    # overnight stays, home when fit: in scope, none delayed
    k = _small_system([Arrival(1.5, los=0.6), Arrival(2.5, los=0.7)])
    assert k["overnight_discharges"] == 2
    assert k["share_discharges_delayed"] == 0.0
    assert math.isnan(k["mean_delay_days_among_delayed"])  # no one delayed
    assert k["share_bed_days_delayed"] == 0.0
    for arrivals in ([], [Arrival(1.5, los=0.2), Arrival(2.5, los=0.3)]):
        # nobody discharged, or only same-day stays (out of scope)
        k = _small_system(arrivals)
        assert k["overnight_discharges"] == 0
        assert math.isnan(k["share_discharges_delayed"])
        assert k["share_bed_days_delayed"] == 0.0
