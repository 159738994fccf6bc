"""Proactive care: case management of the highest-risk segment, in front of its crises.

Built only when the ``proactive_care`` lever is on. Each patient of the segment carries a
draw made at arrival from its own stream; a crisis whose draw falls below the lever's
``crisis_reduction`` never happens (it is counted as prevented), so the patients who remain
are exactly those of the base system. Case-managed patients have a named coordinator.
"""

from __future__ import annotations

from collections.abc import Callable

from pathsim.model.context import RunContext
from pathsim.model.patients import Patient
from pathsim.scenario.integration import ProactiveCare

Entry = Callable[[Patient], None]


class CaseManagement:
    """Stands in front of the case-managed segment's entries (A&E and direct admission)."""

    def __init__(self, ctx: RunContext, spec: ProactiveCare) -> None:
        self.ctx = ctx
        self.reduction = spec.crisis_reduction
        self.prevented = 0

    def in_front_of(self, entry: Entry) -> Entry:
        """The entry that case management puts in front of ``entry``."""

        def arrive(p: Patient) -> None:
            if p.prevent_u < self.reduction:
                if self.ctx.collecting:
                    self.prevented += 1
                self.ctx.exited += 1  # created by its source, prevented at once
                return
            p.coordinated = True
            entry(p)

        return arrive
