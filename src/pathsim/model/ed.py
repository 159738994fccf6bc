"""A&E: cubicles, assessment, outcomes, and boarding of admitted patients until a bed frees.

The line for a cubicle is served in triage order (``priority``) or first come first served
(``fifo``); in both, a triage category 1 (resuscitation) patient goes before everyone else
waiting (in a ``priority`` department they do anyway). Three collaborators, each a null
object when its feature is off, stand where the department meets the rest of the front end:
the ambulance handover (told when a patient gets a cubicle, so that the crew can go), the
patience of patients waiting (who may leave before being seen), and same-day emergency care
(where same-day admissions go).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from pathsim.model.clock import call_after
from pathsim.model.component import Cost, FrontDoors, Results, ratio
from pathsim.model.context import RunContext
from pathsim.model.hooks import Admits, InCubicle, LiaisonWaits, Patience, SameDayCare, StepUp
from pathsim.model.monitors import LevelMonitor, Tally
from pathsim.model.patients import Patient
from pathsim.model.places import Places, Waiting
from pathsim.model.service import (
    ARRIVAL_DEPARTURE,
    MILESTONE,
    QUEUE,
    RESOURCE_USE,
    RESOURCE_USE_END,
    Service,
)
from pathsim.scenario.services import EmergencyDepartment

FOUR_HOURS = 4 / 24
TWELVE_HOURS = 12 / 24

KPIS: dict[str, str] = {
    "ed_attendances": "A&E attendances (arrivals in the results period)",
    "ed_4h_performance": "Share of A&E attendances leaving within 4 hours of arrival",
    "ed_12h_waits": "A&E attendances spending more than 12 hours in the department",
    "ed_12h_wait_share": "Share of A&E attendances spending more than 12 hours",
    "ed_mean_time_hours": "Mean time in A&E, arrival to departure (hours)",
    "ed_mean_wait_for_cubicle_hours": "Mean wait from arrival to being seen in a cubicle (hours)",
    "ed_mean_time_hours_mental_health": (
        "Mean time in A&E of patients with a mental health need (hours)"
    ),
    "ed_12h_trolley_waits": "Admitted patients waiting more than 12 hours from decision to admit",
    "ed_4h_trolley_waits": "Admitted patients waiting more than 4 hours from decision to admit",
    "ed_mean_boarding_hours": "Mean time from decision to admit to leaving A&E for a bed (hours)",
    "ed_conversion_rate": "Share of A&E attendances admitted (same-day admissions included)",
    "ed_cubicle_occupancy": "Mean share of A&E cubicles occupied (boarders included)",
    "ed_left_before_seen": (
        "A&E attendances that left while waiting for a cubicle, before being seen (counted "
        "as attendances, and in the 4- and 12-hour measures with the time they left)"
    ),
    "ed_left_before_seen_share": "Share of A&E attendances that left before being seen",
}
"""The KPIs A&E reports, with their descriptions."""


def _share_within(t: Tally, index: int) -> float:
    return 1.0 - t.counts_above[index] / t.n if t.n else float("nan")


@dataclass(frozen=True)
class FrontEnd:
    """The collaborators where A&E meets the rest of the front end (null objects when off)."""

    arrivals: InCubicle
    """Told when a patient gets a cubicle (the ambulance handover)."""
    patience: Patience
    """Decides whether a waiting patient leaves before being seen."""
    same_day_care: SameDayCare
    """Takes same-day admissions (same-day emergency care), or declines them."""


class EmergencyDepartmentService(Service):
    """Patients wait for a cubicle, are assessed, and then go home, leave as a same-day
    admission, or wait in the cubicle for a ward bed (boarding)."""

    def __init__(
        self,
        ctx: RunContext,
        spec: EmergencyDepartment,
        ward: Admits,
        step_up: StepUp,
        liaison: LiaisonWaits,
        front: FrontEnd,
    ) -> None:
        """``ward`` admits the patients A&E decides to admit; ``step_up`` may take a patient
        at the decision instead (virtual wards, or a null object that never does);
        ``liaison`` says how long a patient waits in the cubicle for a mental health
        assessment; ``front`` holds the ambulance handover, the patience of waiting patients
        and same-day emergency care."""
        # The line is a heap in both disciplines: by triage category, or (fifo) category 1
        # first and everyone else in arrival order (ties are served first come first served).
        super().__init__(ctx, "ed", spec.organisation, spec.cubicles, priority=True)
        self.spec = spec
        self.ward = ward
        self.step_up = step_up
        self.liaison = liaison
        self.arrivals = front.arrivals
        self.patience = front.patience
        self.same_day_care = front.same_day_care
        self.time_mental_health = Tally()
        """Arrival to departure (days) of patients with a mental health need."""
        self.priority = spec.queue_discipline == "priority"
        self.boarding = LevelMonitor(ctx.env, "ed.boarding")
        self.corridor = Places(
            ctx.env, "ed_escalation", spec.escalation_spaces, LevelMonitor(ctx.env, "ed.corridor")
        )
        """Escalation spaces where boarders wait for a bed, freeing their cubicle."""
        self._in_cubicle: deque[Patient] = deque()
        """Boarders still in a cubicle, in order of decision to admit."""
        self._present: dict[int, float] = {}
        """Patient id -> arrival time, of every patient in the department."""
        self._held_for_same_day = 0
        """Same-day admissions holding a cubicle while they wait for same-day emergency care
        (counted where they wait, in its line)."""
        self.attendances = 0
        self.admissions = 0
        self.left_before_seen = 0
        self.time_in_department = Tally(
            thresholds=(FOUR_HOURS, TWELVE_HOURS), bin_width=0.25 / 24, n_bins=4 * 72
        )
        """Arrival to departure (days), of patients leaving in the results period."""
        self.boarding_time = Tally(thresholds=(FOUR_HOURS, TWELVE_HOURS))
        """Decision to admit to leaving for a bed (days): 'trolley waits'."""

    def tallies(self) -> list[Tally]:
        return [
            *super().tallies(),
            self.time_mental_health,
            self.time_in_department,
            self.boarding_time,
        ]

    def level_monitors(self) -> dict[str, LevelMonitor]:
        return {
            **super().level_monitors(),
            "boarding": self.boarding,
            "in_escalation_spaces": self.corridor.busy,
        }

    def patients_holding(self) -> int:
        return self.places.in_use + self.corridor.in_use

    def patients_present(self) -> int:
        """Boarders are counted where they wait: in the ward's line for a bed (and same-day
        admissions holding a cubicle in the line for same-day emergency care)."""
        held = int(self.boarding.level) + self._held_for_same_day
        return self.patients_holding() + self.places.waiting - held

    def front_doors(self, doors: FrontDoors) -> None:
        """A&E is where every segment's A&E crises arrive."""
        doors.ed[:] = [self.arrive] * len(doors.ed)

    def pressure(self) -> dict[str, float]:
        """``boarders``: admitted patients waiting for a bed (in a cubicle or an escalation
        space); ``over_12_hours``: patients in the department who arrived more than 12 hours
        ago; ``waiting_for_cubicle``; ``in_department``: every patient in the department."""
        since = self.env.now - TWELVE_HOURS
        over = sum(1 for arrived in self._present.values() if arrived < since)
        return {
            "boarders": self.boarding.level,
            "over_12_hours": float(over),
            "waiting_for_cubicle": float(self.places.waiting),
            "in_department": float(len(self._present)),
        }

    # -- what A&E reports ----------------------------------------------------------------
    def kpis(self, results: Results) -> dict[str, float]:
        tid, boarding = self.time_in_department, self.boarding_time
        return {
            "ed_attendances": float(self.attendances),
            "ed_4h_performance": _share_within(tid, 0),
            "ed_12h_waits": float(tid.counts_above[1]),
            "ed_12h_wait_share": ratio(tid.counts_above[1], tid.n),
            "ed_mean_time_hours": tid.mean * 24,
            "ed_mean_wait_for_cubicle_hours": self.wait.mean * 24,
            "ed_mean_time_hours_mental_health": self.time_mental_health.mean * 24,
            "ed_12h_trolley_waits": float(boarding.counts_above[1]),
            "ed_4h_trolley_waits": float(boarding.counts_above[0]),
            "ed_mean_boarding_hours": boarding.mean * 24,
            "ed_conversion_rate": ratio(self.admissions, self.attendances),
            "ed_cubicle_occupancy": results.mean_level(self.name, "occupied") / self.capacity,
            "ed_left_before_seen": float(self.left_before_seen),
            "ed_left_before_seen_share": ratio(self.left_before_seen, self.attendances),
        }

    def costs(self, kpis: Mapping[str, float], results: Results) -> list[Cost]:
        gbp = kpis["ed_attendances"] * self.spec.cost_per_attendance_gbp
        return [Cost(self.name, self.organisation, gbp)]

    def tables(self, replication: int) -> dict[str, pd.DataFrame]:
        """``ed_time_histogram``: time in A&E in 15-minute bins to 72 hours (the last bin
        holds all longer stays), results period only."""
        hist = self.time_in_department.histogram
        assert hist is not None
        edges, counts = hist
        frame = pd.DataFrame(
            {"replication": replication, "hours_from": edges * 24, "count": counts}
        )
        return {"ed_time_histogram": frame}

    def arrive(self, p: Patient, referred_in: bool = False) -> None:
        """A patient arrives in A&E: from home, or ``referred_in`` by a community team that
        assessed them first (already logged as arrived)."""
        if self.ctx.collecting:
            self.attendances += 1
        self.ctx.away(p, True)
        if self.log is not None:
            event = "referred_in" if referred_in else "arrival"
            self.log.add(p.pid, MILESTONE if referred_in else ARRIVAL_DEPARTURE, event, self.name)
            self.log.add(p.pid, QUEUE, self._ev_wait, self.name)
        self._present[p.pid] = p.t_arrival
        key = p.acuity if self.priority else (0 if p.acuity == 1 else 1)
        entry = self.places.join(p, self._seen, key)
        if entry is not None:
            self.patience.waiting(p, entry, self._left)

    def _left(self, p: Patient, entry: Waiting) -> bool:
        """The patient gives up waiting and leaves before being seen; False (nothing done)
        when they were seen meanwhile. The attendance ends; it counts as an attendance and,
        with its time in the department (to leaving), in the 4- and 12-hour measures (how
        NHS England's measure is read here: docs/sources/published-figures.md, 12.4)."""
        if not self.places.withdraw(entry):
            return False
        del self._present[p.pid]
        if self.ctx.collecting:
            self.left_before_seen += 1
            self.time_in_department.record(self.env.now - p.t_arrival)
            if p.mental_health:
                self.time_mental_health.record(self.env.now - p.t_arrival)
        if self.log is not None:
            self.log.add(p.pid, MILESTONE, "left_before_seen", self.name)
        self.ctx.away(p, False)
        self.ctx.end_episode(p.handoffs, p.assessments, p.coordinated)
        self.patient_leaves_system(p)
        return True

    def _seen(self, p: Patient, slot: int) -> None:
        p.holder = self
        p.slot = slot
        p.assessments += 1
        self.arrivals.in_cubicle(p)
        if self.ctx.collecting:
            self.wait.record(self.env.now - p.t_arrival)
        if self.log is not None:
            self.log.add(p.pid, RESOURCE_USE, self._ev_begin, self.name, slot)
        call_after(self.env, p.assess + self.liaison.in_ed(p), self._decided, p)

    def _decided(self, p: Patient) -> None:
        if self.step_up.would_take(p):
            self._leave(p)
            p.holder = None
            self.step_up.step_up(p)
            return
        if not p.admit:
            self._home(p)
            return
        if self.ctx.collecting:
            self.admissions += 1
            self.ctx.emergency_admissions += 1
        if p.same_day:
            if self.log is not None:
                self.log.add(p.pid, MILESTONE, "same_day_admission", self.name)
            self._held_for_same_day += 1
            if not self.same_day_care.admit_same_day(p, self._to_same_day_care):
                self._held_for_same_day -= 1
                self._home(p)
            return
        p.t_dta = self.env.now
        self.boarding.add(1)
        if self.log is not None:
            self.log.add(p.pid, MILESTONE, "decision_to_admit", self.name)
        self.ward.admit(p)
        if p.holder is self:  # no bed yet: to an escalation space if one is free
            if self.corridor.has_room:
                self._to_corridor(p)
            elif self.corridor.capacity:  # only tracked where a space could free up for them
                self._in_cubicle.append(p)

    def _home(self, p: Patient) -> None:
        """The episode ends in A&E: home, or a same-day admission."""
        self._leave(p)
        self.ctx.away(p, False)
        self.ctx.end_episode(p.handoffs, p.assessments, p.coordinated)
        self.patient_leaves_system(p)

    def _to_same_day_care(self, p: Patient) -> None:
        """A same-day admission moves out of the cubicle to same-day emergency care."""
        self._held_for_same_day -= 1
        p.holder = None
        self._leave(p)

    def _to_corridor(self, p: Patient) -> None:
        if self.log is not None:
            self.log.add(p.pid, RESOURCE_USE_END, self._ev_end, self.name, p.slot)
            self.log.add(p.pid, MILESTONE, "escalation_space", self.name)
        self.places.release(p.slot)
        p.slot = self.corridor.occupy(p)
        p.in_corridor = True

    def handover(self, p: Patient) -> None:
        """The patient got a ward bed: the cubicle or escalation space is freed."""
        self.boarding.add(-1)
        if self.ctx.collecting:
            self.boarding_time.record(self.env.now - p.t_dta)
        if p.in_corridor:
            p.in_corridor = False
            del self._present[p.pid]
            if self.ctx.collecting:
                self.time_in_department.record(self.env.now - p.t_arrival)
            self.corridor.release(p.slot)
            if self._in_cubicle:  # the longest-waiting cubicle boarder takes the space
                self._to_corridor(self._in_cubicle.popleft())
            return
        if self._in_cubicle:
            self._in_cubicle.remove(p)
        self._leave(p)

    def _leave(self, p: Patient) -> None:
        """The patient leaves the department from their cubicle."""
        del self._present[p.pid]
        if self.ctx.collecting:
            self.time_in_department.record(self.env.now - p.t_arrival)
            if p.mental_health:
                self.time_mental_health.record(self.env.now - p.t_arrival)
        if self.log is not None:
            self.log.add(p.pid, RESOURCE_USE_END, self._ev_end, self.name, p.slot)
        self.places.release(p.slot)
