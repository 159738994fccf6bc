"""The front end of urgent and emergency care under pressure: ambulances handing patients over
at A&E, patients who leave A&E before being seen, and same-day emergency care (SDEC).

Each block is off unless ``enabled``; switched off, the model is exactly as without it. The
defaults of the numbers are the figures of docs/sources/published-figures.md (section 13) or
are marked ASSUMPTION in the field's description.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from pathsim.scenario.distributions import Distribution, Exponential, Gamma, LogNormal
from pathsim.scenario.models_base import (
    MAX_CAPACITY,
    Count,
    NonNegative,
    Positive,
    Probability,
    Strict,
)

TriageCategory = Annotated[int, Field(ge=1, le=5)]
"""A triage category, 1 (immediate) to 5 (non-urgent)."""


def _categories(v: list[int]) -> list[int]:
    if len(set(v)) != len(v):
        raise ValueError(f"each triage category may be listed once; got {v}")
    return sorted(v)


class AmbulanceHandover(Strict):
    """Ambulances handing their patients over to A&E.

    A patient arriving by ambulance (each segment's ``ambulance_share``) joins the line for a
    cubicle at once, in the order A&E serves it, and the crew stays with them until A&E takes
    them: into a cubicle, or onto one of the department's ``handover_spaces`` (ambulance
    handover or trolley spaces where handed-over patients wait for a cubicle, taken by crews
    first come first served). The handover itself then takes ``handover_minutes``. Triage
    category 1 (resuscitation) is taken at once and goes first in the line for a cubicle.
    """

    enabled: bool = Field(default=False, description="Whether ambulance handover is modelled")
    handover_spaces: Count = Field(
        default=6,
        ge=0,
        le=MAX_CAPACITY,
        description=(
            "Ambulance handover (trolley) spaces in A&E where handed-over patients wait for a "
            "cubicle; with none free and no cubicle, the crew waits with the patient. "
            "ASSUMPTION (no national figure found)"
        ),
    )
    handover_minutes: Distribution = Field(
        default=Gamma(distribution="gamma", mean=10.0, sd=5.0),
        description=(
            "Time the clinical handover itself takes once A&E can take the patient (counted "
            "in the handover time). ASSUMPTION: about 10 minutes, so that an unhurried "
            "handover meets the 15-minute standard"
        ),
    )


class LeftBeforeSeen(Strict):
    """Patients who leave A&E while waiting for a cubicle.

    Each patient's patience is drawn at arrival (its own stream, so the same patients in
    every configuration): a Weibull time whose scale is set by ``share_leaving_by_4h`` and
    whose shape is ``patience_shape``. A walk-in patient of one of ``triage_categories`` who
    has not been seen when their patience runs out leaves (ambulance patients do not). A share
    of those who leave come back later as a new attendance.
    """

    enabled: bool = Field(default=False, description="Whether patients may leave before being seen")
    share_leaving_by_4h: Probability = Field(
        default=0.5,
        lt=1.0,
        description=(
            "Share of eligible patients who would have left by the time they had waited 4 "
            "hours for a cubicle (the patience distribution at 4 hours). ASSUMPTION, set so "
            "that 2-3% of the fragmented base's attendances leave before being seen, as "
            "nationally (about 3%) [13.4]"
        ),
    )
    patience_shape: Positive = Field(
        default=1.0,
        le=10.0,
        description=(
            "Weibull shape of the patience: 1, a constant chance per hour of waiting; above 1, "
            "the chance per hour rises as the wait grows. ASSUMPTION"
        ),
    )
    triage_categories: list[TriageCategory] = Field(
        default=[3, 4, 5],
        description=(
            "Triage categories whose walk-in patients may leave. ASSUMPTION: those who leave "
            "are mostly of lower urgency [13.5]"
        ),
    )
    return_share: Probability = Field(
        default=0.25,
        description=(
            "Share of those who leave who come back as a new A&E attendance [13.5: about 27% "
            "returned to an ED or hospital for the same complaint within 3 weeks]"
        ),
    )
    return_after_hours: Distribution = Field(
        default=Exponential(distribution="exponential", mean=48.0),
        description=(
            "Time from leaving to coming back [13.5: 78% of ED returns within 72 hours, an "
            "exponential of mean about 48 hours]"
        ),
    )

    _sorted = field_validator("triage_categories")(_categories)


class SameDayEmergencyCare(Strict):
    """Same-day emergency care (SDEC) and acute assessment: places open part of the day for
    same-day (zero-night) emergency admissions, run by A&E's organisation.

    A&E patients whose decision is a same-day admission hold their cubicle until a place is
    free and SDEC is open; same-day admissions referred directly (GP, NHS 111) wait for a place
    without a cubicle. Optionally, a share of walk-in and ambulance patients of some triage
    categories are streamed from A&E's front door straight to SDEC while it is open and has a
    free place: their stay replaces the A&E assessment, and those who need an overnight bed
    wait for it in the SDEC place.
    """

    enabled: bool = Field(default=False, description="Whether SDEC is modelled")
    places: Count = Field(
        default=20,
        ge=0,
        le=MAX_CAPACITY,
        description="Chairs and trolleys in SDEC and acute assessment. ASSUMPTION",
    )
    open_hour: NonNegative = Field(
        default=8,
        lt=24,
        description=(
            "Opening time (hour of day); no patient starts a stay while closed [13.6: at "
            "least 12 hours a day, 7 days a week]"
        ),
    )
    close_hour: Positive = Field(
        default=20, le=24, description="Closing time (hour of day); patients in SDEC stay on"
    )
    stay_hours: Distribution = Field(
        default=LogNormal(distribution="lognormal", mean=5.0, sd=3.0),
        description="Time a patient holds an SDEC place. ASSUMPTION",
    )
    cost_per_attendance_gbp: NonNegative = Field(
        default=0.0, description="Cost of an SDEC attendance (at the scenario's price_year)"
    )
    streamed_share_walk_in: Probability = Field(
        default=0.0,
        description=(
            "Share of walk-in A&E arrivals of the streamed triage categories sent straight to "
            "SDEC while it is open and has a free place"
        ),
    )
    streamed_share_ambulance: Probability = Field(
        default=0.0,
        description=(
            "Share of ambulance arrivals of the streamed triage categories conveyed straight "
            "to SDEC while it is open and has a free place"
        ),
    )
    streamed_triage_categories: list[TriageCategory] = Field(
        default=[3, 4],
        description="Triage categories that may be streamed to SDEC. ASSUMPTION",
    )

    _sorted = field_validator("streamed_triage_categories")(_categories)

    @model_validator(mode="after")
    def _check(self) -> SameDayEmergencyCare:
        if self.close_hour <= self.open_hour:
            raise ValueError(
                f"close_hour ({self.close_hour}) must be after open_hour ({self.open_hour})"
            )
        if self.enabled and self.places < 1:
            raise ValueError("an enabled SDEC needs at least one place")
        return self
