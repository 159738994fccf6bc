"""Deriving scenario variants in code without mutating the original."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pathsim.scenario.errors import ScenarioError
from pathsim.scenario.loader import validate_scenario_data
from pathsim.scenario.models import Scenario


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """A new, validated scenario with dotted field paths replaced.

    >>> variant = with_overrides(base, {"acute_ward.beds": 650,
    ...                                 "onward_services.home_care.capacity": 1700})

    The original is left unchanged. Paths name fields as they are written in scenario files;
    list items are addressed by index (``arrival_profile.month_factor.0``). A path that does
    not exist raises :class:`ScenarioError`, as does a value the model rejects.
    """
    data = scenario.model_dump(mode="json", by_alias=True)
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        node: Any = data
        for i, part in enumerate(parts[:-1]):
            node = _step(node, part, ".".join(parts[: i + 1]), dotted)
        last = parts[-1]
        if isinstance(node, dict):
            if last not in node and not _optional_field(scenario, parts):
                raise ScenarioError.single(
                    "<overrides>",
                    dotted,
                    f"no field '{last}' here.",
                    f"Fields here: {', '.join(map(str, node))}.",
                )
            node[last] = copy.deepcopy(value)
        elif isinstance(node, list) and last.isdigit() and int(last) < len(node):
            node[int(last)] = copy.deepcopy(value)
        else:
            raise ScenarioError.single("<overrides>", dotted, "does not name a field.")
    return validate_scenario_data(data, file="<overrides>")


def _step(node: Any, part: str, so_far: str, dotted: str) -> Any:
    if isinstance(node, dict) and part in node and node[part] is not None:
        return node[part]
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    raise ScenarioError.single("<overrides>", dotted, f"'{so_far}' does not exist.")


def _optional_field(scenario: Scenario, parts: list[str]) -> bool:
    # Dumped models contain every field (defaults included), so a missing key is only ever a
    # new entry of a dict such as segments or onward_services: allow it there.
    return len(parts) == 2 and parts[0] in ("segments", "onward_services", "organisations")
