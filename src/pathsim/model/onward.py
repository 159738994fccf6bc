"""Onward services after hospital: reablement, home care, community beds, care homes.

Each takes patients from the ward (who keep their bed until a place is free) and people
referred from the community, who compete for the same places. Long-running services start the
run with places already in use, each with a residual time drawn from the equilibrium
(length-biased) distribution, so the run starts near its steady state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pathsim.model.clock import call_after
from pathsim.model.context import RunContext
from pathsim.model.monitors import LevelMonitor, Tally
from pathsim.model.patients import Patient
from pathsim.model.referral import Pipeline
from pathsim.model.service import (
    ARRIVAL_DEPARTURE,
    MILESTONE,
    QUEUE,
    RESOURCE_USE,
    RESOURCE_USE_END,
    BufferedSampler,
    Service,
)
from pathsim.model.streams import Streams
from pathsim.scenario.models import OnwardService

if TYPE_CHECKING:
    from pathsim.model.deterioration import DeteriorationCheck

BED_BASED = ("community_bed", "care_home")


class OnwardServiceComponent(Service):
    """Places held for a length of stay drawn from the service's own stream."""

    def __init__(
        self,
        ctx: RunContext,
        name: str,
        spec: OnwardService,
        streams: Streams,
        capacity: int | None = None,
    ) -> None:
        """``capacity`` overrides the scenario's (levers can add places)."""
        super().__init__(
            ctx, name, spec.organisation, spec.capacity if capacity is None else capacity
        )
        self.spec = spec
        self.bed_based = spec.kind in BED_BASED
        """Whether a stay here is time away from home (a community bed, a care home)."""
        self.divert = spec.when_full == "divert"
        self.stay = BufferedSampler(
            spec.length_of_stay_days, streams[f"onward.{name}.length_of_stay"]
        )
        self.in_referral = LevelMonitor(ctx.env, f"{name}.in_referral")
        """People referred from the community still passing the referral steps."""
        self.community_pipeline = Pipeline([], None)
        """Referral steps for people referred from the community (set by the system)."""
        self.referral_to_start = Tally()
        """From referral (declared fit in hospital, or referred from the community) to the
        start of the stay: every friction and the wait for a place."""
        self.deterioration: DeteriorationCheck | None = None
        """Set when patients waiting in bed for this service can deteriorate."""
        self.next_services: list[tuple[float, OnwardServiceComponent]] = []
        """(cumulative share, service) referred on to when a stay ends (set by the system)."""
        self.outcome = streams[f"onward.{name}.outcome"]
        self._outcome_buf: list[float] = []
        self.referred_on = 0
        self.referrals = 0
        self.referrals_from_hospital = 0
        self.diverted = 0
        self.started = 0

    def tallies(self) -> list[Tally]:
        return [*super().tallies(), self.referral_to_start]

    def place_initial(self, p: Patient, remaining: float) -> None:
        """Puts a person in a place at the start of the run with ``remaining`` days to go."""
        if self.log is not None:
            self.log.add(p.pid, ARRIVAL_DEPARTURE, "arrival", self.name)
        slot = self.places.occupy(p)
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
        self.places.request(p, self._start)

    def _start(self, p: Patient, slot: int) -> None:
        if self.deterioration is not None and self.deterioration.deteriorated(p):
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
        if self.ctx.collecting:
            self.started += 1
            self.wait.record(self.env.now - p.t_request)
            self.referral_to_start.record(self.env.now - p.t_referred)
        if self.log is not None:
            self.log.add(p.pid, RESOURCE_USE, self._ev_begin, self.name, slot)
        call_after(self.env, self.stay.next(), self._end, p)

    def _give_back(self, slot: int) -> None:
        self.places.release(slot)

    def _end(self, p: Patient) -> None:
        if self.log is not None:
            self.log.add(p.pid, RESOURCE_USE_END, self._ev_end, self.name, p.slot)
        self.places.release(p.slot)
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
                return service
        return None
