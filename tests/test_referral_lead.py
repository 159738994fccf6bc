"""The referral lead time (``frictions.referral_lead_days``): a P1-P3 patient's referral steps
start that many days before the patient is declared medically fit, never before the stay
starts. Waits before the fit time are no delay; from the fit time the step under way counts
under its cause; a place is asked for only once the patient is fit and the steps are over.

Worked out by hand on scripted patients with fixed frictions, checked against the event log
on random ones, and with no lead every number is what it was."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from builders import scenario
from pathsim import load_scenario, simulate, with_overrides
from pathsim.model.referral import FRICTION_CAUSES
from pathsim.scenario import Scenario
from pathsim.scenario.equilibrium import wait_in_bed_days
from scripted import Arrival, scripted

P1 = {"pathway": 1, "onward": 0}


def _fixed(value: float) -> dict[str, Any]:
    return {"distribution": "fixed", "value": value}


def _same(a: dict[str, float], b: dict[str, float]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name] or (math.isnan(a[name]) and math.isnan(b[name])), name


# -- a small stochastic system -------------------------------------------------------------
def _system(lead: Any = "absent", **changes: Any) -> Scenario:
    """Emergency admissions with gamma stays, 40% needing home support from the council
    (funded: the weekly panel), frictions drawn from distributions, a ward round and a
    discharge window; the lead time as given ("absent": the field not written)."""
    data: dict[str, Any] = {
        "segments.everyone.population": 100_000,
        "segments.everyone.ed_attendances_per_1000_per_year": 60.0,
        "segments.everyone.admission_probability": 0.3,
        "segments.everyone.mental_health_share": 0.1,
        "segments.everyone.length_of_stay_days": {"distribution": "gamma", "mean": 5, "sd": 4},
        "segments.everyone.discharge_pathway_share": {"P0": 0.6, "P1": 0.4},
        "ed.cubicles": 20,
        "acute_ward.beds": 120,
        "acute_ward.discharge_timing": {
            "day_of_week_factor": [1.0, 1.0, 1.0, 1.0, 1.0, 0.6, 0.5],
            "window_start_hour": 10,
            "window_end_hour": 18,
            "ward_round_hour": 9,
        },
        "mental_health": {
            "organisation": "council",
            "ward_liaison_wait_days": {"distribution": "exponential", "mean": 0.5},
        },
        "onward_services": {
            "home_support": {
                "kind": "reablement",
                "organisation": "council",
                "capacity": 30,
                "length_of_stay_days": {"distribution": "gamma", "mean": 6, "sd": 3},
                "needs_funding_decision": True,
            }
        },
        "discharge_pathway_services": {"P1": {"home_support": 1.0}},
        "frictions": {
            "hospital_assessment_days": {"distribution": "gamma", "mean": 1.0, "sd": 0.5},
            "referral_delay_days": {"distribution": "exponential", "mean": 1.0},
            "referral_bounce_probability": 0.2,
            "repeat_assessment_days": {"distribution": "gamma", "mean": 0.5, "sd": 0.3},
            "funding_panel_interval_days": 7.0,
        },
    }
    if lead != "absent":
        data["frictions"]["referral_lead_days"] = lead
    data.update(changes)
    return scenario(**data)


def test_no_lead_written_as_null_changes_nothing() -> None:
    absent = simulate(_system(), 0, days=60, warmup_days=10)
    null = simulate(_system(None), 0, days=60, warmup_days=10)
    _same(absent.kpis, null.kpis)
    pd.testing.assert_frame_equal(absent.timeseries, null.timeseries)
    # and a lead does change them (so the comparison can fail)
    lead = simulate(_system(_fixed(2.0)), 0, days=60, warmup_days=10).kpis
    assert lead["share_discharges_delayed"] < absent.kpis["share_discharges_delayed"]


def test_a_zero_lead_with_fixed_frictions_is_no_lead() -> None:
    # A lead of 0 starts the steps at the fit time, as without a lead; they differ only for
    # patients waiting for the liaison assessment (with a lead the referral runs beside it),
    # so none has a mental health need here. Fixed frictions, no panel: no draw changes hands.
    fixed = {
        "frictions": {"hospital_assessment_days": _fixed(0.7), "referral_delay_days": _fixed(1.2)}
    }
    none = _system(**fixed, **{"segments.everyone.mental_health_share": 0.0})
    zero = with_overrides(none, {"frictions.referral_lead_days": _fixed(0.0)})
    _same(
        simulate(none, 0, days=60, warmup_days=10).kpis,
        simulate(zero, 0, days=60, warmup_days=10).kpis,
    )


def _ward_and_onward_events(log: pd.DataFrame) -> pd.DataFrame:
    """Per stay ending in onward care: the fit time, the time the patient joined the onward
    service's line and the time the bed was left."""
    fits = log[log["event"] == "medically_fit"][["patient_id", "time"]].rename(
        columns={"time": "t_fit"}
    )
    joins = log[log["event"] == "home_support_wait_begins"][["patient_id", "time"]].rename(
        columns={"time": "t_join"}
    )
    ends = log[log["event"] == "acute_ward_ends"][["patient_id", "time"]].rename(
        columns={"time": "t_end"}
    )
    joins = joins.sort_values("t_join")
    stays = pd.merge_asof(
        joins, fits.sort_values("t_fit"), left_on="t_join", right_on="t_fit", by="patient_id"
    )
    stays = pd.merge_asof(
        stays.sort_values("t_join"),
        ends.sort_values("t_end"),
        left_on="t_join",
        right_on="t_end",
        by="patient_id",
        direction="forward",
    )
    return stays


def test_nobody_asks_for_or_takes_a_place_before_being_fit() -> None:
    # A long lead (gamma, mean 4) and little capacity: many referrals finish before fit, and
    # the place must still wait for the fit time.
    sc = _system({"distribution": "gamma", "mean": 4.0, "sd": 2.0})
    res = simulate(sc, 0, days=60, warmup_days=10, event_log=True)
    assert res.event_log is not None
    stays = _ward_and_onward_events(res.event_log)
    hospital = stays[stays["t_fit"].notna()]  # community referrals have no fit milestone
    assert len(hospital) > 100
    assert (hospital["t_join"] >= hospital["t_fit"]).all()
    left = hospital[hospital["t_end"].notna()]
    assert (left["t_end"] >= left["t_fit"]).all()
    # some joined the line at the very moment they were fit: their steps were over already
    # (most wait past the fit time for the weekly funding panel)
    assert (hospital["t_join"] == hospital["t_fit"]).mean() > 0.05


@pytest.mark.parametrize("path", ["scenarios/fragmented.yaml", "scenarios/integrated.yaml"])
def test_patients_are_conserved_with_a_lead(path: str) -> None:
    # The fragmented base has deterioration while waiting (re-referral in bed), readmissions
    # and the liaison wait on the ward; the integrated one discharge to assess, a pooled
    # budget, a shared record and virtual wards. Some patients are still in their clinical
    # stay, with their referral under way, when the run ends.
    lead = {"distribution": "gamma", "mean": 2.0, "sd": 1.0}
    sc = with_overrides(load_scenario(path), {"frictions.referral_lead_days": lead})
    res = simulate(sc, 0, days=30, warmup_days=10)
    c = res.conservation
    assert c["created"] == c["exited"] + c["present"]
    assert c["present"] > 0
    k = res.kpis
    base = simulate(load_scenario(path), 0, days=30, warmup_days=10).kpis
    assert k["nctr_per_100_beds"] < base["nctr_per_100_beds"]
    for cause in FRICTION_CAUSES:
        assert k[f"delayed_discharge_bed_days_{cause}"] >= 0
    if "fragmented" in path:
        assert k["deteriorated_while_waiting"] >= 0


# -- a lead longer than every friction -----------------------------------------------------
def _long_lead(lead: float | None) -> dict[str, float]:
    """Fixed stays of 4 days (so a lead of 3 fits inside them), a ward round and a discharge
    window (P0 patients have delays of their own), fixed frictions of 0.5 + 1.0 days and a
    daily funding panel (at most 2.5 days in all), ample places."""
    frictions: dict[str, Any] = {
        "hospital_assessment_days": _fixed(0.5),
        "referral_delay_days": _fixed(1.0),
        "funding_panel_interval_days": 1.0,
    }
    if lead is not None:
        frictions["referral_lead_days"] = _fixed(lead)
    sc = _system(
        **{
            "segments.everyone.length_of_stay_days": _fixed(4.0),
            "segments.everyone.mental_health_share": 0.0,
            "onward_services.home_support.capacity": 1000,
            "frictions": frictions,
        }
    )
    return simulate(sc, 0, days=60, warmup_days=10).kpis


def test_a_lead_longer_than_the_frictions_delays_nobody_by_a_friction() -> None:
    without = _long_lead(None)
    with_lead = _long_lead(3.0)
    assert without["delayed_discharge_bed_days_awaiting_referral"] > 0  # it can fail
    for cause in FRICTION_CAUSES:
        assert with_lead[f"delayed_discharge_bed_days_{cause}"] == 0, cause
    assert with_lead["delayed_discharge_bed_days_awaiting_home_support"] == 0
    # the only delays left are those of patients going home (P0): exactly the system with no
    # frictions at all, where P1 patients leave at the fit time too
    sc = _system(
        **{
            "segments.everyone.length_of_stay_days": _fixed(4.0),
            "segments.everyone.mental_health_share": 0.0,
            "onward_services.home_support.capacity": 1000,
            "frictions": {},
        }
    )
    frictionless = simulate(sc, 0, days=60, warmup_days=10).kpis
    for name in (
        "share_discharges_delayed",
        "mean_delay_days_among_delayed",
        "share_bed_days_delayed",
        "nctr_per_100_beds",
        "delayed_discharge_bed_days",
        "delayed_discharge_bed_days_discharge_process",
        "mean_fit_to_discharge_days",
    ):
        assert with_lead[name] == pytest.approx(frictionless[name], rel=1e-12, abs=1e-12), name
    assert with_lead["share_discharges_delayed"] < without["share_discharges_delayed"]
    assert with_lead["delayed_discharge_bed_days_discharge_process"] > 0  # P0 delays remain


# -- worked out by hand --------------------------------------------------------------------
def _small(arrivals: list[Arrival], lead: float) -> dict[str, float]:
    """Ten beds, no ward round or discharge window (fit at the end of the clinical stay,
    home at once); fixed frictions: assessment 1.0 day, then a referral to the council of
    1.5 days (2.5 in all); a liaison wait of 0.3 days once fit; ample places. One day of
    warm-up, 30 of results."""
    sc = scenario(
        **{
            "acute_ward.beds": 10,
            "segments.everyone.mental_health_share": 0.5,
            "mental_health": {"organisation": "acute", "ward_liaison_wait_days": _fixed(0.3)},
            "onward_services": {
                "home_support": {
                    "kind": "reablement",
                    "organisation": "council",
                    "capacity": 100,
                    "length_of_stay_days": _fixed(10.0),
                }
            },
            "discharge_pathway_services": {"P1": {"home_support": 1.0}},
            "frictions": {
                "hospital_assessment_days": _fixed(1.0),
                "referral_delay_days": _fixed(1.5),
                "referral_lead_days": _fixed(lead),
            },
        }
    )
    return simulate(sc, 0, days=30, warmup_days=1, builders=scripted(arrivals)).kpis


def test_a_lead_shorter_than_the_frictions_delays_by_the_difference() -> None:
    arrivals = [
        # fit 3.0; steps from 2.4: assessment to 3.4, referral to 4.9. Delayed 1.9 = 2.5 - 0.6
        # (0.4 assessment, 1.5 referral); whole days 4 - 3 = 1
        Arrival(1.0, los=2.0, **P1),
        # a stay (0.3) shorter than the lead: the steps start with the stay, at 2.2, not at
        # 1.9; fit 2.5, assessment to 3.2, referral to 4.7: 2.2 days (0.7 + 1.5), 2 whole days
        Arrival(2.2, los=0.3, **P1),
        # fit 8.5, steps from 7.9: assessment to 8.9, referral to 10.4; the liaison wait
        # 8.5-8.8 counts as mental health, then 0.1 of assessment and 1.5 of referral: 1.9
        # days, 10 - 8 = 2 whole days
        Arrival(5.5, los=3.0, mental_health=True, **P1),
        Arrival(3.0, los=1.0),  # home at 4.0 when fit: no delay
    ]
    k = _small(arrivals, 0.6)
    assert k["delayed_discharge_bed_days_awaiting_assessment"] == pytest.approx(0.4 + 0.7 + 0.1)
    assert k["delayed_discharge_bed_days_awaiting_referral"] == pytest.approx(3 * 1.5)
    assert k["delayed_discharge_bed_days_awaiting_mental_health"] == pytest.approx(0.3)
    assert k["delayed_discharge_bed_days_awaiting_home_support"] == 0
    assert k["mean_fit_to_discharge_days"] == pytest.approx((1.9 + 2.2 + 1.9 + 0) / 4)
    assert k["share_discharges_delayed"] == pytest.approx(3 / 4)
    assert k["mean_delay_days_among_delayed"] == pytest.approx((1 + 2 + 2) / 3)
    assert k["share_bed_days_delayed"] == pytest.approx(5 / (10 * 30))
    # referral to the start of the place: from the fit time (after the liaison wait)
    assert k["mean_referral_to_start_days_home_support"] == pytest.approx((1.9 + 2.2 + 1.6) / 3)


def test_the_lead_never_starts_before_the_stay() -> None:
    # A lead of 100 days for a 2-day stay: the steps start at admission (1.0), are over at
    # 3.5, half a day after the fit time (3.0): 0.5 days of referral delay. Had they started
    # 100 days before fit, nobody would be delayed.
    k = _small([Arrival(1.0, los=2.0, **P1)], 100.0)
    assert k["delayed_discharge_bed_days_awaiting_assessment"] == 0
    assert k["delayed_discharge_bed_days_awaiting_referral"] == pytest.approx(0.5)
    assert k["mean_fit_to_discharge_days"] == pytest.approx(0.5)
    # and a stay long enough: no delay at all (the place is free when the patient is fit)
    k = _small([Arrival(1.0, los=5.0, **P1)], 100.0)
    assert k["delayed_discharge_bed_days"] == 0
    assert k["mean_fit_to_discharge_days"] == 0
    assert k["started_home_support"] == 1


def test_the_equilibrium_wait_in_bed_follows_the_lead() -> None:
    # The wait in bed after fit that the equilibrium start uses (for deterioration): with
    # fixed frictions and no liaison wait it is max(0, steps - lead), the lead cut at the
    # time to fit (a fixed 4-day stay and a ward round: 4 to 5 days).
    def wait(lead: Any) -> float:
        frictions: dict[str, Any] = {
            "hospital_assessment_days": _fixed(0.5),
            "referral_delay_days": _fixed(1.0),
        }
        if lead is not None:
            frictions["referral_lead_days"] = lead
        sc = _system(
            **{
                "segments.everyone.length_of_stay_days": _fixed(4.0),
                "segments.everyone.mental_health_share": 0.0,
                "frictions": frictions,
            }
        )
        return wait_in_bed_days(sc, "everyone", "home_support")

    assert wait(None) == pytest.approx(1.5)
    assert wait(_fixed(0.0)) == pytest.approx(1.5)
    assert wait(_fixed(1.0)) == pytest.approx(0.5)
    assert wait(_fixed(3.0)) == 0
    assert wait(_fixed(100.0)) == 0  # cut at 4-5 days, still longer than the steps
    # a lead spread around 1 day waits longer on average than a fixed one (Jensen)
    assert wait({"distribution": "gamma", "mean": 1.0, "sd": 0.8}) > 0.5
