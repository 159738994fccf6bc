"""Patients who leave A&E before being seen, and those of them who come back.

Built only when the effective system has it (the scenario's ``left_before_seen`` block);
otherwise :class:`NoLeavingBeforeSeen` stands in and nobody leaves. A&E tells this component
of every patient who has to wait for a cubicle. A walk-in patient of one of the listed triage
categories has a patience, fixed at arrival from their own draw (``patience_e``, a unit
exponential of its own stream) through a Weibull distribution: with shape k and scale s,
``patience = s * patience_e ** (1 / k)``, so that the chance of having left by a wait w is
``1 - exp(-(w / s) ** k)``, and s is set so that this is ``share_leaving_by_4h`` at 4 hours.
The draw is independent of everything else drawn for the patient, so the same patients have
the same patience in every configuration; whether they leave depends only on how long they
wait. A patient still waiting when their patience runs out leaves; A&E ends the attendance.

A share of those who leave come back later as a new attendance of the same person with the
same crisis (the same clinical draws, a fresh patience), through the segment's A&E front door;
whether they do, when, and their new patience come from this component's own stream.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import cast

from pathsim.model.clinical import CLINICAL
from pathsim.model.clock import call_after
from pathsim.model.component import Component, FrontDoors, Results
from pathsim.model.context import RunContext
from pathsim.model.patients import ClinicalRow, Patient, Route
from pathsim.model.places import Waiting
from pathsim.model.streams import Streams
from pathsim.scenario.urgent_care import LeftBeforeSeen

NAME = "left_before_seen"
FOUR_HOURS = 4 / 24
PATIENCE = CLINICAL.index("patience_e")

KPIS: dict[str, str] = {
    "ed_left_before_seen_returns": (
        "Patients who left A&E before being seen and came back as a new attendance (returns "
        "arriving in the results period)"
    ),
}
"""The KPIs of leaving before being seen that A&E does not report itself."""

Leave = Callable[[Patient, Waiting], bool]


def patience_scale_days(share_by_4h: float, shape: float) -> float:
    """The Weibull scale (days) for which a share ``share_by_4h`` of patience is under 4
    hours (infinite when nobody leaves)."""
    if share_by_4h <= 0:
        return math.inf
    return float(FOUR_HOURS / (-math.log1p(-share_by_4h)) ** (1 / shape))


class LeavingBeforeSeen(Component):
    """Decides who leaves A&E's waiting line, and sends some of them back later."""

    name = NAME

    def __init__(
        self, ctx: RunContext, spec: LeftBeforeSeen, streams: Streams, doors: FrontDoors
    ) -> None:
        """A patient who comes back arrives through their segment's A&E door in ``doors``
        (as the doors are when they arrive)."""
        self.ctx = ctx
        self.spec = spec
        self.doors = doors
        self.scale = patience_scale_days(spec.share_leaving_by_4h, spec.patience_shape)
        self.power = 1 / spec.patience_shape
        self.categories = frozenset(spec.triage_categories)
        self.rng = streams["ed.left_before_seen.return"]
        self.returns = 0

    def patience_days(self, p: Patient) -> float:
        """How long ``p`` would wait for a cubicle before leaving (infinite: never)."""
        if p.ambulance or p.acuity not in self.categories:
            return math.inf
        return float(self.scale * p.patience_e**self.power)

    def waiting(self, p: Patient, entry: Waiting, leave: Leave) -> None:
        """``p`` joined the line for a cubicle: they give up when their patience runs out."""
        patience = self.patience_days(p)
        env = self.ctx.env
        if env.now + patience < self.ctx.end:
            call_after(env, patience, self._gives_up, (p, entry, leave))

    def _gives_up(self, value: tuple[Patient, Waiting, Leave]) -> None:
        p, entry, leave = value
        if not leave(p, entry):  # seen meanwhile
            return
        rng = self.rng
        if rng.random() >= self.spec.return_share:
            return
        hours = float(self.spec.return_after_hours.sample(rng, 1)[0])
        env = self.ctx.env
        if env.now + hours / 24 < self.ctx.end:
            row = [getattr(p, name) for name in CLINICAL]
            row[PATIENCE] = float(rng.exponential())
            call_after(env, hours / 24, self._comes_back, (p, cast(ClinicalRow, tuple(row))))

    def _comes_back(self, value: tuple[Patient, ClinicalRow]) -> None:
        old, row = value
        ctx = self.ctx
        q = Patient(ctx.new_other_id(), old.segment, Route.ED, ctx.env.now, row)
        q.window = old.window
        if ctx.collecting:
            self.returns += 1
        self.doors.ed[old.segment](q)

    def kpis(self, results: Results) -> dict[str, float]:
        return {"ed_left_before_seen_returns": float(self.returns)}


class NoLeavingBeforeSeen(Component):
    """Nobody leaves A&E before being seen."""

    name = NAME

    def waiting(self, p: Patient, entry: Waiting, leave: Leave) -> None:
        """Nothing: the patient waits until seen."""

    def kpis(self, results: Results) -> dict[str, float]:
        return dict.fromkeys(KPIS, 0.0)
