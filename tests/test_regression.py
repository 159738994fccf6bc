"""Regression back-tests: every shipped scenario gives exactly the stored KPIs for a fixed
seed, so that any change in simulated behaviour is seen (and explained in CHANGELOG.md).

The numbers depend on numpy's random generators, which numpy does not promise to keep the same
across versions: with another numpy than the one that stored them the test is skipped, saying
so, rather than failing for a reason that is not a change in pathsim.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent / "regression"))
from generate import STORE, run, shipped

STORED = json.loads(STORE.read_text())


def test_every_shipped_scenario_is_stored() -> None:
    assert sorted(STORED["results"]) == shipped(), (
        "a scenario was added or removed: run python tests/regression/generate.py"
    )


@pytest.mark.parametrize("path", sorted(STORED["results"]))
def test_shipped_scenario_gives_the_stored_numbers(path: str) -> None:
    if STORED["numpy"] != np.__version__:
        pytest.skip(f"stored with numpy {STORED['numpy']}; this is numpy {np.__version__}")
    got, want = run(path), STORED["results"][path]
    changed = {
        k: (want.get(k), got.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)
    }
    assert not changed, (
        f"{path}: simulated behaviour changed for {len(changed)} KPIs, e.g. "
        f"{dict(list(sorted(changed.items()))[:5])}. If intended, run "
        "python tests/regression/generate.py and explain the change in CHANGELOG.md."
    )
