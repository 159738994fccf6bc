"""A toy service for tests/test_components.py: a GP streaming hub in front of A&E.

It is one module and one builder-table entry, and reports its own measures and costs: adding
it to a replication needs no edit to the model's system, KPI or cost code. Crises of the
lowest triage category that would go home from A&E are seen at the hub instead, while a
clinician is free; the rest go on to A&E as before.
"""

from __future__ import annotations

from collections.abc import Mapping

from pathsim.model.builders import Assembly, Builder
from pathsim.model.clock import call_after
from pathsim.model.component import Component, Cost, FrontDoors, Results, ratio
from pathsim.model.context import RunContext
from pathsim.model.patients import FrontDoor, Patient
from pathsim.model.service import Service

NAME = "gp_hub"
VISIT_DAYS = 0.5 / 24
COST_PER_VISIT_GBP = 40.0

KPIS = {
    "gp_hub_visits": "Crises seen at the GP streaming hub instead of A&E",
    "gp_hub_occupancy": "Mean share of the hub's clinicians busy",
}


class GPHub(Service):
    """Clinicians who see low-acuity crises for half an hour; they then go home."""

    door_position = 40

    def __init__(self, ctx: RunContext, clinicians: int, organisation: str) -> None:
        super().__init__(ctx, NAME, organisation, clinicians)
        self.visits = 0

    def front_doors(self, doors: FrontDoors) -> None:
        doors.ed[:] = [self._in_front_of(door) for door in doors.ed]

    def _in_front_of(self, door: FrontDoor) -> FrontDoor:
        def arrive(p: Patient, referred_in: bool = False) -> None:
            if p.acuity == 5 and not p.admit and self.places.has_room:
                self.places.request(p, self._seen)
            else:
                door(p, referred_in)

        return arrive

    def _seen(self, p: Patient, slot: int) -> None:
        p.slot = slot
        if self.ctx.collecting:
            self.visits += 1
        call_after(self.env, VISIT_DAYS, self._done, p)

    def _done(self, p: Patient) -> None:
        self.places.release(p.slot)
        self.patient_leaves_system(p)

    def kpis(self, results: Results) -> dict[str, float]:
        return {
            "gp_hub_visits": float(self.visits),
            "gp_hub_occupancy": ratio(results.mean_level(NAME, "occupied"), self.capacity),
        }

    def costs(self, kpis: Mapping[str, float], results: Results) -> list[Cost]:
        return [Cost(NAME, self.organisation, self.visits * COST_PER_VISIT_GBP)]


def builder(clinicians: int) -> Builder:
    """The table entry: the hub, run by the A&E's own organisation."""

    def build(a: Assembly) -> Component:
        return GPHub(a.ctx, clinicians, a.scenario.ed.organisation)

    return Builder(NAME, build, KPIS)
