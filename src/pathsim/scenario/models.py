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
from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from pathsim.scenario.distributions import Distribution
from pathsim.scenario.integration import Frictions, Integration
from pathsim.scenario.models_base import (
    MAX_CAPACITY,
    MAX_DAYS,
    MAX_POPULATION,
    MAX_REPLICATIONS,
    TOLERANCE,
    Count,
    Name,
    NonNegative,
    Positive,
    Probability,
    Share,
    Strict,
    sums_to_one,
)


class Payer(StrEnum):
    """Who pays for a service in the end."""

    NHS = "nhs"
    LOCAL_AUTHORITY = "local_authority"


class Pathway(StrEnum):
    """Discharge-to-assess pathways (DHSC hospital discharge guidance)."""

    P0 = "P0"  # home, no new support
    P1 = "P1"  # home with support: reablement or home care
    P2 = "P2"  # a community / intermediate-care bed
    P3 = "P3"  # a care home


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


class EmergencyDepartment(Strict):
    """A&E: cubicles (majors, minors and resus spaces together) and how the queue is served."""

    organisation: Name = Field(description="Organisation that runs the department")
    cubicles: Count = Field(ge=1, le=MAX_CAPACITY, description="Assessment spaces")
    queue_discipline: Literal["fifo", "priority"] = Field(
        default="fifo",
        description="fifo: first come first served; priority: by triage category, then arrival",
    )
    escalation_spaces: Count = Field(
        default=0,
        ge=0,
        le=MAX_CAPACITY,
        description=(
            "Corridor or escalation spaces where admitted patients wait for a bed, freeing "
            "their cubicle; boarders stay in cubicles only while these are full"
        ),
    )
    cost_per_attendance_gbp: NonNegative = Field(
        default=0.0, description="Cost of an A&E attendance (at the scenario's price_year)"
    )


class DischargeTiming(Strict):
    """When medically fit patients going home (P0) actually leave: fewer discharges at
    weekends, and only within the day's discharge window.

    A fit patient leaves on the first day whose factor, divided by the largest factor, exceeds
    the patient's own draw, at a time in the window; so on the busiest day every fit patient
    whose discharge time has come leaves, on others only some do. With a ward round, a patient
    whose clinical stay ends is declared medically fit (and counted as no longer meeting the
    criteria to reside) at the next round.
    """

    day_of_week_factor: list[Positive] = Field(
        min_length=7, max_length=7, description="Relative discharges Monday to Sunday"
    )
    window_start_hour: NonNegative = Field(lt=24, description="Earliest discharge time of day")
    window_end_hour: Positive = Field(le=24, description="Latest discharge time of day")
    ward_round_hour: NonNegative | None = Field(
        default=None,
        lt=24,
        description=(
            "Time of the daily ward round at which patients are declared medically fit; omit "
            "to declare them fit the moment their clinical stay ends"
        ),
    )

    @model_validator(mode="after")
    def _window(self) -> DischargeTiming:
        if self.window_end_hour <= self.window_start_hour:
            raise ValueError(
                f"window_end_hour ({self.window_end_hour}) must be after window_start_hour "
                f"({self.window_start_hour})"
            )
        return self


class AcuteWard(Strict):
    """The pool of general and acute beds for emergency patients."""

    organisation: Name = Field(description="Organisation that runs the ward")
    beds: Count = Field(ge=1, le=MAX_CAPACITY, description="Beds for emergency admissions")
    initial_occupancy_share: Share = Field(
        default=0.0, description="Share of beds occupied when the run starts"
    )
    bed_turnaround_hours: NonNegative = Field(
        default=0.0,
        description=(
            "Hours a bed stays unavailable after a patient leaves (cleaning, preparing, "
            "allocating it) before the next patient can have it"
        ),
    )
    cost_per_bed_day_gbp: NonNegative = Field(
        default=0.0,
        description="Cost of a bed day of a patient who needs acute care, treatment included",
    )
    cost_per_delayed_bed_day_gbp: NonNegative = Field(
        default=0.0,
        description="Cost of a bed day of a medically fit patient waiting to leave",
    )
    discharge_timing: DischargeTiming | None = Field(
        default=None,
        description="Weekend and time-of-day pattern of discharges; omit to discharge when fit",
    )


class OnwardService(Strict):
    """A service that takes patients after hospital (and people referred from the community):
    reablement, home care, community (intermediate-care) beds, care homes."""

    label: str = Field(default="", description="Human-readable name")
    kind: Literal["reablement", "home_care", "community_bed", "care_home", "other"] = Field(
        description="What sort of service this is (for reports)"
    )
    organisation: Name = Field(description="Organisation that runs and pays for the service")
    capacity: Count = Field(
        ge=0, le=MAX_CAPACITY, description="Places (packages, beds) that can be in use at once"
    )
    length_of_stay_days: Distribution = Field(description="Time a person holds a place")
    initial_occupancy_share: Share = Field(
        default=0.0, description="Share of places in use when the run starts"
    )
    community_referrals_per_week: NonNegative = Field(
        default=0.0,
        description="People referred from the community (not from hospital), Poisson per week",
    )
    when_full: Literal["wait", "divert"] = Field(
        default="wait",
        description=(
            "wait: people queue for a place (hospital patients keep their bed meanwhile); "
            "divert: people who find it full go elsewhere and are counted as diverted"
        ),
    )
    needs_funding_decision: bool = Field(
        default=False,
        description=(
            "New stays need a funding decision (means-tested social care): they go through the "
            "funding panel and the capped budget of the scenario's frictions"
        ),
    )
    cost_per_day_gbp: NonNegative = Field(
        default=0.0, description="Cost of a place in use for a day (a bed, a care package)"
    )
    cost_per_episode_gbp: NonNegative = Field(
        default=0.0, description="Cost of each stay started (e.g. a reablement episode)"
    )
    then_referred_to: dict[Name, Probability] = Field(
        default_factory=dict,
        description=(
            "When a stay ends, the share of people who still need care and are referred on "
            "to each named service, from home (e.g. reablement to long-term home care); the "
            "rest need nothing more. Shares sum to at most 1"
        ),
    )

    @field_validator("then_referred_to")
    @classmethod
    def _at_most_one(cls, v: dict[str, float]) -> dict[str, float]:
        total = sum(v.values())
        if total > 1 + TOLERANCE:
            raise ValueError(f"the shares must sum to at most 1; they sum to {total:.6g}")
        return v


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


class MentalHealthLiaison(Strict):
    """Mental health liaison for crises with a mental health need (each segment's
    ``mental_health_share``): a team of another organisation assesses them in A&E and, once
    medically fit, on the ward before they can leave."""

    organisation: Name | None = Field(
        default=None,
        description=(
            "Organisation that runs the liaison team (e.g. the mental health trust); needed "
            "when any segment has a mental health share"
        ),
    )
    ed_liaison_wait_hours: Distribution | None = Field(
        default=None,
        description="Time in the A&E cubicle, after the decision, waiting for the assessment",
    )
    ward_liaison_wait_days: Distribution | None = Field(
        default=None,
        description=(
            "Time in bed, once medically fit, waiting for the assessment before discharge "
            "(delayed discharge, cause awaiting_mental_health)"
        ),
    )
    cost_per_assessment_gbp: NonNegative = Field(
        default=0.0, description="Cost of a liaison assessment"
    )


class Deterioration(Strict):
    """Deconditioning while waiting in a bed: a medically fit patient waiting for one of
    ``from_services`` (e.g. reablement) may come to need ``to_service`` (e.g. a care home)
    instead, the more likely the longer they wait. Found when the place they waited for comes
    free: they give it up and are referred on again."""

    daily_chance: Probability = Field(
        default=0.0,
        description=(
            "Chance per day of waiting in bed after being declared fit (a constant hazard); "
            "0 switches deterioration off"
        ),
    )
    segments: list[Name] | None = Field(
        default=None, description="Segments whose patients can deteriorate; omitted: all"
    )
    from_services: list[Name] = Field(
        default_factory=list, description="Onward services whose waiting patients deteriorate"
    )
    to_service: Name | None = Field(
        default=None, description="The onward service a deteriorated patient needs instead"
    )


class Readmission(Strict):
    """How the chance of an emergency readmission within 30 days varies."""

    pathway_factor: dict[Pathway, NonNegative] = Field(
        default_factory=dict,
        description=(
            "Multiplies a segment's readmission_probability for patients discharged on each "
            "pathway (omitted pathways: 1)"
        ),
    )
    coordinated_factor: NonNegative = Field(
        default=1.0,
        description=(
            "Multiplies the chance for patients whose care one named person coordinated (the "
            "joint emergency team, case management)"
        ),
    )
    mean_days_to_readmission: Positive = Field(
        default=10.0,
        description="Mean time from discharge to readmission: exponential, cut at 30 days",
    )


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
