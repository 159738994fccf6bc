"""The patients already in an acute bed when a run starts, so that it starts near its
steady state rather than empty."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from pathsim.model.context import RunContext
from pathsim.model.patients import ClinicalDraws, OnwardChoice, Patient, Route, clinical_rows
from pathsim.model.streams import Streams
from pathsim.scenario.models import Scenario


def initial_ward_patients(
    ctx: RunContext, scenario: Scenario, streams: Streams, choices: dict[int, OnwardChoice]
) -> Iterator[tuple[Patient, float]]:
    """The ward's initial occupants (``initial_occupancy_share`` of the beds), each with the
    days already spent in bed: segments in proportion to the beds each is expected to occupy
    (Little's law: overnight admissions x mean length of stay), and stays split at an
    equilibrium (length-biased) point."""
    ward = scenario.acute_ward
    n_beds = round(ward.beds * ward.initial_occupancy_share)
    if n_beds <= 0:
        return
    names = list(scenario.segments)
    weights = np.array(
        [
            (s.ed_attendances_per_year * s.admission_probability + s.direct_admissions_per_year)
            * (1 - s.same_day_probability)
            * s.length_of_stay_days.mean
            for s in scenario.segments.values()
        ]
    )
    if weights.sum() == 0:  # no admissions expected: spread by population instead
        weights = np.array([s.population for s in scenario.segments.values()], dtype=float)
    if weights.sum() == 0:
        weights = np.ones(len(names))
    counts = streams["initial.acute_ward.segment"].multinomial(n_beds, weights / weights.sum())
    for i, (name, n) in enumerate(zip(names, counts, strict=True)):
        if n == 0:
            continue
        draws = ClinicalDraws(
            streams, f"initial.acute_ward.{name}", scenario.segments[name], choices
        ).draw(int(n), in_progress=True)
        for row, elapsed in zip(clinical_rows(draws), draws["elapsed"], strict=True):
            yield Patient(ctx.new_other_id(), i, Route.INITIAL, 0.0, row), float(elapsed)
