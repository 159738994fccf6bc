"""Same-day emergency care (SDEC) and acute assessment: places, opening hours, same-day
admissions, and patients streamed to it from A&E's front door.

Built only when the effective system has it (the scenario's ``same_day_emergency_care``
block); otherwise :class:`NoSameDayEmergencyCare` stands in: same-day admissions leave A&E at
the decision, and those referred directly leave at once, using no capacity (as without it).

With SDEC, every same-day (zero-night) emergency admission takes an SDEC place for a stay:

* decided in A&E: the patient keeps the cubicle until SDEC is open and has a free place
  (A&E asks this component at the decision, through :class:`pathsim.model.hooks.SameDayCare`),
  then leaves A&E (the 4-hour clock stops) for the place;
* referred directly (GP, NHS 111): this component stands at the direct-admission door and
  takes them; they wait for a place without a cubicle.

Waiting patients are served first come first served whenever a place frees while SDEC is open,
and at opening time. No stay starts while SDEC is closed; patients in a place when it closes
stay on to the end of their stay.

Streaming (optional): a share of walk-in and of ambulance arrivals of some triage categories go
straight to SDEC from A&E's front door, while it is open and has a free place. Their SDEC stay
replaces the A&E assessment, and they are SDEC attendances, not A&E ones. At the end of the stay
they go home, or, if their crisis needs an overnight bed, wait for one in the SDEC place (the
place is freed when the ward takes them). The component stands at door position 6: outside A&E
and the ambulance handover (4), so that streamed ambulance patients are handed over to SDEC,
not queued for A&E; inside virtual wards (10) and the joint emergency team (20).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping

from pathsim.model.clock import call_after, call_at
from pathsim.model.component import Component, Cost, FrontDoors, Results, ratio
from pathsim.model.context import RunContext
from pathsim.model.hooks import Admits
from pathsim.model.monitors import LevelMonitor
from pathsim.model.patients import FrontDoor, Patient
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
from pathsim.scenario.urgent_care import SameDayEmergencyCare

NAME = "sdec"

KPIS: dict[str, str] = {
    "sdec_attendances": (
        "Patients arriving for same-day emergency care: same-day admissions from A&E and "
        "direct referral, and patients streamed from A&E's front door"
    ),
    "sdec_streamed": "Patients streamed from A&E's front door straight to SDEC",
    "sdec_occupancy": "Mean share of SDEC places occupied while SDEC is open",
    "sdec_mean_wait_hours": (
        "Mean wait for an SDEC place, from the decision (A&E, in the cubicle) or the referral "
        "(direct, at home) to the place (hours)"
    ),
}
"""The KPIs same-day emergency care reports, with their descriptions."""

LeaveCubicle = Callable[[Patient], None] | None
"""Called when a patient waiting in an A&E cubicle gets the place (None: no cubicle held)."""


class SameDayEmergencyCareService(Service):
    """SDEC places, open part of the day, for same-day admissions and streamed patients."""

    door_position = 6
    """Outside A&E (0) and the ambulance handover (4); inside virtual wards (10) and the
    joint emergency team (20)."""

    def __init__(
        self,
        ctx: RunContext,
        spec: SameDayEmergencyCare,
        organisation: str,
        streams: Streams,
        ward: Admits,
    ) -> None:
        """``organisation`` runs SDEC (A&E's); ``ward`` admits streamed patients who need an
        overnight bed."""
        super().__init__(ctx, NAME, organisation, spec.places)
        self.spec = spec
        self.ward = ward
        self.stay = BufferedSampler(spec.stay_hours, streams["sdec.stay"])
        self.streaming_rng = streams["sdec.streaming"]
        self.streamed_categories = frozenset(spec.streamed_triage_categories)
        self.streams_any = spec.streamed_share_walk_in > 0 or spec.streamed_share_ambulance > 0
        self.to_ed: list[FrontDoor] = []
        self.to_ward: list[FrontDoor] = []
        """Per segment, A&E's and the ward's doors behind this one (taken when the front
        doors are composed)."""
        self._line: deque[tuple[Patient, LeaveCubicle]] = deque()
        self.queue = LevelMonitor(ctx.env, f"{NAME}.queue")
        self.waiting_in_ed = LevelMonitor(ctx.env, f"{NAME}.waiting_in_ed")
        """Patients holding an A&E cubicle while they wait for a place."""
        self._streamed: set[int] = set()
        """Ids of streamed patients in SDEC (their outcome is decided here)."""
        self.boarders = 0
        """Streamed patients in a place waiting for a ward bed (counted in the ward's line)."""
        self.open = False
        self._open_since = 0.0
        self._open_mark = 0.0
        self._open_area = 0.0
        self._open_time = 0.0
        self.attendances = 0
        self.streamed = 0

    # -- opening hours -------------------------------------------------------------------
    def start(self) -> None:
        spec = self.spec
        if spec.open_hour == 0:
            self._opens()
        else:
            call_at(self.env, spec.open_hour / 24, self._opens)

    def _opens(self, _value: object = None) -> None:
        now = self.env.now
        self.open = True
        self._open_since = now
        self._open_mark = self.places.busy.integral(now)
        spec = self.spec
        if spec.close_hour < 24 or spec.open_hour > 0:
            call_after(self.env, (spec.close_hour - spec.open_hour) / 24, self._closes)
        self._serve()

    def _closes(self, _value: object = None) -> None:
        now = self.env.now
        self.open = False
        self._open_area += self.places.busy.integral(now) - self._open_mark
        self._open_time += now - self._open_since
        spec = self.spec
        call_after(self.env, (24 - spec.close_hour + spec.open_hour) / 24, self._opens)

    def running_totals(self, now: float) -> dict[str, list[float]]:
        """Place-days occupied while open, and days open, so far."""
        area, time = self._open_area, self._open_time
        if self.open:
            area += self.places.busy.integral(now) - self._open_mark
            time += now - self._open_since
        return {"open": [area, time]}

    # -- the front doors -----------------------------------------------------------------
    def front_doors(self, doors: FrontDoors) -> None:
        """Takes same-day admissions referred directly, and streams from A&E's door."""
        self.to_ed, self.to_ward = list(doors.ed), list(doors.direct)
        doors.direct[:] = [self.arrive_direct] * len(doors.direct)
        if self.streams_any:
            doors.ed[:] = [self.arrive_ed] * len(doors.ed)

    def arrive_direct(self, p: Patient, referred_in: bool = False) -> None:
        """A direct referral: a same-day admission waits here for a place; others go on."""
        if not p.same_day:
            self.to_ward[p.segment](p, referred_in)
            return
        if self.ctx.collecting:
            self.ctx.emergency_admissions += 1
        self._arrives(p, referred_in)
        if self.log is not None:
            self.log.add(p.pid, MILESTONE, "same_day_admission", self.name)
        self._request(p, None)

    def arrive_ed(self, p: Patient, referred_in: bool = False) -> None:
        """An A&E arrival: streamed to SDEC while it is open and has a place, if drawn."""
        if p.acuity in self.streamed_categories:
            spec = self.spec
            share = spec.streamed_share_ambulance if p.ambulance else spec.streamed_share_walk_in
            if self.streaming_rng.random() < share and self.open and self.places.has_room:
                if self.ctx.collecting:
                    self.streamed += 1
                self._arrives(p, referred_in)
                self._streamed.add(p.pid)
                self._grant(p, None)
                return
        self.to_ed[p.segment](p, referred_in)

    def _arrives(self, p: Patient, referred_in: bool) -> None:
        if self.ctx.collecting:
            self.attendances += 1
        self.ctx.away(p, True)
        if self.log is not None:
            event = "referred_in" if referred_in else "arrival"
            self.log.add(p.pid, MILESTONE if referred_in else ARRIVAL_DEPARTURE, event, self.name)

    def admit_same_day(self, p: Patient, leave_cubicle: Callable[[Patient], None]) -> bool:
        """A same-day admission decided in A&E: waits in the cubicle for a place."""
        if self.ctx.collecting:
            self.attendances += 1
        self._request(p, leave_cubicle)
        return True

    # -- places --------------------------------------------------------------------------
    def _request(self, p: Patient, leave_cubicle: LeaveCubicle) -> None:
        p.t_request = self.env.now
        if self.open and self.places.has_room and not self._line:
            self._grant(p, leave_cubicle)
            return
        if self.log is not None:
            self.log.add(p.pid, QUEUE, self._ev_wait, self.name)
        self._line.append((p, leave_cubicle))
        self.queue.add(1)
        if leave_cubicle is not None:
            self.waiting_in_ed.add(1)

    def _serve(self) -> None:
        """Waiting patients take the free places (SDEC is open)."""
        line = self._line
        while line and self.places.has_room:
            p, leave_cubicle = line.popleft()
            self.queue.add(-1)
            if leave_cubicle is not None:
                self.waiting_in_ed.add(-1)
            self._grant(p, leave_cubicle)

    def _grant(self, p: Patient, leave_cubicle: LeaveCubicle) -> None:
        if leave_cubicle is not None:
            leave_cubicle(p)  # frees the A&E cubicle (uses the patient's cubicle slot)
        slot = self.places.occupy(p)
        p.slot = slot
        p.holder = self
        p.assessments += 1  # the SDEC team
        if self.ctx.collecting and p.pid not in self._streamed:
            self.wait.record(self.env.now - p.t_request)
        if self.log is not None:
            self.log.add(p.pid, RESOURCE_USE, self._ev_begin, self.name, slot)
        call_after(self.env, self.stay.next() / 24, self._stay_over, p)

    def _stay_over(self, p: Patient) -> None:
        if p.pid in self._streamed:
            self._streamed.discard(p.pid)
            if p.admit and self.ctx.collecting:
                self.ctx.emergency_admissions += 1
            if p.admit and not p.same_day:  # needs an overnight bed: waits for it here
                p.t_dta = self.env.now
                self.boarders += 1
                if self.log is not None:
                    self.log.add(p.pid, MILESTONE, "decision_to_admit", self.name)
                self.ward.admit(p)
                return
        p.holder = None
        self._free(p)
        self.ctx.away(p, False)
        self.ctx.end_episode(p.handoffs, p.assessments, p.coordinated)
        self.patient_leaves_system(p)

    def handover(self, p: Patient) -> None:
        """The ward took a streamed patient: the SDEC place is freed."""
        self.boarders -= 1
        self._free(p)

    def refer_again(self, p: Patient, service: int) -> None:  # pragma: no cover - never
        raise AssertionError("patients in SDEC wait for a ward bed, not onward care")

    def _free(self, p: Patient) -> None:
        if self.log is not None:
            self.log.add(p.pid, RESOURCE_USE_END, self._ev_end, self.name, p.slot)
        self.places.release(p.slot)
        if self.open:
            self._serve()

    # -- what SDEC reports ---------------------------------------------------------------
    def level_monitors(self) -> dict[str, LevelMonitor]:
        return {
            "occupied": self.places.busy,
            "queue_length": self.queue,
            "waiting_in_ed": self.waiting_in_ed,
        }

    def patients_present(self) -> int:
        """Patients in a place or waiting for one; those waiting in an A&E cubicle are
        counted here, streamed patients waiting for a ward bed in the ward's line."""
        return self.places.in_use - self.boarders + len(self._line)

    def pressure(self) -> dict[str, float]:
        """Now: places occupied, patients waiting (and of them, in A&E cubicles)."""
        return {
            "occupied": float(self.places.in_use),
            "waiting": float(len(self._line)),
            "waiting_in_ed": self.waiting_in_ed.level,
        }

    def kpis(self, results: Results) -> dict[str, float]:
        area, time = results.increase(self.name, "open")
        return {
            "sdec_attendances": float(self.attendances),
            "sdec_streamed": float(self.streamed),
            "sdec_occupancy": ratio(area, time * self.capacity),
            "sdec_mean_wait_hours": self.wait.mean * 24,
        }

    def costs(self, kpis: Mapping[str, float], results: Results) -> list[Cost]:
        gbp = kpis["sdec_attendances"] * self.spec.cost_per_attendance_gbp
        return [Cost(self.name, self.organisation, gbp)]


class NoSameDayEmergencyCare(Component):
    """No SDEC: same-day admissions leave A&E at the decision, direct ones at once."""

    name = NAME

    def admit_same_day(self, p: Patient, leave_cubicle: Callable[[Patient], None]) -> bool:
        """Declines: A&E sends the patient home as a same-day admission."""
        return False

    def kpis(self, results: Results) -> dict[str, float]:
        return dict.fromkeys(KPIS, 0.0)
