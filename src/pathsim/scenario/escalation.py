"""Escalation as trusts run it: operational pressures escalation levels (OPEL) 1-4 and the
actions each level switches on.

In the style of NHS England's OPEL framework (2023/24; now the integrated OPEL framework 2024
to 2026, https://www.england.nhs.uk/long-read/integrated-opel-framework-2024-to-2026/), an
acute trust measures a set of pressure parameters (bed occupancy, A&E crowding, long waits,
ambulance handovers, patients fit to leave), turns them into a level from 1 (flow maintained)
to 4 (care and safety at risk), and each level has actions. The framework's own parameter
weights and score bands were not read: every threshold here is an ASSUMPTION to be set
locally.

The escalation component checks the measures every ``check_interval_hours``. Each measure
calls for a level by its thresholds; the level is the highest any measure calls for
(``combine: highest``) or comes from a weighted score (``combine: weighted_score``, as the
OPEL framework scores its parameters). The level rises at the check that calls for more; it
falls only when every check for ``step_down_after_hours`` has called for less (hysteresis:
opening beds and cancelling operations are not undone at the first quiet hour). An action is
in force while the level is at or above its ``from_level``. Off unless ``enabled``.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from pathsim.scenario.distributions import Count, NotBool
from pathsim.scenario.models_base import (
    MAX_CAPACITY,
    MAX_DAYS,
    NonNegative,
    Positive,
    Probability,
    Share,
    Strict,
)

MEASURE_PATTERN = r"^[a-z][a-z0-9_]{0,39}\.[a-z][a-z0-9_]{0,59}$"
Measure = Annotated[str, Field(pattern=MEASURE_PATTERN)]
"""A pressure measure's name: ``<component name>.<metric>``, e.g. ``acute_ward.occupancy``."""

Level = Annotated[int, Field(ge=2, le=4), NotBool]


def _non_decreasing(values: list[float], what: str) -> list[float]:
    if any(b < a for a, b in itertools.pairwise(values)):
        raise ValueError(f"{what} must not decrease from one level to the next; got {values}")
    return values


class Trigger(Strict):
    """The levels one pressure measure calls for."""

    level_thresholds: list[NonNegative] = Field(
        min_length=3,
        max_length=3,
        description=(
            "Values of the measure at or above which it calls for OPEL 2, 3 and 4 (not "
            "decreasing); below the first it calls for OPEL 1"
        ),
    )
    weight: Positive = Field(
        default=1.0, description="Weight of the measure in the weighted score (combine)"
    )

    @field_validator("level_thresholds")
    @classmethod
    def _order(cls, v: list[float]) -> list[float]:
        return _non_decreasing(v, "level_thresholds")


class Action(Strict):
    """An action in force while the level is at or above ``from_level``."""

    from_level: Level = Field(default=3, description="Lowest OPEL level at which it is in force")


class OpenEscalationBeds(Action):
    """Surge (escalation) beds added to the ward while in force: waiting patients take them at
    once; when the action ends they close as they empty (nobody is moved)."""

    beds: Count = Field(
        default=20,
        ge=1,
        le=MAX_CAPACITY,
        description="Beds opened (ASSUMPTION: an escalation ward, about 3% of a 600-bed pool)",
    )
    cost_per_bed_day_gbp: NonNegative = Field(
        default=250.0,
        description=(
            "Staffing premium per open escalation bed day (agency and bank staff), on top of "
            "the ward's cost of an occupied bed day (ASSUMPTION)"
        ),
    )


class BoardOnWards(Action):
    """Extra beds in ward corridors (boarding on wards) while in force, closed as they empty."""

    from_level: Level = Field(default=4, description="Lowest OPEL level at which it is in force")
    beds: Count = Field(
        default=20,
        ge=1,
        le=MAX_CAPACITY,
        description="Extra corridor beds (ASSUMPTION: about one on each ward of a 600-bed pool)",
    )
    cost_per_bed_day_gbp: NonNegative = Field(
        default=0.0,
        description=(
            "Cost per open corridor bed day beyond the occupied bed day (ASSUMPTION: none; "
            "existing ward staff absorb it)"
        ),
    )


class ExpediteDischarges(Action):
    """While in force, patients going home (P0) follow another discharge timing: weekend and
    evening discharges, a discharge lounge. Fit patients already waiting to go home leave at
    the new time if it is earlier."""

    day_of_week_factor: list[Positive] = Field(
        default_factory=lambda: [1.0] * 7,
        min_length=7,
        max_length=7,
        description=(
            "Relative discharges Monday to Sunday while in force (default: every day as the "
            "busiest, ASSUMPTION)"
        ),
    )
    window_start_hour: NonNegative = Field(
        default=8.0,
        lt=24,
        description="Earliest discharge time of day while in force (ASSUMPTION: 08:00)",
    )
    window_end_hour: Positive = Field(
        default=22.0,
        le=24,
        description=(
            "Latest discharge time of day while in force (ASSUMPTION: 22:00, evening "
            "discharges through a discharge lounge)"
        ),
    )
    cost_per_day_gbp: NonNegative = Field(
        default=0.0,
        description="Cost per day in force (discharge lounge, weekend teams; ASSUMPTION: none)",
    )

    @model_validator(mode="after")
    def _window(self) -> ExpediteDischarges:
        if self.window_end_hour <= self.window_start_hour:
            raise ValueError(
                f"window_end_hour ({self.window_end_hour}) must be after window_start_hour "
                f"({self.window_start_hour})"
            )
        return self


class CancelElectives(Action):
    """While in force, a share of the day's planned elective admissions is cancelled (and
    rebooked on the waiting list) before any bed is asked for."""

    from_level: Level = Field(default=4, description="Lowest OPEL level at which it is in force")
    share: Probability = Field(
        default=0.8,
        description=(
            "Share of the day's planned admissions cancelled (ASSUMPTION: all but urgent and "
            "cancer operations)"
        ),
    )
    cost_per_cancellation_gbp: NonNegative = Field(
        default=0.0,
        description="Cost of an operation cancelled by escalation (ASSUMPTION: none)",
    )


class DivertAmbulances(Action):
    """While in force, a share of ambulance arrivals is taken to another trust (they leave
    the modelled system at the A&E front door, before any handover queue)."""

    from_level: Level = Field(default=4, description="Lowest OPEL level at which it is in force")
    share: Probability = Field(
        default=0.1,
        description="Share of ambulance arrivals diverted (ASSUMPTION)",
    )
    cost_per_diversion_gbp: NonNegative = Field(
        default=0.0,
        description=(
            "Cost to this system of a diverted ambulance (ASSUMPTION: none; the receiving "
            "trust is paid as for any attendance)"
        ),
    )


class EscalationActions(Strict):
    """The actions escalation can take; each is off unless given."""

    open_escalation_beds: OpenEscalationBeds | None = Field(
        default=None, description="Surge beds added to the ward"
    )
    board_on_wards: BoardOnWards | None = Field(
        default=None, description="Extra beds in ward corridors"
    )
    expedite_discharges: ExpediteDischarges | None = Field(
        default=None, description="Another discharge timing for patients going home"
    )
    cancel_electives: CancelElectives | None = Field(
        default=None, description="Planned elective admissions cancelled"
    )
    divert_ambulances: DivertAmbulances | None = Field(
        default=None, description="A share of ambulance arrivals taken to another trust"
    )


class Escalation(Strict):
    """OPEL-style escalation: pressure measures, levels 1-4 and the actions of each level."""

    enabled: bool = Field(default=False, description="Whether escalation is modelled")
    check_interval_hours: Positive = Field(
        default=1.0,
        le=24 * 7,
        description=(
            "Hours between checks of the measures (ASSUMPTION: hourly, as a site team watches them)"
        ),
    )
    step_down_after_hours: NonNegative = Field(
        default=24.0,
        le=MAX_DAYS * 24,
        description=(
            "The level falls only when every check for this many hours has called for a lower "
            "one (then to the highest level those checks called for); it rises at once. "
            "ASSUMPTION: 24 hours, so that a level called for at the morning bed meeting holds "
            "for the day (a shorter time makes the level follow the daily cycle of discharges)"
        ),
    )
    combine: Literal["highest", "weighted_score"] = Field(
        default="highest",
        description=(
            "highest: the level is the highest any measure calls for; weighted_score: each "
            "measure scores (its level - 1) / 3 times its weight, and the weighted mean score "
            "gives the level by score_thresholds"
        ),
    )
    score_thresholds: list[Share] = Field(
        default_factory=lambda: [0.25, 0.5, 0.75],
        min_length=3,
        max_length=3,
        description=(
            "Weighted mean scores (0-1) at or above which the level is OPEL 2, 3 and 4 "
            "(combine: weighted_score; ASSUMPTION)"
        ),
    )
    measures: dict[Measure, Trigger] = Field(
        default_factory=dict,
        description=(
            "The pressure measures, by name '<component>.<metric>' (e.g. acute_ward.occupancy, "
            "ed.boarders), with the thresholds of each level; see docs/model.md for the "
            "measures each component has"
        ),
    )
    actions: EscalationActions = Field(
        default_factory=EscalationActions, description="What each level does"
    )

    @field_validator("score_thresholds")
    @classmethod
    def _scores(cls, v: list[float]) -> list[float]:
        return _non_decreasing(v, "score_thresholds")

    @model_validator(mode="after")
    def _needs_measures(self) -> Escalation:
        if self.enabled and not self.measures:
            raise ValueError(
                "enabled escalation needs at least one entry in measures (e.g. "
                "acute_ward.occupancy: {level_thresholds: [0.92, 0.95, 0.98]})"
            )
        return self
