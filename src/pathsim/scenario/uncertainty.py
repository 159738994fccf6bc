"""Ranges on a scenario's numbers: what each uncertain number could plausibly be.

A scenario's ``uncertainty:`` section names fields by their dotted path, as
:func:`pathsim.scenario.with_overrides` does, and gives each a range::

    uncertainty:
      onward_services.home_care.capacity:
        {shape: interval80, low: 1650, high: 2050, reason: "contracted packages: no local figure"}
      frictions.referral_delay_days.mean:
        {shape: uniform, low: 0.8, high: 2.4, reason: "no published duration [10.5]"}

A plain run uses each field's own value (the central value); the ranges are read only by the
commands that sample settings from them (an ensemble, a calibration, a global sensitivity
analysis). Four shapes, chosen to cover how ranges are usually stated:

- ``interval80``: ``low`` and ``high`` are the 10th and 90th percentiles of a normal
  distribution (an 80% interval, as the national New Hospital Programme model states its
  parameters), cut at the field's own limits (a share stays within 0 and 1, a capacity above
  0) by truncation, not clipping;
- ``uniform``: any value from ``low`` to ``high`` equally likely;
- ``triangular`` and ``pert``: from ``low`` to ``high``, most likely at the field's own value
  (PERT: a beta distribution with that mode, weight 4, smoother than the triangle).

The section is checked here for its own shape (``low`` below ``high``, a reason given) and, once
the rest of the scenario is valid, by :func:`range_problems`: each path must name a number of
the scenario (not a switch, a name or a list), the field's value must lie within its range, and
``low`` and ``high`` must themselves be values the field accepts.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, TypeGuard

from pydantic import Field, model_validator

from pathsim.scenario.models_base import Strict

Shape = Literal["interval80", "uniform", "triangular", "pert"]
"""How a range is to be read (module docstring)."""

FIELD_PATH = r"^[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)+$"
FieldPath = Annotated[str, Field(pattern=FIELD_PATH)]
"""A field's dotted path, as in ``with_overrides``: ``acute_ward.beds``,
``segments.aged_85_plus.length_of_stay_days.mean``, ``arrival_profile.month_factor.0``."""

Z_80 = 1.2815515655446004
"""The standard normal's 90th percentile: an 80% interval is the mean +/- Z_80 sd."""


class Range(Strict):
    """What an uncertain number of the scenario could plausibly be."""

    shape: Shape = Field(
        default="interval80",
        description=(
            "interval80: low and high are the 10th and 90th percentiles of a normal "
            "distribution, cut at the field's limits; uniform: every value from low to high "
            "equally likely; triangular, pert: from low to high, most likely at the field's "
            "own value"
        ),
    )
    low: float = Field(allow_inf_nan=False, description="Lower end of the range")
    high: float = Field(allow_inf_nan=False, description="Upper end of the range")
    reason: str = Field(
        min_length=1,
        description=(
            "One line on where the range comes from: a source (as [4.8]), or why it is an "
            "assumption"
        ),
    )

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low < self.high:
            raise ValueError(
                f"low ({self.low:g}) must be below high ({self.high:g}): swap them, or give the "
                "field no range if it is not uncertain"
            )
        return self

    @property
    def normal(self) -> tuple[float, float]:
        """For ``interval80``: the mean and standard deviation of the normal distribution
        whose 10th and 90th percentiles are ``low`` and ``high``."""
        return (self.low + self.high) / 2, (self.high - self.low) / (2 * Z_80)


def numeric(value: object) -> TypeGuard[int | float]:
    """Whether ``value`` is a number a range can be put on (not a switch, not NaN)."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def field_value(data: object, path: str) -> object:
    """The value at dotted ``path`` of a dumped scenario (KeyError when there is none)."""
    node = data
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(path)
    return node


def set_field(data: object, path: str, value: object) -> None:
    """Sets the value at dotted ``path`` of a dumped scenario (which must exist)."""
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore[index]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value  # type: ignore[index]
