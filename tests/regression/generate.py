"""Stores the KPIs of every shipped scenario for a fixed seed, for tests/test_regression.py.

    python tests/regression/generate.py

Run it only when a change in simulated behaviour is intended, and say in CHANGELOG.md (under
"Behaviour") what changed and why: the regression test exists so that no change in the
numbers goes unnoticed.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

from pathsim import load_scenario, simulate

ROOT = Path(__file__).resolve().parents[2]
STORE = Path(__file__).with_name("baseline.json")
DAYS, WARMUP, REPLICATION = 60, 20, 0


def shipped() -> list[str]:
    """Every scenario file shipped in scenarios/, relative to the repository root."""
    return sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "scenarios").rglob("*.yaml")
        if p.parent.name != "targets"  # targets files are not scenarios
    )


def run(path: str) -> dict[str, float | None]:
    """The KPIs of one replication of a shipped scenario (NaN stored as null)."""
    kpis = simulate(load_scenario(ROOT / path), REPLICATION, days=DAYS, warmup_days=WARMUP).kpis
    return {k: None if math.isnan(v) else v for k, v in kpis.items()}


def main() -> None:
    data = {
        "numpy": np.__version__,
        "python": ".".join(map(str, sys.version_info[:2])),
        "days": DAYS,
        "warmup_days": WARMUP,
        "replication": REPLICATION,
        "results": {path: run(path) for path in shipped()},
    }
    tmp = STORE.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    tmp.replace(STORE)
    print(f"wrote {STORE} ({len(data['results'])} scenarios)")


if __name__ == "__main__":
    main()
