"""Mental health liaison: the assessment a crisis with a mental health need waits for, in the
A&E cubicle and, once medically fit, in bed before discharge.

Built when any segment has a mental health share. The waits are the scenario's
``mental_health`` settings, or, with the ``integrated_mental_health`` lever on, the lever's:
the team then works inside the hospital's own teams, so an assessment is no hand-off to
another organisation.
"""

from __future__ import annotations

from pathsim.model.context import RunContext
from pathsim.model.patients import Patient
from pathsim.model.service import BufferedSampler
from pathsim.model.streams import Streams
from pathsim.scenario.distributions import Distribution
from pathsim.scenario.models import Scenario


def _sampler(dist: Distribution | None, streams: Streams, name: str) -> BufferedSampler | None:
    return None if dist is None else BufferedSampler(dist, streams[name])


class Liaison:
    """Assesses patients with a mental health need and says how long each waits for it."""

    def __init__(self, ctx: RunContext, scenario: Scenario, streams: Streams) -> None:
        self.ctx = ctx
        spec = scenario.mental_health
        lever = scenario.integration.integrated_mental_health
        ed_wait, ward_wait = spec.ed_liaison_wait_hours, spec.ward_liaison_wait_days
        self.crosses = True
        if lever.enabled:
            ed_wait = lever.ed_liaison_wait_hours
            ward_wait = lever.ward_liaison_wait_days
            self.crosses = False  # one team: no referral to another organisation
        self.organisation = spec.organisation
        self.ed_wait = _sampler(ed_wait, streams, "mental_health.ed_liaison_wait")
        self.ward_wait = _sampler(ward_wait, streams, "mental_health.ward_liaison_wait")
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
