"""Which ranges matter: Morris screening of a KPI, or of a difference between scenarios,
over a scenario's ranges (its ``uncertainty:`` section, and with a second scenario the ranges
that one adds: a lever's own sizes), with SALib.

The method of elementary effects (Morris 1991; the mu* measure of Campolongo, Cariboni and
Saltelli 2007) moves one range at a time along ``trajectories`` random paths through a grid of
``levels`` levels in the ranges' quantiles, so that each range's effect is measured at many
settings of the others: r (d + 1) settings for d ranges, far fewer than variance-based (Sobol')
indices need, which is why it is the usual screening for tens of uncertain inputs. For each
range it reports mu* (the mean absolute elementary effect: how much the output moves over the
range, whatever the direction), sigma (their standard deviation: interactions with other
ranges, or a non-linear effect) and a bootstrap confidence interval of mu*. A range with a
small mu* can be left at its central value; those with the largest are the local data to
collect first.

The grid's levels are placed from the 5th to the 95th percentile of each range (a range with
unbounded tails, as ``interval80`` has, has no 0th or 100th), so an elementary effect is the
change of the output over 90% of the range's probability in ``levels - 1`` steps. Every
scenario is run at every setting on the same seeds (common random numbers), so the effect of a
range on a difference between scenarios is the range's own, not chance.

**Variance-based (Sobol') indices** (``method="sobol"``) apportion the output's variance over
the ranges, each drawn from its own distribution: S1, the share a range explains alone, and
ST, the share it explains with all its interactions (Saltelli et al. 2010 estimators, SALib's
``sobol`` with a scrambled Sobol' sample of ``samples`` base points: samples x (d + 2)
settings, without second-order indices), each with a bootstrap 95% interval. They need far
more runs than screening; use them once screening has left a handful of ranges, or on a
cluster. Ranked by ST; a range with ST near 0 can stay at its central value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from pathsim.experiment.ensemble import EnsembleResult, own_ranges, run_ensemble
from pathsim.experiment.executor import Backend
from pathsim.experiment.plan import TaskStore
from pathsim.experiment.runner import Progress, RunSpec
from pathsim.scenario.models import Scenario
from pathsim.scenario.sampling import settings_at

LEVELS = 4
TAIL = 0.05
"""The grid runs from this quantile of each range to one minus it."""
EDGE = 1e-9
"""Sobol' points are kept this far inside (0, 1), where every range's quantile is finite."""
Method = Literal["morris", "sobol"]


@dataclass(frozen=True)
class Screening:
    """Sensitivity indices of one output, ranked, and what they were computed from."""

    output: str
    """The KPI, or ``<kpi>: <other> - <base>`` for a difference."""
    indices: pd.DataFrame
    """Morris: range, mu_star, mu_star_conf, sigma; Sobol': range, S1, S1_conf, ST, ST_conf;
    then rank (1 matters most), sorted by rank."""
    points: pd.DataFrame
    """Every setting run (setting, each field path) with the output at it (``output``)."""
    method: Method = "morris"


def morris_points(
    fields: Sequence[str], trajectories: int, seed: int
) -> tuple[dict[str, Any], np.ndarray]:
    """SALib's problem over ``fields`` and its Morris sample, in the unit cube."""
    from SALib.sample import morris as morris_sample

    fields = list(fields)
    problem = {"num_vars": len(fields), "names": fields, "bounds": [[0.0, 1.0]] * len(fields)}
    unit = morris_sample.sample(problem, trajectories, num_levels=LEVELS, seed=seed)
    return problem, np.asarray(unit)


def sobol_points(
    fields: Sequence[str], samples: int, seed: int
) -> tuple[dict[str, Any], np.ndarray]:
    """SALib's problem over ``fields`` and its Saltelli sample (first and total order only)
    of ``samples`` base points, in the unit cube."""
    from SALib.sample import sobol as sobol_sample

    fields = list(fields)
    problem = {"num_vars": len(fields), "names": fields, "bounds": [[0.0, 1.0]] * len(fields)}
    unit = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    return problem, np.asarray(unit)


def screen(
    scenarios: Sequence[tuple[str, Scenario]],
    kpi: str,
    spec: RunSpec,
    *,
    trajectories: int = 10,
    seed: int | None = None,
    backend: Backend | None = None,
    progress: Progress | None = None,
    store: TaskStore | None = None,
    method: Method = "morris",
    samples: int = 64,
) -> Screening:
    """Morris screening (or, with ``method="sobol"``, Sobol' indices from ``samples`` base
    points) of ``kpi`` over the first scenario's ranges: of its level when one scenario is
    given, else of the difference of the second from the first (the mean over ``spec``'s
    replications at each setting)."""
    base = scenarios[0][1]
    if not base.uncertainty:
        raise ValueError("the scenario has no ranges: add an 'uncertainty:' section")
    seed = base.run.seed if seed is None else seed
    others = [sc for _, sc in scenarios[1:2]]
    added = own_ranges(base, others)
    if method == "sobol":
        problem, unit = sobol_points([*base.uncertainty, *added], samples, seed)
        quantiles = np.clip(unit, EDGE, 1 - EDGE)
    else:
        problem, unit = morris_points([*base.uncertainty, *added], trajectories, seed)
        quantiles = TAIL + (1 - 2 * TAIL) * unit
    d = len(base.uncertainty)
    settings = settings_at(base, quantiles[:, :d])
    if added:
        drawn = settings_at(others[0], quantiles[:, d:], added)
        for p in added:
            settings[p] = drawn[p].to_numpy()
    result = run_ensemble(
        scenarios[:2], settings, spec, backend=backend, progress=progress, store=store
    )
    y, output = _output(result, kpi, len(settings))
    indices = _sobol(problem, y, seed) if method == "sobol" else _morris(problem, unit, y, seed)
    indices["rank"] = np.arange(1, len(indices) + 1)
    points = settings.copy()
    points["output"] = y
    return Screening(output, indices.reset_index(drop=True), points, method)


def _morris(problem: dict[str, Any], unit: np.ndarray, y: np.ndarray, seed: int) -> pd.DataFrame:
    from SALib.analyze import morris as morris_analyze

    si = morris_analyze.analyze(problem, unit, y, num_levels=LEVELS, seed=seed)
    return pd.DataFrame(
        {
            "range": problem["names"],
            "mu_star": np.asarray(si["mu_star"], dtype=float),
            "mu_star_conf": np.asarray(si["mu_star_conf"], dtype=float),
            "sigma": np.asarray(si["sigma"], dtype=float),
        }
    ).sort_values("mu_star", ascending=False, kind="stable")


def _sobol(problem: dict[str, Any], y: np.ndarray, seed: int) -> pd.DataFrame:
    from SALib.analyze import sobol as sobol_analyze

    if np.ptp(y) == 0:  # the output does not move: every index is 0 (SALib would divide by 0)
        zeros = np.zeros(len(problem["names"]))
        si: dict[str, Any] = {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
    else:
        si = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
    return pd.DataFrame(
        {
            "range": problem["names"],
            "S1": np.asarray(si["S1"], dtype=float),
            "S1_conf": np.asarray(si["S1_conf"], dtype=float),
            "ST": np.asarray(si["ST"], dtype=float),
            "ST_conf": np.asarray(si["ST_conf"], dtype=float),
        }
    ).sort_values("ST", ascending=False, kind="stable")


def _output(result: EnsembleResult, kpi: str, n: int) -> tuple[np.ndarray, str]:
    k = result.kpis[result.kpis["kpi"] == kpi]
    if k.empty:
        raise ValueError(f"the runs have no KPI '{kpi}' ('pathsim kpis' lists them)")
    means = k.groupby(["scenario", "setting"])["value"].mean().unstack("scenario")
    base = result.labels[0]
    if len(result.labels) == 1:
        y, output = means[base], kpi
    else:
        other = result.labels[1]
        y, output = means[other] - means[base], f"{kpi}: {other} - {base}"
    values = y.reindex(range(n)).to_numpy(dtype=float)
    if np.isnan(values).any():
        raise ValueError(
            f"'{kpi}' is undefined at some settings (no one to measure): choose another KPI"
        )
    return values, output
