"""Deconditioning while waiting in a bed for care at home.

Each patient carries, from arrival, an exponential draw E (mean 1). A patient waiting in bed
for one of the scenario's ``from_services`` has deteriorated once the wait since being declared
fit, times the hazard, exceeds E: a constant hazard whose chance over one day is the
scenario's ``daily_chance``. It is found when the place comes free: the patient gives the place
up and is referred on again, to the service they now need, still in their bed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pathsim.model.context import RunContext
from pathsim.model.patients import Patient
from pathsim.model.service import MILESTONE
from pathsim.scenario.models import Deterioration

if TYPE_CHECKING:
    from pathsim.model.ward import AcuteWardService


class DeteriorationCheck:
    """Decides, when a waited-for place comes free, whether the patient now needs more."""

    def __init__(
        self,
        ctx: RunContext,
        spec: Deterioration,
        segments: set[int] | None,
        to_service: int,
        ward: AcuteWardService,
    ) -> None:
        self.ctx = ctx
        self.hazard = -math.log1p(-spec.daily_chance) if spec.daily_chance < 1 else math.inf
        self.segments = segments
        self.to_service = to_service
        self.ward = ward
        self.count = 0

    def deteriorated(self, p: Patient) -> bool:
        """Whether a bed patient now granted a place has deteriorated while waiting."""
        if p.holder is not self.ward:
            return False
        if self.segments is not None and p.segment not in self.segments:
            return False
        return (self.ctx.env.now - p.t_fit) * self.hazard > p.deteriorate_t

    def refer_again(self, p: Patient) -> None:
        if self.ctx.collecting:
            self.count += 1
        if self.ctx.log is not None:
            self.ctx.log.add(p.pid, MILESTONE, "deteriorated", self.ward.name)
        self.ward.refer_again(p, self.to_service)
