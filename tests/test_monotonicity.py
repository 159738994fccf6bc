"""More capacity at a service never increases the mean wait at that service, for the same
seeds, in expectation.

A wait is random, so one seed can break the rule by chance in principle (different patients
are delayed in different orders); the claim is about the expectation. Each check runs the
same seeds (so the same patients: common random numbers) at two capacities, takes the paired
difference d = wait(more capacity) - wait(less) per seed, and applies a one-sided paired t-test:
the mean of d may exceed 0 by at most T_CRITICAL standard errors.

T_CRITICAL = 3.4 is the 99.9% point of Student's t with 29 degrees of freedom (30 seeds): if the
true mean difference were exactly 0, a value this high would happen by chance once in a
thousand checks; a model in which extra capacity lengthens the wait by more than about
3.4 standard errors is refused. The seeds are fixed, so each run of the tests gives the same
answer; the tolerance says how surprising a failure would be, not how often it flickers.

Each hand-built case also shows that it can fail: with the capacities swapped (less capacity
called 'more'), the same check refuses, because the true difference there is many standard
errors from 0 (asserted). Over random systems (hypothesis), where the capacity often does not
bind and d is then exactly 0, only the monotone direction is checked.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import per_1000_per_year, scenario
from pathsim import simulate, with_overrides
from pathsim.scenario import Scenario
from test_properties import scenarios

pytestmark = pytest.mark.slow

T_CRITICAL = 3.4  # one-sided 0.999 quantile of Student's t, 29 degrees of freedom
SEEDS = range(30)
DAYS, WARMUP = 120, 30


def paired_difference(
    sc: Scenario,
    field: str,
    less: int,
    more: int,
    kpi: str,
    seeds: range,
    days: int,
    warmup_days: int,
) -> tuple[float, float, int]:
    """Mean and standard error of wait(more) - wait(less) over the seeds where both runs
    recorded a wait, and how many seeds that was."""
    low, high = with_overrides(sc, {field: less}), with_overrides(sc, {field: more})
    diffs = []
    for seed in seeds:
        a = simulate(low, seed, days=days, warmup_days=warmup_days).kpis[kpi]
        b = simulate(high, seed, days=days, warmup_days=warmup_days).kpis[kpi]
        if not (math.isnan(a) or math.isnan(b)):
            diffs.append(b - a)
    if len(diffs) < 2:
        return 0.0, 0.0, len(diffs)
    return statistics.mean(diffs), statistics.stdev(diffs) / math.sqrt(len(diffs)), len(diffs)


# Small systems where the capacity binds. Population 1,000; rates per day; exponential A&E
# assessments (mean 1.5 h) and ward stays (mean 5 days) from tests/builders.py.
_ADMITTING: dict[str, Any] = {
    "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(20.0),
    "segments.everyone.admission_probability": 0.5,  # 10 admissions a day: about 50 beds busy
    "ed.cubicles": 40,  # A&E never the bottleneck
}
CASES = {
    # 40 arrivals a day x 1.5 h = 2.5 cubicles busy: 3 cubicles (83%) against 4 (63%)
    "A&E cubicles -> wait for a cubicle": (
        scenario(**{"segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(40.0)}),
        "ed.cubicles",
        (3, 4),
        "ed_mean_wait_for_cubicle_hours",
    ),
    # about 50 beds busy: 54 beds (93%) against 60 (83%); waiting for a bed is boarding in A&E
    "beds -> boarding in A&E": (
        scenario(**_ADMITTING),
        "acute_ward.beds",
        (54, 60),
        "ed_mean_boarding_hours",
    ),
    # 2 referrals a day x 20 days = 40 places busy: 42 places (95%) against 48 (83%)
    "home care places -> referral to start": (
        scenario(
            **_ADMITTING,
            **{
                "acute_ward.beds": 90,
                "segments.everyone.discharge_pathway_share": {"P0": 0.8, "P1": 0.2},
                "onward_services": {
                    "home_care": {
                        "kind": "home_care",
                        "organisation": "council",
                        "capacity": 42,
                        "length_of_stay_days": {"distribution": "exponential", "mean": 20},
                    }
                },
                "discharge_pathway_services": {"P1": {"home_care": 1.0}},
            },
        ),
        "onward_services.home_care.capacity",
        (42, 48),
        "mean_referral_to_start_days_home_care",
    ),
}


def _check(name: str) -> None:
    sc, field, (less, more), kpi = CASES[name]
    mean, se, n = paired_difference(sc, field, less, more, kpi, SEEDS, DAYS, WARMUP)
    assert n == len(SEEDS), f"{name}: waits recorded in {n} of {len(SEEDS)} seeds"
    # the property: more capacity does not lengthen the mean wait (beyond chance)
    assert mean <= T_CRITICAL * se, f"{name}: +{mean:.3g} (se {se:.3g}) with more capacity"
    # the check has power: swapped, it refuses (the difference is far beyond chance)
    assert -mean > T_CRITICAL * se, f"{name}: swapped capacities would pass ({mean:.3g}, {se:.3g})"


def test_more_cubicles_never_lengthen_the_wait_for_a_cubicle() -> None:
    _check("A&E cubicles -> wait for a cubicle")


def test_more_beds_never_lengthen_boarding() -> None:
    _check("beds -> boarding in A&E")


def test_more_home_care_places_never_lengthen_referral_to_start() -> None:
    _check("home care places -> referral to start")


# -- over random systems ------------------------------------------------------------------------
RANDOM_SEEDS = range(12)
# one-sided 0.999 quantile of Student's t with 11 degrees of freedom (12 seeds)
T_CRITICAL_12 = 4.02
SERVICE_KPI = {
    "ed": ("ed.cubicles", "ed_mean_wait_for_cubicle_hours"),
    "ward": ("acute_ward.beds", "ed_mean_boarding_hours"),
    "onward": ("onward_services.s0.capacity", "mean_referral_to_start_days_s0"),
}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(scenarios(), st.sampled_from(sorted(SERVICE_KPI)), st.integers(1, 10))
def test_more_capacity_never_lengthens_the_wait_in_any_system(
    sc: Scenario, service: str, extra: int
) -> None:
    if service == "onward" and "s0" not in sc.onward_services:
        service = "ward"
    field, kpi = SERVICE_KPI[service]
    less = {
        "ed": sc.ed.cubicles,
        "ward": sc.acute_ward.beds,
        "onward": sc.onward_services["s0"].capacity if "s0" in sc.onward_services else 0,
    }[service]
    mean, se, _ = paired_difference(
        sc, field, less, less + extra, kpi, RANDOM_SEEDS, days=25, warmup_days=5
    )
    assert mean <= T_CRITICAL_12 * se, f"{field} +{extra}: {kpi} +{mean:.3g} (se {se:.3g})"
