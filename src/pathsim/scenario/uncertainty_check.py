"""Checks of a scenario's ``uncertainty:`` section against the rest of the scenario: each range
must be on a number the scenario has, hold the field's own value, and end in values the field
accepts (so that every setting sampled from the ranges is itself a valid scenario).

Run once when a scenario file is loaded (:func:`pathsim.scenario.load_scenario`), not at every
validation: checking that ``low`` and ``high`` are acceptable validates the whole scenario
again with the field set to each, twice per range.
"""

from __future__ import annotations

from pydantic import ValidationError

from pathsim.scenario.errors import Problem
from pathsim.scenario.models import Scenario
from pathsim.scenario.uncertainty import Range, field_value, numeric, set_field

SECTION = "uncertainty"


def range_problems(scenario: Scenario, file: str) -> list[Problem]:
    """Every problem of ``scenario``'s ranges, each naming ``uncertainty.<path>``."""
    if not scenario.uncertainty:
        return []
    data = scenario.model_dump(mode="json", by_alias=True)
    data[SECTION] = {}
    problems: list[Problem] = []
    for path, rng in scenario.uncertainty.items():
        where = f"{SECTION}.{path}"
        try:
            value = field_value(data, path)
        except KeyError:
            problems.append(
                Problem(
                    file,
                    where,
                    f"'{path}' does not name a field of this scenario.",
                    "Write the field's dotted path as in the file, e.g. "
                    "onward_services.home_care.capacity or frictions.referral_delay_days.mean.",
                )
            )
            continue
        if not numeric(value):
            problems.append(
                Problem(
                    file,
                    where,
                    f"'{path}' is {value!r}, not a number: a range can only be put on a number.",
                )
            )
            continue
        problems += _value_inside(rng, float(value), file, where)
        for end in ("low", "high"):
            problems += _acceptable(data, path, rng, end, value, file, where)
    return problems


def _value_inside(rng: Range, value: float, file: str, where: str) -> list[Problem]:
    if rng.low <= value <= rng.high:
        return []
    return [
        Problem(
            file,
            where,
            f"the field's value ({value:g}) is outside its range ({rng.low:g} to {rng.high:g}).",
            "A plain run uses the field's value: widen the range to hold it, or change the value.",
        )
    ]


def _acceptable(
    data: dict[str, object],
    path: str,
    rng: Range,
    end: str,
    value: object,
    file: str,
    where: str,
) -> list[Problem]:
    """Whether the field accepts the range's ``end`` (the rest of the scenario as it is)."""
    bound = getattr(rng, end)
    trial = round(bound) if isinstance(value, int) else bound
    set_field(data, path, trial)
    try:
        Scenario.model_validate(data)
    except ValidationError as exc:
        reasons = "; ".join(sorted({e["msg"].removeprefix("Value error, ") for e in exc.errors()}))
        return [
            Problem(
                file,
                f"{where}.{end}",
                f"{bound:g} is not a value the scenario accepts for '{path}': {reasons}.",
                "Keep the range within what the field allows; shares that must sum to 1 cannot "
                "take a range one by one.",
            )
        ]
    finally:
        set_field(data, path, value)
    return []
