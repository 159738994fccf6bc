"""Onward services after hospital: reablement, home care, community beds, care homes.

Each takes patients from the ward (who keep their bed until a place is free) and people
referred from the community, who compete for the same places. Long-running services start the
run with places already in use, each with a residual time drawn from the equilibrium
(length-biased) distribution, so the run starts near its steady state.

A service with spot purchase has a second set of places, bought one at a time after a
sourcing time (:mod:`pathsim.model.spot_market`); spot places are numbered after the
contracted ones in the event log (slot ``capacity + k``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pathsim.model.clock import call_after
from pathsim.model.component import Component, Cost, Results, ratio
from pathsim.model.context import RunContext
from pathsim.model.hooks import Deteriorates
from pathsim.model.monitors import LevelMonitor, Tally
from pathsim.model.patients import Patient, PoissonSource, Route
from pathsim.model.referral import FrictionSteps
from pathsim.model.service import (
    ARRIVAL_DEPARTURE,
    MILESTONE,
    QUEUE,
    RESOURCE_USE,
    RESOURCE_USE_END,
    BufferedSampler,
    Service,
)
from pathsim.model.spot_market import NoSpotMarket, SpotMarket
from pathsim.model.streams import Streams
from pathsim.scenario.models import ArrivalProfile
from pathsim.scenario.services import OnwardService

BED_BASED = ("community_bed", "care_home")

KPIS: dict[str, str] = {
    "mean_wait_days_<service>": (
        "Mean wait for a place in an onward service once the referral is accepted and funded (days)"
    ),
    "mean_referral_to_start_days_<service>": (
        "Mean time from referral (declared medically fit, or referred from the community) to "
        "the start of the stay, every friction included: the wait a patient sees (days; with a "
        "referral lead time, the steps run before fit are not in it)"
    ),
    "occupancy_<service>": (
        "Mean share of the onward service's (contracted) places in use; spot-purchased places "
        "are counted apart"
    ),
    "mean_queue_<service>": "Mean number of people waiting for the onward service",
    "referrals_<service>": "Referrals to the onward service, hospital and community",
    "diverted_<service>": "Referrals that found the service full and went elsewhere",
    "started_<service>": "Stays started in the onward service, hospital and community",
    "spot_starts_<service>": (
        "Stays started in a spot-purchased place (after the sourcing time, every contracted "
        "place being taken); 0 without spot purchase"
    ),
    "spot_places_in_use_<service>": (
        "Mean number of spot-purchased places in use (beyond the contracted places, which "
        "occupancy_<service> is over); 0 without spot purchase"
    ),
    "referred_on_<service>": (
        "Stays ended in the results period whose person was referred on to another service "
        "(e.g. from reablement to long-term home care)"
    ),
}
"""The KPIs each onward service reports (``<service>`` is its name), with descriptions."""


class OnwardServiceComponent(Service):
    """Places held for a length of stay drawn from the service's own stream."""

    def __init__(
        self,
        ctx: RunContext,
        name: str,
        spec: OnwardService,
        streams: Streams,
        capacity: int,
        referrals: FrictionSteps,
        hospital_organisation: str,
        deterioration: Deteriorates,
        directory: Mapping[str, OnwardServiceComponent],
        initial_places: int = 0,
    ) -> None:
        """``capacity`` may differ from the scenario's (levers can add places); people
        referred from the community pass the steps ``referrals`` builds (a referral to
        another organisation than ``hospital_organisation`` crosses a boundary);
        ``deterioration`` decides whether a patient waiting in bed still needs this service
        when a place comes free; ``directory`` finds, by name, the service a person is
        referred on to when a stay ends; ``initial_places`` are in use when the run
        starts."""
        super().__init__(ctx, name, spec.organisation, capacity)
        self.initial_places = initial_places
        self.spec = spec
        self.bed_based = spec.kind in BED_BASED
        """Whether a stay here is time away from home (a community bed, a care home)."""
        self.divert = spec.when_full == "divert"
        self.stay = BufferedSampler(
            spec.length_of_stay_days, streams[f"onward.{name}.length_of_stay"]
        )
        self.in_referral = LevelMonitor(ctx.env, f"{name}.in_referral")
        """People referred from the community still passing the referral steps."""
        self.community_pipeline = referrals.community_pipeline(
            spec.organisation != hospital_organisation, spec.needs_funding_decision
        )
        """Referral steps for people referred from the community."""
        self.streams = streams
        self.referral_to_start = Tally()
        """From referral (declared fit in hospital, or referred from the community) to the
        start of the stay: every friction and the wait for a place."""
        self.deterioration = deterioration
        self.directory = directory
        self.next_services: list[tuple[float, str]] = []
        """(cumulative share, service name) referred on to when a stay ends."""
        bound = 0.0
        for following, share in spec.then_referred_to.items():
            bound += share
            self.next_services.append((bound, following))
        self.outcome = streams[f"onward.{name}.outcome"]
        self._outcome_buf: list[float] = []
        self.referred_on = 0
        self.referrals = 0
        self.referrals_from_hospital = 0
        self.diverted = 0
        self.started = 0
        self.spot_starts = 0
        spot = spec.spot_purchase
        self.market: NoSpotMarket = (
            NoSpotMarket(self.places, self._start)
            if spot is None
            else SpotMarket(ctx, name, spot, streams, self.places, self._start)
        )
        """Where places come from: the contracted ones, and spot ones if the service buys."""

    def tallies(self) -> list[Tally]:
        return [*super().tallies(), self.referral_to_start]

    def level_monitors(self) -> dict[str, LevelMonitor]:
        return {**super().level_monitors(), **self.market.monitors()}

    def patients_holding(self) -> int:
        """People in a contracted or a spot place."""
        return self.places.in_use + self.market.in_use

    def patients_present(self) -> int:
        """People holding or waiting for a place here (everyone waiting is in the contracted
        line, whether or not also in the spot line), and people referred from home still
        passing the referral steps."""
        return self.patients_holding() + self.places.waiting + int(self.in_referral.level)

    def start(self) -> None:
        """Places already in use when the run starts, each with a residual time drawn from
        the equilibrium distribution; then the referrals from the community begin."""
        spec, ctx = self.spec, self.ctx
        n = self.initial_places
        if n > 0:
            remaining = spec.length_of_stay_days.sample_residual(
                self.streams[f"initial.{self.name}"], n
            )
            contracted = self.places.capacity
            for i, r in enumerate(remaining.tolist()):
                p = Patient(ctx.new_other_id(), -1, Route.INITIAL, 0.0)
                self.place_initial(p, r, spot=i >= contracted)
        PoissonSource(
            ctx,
            self.streams,
            f"onward.{self.name}.community",
            spec.community_referrals_per_week * 365.25 / 7,
            ArrivalProfile.flat(),
            -1,
            Route.COMMUNITY,
            self.arrive_from_community,
            None,
        ).start()

    def kpis(self, results: Results) -> dict[str, float]:
        n = self.name
        spot = results.mean_level(n, "spot_occupied") if self.market.buys else 0.0
        return {
            f"mean_wait_days_{n}": self.wait.mean,
            f"mean_referral_to_start_days_{n}": self.referral_to_start.mean,
            f"occupancy_{n}": ratio(results.mean_level(n, "occupied"), self.capacity),
            f"mean_queue_{n}": results.mean_level(n, "queue_length"),
            f"referrals_{n}": float(self.referrals),
            f"diverted_{n}": float(self.diverted),
            f"started_{n}": float(self.started),
            f"spot_starts_{n}": float(self.spot_starts),
            f"spot_places_in_use_{n}": spot,
            f"referred_on_{n}": float(self.referred_on),
        }

    def costs(self, kpis: Mapping[str, float], results: Results) -> list[Cost]:
        """Place days at the daily rate, and each stay started at the rate per episode; spot
        place days at the spot rate, as a cost line of their own (``<service>_spot``)."""
        spec, capacity, n = self.spec, self.capacity, self.name
        place_days = kpis[f"occupancy_{n}"] * capacity * results.days if capacity else 0.0
        gbp = place_days * spec.cost_per_day_gbp + self.started * spec.cost_per_episode_gbp
        out = [Cost(n, self.organisation, gbp)]
        spot = spec.spot_purchase
        if spot is not None:
            rate = spec.cost_per_day_gbp if spot.cost_per_day_gbp is None else spot.cost_per_day_gbp
            spot_days = kpis[f"spot_places_in_use_{n}"] * results.days
            out.append(Cost(f"{n}_spot", self.organisation, spot_days * rate))
        return out

    def place_initial(self, p: Patient, remaining: float, spot: bool = False) -> None:
        """Puts a person in a place (a ``spot`` one) at the start of the run with
        ``remaining`` days to go."""
        if self.log is not None:
            self.log.add(p.pid, ARRIVAL_DEPARTURE, "arrival", self.name)
        slot = self.market.occupy(p, spot)
        p.holder = self
        p.slot = slot
        if self.log is not None:
            self.log.add(p.pid, RESOURCE_USE, self._ev_begin, self.name, slot)
        call_after(self.env, remaining, self._end, p)

    def arrive_from_community(self, p: Patient, arrived: bool = False) -> None:
        """A referral from the community: a new person, or one who ``arrived`` already (a
        crisis a joint emergency team is managing at home with a package)."""
        if self.log is not None and not arrived:
            self.log.add(p.pid, ARRIVAL_DEPARTURE, "arrival", self.name)
        self.in_referral.add(1)
        p.t_referred = self.env.now
        self.community_pipeline.run(p, self._referred_from_community)

    def _referred_from_community(self, p: Patient) -> None:
        self.in_referral.add(-1)
        self.refer(p)

    def refer(self, p: Patient) -> None:
        """A referral: from the ward (the patient holds a bed) or from the community."""
        p.t_request = self.env.now
        in_results = self.ctx.collecting
        if in_results:
            self.referrals += 1
            if p.holder is not None:
                self.referrals_from_hospital += 1
        if self.divert and not self.places.has_room:
            if in_results:
                self.diverted += 1
            if self.log is not None:
                self.log.add(p.pid, MILESTONE, f"{self.name}_diverted", self.name)
            if p.holder is not None:
                p.holder.handover(p)  # type: ignore[attr-defined]
            self.ctx.away(p, False)  # went elsewhere: out of the model, counted as home
            self.patient_leaves_system(p)
            return
        if self.log is not None:
            self.log.add(p.pid, QUEUE, self._ev_wait, self.name)
        self.market.request(p)

    def _start(self, p: Patient, slot: int) -> None:
        self.market.granted(p, slot)  # leave the other line, if waiting in two
        if self.deterioration.deteriorated(p):
            # The place goes to the next in line (after this instant); the patient, still in
            # bed, is referred on again to the service they now need.
            call_after(self.env, 0.0, self._give_back, slot)
            self.deterioration.refer_again(p)
            return
        if p.holder is not None:
            p.holder.handover(p)  # type: ignore[attr-defined]
        else:
            self.ctx.away(p, self.bed_based)
        p.holder = self
        p.slot = slot
        bought = self.market.bought(slot)
        if self.ctx.collecting:
            self.started += 1
            self.spot_starts += bought
            self.wait.record(self.env.now - p.t_request)
            self.referral_to_start.record(self.env.now - p.t_referred)
        if self.log is not None:
            if bought:
                self.log.add(p.pid, MILESTONE, f"{self.name}_spot_purchase", self.name)
            self.log.add(p.pid, RESOURCE_USE, self._ev_begin, self.name, slot)
        call_after(self.env, self.stay.next(), self._end, p)

    def _give_back(self, slot: int) -> None:
        self.market.release(slot)

    def _end(self, p: Patient) -> None:
        if self.log is not None:
            self.log.add(p.pid, RESOURCE_USE_END, self._ev_end, self.name, p.slot)
        self._give_back(p.slot)
        p.holder = None
        self.ctx.away(p, False)
        following = self._following()
        if following is not None:
            if self.ctx.collecting:
                self.referred_on += 1
            following.arrive_from_community(p, arrived=True)
            return
        self.patient_leaves_system(p)

    def _following(self) -> OnwardServiceComponent | None:
        """The service a person whose stay has ended is referred on to, if any."""
        if not self.next_services:
            return None
        if not self._outcome_buf:
            self._outcome_buf = self.outcome.random(256).tolist()[::-1]
        u = self._outcome_buf.pop()
        for bound, service in self.next_services:
            if u < bound:
                return self.directory[service]
        return None


class OnwardServices(Component):
    """Every onward service of the scenario, in its order (a service's number is its
    position): built together so that each can find the one it refers people on to."""

    name = "onward_services"

    def __init__(
        self,
        ctx: RunContext,
        specs: Mapping[str, OnwardService],
        capacities: Mapping[str, int],
        initial: Mapping[str, int],
        streams: Streams,
        referrals: FrictionSteps,
        hospital_organisation: str,
        deterioration: Deteriorates,
        deteriorating: Iterable[str],
        no_deterioration: Deteriorates,
    ) -> None:
        """Each service has ``capacities`` places, ``initial`` of them in use at the start.
        Patients waiting in bed for a service named in ``deteriorating`` may deteriorate
        (``deterioration`` decides); for the others, ``no_deterioration`` never says so."""
        deteriorating = set(deteriorating)
        self.by_name: dict[str, OnwardServiceComponent] = {}
        self.services: list[OnwardServiceComponent] = []
        for name, spec in specs.items():
            svc = OnwardServiceComponent(
                ctx,
                name,
                spec,
                streams,
                capacities[name],
                referrals,
                hospital_organisation,
                deterioration if name in deteriorating else no_deterioration,
                self.by_name,
                initial[name],
            )
            self.by_name[name] = svc
            self.services.append(svc)

    def parts(self) -> list[OnwardServiceComponent]:
        return self.services
