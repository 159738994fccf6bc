"""Small run folders of every kind (run, compare, sweep, sensitivity) for the tests of
plots, reports and diagrams: the shipped scenarios, 2 replications of 12 days after a
4-day warm-up, so that building all of them takes seconds."""

from __future__ import annotations

from pathlib import Path

from pathsim import RunSpec, compare, load_scenario, run_experiment, write_run_folder
from pathsim.experiment.design import sensitivity_plan, sweep_plan
from pathsim.experiment.plan import Plan, run_plan
from pathsim.experiment.runner import ComparisonResult, ExperimentResult
from pathsim.experiment.store import RunFolder

ROOT = Path(__file__).resolve().parents[1]
FRAGMENTED = ROOT / "scenarios" / "fragmented.yaml"
INTEGRATED = ROOT / "scenarios" / "integrated.yaml"


def spec() -> RunSpec:
    return RunSpec.from_scenario(load_scenario(FRAGMENTED), replications=2, days=12, warmup_days=4)


def comparison() -> ComparisonResult:
    """fragmented against integrated on the same patients."""
    return compare(
        [("fragmented", load_scenario(FRAGMENTED)), ("integrated", load_scenario(INTEGRATED))],
        spec(),
    )


def single() -> ExperimentResult:
    return run_experiment(load_scenario(FRAGMENTED), spec(), label="fragmented")


def write(result: ExperimentResult | ComparisonResult, target: Path) -> Path:
    """The result as a run folder, with the scenario files recorded as its sources."""
    files = {"fragmented": str(FRAGMENTED), "integrated": str(INTEGRATED)}
    labels = (
        [e.label for e in result.experiments]
        if isinstance(result, ComparisonResult)
        else [result.label]
    )
    return write_run_folder(target, result, command="test", sources={k: files[k] for k in labels})


def _study_folder(plan: Plan, target: Path) -> Path:
    folder = RunFolder.create(
        target, plan, command="test", sources={v.label: str(FRAGMENTED) for v in plan.variants}
    )
    folder.finish(run_plan(plan, folder=folder))
    return folder.path


def sweep_folder(target: Path) -> Path:
    """A 2 x 2 grid over beds and home care places."""
    plan = sweep_plan(
        load_scenario(FRAGMENTED),
        {"acute_ward.beds": [560, 640], "onward_services.home_care.capacity": [2000, 2400]},
        spec(),
    )
    return _study_folder(plan, target)


def sensitivity_folder(target: Path) -> Path:
    """Two parameters at a low and a high value around the base."""
    plan = sensitivity_plan(
        load_scenario(FRAGMENTED),
        {
            "acute_ward.beds": (540, 660),
            "onward_services.short_term_support.capacity": (300, 360),
        },
        spec(),
    )
    return _study_folder(plan, target)
