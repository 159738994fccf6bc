"""Patients and the sources that create them.

Arrivals follow a non-homogeneous Poisson process whose rate is constant within each hour
(daily rate x day-of-week share x hour-of-day share x month factor). For a piecewise-constant
rate this is exact: the count in each hour is Poisson and the times within the hour are
uniform. Arrivals are drawn a week at a time with numpy, together with every clinical attribute
of the patients (triage category, assessment time, admission decision, clinical length of stay,
discharge pathway, discharge timing), each attribute from its own named stream of its own
(segment, route) source. So for the same seed the same patients arrive whatever the services
downstream do with them: the basis of common random numbers. The draws themselves are in
:mod:`pathsim.model.clinical`.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Protocol

import numpy as np

from pathsim.model.clinical import (
    CLINICAL,
    DEFAULT_ROW,
    PATHWAYS,
    ClinicalDraws,
    ClinicalRow,
    OnwardChoice,
    clinical_rows,
    onward_choices,
)
from pathsim.model.clock import call_after
from pathsim.model.context import RunContext
from pathsim.model.streams import Streams
from pathsim.scenario.models import ArrivalProfile

CHUNK_DAYS = 7


class Route(IntEnum):
    """How a person came into the modelled system."""

    ED = 0
    """A crisis arriving at A&E (or a readmission, which arrives there)."""
    DIRECT = 1
    """A crisis referred for direct admission (GP, NHS 111)."""
    COMMUNITY = 2
    """Referred to an onward service from the community."""
    INITIAL = 3
    """Already in a service when the run starts."""
    ELECTIVE = 4
    """A planned (elective) inpatient, booked on the waiting list."""


__all__ = [
    "CLINICAL",
    "DEFAULT_ROW",
    "PATHWAYS",
    "ClinicalDraws",
    "ClinicalRow",
    "Entry",
    "FrontDoor",
    "OnwardChoice",
    "Patient",
    "PoissonSource",
    "clinical_rows",
    "onward_choices",
]


class Patient:
    """One person's journey. Clinical attributes are set at creation; the rest as they move."""

    # The clinical attributes, drawn at arrival (:data:`CLINICAL` order, set from the row).
    acuity: int
    """Triage category, 1 (most urgent) to 5."""
    assess: float
    """A&E assessment time (days)."""
    admit: bool
    """Whether the crisis needs an admission."""
    same_day: bool
    """Whether an admission is same-day (no overnight bed)."""
    los: float
    """Clinical length of stay in an acute bed (days)."""
    pathway: int
    """Discharge pathway number (0 = P0 ... 3 = P3)."""
    onward: int
    """Number of the onward service the pathway leads to (-1: none)."""
    dis_u_day: float
    """Draw that picks the discharge day (the weekly pattern)."""
    dis_u_hour: float
    """Draw that picks the time within the day's discharge window."""
    ambulance: bool
    """Whether the crisis arrives by ambulance."""
    suitable: bool
    """Whether a community team could respond to this crisis at home."""
    jet_u: float
    """Draw: whether a joint emergency team manages the crisis at home."""
    pkg_u: float
    """Draw: which package of care a crisis managed at home gets."""
    prevent_u: float
    """Draw: whether proactive care prevents the crisis."""
    vw_u: float
    """Draw: whether a virtual ward would take the patient (step up or down)."""
    vw_esc_u: float
    """Draw: whether the patient escalates from a virtual ward back to hospital."""
    vw_t_u: float
    """Draw: when in the virtual ward stay an escalation happens (share of the stay)."""
    readmit_u: float
    """Draw: whether an emergency readmission within 30 days of discharge happens."""
    readmit_t: float
    """Draw: when the readmission happens."""
    mental_health: bool
    """Whether the crisis has a mental health need (liaison team)."""
    deteriorate_t: float
    """Exponential draw (mean 1): after how long a wait in bed the patient deteriorates
    (this over the daily chance's hazard)."""
    patience_e: float
    """Exponential draw (mean 1): how long the patient would wait for an A&E cubicle before
    leaving (through the scenario's patience distribution; infinite for people with no
    clinical draws)."""

    __slots__ = (
        *CLINICAL,
        "assessments",
        "coordinated",
        "handoffs",
        "holder",
        "in_corridor",
        "pid",
        "route",
        "segment",
        "slot",
        "stepped_down",
        "t_arrival",
        "t_bed",
        "t_dta",
        "t_fit",
        "t_referred",
        "t_request",
        "vw_avoids",
        "window",
    )

    def __init__(
        self,
        pid: int,
        segment: int,
        route: Route,
        t_arrival: float,
        row: ClinicalRow = DEFAULT_ROW,
    ) -> None:
        """``row`` holds the clinical attributes in :data:`CLINICAL` order (drawn at
        arrival; :data:`DEFAULT_ROW` for people with none drawn). This is the one place a
        row is unpacked; a test checks that it sets exactly the attributes CLINICAL names,
        in that order."""
        (
            self.acuity,
            self.assess,
            self.admit,
            self.same_day,
            self.los,
            self.pathway,
            self.onward,
            self.dis_u_day,
            self.dis_u_hour,
            self.ambulance,
            self.suitable,
            self.jet_u,
            self.pkg_u,
            self.prevent_u,
            self.vw_u,
            self.vw_esc_u,
            self.vw_t_u,
            self.readmit_u,
            self.readmit_t,
            self.mental_health,
            self.deteriorate_t,
            self.patience_e,
        ) = row
        self.pid = pid
        self.segment = segment
        self.route = route
        self.t_arrival = t_arrival
        """Arrival at the current front door (A&E, or the ward for a direct admission)."""
        self.vw_avoids = False
        """On a virtual ward instead of an overnight bed (an admission avoided if completed)."""
        self.stepped_down = False
        """Left an acute bed early for a virtual ward."""
        self.window: object | None = None
        """The person's 90-day days-at-home window, when they belong to its cohort."""
        self.coordinated = False
        """Whether one named person (a joint emergency team's key worker) coordinated care."""
        self.holder: object | None = None
        self.in_corridor = False
        """Boarding in an A&E escalation space rather than a cubicle."""
        self.slot = -1
        self.t_dta = 0.0
        self.t_bed = 0.0
        self.t_fit = 0.0
        self.t_request = 0.0
        self.t_referred = 0.0
        self.handoffs = 0
        """Referrals to another organisation made for this patient (each attempt counts)."""
        self.assessments = 0
        """Assessments of this patient by a team (A&E, admitting team, onward care)."""


class FrontDoor(Protocol):
    """A service's entry for a crisis: from home, or ``referred_in`` by a community team."""

    def __call__(self, p: Patient, referred_in: bool = False) -> None: ...


Entry = Callable[[Patient], None]
"""Where a source hands a new crisis (the front door as the patient first meets it)."""


class PoissonSource:
    """Creates patients of one segment by one route and hands each to ``entry`` on arrival.

    Runs as a chain of callbacks: each arrival schedules the next, so only one event per
    source is ever pending.
    """

    def __init__(
        self,
        ctx: RunContext,
        streams: Streams,
        name: str,
        annual_rate: float,
        profile: ArrivalProfile,
        segment_index: int,
        route: Route,
        entry: Callable[[Patient], None],
        draws: ClinicalDraws | None,
    ) -> None:
        if draws is not None and route == Route.COMMUNITY:
            raise ValueError("people referred from the community have no clinical draws")
        self.ctx = ctx
        self.rng = streams[f"{name}.arrivals"]
        self.daily_rate = annual_rate / 365.25
        self.hour = np.asarray(profile.hour_of_day_share, dtype=float)
        self.hour /= self.hour.sum()
        self.dow = np.asarray(profile.day_of_week_share, dtype=float)
        self.dow /= self.dow.sum()
        self.month = np.asarray(profile.month_factor, dtype=float)
        self.segment_index = segment_index
        self.route = route
        self.entry = entry
        self.draws = draws
        self._chunk_start = 0
        self._times: list[float] = []
        self._rows: list[ClinicalRow] = []
        self._i = 0

    def start(self) -> None:
        if self.daily_rate > 0:
            self._schedule_next()

    def _hourly_rates(self, first_day: int, n_days: int) -> np.ndarray:
        cal = self.ctx.calendar
        day_factor = np.array(
            [
                7.0 * self.dow[cal.weekday(d)] * self.month[cal.month(d)]
                for d in range(first_day, first_day + n_days)
            ]
        )
        # expected arrivals in each hour of each day
        rates: np.ndarray = (self.daily_rate * day_factor)[:, None] * self.hour[None, :]
        return rates

    def _load_chunk(self) -> bool:
        end_day = int(np.ceil(self.ctx.end))
        while self._chunk_start < end_day:
            first = self._chunk_start
            n_days = min(CHUNK_DAYS, end_day - first)
            self._chunk_start += n_days
            rates = self._hourly_rates(first, n_days).ravel()
            counts = self.rng.poisson(rates)
            n = int(counts.sum())
            if n == 0:
                continue
            hours = np.repeat(np.arange(rates.size), counts)
            times = np.sort((hours + self.rng.random(n)) / 24.0 + first)
            self._times = times.tolist()
            self._rows = clinical_rows(self.draws.draw(n)) if self.draws else []
            self._i = 0
            return True
        return False

    def _schedule_next(self) -> None:
        if self._i >= len(self._times) and not self._load_chunk():
            return
        t = self._times[self._i]
        if t >= self.ctx.end:
            return
        env = self.ctx.env
        call_after(env, t - env.now, self._arrive)

    def _arrive(self, _value: object = None) -> None:
        ctx = self.ctx
        i = self._i
        self._i = i + 1
        env = ctx.env
        if self._rows:  # a crisis arrival: ctx.new_patient_id(), inlined
            ctx.next_patient_id += 1
            ctx.created += 1
            p = Patient(ctx.next_patient_id, self.segment_index, self.route, env.now, self._rows[i])
            if p.admit and not p.same_day and ctx.collecting:
                ctx.open_window(p)  # a crisis that needs an overnight bed
        else:
            pid = ctx.new_other_id() if self.route == Route.COMMUNITY else ctx.new_patient_id()
            p = Patient(pid, self.segment_index, self.route, env.now)
        self.entry(p)
        # The next arrival (as _schedule_next, inlined: this runs once per patient).
        if self._i < len(self._times) or self._load_chunk():
            t = self._times[self._i]
            if t < ctx.end:
                call_after(env, t - env.now, self._arrive)
