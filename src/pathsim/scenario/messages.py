"""Turning pydantic validation errors into messages a planner can act on: the file that set
the bad value, the field path as written in the file, what is wrong and what is allowed."""

from __future__ import annotations

import difflib
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from pathsim.scenario.errors import Problem
from pathsim.scenario.models import Scenario

Provenance = dict[tuple[str, ...], str]
"""For each field path, the scenario file that set it (overlays override their bases)."""

_FAMILIES = ("exponential", "lognormal", "gamma", "fixed", "empirical", "histogram")


def _loc_to_path(loc: tuple[int | str, ...], data: Any) -> tuple[str, ...]:
    """Drops pydantic's union-branch tags (``lognormal`` in
    ``segments.a.length_of_stay_days.lognormal.mean``) from an error location."""
    out: list[str] = []
    node = data
    for part in loc:
        key = str(part)
        if key == "[key]":  # pydantic's marker for an error in a mapping's key itself
            continue
        if isinstance(node, dict) and key in node:
            out.append(key)
            node = node[key]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(key)
            node = node[part]
        elif (
            isinstance(node, dict)
            and key in ("exponential", "lognormal", "gamma", "fixed", "empirical", "histogram")
            and node.get("distribution") == key
        ):
            continue  # the discriminated-union tag
        else:
            out.append(key)
            node = None
    return tuple(out)


def _file_for(path: tuple[str, ...], prov: Provenance, default: str) -> str:
    for n in range(len(path), 0, -1):
        if path[:n] in prov:
            return prov[path[:n]]
    return default


def _allowed_keys(path: tuple[str, ...], data: Any) -> list[str] | None:
    """The keys allowed in the mapping at ``path`` (for 'unknown key' messages)."""
    current: type[BaseModel] | None = Scenario
    node: Any = data
    expecting_key = False  # inside dict[Name, Model]: the next part is a user's key
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
        if expecting_key:
            expecting_key = False
            continue
        if current is None:
            return None
        field = current.model_fields.get(part) or next(
            (f for f in current.model_fields.values() if f.alias == part), None
        )
        if field is None:
            return None
        current, expecting_key = _model_at(field.annotation, node)
    if current is None or expecting_key:
        return None
    return [f.alias or n for n, f in current.model_fields.items()]


def _model_at(annotation: Any, node: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model type of a field's value (and whether it is a dict of such models); for a
    distribution, the family named by the value's ``distribution`` key."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin is dict and len(args) == 2:
        value_model, _ = _model_at(args[1], None)
        return value_model, True
    if origin is typing.Annotated:
        return _model_at(args[0], node)
    models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
    if len(models) == 1 and len(args) == 1:
        return models[0], False
    if models and isinstance(node, dict):  # a discriminated union: pick by the tag
        tag = node.get("distribution")
        for m in models:
            fam = m.model_fields.get("distribution")
            if fam is not None and typing.get_args(fam.annotation) == (tag,):
                return m, False
    for a in args:
        if typing.get_origin(a) is typing.Annotated or typing.get_args(a):
            found = _model_at(a, node)
            if found[0] is not None:
                return found
    return None, False


def _hint_for(err: Any, path: tuple[str, ...], data: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        parent = path[:-1]
        allowed = _allowed_keys(parent, data)
        if allowed:
            close = difflib.get_close_matches(path[-1], allowed, n=1)
            guess = f" Did you mean '{close[0]}'?" if close else ""
            return f"Allowed keys here: {', '.join(allowed)}.{guess}"
        return "Remove it or check its spelling."
    if kind == "union_tag_invalid":
        return (
            "Choose one of: exponential (mean), lognormal (mean, sd), gamma (mean, sd), "
            "fixed (value), empirical (values, probabilities), histogram (bin_edges, "
            "probabilities)."
        )
    if kind == "union_tag_not_found":
        return "Add 'distribution: <family>', e.g. {distribution: lognormal, mean: 5, sd: 6}."
    if kind == "string_pattern_mismatch":
        if path and path[0] == "uncertainty":  # a field's dotted path
            return (
                "Name the field by its dotted path as it is written in the file, e.g. "
                "onward_services.home_care.capacity or segments.aged_85_plus.population."
            )
        if "\\." in str(ctx.get("pattern", "")):  # a measure: <component>.<metric>
            return (
                "A measure is '<component>.<metric>' (e.g. acute_ward.occupancy): lower-case "
                "letters, digits and underscores on each side of one dot."
            )
        return "Names are lower-case letters, digits and underscores, starting with a letter."
    if kind == "missing":
        return "Add it."
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return ""
    if "expected" in ctx:
        return f"Allowed: {ctx['expected']}."
    return ""


def problems_from_validation(
    exc: ValidationError, data: dict[str, Any], prov: Provenance, root_file: str
) -> list[Problem]:
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        path = _loc_to_path(tuple(err["loc"]), data)
        msg = str(err["msg"])
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        if not path and err["type"] == "value_error":
            # cross-field checks report "path: message" lines
            for part in msg.split("\n"):
                sub_path, _, text = part.partition(": ")
                sub = tuple(sub_path.split(".")) if text else ()
                problems.append(
                    Problem(
                        _file_for(sub, prov, root_file),
                        ".".join(sub),
                        _sentence(text or part),
                    )
                )
            continue
        if (
            "input" in err
            and err["type"] not in ("missing", "extra_forbidden")
            and not isinstance(err["input"], dict | list)
        ):
            msg += f" (got {err['input']!r})"
        problems.append(
            Problem(
                _file_for(path, prov, root_file),
                ".".join(path),
                _sentence(msg),
                _hint_for(err, path, data),
            )
        )
    return problems


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    first = text.split(" ", 1)[0]
    if "_" not in first:
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."
