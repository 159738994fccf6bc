"""Emergency readmissions within 30 days of leaving hospital.

Whether a discharged patient comes back, and when, is decided by two draws made for each
patient at arrival (so the same patients are readmitted in every configuration unless the
chance itself changes, e.g. with co-ordinated care). A readmission is a new crisis of the same
person: it arrives through the segment's A&E front door, is admitted, and counts towards the
same 90-day days-at-home window. Its clinical course is drawn from the segment's own
readmission stream.
"""

from __future__ import annotations

import math

from pathsim.model.clock import call_after
from pathsim.model.component import Component, FrontDoors, Results, ratio
from pathsim.model.context import RunContext
from pathsim.model.patients import (
    PATHWAYS,
    ClinicalDraws,
    ClinicalRow,
    OnwardChoice,
    Patient,
    Route,
    clinical_rows,
)
from pathsim.model.streams import Streams
from pathsim.scenario.models import Scenario

READMISSION_WINDOW_DAYS = 30.0
BATCH = 64

KPIS: dict[str, str] = {
    "readmissions_30d": (
        "Emergency readmissions within 30 days of leaving hospital care (a bed or a virtual "
        "ward), arriving in the results period"
    ),
    "readmission_rate_30d": (
        "Readmissions within 30 days per discharge after an overnight stay (results period)"
    ),
}
"""The KPIs readmissions report, with their descriptions."""


class Readmissions(Component):
    """Schedules readmissions of discharged patients and sends them back in."""

    name = "readmissions"

    def __init__(
        self,
        ctx: RunContext,
        scenario: Scenario,
        streams: Streams,
        choices: dict[int, OnwardChoice],
        doors: FrontDoors,
    ) -> None:
        """A readmission arrives through its segment's A&E front door in ``doors``, as the
        doors are when it arrives."""
        self.ctx = ctx
        self.doors = doors
        names = list(scenario.segments)
        self.chance = [
            [scenario.readmission_probability(name, pw) for pw in PATHWAYS] for name in names
        ]
        self.any = any(c > 0 for row in self.chance for c in row)
        self.coordinated_factor = scenario.readmission.coordinated_factor
        mean = scenario.readmission.mean_days_to_readmission
        self.mean = mean
        self.cut = 1.0 - math.exp(-READMISSION_WINDOW_DAYS / mean)
        self.draws = [
            ClinicalDraws(
                streams, f"segment.{name}.readmission", scenario.segments[name], choices, True
            )
            for name in names
        ]
        self._rows: list[list[ClinicalRow]] = [[] for _ in names]
        self.readmissions = 0
        self.discharges = 0
        """Discharges after an overnight stay in the results period (the rate's denominator)."""

    def after_discharge(self, p: Patient) -> None:
        """A patient has left hospital care (a bed or a virtual ward) for home or onward care."""
        if p.segment < 0:
            return
        if self.ctx.collecting:
            self.discharges += 1
        if not self.any:
            return
        chance = self.chance[p.segment][p.pathway]
        if p.coordinated:
            chance = min(1.0, chance * self.coordinated_factor)
        if p.readmit_u >= chance:
            return
        # Exponential with the given mean, cut at 30 days (inverse of the truncated CDF).
        delay = -self.mean * math.log(1.0 - p.readmit_t * self.cut)
        call_after(self.ctx.env, delay, self._return, p)

    def _next_row(self, segment: int) -> ClinicalRow:
        rows = self._rows[segment]
        if not rows:
            rows.extend(reversed(clinical_rows(self.draws[segment].draw(BATCH))))
        return rows.pop()

    def _return(self, old: Patient) -> None:
        q = Patient(
            self.ctx.new_other_id(),
            old.segment,
            Route.ED,
            self.ctx.env.now,
            self._next_row(old.segment),
        )
        q.window = old.window
        if self.ctx.collecting:
            self.readmissions += 1
        self.doors.ed[old.segment](q)

    def kpis(self, results: Results) -> dict[str, float]:
        return {
            "readmissions_30d": float(self.readmissions),
            "readmission_rate_30d": ratio(self.readmissions, self.discharges),
        }
