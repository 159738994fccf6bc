"""Hypothesis-generated mutations of a valid scenario file: whatever is broken, `pathsim
validate` either accepts the file or refuses it with exit code 2 and a message that names the
file (and, for a bad value, the field), within seconds, never with a traceback."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pathsim.cli import main

BASE = yaml.safe_load(Path("scenarios/fragmented.yaml").read_text())

BAD_VALUES = st.sampled_from(
    [
        -1,
        -0.5,
        0,
        1.5,
        1e300,
        -1e300,
        10**18,
        math.nan,
        math.inf,
        -math.inf,
        "text",
        "",
        [],
        [1, 2],
        {},
        {"distribution": "lognormal"},
        {"distribution": "nonsense", "mean": 1},
        True,
        None,
    ]
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in the mapping (mappings and lists descended into)."""
    out: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((*prefix, key))
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.append((*prefix, i))
            out += _paths(value, (*prefix, i))
    return out


PATHS = [p for p in _paths(BASE) if p[0] not in ("name", "description")]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    data = yaml.safe_load(Path("scenarios/fragmented.yaml").read_text())
    path = draw(st.sampled_from(PATHS))
    parent: Any = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    how = draw(st.sampled_from(["replace", "delete", "unknown_key"]))
    if how == "delete" and isinstance(parent, dict):
        del parent[last]
    elif how == "unknown_key" and isinstance(parent, dict):
        parent[f"{last}_typo"] = parent[last]
        del parent[last]
    else:
        parent[last] = draw(BAD_VALUES)
        how = "replace"
    return data, f"{how} {'.'.join(map(str, path))}"


@pytest.mark.slow
@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(mutated())
def test_a_mutated_file_is_accepted_or_refused_cleanly(
    tmp_path: Path, case: tuple[dict[str, Any], str]
) -> None:
    data, what = case
    path = tmp_path / "mutated.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    start = time.perf_counter()
    result = CliRunner().invoke(main, ["validate", str(path)])
    elapsed = time.perf_counter() - start
    assert elapsed < 5, f"{what}: took {elapsed:.1f} s"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{what}: {result.exception!r}"
    )
    assert "Traceback" not in result.output, what
    assert result.exit_code in (0, 2), f"{what}: exit {result.exit_code}: {result.output}"
    event(f"exit code {result.exit_code}")
    if result.exit_code == 2:
        assert "mutated.yaml" in result.output, f"{what}: file not named: {result.output}"
        assert "field '" in result.output, f"{what}: no field named: {result.output}"
