"""Acute wards: beds, clinical length of stay, the weekly discharge pattern, and delayed
discharge while onward care has no room."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from pathsim.model.clock import call_after
from pathsim.model.context import RunContext
from pathsim.model.monitors import LevelMonitor, Tally, ThresholdLevelMonitor
from pathsim.model.patients import ROUTE_INITIAL, Patient
from pathsim.model.referral import FRICTION_CAUSES, Pipeline
from pathsim.model.service import (
    ARRIVAL_DEPARTURE,
    MILESTONE,
    QUEUE,
    RESOURCE_USE,
    RESOURCE_USE_END,
    Service,
)
from pathsim.scenario.models import AcuteWard

if TYPE_CHECKING:
    from pathsim.model.liaison import Liaison
    from pathsim.model.onward import OnwardServiceComponent
    from pathsim.model.virtual_ward import VirtualWard

DISCHARGE_PROCESS = "discharge_process"
AWAITING_MENTAL_HEALTH = "awaiting_mental_health"
OCCUPANCY_THRESHOLDS = (0.92, 0.95)


def _nobody(_p: Patient) -> None:
    return None


class DischargeClock:
    """When a medically fit patient leaves: the first day on which the patient's draw is
    below that weekday's factor (relative to the largest), at the patient's time in the
    day's discharge window, and not before the patient is fit."""

    def __init__(
        self,
        factors: list[float],
        start_hour: float,
        end_hour: float,
        first_weekday: int,
        ward_round_hour: float | None = None,
    ) -> None:
        top = max(factors)
        self.accept = [f / top for f in factors]
        self.start = start_hour / 24
        self.width = (end_hour - start_hour) / 24
        self.first_weekday = first_weekday
        self.round = None if ward_round_hour is None else ward_round_hour / 24

    def declared_time(self, t_clinical: float) -> float:
        """When a patient whose clinical stay ends at ``t_clinical`` is declared fit: at the
        next ward round (or at once without rounds)."""
        if self.round is None:
            return t_clinical
        day = math.floor(t_clinical)
        at = day + self.round
        return at if at >= t_clinical else at + 1

    def ready_time(self, t_fit: float, u_day: float, u_hour: float) -> float:
        day = math.floor(t_fit)
        offset = self.start + u_hour * self.width
        # Within 8 days every weekday has come round at least once after the fit day itself,
        # and on the busiest weekday every draw is accepted.
        for k in range(8):
            d = day + k
            if u_day < self.accept[(self.first_weekday + d) % 7] and d + offset >= t_fit:
                return d + offset
        raise AssertionError("unreachable: the busiest weekday accepts every patient")


class AcuteWardService(Service):
    """Beds. A patient keeps the bed from admission until discharge home or until the onward
    service has a place; the time between medically fit and leaving is recorded by cause."""

    def __init__(
        self,
        ctx: RunContext,
        spec: AcuteWard,
        onward: list[OnwardServiceComponent],
    ) -> None:
        super().__init__(ctx, "acute_ward", spec.organisation, spec.beds)
        self.onward = onward
        self.turnaround = spec.bed_turnaround_hours / 24
        self.patients = ThresholdLevelMonitor(
            ctx.env, "acute_ward.patients", [t * spec.beds for t in OCCUPANCY_THRESHOLDS]
        )
        """Beds occupied by a patient (the sitrep's 'occupied'); the places monitor also
        counts beds unavailable while they are turned around."""
        timing = spec.discharge_timing
        self.clock = (
            DischargeClock(
                timing.day_of_week_factor,
                timing.window_start_hour,
                timing.window_end_hour,
                ctx.calendar.weekday(0),
                timing.ward_round_hour,
            )
            if timing
            else None
        )
        self.delays: dict[str, LevelMonitor] = {
            cause: LevelMonitor(ctx.env, f"delay.{cause}")
            for cause in (DISCHARGE_PROCESS, AWAITING_MENTAL_HEALTH, *FRICTION_CAUSES)
        }
        self.pipelines: list[Pipeline] = [Pipeline([], None) for _ in onward]
        """Per onward service, the referral steps from this ward (set by the system)."""
        self.assess_after_discharge = False
        """Discharge to assess: the onward-care assessment happens after the patient leaves."""
        self.virtual_ward: VirtualWard | None = None
        """Virtual wards that take patients for early discharge (step down), when built."""
        self.discharged: Callable[[Patient], None] = _nobody
        """Told of every patient leaving a bed for home or onward care (readmissions)."""
        self.stepped_down = 0
        self.liaison: Liaison | None = None
        """Mental health liaison, when any crisis has a mental health need."""
        self._awaiting: list[LevelMonitor] = []
        for svc in onward:
            cause = f"awaiting_{svc.name}"
            monitor = LevelMonitor(ctx.env, f"delay.{cause}")
            self.delays[cause] = monitor
            self._awaiting.append(monitor)
        self.fit_in_bed = LevelMonitor(ctx.env, "acute_ward.medically_fit")
        self.occupants: dict[int, float] = {}
        """Patient id -> time the patient got the bed."""
        self.direct_admissions = 0
        self.admissions = 0
        self.discharges = 0
        self.length_of_stay = Tally()
        """Bed time, admission to leaving (days), of patients leaving in the results period."""
        self.fit_to_leave = Tally()
        """Medically fit to leaving (days)."""
        self.direct_wait = Tally()
        """Direct (non-A&E) admissions: wait for a bed (days)."""

    def tallies(self) -> list[Tally]:
        return [*super().tallies(), self.length_of_stay, self.fit_to_leave, self.direct_wait]

    def level_monitors(self) -> dict[str, LevelMonitor]:
        out = {
            "occupied": self.patients,
            "unavailable": self.places.busy,
            "queue_length": self.places.queue_monitor,
            "medically_fit": self.fit_in_bed,
        }
        out.update({f"delayed_{cause}": m for cause, m in self.delays.items()})
        return out

    def patients_holding(self) -> int:
        return int(self.patients.level)

    def waiting_for_a_place(self) -> float:
        """Patients in a bed who are also in an onward service's waiting line."""
        return sum(m.level for m in self._awaiting)

    # -- entry -------------------------------------------------------------------------
    def arrive_direct(self, p: Patient, referred_in: bool = False) -> None:
        """An emergency admission that did not come through A&E (GP, NHS 111, SDEC), or one
        ``referred_in`` by a community team that assessed the patient first."""
        if self.ctx.collecting:
            self.direct_admissions += 1
        self.ctx.away(p, True)
        if self.log is not None:
            event = "referred_in" if referred_in else "arrival"
            self.log.add(p.pid, MILESTONE if referred_in else ARRIVAL_DEPARTURE, event, self.name)
        if p.same_day:
            if self.log is not None:
                self.log.add(p.pid, MILESTONE, "same_day_admission", self.name)
            p.assessments += 1
            self.ctx.away(p, False)
            self.ctx.end_episode(p.handoffs, p.assessments, p.coordinated)
            self.patient_leaves_system(p)
            return
        self.admit(p)

    def admit(self, p: Patient) -> None:
        """Asks for a bed; the patient keeps whatever place they hold until one is free."""
        if self.log is not None:
            self.log.add(p.pid, QUEUE, self._ev_wait, self.name)
        p.t_request = self.env.now
        self.places.request(p, self._bed)

    def place_initial(self, p: Patient, elapsed: float) -> None:
        """Puts a patient in a bed at the start of the run, ``elapsed`` days into their stay."""
        if self.log is not None:
            self.log.add(p.pid, ARRIVAL_DEPARTURE, "arrival", self.name)
        slot = self.places.occupy(p)
        self._start_stay(p, slot, -elapsed)

    # -- stay --------------------------------------------------------------------------
    def _bed(self, p: Patient, slot: int) -> None:
        if p.holder is not None:
            p.holder.handover(p)  # type: ignore[attr-defined]
        elif self.ctx.collecting:
            self.direct_wait.record(self.env.now - p.t_request)
        if self.ctx.collecting:
            self.wait.record(self.env.now - p.t_request)
            self.admissions += 1
        p.assessments += 1  # the admitting team
        self._start_stay(p, slot, self.env.now)

    def _start_stay(self, p: Patient, slot: int, t_bed: float) -> None:
        p.holder = self
        p.slot = slot
        p.t_bed = t_bed
        self.patients.add(1)
        self.occupants[p.pid] = t_bed
        if self.log is not None:
            self.log.add(p.pid, RESOURCE_USE, self._ev_begin, self.name, slot)
        vw = self.virtual_ward
        if vw is not None and vw.wants_step_down(p):
            early = p.los - vw.spec.step_down_bed_days_saved
            call_after(self.env, early, self._step_down, p)
            return
        call_after(self.env, p.los, self._fit, p)

    def _step_down(self, p: Patient) -> None:
        """Early discharge to a virtual ward, if it has a slot; otherwise the stay goes on."""
        vw = self.virtual_ward
        assert vw is not None
        if vw.places.has_room:
            if self.ctx.collecting:
                self.stepped_down += 1
                self.discharges += 1
                self.length_of_stay.record(self.env.now - p.t_bed)
            self._free_bed(p)
            vw.step_down(p)
            return
        call_after(self.env, vw.spec.step_down_bed_days_saved, self._fit, p)

    def _fit(self, p: Patient) -> None:
        """The clinical stay is over; the patient is declared fit now or at the ward round."""
        if self.clock is not None:
            declared = self.clock.declared_time(self.env.now)
            if declared > self.env.now:
                call_after(self.env, declared - self.env.now, self._declared, p)
                return
        self._declared(p)

    def _declared(self, p: Patient) -> None:
        """Medically fit: a patient going home waits for the discharge day and time; a
        patient needing onward care is referred at once and leaves when a place is ready."""
        now = self.env.now
        p.t_fit = now
        self.fit_in_bed.add(1)
        if self.log is not None:
            self.log.add(p.pid, MILESTONE, "medically_fit", self.name)
        wait = self.liaison.on_ward(p) if self.liaison is not None else 0.0
        if wait > 0:
            self.delays[AWAITING_MENTAL_HEALTH].add(1)
            call_after(self.env, wait, self._liaison_done, p)
            return
        self._leave_when_ready(p)

    def _liaison_done(self, p: Patient) -> None:
        self.delays[AWAITING_MENTAL_HEALTH].add(-1)
        self._leave_when_ready(p)

    def _leave_when_ready(self, p: Patient) -> None:
        """Home on the next discharge day and time, or referred on at once."""
        now = self.env.now
        if p.onward >= 0:
            p.t_ready = p.t_referred = now
            self.pipelines[p.onward].run(p, self._referred)
            return
        if self.clock is not None:
            ready = self.clock.ready_time(now, p.dis_u_day, p.dis_u_hour)
            if ready > now:
                self.delays[DISCHARGE_PROCESS].add(1)
                call_after(self.env, ready - now, self._home_later, p)
                return
        self._go_home(p)

    def _home_later(self, p: Patient) -> None:
        self.delays[DISCHARGE_PROCESS].add(-1)
        self._go_home(p)

    def _go_home(self, p: Patient) -> None:
        p.t_ready = self.env.now
        self._leave(p)
        self.ctx.away(p, False)
        self.discharged(p)
        self.patient_leaves_system(p)

    def _referred(self, p: Patient) -> None:
        """The referral has passed every friction: the patient waits for a place."""
        self._awaiting[p.onward].add(1)
        self.onward[p.onward].refer(p)

    def refer_again(self, p: Patient, service: int) -> None:
        """A patient waiting in bed now needs another onward service (deterioration): the
        new referral passes its own frictions, from the start, with the patient in bed."""
        self._awaiting[p.onward].add(-1)
        p.onward = service
        p.pathway = 3  # P3: readmission factors and reports treat them as a care-home discharge
        self.pipelines[service].run(p, self._referred)

    def handover(self, p: Patient) -> None:
        """The onward service took the patient (or diverted them elsewhere): the bed is freed."""
        self._awaiting[p.onward].add(-1)
        if self.assess_after_discharge:
            p.assessments += 1  # discharge to assess: assessed at home, not in a bed
        self._leave(p)
        self.ctx.away(p, self.onward[p.onward].bed_based)
        self.discharged(p)

    def _leave(self, p: Patient) -> None:
        now = self.env.now
        self.fit_in_bed.add(-1)
        if p.route != ROUTE_INITIAL:
            self.ctx.end_episode(p.handoffs, p.assessments, p.coordinated)
        if self.ctx.collecting:
            self.discharges += 1
            self.length_of_stay.record(now - p.t_bed)
            self.fit_to_leave.record(now - p.t_fit)
        self._free_bed(p)

    def _free_bed(self, p: Patient) -> None:
        del self.occupants[p.pid]
        self.patients.add(-1)
        if self.log is not None:
            self.log.add(p.pid, RESOURCE_USE_END, self._ev_end, self.name, p.slot)
        if self.turnaround > 0:
            call_after(self.env, self.turnaround, self._bed_ready, p.slot)
        else:
            self.places.release(p.slot)

    def _bed_ready(self, slot: int) -> None:
        self.places.release(slot)

    # -- snapshots ---------------------------------------------------------------------
    def long_stay_counts(self, now: float, thresholds: tuple[float, ...]) -> list[int]:
        """Occupied beds whose patient has been in for at least each threshold (days)."""
        t_bed = np.fromiter(self.occupants.values(), dtype=float, count=len(self.occupants))
        elapsed = now - t_bed
        return [int(np.count_nonzero(elapsed >= thr)) for thr in thresholds]
