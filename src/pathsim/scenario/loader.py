"""Reading scenario files: safe YAML, ``extends:`` overlays, and validation with errors that
name the file and the field.

An overlay file names its base with ``extends: relative/path.yaml`` and overrides any part of
it: mappings are merged key by key, any other value (a number, a list, a distribution given in
full) replaces the base's value. Writing ``null`` for a key removes it from the base.
Mappings of shares that must sum to 1 (``discharge_pathway_share``, the entries of
``discharge_pathway_services``) are replaced whole, and so is a distribution given with a
different ``distribution`` family.

Top-level keys that start with ``x-`` are ignored (as in docker-compose files): they hold YAML
anchors that the rest of the file reuses with aliases.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pathsim.scenario.errors import ScenarioError
from pathsim.scenario.extends import project_folder, resolve_base
from pathsim.scenario.extends import shown as _display
from pathsim.scenario.messages import Provenance, problems_from_validation
from pathsim.scenario.models import Scenario
from pathsim.scenario.uncertainty_check import range_problems

MAX_FILE_BYTES = 2_000_000
MAX_EXPANDED_NODES = 200_000
MAX_EXTENDS_DEPTH = 20


class _LimitedLoader(yaml.SafeLoader):
    """A SafeLoader that refuses documents whose aliases would expand past a node budget
    (the 'billion laughs' attack) before any Python object is built, and leaves dates as text
    so that the scenario model validates them (and can name the field of a bad one)."""

    yaml_implicit_resolvers = {  # noqa: RUF012 - PyYAML's own class attribute
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_document(self) -> yaml.Node | None:
        node = super().compose_document()
        if node is not None:
            _check_expanded_size(node)
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Refuses a key given twice in one mapping (PyYAML would keep the last silently)."""
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = key_node.value
                if key in seen:
                    first = seen[key].start_mark.line + 1
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"the key '{key}' is given twice in one mapping (first on line {first})",
                        key_node.start_mark,
                    )
                seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def _check_expanded_size(root: yaml.Node) -> None:
    memo: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        if depth > 200:
            raise ValueError("the document nests more than 200 levels deep")
        key = id(node)
        if key in open_nodes:
            raise ValueError("an alias (*name) refers to a mapping or list that contains it")
        if key in memo:
            return memo[key]
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k, depth + 1) + size(v, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                total += size(item, depth + 1)
        if total > MAX_EXPANDED_NODES:
            raise ValueError(
                f"the document expands to more than {MAX_EXPANDED_NODES:,} values "
                "(through YAML anchors and aliases?)"
            )
        open_nodes.discard(key)
        memo[key] = total
        return total

    size(root, 0)


def _read_yaml(path: Path, display: str) -> dict[str, Any]:
    if path.is_dir():
        raise ScenarioError.single(display, "", "is a directory, not a scenario file.")
    if not path.exists():
        raise ScenarioError.single(display, "", "file not found.")
    try:
        n_bytes = path.stat().st_size
        if n_bytes > MAX_FILE_BYTES:
            raise ScenarioError.single(
                display,
                "",
                f"file is {n_bytes:,} bytes; scenario files are limited to {MAX_FILE_BYTES:,}.",
            )
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError.single(
            display, "", "is not a text file (it is not valid UTF-8).", "Save it as UTF-8 YAML."
        ) from None
    except OSError as exc:
        raise ScenarioError.single(display, "", f"cannot be read: {exc.strerror}.") from None
    try:
        data = yaml.load(text, Loader=_LimitedLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        hint = (
            ""
            if isinstance(exc, yaml.constructor.ConstructorError)
            else ("Check indentation and colons.")
        )
        raise ScenarioError.single(
            display, "", f"is not valid YAML{where}: {problem}.", hint
        ) from None
    except (ValueError, RecursionError) as exc:
        raise ScenarioError.single(display, "", f"is refused: {exc}.") from None
    if data is None:
        raise ScenarioError.single(
            display, "", "is empty.", "A scenario needs at least 'name' (or 'extends')."
        )
    if not isinstance(data, dict):
        raise ScenarioError.single(
            display,
            "",
            f"must be a mapping of keys to values at the top level, not a {type(data).__name__}.",
        )
    bad_keys = [k for k in data if not isinstance(k, str)]
    if bad_keys:
        raise ScenarioError.single(display, "", f"has non-text top-level key {bad_keys[0]!r}.")
    return data


# Mappings whose values must sum to 1 are replaced whole by an overlay, never merged key by
# key: merging {P0: 0.9, P2: 0.1} into {P0: 0.9, P1: 0.1} would keep P1 and break the sum.
_REPLACED_WHOLE = (
    ("segments", "*", "discharge_pathway_share"),
    ("discharge_pathway_services", "*"),
)


def _replaced_whole(path: tuple[str, ...], old: dict[str, Any], new: dict[str, Any]) -> bool:
    if any(
        len(path) == len(pattern) and all(p in ("*", q) for p, q in zip(pattern, path, strict=True))
        for pattern in _REPLACED_WHOLE
    ):
        return True
    # A distribution given with another family replaces the base's whole; with the same
    # family (or none), it is merged, so '{mean: 6}' changes only the mean.
    family = new.get("distribution")
    return family is not None and family != old.get("distribution")


def _merge(
    base: dict[str, Any],
    over: Mapping[str, Any],
    prov: Provenance,
    file: str,
    prefix: tuple[str, ...] = (),
) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        path = (*prefix, str(key))
        if value is None:  # removes the key: the model's default applies
            out.pop(key, None)
            _forget(prov, path)
            continue
        old = out.get(key)
        if (
            isinstance(value, dict)
            and isinstance(old, dict)
            and not _replaced_whole(path, old, value)
        ):
            out[key] = _merge(old, value, prov, file, path)
            prov[path] = file  # errors about the mapping as a whole name the file that changed it
        else:
            _forget(prov, path)
            out[key] = _without_nulls(value)
            _record(prov, out[key], file, path)
    return out


def _without_nulls(value: Any) -> Any:
    """A mapping without its null entries (null means 'not given'), recursively."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    return value


def _forget(prov: Provenance, path: tuple[str, ...]) -> None:
    for k in [k for k in prov if k[: len(path)] == path]:
        del prov[k]


def _record(prov: Provenance, value: Any, file: str, path: tuple[str, ...]) -> None:
    prov[path] = file
    if isinstance(value, dict):
        for k, v in value.items():
            _record(prov, v, file, (*path, str(k)))


def load_scenario_data(path: str | Path) -> tuple[dict[str, Any], Provenance]:
    """Reads a scenario file and its chain of ``extends:`` bases into one merged mapping.

    Returns the mapping and, for every field path, the file that set it.
    """
    chain: list[tuple[Path, str, dict[str, Any]]] = []
    seen: list[Path] = []
    current = Path(path)
    first = _display(current)
    try:
        root = project_folder(current)
    except ValueError as exc:
        raise ScenarioError.single(first, "", f"is not a usable path: {exc}.") from None
    while True:
        try:
            resolved = current.resolve()
        except (OSError, RuntimeError) as exc:  # a symbolic link that points at itself
            raise ScenarioError.single(first, "", f"cannot be read: {exc}.") from None
        display = _display(current)
        if resolved in seen:
            cycle = " -> ".join(_display(p) for p in [*seen, resolved])
            raise ScenarioError.single(
                display, "extends", f"forms a cycle: {cycle}.", "Remove one of the extends."
            )
        if len(seen) >= MAX_EXTENDS_DEPTH:
            raise ScenarioError.single(
                display, "extends", f"chain is longer than {MAX_EXTENDS_DEPTH} files."
            )
        seen.append(resolved)
        data = _read_yaml(current, display)
        chain.append((current, display, data))
        base = data.get("extends")
        if base is None:
            break
        if not isinstance(base, str) or not base.strip():
            raise ScenarioError.single(
                display,
                "extends",
                f"must be the path of a base scenario file, not {base!r}.",
                "Example: extends: ../fragmented.yaml",
            )
        current = resolve_base(current, display, base, root, first)

    merged: dict[str, Any] = {}
    prov: Provenance = {}
    for _, display, data in reversed(chain):
        # Top-level keys starting with 'x-' are extension fields: a place to keep YAML
        # anchors (&name) for reuse further down the same file. They are not part of the
        # scenario.
        body = {k: v for k, v in data.items() if k != "extends" and not k.startswith("x-")}
        merged = _merge(merged, body, prov, display)
    return merged, prov


def validate_scenario_data(
    data: dict[str, Any], prov: Provenance | None = None, file: str = "<scenario>"
) -> Scenario:
    """Validates a merged scenario mapping, turning pydantic errors into a ScenarioError."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(problems_from_validation(exc, data, prov or {}, file)) from None
    except RecursionError:
        raise ScenarioError.single(file, "", "nests too deeply to be a scenario.") from None


def load_scenario(path: str | Path) -> Scenario:
    """Loads, merges (``extends:``) and validates a scenario file.

    Raises :class:`ScenarioError` with the file, field path and a hint when anything is wrong.
    """
    data, prov = load_scenario_data(path)
    file = _display(Path(path))
    scenario = validate_scenario_data(data, prov, file)
    problems = range_problems(scenario, file)
    if problems:
        raise ScenarioError(problems)
    return scenario


def scenario_to_yaml(scenario: Scenario) -> str:
    """The fully resolved scenario as YAML (all overlays applied, all defaults written out)."""
    data = scenario.model_dump(mode="json", by_alias=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
