"""The equilibrium of the onward services: how many places each would have in use once the
system has settled, estimated from the scenario's flows with Little's law.

Long-stay services (home care, care homes: stays of one or two years) take years to settle
from any other start, far longer than a warm-up. A service whose ``initial_occupancy_share``
is ``equilibrium`` starts instead with the places this module estimates in use:

- **Inflow** (people a day who take a place): the service's community referrals; the
  hospital's overnight admissions (each segment's A&E admissions and direct admissions, less
  same-day stays; readmissions are part of them) times the segment's discharge pathway shares
  times ``discharge_pathway_services``; people referred on from other services as their stays
  end (``then_referred_to``, at the other service's throughput); patients who deteriorate in
  bed while waiting for care at home, moved from the service they waited for to the one they
  come to need (the chance over the expected wait in bed after being declared fit: the ward
  liaison wait and the mean of every referral step, with no wait for the place itself; with
  a referral lead time, the part of the referral still to run once fit, beside the liaison
  wait: see :func:`wait_in_bed_days`); and,
  when the scenario caps new social care packages, the funded services' inflows scaled down
  together to the cap.
- **Offered load** = inflow x mean length of stay (Little's law: the places that would be in
  use with no limit on them).
- **Places in use** = the offered load, rounded, at most the capacity (with spot purchase,
  the contracted places plus the most spot places: the run starts the excess over the
  contracted places in spot places); for a service that diverts people when full, the
  offered load times the chance of finding a place (Erlang B, which depends on the length of
  stay only through its mean).

A service whose offered load exceeds its capacity has no equilibrium: it starts full and its
waiting line then grows by ``excess_per_day`` people a day for as long as the run lasts (no
warm-up settles it; the estimate says so). No initial waiting line is put in: an overloaded
line's length is a matter of history the scenario does not hold, and for a service just
below capacity the equilibrium line (of the order of rho / (1 - rho)) is too sensitive to
the inflow estimate to be worth starting from.

The estimate is of the scenario's own system without its integration levers (flows a lever
adds or removes, such as a joint emergency team's packages or virtual wards, and places a
lever adds, which start empty, are left out): every configuration of one system then starts
from the same state. It is an expected-value calculation, not a simulation: the results
report what each service actually does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pathsim.scenario.distributions import DistributionBase
from pathsim.scenario.models import Scenario
from pathsim.scenario.models_base import Pathway
from pathsim.scenario.services import OnwardService

EQUILIBRIUM = "equilibrium"
"""The value of ``initial_occupancy_share`` that starts a service at its equilibrium."""

YEAR_DAYS = 365.25
"""Days in a year, as the arrival sources count them."""

_ITERATIONS = 200
_CONVERGED = 1e-12
_LEAD_SAMPLES = 20_000
"""Draws with which the expected wait in bed under a referral lead time is estimated."""
_LEAD_SEED = 20_240_613
"""Their fixed seed: the estimate is a property of the scenario, the same in every run."""


@dataclass(frozen=True)
class OnwardEquilibrium:
    """One onward service at equilibrium (expected values)."""

    service: str
    inflow_per_day: float
    """People a day expected to take a place (or, for a service that diverts, to ask)."""
    mean_stay_days: float
    capacity: int
    """Contracted places the scenario gives the service (places a lever adds are not
    counted)."""
    offered_load: float
    """Inflow x mean stay: the places that would be in use with no limit."""
    places_in_use: int
    """Places in use at equilibrium, at most the capacity plus the most spot places: where
    the service starts."""
    excess_per_day: float
    """Inflow beyond what the places (contracted and spot) can serve (people a day); above 0
    the service has no equilibrium and its waiting line grows this much a day."""

    @property
    def occupancy(self) -> float:
        """Share of contracted places in use at equilibrium (NaN without places)."""
        if not self.capacity:
            return math.nan
        return min(self.places_in_use, self.capacity) / self.capacity

    @property
    def spot_places_in_use(self) -> int:
        """Spot-purchased places in use at equilibrium (those beyond the contracted ones)."""
        return max(0, self.places_in_use - self.capacity)


def erlang_b(c: int, a: float) -> float:
    """Chance that an arrival finds all ``c`` places taken, offered load ``a`` (M/G/c/c)."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def overnight_admissions_per_day(scenario: Scenario, segment: str) -> float:
    """A segment's expected emergency admissions a day that take an acute bed: A&E and direct
    admissions, readmissions included, less same-day stays."""
    seg = scenario.segments[segment]
    admitted = seg.ed_attendances_per_year * seg.admission_probability
    return (admitted + seg.direct_admissions_per_year) * (1 - seg.same_day_probability) / YEAR_DAYS


def _mean(dist: DistributionBase | None) -> float:
    return dist.mean if dist is not None else 0.0


def wait_in_bed_days(scenario: Scenario, segment: str, service: str) -> float:
    """Expected time a patient of ``segment``, declared fit, spends in bed before a place in
    ``service`` could be theirs, with no wait for the place itself: the liaison assessment
    (for the share with a mental health need) and the mean of each referral step, one after
    the other. With a referral lead time the referral starts before fit and runs beside the
    liaison wait: :func:`wait_in_bed_with_lead_days`."""
    if scenario.frictions.referral_lead_days is not None:
        return wait_in_bed_with_lead_days(scenario, segment, service)
    seg, svc, f = scenario.segments[segment], scenario.onward_services[service], scenario.frictions
    days = seg.mental_health_share * _mean(scenario.mental_health.ward_liaison_wait_days)
    days += _mean(f.hospital_assessment_days)
    if svc.organisation != scenario.acute_ward.organisation:
        if f.referral_bounce_probability < 1:
            days += _mean(f.referral_delay_days) / (1 - f.referral_bounce_probability)
        days += _mean(f.repeat_assessment_days)
    if svc.needs_funding_decision and f.funding_panel_interval_days:
        days += f.funding_panel_interval_days / 2
    return days


def wait_in_bed_with_lead_days(scenario: Scenario, segment: str, service: str) -> float:
    """:func:`wait_in_bed_days` under a referral lead time: the mean of ``max(W, F - L)``,
    where ``W`` is the liaison wait (for the share with a mental health need, else 0), ``F``
    the referral steps' total time (each hand-off attempt a delay, the funding panel's wait
    uniform over its interval) and ``L`` the lead, cut at the time from the start of the stay
    to being declared fit (the clinical stay, plus a uniform wait for the next ward round if
    the ward has one). A mean of a maximum has no closed form: it is estimated from a fixed
    number of draws with a fixed seed (so it is the same for every run of the scenario, and
    draws nothing from a run's streams). Like the estimate without the lead, it leaves out
    the wait for the budget and for the place."""
    seg, svc, f = scenario.segments[segment], scenario.onward_services[service], scenario.frictions
    lead = f.referral_lead_days
    assert lead is not None
    rng = np.random.default_rng(_LEAD_SEED)
    n = _LEAD_SAMPLES
    steps = np.zeros(n)
    if f.hospital_assessment_days is not None:
        steps += f.hospital_assessment_days.sample(rng, n)
    if svc.organisation != scenario.acute_ward.organisation:
        if f.referral_delay_days is not None and f.referral_bounce_probability < 1:
            attempts = rng.geometric(1 - f.referral_bounce_probability, n)
            delays = f.referral_delay_days.sample(rng, int(attempts.sum()))
            starts = np.concatenate(([0], np.cumsum(attempts)[:-1]))
            steps += np.add.reduceat(delays, starts)
        if f.repeat_assessment_days is not None:
            steps += f.repeat_assessment_days.sample(rng, n)
    if svc.needs_funding_decision and f.funding_panel_interval_days:
        steps += rng.uniform(0, f.funding_panel_interval_days, n)
    liaison = np.zeros(n)
    ward_wait = scenario.mental_health.ward_liaison_wait_days
    if ward_wait is not None and seg.mental_health_share > 0:
        needs = rng.random(n) < seg.mental_health_share
        liaison = np.where(needs, ward_wait.sample(rng, n), 0.0)
    to_fit = seg.length_of_stay_days.sample(rng, n)
    timing = scenario.acute_ward.discharge_timing
    if timing is not None and timing.ward_round_hour is not None:
        to_fit = to_fit + rng.random(n)
    ahead = np.minimum(lead.sample(rng, n), to_fit)
    return float(np.maximum(liaison, steps - ahead).mean())


def hospital_referrals_per_day(scenario: Scenario) -> dict[str, float]:
    """People a day the hospital refers to each onward service (after deterioration moves
    some from the service they waited for to the one they come to need)."""
    out = dict.fromkeys(scenario.onward_services, 0.0)
    det = scenario.deterioration
    deteriorating = det.daily_chance > 0 and det.to_service is not None
    hazard = -math.log1p(-det.daily_chance) if det.daily_chance < 1 else math.inf
    for name, seg in scenario.segments.items():
        admissions = overnight_admissions_per_day(scenario, name)
        for pathway, share in seg.discharge_pathway_share.items():
            if pathway is Pathway.P0 or share == 0:
                continue
            for service, service_share in scenario.discharge_pathway_services[pathway].items():
                flow = admissions * share * service_share
                if (
                    deteriorating
                    and service in det.from_services
                    and (det.segments is None or name in det.segments)
                ):
                    wait = wait_in_bed_days(scenario, name, service)
                    moved = flow * -math.expm1(-hazard * wait) if wait > 0 else 0.0
                    assert det.to_service is not None
                    out[det.to_service] += moved
                    flow -= moved
                out[service] += flow
    return out


def onward_equilibrium(scenario: Scenario) -> dict[str, OnwardEquilibrium]:
    """Every onward service of ``scenario`` at equilibrium, in the scenario's order."""
    services = scenario.onward_services
    community = {n: s.community_referrals_per_week / 7 for n, s in services.items()}
    hospital = hospital_referrals_per_day(scenario)
    budget = scenario.frictions.social_care_packages_per_week
    cap = None if budget is None else budget / 7
    throughput = dict.fromkeys(services, 0.0)
    inflow = dict.fromkeys(services, 0.0)
    for _ in range(_ITERATIONS):
        asked = {n: community[n] + hospital[n] for n in services}
        for other, spec in services.items():
            for following, share in spec.then_referred_to.items():
                asked[following] += throughput[other] * share
        funded = sum(asked[n] for n, s in services.items() if s.needs_funding_decision)
        if cap is not None and funded > cap:
            scale = cap / funded
            for n, s in services.items():
                if s.needs_funding_decision:
                    asked[n] *= scale
        new = {n: _served(asked[n], services[n]) for n in services}
        change = max((abs(new[n] - throughput[n]) for n in services), default=0.0)
        throughput, inflow = new, asked
        if change < _CONVERGED:
            break
    out: dict[str, OnwardEquilibrium] = {}
    for n, spec in services.items():
        mean = spec.length_of_stay_days.mean
        load = inflow[n] * mean
        if spec.when_full == "divert":
            in_use = load * (1 - erlang_b(spec.capacity, load)) if spec.capacity else 0.0
            excess = 0.0
        else:
            in_use = load
            excess = max(0.0, inflow[n] - spec.places_at_most / mean)
        out[n] = OnwardEquilibrium(
            service=n,
            inflow_per_day=inflow[n],
            mean_stay_days=mean,
            capacity=spec.capacity,
            offered_load=load,
            places_in_use=min(round(in_use), spec.places_at_most),
            excess_per_day=excess,
        )
    return out


def _served(asked: float, spec: OnwardService) -> float:
    """People a day who take a place (and so leave it, and may be referred on)."""
    capacity = spec.capacity
    mean = spec.length_of_stay_days.mean
    if spec.when_full == "divert":
        load = asked * mean
        return asked * (1 - erlang_b(capacity, load)) if capacity else 0.0
    return min(asked, spec.places_at_most / mean)
