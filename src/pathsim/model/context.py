"""What every component of one replication shares: the SimPy environment, the calendar, the
start of the results period and the (optional) event log."""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from pathsim.model.clock import Clock, call_at
from pathsim.model.eventlog import EventLog
from pathsim.model.monitors import Tally

OTHER_ID_BASE = 1_000_000_000
WINDOW_DAYS = 90.0
"""Length of the window after a crisis in which days at home are counted."""


class Window:
    """Time away from home (in A&E, an acute bed, a community bed or a care home) in the
    90 days after one person's crisis; readmissions of the person add to the same window."""

    __slots__ = ("away", "since", "start")

    def __init__(self, start: float) -> None:
        self.start = start
        self.away = 0.0
        self.since = -1.0
        """When the current time away began; negative while the person is at home."""


@dataclass(frozen=True)
class Calendar:
    """Maps simulation time (days from the start of the run) to weekdays and months."""

    start_date: dt.date

    def weekday(self, day: int) -> int:
        """0 = Monday ... 6 = Sunday."""
        return (self.start_date.weekday() + day) % 7

    def month(self, day: int) -> int:
        """0 = January ... 11 = December."""
        return (self.start_date + dt.timedelta(days=day)).month - 1


@dataclass
class RunContext:
    """Shared state of one replication (never shared between replications)."""

    env: Clock
    calendar: Calendar
    results_from: float
    """Simulation time at which the warm-up ends and results start being collected."""
    end: float
    """Simulation time at which the run stops."""
    log: EventLog | None = None
    collecting: bool = False
    """True once the warm-up is over (set by an event at ``results_from``)."""
    next_patient_id: int = field(default=0)
    next_other_id: int = field(default=OTHER_ID_BASE)
    created: int = 0
    """Patients created so far (arrivals, community referrals and initial occupants)."""
    exited: int = 0
    """Patients who have left the modelled system."""

    emergency_admissions: int = 0
    """Emergency admissions in the results period, from A&E and direct (same-day included)."""
    admissions_avoided: int = 0
    """Crises that would have needed an overnight bed, kept at home in the results period (by
    any component that does so)."""
    episodes: int = 0
    """Crisis episodes ended in the results period."""
    _handoffs: list[int] = field(default_factory=lambda: [0, 0])
    _assessments: list[int] = field(default_factory=lambda: [0, 0])
    _coordinated: int = 0
    _windows: deque[tuple[float, Window]] = field(default_factory=deque)
    """Open 90-day windows that close before the end of the run, with their closing times."""

    days_at_home: Tally = field(default_factory=Tally)
    """Days at home in the 90 days after a crisis that needed an overnight bed, for crises in
    the results period whose window ended before the end of the run."""

    def open_window(self, p: Any) -> None:
        """Starts the 90-day window of a crisis that needed an overnight bed (as drawn at
        arrival: the same people in every configuration)."""
        now = self.env.now
        window = Window(now)
        p.window = window
        closes = now + WINDOW_DAYS
        if closes <= self.end:
            # Windows close in the order they open, so one scheduled event (for the first to
            # close) serves them all and the event queue stays short.
            if not self._windows:
                call_at(self.env, closes, self._close_window)
            self._windows.append((closes, window))

    def away(self, p: Any, away: bool) -> None:
        """The person leaves home (``away``) or comes back; no-op outside a window."""
        window: Window | None = p.window
        if window is None:
            return
        now = self.env.now
        if away:
            if window.since < 0:
                window.since = now
        elif window.since >= 0:
            window.away += now - window.since
            window.since = -1.0

    def _close_window(self, _value: object = None) -> None:
        windows = self._windows
        _, window = windows.popleft()
        if windows:
            call_at(self.env, windows[0][0], self._close_window)
        away = window.away
        if window.since >= 0:
            away += self.env.now - window.since
        self.days_at_home.record(WINDOW_DAYS - away)

    def end_episode(self, handoffs: int, assessments: int, coordinated: bool) -> None:
        """A crisis episode has ended (home, or on to onward care). Counts are whole numbers,
        so they are summed exactly as integers (a float sum of them would be the same)."""
        if self.collecting:
            self.episodes += 1
            h = self._handoffs
            h[0] += handoffs
            h[1] += handoffs * handoffs
            a = self._assessments
            a[0] += assessments
            a[1] += assessments * assessments
            if coordinated:
                self._coordinated += 1

    def _episode_tally(self, total: int, total_sq: int) -> Tally:
        return Tally.from_sums(self.episodes, float(total), float(total_sq))

    @property
    def episode_handoffs(self) -> Tally:
        """Hand-offs between organisations per crisis episode ended in the results period."""
        return self._episode_tally(*self._handoffs)

    @property
    def episode_assessments(self) -> Tally:
        """Assessments per crisis episode ended in the results period."""
        return self._episode_tally(*self._assessments)

    @property
    def episode_coordinated(self) -> Tally:
        """1 for each crisis episode coordinated by one named person, 0 otherwise."""
        return self._episode_tally(self._coordinated, self._coordinated)

    def new_patient_id(self) -> int:
        """Id of a crisis arrival (A&E or direct admission): 1, 2, ... in arrival order, so the
        same patient has the same id in every configuration run with the same seed.
        (``PoissonSource._arrive`` does the same inline, on its hot path: change both.)"""
        self.next_patient_id += 1
        self.created += 1
        return self.next_patient_id

    def new_other_id(self) -> int:
        """Id of someone already in a service at the start, or referred from the community:
        numbered from OTHER_ID_BASE + 1 so they never shift the ids of crisis arrivals."""
        self.next_other_id += 1
        self.created += 1
        return self.next_other_id
