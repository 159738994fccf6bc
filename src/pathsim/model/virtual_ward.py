"""Virtual wards (hospital at home): step up instead of admission, step down for early
discharge, escalation back to hospital.

Built only when the effective system has virtual wards (the ``virtual_wards`` lever);
otherwise :class:`NoVirtualWard` stands in and takes nobody. The component stands at two
places in the journey, and only there:

* at the decision to admit (A&E's decision, or a GP / NHS 111 referral for admission), where it
  may take the patient instead of a bed (step up);
* in an acute bed, where it may take a patient going home before they are fit (step down).

Which patients it would take is decided by a draw made for each patient at arrival (so the same
patients in every configuration); whether it does depends on a free slot at that moment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pathsim.model.clock import call_after
from pathsim.model.component import Component, Cost, FrontDoors, Results, ratio
from pathsim.model.context import RunContext
from pathsim.model.hooks import Discharged
from pathsim.model.onward import OnwardServiceComponent
from pathsim.model.patients import FrontDoor, Patient, Route
from pathsim.model.service import (
    ARRIVAL_DEPARTURE,
    MILESTONE,
    RESOURCE_USE,
    RESOURCE_USE_END,
    BufferedSampler,
    Service,
)
from pathsim.model.streams import Streams
from pathsim.scenario.distributions import Fixed
from pathsim.scenario.integration import VirtualWards

KPIS: dict[str, str] = {
    "virtual_ward_step_ups": (
        "Patients put on a virtual ward at a decision to admit (instead of a bed, or instead "
        "of going home)"
    ),
    "virtual_ward_step_downs": "Patients who left an acute bed early for a virtual ward",
    "virtual_ward_escalations": "Virtual ward patients admitted back to hospital",
    "virtual_ward_occupancy": "Mean share of virtual ward slots in use",
}
"""The KPIs virtual wards report, with their descriptions."""

NAME = "virtual_ward"


class VirtualWard(Service):
    """Slots for acute care at home."""

    door_position = 10
    """In front of direct admission (step up), behind the single point of referral."""

    def __init__(
        self,
        ctx: RunContext,
        spec: VirtualWards,
        streams: Streams,
        segments: set[int] | None,
        hospital_organisation: str,
        onward: Sequence[OnwardServiceComponent],
        discharged: Discharged,
    ) -> None:
        """``segments``: numbers of the segments whose patients may be taken (None: all);
        ``onward``: the services a patient who needs onward care is referred to after the
        stay; ``discharged`` is told of patients leaving hospital-level care."""
        super().__init__(ctx, NAME, spec.organisation, spec.slots)
        self.spec = spec
        self.bed_days_saved = spec.step_down_bed_days_saved
        self.segments = segments
        fixed_zero = Fixed(distribution="fixed", value=0.0)
        self.stay = BufferedSampler(
            spec.length_of_stay_days or fixed_zero, streams["virtual_ward.length_of_stay"]
        )
        self.crosses = spec.organisation != hospital_organisation
        self.onward = onward
        self.discharged = discharged
        self.to_ward: list[FrontDoor] = []
        """Per segment, admission to an acute bed for escalations: the direct-admission door
        as it is without the virtual ward (taken when the front doors are composed)."""
        self.step_ups = 0
        self.step_ups_needing_admission = 0
        self.step_downs = 0
        self.escalations = 0
        self.admissions_avoided = 0
        """Step-ups of patients who needed an overnight bed, completed at home."""

    # -- step up -------------------------------------------------------------------------
    def _step_up_share(self, p: Patient) -> float:
        if self.segments is not None and p.segment not in self.segments:
            return 0.0
        if p.admit:
            return 0.0 if p.same_day else self.spec.step_up_share_if_admission_needed
        return self.spec.step_up_share_otherwise

    def would_take(self, p: Patient) -> bool:
        """At a decision to admit (or to send home from A&E): whether this is a patient the
        virtual ward would treat and a slot is free now."""
        return p.vw_u < self._step_up_share(p) and self.places.has_room

    def step_up(self, p: Patient) -> None:
        """Takes a patient instead of an admission (after :meth:`would_take`); the patient
        must hold no other place."""
        needs_bed = p.admit
        p.admit = True  # on the virtual ward's books: an admission to it, not to a bed
        p.same_day = False
        if self.ctx.collecting:
            self.step_ups += 1
            self.step_ups_needing_admission += int(needs_bed)
        self._start(p, "step_up", needs_bed)

    def in_front_of(self, entry: FrontDoor) -> FrontDoor:
        """The direct-admission entry with the virtual ward in front of it."""

        def arrive(p: Patient, referred_in: bool = False) -> None:
            if self.would_take(p):
                self.step_up(p)
            else:
                entry(p, referred_in)

        return arrive

    def front_doors(self, doors: FrontDoors) -> None:
        """Stands in front of direct admission; escalations go through the door behind."""
        self.to_ward = list(doors.direct)
        doors.direct[:] = [self.in_front_of(entry) for entry in doors.direct]

    # -- step down -----------------------------------------------------------------------
    def has_room(self) -> bool:
        """Whether a slot is free now."""
        return self.places.has_room

    def wants_step_down(self, p: Patient) -> bool:
        """Whether this bed patient would step down (if a slot is free when the time comes)."""
        spec = self.spec
        return (
            p.onward < 0
            and p.vw_u < spec.step_down_share
            and p.los > spec.step_down_bed_days_saved
            and (self.segments is None or p.segment in self.segments)
        )

    def step_down(self, p: Patient) -> None:
        """Takes a bed patient ``step_down_bed_days_saved`` days before they would be fit
        (the ward has checked for a free slot and freed the bed)."""
        if self.ctx.collecting:
            self.step_downs += 1
        p.los = self.spec.step_down_bed_days_saved  # what is left of the clinical stay
        p.stepped_down = True
        self._start(p, "step_down", False)

    # -- the stay ------------------------------------------------------------------------
    def _start(self, p: Patient, how: str, avoids_admission: bool) -> None:
        self.ctx.away(p, False)
        if self.crosses:
            p.handoffs += 1
        p.assessments += 1
        if self.log is not None:
            self.log.add(p.pid, ARRIVAL_DEPARTURE, "arrival", self.name)
            self.log.add(p.pid, MILESTONE, how, self.name)
        p.holder = self
        self.places.request(p, self._granted)
        p.t_request = self.env.now  # start of the virtual ward stay
        stay = min(self.stay.next(), self.spec.max_stay_days)
        if p.vw_esc_u < self.spec.escalation_probability:
            call_after(self.env, p.vw_t_u * stay, self._escalate, p)
        else:
            p.vw_avoids = avoids_admission
            call_after(self.env, stay, self._complete, p)

    def _granted(self, p: Patient, slot: int) -> None:
        p.slot = slot
        if self.log is not None:
            self.log.add(p.pid, RESOURCE_USE, self._ev_begin, self.name, slot)

    def _free(self, p: Patient) -> None:
        if self.log is not None:
            self.log.add(p.pid, RESOURCE_USE_END, self._ev_end, self.name, p.slot)
        self.places.release(p.slot)
        p.holder = None

    def _escalate(self, p: Patient) -> None:
        self._free(p)
        if self.ctx.collecting:
            self.escalations += 1
        if self.log is not None:
            self.log.add(p.pid, MILESTONE, "escalated", self.name)
        if self.crosses:
            p.handoffs += 1
        p.same_day = False
        p.t_arrival = self.env.now
        self.to_ward[p.segment](p, True)

    def _complete(self, p: Patient) -> None:
        self._free(p)
        if self.ctx.collecting and p.vw_avoids:
            self.admissions_avoided += 1
            self.ctx.admissions_avoided += 1
        if p.route != Route.INITIAL:
            self.ctx.end_episode(p.handoffs, p.assessments, p.coordinated)
        if p.vw_avoids or p.stepped_down:
            # Leaving hospital-level care instead of, or after, an overnight stay: at risk of
            # readmission as any discharge is. Patients who would have gone home from A&E are
            # not counted as discharges.
            self.discharged.after_discharge(p)
        if p.onward >= 0 and p.vw_avoids:
            # Needed onward care after the stay: referred from home, holding no bed.
            self.onward[p.onward].arrive_from_community(p, arrived=True)
            return
        self.patient_leaves_system(p)

    # -- what virtual wards report -------------------------------------------------------
    def kpis(self, results: Results) -> dict[str, float]:
        occupancy = (
            ratio(results.mean_level(self.name, "occupied"), self.capacity)
            if self.capacity
            else 0.0
        )
        return {
            "virtual_ward_step_ups": float(self.step_ups),
            "virtual_ward_step_downs": float(self.step_downs),
            "virtual_ward_escalations": float(self.escalations),
            "virtual_ward_occupancy": occupancy,
        }

    def costs(self, kpis: Mapping[str, float], results: Results) -> list[Cost]:
        """Occupied virtual ward days at the daily rate."""
        capacity = self.capacity
        occupied_days = kpis["virtual_ward_occupancy"] * capacity * results.days
        gbp = occupied_days * self.spec.cost_per_day_gbp if capacity else 0.0
        return [Cost(self.name, self.organisation, gbp)]


class NoVirtualWard(Component):
    """No virtual wards: nobody is stepped up or down."""

    name = NAME
    bed_days_saved = 0.0

    def would_take(self, p: Patient) -> bool:
        return False

    def wants_step_down(self, p: Patient) -> bool:
        return False

    def has_room(self) -> bool:
        return False

    def step_up(self, p: Patient) -> None:  # pragma: no cover - never takes anyone
        raise AssertionError("there are no virtual wards")

    def step_down(self, p: Patient) -> None:  # pragma: no cover - never takes anyone
        raise AssertionError("there are no virtual wards")

    def kpis(self, results: Results) -> dict[str, float]:
        return dict.fromkeys(KPIS, 0.0)
