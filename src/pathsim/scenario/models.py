"""The scenario language: strict pydantic models for a local health and care system.

A scenario describes the population and its demand (segments), the services with their
capacities and owning organisations, the discharge pathways that connect the acute ward to
onward care, and the run settings. It knows nothing of SimPy: the model package builds a
simulation from a validated ``Scenario``.

This module holds the top level (``Scenario``, its organisations and run settings); the
segments and their demand are in :mod:`pathsim.scenario.segments`, the services in
:mod:`pathsim.scenario.services`, the levers in :mod:`pathsim.scenario.integration`, and the
checks that one part names only what another defines in :mod:`pathsim.scenario.references`.

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

from pydantic import Field, field_validator, model_validator

from pathsim.scenario.electives import ElectiveInpatients
from pathsim.scenario.escalation import Escalation
from pathsim.scenario.gridlock import GridlockDetection
from pathsim.scenario.integration import Frictions, Integration
from pathsim.scenario.models_base import (
    MAX_DAYS,
    MAX_REPLICATIONS,
    Count,
    Name,
    Pathway,
    Payer,
    Probability,
    Strict,
    sums_to_one,
)
from pathsim.scenario.references import reference_problems
from pathsim.scenario.segments import (
    ArrivalProfile,
    Segment,
    readmission_chance,
    readmissions_and_ed_admissions,
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
from pathsim.scenario.uncertainty import FieldPath, Range
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
    gridlock: GridlockDetection = Field(
        default_factory=GridlockDetection,
        description="When a replication counts as gridlocked (a measure; changes no patient)",
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
    electives: ElectiveInpatients = Field(
        default_factory=ElectiveInpatients,
        description="Planned (elective) inpatients sharing the acute ward's beds; off by default",
    )
    escalation: Escalation = Field(
        default_factory=Escalation,
        description="OPEL-style escalation levels and the actions they switch on; off by default",
    )
    uncertainty: dict[FieldPath, Range] = Field(
        default_factory=dict,
        description=(
            "Ranges on uncertain numbers, by the field's dotted path (e.g. "
            "onward_services.home_care.capacity): what each could plausibly be. A plain run uses "
            "the fields' own values; ensembles, calibration and global sensitivity sample from "
            "the ranges (docs/reference/scenario.md, 'uncertainty')"
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
        """Every cross-reference check of :mod:`pathsim.scenario.references`, all problems in
        one error."""
        problems = reference_problems(self)
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
        return readmission_chance(self.segments[segment], self.readmission, pathway)

    def _readmissions_and_ed_admissions(self, segment: str) -> tuple[float, float]:
        return readmissions_and_ed_admissions(self.segments[segment], self.readmission)

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
