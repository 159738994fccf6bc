"""Settings sampled from a scenario's ranges (its ``uncertainty:`` section).

A *setting* gives every uncertain field one value; an ensemble runs the scenario once per
setting. Settings are drawn with a space-filling design in the unit cube (a Latin hypercube or
a scrambled Sobol' sequence, both from :mod:`scipy.stats.qmc`: more even coverage of the
ranges than independent draws for the same number of runs), and each coordinate is turned into
a value of its field by the inverse distribution function of the field's range (scipy.stats):

- ``interval80``: a normal distribution with 10th and 90th percentiles at ``low`` and
  ``high``, truncated at the field's own limits (0 for a number that cannot be negative, 0 and
  1 for a share), which are found by asking the scenario model whether it accepts a value just
  beyond them;
- ``uniform``: uniform from ``low`` to ``high``;
- ``triangular``: triangular from ``low`` to ``high`` with its mode at the field's value;
- ``pert``: the beta-PERT distribution from ``low`` to ``high`` with its mode at the field's
  value (shape parameters 1 + 4 (mode - low) / (high - low) and 1 + 4 (high - mode) /
  (high - low)).

A whole-number field (a capacity, a count) gets the nearest whole number. The same scenario,
number of settings, method and seed give the same settings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import ValidationError
from scipy import stats
from scipy.stats import qmc

from pathsim.scenario.models import Scenario
from pathsim.scenario.overrides import with_overrides
from pathsim.scenario.uncertainty import Range, field_value, set_field

Method = Literal["lhs", "sobol"]
"""The space-filling design: a Latin hypercube, or a scrambled Sobol' sequence."""

_EPS = 1e-9


def range_distribution(
    rng: Range, central: float, limits: tuple[float, float] = (-math.inf, math.inf)
) -> Any:
    """The frozen scipy.stats distribution of a field whose value is ``central`` and whose
    range is ``rng``; ``limits`` are the values the field can take at most (for the normal of
    ``interval80``)."""
    low, high, width = rng.low, rng.high, rng.high - rng.low
    if rng.shape == "uniform":
        return stats.uniform(loc=low, scale=width)
    if rng.shape == "triangular":
        return stats.triang(c=(central - low) / width, loc=low, scale=width)
    if rng.shape == "pert":
        a = 1 + 4 * (central - low) / width
        b = 1 + 4 * (high - central) / width
        return stats.beta(a, b, loc=low, scale=width)
    mean, sd = rng.normal
    lo, hi = limits
    return stats.truncnorm((lo - mean) / sd, (hi - mean) / sd, loc=mean, scale=sd)


def field_limits(scenario: Scenario, path: str) -> tuple[float, float]:
    """The limits of a field that the scenario model enforces, among the usual ones: whether
    it may go below 0, and whether it may go above 1 (a share, a probability). Found by
    validating the scenario with the field just beyond each."""
    data = scenario.model_dump(mode="json", by_alias=True)
    data["uncertainty"] = {}
    value = field_value(data, path)

    def accepts(trial: float) -> bool:
        set_field(data, path, trial)
        try:
            Scenario.model_validate(data)
        except ValidationError:
            return False
        finally:
            set_field(data, path, value)
        return True

    if isinstance(value, int):  # a whole number, rounded after the draw: cut half a unit
        if accepts(-1):  # early, so that no draw rounds to a refused number
            return -math.inf, math.inf
        return (-0.5 if accepts(0) else 0.5), math.inf
    lo = -math.inf if accepts(-_EPS) else 0.0
    # a share refuses anything above 1 (some refuse 1 itself: a truncation at 1 never draws
    # exactly 1, so both are cut there)
    hi = math.inf if accepts(1 + _EPS) else 1.0
    return lo, hi


def unit_design(
    d: int, n: int, seed: int, method: Method = "lhs", box: np.ndarray | None = None
) -> np.ndarray:
    """``n`` points of a space-filling design in ``d`` dimensions, in the unit cube or in the
    ``box`` (an array of shape (2, d): each dimension's lower and upper bounds within it)."""
    gen = np.random.default_rng(np.random.SeedSequence([seed, 0x5E77]))
    if method == "sobol":
        unit = qmc.Sobol(d, scramble=True, seed=gen).random(n)
    else:
        unit = qmc.LatinHypercube(d, seed=gen).random(n)
    if box is not None:
        unit = qmc.scale(unit, box[0], box[1])
    return np.asarray(unit)


def settings_at(
    scenario: Scenario, unit: np.ndarray, paths: Sequence[str] | None = None
) -> pd.DataFrame:
    """The settings of ``scenario``'s uncertain fields (``paths`` of them, or all, in the
    order of the ``uncertainty:`` section) at points of the unit cube (one row a point, one
    column a range): each coordinate is the quantile of its field's range."""
    data = scenario.model_dump(mode="json", by_alias=True)
    columns: dict[str, np.ndarray] = {}
    chosen = list(scenario.uncertainty) if paths is None else list(paths)
    for j, path in enumerate(chosen):
        rng = scenario.uncertainty[path]
        central = field_value(data, path)
        assert isinstance(central, (int, float))
        limits = field_limits(scenario, path) if rng.shape == "interval80" else None
        dist = range_distribution(rng, float(central), limits or (-math.inf, math.inf))
        values = dist.ppf(unit[:, j])
        columns[path] = np.rint(values).astype(int) if isinstance(central, int) else values
    frame = pd.DataFrame(columns)
    frame.insert(0, "setting", np.arange(len(unit)))
    return frame


def sample_settings(
    scenario: Scenario, n: int, seed: int | None = None, method: Method = "lhs"
) -> pd.DataFrame:
    """``n`` settings of ``scenario``'s uncertain fields: one row per setting (``setting`` 0
    to n-1), one column per field path, in the order of the ``uncertainty:`` section. ``seed``
    defaults to the scenario's run seed."""
    if not scenario.uncertainty:
        raise ValueError(
            "the scenario has no ranges: add an 'uncertainty:' section (docs/reference/"
            "scenario.md) before sampling settings"
        )
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    seed = scenario.run.seed if seed is None else seed
    return settings_at(scenario, unit_design(len(scenario.uncertainty), n, seed, method))


def apply_setting(scenario: Scenario, setting: Mapping[str, Any]) -> Scenario:
    """``scenario`` with each field of ``setting`` (path -> value; a ``setting`` number is
    ignored) set, validated; the ranges stay as they were."""
    values = {
        path: value.item() if isinstance(value, np.generic) else value
        for path, value in setting.items()
        if path != "setting"
    }
    return with_overrides(scenario, values)
