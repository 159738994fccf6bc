"""Referral pipelines: the steps a referral passes before the receiving service is asked for a
place. Each step is one friction of fragmentation (see :mod:`pathsim.scenario.integration`);
a scenario without frictions has empty pipelines.

A pipeline is built per onward service and per origin: hospital patients wait in their bed,
so the pipeline given to the ward records each step's wait on the ward's delay monitor for that
cause; people referred from the community wait at home, unrecorded in bed terms.

With a referral lead time the ward starts a patient's pipeline before the patient is declared
medically fit, through an :class:`EarlyReferral`: a step's wait is then recorded on the ward's
monitor only from the moment the early referral starts counting (the patient is fit, and no
other wait of theirs is being counted), never for the time before.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Protocol

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


class Counts(Protocol):
    """Counts patients waiting at a step (a level monitor, or one seen through an early
    referral)."""

    def add(self, delta: float) -> None: ...


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

    def enter(self, p: Patient, done: Done, monitor: Counts | None) -> None:
        raise NotImplementedError  # pragma: no cover

    def _wait(self, p: Patient, delay: float, done: Done, monitor: Counts | None) -> None:
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

    def enter(self, p: Patient, done: Done, monitor: Counts | None) -> None:
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

    def enter(self, p: Patient, done: Done, monitor: Counts | None) -> None:
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

    def enter(self, p: Patient, done: Done, monitor: Counts | None) -> None:
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
        self._line: deque[tuple[Patient, Done, Counts | None]] = deque()
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

    def enter(self, p: Patient, done: Done, monitor: Counts | None) -> None:
        if not self._line and self._credit >= 1:
            self._credit -= 1
            done(p)
            return
        self._line.append((p, done, monitor))
        self.waiting.add(1)
        if monitor is not None:
            monitor.add(1)


class EarlyReferral:
    """One patient's referral started before the patient is declared medically fit (a
    referral lead time). Until :meth:`start_counting` the steps' waits are counted nowhere
    (the patient is still in their clinical stay); from then on the step under way, and every
    later one, counts on the ward's monitor for its cause, as a referral made at fit does."""

    __slots__ = ("counting", "finished", "patient", "started", "waiting_at")

    def __init__(self, patient: Patient) -> None:
        self.patient = patient
        self.started = False
        """Whether the pipeline has been started."""
        self.finished = False
        """Whether every step is over."""
        self.counting = False
        """Whether the steps' waits count as delays now."""
        self.waiting_at: LevelMonitor | None = None
        """The ward's monitor of the step the patient is waiting at now (None: none)."""

    def start_counting(self) -> None:
        """From now on the waits count: the step under way now counts from this moment."""
        self.counting = True
        if self.waiting_at is not None:
            self.waiting_at.add(1)

    def seen(self, monitor: LevelMonitor) -> _Gated:
        return _Gated(self, monitor)


class _Gated:
    """A step's monitor seen through an early referral: counted only while it counts."""

    __slots__ = ("early", "monitor")

    def __init__(self, early: EarlyReferral, monitor: LevelMonitor) -> None:
        self.early = early
        self.monitor = monitor

    def add(self, delta: float) -> None:
        early = self.early
        early.waiting_at = self.monitor if delta > 0 else None
        if early.counting:
            self.monitor.add(delta)


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

    def run(
        self, p: Patient, done: Done, index: int = 0, early: EarlyReferral | None = None
    ) -> None:
        """Passes ``p`` through the steps from ``index``, then calls ``done(p)``. With
        ``early`` (a referral started before fit) the waits count only as it says."""
        if index >= len(self.steps):
            done(p)
            return
        step = self.steps[index]
        real = self.monitors.get(step.cause) if self.monitors is not None else None
        monitor: Counts | None = real
        if early is not None and real is not None:
            monitor = early.seen(real)
        step.enter(p, lambda q: self.run(q, done, index + 1, early), monitor)


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
        self.lead = sampler("friction.referral_lead", frictions.referral_lead_days)
        """Draws each P1-P3 patient's referral lead time (None: referrals start at fit)."""
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
