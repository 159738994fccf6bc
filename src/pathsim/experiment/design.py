"""Experimental designs: parameter sweeps over a grid and one-at-a-time sensitivity.

Both are plans of scenario variants derived from one base with :func:`with_overrides`
(dotted field paths, as written in scenario files), never by changing the base. Values are
given as lists, ranges or factors of the base value:

- ``1400,1600,1800``: these values (each read as YAML: numbers, true/false, text);
- ``1400:1800:200``: from 1400 to 1800 inclusive in steps of 200;
- ``*0.8,*1,*1.2`` or ``*0.8:1.2:0.1``: factors of the base scenario's value (rounded to
  whole numbers where the base value is a whole number, such as a capacity).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import yaml

from pathsim.experiment.executor import Backend
from pathsim.experiment.plan import Plan, Study, Variant, run_plan
from pathsim.experiment.runner import Progress, RunSpec
from pathsim.model.defaults import capacity_fields
from pathsim.scenario.errors import ScenarioError
from pathsim.scenario.models import Scenario
from pathsim.scenario.overrides import with_overrides

MAX_POINTS = 10_000
"""Largest grid accepted: beyond it a typing slip (a step of 1 instead of 100) is likelier
than a design someone meant."""


class DesignError(ValueError):
    """A sweep or sensitivity design that cannot be built; the message says where and why."""


def value_at(scenario: Scenario, dotted: str) -> Any:
    """The value of field ``dotted`` in ``scenario`` (None when an optional part is unset)."""
    node: Any = scenario.model_dump(mode="json", by_alias=True)
    for part in dotted.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise DesignError(f"'{dotted}' does not name a field of scenario '{scenario.name}'.")
    return node


def parse_values(text: str, base_value: Any = None, *, where: str = "") -> list[Any]:
    """The values written in ``text`` (see the module docstring); ``base_value`` is what
    factors multiply. ``where`` names the option or field for error messages."""
    text = text.strip()
    if not text:
        raise DesignError(f"{_at(where)}no values given; write them as a,b,c or from:to:step.")
    factor = text.startswith("*")
    if factor:
        if not isinstance(base_value, int | float) or isinstance(base_value, bool):
            raise DesignError(
                f"{_at(where)}factors (*x) need a numeric base value, and the base scenario has "
                f"{base_value!r} here."
            )
        items = [p.strip().removeprefix("*") for p in text.split(",")]
    else:
        items = [p.strip() for p in text.split(",")]
    values: list[Any] = []
    for item in items:
        if item.count(":") == 2:
            values.extend(_range(item, where))
        else:
            values.append(_scalar(item, where))
    if factor:
        values = [_scaled(base_value, v, where) for v in values]
    return values


def _at(where: str) -> str:
    return f"{where}: " if where else ""


def _scalar(item: str, where: str) -> Any:
    try:
        value = yaml.safe_load(item)
    except yaml.YAMLError as exc:
        raise DesignError(f"{_at(where)}'{item}' is not a value.") from exc
    if isinstance(value, float) and not math.isfinite(value):
        raise DesignError(f"{_at(where)}'{item}' is not a finite number.")
    return value


def _range(item: str, where: str) -> list[int | float]:
    """from:to:step, inclusive of ``to``; computed in decimal so 0.1 steps land exactly."""
    try:
        start, stop, step = (Decimal(p.strip()) for p in item.split(":"))
    except InvalidOperation as exc:
        raise DesignError(f"{_at(where)}'{item}' is not from:to:step with numbers.") from exc
    if step <= 0 or stop < start:
        raise DesignError(
            f"{_at(where)}'{item}' needs from <= to and a positive step (e.g. 1400:1800:200)."
        )
    count = int((stop - start) / step) + 1
    if count > MAX_POINTS:
        raise DesignError(f"{_at(where)}'{item}' gives {count:,} values; at most {MAX_POINTS:,}.")
    values = [start + i * step for i in range(count)]
    whole = all(v == v.to_integral_value() for v in (start, step))
    return [int(v) if whole else float(v) for v in values]


def _scaled(base: int | float, factor: Any, where: str) -> int | float:
    if not isinstance(factor, int | float) or isinstance(factor, bool):
        raise DesignError(f"{_at(where)}factor '{factor}' is not a number.")
    value = base * factor
    return round(value) if isinstance(base, int) else float(value)


def _variant(base: Scenario, label: str, overrides: Mapping[str, Any], where: str) -> Variant:
    try:
        return Variant(label, with_overrides(base, overrides), dict(overrides))
    except ScenarioError as exc:
        detail = str(exc).removeprefix("<overrides>: ").removeprefix("<overrides>")
        raise DesignError(f"{_at(where)}{detail.strip()}") from exc


def sweep_plan(
    base: Scenario,
    vary: Mapping[str, Sequence[Any]],
    spec: RunSpec,
    *,
    mode: Literal["grid", "zip"] = "grid",
    where: str = "--vary",
) -> Plan:
    """A sweep: every combination of the values (``grid``), or the i-th value of every
    field together (``zip``, for fields that move as one). Point 0 is the first combination
    and the baseline of the paired differences."""
    if not vary:
        raise DesignError(f"{_at(where)}nothing to vary; give at least one FIELD=VALUES.")
    fields = list(vary)
    for f in fields:
        value_at(base, f)  # the field exists
    columns = [list(vary[f]) for f in fields]
    if mode == "zip":
        lengths = {len(c) for c in columns}
        if len(lengths) != 1:
            raise DesignError(
                f"{_at(where)}a zip design needs the same number of values for every field; "
                f"got {', '.join(f'{f}: {len(c)}' for f, c in zip(fields, columns, strict=True))}."
            )
        combos = list(zip(*columns, strict=True))
    else:
        size = math.prod(len(c) for c in columns)
        if size > MAX_POINTS:
            raise DesignError(f"{_at(where)}the grid has {size:,} points; at most {MAX_POINTS:,}.")
        combos = list(itertools.product(*columns))
    width = max(4, len(str(len(combos) - 1)))
    variants = tuple(
        _variant(base, f"p{i:0{width}d}", dict(zip(fields, combo, strict=True)), where)
        for i, combo in enumerate(combos)
    )
    return Plan("sweep", variants, spec, {"fields": fields, "mode": mode})


def sensitivity_plan(
    base: Scenario,
    parameters: Mapping[str, tuple[Any, Any]],
    spec: RunSpec,
    *,
    base_label: str = "base",
    where: str = "--param",
) -> Plan:
    """One-at-a-time sensitivity: the base, then each parameter at its low and its high
    value with every other parameter at the base value (labels ``FIELD:low``, ``FIELD:high``)."""
    if not parameters:
        raise DesignError(f"{_at(where)}no parameters; give FIELD=LOW,HIGH at least once.")
    variants = [Variant(base_label, base)]
    for field, (low, high) in parameters.items():
        value_at(base, field)
        variants.append(_variant(base, f"{field}:low", {field: low}, f"{where} {field}"))
        variants.append(_variant(base, f"{field}:high", {field: high}, f"{where} {field}"))
    design = {"parameters": {f: [lo, hi] for f, (lo, hi) in parameters.items()}}
    return Plan("sensitivity", tuple(variants), spec, design)


def default_sensitivity_parameters(
    base: Scenario, factor: float = 0.1
) -> dict[str, tuple[Any, Any]]:
    """Every capacity of the base (as the model lists them:
    :func:`pathsim.model.defaults.capacity_fields`; A&E cubicles, beds, each onward service)
    at -/+ ``factor``: the question planners ask first ("which shortage matters most?")."""
    params = {}
    for f in capacity_fields(base):
        value = value_at(base, f)
        if isinstance(value, int) and value > 0:
            params[f] = (_scaled(value, 1 - factor, f), _scaled(value, 1 + factor, f))
    return params


def sweep(
    base: Scenario,
    vary: Mapping[str, Sequence[Any]],
    spec: RunSpec | None = None,
    *,
    mode: Literal["grid", "zip"] = "grid",
    backend: Backend | None = None,
    progress: Progress | None = None,
) -> Study:
    """Runs a sweep of ``base`` over ``vary`` (field path -> values) on common random
    numbers; ``study.sweep_table()`` has one row per grid point and KPI.

    >>> study = sweep(base, {"onward_services.home_care.capacity": [1400, 1600, 1800]})
    """
    plan = sweep_plan(base, vary, spec or RunSpec.from_scenario(base), mode=mode)
    return run_plan(plan, backend, progress=progress)


def sensitivity(
    base: Scenario,
    parameters: Mapping[str, tuple[Any, Any]] | None = None,
    spec: RunSpec | None = None,
    *,
    backend: Backend | None = None,
    progress: Progress | None = None,
) -> Study:
    """One-at-a-time sensitivity of ``base`` (field path -> (low, high); default every
    capacity at -/+10%); ``study.sensitivity_table()`` is the data of a tornado chart."""
    params = parameters or default_sensitivity_parameters(base)
    plan = sensitivity_plan(base, params, spec or RunSpec.from_scenario(base))
    return run_plan(plan, backend, progress=progress)
