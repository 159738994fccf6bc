"""Crises arriving from the population: each segment's A&E attendances and direct
admissions, created by non-homogeneous Poisson sources (:class:`PoissonSource`) with every
clinical attribute drawn at arrival, and handed to the segment's front doors as they are once
every component that stands at one is in place."""

from __future__ import annotations

from pathsim.model.component import Component, FrontDoors
from pathsim.model.context import RunContext
from pathsim.model.patients import ClinicalDraws, OnwardChoice, PoissonSource, Route
from pathsim.model.streams import Streams
from pathsim.scenario.models import Scenario


class CrisisArrivals(Component):
    """The sources of first crises, per segment and route (A&E, direct admission)."""

    name = "arrivals"

    def __init__(
        self,
        ctx: RunContext,
        scenario: Scenario,
        streams: Streams,
        choices: dict[int, OnwardChoice],
        doors: FrontDoors,
    ) -> None:
        self.ctx = ctx
        self.scenario = scenario
        self.streams = streams
        self.choices = choices
        self.doors = doors
        self.sources: list[PoissonSource] = []

    def start(self) -> None:
        """Creates the sources with the doors as composed, and starts them."""
        sc = self.scenario
        for i, (name, seg) in enumerate(sc.segments.items()):
            profile = sc.profile_for(name)
            first_attendances, first_admit = sc.first_crises(name)
            for route, rate, entry in (
                (Route.ED, first_attendances, self.doors.ed[i]),
                (Route.DIRECT, seg.direct_admissions_per_year, self.doors.direct[i]),
            ):
                prefix = f"segment.{name}.{'ed' if route == Route.ED else 'direct'}"
                draws = ClinicalDraws(
                    self.streams,
                    prefix,
                    seg,
                    self.choices,
                    admit_all=route == Route.DIRECT,
                    admit_probability=first_admit,
                )
                self.sources.append(
                    PoissonSource(
                        self.ctx, self.streams, prefix, rate, profile, i, route, entry, draws
                    )
                )
        for source in self.sources:
            source.start()
