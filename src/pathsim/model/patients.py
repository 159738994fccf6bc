"""Patients and the sources that create them.

Arrivals follow a non-homogeneous Poisson process whose rate is constant within each hour
(daily rate x day-of-week share x hour-of-day share x month factor). For a piecewise-constant
rate this is exact: the count in each hour is Poisson and the times within the hour are
uniform. Arrivals are drawn a week at a time with numpy, together with every clinical attribute
of the patients (triage category, assessment time, admission decision, clinical length of stay,
discharge pathway, discharge timing), each attribute from its own named stream of its own
(segment, route) source. So for the same seed the same patients arrive whatever the services
downstream do with them: the basis of common random numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from pathsim.model.clock import call_after
from pathsim.model.context import RunContext
from pathsim.model.streams import Streams
from pathsim.scenario.models import ArrivalProfile, Pathway, Scenario, Segment

CHUNK_DAYS = 7
PATHWAYS = (Pathway.P0, Pathway.P1, Pathway.P2, Pathway.P3)

ROUTE_ED = 0
ROUTE_DIRECT = 1
ROUTE_COMMUNITY = 2
ROUTE_INITIAL = 3
ROUTE_NAMES = ("ed", "direct", "community", "initial")


class Patient:
    """One person's journey. Clinical attributes are set at creation; the rest as they move."""

    __slots__ = (
        "acuity",
        "admit",
        "ambulance",
        "assess",
        "assessments",
        "coordinated",
        "deteriorate_t",
        "dis_u_day",
        "dis_u_hour",
        "handoffs",
        "holder",
        "in_corridor",
        "jet_u",
        "los",
        "mental_health",
        "onward",
        "pathway",
        "pid",
        "pkg_u",
        "prevent_u",
        "readmit_t",
        "readmit_u",
        "route",
        "same_day",
        "segment",
        "slot",
        "stepped_down",
        "suitable",
        "t_arrival",
        "t_bed",
        "t_crisis",
        "t_dta",
        "t_fit",
        "t_ready",
        "t_referred",
        "t_request",
        "vw_avoids",
        "vw_esc_u",
        "vw_t_u",
        "vw_u",
        "window",
    )

    def __init__(self, pid: int, segment: int, route: int, t_arrival: float) -> None:
        self.pid = pid
        self.segment = segment
        self.route = route
        self.t_arrival = t_arrival
        """Arrival at the current front door (A&E, or the ward for a direct admission)."""
        self.t_crisis = t_arrival
        """When the crisis began (the first contact with any service)."""
        self.ambulance = False
        self.suitable = False
        """Whether a community team could respond to this crisis at home."""
        self.jet_u = 0.0
        self.pkg_u = 0.0
        self.prevent_u = 1.0
        self.mental_health = False
        """Whether the crisis has a mental health need (assessed by the liaison team)."""
        self.deteriorate_t = 0.0
        """Draw (exponential, mean 1) that sets after how long a wait in bed the patient
        deteriorates: this over the daily chance's hazard."""
        self.vw_u = 1.0
        """Draw that decides whether a virtual ward would take this patient (step up or down)."""
        self.vw_esc_u = 1.0
        """Draw that decides whether the patient escalates from a virtual ward back to hospital."""
        self.vw_t_u = 0.0
        """When in the virtual ward stay an escalation happens (share of the stay)."""
        self.vw_avoids = False
        """On a virtual ward instead of an overnight bed (an admission avoided if completed)."""
        self.stepped_down = False
        """Left an acute bed early for a virtual ward."""
        self.readmit_u = 1.0
        """Draw that decides an emergency readmission within 30 days of discharge."""
        self.readmit_t = 0.0
        """Draw that decides when the readmission happens."""
        self.window: object | None = None
        """The person's 90-day days-at-home window, when they belong to its cohort."""
        self.coordinated = False
        """Whether one named person (a joint emergency team's key worker) coordinated care."""
        self.acuity = 3
        self.assess = 0.0
        self.admit = False
        self.same_day = False
        self.los = 0.0
        self.pathway = 0
        self.onward = -1
        self.dis_u_day = 0.0
        self.dis_u_hour = 0.0
        self.holder: object | None = None
        self.in_corridor = False
        """Boarding in an A&E escalation space rather than a cubicle."""
        self.slot = -1
        self.t_dta = 0.0
        self.t_bed = 0.0
        self.t_fit = 0.0
        self.t_ready = 0.0
        self.t_request = 0.0
        self.t_referred = 0.0
        self.handoffs = 0
        """Referrals to another organisation made for this patient (each attempt counts)."""
        self.assessments = 0
        """Assessments of this patient by a team (A&E, admitting team, onward care)."""


class FrontDoor(Protocol):
    """A service's entry for a crisis: from home, or ``referred_in`` by a community team."""

    def __call__(self, p: Patient, referred_in: bool = False) -> None: ...


@dataclass(frozen=True)
class OnwardChoice:
    """How a discharge pathway maps to onward services: cumulative shares and service indices."""

    cumulative: np.ndarray
    services: np.ndarray


def onward_choices(scenario: Scenario, service_index: dict[str, int]) -> dict[int, OnwardChoice]:
    """For each pathway number 1-3 that has services, the table used to pick one."""
    out: dict[int, OnwardChoice] = {}
    for pathway, shares in scenario.discharge_pathway_services.items():
        names = list(shares)
        p = np.array([shares[n] for n in names], dtype=float)
        out[PATHWAYS.index(pathway)] = OnwardChoice(
            cumulative=np.cumsum(p / p.sum()),
            services=np.array([service_index[n] for n in names], dtype=np.int64),
        )
    return out


def _categorical(u: np.ndarray, probabilities: list[float]) -> np.ndarray:
    p = np.asarray(probabilities, dtype=float)
    cum = np.cumsum(p / p.sum())
    return np.minimum(np.searchsorted(cum, u, side="right"), len(p) - 1)


class ClinicalDraws:
    """Draws the clinical attributes of a batch of patients of one segment and route."""

    def __init__(
        self,
        streams: Streams,
        prefix: str,
        segment: Segment,
        choices: dict[int, OnwardChoice],
        admit_all: bool = False,
        admit_probability: float | None = None,
    ) -> None:
        """``admit_all`` is for routes that are admissions by definition (direct admissions):
        the A&E admission draw is then ignored. ``admit_probability`` replaces the segment's
        (first crises, when readmissions are drawn separately)."""
        self.segment = segment
        if admit_probability is None:
            admit_probability = segment.admission_probability
        self.admit_probability = 1.0 if admit_all else admit_probability
        self.choices = choices
        self.rng_acuity = streams[f"{prefix}.acuity"]
        self.rng_assess = streams[f"{prefix}.ed_assessment"]
        self.rng_outcome = streams[f"{prefix}.ed_outcome"]
        self.rng_los = streams[f"{prefix}.length_of_stay"]
        self.rng_pathway = streams[f"{prefix}.discharge_pathway"]
        self.rng_timing = streams[f"{prefix}.discharge_timing"]
        self.rng_route = streams[f"{prefix}.route"]
        self.rng_community = streams[f"{prefix}.community_response"]
        self.rng_proactive = streams[f"{prefix}.proactive_care"]
        self.rng_virtual_ward = streams[f"{prefix}.virtual_ward"]
        self.rng_readmission = streams[f"{prefix}.readmission"]
        self.rng_needs = streams[f"{prefix}.needs"]
        self.rng_deterioration = streams[f"{prefix}.deterioration"]
        self.ambulance_share = 0.0 if admit_all else segment.ambulance_share
        shares = segment.discharge_pathway_share
        self.pathway_p = [shares.get(pw, 0.0) for pw in PATHWAYS]

    def draw(self, n: int, in_progress: bool = False) -> dict[str, list[float] | list[int]]:
        """Attributes of ``n`` patients. With ``in_progress`` the patients are already in a
        bed when the run starts: ``los`` is then the time still to run and ``elapsed`` the
        time already spent, from the equilibrium (length-biased) split of a stay."""
        seg = self.segment
        acuity = _categorical(self.rng_acuity.random(n), seg.acuity_share) + 1
        assess = seg.ed_assessment_hours.sample(self.rng_assess, n) / 24.0
        outcome = self.rng_outcome.random((n, 2))
        elapsed = np.zeros(n)
        if in_progress:
            whole = seg.length_of_stay_days.sample_length_biased(self.rng_los, n)
            u = self.rng_los.random(n)
            los = u * whole
            elapsed = whole - los
        else:
            los = seg.length_of_stay_days.sample(self.rng_los, n)
        pu = self.rng_pathway.random((n, 2))
        pathway = _categorical(pu[:, 0], self.pathway_p)
        onward = np.full(n, -1, dtype=np.int64)
        for pw, choice in self.choices.items():
            mask = pathway == pw
            if mask.any():
                k = np.minimum(
                    np.searchsorted(choice.cumulative, pu[mask, 1], side="right"),
                    len(choice.services) - 1,
                )
                onward[mask] = choice.services[k]
        timing = self.rng_timing.random((n, 2))
        ambulance = self.rng_route.random(n) < self.ambulance_share
        community = self.rng_community.random((n, 3))
        vw = self.rng_virtual_ward.random((n, 3))
        readmit = self.rng_readmission.random((n, 2))
        mental = self.rng_needs.random(n) < seg.mental_health_share
        deteriorate = self.rng_deterioration.exponential(1.0, n)
        return {
            "ambulance": ambulance.tolist(),
            "suitable": (community[:, 0] < seg.community_response_share).tolist(),
            "jet_u": community[:, 1].tolist(),
            "pkg_u": community[:, 2].tolist(),
            "prevent_u": self.rng_proactive.random(n).tolist(),
            "vw_u": vw[:, 0].tolist(),
            "vw_esc_u": vw[:, 1].tolist(),
            "vw_t_u": vw[:, 2].tolist(),
            "readmit_u": readmit[:, 0].tolist(),
            "readmit_t": readmit[:, 1].tolist(),
            "mental_health": mental.tolist(),
            "deteriorate_t": deteriorate.tolist(),
            "acuity": acuity.tolist(),
            "assess": assess.tolist(),
            "admit": (outcome[:, 0] < self.admit_probability).tolist(),
            "same_day": (outcome[:, 1] < seg.same_day_probability).tolist(),
            "los": los.tolist(),
            "pathway": pathway.tolist(),
            "onward": onward.tolist(),
            "dis_u_day": timing[:, 0].tolist(),
            "dis_u_hour": timing[:, 1].tolist(),
            "elapsed": elapsed.tolist(),
        }


CLINICAL = (
    "acuity",
    "assess",
    "admit",
    "same_day",
    "los",
    "pathway",
    "onward",
    "dis_u_day",
    "dis_u_hour",
    "ambulance",
    "suitable",
    "jet_u",
    "pkg_u",
    "prevent_u",
    "vw_u",
    "vw_esc_u",
    "vw_t_u",
    "readmit_u",
    "readmit_t",
    "mental_health",
    "deteriorate_t",
)
"""The clinical attributes of a patient, in the order of :func:`clinical_rows`."""

ClinicalRow = tuple[
    int,
    float,
    bool,
    bool,
    float,
    int,
    int,
    float,
    float,
    bool,
    bool,
    float,
    float,
    float,
    float,
    float,
    float,
    float,
    float,
    bool,
    float,
]


def clinical_rows(draws: dict[str, list[float] | list[int]]) -> list[ClinicalRow]:
    """The draws as one tuple per patient, in :data:`CLINICAL` order."""
    return list(zip(*(draws[k] for k in CLINICAL), strict=True))


def apply_row(p: Patient, row: ClinicalRow) -> None:
    (
        p.acuity,
        p.assess,
        p.admit,
        p.same_day,
        p.los,
        p.pathway,
        p.onward,
        p.dis_u_day,
        p.dis_u_hour,
        p.ambulance,
        p.suitable,
        p.jet_u,
        p.pkg_u,
        p.prevent_u,
        p.vw_u,
        p.vw_esc_u,
        p.vw_t_u,
        p.readmit_u,
        p.readmit_t,
        p.mental_health,
        p.deteriorate_t,
    ) = row


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
        route: int,
        entry: Callable[[Patient], None],
        draws: ClinicalDraws | None,
    ) -> None:
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
        call_after(env, t - env._now, self._arrive)

    def _arrive(self, _value: object = None) -> None:
        i = self._i
        self._i += 1
        pid = (
            self.ctx.new_other_id() if self.route == ROUTE_COMMUNITY else self.ctx.new_patient_id()
        )
        p = Patient(pid, self.segment_index, self.route, self.ctx.env.now)
        if self._rows:
            apply_row(p, self._rows[i])
            if p.admit and not p.same_day and self.ctx.collecting:
                self.ctx.open_window(p)  # a crisis that needs an overnight bed
        self.entry(p)
        self._schedule_next()
