"""Mental health liaison: the assessment a crisis with a mental health need waits for, in the
A&E cubicle and, once medically fit, in bed before discharge.

Built when any segment has a mental health share, with the waits of the effective system
(:func:`pathsim.scenario.effective.effective_system`: the scenario's ``mental_health``
settings, or the ``integrated_mental_health`` lever's, under which an assessment is no
hand-off to another organisation). Otherwise :class:`NoLiaison` stands in: no wait, no
assessment.
"""

from __future__ import annotations

from collections.abc import Mapping

from pathsim.model.component import Component, Cost, Results
from pathsim.model.context import RunContext
from pathsim.model.patients import Patient
from pathsim.model.service import BufferedSampler
from pathsim.model.streams import Streams
from pathsim.scenario.distributions import Distribution
from pathsim.scenario.effective import EffectiveLiaison

KPIS: dict[str, str] = {
    "mental_health_liaison_assessments": (
        "Assessments by the mental health liaison team, in A&E and on the ward"
    ),
}
"""The KPI the liaison team reports, with its description."""

NAME = "mental_health_liaison"


def _sampler(dist: Distribution | None, streams: Streams, name: str) -> BufferedSampler | None:
    return None if dist is None else BufferedSampler(dist, streams[name])


class Liaison(Component):
    """Assesses patients with a mental health need and says how long each waits for it."""

    name = NAME

    def __init__(self, ctx: RunContext, spec: EffectiveLiaison, streams: Streams) -> None:
        self.ctx = ctx
        self.spec = spec
        self.crosses = spec.crosses_organisations
        self.organisation = spec.organisation
        self.ed_wait = _sampler(spec.ed_wait_hours, streams, "mental_health.ed_liaison_wait")
        self.ward_wait = _sampler(spec.ward_wait_days, streams, "mental_health.ward_liaison_wait")
        self.assessments = 0

    def _assess(self, p: Patient) -> None:
        p.assessments += 1
        if self.crosses:
            p.handoffs += 1
        if self.ctx.collecting:
            self.assessments += 1

    def in_ed(self, p: Patient) -> float:
        """Days a patient waits in the cubicle for the liaison assessment (0 without need)."""
        if not p.mental_health:
            return 0.0
        self._assess(p)
        return self.ed_wait.next() / 24 if self.ed_wait is not None else 0.0

    def on_ward(self, p: Patient) -> float:
        """Days a medically fit patient waits in bed for the liaison assessment."""
        if not p.mental_health:
            return 0.0
        self._assess(p)
        return self.ward_wait.next() if self.ward_wait is not None else 0.0

    def kpis(self, results: Results) -> dict[str, float]:
        return {"mental_health_liaison_assessments": float(self.assessments)}

    def costs(self, kpis: Mapping[str, float], results: Results) -> list[Cost]:
        if self.organisation is None:
            return []
        gbp = self.assessments * self.spec.cost_per_assessment_gbp
        return [Cost(self.name, self.organisation, gbp)]


class NoLiaison(Component):
    """No crisis has a mental health need: nobody waits for an assessment."""

    name = NAME

    def in_ed(self, p: Patient) -> float:
        return 0.0

    def on_ward(self, p: Patient) -> float:
        return 0.0

    def kpis(self, results: Results) -> dict[str, float]:
        return {"mental_health_liaison_assessments": 0.0}
