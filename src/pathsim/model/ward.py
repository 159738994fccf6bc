"""Acute wards: beds, clinical length of stay, the weekly discharge pattern, and delayed
discharge while onward care has no room; planned (elective) patients in the same beds, and
the beds and discharge timing that escalation changes."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from pathsim.model.clinical import PATHWAY_NUMBER
from pathsim.model.clock import call_after
from pathsim.model.component import Cost, FrontDoors, Results, ratio
from pathsim.model.context import RunContext
from pathsim.model.discharge_clock import DischargeClock
from pathsim.model.hooks import Discharged, HomeTiming, Leaves, LiaisonWaits, StepDown
from pathsim.model.monitors import LevelMonitor, Tally, ThresholdLevelMonitor
from pathsim.model.onward import OnwardServiceComponent
from pathsim.model.patients import Patient, Route
from pathsim.model.ready_date import ReadyDates
from pathsim.model.referral import FRICTION_CAUSES, EarlyReferral, FrictionSteps
from pathsim.model.service import (
    ARRIVAL_DEPARTURE,
    MILESTONE,
    QUEUE,
    RESOURCE_USE,
    RESOURCE_USE_END,
    BufferedSampler,
    Service,
)
from pathsim.scenario.models import Pathway
from pathsim.scenario.services import AcuteWard

DISCHARGE_PROCESS = "discharge_process"
AWAITING_MENTAL_HEALTH = "awaiting_mental_health"
OCCUPANCY_THRESHOLDS = (0.92, 0.95)
LONG_STAY_DAYS = (7.0, 21.0)
CARE_HOME_PATHWAY = PATHWAY_NUMBER[Pathway.P3]

InitialPatients = Callable[[], Iterable[tuple[Patient, float]]]
"""Gives the patients in a bed when the run starts, each with the days already spent."""

KPIS: dict[str, str] = {
    "emergency_admissions": "Emergency admissions from A&E and direct routes, same-day included",
    "empty_bed_cost_gbp": (
        "Fixed cost of the ward's beds while empty (part of its cost, paid whether or not a "
        "bed is used): between two scenarios with the same beds, its rise is the value of bed "
        "days freed but kept open, a saving that releases no cash"
    ),
    "ward_admissions": (
        "Emergency patients admitted to an acute bed (overnight admissions; electives apart)"
    ),
    "bed_occupancy": (
        "Mean number of acute beds occupied by a patient (emergency or elective, escalation "
        "beds included) over the ward's own beds (time-weighted; above 1 when escalation beds "
        "are full)"
    ),
    "bed_unavailability": (
        "Mean share of acute beds unavailable: occupied or being turned around (as occupancy)"
    ),
    "time_above_92pct_occupancy": "Share of time with at least 92% of acute beds occupied",
    "time_above_95pct_occupancy": "Share of time with at least 95% of acute beds occupied",
    "mean_los_days": "Mean time of emergency patients in an acute bed, admission to leaving (days)",
    "mean_wait_for_bed_hours": (
        "Mean wait of emergency patients for an acute bed, request to admission (hours)"
    ),
    "delayed_discharge_bed_days": "Bed days between medically fit and leaving, all causes",
    "delayed_discharge_bed_days_<cause>": (
        "Bed days between medically fit and leaving, by cause: discharge_process (waiting for a "
        "discharge day and time); awaiting_mental_health (the liaison assessment); "
        "awaiting_assessment, awaiting_referral, "
        "awaiting_repeat_assessment, awaiting_funding_panel, awaiting_budget (frictions); "
        "awaiting_<service> (no place in the onward service)"
    ),
    "mean_fit_to_discharge_days": "Mean time from medically fit to leaving the bed (days)",
    "delayed_at_midnight_<cause>": (
        "Mean number of medically fit patients in bed at midnight, by what they wait for (the "
        "causes of delayed_discharge_bed_days_<cause>): counted as the national sitrep counts "
        "patients not meeting the criteria to reside who remain, so a wait within a day "
        "counts nowhere"
    ),
    "nctr_per_100_beds": (
        "Patients in bed who no longer meet the criteria to reside (medically fit), per 100 "
        "beds, at midnight"
    ),
    "share_beds_stay_7d_plus": (
        "Share of occupied beds held by stays of 7+ days (midnight; elective stays included)"
    ),
    "share_beds_stay_21d_plus": (
        "Share of occupied beds held by stays of 21+ days (midnight; elective stays included)"
    ),
}
"""The KPIs the ward reports, with their descriptions."""


class AcuteWardService(Service):
    """Beds. A patient keeps the bed from admission until discharge home or until the onward
    service has a place; the time between medically fit and leaving is recorded by cause.

    Planned (elective) patients take a bed only when one is free at once
    (:meth:`try_admit_planned`), stay their planned time and go home: they count in the beds
    occupied, never in the emergency measures (admissions, length of stay, waits, delays)."""

    holds_beds = True

    def __init__(
        self,
        ctx: RunContext,
        spec: AcuteWard,
        onward: Sequence[OnwardServiceComponent],
        referrals: FrictionSteps,
        liaison: LiaisonWaits,
        step_down: StepDown,
        discharged: Discharged,
        initial: InitialPatients,
        ready_dates: ReadyDates,
        transfer: BufferedSampler | None = None,
    ) -> None:
        """``onward`` are the services patients are discharged to (by a patient's
        ``onward`` number), each referral passing the steps ``referrals`` builds;
        ``liaison`` says how long a fit patient waits for a mental health assessment;
        ``step_down`` may take patients before they are fit (virtual wards, or a null object
        that never does); ``discharged`` is told of every patient leaving a bed for home or
        onward care (readmissions); ``initial`` gives the patients in a bed at the start;
        ``ready_dates`` is told of every stay that ends (the Discharge Ready Date measures);
        ``transfer`` draws the hours from a bed being given to a patient waiting elsewhere
        (A&E) to their arrival in it (None: at once)."""
        super().__init__(ctx, "acute_ward", spec.organisation, spec.beds)
        self.spec = spec
        self.beds = spec.beds
        """The ward's own beds (escalation can open more: ``places.capacity``)."""
        self.onward = onward
        self.turnaround = spec.bed_turnaround_hours / 24
        self.transfer = transfer
        self.in_transfer = 0
        """Patients given a bed who are still moving to it (counted here: they are no longer
        in the line for a bed, and the service they are leaving counts them as waiting)."""
        self._bed = self._bed_now if transfer is None else self._bed_after_transfer
        """What happens when a bed is given: chosen once, so the journey asks nothing."""
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
        self.home_timing: HomeTiming | None = self.clock
        """When patients going home leave: the ward's clock, or escalation's while in force."""
        self._going_home: dict[int, tuple[Patient, float]] = {}
        """Fit patients waiting for their discharge day and time: pid -> (patient, when)."""
        self.delays: dict[str, LevelMonitor] = {
            cause: LevelMonitor(ctx.env, f"delay.{cause}")
            for cause in (DISCHARGE_PROCESS, AWAITING_MENTAL_HEALTH, *FRICTION_CAUSES)
        }
        """Patients in bed waiting, once fit, by cause (every cause from here on, in order)."""
        self.step_down = step_down
        self.discharged = discharged
        self.stepped_down = 0
        self.liaison = liaison
        self.initial = initial
        self._awaiting: list[LevelMonitor] = []
        for svc in onward:
            cause = f"awaiting_{svc.name}"
            monitor = LevelMonitor(ctx.env, f"delay.{cause}")
            self.delays[cause] = monitor
            self._awaiting.append(monitor)
        self._delayed_at_midnight = [0.0] * len(self.delays)
        """Running sums, over the midnights so far, of the patients waiting by cause."""
        self.pipelines = [
            referrals.pipeline(
                svc.organisation != self.organisation,
                svc.spec.needs_funding_decision,
                self.delays,
            )
            for svc in onward
        ]
        """Per onward service, the referral steps from this ward."""
        self.lead = referrals.lead
        """Draws a P1-P3 patient's referral lead time (None: the referral starts at fit)."""
        self._early: dict[int, EarlyReferral] = {}
        """Patients whose referral started (or is due to start) before they are fit: pid ->
        their early referral, until they join the onward service's line."""
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
        self.ready_dates = ready_dates

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

    def patients_present(self) -> int:
        """Patients in a bed waiting for an onward place are counted in that line."""
        return (
            self.patients_holding()
            + self.places.waiting
            + self.in_transfer
            - int(self.waiting_for_a_place())
        )

    def pressure(self) -> dict[str, float]:
        """``occupancy``: patients in a bed over the ward's own beds (1 or more when every bed
        is taken, escalation beds included); ``occupied``; ``medically_fit``: patients in a
        bed no longer meeting the criteria to reside; ``medically_fit_per_100_beds``;
        ``waiting_for_bed``: patients waiting for a bed (A&E boarders, direct admissions)."""
        occupied = self.patients.level
        fit = self.fit_in_bed.level
        return {
            "occupancy": occupied / self.beds,
            "occupied": occupied,
            "medically_fit": fit,
            "medically_fit_per_100_beds": fit * 100 / self.beds,
            "waiting_for_bed": float(self.places.waiting),
        }

    def front_doors(self, doors: FrontDoors) -> None:
        """Direct admissions (GP, NHS 111) of every segment arrive at the ward."""
        doors.direct[:] = [self.arrive_direct] * len(doors.direct)

    def start(self) -> None:
        for p, elapsed in self.initial():
            self.place_initial(p, elapsed)

    # -- entry -------------------------------------------------------------------------
    def arrive_direct(self, p: Patient, referred_in: bool = False) -> None:
        """An emergency admission that did not come through A&E (GP, NHS 111, SDEC), or one
        ``referred_in`` by a community team that assessed the patient first."""
        if self.ctx.collecting:
            self.direct_admissions += 1
            self.ctx.emergency_admissions += 1
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

    def try_admit_planned(self, p: Patient, leaves: Leaves) -> bool:
        """A planned (elective) patient takes a bed now if one of the ward's own is free and
        no emergency patient is waiting for a bed (they come first); escalation beds are for
        emergency patients. The patient stays ``p.los`` days and goes home; ``leaves(p)`` is
        then told. False (nothing done) when there is no such bed."""
        places = self.places
        if places.waiting or places.in_use >= self.beds:
            return False
        if self.log is not None:
            self.log.add(p.pid, ARRIVAL_DEPARTURE, "arrival", self.name)
            self.log.add(p.pid, MILESTONE, "elective_admission", self.name)
        places.request(p, self._planned_bed)
        call_after(self.env, p.los, self._planned_done, (p, leaves))
        return True

    def _planned_bed(self, p: Patient, slot: int) -> None:
        p.holder = self
        p.slot = slot
        p.t_bed = self.env.now
        self.patients.add(1)
        self.occupants[p.pid] = p.t_bed
        if self.log is not None:
            self.log.add(p.pid, RESOURCE_USE, self._ev_begin, self.name, slot)

    def _planned_done(self, value: tuple[Patient, Leaves]) -> None:
        p, leaves = value
        self.ready_dates.left(p.t_bed, self.env.now, self.env.now)
        self._free_bed(p)
        p.holder = None
        leaves(p)
        self.patient_leaves_system(p)

    # -- stay --------------------------------------------------------------------------
    def _bed_after_transfer(self, p: Patient, slot: int) -> None:
        """A bed for a patient waiting in another service: held for them while they move."""
        if p.holder is None:
            self._bed_now(p, slot)
            return
        assert self.transfer is not None
        self.in_transfer += 1
        call_after(self.env, self.transfer.next() / 24, self._moved, (p, slot))

    def _moved(self, value: tuple[Patient, int]) -> None:
        self.in_transfer -= 1
        self._bed_now(*value)

    def _bed_now(self, p: Patient, slot: int) -> None:
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
        if self.step_down.wants_step_down(p):
            early = p.los - self.step_down.bed_days_saved
            call_after(self.env, early, self._step_down, p)
            return
        call_after(self.env, p.los, self._fit, p)
        if p.onward >= 0 and self.lead is not None:
            self._plan_ahead(p, self.lead.next())

    def _plan_ahead(self, p: Patient, lead: float) -> None:
        """A referral lead time: the patient's referral is to start ``lead`` days before the
        time they will be declared fit, and not before now (the start of the stay; for a
        patient in bed when the run starts, the start of the run)."""
        now = self.env.now
        clinical_end = now + p.los
        fit = self.clock.declared_time(clinical_end) if self.clock is not None else clinical_end
        begin = max(now, fit - lead)
        early = EarlyReferral(p)
        self._early[p.pid] = early
        call_after(self.env, begin - now, self._refer_early, early)

    def _refer_early(self, early: EarlyReferral) -> None:
        """The referral starts while the patient is still clinically in bed: its waits are
        no delay until the patient is fit."""
        if early.started:  # the patient was declared fit first, at this same instant
            return
        early.started = True
        p = early.patient
        self.pipelines[p.onward].run(p, self._early_done, early=early)

    def _early_done(self, p: Patient) -> None:
        """An early referral has passed every friction: the patient asks for a place now if
        fit (and past any liaison wait), else when that time comes."""
        early = self._early[p.pid]
        early.finished = True
        if early.counting:
            del self._early[p.pid]
            self._referred(p)

    def _step_down(self, p: Patient) -> None:
        """Early discharge to a virtual ward, if it has a slot; otherwise the stay goes on."""
        step_down = self.step_down
        if step_down.has_room():
            if self.ctx.collecting:
                self.stepped_down += 1
                self.discharges += 1
                self.length_of_stay.record(self.env.now - p.t_bed)
            # leaves on the day it is ready to: no delay
            self.ready_dates.left(p.t_bed, self.env.now, self.env.now)
            self._free_bed(p)
            step_down.step_down(p)
            return
        call_after(self.env, step_down.bed_days_saved, self._fit, p)

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
        wait = self.liaison.on_ward(p)
        if wait > 0:
            self.delays[AWAITING_MENTAL_HEALTH].add(1)
            call_after(self.env, wait, self._liaison_done, p)
            return
        self._leave_when_ready(p)

    def _liaison_done(self, p: Patient) -> None:
        self.delays[AWAITING_MENTAL_HEALTH].add(-1)
        self._leave_when_ready(p)

    def _leave_when_ready(self, p: Patient) -> None:
        """Home on the next discharge day and time, or referred on at once (a referral
        started early goes on from where it is: its waits count as delays from now)."""
        now = self.env.now
        if p.onward >= 0:
            p.t_referred = now
            early = self._early.get(p.pid) if self._early else None
            if early is None:
                self.pipelines[p.onward].run(p, self._referred)
            elif not early.started:  # due to start at this very instant: it starts now
                early.started = True
                early.counting = True
                self.pipelines[p.onward].run(p, self._early_done, early=early)
            elif early.finished:
                del self._early[p.pid]
                self._referred(p)
            else:
                early.start_counting()
            return
        timing = self.home_timing
        if timing is not None:
            ready = timing.ready_time(now, p.dis_u_day, p.dis_u_hour)
            if ready > now:
                self.delays[DISCHARGE_PROCESS].add(1)
                self._going_home[p.pid] = (p, ready)
                call_after(self.env, ready - now, self._home_later, p)
                return
        self._go_home(p)

    def _home_later(self, p: Patient) -> None:
        if self._going_home.pop(p.pid, None) is None:
            # Brought forward by a new discharge timing (escalation), and gone already.
            # A patient leaves the ward only once, so a later call never meets a new stay.
            return
        self.delays[DISCHARGE_PROCESS].add(-1)
        self._go_home(p)

    def set_home_timing(self, timing: HomeTiming | None) -> None:
        """Patients going home follow ``timing`` from now on; those already waiting for
        their discharge day and time leave at the new one if it is earlier (None: at once)."""
        self.home_timing = timing
        now = self.env.now
        for p, due in list(self._going_home.values()):
            ready = now if timing is None else timing.ready_time(now, p.dis_u_day, p.dis_u_hour)
            if ready < due:
                self._going_home[p.pid] = (p, ready)
                call_after(self.env, ready - now, self._home_later, p)

    def _go_home(self, p: Patient) -> None:
        self._leave(p)
        self.ctx.away(p, False)
        self.discharged.after_discharge(p)
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
        p.pathway = CARE_HOME_PATHWAY  # readmission factors treat them as a care-home discharge
        self.pipelines[service].run(p, self._referred)

    def handover(self, p: Patient) -> None:
        """The onward service took the patient (or diverted them elsewhere): the bed is freed."""
        self._awaiting[p.onward].add(-1)
        # Discharge to assess: the assessment for onward care happens at home, not in a bed.
        p.assessments += self.pipelines[p.onward].assessments_after_leaving
        self._leave(p)
        self.ctx.away(p, self.onward[p.onward].bed_based)
        self.discharged.after_discharge(p)

    def _leave(self, p: Patient) -> None:
        now = self.env.now
        self.fit_in_bed.add(-1)
        if p.route != Route.INITIAL:
            self.ctx.end_episode(p.handoffs, p.assessments, p.coordinated)
        if self.ctx.collecting:
            self.discharges += 1
            self.length_of_stay.record(now - p.t_bed)
            self.fit_to_leave.record(now - p.t_fit)
        self.ready_dates.left(p.t_bed, p.t_fit, now)
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

    # -- what the ward reports -----------------------------------------------------------
    def long_stay_counts(self, now: float, thresholds: tuple[float, ...]) -> list[int]:
        """Occupied beds whose patient has been in for at least each threshold (days)."""
        t_bed = np.fromiter(self.occupants.values(), dtype=float, count=len(self.occupants))
        elapsed = now - t_bed
        return [int(np.count_nonzero(elapsed >= thr)) for thr in thresholds]

    def midnight_counts(self, now: float) -> dict[str, float]:
        counts = self.long_stay_counts(now, LONG_STAY_DAYS)
        return {
            "occupied_at_midnight": self.patients.level,
            "medically_fit_at_midnight": self.fit_in_bed.level,
            "stays_7d_plus_at_midnight": float(counts[0]),
            "stays_21d_plus_at_midnight": float(counts[1]),
        }

    def running_totals(self, now: float) -> dict[str, list[float]]:
        """Called once at every midnight: the time above each occupancy threshold, and the
        running sums of the patients waiting at midnight by cause."""
        sums = self._delayed_at_midnight
        for i, monitor in enumerate(self.delays.values()):
            sums[i] += monitor.level
        return {"time_above": self.patients.time_above(now), "delayed_at_midnight": list(sums)}

    def kpis(self, results: Results) -> dict[str, float]:
        name, days = self.name, results.days
        k: dict[str, float] = {
            "emergency_admissions": float(self.ctx.emergency_admissions),
            "ward_admissions": float(self.admissions),
            "bed_occupancy": results.mean_level(name, "occupied") / self.beds,
            "bed_unavailability": results.mean_level(name, "unavailable") / self.beds,
        }
        above = results.increase(name, "time_above")
        for thr, time in zip(OCCUPANCY_THRESHOLDS, above, strict=True):
            k[f"time_above_{round(thr * 100)}pct_occupancy"] = time / days
        k["mean_los_days"] = self.length_of_stay.mean
        k["mean_wait_for_bed_hours"] = self.wait.mean * 24
        total_delay = 0.0
        for cause in self.delays:
            bed_days = results.mean_level(name, f"delayed_{cause}") * days
            k[f"delayed_discharge_bed_days_{cause}"] = bed_days
            total_delay += bed_days
        k["delayed_discharge_bed_days"] = total_delay
        k["mean_fit_to_discharge_days"] = self.fit_to_leave.mean
        fit = results.midnights(name, "medically_fit_at_midnight")
        at_midnight = results.increase(name, "delayed_at_midnight")
        for cause, total in zip(self.delays, at_midnight, strict=True):
            k[f"delayed_at_midnight_{cause}"] = total / fit.size if fit.size else math.nan
        occupied = results.midnights(name, "occupied_at_midnight")
        long7 = results.midnights(name, "stays_7d_plus_at_midnight")
        long21 = results.midnights(name, "stays_21d_plus_at_midnight")
        k["nctr_per_100_beds"] = float(fit.mean() * 100 / self.beds) if fit.size else math.nan
        k["share_beds_stay_7d_plus"] = ratio(float(long7.sum()), float(occupied.sum()))
        k["share_beds_stay_21d_plus"] = ratio(float(long21.sum()), float(occupied.sum()))
        fixed = self.spec.fixed_share_of_bed_day_cost * self.spec.cost_per_bed_day_gbp
        k["empty_bed_cost_gbp"] = (1 - k["bed_occupancy"]) * self.beds * days * fixed
        return k

    def costs(self, kpis: Mapping[str, float], results: Results) -> list[Cost]:
        """The fixed part of every open bed for every day (``fixed_share_of_bed_day_cost``),
        then the variable part of emergency patients' bed days at their rate and of delayed
        bed days at theirs (a delayed day costs at least the fixed part). Elective bed days
        in these beds are priced whole by the electives component, so their fixed part is
        not counted here again. With no fixed share: bed days at their rates."""
        spec = self.spec
        elective = kpis.get("elective_bed_days", 0.0)
        bed_days = kpis["bed_occupancy"] * spec.beds * results.days - elective
        delayed = kpis["delayed_discharge_bed_days"]
        fixed = spec.fixed_share_of_bed_day_cost * spec.cost_per_bed_day_gbp
        gbp = (
            (spec.beds * results.days - elective) * fixed
            + (bed_days - delayed) * (spec.cost_per_bed_day_gbp - fixed)
            + delayed * max(0.0, spec.cost_per_delayed_bed_day_gbp - fixed)
        )
        return [Cost(self.name, self.organisation, gbp)]
