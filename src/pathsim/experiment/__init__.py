"""Experiments: replications, comparisons, sweeps and sensitivity analysis on common random
numbers, in this process, in local worker processes or on a Dask cluster."""

from pathsim.experiment.executor import Backend
from pathsim.experiment.plan import Plan, Study, Variant, compare, run_experiment, run_plan
from pathsim.experiment.runner import (
    COMPARISON_COLUMNS,
    SUMMARY_COLUMNS,
    ComparisonResult,
    ExperimentResult,
    RunSpec,
)
from pathsim.experiment.stats import mean_ci

__all__ = [
    "COMPARISON_COLUMNS",
    "SUMMARY_COLUMNS",
    "Backend",
    "ComparisonResult",
    "ExperimentResult",
    "Plan",
    "RunSpec",
    "Study",
    "Variant",
    "compare",
    "mean_ci",
    "run_experiment",
    "run_plan",
]
