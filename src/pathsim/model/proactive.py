"""Proactive care: case management of the highest-risk segment, in front of its crises.

Built only when the effective system has case management. Each patient of the segment
carries a draw made at arrival from its own stream; a crisis whose draw falls below the
lever's ``crisis_reduction`` never happens (it is counted as prevented), so the patients who
remain are exactly those of the base system. Case-managed patients have a named coordinator.
"""

from __future__ import annotations

from collections.abc import Mapping

from pathsim.model.component import Component, Cost, FrontDoors, Results
from pathsim.model.context import RunContext
from pathsim.model.patients import FrontDoor, Patient
from pathsim.scenario.integration import ProactiveCare

KPIS: dict[str, str] = {
    "crises_prevented": "Crises of the case-managed segment prevented by proactive care",
}
"""The KPI proactive care reports, with its description."""

NAME = "proactive_care"


class CaseManagement(Component):
    """Stands in front of the case-managed segment's entries (A&E and direct admission)."""

    door_position = 30
    """In front of every other door of its segment."""

    name = NAME

    def __init__(
        self, ctx: RunContext, spec: ProactiveCare, segment: int | None, people: int
    ) -> None:
        """``segment``: the number of the case-managed segment (None: none is), of
        ``people`` people."""
        self.ctx = ctx
        self.spec = spec
        self.reduction = spec.crisis_reduction
        self.segment = segment
        self.people = people
        self.prevented = 0

    def in_front_of(self, entry: FrontDoor) -> FrontDoor:
        """The entry that case management puts in front of ``entry``."""

        def arrive(p: Patient, referred_in: bool = False) -> None:
            if p.prevent_u < self.reduction:
                if self.ctx.collecting:
                    self.prevented += 1
                self.ctx.exited += 1  # created by its source, prevented at once
                return
            p.coordinated = True
            entry(p, referred_in)

        return arrive

    def front_doors(self, doors: FrontDoors) -> None:
        if self.segment is not None:
            doors.ed[self.segment] = self.in_front_of(doors.ed[self.segment])
            doors.direct[self.segment] = self.in_front_of(doors.direct[self.segment])

    def kpis(self, results: Results) -> dict[str, float]:
        return {"crises_prevented": float(self.prevented)}

    def costs(self, kpis: Mapping[str, float], results: Results) -> list[Cost]:
        """Every person of the segment, whether or not they have a crisis."""
        if self.segment is None:
            return []
        gbp = self.people * self.spec.cost_per_person_per_year_gbp * (results.days / 365.25)
        return [Cost(self.name, self.spec.organisation, gbp)]


class NoCaseManagement(Component):
    """No proactive care: no crisis is prevented."""

    name = NAME

    def kpis(self, results: Results) -> dict[str, float]:
        return {"crises_prevented": 0.0}
