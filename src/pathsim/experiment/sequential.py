"""How many replications: the sequential confidence-interval procedure.

Replications are added until, for every chosen KPI, the confidence interval's half-width
relative to the mean is at most the target. Following Law (Simulation Modeling and Analysis,
5th ed., 2015, section 9.4.1), the test uses the adjusted target ``gamma / (1 + gamma)``, so
that the actual relative error ``|mean - true| / |true|`` is at most ``gamma`` with the
stated confidence. The decision is taken replication by replication in order, whatever the
batch size used to run them, so the same seed gives the same answer on any number of workers.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pathsim.experiment.executor import Backend, Task, execute
from pathsim.experiment.runner import Progress, RunSpec
from pathsim.experiment.stats import mean_ci
from pathsim.scenario.models import Scenario

Sampler = Callable[[Sequence[int]], Sequence[Mapping[str, float]]]
"""Runs replications with the numbers given and returns their KPIs, in the same order."""


@dataclass(frozen=True)
class SequentialResult:
    """The decision and the evidence for it."""

    replications: int
    """The number chosen (the first at which every KPI met the target), or the maximum."""
    reached: bool
    """Whether every KPI met the target within the maximum."""
    precision: float
    level: float
    table: pd.DataFrame
    """One row per KPI at the chosen number: kpi, n, mean, ci_low, ci_high,
    relative_half_width, met."""
    history: pd.DataFrame
    """One row per number of replications tried and KPI: n, kpi, mean, relative_half_width."""

    def explain(self) -> str:
        """What was decided and why, in a sentence or two."""
        target = self.precision / (1 + self.precision)
        worst = self.table.sort_values("relative_half_width", ascending=False).iloc[0]
        if self.reached:
            return (
                f"{self.replications} replications: at {self.replications} every KPI's "
                f"{self.level:.0%} confidence interval is within +/-{target:.2%} of its mean "
                f"(the target {self.precision:.1%} adjusted to {target:.2%}, Law 2015); the "
                f"widest is {worst.kpi} at +/-{worst.relative_half_width:.2%}."
            )
        missing = ", ".join(self.table.loc[~self.table["met"], "kpi"])
        return (
            f"Target not reached in {self.replications} replications (the maximum): "
            f"{missing} still above +/-{target:.2%} (widest {worst.kpi} at "
            f"+/-{worst.relative_half_width:.2%}). Raise the maximum or relax the target."
        )


def relative_half_width(values: Sequence[float], level: float = 0.95) -> float:
    """Half-width of the Student-t interval divided by the absolute mean: 0 when every value
    is the same (a KPI that does not vary is known exactly), infinite when the mean is 0 but
    the values vary, NaN with fewer than two values."""
    mean, lo, hi, n = mean_ci(values, level)
    if n < 2:
        return math.nan
    half = (hi - lo) / 2
    if half == 0:
        return 0.0
    return math.inf if mean == 0 else half / abs(mean)


def choose_replications(
    sample: Sampler,
    kpis: Sequence[str],
    *,
    precision: float = 0.05,
    level: float = 0.95,
    minimum: int = 5,
    maximum: int = 100,
    batch: int = 1,
) -> SequentialResult:
    """Adds replications (``batch`` at a time, for parallel runs) until every KPI in
    ``kpis`` has a relative half-width of at most ``precision / (1 + precision)``, checking
    after each replication; ``minimum`` replications are always run first (Law recommends
    at least 5 so that the variance estimate means something)."""
    if not 0 < precision < 1:
        raise ValueError(f"precision must be between 0 and 1, not {precision}")
    if not 2 <= minimum <= maximum:
        raise ValueError(f"need 2 <= minimum ({minimum}) <= maximum ({maximum})")
    if not kpis:
        raise ValueError("choose at least one KPI")
    target = precision / (1 + precision)
    values: dict[str, list[float]] = {k: [] for k in kpis}
    history = []
    chosen = None
    n_run = 0
    while chosen is None and n_run < maximum:
        size = minimum - n_run if n_run < minimum else batch
        numbers = list(range(n_run, min(n_run + max(size, 1), maximum)))
        for row in sample(numbers):
            for k in kpis:
                if k not in row:
                    raise KeyError(f"no KPI named '{k}'")
                values[k].append(float(row[k]))
        previous, n_run = n_run, n_run + len(numbers)
        for n in range(max(previous + 1, minimum), n_run + 1):
            widths = {k: relative_half_width(values[k][:n], level) for k in kpis}
            history += [(n, k, float(np.mean(values[k][:n])), widths[k]) for k in kpis]
            if all(w <= target for w in widths.values()):
                chosen = n
                break
    n = chosen if chosen is not None else n_run
    rows = []
    for k in kpis:
        mean, lo, hi, _ = mean_ci(values[k][:n], level)
        width = relative_half_width(values[k][:n], level)
        rows.append((k, n, mean, lo, hi, width, width <= target))
    table = pd.DataFrame(
        rows, columns=["kpi", "n", "mean", "ci_low", "ci_high", "relative_half_width", "met"]
    )
    hist = pd.DataFrame(history, columns=["n", "kpi", "mean", "relative_half_width"])
    return SequentialResult(n, chosen is not None, precision, level, table, hist)


def replications_needed(
    scenario: Scenario,
    kpis: Sequence[str],
    spec: RunSpec | None = None,
    *,
    precision: float = 0.05,
    level: float = 0.95,
    minimum: int = 5,
    maximum: int = 100,
    backend: Backend | None = None,
    progress: Progress | None = None,
) -> SequentialResult:
    """The sequential procedure on a scenario: replications 0, 1, 2, ... of ``scenario``
    (seed, days and warm-up from ``spec``; its ``replications`` is ignored), run a batch
    of one per worker at a time."""
    backend = backend or Backend()
    spec = spec or RunSpec.from_scenario(scenario)
    spec = dataclasses.replace(spec, event_log=False)

    def sample(numbers: Sequence[int]) -> list[Mapping[str, float]]:
        tasks = [Task("s", r) for r in numbers]
        done = {t.replication: r.kpis for t, r in execute({"s": scenario}, tasks, spec, backend)}
        if progress:
            progress(len(numbers))
        return [done[r] for r in numbers]

    batch = 1 if backend.dask is None and backend.workers == 1 else max(backend.workers, 2)
    return choose_replications(
        sample,
        kpis,
        precision=precision,
        level=level,
        minimum=minimum,
        maximum=maximum,
        batch=batch,
    )
