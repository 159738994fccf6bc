"""Elective (planned) inpatients, in the acute ward's beds or in beds of their own.

Planned admissions come on each weekday in the numbers the scenario gives, at one time of
day; each is admitted only if a bed is free at that moment, else the operation is cancelled
on the day and the patient goes back on the waiting list, which is worked down first come
first served. With ``ring_fenced_beds`` the electives have beds of their own (surgical and
elective wards that emergency patients do not use); without, they share the ward's beds and
an emergency patient waiting for a bed comes first. Off unless ``enabled``.
"""

from __future__ import annotations

from pydantic import Field

from pathsim.scenario.distributions import Count, Distribution, LogNormal
from pathsim.scenario.models_base import MAX_CAPACITY, NonNegative, Strict

DEFAULT_ADMISSIONS_PER_WEEKDAY = [38, 38, 38, 38, 38, 5, 5]
"""ASSUMPTION (not in the reference figures): about 200 overnight (ordinary) elective
admissions a week for 400,000 people, about 26 per 1,000 a year (England has on the order of
1.5 million ordinary elective admissions a year, a figure from memory, not verified), nearly
all on weekdays. With a mean stay of 3.5 days they use about 100 beds: the G&A beds outside
the emergency pool [9.2]."""


class ElectiveInpatients(Strict):
    """Planned overnight admissions to the acute ward's beds."""

    enabled: bool = Field(default=False, description="Whether elective inpatients are modelled")
    admissions_per_weekday: list[Count] = Field(
        default_factory=lambda: list(DEFAULT_ADMISSIONS_PER_WEEKDAY),
        min_length=7,
        max_length=7,
        description=(
            "Planned admissions booked for each weekday, Monday to Sunday (new patients added "
            "to the list each day). Default: about 200 a week for 400,000 people (ASSUMPTION)"
        ),
    )
    admission_hour: NonNegative = Field(
        default=12.0,
        lt=24,
        description=(
            "Time of day at which the day's planned patients need their beds; each is "
            "cancelled if no bed is free then. Default 12:00 (ASSUMPTION: the bed is needed "
            "after theatre, and whether the operation goes ahead is settled by midday)"
        ),
    )
    length_of_stay_days: Distribution = Field(
        default_factory=lambda: LogNormal(distribution="lognormal", mean=3.5, sd=4.0),
        description=(
            "Time in bed of an elective inpatient, admission to discharge home (drawn when the "
            "patient is booked, from its own stream). Default lognormal, mean 3.5, sd 4 "
            "(ASSUMPTION)"
        ),
    )
    catch_up_per_day: Count = Field(
        default=2,
        ge=0,
        le=MAX_CAPACITY,
        description=(
            "Extra patients from the waiting list that can be admitted each day beyond the "
            "day's planned number (extra lists), so that a backlog of cancelled patients is "
            "worked down; 0: the list never shrinks. Default 2 (ASSUMPTION)"
        ),
    )
    ring_fenced_beds: Count | None = Field(
        default=None,
        ge=1,
        le=MAX_CAPACITY,
        description=(
            "Beds kept for elective patients (elective and surgical wards): electives are "
            "admitted only to these and emergency patients never use them. Omitted: electives "
            "share the acute ward's beds, emergency patients first"
        ),
    )
    cost_per_bed_day_gbp: NonNegative = Field(
        default=0.0, description="Cost of an elective inpatient's bed day (at the price_year)"
    )
