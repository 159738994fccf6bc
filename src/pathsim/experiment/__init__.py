"""Replications, summaries with confidence intervals, and paired comparisons."""

from pathsim.experiment.runner import (
    COMPARISON_COLUMNS,
    SUMMARY_COLUMNS,
    ComparisonResult,
    ExperimentResult,
    RunSpec,
    compare,
    run_experiment,
)
from pathsim.experiment.stats import mean_ci

__all__ = [
    "COMPARISON_COLUMNS",
    "SUMMARY_COLUMNS",
    "ComparisonResult",
    "ExperimentResult",
    "RunSpec",
    "compare",
    "mean_ci",
    "run_experiment",
]
