"""Referral pipelines: the steps a referral passes before the receiving service is asked for a
place. Each step is one friction of fragmentation (see :mod:`pathsim.scenario.integration`);
a scenario without frictions has empty pipelines.

A pipeline is built per onward service and per origin: hospital patients wait in their bed,
so the pipeline given to the ward records each step's wait on the ward's delay monitor for that
cause; people referred from the community wait at home, unrecorded in bed terms.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

import numpy as np

from pathsim.model.clock import call_after
from pathsim.model.component import Component
from pathsim.model.context import RunContext
from pathsim.model.monitors import LevelMonitor
from pathsim.model.patients import Patient
from pathsim.model.service import BufferedSampler
from pathsim.model.streams import Streams
from pathsim.scenario.distributions import DistributionBase
from pathsim.scenario.integration import EffectiveFrictions

Done = Callable[[Patient], None]

AWAITING_ASSESSMENT = "awaiting_assessment"
AWAITING_REFERRAL = "awaiting_referral"
AWAITING_REPEAT_ASSESSMENT = "awaiting_repeat_assessment"
AWAITING_FUNDING_PANEL = "awaiting_funding_panel"
AWAITING_BUDGET = "awaiting_budget"
FRICTION_CAUSES = (
    AWAITING_ASSESSMENT,
    AWAITING_REFERRAL,
    AWAITING_REPEAT_ASSESSMENT,
    AWAITING_FUNDING_PANEL,
    AWAITING_BUDGET,
)


class Step:
    """One step of a referral; calls ``done(patient)`` when the patient may go on."""

    cause: str = ""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx

    def enter(self, p: Patient, done: Done, monitor: LevelMonitor | None) -> None:
        raise NotImplementedError  # pragma: no cover

    def _wait(self, p: Patient, delay: float, done: Done, monitor: LevelMonitor | None) -> None:
        if delay <= 0:
            done(p)
            return
        if monitor is not None:
            monitor.add(1)

        def finished(_value: object) -> None:
            if monitor is not None:
                monitor.add(-1)
            done(p)

        call_after(self.ctx.env, delay, finished)


class AssessmentStep(Step):
    """An assessment that takes time: in hospital before discharge, or the receiving
    organisation assessing again. Each one counts as an assessment of the patient."""

    def __init__(self, ctx: RunContext, cause: str, sampler: BufferedSampler) -> None:
        super().__init__(ctx)
        self.cause = cause
        self.sampler = sampler

    def enter(self, p: Patient, done: Done, monitor: LevelMonitor | None) -> None:
        p.assessments += 1
        self._wait(p, self.sampler.next(), done, monitor)


class HandoffStep(Step):
    """A referral to another organisation: each attempt is a hand-off and takes a referral
    delay; with probability ``bounce`` it comes back incomplete and is made again."""

    cause = AWAITING_REFERRAL

    def __init__(
        self,
        ctx: RunContext,
        sampler: BufferedSampler | None,
        factor: float,
        bounce: float,
        rng: np.random.Generator,
    ) -> None:
        super().__init__(ctx)
        self.sampler = sampler
        self.factor = factor
        self.bounce = bounce
        self.rng = rng

    def enter(self, p: Patient, done: Done, monitor: LevelMonitor | None) -> None:
        p.handoffs += 1
        delay = self.sampler.next() * self.factor if self.sampler else 0.0

        def attempt_over(q: Patient) -> None:
            if self.bounce > 0 and self.rng.random() < self.bounce:
                self.enter(q, done, monitor)  # sent again: another hand-off
            else:
                done(q)

        self._wait(p, delay, attempt_over, monitor)


class FundingPanelStep(Step):
    """Funding is decided only when the panel meets: every ``interval`` days from the start."""

    cause = AWAITING_FUNDING_PANEL

    def __init__(self, ctx: RunContext, interval: float) -> None:
        super().__init__(ctx)
        self.interval = interval

    def enter(self, p: Patient, done: Done, monitor: LevelMonitor | None) -> None:
        now = self.ctx.env.now
        next_panel = math.ceil(now / self.interval - 1e-12) * self.interval
        self._wait(p, next_panel - now, done, monitor)


class BudgetGate(Step):
    """A capped budget: ``per_week`` new packages may start each week (from the start of the
    run); referrals beyond it wait, first come first served, for the next week's budget."""

    cause = AWAITING_BUDGET

    def __init__(self, ctx: RunContext, per_week: float) -> None:
        super().__init__(ctx)
        self.per_week = per_week
        self._credit = per_week
        self._line: deque[tuple[Patient, Done, LevelMonitor | None]] = deque()
        self.waiting = LevelMonitor(ctx.env, "budget.waiting")
        self._next_week()

    def _next_week(self) -> None:
        call_after(self.ctx.env, 7.0, self._refill)

    def _refill(self, _value: object = None) -> None:
        # Unspent budget does not carry over; a fraction of a package does (a weekly 2.5
        # allows 2 one week and 3 the next).
        self._credit = self._credit % 1 + self.per_week
        while self._line and self._credit >= 1:
            p, done, monitor = self._line.popleft()
            self._credit -= 1
            self.waiting.add(-1)
            if monitor is not None:
                monitor.add(-1)
            done(p)
        if self.ctx.env.now + 7.0 < self.ctx.end:
            self._next_week()

    def enter(self, p: Patient, done: Done, monitor: LevelMonitor | None) -> None:
        if not self._line and self._credit >= 1:
            self._credit -= 1
            done(p)
            return
        self._line.append((p, done, monitor))
        self.waiting.add(1)
        if monitor is not None:
            monitor.add(1)


class Pipeline:
    """Steps in order; ``monitors`` maps a step's cause to the level monitor that counts
    patients waiting at it in a bed (None for community referrals).
    ``assessments_after_leaving`` are assessments for onward care that happen once the
    patient has left the bed (discharge to assess): counted when they leave."""

    def __init__(
        self,
        steps: list[Step],
        monitors: dict[str, LevelMonitor] | None,
        assessments_after_leaving: int = 0,
    ) -> None:
        self.steps = steps
        self.monitors = monitors
        self.assessments_after_leaving = assessments_after_leaving

    def run(self, p: Patient, done: Done, index: int = 0) -> None:
        if index >= len(self.steps):
            done(p)
            return
        step = self.steps[index]
        monitor = self.monitors.get(step.cause) if self.monitors is not None else None
        step.enter(p, lambda q: self.run(q, done, index + 1), monitor)


class FrictionSteps(Component):
    """Builds the pipelines of one replication from the effective frictions; the samplers and
    the budget gate are shared by every pipeline, as one council has one budget."""

    name = "referrals"

    def __init__(self, ctx: RunContext, streams: Streams, frictions: EffectiveFrictions) -> None:
        self.ctx = ctx
        self.f = frictions

        def sampler(name: str, dist: DistributionBase | None) -> BufferedSampler | None:
            return BufferedSampler(dist, streams[name]) if dist is not None else None

        self.hospital_assessment = sampler(
            "friction.hospital_assessment", frictions.hospital_assessment_days
        )
        self.referral = sampler("friction.referral_delay", frictions.referral_delay_days)
        self.repeat = sampler("friction.repeat_assessment", frictions.repeat_assessment_days)
        self.bounce_rng = streams["friction.referral_bounce"]
        self.budget = (
            BudgetGate(ctx, frictions.social_care_packages_per_week)
            if frictions.social_care_packages_per_week is not None
            else None
        )

    def pipeline(
        self, crosses_organisations: bool, funded: bool, monitors: dict[str, LevelMonitor]
    ) -> Pipeline:
        """The referral from a hospital bed to a service; each step's wait is recorded on
        ``monitors`` (by cause), as the patient waits in the bed."""
        return Pipeline(
            self.for_service(crosses_organisations, funded, hospital=True),
            monitors,
            int(self.f.assessment_after_discharge),
        )

    def community_pipeline(self, crosses_organisations: bool, funded: bool) -> Pipeline:
        """The referral of someone at home to a service (no bed held, nothing recorded)."""
        return Pipeline(self.for_service(crosses_organisations, funded, hospital=False), None)

    def for_service(self, crosses_organisations: bool, funded: bool, hospital: bool) -> list[Step]:
        """The steps of a referral to a service: from hospital or from the community, to
        another organisation or not, needing a funding decision or not."""
        f = self.f
        steps: list[Step] = []
        if hospital and self.hospital_assessment is not None:
            steps.append(AssessmentStep(self.ctx, AWAITING_ASSESSMENT, self.hospital_assessment))
        if (
            hospital
            and crosses_organisations
            and (self.referral is not None or f.referral_bounce_probability > 0)
        ):
            steps.append(
                HandoffStep(
                    self.ctx,
                    self.referral,
                    f.referral_delay_factor,
                    f.referral_bounce_probability,
                    self.bounce_rng,
                )
            )
        if hospital and crosses_organisations and self.repeat is not None:
            steps.append(AssessmentStep(self.ctx, AWAITING_REPEAT_ASSESSMENT, self.repeat))
        if funded and f.funding_panel_interval_days:
            steps.append(FundingPanelStep(self.ctx, f.funding_panel_interval_days))
        if funded and self.budget is not None:
            steps.append(self.budget)
        return steps
