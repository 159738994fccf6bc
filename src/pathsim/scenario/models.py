"""The scenario language: strict pydantic models for a local health and care system.

A scenario describes the population and its demand (segments), the services with their
capacities and owning organisations, the discharge pathways that connect the acute ward to
onward care, and the run settings. It knows nothing of SimPy: the model package builds a
simulation from a validated ``Scenario``.

Conventions:

* Unknown keys are rejected (``extra="forbid"``); models are frozen. Derive variants with
  ``scenario.model_copy(update=...)`` or :func:`pathsim.scenario.with_overrides`.
* Units are in field names: ``_days``, ``_hours``, ``_per_week``, ``_per_1000_per_year``.
* Shares and probabilities are fractions that must sum to 1 (within 0.001); they are
  renormalised exactly before use.
* Names of segments, organisations and services are lower-case identifiers
  (``[a-z][a-z0-9_]*``) because they become part of KPI names.
"""

from __future__ import annotations

import datetime as dt
import math

from pydantic import Field, field_validator, model_validator

from pathsim.scenario.distributions import Distribution
from pathsim.scenario.integration import Frictions, Integration
from pathsim.scenario.models_base import (
    MAX_DAYS,
    MAX_POPULATION,
    MAX_REPLICATIONS,
    TOLERANCE,
    Count,
    Name,
    NonNegative,
    Pathway,
    Payer,
    Positive,
    Probability,
    Share,
    Strict,
    sums_to_one,
)
from pathsim.scenario.services import (
    AcuteWard,
    Deterioration,
    DischargeTiming,
    EmergencyDepartment,
    MentalHealthLiaison,
    OnwardService,
    Readmission,
)
from pathsim.scenario.urgent_care import (
    AmbulanceHandover,
    LeftBeforeSeen,
    SameDayEmergencyCare,
)

__all__ = [
    "AcuteWard",
    "AmbulanceHandover",
    "ArrivalProfile",
    "Deterioration",
    "DischargeTiming",
    "EmergencyDepartment",
    "LeftBeforeSeen",
    "MentalHealthLiaison",
    "OnwardService",
    "Organisation",
    "Pathway",
    "Payer",
    "Readmission",
    "RunSettings",
    "SameDayEmergencyCare",
    "Scenario",
    "Segment",
]


class Organisation(Strict):
    """An organisation that runs services and holds a budget."""

    label: str = Field(description="Human-readable name, e.g. 'Acute trust'")
    payer: Payer = Field(
        description="Who funds this organisation's services: nhs or local_authority"
    )


class ArrivalProfile(Strict):
    """Shape of demand over the hour, week and year (a non-homogeneous Poisson process).

    The expected number of arrivals in hour h of a day that is weekday d of month m is
    ``annual / 365.25 * 7 * day_of_week_share[d] * hour_of_day_share[h] * month_factor[m]``.
    """

    hour_of_day_share: list[Share] = Field(
        min_length=24,
        max_length=24,
        description="Share of a day's arrivals in each hour, 00:00 to 23:00; sums to 1",
    )
    day_of_week_share: list[Share] = Field(
        min_length=7,
        max_length=7,
        description="Share of a week's arrivals on each day, Monday to Sunday; sums to 1",
    )
    month_factor: list[Positive] = Field(
        min_length=12,
        max_length=12,
        description="Multiplier on the rate in each month, January to December; averages 1",
    )

    @field_validator("hour_of_day_share")
    @classmethod
    def _hours(cls, v: list[float]) -> list[float]:
        return sums_to_one(v, "hour_of_day_share")

    @field_validator("day_of_week_share")
    @classmethod
    def _days(cls, v: list[float]) -> list[float]:
        return sums_to_one(v, "day_of_week_share")

    @field_validator("month_factor")
    @classmethod
    def _months(cls, v: list[float]) -> list[float]:
        mean = math.fsum(v) / 12
        if abs(mean - 1.0) > TOLERANCE:
            raise ValueError(
                f"month_factor must average 1 (within {TOLERANCE}) so that the annual rate "
                f"is kept; it averages {mean:.6g}"
            )
        return v

    @classmethod
    def flat(cls) -> ArrivalProfile:
        """A profile with a constant rate (homogeneous Poisson arrivals)."""
        return cls(
            hour_of_day_share=[1 / 24] * 24, day_of_week_share=[1 / 7] * 7, month_factor=[1.0] * 12
        )


class Segment(Strict):
    """A population segment with its own demand, clinical course and discharge needs."""

    label: str = Field(default="", description="Human-readable name")
    population: Count = Field(ge=0, le=MAX_POPULATION, description="People in the segment")
    ed_attendances_per_1000_per_year: NonNegative = Field(
        description="Type 1 A&E attendances per 1,000 people per year"
    )
    direct_admissions_per_1000_per_year: NonNegative = Field(
        default=0.0,
        description=(
            "Emergency admissions per 1,000 people per year that bypass A&E (GP, NHS 111, "
            "same-day emergency care); they go straight to the queue for a bed"
        ),
    )
    arrival_profile: ArrivalProfile | None = Field(
        default=None, description="Overrides the scenario's arrival_profile for this segment"
    )
    acuity_share: list[Share] = Field(
        default=[0.0, 0.0, 1.0, 0.0, 0.0],
        min_length=5,
        max_length=5,
        description=(
            "Share of A&E attendances in each triage category 1 (immediate) to 5 (non-urgent); "
            "used by a 'priority' A&E queue; sums to 1"
        ),
    )
    ed_assessment_hours: Distribution = Field(
        description="Time in a cubicle from being seen to the decision (discharge or admit)"
    )
    admission_probability: Probability = Field(
        description="Probability that an A&E attendance ends in an emergency admission"
    )
    ambulance_share: Probability = Field(
        default=0.0,
        description="Share of A&E attendances arriving by ambulance (the rest self-present)",
    )
    community_response_share: Probability = Field(
        default=0.0,
        description=(
            "Share of crises arriving by ambulance or GP / NHS 111 referral (direct admissions) "
            "that a community team could respond to at home (falls, infections, carer "
            "breakdown); used by the single point of referral lever"
        ),
    )
    same_day_probability: Probability = Field(
        default=0.0,
        description=(
            "Probability that an emergency admission is a same-day (zero-night) stay, handled "
            "without a ward bed"
        ),
    )
    length_of_stay_days: Distribution = Field(
        description="Clinical length of stay in an acute bed: from admission to medically fit"
    )
    discharge_pathway_share: dict[Pathway, Probability] = Field(
        description="Share of ward discharges on each pathway P0-P3; sums to 1"
    )
    mental_health_share: Probability = Field(
        default=0.0,
        description=(
            "Share of the segment's crises with a mental health need, assessed by the mental "
            "health liaison team (the scenario's mental_health settings)"
        ),
    )
    readmission_probability: Probability = Field(
        default=0.0,
        description=(
            "Chance that a patient discharged after an overnight stay is readmitted as an "
            "emergency within 30 days (before the factors of the scenario's readmission "
            "settings). The segment's attendance and admission figures include these "
            "readmissions: the model draws fewer first crises so the totals stay as given"
        ),
    )

    @field_validator("acuity_share")
    @classmethod
    def _acuity(cls, v: list[float]) -> list[float]:
        return sums_to_one(v, "acuity_share")

    @field_validator("discharge_pathway_share")
    @classmethod
    def _pathways(cls, v: dict[Pathway, float]) -> dict[Pathway, float]:
        sums_to_one(list(v.values()), "discharge_pathway_share")
        return v

    @property
    def ed_attendances_per_year(self) -> float:
        return self.population * self.ed_attendances_per_1000_per_year / 1000

    @property
    def direct_admissions_per_year(self) -> float:
        return self.population * self.direct_admissions_per_1000_per_year / 1000


class RunSettings(Strict):
    """How long to run, how many replications, and the seed."""

    days: Count = Field(
        default=365, ge=1, le=MAX_DAYS, description="Length of the results period, after warm-up"
    )
    warmup_days: Count = Field(
        default=60, ge=0, le=MAX_DAYS, description="Days simulated before results are collected"
    )
    replications: Count = Field(
        default=10, ge=1, le=MAX_REPLICATIONS, description="Replications to run (seeds 0..N-1)"
    )
    seed: Count = Field(default=12345, ge=0, lt=2**63, description="Base seed of every stream")
    start_date: dt.date = Field(
        default=dt.date(2023, 4, 1),
        description="Calendar date of the first simulated day (sets weekdays and months)",
    )
    event_log: bool = Field(default=False, description="Record the per-patient event log")


class Scenario(Strict):
    """A local health and care system and how to run it."""

    name: str = Field(min_length=1, description="Short title shown in reports")
    description: str = Field(default="", description="What this scenario represents")
    price_year: str = Field(
        default="2023/24", description="Price base of every cost_..._gbp figure, e.g. 2023/24"
    )
    run: RunSettings = Field(
        default_factory=RunSettings, description="Run length, warm-up, replications and seed"
    )
    organisations: dict[Name, Organisation] = Field(
        min_length=1, description="Organisations that run services, by name"
    )
    arrival_profile: ArrivalProfile = Field(
        default_factory=ArrivalProfile.flat,
        description="Default demand shape for every segment",
    )
    segments: dict[Name, Segment] = Field(min_length=1, description="Population segments, by name")
    ed: EmergencyDepartment = Field(description="The type 1 A&E department")
    acute_ward: AcuteWard = Field(description="The pool of acute beds for emergency patients")
    onward_services: dict[Name, OnwardService] = Field(
        default_factory=dict, description="Services after hospital, by name"
    )
    frictions: Frictions = Field(
        default_factory=Frictions,
        description="Delays and failures at the boundaries between organisations",
    )
    integration: Integration = Field(
        default_factory=Integration, description="Integration levers, each off unless enabled"
    )
    mental_health: MentalHealthLiaison = Field(
        default_factory=MentalHealthLiaison,
        description="Mental health liaison for crises with a mental health need",
    )
    deterioration: Deterioration = Field(
        default_factory=Deterioration,
        description="Patients waiting in bed for care at home who come to need more",
    )
    readmission: Readmission = Field(
        default_factory=Readmission,
        description="How the chance of readmission within 30 days varies by pathway and care",
    )
    ambulance_handover: AmbulanceHandover = Field(
        default_factory=AmbulanceHandover,
        description="Ambulance crews handing their patients over at A&E (off unless enabled)",
    )
    left_before_seen: LeftBeforeSeen = Field(
        default_factory=LeftBeforeSeen,
        description="Patients who leave A&E before being seen (off unless enabled)",
    )
    same_day_emergency_care: SameDayEmergencyCare = Field(
        default_factory=SameDayEmergencyCare,
        description="Same-day emergency care for same-day admissions (off unless enabled)",
    )
    discharge_pathway_services: dict[Pathway, dict[Name, Probability]] = Field(
        default_factory=dict,
        description=(
            "For each pathway P1-P3, the onward services it leads to with the share of patients "
            "going to each (sums to 1). P0 leads home and takes no entry."
        ),
    )

    @field_validator("discharge_pathway_services")
    @classmethod
    def _route_shares(cls, v: dict[Pathway, dict[str, float]]) -> dict[Pathway, dict[str, float]]:
        for pathway, shares in v.items():
            if pathway is Pathway.P0:
                raise ValueError("P0 is discharge home with no onward service; remove its entry")
            if not shares:
                raise ValueError(f"{pathway.value} lists no service")
            sums_to_one(list(shares.values()), f"the shares for {pathway.value}")
        return v

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        orgs = set(self.organisations)
        problems: list[str] = []

        def need_org(where: str, org: str) -> None:
            if org not in orgs:
                problems.append(
                    f"{where}.organisation: '{org}' is not an organisation of this scenario; "
                    f"known: {', '.join(sorted(orgs))}"
                )

        need_org("ed", self.ed.organisation)
        need_org("acute_ward", self.acute_ward.organisation)
        for name, svc in self.onward_services.items():
            need_org(f"onward_services.{name}", svc.organisation)
            for other in svc.then_referred_to:
                if other == name or other not in self.onward_services:
                    what = "itself" if other == name else f"'{other}', which is not defined"
                    problems.append(
                        f"onward_services.{name}.then_referred_to.{other}: refers on to "
                        f"{what}; name another onward service"
                    )
        for pathway, shares in self.discharge_pathway_services.items():
            for svc_name in shares:
                if svc_name not in self.onward_services:
                    known = ", ".join(sorted(self.onward_services)) or "none defined"
                    problems.append(
                        f"discharge_pathway_services.{pathway.value}.{svc_name}: no onward "
                        f"service is called '{svc_name}'; known: {known}"
                    )
        spor = self.integration.single_point_of_referral
        if spor.enabled:
            need_org("integration.single_point_of_referral", spor.organisation)
            for svc_name in [*spor.home_package_share, *spor.added_capacity]:
                if svc_name not in self.onward_services:
                    problems.append(
                        f"integration.single_point_of_referral: no onward service is called "
                        f"'{svc_name}'; known: {', '.join(sorted(self.onward_services))}"
                    )
        proactive = self.integration.proactive_care
        if proactive.enabled:
            need_org("integration.proactive_care", proactive.organisation)
            if proactive.segment is None or proactive.segment not in self.segments:
                problems.append(
                    f"integration.proactive_care.segment: no segment is called "
                    f"'{proactive.segment}'; known: {', '.join(sorted(self.segments))}"
                )
        mh = self.mental_health
        if any(seg.mental_health_share > 0 for seg in self.segments.values()):
            if mh.organisation is None:
                problems.append(
                    "mental_health.organisation: some segments have a mental_health_share, so "
                    "name the organisation that runs the liaison team"
                )
            else:
                need_org("mental_health", mh.organisation)
        det = self.deterioration
        if det.daily_chance > 0:
            wanted: list[str | None] = [*det.from_services, det.to_service]
            for wanted_name in wanted:
                if wanted_name is None or wanted_name not in self.onward_services:
                    problems.append(
                        f"deterioration: no onward service is called '{wanted_name}'; name one "
                        f"of: {', '.join(sorted(self.onward_services)) or 'none defined'}"
                    )
            for seg_name in det.segments or []:
                if seg_name not in self.segments:
                    problems.append(
                        f"deterioration.segments: no segment is called '{seg_name}'; known: "
                        f"{', '.join(sorted(self.segments))}"
                    )
            if det.to_service is not None and det.to_service in det.from_services:
                problems.append(
                    "deterioration.to_service: must not be one of from_services (a patient "
                    "would deteriorate into the same wait)"
                )
        vw = self.integration.virtual_wards
        if vw.enabled:
            need_org("integration.virtual_wards", vw.organisation)
            for seg_name in vw.segments or []:
                if seg_name not in self.segments:
                    problems.append(
                        f"integration.virtual_wards.segments: no segment is called "
                        f"'{seg_name}'; known: {', '.join(sorted(self.segments))}"
                    )
        for seg_name in self.segments:
            expected, ed_admissions = self._readmissions_and_ed_admissions(seg_name)
            if expected > ed_admissions:
                problems.append(
                    f"segments.{seg_name}.readmission_probability: the readmissions it implies "
                    f"({expected:.0f} a year) are more than the segment's A&E admissions "
                    f"({ed_admissions:.0f} a year), which include them; lower it"
                )
        for seg_name, seg in self.segments.items():
            for pathway, p in seg.discharge_pathway_share.items():
                if (
                    p > 0
                    and pathway is not Pathway.P0
                    and (pathway not in self.discharge_pathway_services)
                ):
                    problems.append(
                        f"segments.{seg_name}.discharge_pathway_share.{pathway.value}: patients "
                        f"are sent on {pathway.value} but discharge_pathway_services has no "
                        f"entry for {pathway.value}; add one or set this share to 0"
                    )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def population(self) -> int:
        """Total population over all segments."""
        return sum(s.population for s in self.segments.values())

    def readmission_probability(self, segment: str, pathway: Pathway) -> float:
        """Chance of a readmission within 30 days after an overnight stay, before the factor
        for co-ordinated care."""
        base = self.segments[segment].readmission_probability
        return min(1.0, base * self.readmission.pathway_factor.get(pathway, 1.0))

    def _readmissions_and_ed_admissions(self, segment: str) -> tuple[float, float]:
        seg = self.segments[segment]
        p = sum(
            share * self.readmission_probability(segment, pathway)
            for pathway, share in seg.discharge_pathway_share.items()
        )
        ed_admissions = seg.ed_attendances_per_year * seg.admission_probability
        overnight = (ed_admissions + seg.direct_admissions_per_year) * (
            1 - seg.same_day_probability
        )
        return p * overnight, ed_admissions

    def first_crises(self, segment: str) -> tuple[float, float]:
        """A&E attendances a year that are first crises (not readmissions), and the chance
        that one is admitted, such that first crises plus expected readmissions (all of
        them admitted through A&E) reproduce the segment's attendances and admissions.

        With R readmissions a year (the readmission chance, averaged over pathways, times
        the overnight admissions, which include readmissions' own stays), A attendances and
        admission chance a: first crises are A - R, admitted with chance (A a - R) / (A - R).
        """
        seg = self.segments[segment]
        readmissions, ed_admissions = self._readmissions_and_ed_admissions(segment)
        attendances = seg.ed_attendances_per_year
        first = attendances - readmissions
        if readmissions <= 0 or first <= 0:
            return attendances, seg.admission_probability
        return first, max(0.0, (ed_admissions - readmissions) / first)

    def profile_for(self, segment: str) -> ArrivalProfile:
        """The arrival profile that applies to ``segment``."""
        return self.segments[segment].arrival_profile or self.arrival_profile
