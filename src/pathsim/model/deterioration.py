"""Deconditioning while waiting in a bed for care at home.

Each patient carries, from arrival, an exponential draw E (mean 1). A patient waiting in bed
for one of the scenario's ``from_services`` has deteriorated once the wait since being declared
fit, times the hazard, exceeds E: a constant hazard whose chance over one day is the
scenario's ``daily_chance``. It is found when the place comes free: the patient gives the place
up and is referred on again, to the service they now need, still in their bed.
"""

from __future__ import annotations

import math

from pathsim.model.component import Component, Results
from pathsim.model.context import RunContext
from pathsim.model.patients import Patient
from pathsim.model.service import MILESTONE, Service
from pathsim.scenario.models import Deterioration

KPIS: dict[str, str] = {
    "deteriorated_while_waiting": (
        "Patients who, waiting in bed for care at home, came to need the deterioration "
        "settings' to_service instead (found when the place came free)"
    ),
}
"""The KPI deterioration reports, with its description."""


class DeteriorationCheck(Component):
    """Decides, when a waited-for place comes free, whether the patient now needs more."""

    name = "deterioration"

    def __init__(
        self,
        ctx: RunContext,
        spec: Deterioration,
        segments: set[int] | None,
        to_service: int,
    ) -> None:
        """``to_service``: the number of the onward service a deteriorated patient needs."""
        self.ctx = ctx
        self.hazard = -math.log1p(-spec.daily_chance) if spec.daily_chance < 1 else math.inf
        self.segments = segments
        self.to_service = to_service
        self.count = 0

    def deteriorated(self, p: Patient) -> bool:
        """Whether a bed patient now granted a place has deteriorated while waiting."""
        holder = p.holder
        if not isinstance(holder, Service) or not holder.holds_beds:
            return False
        if self.segments is not None and p.segment not in self.segments:
            return False
        return (self.ctx.env.now - p.t_fit) * self.hazard > p.deteriorate_t

    def refer_again(self, p: Patient) -> None:
        """The patient, still in bed, is referred to the service they now need."""
        holder = p.holder
        assert isinstance(holder, Service)
        if self.ctx.collecting:
            self.count += 1
        if self.ctx.log is not None:
            self.ctx.log.add(p.pid, MILESTONE, "deteriorated", holder.name)
        holder.refer_again(p, self.to_service)

    def kpis(self, results: Results) -> dict[str, float]:
        return {"deteriorated_while_waiting": float(self.count)}


class NoDeterioration(Component):
    """Nobody deteriorates (the scenario has no deterioration, or not for this service)."""

    name = "deterioration"

    def deteriorated(self, p: Patient) -> bool:
        return False

    def refer_again(self, p: Patient) -> None:  # pragma: no cover - never deteriorated
        raise AssertionError("no patient deteriorates")

    def kpis(self, results: Results) -> dict[str, float]:
        return {"deteriorated_while_waiting": 0.0}
