"""Scripted arrivals for tests: patients with chosen clinical attributes arriving at chosen
times, in place of the Poisson sources, so that a small system can be worked out by hand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pathsim.model.builders import BUILDERS, Assembly, Builder
from pathsim.model.clinical import CLINICAL, DEFAULT_ROW, ClinicalRow
from pathsim.model.clock import call_after
from pathsim.model.component import Component, FrontDoors
from pathsim.model.context import RunContext
from pathsim.model.patients import Patient, Route


@dataclass(frozen=True)
class Arrival:
    """A crisis arriving at ``time``: referred for direct admission (GP, NHS 111), or at
    A&E (``ed``), where it is assessed for ``assess`` days."""

    time: float
    ed: bool = False
    assess: float = 0.0
    admit: bool = True
    los: float = 1.0
    pathway: int = 0
    onward: int = -1
    mental_health: bool = False
    same_day: bool = False

    def row(self) -> ClinicalRow:
        values = dict(zip(CLINICAL, DEFAULT_ROW, strict=True))
        values.update(
            assess=self.assess,
            admit=self.admit,
            same_day=self.same_day,
            los=self.los,
            pathway=self.pathway,
            onward=self.onward,
            mental_health=self.mental_health,
        )
        return tuple(values[name] for name in CLINICAL)  # type: ignore[return-value]


class ScriptedArrivals(Component):
    """Hands each scripted patient, of segment 0, to its segment's front door."""

    name = "arrivals"

    def __init__(self, ctx: RunContext, doors: FrontDoors, arrivals: Sequence[Arrival]) -> None:
        self.ctx = ctx
        self.doors = doors
        self.arrivals = tuple(arrivals)

    def start(self) -> None:
        for a in self.arrivals:
            route = Route.ED if a.ed else Route.DIRECT
            p = Patient(self.ctx.new_patient_id(), 0, route, a.time, a.row())
            door = self.doors.ed[0] if a.ed else self.doors.direct[0]
            call_after(self.ctx.env, a.time, door, p)


def scripted(arrivals: Sequence[Arrival]) -> tuple[Builder, ...]:
    """The standard table with the arrivals replaced by ``arrivals``."""

    def build(a: Assembly) -> Component:
        return ScriptedArrivals(a.ctx, a.doors, arrivals)

    return tuple(Builder("arrivals", build) if b.name == "arrivals" else b for b in BUILDERS)
