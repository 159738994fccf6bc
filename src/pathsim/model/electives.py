"""Elective (planned) inpatients: booked each weekday, admitted at one time of day if a bed
is free at once, cancelled on the day and rebooked otherwise.

Built only when the effective system has electives; otherwise :class:`NoElectives` stands in
and books nobody. Each day, at ``admission_hour``, the day's planned number of new patients
joins the back of the waiting list, and the list is worked from its head, first come first
served, for up to the planned number plus ``catch_up_per_day``: escalation may cancel a share
of those first (``cancel_electives``); each of the rest takes a bed if the ward has one of its
own free and no emergency patient is waiting (:meth:`~pathsim.model.ward.AcuteWardService.
try_admit_planned`), and once one finds none, so do the others. Cancelled patients keep their
place at the head of the list.

Each patient's length of stay is drawn when they are booked, from the stream
``electives.length_of_stay``, in booking order: the bookings do not depend on what happens in
the hospital, so the same patients with the same stays come in every configuration.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping

import numpy as np

from pathsim.model.clock import call_after, call_at
from pathsim.model.component import Component, Cost, Results, ratio
from pathsim.model.context import RunContext
from pathsim.model.hooks import Leaves, PlannedBeds
from pathsim.model.monitors import LevelMonitor
from pathsim.model.patients import Patient, Route
from pathsim.model.ready_date import ReadyDates
from pathsim.model.service import (
    ARRIVAL_DEPARTURE,
    MILESTONE,
    RESOURCE_USE,
    RESOURCE_USE_END,
    BufferedSampler,
    Service,
)
from pathsim.model.streams import Streams
from pathsim.model.ward import LONG_STAY_DAYS
from pathsim.scenario.electives import ElectiveInpatients

NAME = "electives"
WARD = "acute_ward"
"""The acute ward's name in the results (its occupied beds count in the G&A occupancy)."""

KPIS: dict[str, str] = {
    "elective_admissions": "Elective (planned) inpatients admitted to an acute bed",
    "elective_cancellations": (
        "Elective admissions cancelled on the day, for want of a bed or by escalation (a "
        "patient cancelled twice counts twice)"
    ),
    "elective_cancellations_no_bed": (
        "Elective admissions cancelled on the day because no bed was free (or emergency "
        "patients were waiting for one)"
    ),
    "elective_cancellations_escalation": "Elective admissions cancelled by escalation",
    "elective_waiting_list_end": (
        "Elective patients waiting for a date at the end of the run: those cancelled, and "
        "those the day's admissions could not reach behind them"
    ),
    "elective_bed_days": "Bed days of elective inpatients in acute beds",
    "ga_bed_occupancy": (
        "Mean share of all general and acute beds occupied: the acute ward's own beds and the "
        "ring-fenced elective beds together (the sitrep's G&A occupancy)"
    ),
    "ga_share_beds_stay_21d_plus": (
        "Share of occupied general and acute beds at midnight (the acute ward's and the "
        "ring-fenced elective beds together) held by patients in for 21 days or more, as "
        "published nationally; equal to share_beds_stay_21d_plus when electives have no beds "
        "of their own"
    ),
    "ga_nctr_per_100_beds": (
        "Patients in bed who no longer meet the criteria to reside (medically fit), at "
        "midnight, per 100 general and acute beds (the acute ward's own and the ring-fenced "
        "elective beds), as published per trust"
    ),
    "elective_bed_occupancy": (
        "Mean share of the ring-fenced elective beds occupied (NaN when electives share the "
        "acute ward's beds, or are off)"
    ),
}
"""The KPIs elective inpatients report, with their descriptions."""


class ElectiveBeds(Service):
    """Beds kept for elective patients (``ring_fenced_beds``): a planned patient takes one
    if it is free at once, stays the planned time and goes home."""

    def __init__(
        self, ctx: RunContext, beds: int, organisation: str, ready_dates: ReadyDates
    ) -> None:
        """``ready_dates`` is told of every stay that ends (the Discharge Ready Date
        measures: an elective patient leaves on the day planned)."""
        super().__init__(ctx, "elective_beds", organisation, beds)
        self.admitted: dict[int, float] = {}
        """Patients in these beds by id, with the time each was admitted."""
        self.ready_dates = ready_dates

    def try_admit_planned(self, p: Patient, leaves: Leaves) -> bool:
        if not self.places.has_room:
            return False
        if self.log is not None:
            self.log.add(p.pid, ARRIVAL_DEPARTURE, "arrival", self.name)
            self.log.add(p.pid, MILESTONE, "elective_admission", self.name)
        self.places.request(p, self._bed)
        self.admitted[p.pid] = self.env.now
        call_after(self.env, p.los, self._done, (p, leaves))
        return True

    def _bed(self, p: Patient, slot: int) -> None:
        p.holder = self
        p.slot = slot
        if self.log is not None:
            self.log.add(p.pid, RESOURCE_USE, self._ev_begin, self.name, slot)

    def _done(self, value: tuple[Patient, Leaves]) -> None:
        p, leaves = value
        if self.log is not None:
            self.log.add(p.pid, RESOURCE_USE_END, self._ev_end, self.name, p.slot)
        self.places.release(p.slot)
        now = self.env.now
        self.ready_dates.left(self.admitted.pop(p.pid), now, now)
        p.holder = None
        leaves(p)
        self.patient_leaves_system(p)

    def midnight_counts(self, now: float) -> dict[str, float]:
        stays = np.fromiter(self.admitted.values(), dtype=float, count=len(self.admitted))
        return {
            "occupied_at_midnight": float(stays.size),
            "stays_21d_plus_at_midnight": float(np.count_nonzero(now - stays >= LONG_STAY_DAYS[1])),
        }


class Electives(Component):
    """The planned admissions of every day, and the list of those cancelled."""

    name = NAME

    def __init__(
        self,
        ctx: RunContext,
        spec: ElectiveInpatients,
        streams: Streams,
        ward: PlannedBeds,
        organisation: str,
        ward_beds: int,
        ready_dates: ReadyDates,
    ) -> None:
        """``ward`` admits a patient if a bed is free now (with ``ring_fenced_beds``, the
        electives' own beds take them instead); ``organisation`` pays for the bed days (the
        ward's); ``ward_beds``: the acute ward's own beds (for the G&A occupancy);
        ``ready_dates`` counts the stays in the elective beds that end."""
        self.ctx = ctx
        self.ward_beds = ward_beds
        self.env = ctx.env
        self.spec = spec
        self.own_beds = (
            None
            if spec.ring_fenced_beds is None
            else ElectiveBeds(ctx, spec.ring_fenced_beds, organisation, ready_dates)
        )
        self.ward: PlannedBeds = ward if self.own_beds is None else self.own_beds
        self.organisation = organisation
        self.stay = BufferedSampler(spec.length_of_stay_days, streams["electives.length_of_stay"])
        self.waiting: deque[Patient] = deque()
        """Booked patients not yet admitted, first booked first."""
        self.in_bed = LevelMonitor(ctx.env, "electives.in_bed")
        self.list_length = LevelMonitor(ctx.env, "electives.waiting_list")
        self._share_cancelled = 0.0
        self.admissions = 0
        self.cancelled_no_bed = 0
        self.cancelled_escalation = 0

    def start(self) -> None:
        first = self.spec.admission_hour / 24
        if first < self.ctx.end:
            call_at(self.env, first, self._session)

    def cancel_share(self, share: float) -> None:
        """From now on, escalation cancels this share of each day's planned admissions."""
        self._share_cancelled = share

    @property
    def cancelled_by_escalation(self) -> int:
        """Admissions escalation cancelled in the results period."""
        return self.cancelled_escalation

    # -- each day ----------------------------------------------------------------------
    def _book(self, n: int) -> None:
        ctx = self.ctx
        for _ in range(n):
            p = Patient(ctx.new_other_id(), -1, Route.ELECTIVE, self.env.now)
            p.los = self.stay.next()
            self.waiting.append(p)
        self.list_length.add(n)

    def _session(self, _value: object = None) -> None:
        """The day's planned admissions, at the admission hour."""
        spec = self.spec
        day = math.floor(self.env.now)
        planned = spec.admissions_per_weekday[self.ctx.calendar.weekday(day)]
        self._book(planned)
        waiting = self.waiting
        today = min(len(waiting), planned + spec.catch_up_per_day)
        by_escalation = math.floor(today * self._share_cancelled + 0.5)
        cancelled: list[Patient] = []
        admitted = 0
        for i in range(today):
            p = waiting.popleft()
            if (
                i < today - by_escalation
                and not cancelled
                and self.ward.try_admit_planned(p, self._left)
            ):
                admitted += 1
                continue
            cancelled.append(p)
        waiting.extendleft(reversed(cancelled))
        self.in_bed.add(admitted)
        self.list_length.add(-admitted)
        if self.ctx.collecting:
            self.admissions += admitted
            self.cancelled_escalation += by_escalation
            self.cancelled_no_bed += len(cancelled) - by_escalation
        tomorrow = day + 1 + spec.admission_hour / 24
        if tomorrow < self.ctx.end:
            call_at(self.env, tomorrow, self._session)

    def _left(self, p: Patient) -> None:
        self.in_bed.add(-1)

    # -- what electives report ---------------------------------------------------------
    def parts(self) -> list[Component]:
        return [self] if self.own_beds is None else [self, self.own_beds]

    def level_monitors(self) -> dict[str, LevelMonitor]:
        return {"in_bed": self.in_bed, "waiting_list": self.list_length}

    def patients_present(self) -> int:
        """Booked patients waiting for a date (those in a bed are the ward's)."""
        return len(self.waiting)

    def pressure(self) -> dict[str, float]:
        """``waiting_list``: booked patients not yet admitted (cancelled ones)."""
        return {"waiting_list": float(len(self.waiting))}

    def kpis(self, results: Results) -> dict[str, float]:
        return {
            "elective_admissions": float(self.admissions),
            "elective_cancellations": float(self.cancelled_no_bed + self.cancelled_escalation),
            "elective_cancellations_no_bed": float(self.cancelled_no_bed),
            "elective_cancellations_escalation": float(self.cancelled_escalation),
            "elective_waiting_list_end": float(len(self.waiting)),
            "elective_bed_days": results.mean_level(self.name, "in_bed") * results.days,
            "ga_bed_occupancy": ga_occupancy(results, self.ward_beds, self.own_beds),
            "ga_share_beds_stay_21d_plus": ga_long_stays(results, self.own_beds),
            "ga_nctr_per_100_beds": ga_nctr(results, self.ward_beds, self.own_beds),
            "elective_bed_occupancy": (
                math.nan
                if self.own_beds is None
                else ratio(
                    results.mean_level(self.own_beds.name, "occupied"), self.own_beds.capacity
                )
            ),
        }

    def costs(self, kpis: Mapping[str, float], results: Results) -> list[Cost]:
        gbp = kpis["elective_bed_days"] * self.spec.cost_per_bed_day_gbp
        return [Cost(self.name, self.organisation, gbp)]


def ga_occupancy(results: Results, ward_beds: int, own_beds: ElectiveBeds | None) -> float:
    """Occupied acute beds (the ward's, and the elective beds when ring-fenced) over the
    beds there are."""
    occupied = results.mean_level(WARD, "occupied")
    beds = ward_beds
    if own_beds is not None:
        occupied += results.mean_level(own_beds.name, "occupied")
        beds += own_beds.capacity
    return ratio(occupied, beds)


def ga_nctr(results: Results, ward_beds: int, own_beds: ElectiveBeds | None) -> float:
    """Medically fit patients in a bed at midnight (all in the ward's beds: elective patients
    go home on the day planned) per 100 beds, over the ward's beds and the elective beds when
    ring-fenced."""
    fit = results.midnights(WARD, "medically_fit_at_midnight")
    beds = ward_beds + (own_beds.capacity if own_beds is not None else 0)
    return float(fit.mean() * 100 / beds) if fit.size else math.nan


def ga_long_stays(results: Results, own_beds: ElectiveBeds | None) -> float:
    """Share of occupied beds at midnight held by stays of 21 days or more, over the ward's
    beds and the elective beds when ring-fenced."""
    names = [WARD] if own_beds is None else [WARD, own_beds.name]
    long = sum(float(results.midnights(n, "stays_21d_plus_at_midnight").sum()) for n in names)
    occupied = sum(float(results.midnights(n, "occupied_at_midnight").sum()) for n in names)
    return ratio(long, occupied)


class NoElectives(Component):
    """No elective inpatients: nobody is booked, nothing is cancelled."""

    name = NAME
    cancelled_by_escalation = 0

    def __init__(self, ward_beds: int) -> None:
        self.ward_beds = ward_beds

    def cancel_share(self, share: float) -> None:
        """Nothing to cancel."""

    def kpis(self, results: Results) -> dict[str, float]:
        return {
            **dict.fromkeys(KPIS, 0.0),
            "ga_bed_occupancy": ga_occupancy(results, self.ward_beds, None),
            "ga_share_beds_stay_21d_plus": ga_long_stays(results, None),
            "ga_nctr_per_100_beds": ga_nctr(results, self.ward_beds, None),
            "elective_bed_occupancy": math.nan,
        }
