"""The joint emergency team: a single point of referral for crises at home.

Built only when the effective system has a joint emergency team (the
``single_point_of_referral`` lever); it then stands in front of A&E and direct admission
(otherwise :class:`NoJointEmergencyTeam` reports that it saw nobody). A crisis that a community
team could manage (drawn for each patient at arrival), arriving by ambulance or GP / NHS 111
referral while the team is open and a team is free, is referred to it. The team responds,
assesses the whole person, and either manages the crisis at home (with a package of care from
an onward service where needed) or sends the patient in, where they follow exactly the course
they would have followed anyway. Every other crisis goes straight to A&E or the ward, as
without the lever.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from pathsim.model.clock import call_after
from pathsim.model.component import Component, Cost, FrontDoors, Results
from pathsim.model.context import RunContext
from pathsim.model.onward import OnwardServiceComponent
from pathsim.model.patients import FrontDoor, Patient, Route
from pathsim.model.service import (
    ARRIVAL_DEPARTURE,
    MILESTONE,
    RESOURCE_USE,
    BufferedSampler,
    Service,
)
from pathsim.model.streams import Streams
from pathsim.scenario.distributions import Fixed
from pathsim.scenario.integration import SinglePointOfReferral

KPIS: dict[str, str] = {
    "jet_contacts": "Crises assessed at home by the joint emergency team",
    "jet_managed_at_home": "Crises the joint emergency team managed at home",
}
"""The KPIs the joint emergency team reports, with their descriptions."""

NAME = "jet"


class JointEmergencyTeam(Service):
    """Teams that respond to crises at home during opening hours."""

    door_position = 20
    """In front of A&E and direct admission (with virtual wards behind it)."""

    def __init__(
        self,
        ctx: RunContext,
        spec: SinglePointOfReferral,
        streams: Streams,
        packages: Sequence[tuple[float, OnwardServiceComponent]],
    ) -> None:
        """``packages``: (share, service) of the packages of care a crisis managed at home
        is referred to."""
        super().__init__(ctx, NAME, spec.organisation, spec.teams)
        self.spec = spec
        self.open = spec.open_hour / 24
        self.close = spec.close_hour / 24
        # With no teams nothing is ever drawn: a team of size 0 is the base system exactly.
        fixed_zero = Fixed(distribution="fixed", value=0.0)
        self.response = BufferedSampler(spec.response_hours or fixed_zero, streams["jet.response"])
        self.assessment = BufferedSampler(
            spec.assessment_hours or fixed_zero, streams["jet.assessment"]
        )
        self.to_ed: list[FrontDoor] = []
        self.to_ward: list[FrontDoor] = []
        """Per segment, the A&E and direct-admission doors behind the team (taken when the
        front doors are composed): where crises it does not take, or sends in, go."""
        self.package_bounds = np.cumsum([share for share, _ in packages]).tolist()
        self.package_services = [svc for _, svc in packages]
        self.contacts = 0
        self.managed_at_home = 0
        self.admissions_avoided = 0
        self.sent_in = 0

    # -- the front door ------------------------------------------------------------------
    def _can_take(self) -> bool:
        hour = self.env.now % 1.0
        return self.open <= hour < self.close and self.places.has_room

    def front_doors(self, doors: FrontDoors) -> None:
        """The single point of referral stands at every front door."""
        self.to_ed, self.to_ward = list(doors.ed), list(doors.direct)
        doors.ed[:] = [self.crisis_to_ed] * len(doors.ed)
        doors.direct[:] = [self.crisis_to_ward] * len(doors.direct)

    def crisis_to_ed(self, p: Patient, referred_in: bool = False) -> None:
        """Entry for A&E-route crises: ambulance crises the team could manage come here."""
        if p.ambulance and p.suitable and self._can_take():
            self._take(p)
        else:
            self.to_ed[p.segment](p, referred_in)

    def crisis_to_ward(self, p: Patient, referred_in: bool = False) -> None:
        """Entry for GP / NHS 111 referrals that would be admitted directly."""
        if p.suitable and self._can_take():
            self._take(p)
        else:
            self.to_ward[p.segment](p, referred_in)

    # -- the team ------------------------------------------------------------------------
    def _take(self, p: Patient) -> None:
        p.coordinated = True
        if self.log is not None:
            self.log.add(p.pid, ARRIVAL_DEPARTURE, "arrival", self.name)
        self.places.request(p, self._dispatched)

    def _dispatched(self, p: Patient, slot: int) -> None:
        p.holder = self
        p.slot = slot
        if self.log is not None:
            self.log.add(p.pid, RESOURCE_USE, self._ev_begin, self.name, slot)
        hours = self.response.next() + self.assessment.next()
        call_after(self.env, hours / 24, self._assessed, p)

    def _assessed(self, p: Patient) -> None:
        p.assessments += 1  # one holistic assessment
        self.places.release(p.slot)
        p.holder = None
        collecting = self.ctx.collecting
        if collecting:
            self.contacts += 1
        spec = self.spec
        chance = (
            spec.manage_at_home_if_admission_needed if p.admit else spec.manage_at_home_otherwise
        )
        if p.jet_u < chance:
            if collecting:
                self.managed_at_home += 1
                self.admissions_avoided += int(p.admit)
                self.ctx.admissions_avoided += int(p.admit)
            if self.log is not None:
                self.log.add(p.pid, MILESTONE, "managed_at_home", self.name)
            self.ctx.end_episode(p.handoffs, p.assessments, p.coordinated)
            service = self._package(p)
            if service is None:
                self.patient_leaves_system(p)
            else:
                service.arrive_from_community(p, arrived=True)
            return
        if collecting:
            self.sent_in += 1
        p.handoffs += 1  # from the community team to the hospital
        p.t_arrival = self.env.now
        if p.route == Route.DIRECT:
            self.to_ward[p.segment](p, True)
        else:
            self.to_ed[p.segment](p, True)

    def _package(self, p: Patient) -> OnwardServiceComponent | None:
        for bound, service in zip(self.package_bounds, self.package_services, strict=True):
            if p.pkg_u < bound:
                return service
        return None

    # -- what the team reports -----------------------------------------------------------
    def kpis(self, results: Results) -> dict[str, float]:
        return {
            "jet_contacts": float(self.contacts),
            "jet_managed_at_home": float(self.managed_at_home),
        }

    def costs(self, kpis: Mapping[str, float], results: Results) -> list[Cost]:
        return [Cost(self.name, self.organisation, self.contacts * self.spec.cost_per_contact_gbp)]


class NoJointEmergencyTeam(Component):
    """No joint emergency team: crises go to A&E and the ward as they arrive."""

    name = NAME

    def kpis(self, results: Results) -> dict[str, float]:
        return dict.fromkeys(KPIS, 0.0)
