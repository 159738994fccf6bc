"""Small scenarios built in code for tests (no files needed)."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pathsim.scenario import Scenario, validate_scenario_data
from pathsim.verify import erlang_b, erlang_c_wait

__all__ = [
    "erlang_b",
    "erlang_c_wait",
    "per_1000_per_year",
    "ranged_hospital",
    "rel",
    "scenario",
    "shipped_scenarios",
]

ROOT = Path(__file__).resolve().parents[1]


def shipped_scenarios() -> list[Path]:
    """Every scenario file shipped in scenarios/ (the targets files in scenarios/targets/
    are not scenarios)."""
    return sorted(p for p in (ROOT / "scenarios").rglob("*.yaml") if p.parent.name != "targets")


BASE: dict[str, Any] = {
    "name": "test system",
    "run": {"days": 100, "warmup_days": 10, "replications": 2, "seed": 1},
    "organisations": {
        "acute": {"label": "Acute", "payer": "nhs"},
        "council": {"label": "Council", "payer": "local_authority"},
    },
    "segments": {
        "everyone": {
            "population": 1000,
            "ed_attendances_per_1000_per_year": 0.0,
            "ed_assessment_hours": {"distribution": "exponential", "mean": 1.5},
            "admission_probability": 0.0,
            "length_of_stay_days": {"distribution": "exponential", "mean": 5.0},
            "discharge_pathway_share": {"P0": 1.0},
        }
    },
    "ed": {"organisation": "acute", "cubicles": 10},
    "acute_ward": {"organisation": "acute", "beds": 100},
}


def per_1000_per_year(rate_per_day: float, population: int = 1000) -> float:
    return rate_per_day * 365.25 * 1000 / population


def scenario(**changes: Any) -> Scenario:
    """BASE with dotted-path changes, e.g. scenario(**{"ed.cubicles": 3})."""
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        node = data
        parts = dotted.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return validate_scenario_data(data)


def rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b) if b else math.inf


def ranged_hospital(folder: Path) -> Path:
    """The reference hospital (experiments/benchmarks) written into ``folder`` with ranges on
    its length of stay (uniform, 3 to 5 days: at most 375 of its 400 beds' worth, clear of
    gridlock) and its A&E cubicles (26 to 34): a small, fast scenario to calibrate, compare
    across an ensemble and screen."""
    reference = (ROOT / "experiments" / "benchmarks" / "reference_hospital.yaml").read_text()
    path = folder / "hospital.yaml"
    path.write_text(
        reference + "uncertainty:\n"
        "  segments.everyone.length_of_stay_days.mean: {shape: uniform, low: 3, high: 5,"
        " reason: test}\n"
        "  ed.cubicles: {low: 26, high: 34, reason: test}\n"
    )
    return path


class Stop(Exception):
    """Raised by :func:`stop_after` to interrupt a run part-way (as a kill would)."""


def stop_after(count: int) -> Callable[[int], None]:
    """A progress callback that raises :class:`Stop` once ``count`` replications have
    finished: an interrupted run, to test that it resumes with nothing lost or duplicated."""
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if done >= count:
            raise Stop

    return step


def without_implementation_costs(sc: Scenario) -> Scenario:
    """``sc`` with no lever's implementation costs (and no ranges on them): the levers' flows
    alone, to compare with a scenario without the levers."""
    data = sc.model_dump(mode="json", by_alias=True)
    for lever in data["integration"].values():
        lever["implementation_costs"] = None
    data["uncertainty"] = {
        p: r for p, r in data["uncertainty"].items() if ".implementation_costs." not in p
    }
    return Scenario.model_validate(data)
