"""The services of a scenario: A&E, the acute ward and its discharge timing, onward care after
hospital, mental health liaison, deterioration while waiting and readmission."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from pathsim.scenario.distributions import Distribution
from pathsim.scenario.models_base import (
    MAX_CAPACITY,
    TOLERANCE,
    Count,
    Name,
    NonNegative,
    Pathway,
    Positive,
    Probability,
    Share,
    Strict,
)


def _occupancy_start(value: Any) -> Any:
    """A share of places from 0 to 1, or the word ``equilibrium``, with one message for
    anything else (rather than one per member of the union)."""
    if value == "equilibrium" and isinstance(value, str):
        return value
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not 0 <= value <= 1:
        raise ValueError(
            "must be a share of the places from 0 to 1, or the word 'equilibrium' (the places "
            "the scenario's flows keep in use)"
        )
    return float(value)


OccupancyStart = Annotated[float | Literal["equilibrium"], BeforeValidator(_occupancy_start)]
"""Places in use when the run starts: a share of them, or ``equilibrium``."""


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
    transfer_hours: Distribution | None = Field(
        default=None,
        description=(
            "Time from a bed being given to an admitted patient waiting in A&E (or same-day "
            "emergency care) to the patient arriving in it: finding the right ward, the "
            "handover and the move. The patient keeps their A&E place and the bed is held for "
            "them meanwhile. Omitted: at once"
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
    fixed_share_of_bed_day_cost: Probability = Field(
        default=0.0,
        description=(
            "Share of cost_per_bed_day_gbp paid for every open bed whether or not it is "
            "occupied (ward staffing, overheads); the rest is paid per occupied bed day, and a "
            "delayed bed day costs at least the fixed part. A bed day freed but kept open "
            "then saves only its variable part in cash; the fixed part of empty beds is "
            "empty_bed_cost_gbp. 0: every bed day is paid only when used"
        ),
    )
    discharge_timing: DischargeTiming | None = Field(
        default=None,
        description="Weekend and time-of-day pattern of discharges; omit to discharge when fit",
    )


class SpotPurchase(Strict):
    """Places bought one at a time (spot purchase) beyond the service's contracted places.

    A person who finds every contracted place taken joins the line for one and, at the same
    time, the commissioner starts looking for a provider with room (brokerage): after a
    sourcing time drawn per person, a spot place is theirs if fewer than ``max_places`` are in
    use, else they also wait for one. Whichever comes first, a contracted place or a spot
    place, they take; a patient in a hospital bed keeps it meanwhile (a delayed discharge
    waiting for this service)."""

    sourcing_days: Distribution = Field(
        description=(
            "Time to find a provider with room for a person who found every contracted place "
            "taken (brokerage), drawn per person"
        )
    )
    max_places: Count = Field(
        ge=0,
        le=MAX_CAPACITY,
        description=(
            "Most spot-purchased places in use at once (the market, or the money, there is); "
            "beyond them people wait for a contracted or a spot place to free"
        ),
    )
    cost_per_day_gbp: NonNegative | None = Field(
        default=None,
        description=(
            "Cost of a spot place in use for a day; omitted: the service's cost_per_day_gbp"
        ),
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
    initial_occupancy_share: OccupancyStart = Field(
        default=0.0,
        description=(
            "Share of places in use when the run starts (0 to 1), or equilibrium: the places "
            "the scenario's flows keep in use once settled (inflow x mean length of stay, at "
            "most the capacity; docs/model.md)"
        ),
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
    spot_purchase: SpotPurchase | None = Field(
        default=None,
        description=(
            "Places bought one at a time beyond the contracted ones, after a sourcing time, "
            "when every contracted place is taken (needs when_full: wait); omitted: people wait "
            "for a contracted place however long it takes"
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

    @model_validator(mode="after")
    def _spot_needs_a_line(self) -> OnwardService:
        if self.spot_purchase is not None and self.when_full == "divert":
            raise ValueError(
                "spot_purchase needs when_full: wait (people who find the service full and "
                "divert never wait for a spot place): remove one of the two"
            )
        return self

    @property
    def places_at_most(self) -> int:
        """Contracted places plus the most spot places that can be in use."""
        spot = self.spot_purchase
        return self.capacity + (spot.max_places if spot is not None else 0)


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
