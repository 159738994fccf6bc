"""Behaviour of the model: reproducibility, common random numbers, arrival profiles,
discharge timing, queue discipline, warm-up, the event log."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from builders import per_1000_per_year, scenario
from pathsim import simulate, to_vidigi
from pathsim.model.eventlog import EVENT_LOG_COLUMNS
from pathsim.model.streams import Streams
from pathsim.model.ward import DischargeClock
from pathsim.scenario import (
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    Histogram,
    LogNormal,
    Scenario,
    load_scenario,
    with_overrides,
)


def busy_network(**changes: object) -> Scenario:
    base: dict[str, object] = {
        "ed.cubicles": 8,
        "acute_ward.beds": 40,
        "acute_ward.initial_occupancy_share": 0.8,
        "acute_ward.discharge_timing": {
            "day_of_week_factor": [0.85, 1.08, 1.15, 1.18, 1.24, 0.89, 0.62],
            "window_start_hour": 10,
            "window_end_hour": 20,
        },
        "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(40),
        "segments.everyone.direct_admissions_per_1000_per_year": per_1000_per_year(2),
        "segments.everyone.acuity_share": [0.05, 0.15, 0.4, 0.3, 0.1],
        "segments.everyone.admission_probability": 0.25,
        "segments.everyone.same_day_probability": 0.2,
        "segments.everyone.length_of_stay_days": {"distribution": "lognormal", "mean": 4, "sd": 5},
        "segments.everyone.discharge_pathway_share": {"P0": 0.6, "P1": 0.3, "P3": 0.1},
        "onward_services": {
            "support": {
                "kind": "reablement",
                "organisation": "council",
                "capacity": 12,
                "length_of_stay_days": {"distribution": "gamma", "mean": 14, "sd": 7},
                "initial_occupancy_share": 0.5,
                "community_referrals_per_week": 1,
            },
            "home": {
                "kind": "care_home",
                "organisation": "council",
                "capacity": 30,
                "length_of_stay_days": {"distribution": "lognormal", "mean": 300, "sd": 300},
                "initial_occupancy_share": 0.9,
                "community_referrals_per_week": 0.5,
            },
        },
        "discharge_pathway_services": {"P1": {"support": 1.0}, "P3": {"home": 1.0}},
    }
    base.update(changes)
    return scenario(**base)


# -- reproducibility ---------------------------------------------------------------------
def test_same_seed_same_results() -> None:
    sc = busy_network()
    a = simulate(sc, 3, days=120, warmup_days=10, event_log=True)
    b = simulate(sc, 3, days=120, warmup_days=10, event_log=True)
    assert a.kpis == pytest.approx(b.kpis, rel=0, abs=0, nan_ok=True)  # exactly, nan == nan
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    assert a.event_log is not None and b.event_log is not None
    pd.testing.assert_frame_equal(a.event_log, b.event_log)


def test_replications_and_seeds_differ() -> None:
    sc = busy_network()
    base = simulate(sc, 0, days=60, warmup_days=5).kpis
    assert simulate(sc, 1, days=60, warmup_days=5).kpis != base
    assert simulate(sc, 0, seed=99, days=60, warmup_days=5).kpis != base


def test_stream_identity_is_its_name_not_its_order() -> None:
    one = Streams(7, 2)
    _ = one["something.else"].random(5)
    first = one["segment.a.arrivals"].random(3)
    other = Streams(7, 2)
    assert np.array_equal(other["segment.a.arrivals"].random(3), first)
    assert not np.array_equal(Streams(7, 3)["segment.a.arrivals"].random(3), first)


def _journeys(sc: Scenario) -> pd.DataFrame:
    r = simulate(sc, 0, days=150, warmup_days=10, event_log=True)
    log = r.event_log
    assert log is not None
    arrivals = log[(log["event"] == "arrival") & (log["service"] == "ed")]
    return arrivals.set_index("patient_id")["time"]


def test_downstream_changes_leave_the_patients_unchanged() -> None:
    # Common random numbers: whatever is downstream, the same patients arrive (same times,
    # same ids) and have the same clinical course.
    base = busy_network()
    variants = [
        busy_network(**{"ed.cubicles": 5}),
        busy_network(**{"acute_ward.beds": 30}),
        with_overrides(base, {"onward_services.support.capacity": 4}),
        with_overrides(base, {"ed.queue_discipline": "priority"}),
        with_overrides(
            base,
            {"onward_services.home.length_of_stay_days": {"distribution": "fixed", "value": 9}},
        ),
    ]
    reference = _journeys(base)
    assert len(reference) > 5000
    for v in variants:
        pd.testing.assert_series_equal(_journeys(v), reference)


def test_clinical_length_of_stay_is_common_to_configurations() -> None:
    def fit_minus_bed(sc: Scenario) -> pd.Series:
        log = simulate(sc, 0, days=150, warmup_days=10, event_log=True).event_log
        assert log is not None
        ward = log[log["service"] == "acute_ward"]
        got_bed = ward[ward["event"] == "acute_ward_begins"].set_index("patient_id")["time"]
        fit = ward[ward["event"] == "medically_fit"].set_index("patient_id")["time"]
        both = got_bed.index.intersection(fit.index)
        both = both[both < 1_000_000_000]  # crisis arrivals, not initial occupants
        return (fit[both] - got_bed[both]).round(9)

    a = fit_minus_bed(busy_network())
    b = fit_minus_bed(busy_network(**{"acute_ward.beds": 36, "ed.cubicles": 7}))
    common = a.index.intersection(b.index)
    assert len(common) > 300  # enough patients for the equality to mean something
    pd.testing.assert_series_equal(a[common], b[common])


def test_changing_one_segment_leaves_another_unchanged() -> None:
    # Streams are named by segment, so a second segment (and any change to it) leaves the
    # first segment's patients exactly as they were.
    def arrival_times(sc: Scenario) -> set[float]:
        log = simulate(sc, 0, days=60, warmup_days=5, event_log=True).event_log
        assert log is not None
        return set(log[(log["event"] == "arrival") & (log["service"] == "ed")]["time"])

    base = busy_network()
    data = base.model_dump(mode="json", by_alias=True)
    data["segments"]["second"] = dict(data["segments"]["everyone"])
    two = Scenario.model_validate(data)
    changed = with_overrides(
        two,
        {
            "segments.second.ed_assessment_hours": {"distribution": "fixed", "value": 2},
            "segments.second.ed_attendances_per_1000_per_year": 5000,
        },
    )
    first_only = arrival_times(base)
    with_second, with_changed_second = arrival_times(two), arrival_times(changed)
    assert first_only < with_second and first_only < with_changed_second
    assert with_second - first_only  # the second segment does bring patients
    assert not (with_second - first_only) & (with_changed_second - first_only)


# -- distributions -----------------------------------------------------------------------
DISTS = [
    Exponential(distribution="exponential", mean=3.0),
    LogNormal(distribution="lognormal", mean=5.0, sd=6.0),
    Gamma(distribution="gamma", mean=4.0, sd=2.0),
    Fixed(distribution="fixed", value=2.5),
    Empirical(distribution="empirical", values=[1, 2, 10], probabilities=[0.5, 0.3, 0.2]),
    Histogram(distribution="histogram", bin_edges=[0, 1, 5, 20], probabilities=[0.3, 0.5, 0.2]),
]


@pytest.mark.parametrize("dist", DISTS, ids=lambda d: d.distribution)
def test_distributions_know_their_mean_variance_and_residual(dist: object) -> None:
    rng = np.random.default_rng(5)
    x = dist.sample(rng, 400_000)  # type: ignore[attr-defined]
    mean, var = dist.mean, dist.variance  # type: ignore[attr-defined]
    # 400,000 draws: the standard error of the mean is below 1% of it for every case here.
    assert x.mean() == pytest.approx(mean, rel=0.02)
    if var > 0:
        assert x.var() == pytest.approx(var, rel=0.08)
    # Equilibrium residual time: E[R] = E[X^2] / (2 E[X]).
    r = dist.sample_residual(rng, 400_000)  # type: ignore[attr-defined]
    assert r.mean() == pytest.approx((var + mean**2) / (2 * mean), rel=0.03)
    assert (x >= 0).all() and (r >= 0).all()


def test_lognormal_is_given_by_its_own_mean_and_sd() -> None:
    d = LogNormal(distribution="lognormal", mean=6.9, sd=6.9 * math.sqrt(math.exp(1.165**2) - 1))
    assert d.sigma == pytest.approx(1.165)
    assert d.median == pytest.approx(3.5, abs=0.05)  # [9.2]: median 3.5 days


# -- arrivals ----------------------------------------------------------------------------
def test_arrivals_follow_the_hour_and_weekday_profile() -> None:
    hours = [
        0.022,
        0.018,
        0.015,
        0.013,
        0.011,
        0.011,
        0.015,
        0.024,
        0.040,
        0.058,
        0.072,
        0.071,
        0.064,
        0.061,
        0.062,
        0.061,
        0.060,
        0.058,
        0.056,
        0.053,
        0.049,
        0.043,
        0.035,
        0.028,
    ]
    days = [0.160, 0.145, 0.141, 0.139, 0.141, 0.135, 0.139]
    sc = scenario(
        **{
            "arrival_profile": {
                "hour_of_day_share": hours,
                "day_of_week_share": days,
                "month_factor": [1.0] * 12,
            },
            "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(300),
            "ed.cubicles": 400,
            "run.start_date": "2024-01-01",  # a Monday
        }
    )
    log = simulate(sc, 0, days=364, warmup_days=0, event_log=True).event_log
    assert log is not None
    t = log[log["event"] == "arrival"]["time"].to_numpy()
    n = len(t)
    assert n == pytest.approx(300 * 364, rel=0.01)
    by_hour = np.bincount((np.floor(t * 24) % 24).astype(int), minlength=24) / n
    by_day = np.bincount((np.floor(t) % 7).astype(int), minlength=7) / n
    # about 109,000 arrivals: a share of 0.06 has standard error 0.0007; 0.003 is over 4 SE.
    assert np.abs(by_hour - hours).max() < 0.003
    assert np.abs(by_day - np.array(days)).max() < 0.004


def test_month_factor_shapes_the_year() -> None:
    months = [0.8, 0.8, 1.0, 1.0, 1.0, 1.2, 1.2, 1.0, 1.0, 1.0, 1.0, 1.0]
    sc = scenario(
        **{
            "arrival_profile": {
                "hour_of_day_share": [1 / 24] * 24,
                "day_of_week_share": [1 / 7] * 7,
                "month_factor": months,
            },
            "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(200),
            "ed.cubicles": 300,
            "run.start_date": "2023-01-01",
        }
    )
    log = simulate(sc, 0, days=365, warmup_days=0, event_log=True).event_log
    assert log is not None
    t = log[log["event"] == "arrival"]["time"].to_numpy()
    start = dt.date(2023, 1, 1)
    month = np.array([(start + dt.timedelta(days=int(d))).month for d in t])
    jan = (month == 1).sum() / 31
    jun = (month == 6).sum() / 30
    assert jan / 200 == pytest.approx(0.8, rel=0.03)
    assert jun / 200 == pytest.approx(1.2, rel=0.03)


# -- discharge timing --------------------------------------------------------------------
def test_discharge_clock() -> None:
    # 2024-01-01 is a Monday. Factors: only Friday (index 4) accepts everyone.
    clock = DischargeClock([0.5, 0.5, 0.5, 0.5, 1.0, 0.5, 0.25], 10, 20, first_weekday=0)
    # fit Monday 08:00, draw 0.2 (accepted every day), hour draw 0.5 -> Monday 15:00
    assert clock.ready_time(0 + 8 / 24, 0.2, 0.5) == pytest.approx(0 + 15 / 24)
    # fit Monday 18:00 with hour draw 0.5: 15:00 has passed -> Tuesday 15:00
    assert clock.ready_time(18 / 24, 0.2, 0.5) == pytest.approx(1 + 15 / 24)
    # draw 0.7: refused Mon-Thu and Sat-Sun; fit Saturday -> next Friday
    assert clock.ready_time(5 + 1 / 24, 0.7, 0.0) == pytest.approx(11 + 10 / 24)
    # draw 0.4: refused on Sunday (0.25) only
    assert clock.ready_time(6 + 1 / 24, 0.4, 0.0) == pytest.approx(7 + 10 / 24)


def test_weekend_discharges_are_fewer() -> None:
    sc = busy_network(**{"run.start_date": "2024-01-01", "acute_ward.beds": 200})
    log = simulate(sc, 0, days=350, warmup_days=14, event_log=True).event_log
    assert log is not None
    # patients discharged home (P0) leave in the discharge window; others leave when their
    # onward place is free
    home = log[(log["event"] == "depart") & (log["service"] == "acute_ward")]["patient_id"]
    ends = log[(log["event"] == "acute_ward_ends") & (log["time"] >= 14)]
    out = ends[ends["patient_id"].isin(home)]["time"].to_numpy()
    by_day = np.bincount((np.floor(out) % 7).astype(int), minlength=7)
    hour = (out * 24) % 24
    assert ((hour >= 10) & (hour <= 20)).all()
    assert by_day[6] < 0.75 * by_day[:5].mean()  # Sunday
    assert by_day[4] > by_day[0]  # Friday busier than Monday


# -- queue discipline --------------------------------------------------------------------
def test_waiting_line_order() -> None:
    import simpy

    from pathsim.model.monitors import LevelMonitor
    from pathsim.model.places import Places

    env = simpy.Environment()
    for priority, expected in ((True, ["b", "d", "a", "c"]), (False, ["a", "b", "c", "d"])):
        places = Places(env, "x", 1, LevelMonitor(env, "busy"), priority=priority)
        served: list[str] = []
        places.request("first", lambda p, slot: None)
        for name, prio in (("a", 3), ("b", 1), ("c", 3), ("d", 2)):
            places.request(name, lambda p, slot, out=served: out.append(p), prio)
        assert places.waiting == 4 and places.in_use == 1
        for _ in range(4):
            places.release(0)
        assert served == expected
        places.release(0)
        assert places.in_use == 0 and places.waiting == 0


def test_priority_queue_in_the_ed() -> None:
    # Same patients under both disciplines. Assessment time does not depend on triage
    # category, so by the conservation law the mean wait is the same in expectation; priority
    # spreads it: urgent patients wait less, so the median falls.
    def waits(discipline: str) -> pd.Series:
        sc = busy_network(
            **{
                "ed.queue_discipline": discipline,
                "ed.cubicles": 3,
                "segments.everyone.admission_probability": 0.0,
            }
        )
        log = simulate(sc, 0, days=100, warmup_days=5, event_log=True).event_log
        assert log is not None
        ed = log[log["service"] == "ed"]
        start = ed[ed["event"] == "ed_wait_begins"].set_index("patient_id")["time"]
        seen = ed[ed["event"] == "ed_begins"].set_index("patient_id")["time"]
        return (seen - start).dropna()

    fifo, prio = waits("fifo"), waits("priority")
    assert prio.mean() == pytest.approx(fifo.mean(), rel=0.15)
    assert prio.median() < 0.8 * fifo.median()
    assert prio.max() > fifo.max()


# -- warm-up -----------------------------------------------------------------------------
def test_results_exclude_warmup() -> None:
    sc = scenario(
        **{
            "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(100),
            "ed.cubicles": 50,
        }
    )
    k = simulate(sc, 0, days=50, warmup_days=200).kpis
    # 5,000 expected over the 50-day results period, not 25,000 over the whole run
    assert k["ed_attendances"] == pytest.approx(5000, rel=0.05)


# -- event log ---------------------------------------------------------------------------
def test_event_log_schema_and_vidigi_export() -> None:
    r = simulate(busy_network(), 2, days=30, warmup_days=2, event_log=True)
    log = r.event_log
    assert log is not None
    assert tuple(log.columns) == EVENT_LOG_COLUMNS
    assert (log["replication"] == 2).all()
    assert set(log["event_type"].astype(str)) <= {
        "arrival_departure",
        "queue",
        "resource_use",
        "resource_use_end",
        "milestone",
    }
    assert log["time"].is_monotonic_increasing
    orgs = dict(zip(log["service"].astype(str), log["organisation"].astype(str), strict=False))
    assert orgs["ed"] == "acute" and orgs["support"] == "council"
    uses = log[log["event_type"] == "resource_use"]
    assert uses["resource_id"].notna().all()
    v = to_vidigi(log)
    assert {"entity_id", "event_type", "event", "time", "resource_id", "run_number"} <= set(
        v.columns
    )
    assert "milestone" not in set(v["event_type"])
    assert v["time"].max() == pytest.approx(log["time"].max() * 1440, rel=1e-9)


def test_no_event_log_by_default() -> None:
    assert simulate(busy_network(), 0, days=5, warmup_days=0).event_log is None


# -- the shipped scenarios ---------------------------------------------------------------
@pytest.mark.parametrize(
    "path", ["scenarios/fragmented.yaml", "experiments/benchmarks/reference_hospital.yaml"]
)
def test_shipped_scenarios_run(path: str) -> None:
    sc = load_scenario(path)
    r = simulate(sc, 0, days=30, warmup_days=10)
    c = r.conservation
    assert c["created"] == c["exited"] + c["present"]
    assert 0 < r.kpis["bed_occupancy"] <= 1
    for name in (
        "ed_attendances",
        "ed_4h_performance",
        "ed_12h_waits",
        "emergency_admissions",
        "bed_occupancy",
        "time_above_95pct_occupancy",
        "delayed_discharge_bed_days",
    ):
        assert name in r.kpis
    for svc in sc.onward_services:
        assert f"mean_wait_days_{svc}" in r.kpis


def test_ward_round_declares_patients_fit() -> None:
    clock = DischargeClock([1.0] * 7, 10, 20, first_weekday=0, ward_round_hour=9)
    assert clock.declared_time(0.5) == pytest.approx(1 + 9 / 24)  # noon -> next day's round
    assert clock.declared_time(2 + 8 / 24) == pytest.approx(2 + 9 / 24)  # 08:00 -> 09:00
    assert clock.declared_time(3 + 9 / 24) == pytest.approx(3 + 9 / 24)  # at the round
    no_round = DischargeClock([1.0] * 7, 10, 20, first_weekday=0)
    assert no_round.declared_time(0.5) == 0.5


def test_escalation_spaces_free_cubicles_for_new_arrivals() -> None:
    # Two beds with long stays and plenty of admissions: boarders pile up (about 1.6 a day).
    # Without escalation spaces they hold the 4 cubicles and A&E gridlocks; with 200 spaces
    # the cubicles keep assessing, boarders wait in the corridor, and nobody is lost.
    common = {
        "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(8.0),
        "segments.everyone.admission_probability": 0.2,
        "segments.everyone.ed_assessment_hours": {"distribution": "fixed", "value": 1.0},
        "segments.everyone.length_of_stay_days": {"distribution": "fixed", "value": 30.0},
        "ed.cubicles": 4,
        "acute_ward.beds": 2,
    }
    stuck = simulate(scenario(**common), 0, days=60, warmup_days=0)
    flowing = simulate(
        scenario(**common, **{"ed.escalation_spaces": 200}), 0, days=60, warmup_days=0
    )
    assert stuck.kpis["ed_mean_time_hours"] > 24 * 5  # gridlocked
    # discharged patients are assessed in an hour, with the cubicles free: most leave in 4 h
    assert flowing.kpis["ed_4h_performance"] > 0.95
    assert flowing.kpis["ed_mean_time_hours"] < 12  # boarders who got a bed waited long
    for res in (stuck, flowing):
        c = res.conservation
        assert c["created"] == c["exited"] + c["present"]
    corridor = flowing.timeseries
    used = corridor[(corridor.service == "ed") & (corridor.metric == "in_escalation_spaces")]
    assert 50 < used["value"].max() <= 200  # the boarders, in the corridor
