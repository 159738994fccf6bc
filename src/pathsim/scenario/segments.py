"""Population segments and the shape of their demand: who arrives, how often, when, how ill,
and where they go after the ward; with the arithmetic that splits a segment's attendances into
first crises and the readmissions they include."""

from __future__ import annotations

import math

from pydantic import Field, field_validator

from pathsim.scenario.distributions import Distribution
from pathsim.scenario.models_base import (
    MAX_POPULATION,
    TOLERANCE,
    Count,
    NonNegative,
    Pathway,
    Positive,
    Probability,
    Share,
    Strict,
    sums_to_one,
)
from pathsim.scenario.services import Readmission

__all__ = ["ArrivalProfile", "Segment", "readmission_chance", "readmissions_and_ed_admissions"]


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


def readmission_chance(segment: Segment, readmission: Readmission, pathway: Pathway) -> float:
    """Chance of a readmission within 30 days after an overnight stay on ``pathway``, before
    the factor for co-ordinated care."""
    base = segment.readmission_probability
    return min(1.0, base * readmission.pathway_factor.get(pathway, 1.0))


def readmissions_and_ed_admissions(
    segment: Segment, readmission: Readmission
) -> tuple[float, float]:
    """The readmissions a year that ``segment``'s figures imply (the readmission chance,
    averaged over pathways, times the overnight admissions), and its A&E admissions a year."""
    p = sum(
        share * readmission_chance(segment, readmission, pathway)
        for pathway, share in segment.discharge_pathway_share.items()
    )
    ed_admissions = segment.ed_attendances_per_year * segment.admission_probability
    overnight = (ed_admissions + segment.direct_admissions_per_year) * (
        1 - segment.same_day_probability
    )
    return p * overnight, ed_admissions
