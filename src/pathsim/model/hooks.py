"""The small interfaces through which one component asks another, so that no component
module imports another's: the journey asks these, and an absent component is a null object
that answers "no" (see each component's module for its own null object).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from pathsim.model.patients import Patient
from pathsim.model.places import Places, Waiting


class Admits(Protocol):
    """Where a patient holding a place asks for an acute bed (the ward)."""

    def admit(self, p: Patient) -> None: ...


class StepUp(Protocol):
    """Takes a patient at a decision to admit instead of a bed (virtual wards)."""

    def would_take(self, p: Patient) -> bool: ...

    def step_up(self, p: Patient) -> None: ...


class StepDown(Protocol):
    """Takes a bed patient before they are fit (virtual wards)."""

    bed_days_saved: float
    """Days before being fit that a stepped-down patient leaves the bed."""

    def wants_step_down(self, p: Patient) -> bool: ...

    def has_room(self) -> bool: ...

    def step_down(self, p: Patient) -> None: ...


class LiaisonWaits(Protocol):
    """How long a patient waits for a mental health assessment (0 without a need)."""

    def in_ed(self, p: Patient) -> float: ...

    def on_ward(self, p: Patient) -> float: ...


class Holder(Protocol):
    """A service holding a patient while the patient waits for the next one's place."""

    def handover(self, p: Patient) -> None:
        """The next service took the patient: the place held here is freed."""
        ...

    def refer_again(self, p: Patient, service: int) -> None:
        """The patient, still held here, now needs onward service number ``service``."""
        ...


class Deteriorates(Protocol):
    """Decides, when a waited-for place comes free, whether the patient now needs more."""

    def deteriorated(self, p: Patient) -> bool: ...

    def refer_again(self, p: Patient) -> None: ...


class Discharged(Protocol):
    """Told of every patient leaving hospital care for home or onward care."""

    def after_discharge(self, p: Patient) -> None: ...


Leaves = Callable[[Patient], None]
"""Told when a planned patient's stay is over."""


class PlannedBeds(Protocol):
    """A ward that takes a planned (elective) patient only if a bed is free at once."""

    def try_admit_planned(self, p: Patient, leaves: Leaves) -> bool:
        """Admits ``p`` now if a bed is free and no emergency patient waits for one (True),
        else does nothing (False); ``leaves(p)`` is called when the stay is over."""
        ...


class HomeTiming(Protocol):
    """When a medically fit patient going home leaves (the discharge day and time)."""

    def ready_time(self, t_fit: float, u_day: float, u_hour: float) -> float: ...


class EscalatedWard(Protocol):
    """What escalation changes on the ward: its number of beds, and when patients go home."""

    places: Places
    """The ward's beds (escalation opens and closes some)."""
    beds: int
    """The ward's own beds, without escalation beds."""
    home_timing: HomeTiming | None
    """The discharge timing of patients going home now (None: they leave when fit)."""

    def set_home_timing(self, timing: HomeTiming | None) -> None:
        """Patients going home follow ``timing`` from now on (fit patients waiting to go home
        leave at the new time if it is earlier)."""
        ...


class PlannedList(Protocol):
    """Planned admissions that escalation can cancel (elective inpatients)."""

    @property
    def cancelled_by_escalation(self) -> int:
        """Admissions escalation cancelled in the results period."""
        ...

    def cancel_share(self, share: float) -> None:
        """From now on, cancel this share of each day's planned admissions."""


class InCubicle(Protocol):
    """Told when an A&E patient gets a cubicle (ambulance handover: the crew can go)."""

    def in_cubicle(self, p: Patient) -> None: ...


class Patience(Protocol):
    """Decides whether a patient waiting for an A&E cubicle leaves before being seen."""

    def waiting(
        self, p: Patient, entry: Waiting, leave: Callable[[Patient, Waiting], bool]
    ) -> None:
        """``p`` joined the line for a cubicle (``entry``). If they give up, this calls
        ``leave(p, entry)``, which is False when they had been seen meanwhile."""
        ...


class SameDayCare(Protocol):
    """Where a same-day emergency admission decided in A&E goes (same-day emergency care)."""

    def admit_same_day(self, p: Patient, leave_cubicle: Callable[[Patient], None]) -> bool:
        """Takes ``p`` (True), calling ``leave_cubicle(p)`` when they move out of their A&E
        cubicle; False: the patient is not taken (they go home from A&E, as before)."""
        ...
