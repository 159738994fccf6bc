"""Ambulance handover at A&E: crews who wait with their patients until A&E can take them.

Built only when the effective system has ambulance handover (the scenario's
``ambulance_handover`` block); otherwise :class:`NoAmbulanceHandover` stands in, reports zeros
and takes nobody. The component stands at A&E's front door, just outside A&E
(``door_position`` 4): inside every community component (virtual wards at 10, the joint
emergency team at 20), so the crises the joint emergency team takes never reach it while those
it sends in by ambulance queue like any other; and inside same-day emergency care's streaming
(6), so patients conveyed straight to SDEC do not queue here.

A patient arriving by ambulance joins A&E's line for a cubicle at once, where A&E serves them
in its own order (triage category, or arrival, with category 1 first), and the crew stays
with them until A&E takes them: into a cubicle, or onto one of the department's handover
spaces, where handed-over patients wait for their cubicle. Crews waiting for a space are
served first come first served; a patient whose cubicle comes first goes straight in (the
crew leaves the line for a space), and a patient on a space frees it when their cubicle comes.
Triage category 1 (resuscitation) is taken at once. The clinical handover then takes its own
time; the handover time is from arrival at A&E to the end of the handover.

Measures follow the NHS definitions: the standard is a handover within 15 minutes of arrival
(NHS Standard Contract: 65% within 15 minutes, 95% within 30, all within 60; the clock runs from
the ambulance's arrival at A&E to the completed clinical handover), and the hours lost are the
time beyond 15 minutes summed over every handover, the measure the Association of Ambulance
Chief Executives reports (docs/sources/published-figures.md, 12.1-12.3).
"""

from __future__ import annotations

import math

import pandas as pd

from pathsim.model.component import Component, FrontDoors, Results, ratio
from pathsim.model.context import RunContext
from pathsim.model.monitors import LevelMonitor, Tally
from pathsim.model.patients import FrontDoor, Patient
from pathsim.model.places import Waiting
from pathsim.model.service import (
    MILESTONE,
    QUEUE,
    RESOURCE_USE,
    RESOURCE_USE_END,
    BufferedSampler,
    Service,
)
from pathsim.model.streams import Streams
from pathsim.scenario.urgent_care import AmbulanceHandover

NAME = "ambulance_handover"
MINUTE = 1 / 1440
STANDARD_MINUTES = 15.0
"""The handover standard: within 15 minutes of arrival."""
THRESHOLDS_MINUTES = (STANDARD_MINUTES, 30.0, 60.0)
BIN_MINUTES = 5.0
N_BINS = 72
"""Bins of the handover-time histogram: 5 minutes each to 6 hours (the last holds longer)."""

KPIS: dict[str, str] = {
    "ambulance_handovers": "Patients arriving by ambulance handed over to A&E (results period)",
    "ambulance_handover_hours_lost": (
        "Crew hours lost to handover delays: the time beyond the 15-minute handover standard "
        "(arrival at A&E to completed clinical handover), summed over every handover"
    ),
    "ambulance_handovers_over_30m": "Handovers taking more than 30 minutes from arrival",
    "ambulance_handovers_over_60m": "Handovers taking more than 60 minutes from arrival",
    "ambulance_mean_handover_minutes": "Mean handover time, arrival to completed handover (min)",
    "ambulance_handovers_within_15m_share": "Share of handovers within the 15-minute standard",
}
"""The KPIs ambulance handover reports, with their descriptions."""

TABLE = "ambulance_handover_histogram"
"""The name of the handover-time table."""


def _histogram_frame(replication: int, counts: list[int] | None = None) -> pd.DataFrame:
    edges = [i * BIN_MINUTES for i in range(N_BINS + 1)]
    return pd.DataFrame(
        {
            "replication": replication,
            "minutes_from": [float(e) for e in edges],
            "count": counts if counts is not None else [0] * len(edges),
        }
    )


class AmbulanceHandoverService(Service):
    """The handover spaces, the crews waiting for A&E to take their patient, and the
    handover times."""

    door_position = 4
    """Just outside A&E: inside the joint emergency team (20), virtual wards (10) and
    same-day emergency care's streaming (6)."""

    def __init__(
        self, ctx: RunContext, spec: AmbulanceHandover, organisation: str, streams: Streams
    ) -> None:
        """``organisation`` runs the handover spaces (A&E's)."""
        super().__init__(ctx, NAME, organisation, spec.handover_spaces)
        self.spec = spec
        self.duration = BufferedSampler(spec.handover_minutes, streams["ambulance.handover"])
        self.to_ed: list[FrontDoor] = []
        """Per segment, A&E's door behind this one (taken when the front doors are composed)."""
        self._crews: dict[int, Waiting | None] = {}
        """Patient id -> entry in the line for a handover space (None until they join it), of
        every crew waiting; in order of arrival."""
        self._arrived: dict[int, float] = {}
        """Patient id -> arrival at A&E, of every crew waiting."""
        self._on_space: dict[int, int] = {}
        """Patient id -> handover space, of handed-over patients waiting for a cubicle."""
        self.crews = LevelMonitor(ctx.env, f"{NAME}.crews_waiting")
        self.time = Tally(
            thresholds=tuple(m * MINUTE for m in THRESHOLDS_MINUTES),
            bin_width=BIN_MINUTES * MINUTE,
            n_bins=N_BINS,
        )
        """Handover times (days) of handovers in the results period."""
        self.hours_lost = 0.0

    # -- the front door ------------------------------------------------------------------
    def front_doors(self, doors: FrontDoors) -> None:
        """Stands at every segment's A&E door."""
        self.to_ed = list(doors.ed)
        doors.ed[:] = [self.arrive] * len(doors.ed)

    def arrive(self, p: Patient, referred_in: bool = False) -> None:
        """Walk-in patients go straight in; ambulance patients join A&E's line with their
        crew, who wait until A&E takes them."""
        if not p.ambulance:
            self.to_ed[p.segment](p, referred_in)
            return
        if p.acuity == 1:  # resuscitation: taken at once, first in the line for a cubicle
            self.to_ed[p.segment](p, referred_in)
            self._handed_over(p)
            return
        pid = p.pid
        self._crews[pid] = None
        self._arrived[pid] = p.t_arrival
        self.crews.add(1)
        self.to_ed[p.segment](p, referred_in)  # a free cubicle takes them now (in_cubicle)
        if pid in self._crews:
            if self.log is not None:
                self.log.add(pid, QUEUE, self._ev_wait, self.name)
            entry = self.places.join(p, self._got_space)
            if entry is not None:
                self._crews[pid] = entry

    # -- A&E takes the patient -----------------------------------------------------------
    def in_cubicle(self, p: Patient) -> None:
        """A&E gave the patient a cubicle: a waiting crew hands over now; a handover space
        the patient held is freed for the next crew."""
        if not p.ambulance:
            return
        pid = p.pid
        if pid in self._crews:
            entry = self._crews.pop(pid)
            if entry is not None:
                self.places.withdraw(entry)
            self._crew_done(p)
            return
        slot = self._on_space.pop(pid, None)
        if slot is not None:
            if self.log is not None:
                self.log.add(pid, RESOURCE_USE_END, self._ev_end, self.name, slot)
            self.places.release(slot)

    def _got_space(self, p: Patient, slot: int) -> None:
        """A handover space is free for this crew's patient."""
        del self._crews[p.pid]
        self._on_space[p.pid] = slot
        if self.log is not None:
            self.log.add(p.pid, RESOURCE_USE, self._ev_begin, self.name, slot)
        self._crew_done(p)

    def _crew_done(self, p: Patient) -> None:
        del self._arrived[p.pid]
        self.crews.add(-1)
        self._handed_over(p)

    def _handed_over(self, p: Patient) -> None:
        """A&E takes the patient now; the clinical handover takes its own time."""
        minutes = self.duration.next()
        if self.log is not None:
            self.log.add(p.pid, MILESTONE, "handed_over", self.name)
        if self.ctx.collecting:
            time = self.env.now - p.t_arrival + minutes * MINUTE
            self.time.record(time)
            self.hours_lost += max(0.0, time - STANDARD_MINUTES * MINUTE) * 24

    # -- what it reports -----------------------------------------------------------------
    def level_monitors(self) -> dict[str, LevelMonitor]:
        return {**super().level_monitors(), "crews_waiting": self.crews}

    def tallies(self) -> list[Tally]:
        return [*super().tallies(), self.time]

    def patients_present(self) -> int:
        """None: every ambulance patient is in A&E's line or a cubicle, and counted there."""
        return 0

    def pressure(self) -> dict[str, float]:
        """Now: crews waiting to hand over, and the longest of their waits so far (hours)."""
        first = next(iter(self._arrived.values()), None)
        longest = 0.0 if first is None else (self.env.now - first) * 24
        return {"crews_waiting": float(len(self._crews)), "longest_wait_hours": longest}

    def kpis(self, results: Results) -> dict[str, float]:
        t = self.time
        over = t.counts_above
        return {
            "ambulance_handovers": float(t.n),
            "ambulance_handover_hours_lost": self.hours_lost,
            "ambulance_handovers_over_30m": float(over[1]),
            "ambulance_handovers_over_60m": float(over[2]),
            "ambulance_mean_handover_minutes": t.mean * 1440,
            "ambulance_handovers_within_15m_share": (
                1.0 - ratio(over[0], t.n) if t.n else math.nan
            ),
        }

    def tables(self, replication: int) -> dict[str, pd.DataFrame]:
        """``ambulance_handover_histogram``: handover times in 5-minute bins to 6 hours (the
        last bin holds all longer ones), results period only."""
        hist = self.time.histogram
        assert hist is not None
        return {TABLE: _histogram_frame(replication, hist[1].tolist())}


class NoAmbulanceHandover(Component):
    """No ambulance handover modelled: ambulance patients walk into A&E's line as others."""

    name = NAME

    def in_cubicle(self, p: Patient) -> None:
        """Nothing to do."""

    def pressure(self) -> dict[str, float]:
        return {"crews_waiting": 0.0, "longest_wait_hours": 0.0}

    def kpis(self, results: Results) -> dict[str, float]:
        return dict.fromkeys(KPIS, 0.0)

    def tables(self, replication: int) -> dict[str, pd.DataFrame]:
        return {TABLE: _histogram_frame(replication)}
