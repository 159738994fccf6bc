"""An experiment as a plan: scenario variants x replications, run on any backend, with
results saved task by task when a run folder is given (so an interrupted experiment resumes).

Every kind of experiment reduces to the same plan: ``run`` is one variant, ``compare`` several
named by the user, ``sweep`` one per grid point, ``sensitivity`` the base and a low and high
variant per parameter. Replication r of every variant sees the same patients (common random
numbers), so paired differences from the first variant measure the configuration alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from pathsim.experiment.executor import Backend, Task, execute
from pathsim.experiment.runner import (
    ComparisonResult,
    ExperimentResult,
    Progress,
    RunSpec,
)
from pathsim.model.replication import ReplicationResult
from pathsim.scenario.models import Scenario

if TYPE_CHECKING:
    from pathsim.experiment.store import RunFolder

Kind = Literal["run", "compare", "sweep", "sensitivity"]


@dataclass(frozen=True)
class Variant:
    """One configuration of an experiment. ``overrides`` are the dotted field paths that
    make it from the plan's base (empty for files given whole, as in ``compare``)."""

    label: str
    scenario: Scenario
    overrides: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """What to run. ``design`` holds what a kind needs beyond the variants (the varied
    fields of a sweep, the parameters of a sensitivity analysis), as plain data."""

    kind: Kind
    variants: tuple[Variant, ...]
    spec: RunSpec
    design: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        labels = [v.label for v in self.variants]
        if not labels:
            raise ValueError("a plan needs at least one variant")
        if len(set(labels)) != len(labels):
            raise ValueError(f"variant labels must be unique: {labels}")

    def tasks(self) -> list[Task]:
        """Every (variant, replication), replication by replication, so that an interrupted
        experiment holds complete pairs for the replications it finished."""
        return [Task(v.label, r) for r in range(self.spec.replications) for v in self.variants]


@dataclass
class Study:
    """The results of a plan: the comparison of its variants, and the tables of its kind."""

    plan: Plan
    result: ComparisonResult

    @property
    def experiment(self) -> ExperimentResult:
        """The first (for ``run``, the only) variant's results."""
        return self.result.base

    def sweep_table(self, level: float = 0.95) -> pd.DataFrame:
        """One row per grid point and KPI: point, each varied field, kpi, mean, ci_low,
        ci_high, n, diff, diff_ci_low, diff_ci_high (paired difference from point 0)."""
        fields: list[str] = list(self.plan.design.get("fields", []))
        points = pd.DataFrame(
            [
                {"scenario": v.label, "point": i, **{f: v.overrides.get(f) for f in fields}}
                for i, v in enumerate(self.plan.variants)
            ]
        )
        table = self._comparison_with_n(level).merge(points, on="scenario")
        cols = ["point", *fields, "kpi", "mean", "ci_low", "ci_high", "n"]
        cols += ["diff", "diff_ci_low", "diff_ci_high"]
        return table.sort_values(["point"], kind="stable")[cols].reset_index(drop=True)

    def sensitivity_table(self, level: float = 0.95) -> pd.DataFrame:
        """One row per parameter, setting (low or high) and KPI: parameter, setting, value,
        kpi, base_mean, mean, ci_low, ci_high, diff, diff_ci_low, diff_ci_high (paired
        difference from the base, the first variant)."""
        settings = pd.DataFrame(
            [
                {
                    "scenario": v.label,
                    "parameter": p,
                    "setting": v.label.rsplit(":", 1)[1],
                    "value": value,
                }
                for v in self.plan.variants[1:]
                for p, value in v.overrides.items()
            ]
        )
        table = self.result.comparison(level)
        base = table[table["scenario"] == self.plan.variants[0].label][["kpi", "mean"]]
        table = table.merge(settings, on="scenario").merge(
            base.rename(columns={"mean": "base_mean"}), on="kpi"
        )
        cols = ["parameter", "setting", "value", "kpi", "base_mean", "mean", "ci_low"]
        cols += ["ci_high", "diff", "diff_ci_low", "diff_ci_high"]
        return table[cols]

    def _comparison_with_n(self, level: float) -> pd.DataFrame:
        n = self.result.summary(level)[["scenario", "kpi", "n"]]
        return self.result.comparison(level).merge(n, on=["scenario", "kpi"])

    def tables(self, level: float = 0.95, *, event_log: bool = True) -> dict[str, pd.DataFrame]:
        """Every result table of this kind of experiment, by file stem (the files of a run
        folder: docs/run-folders.md). The event log (when on) is read whole into memory,
        from its files if it was streamed; ``event_log=False`` leaves it out (a run folder
        writes it by joining the replications' files instead)."""
        r = self.result
        tables = {"summary": r.summary(level), "replications": r.kpis}
        if self.plan.kind == "compare":
            tables["comparison"] = r.comparison(level)
        elif self.plan.kind == "sweep":
            tables["sweep"] = self.sweep_table(level)
        elif self.plan.kind == "sensitivity":
            tables["sensitivity"] = self.sensitivity_table(level)
        timeseries = r.timeseries
        tables["timeseries"] = timeseries
        tables["timeseries_daily"] = daily_bands(timeseries)
        tables["ed_time_histogram"] = r.ed_time_histogram
        for name in r.table_names:
            tables[name] = r.table(name)
        tables["conservation"] = r.conservation
        if event_log and (log := r.event_log) is not None:
            tables["event_log"] = log
        return tables


def daily_bands(timeseries: pd.DataFrame) -> pd.DataFrame:
    """The time series across replications, small enough for a spreadsheet: scenario, day,
    service, metric, warmup, mean, min, max."""
    keys = ["scenario", "day", "service", "metric", "warmup"]
    grouped = timeseries.groupby(keys, sort=False)["value"]
    return grouped.agg(["mean", "min", "max"]).reset_index()


def run_plan(
    plan: Plan,
    backend: Backend | None = None,
    *,
    folder: RunFolder | None = None,
    progress: Progress | None = None,
    on_result: Callable[[Task, ReplicationResult], None] | None = None,
) -> Study:
    """Runs every task of ``plan`` not already saved in ``folder`` and returns the results
    of all of them. Each finished task is saved to ``folder`` (when given) as it arrives, so
    an interruption loses only the tasks under way.

    With a folder and the event log on, no event log is held in memory: tasks run here or
    in local workers stream theirs into the folder (:meth:`RunFolder.staging_path`), those
    run on Dask are written there as they arrive, and the results point to the files."""
    backend = backend or Backend()
    results: dict[Task, ReplicationResult] = dict(folder.finished()) if folder else {}
    todo = [t for t in plan.tasks() if t not in results]
    if progress and results:
        progress(len(results))
    scenarios = {v.label: v.scenario for v in plan.variants}
    log_paths = (
        {t: folder.staging_path(t) for t in todo} if folder and plan.spec.event_log else None
    )
    for task, result in execute(scenarios, todo, plan.spec, backend, log_paths=log_paths):
        if folder:
            result = folder.save(task, result)
        results[task] = result
        if on_result:
            on_result(task, result)
        if progress:
            progress(1)
    return Study(plan, assemble(plan, results))


def assemble(plan: Plan, results: Mapping[Task, ReplicationResult]) -> ComparisonResult:
    """The results of every task as one ExperimentResult per variant, in replication order."""
    experiments = []
    for v in plan.variants:
        exp = ExperimentResult(v.label, v.scenario, plan.spec)
        exp.results = [results[Task(v.label, r)] for r in range(plan.spec.replications)]
        experiments.append(exp)
    return ComparisonResult(experiments)


def single(label: str, scenario: Scenario, spec: RunSpec) -> Plan:
    """A plan for replications of one scenario."""
    return Plan("run", (Variant(label, scenario),), spec)


def comparison(scenarios: Sequence[tuple[str, Scenario]], spec: RunSpec) -> Plan:
    """A plan comparing scenarios given whole; the first is the baseline."""
    return Plan("compare", tuple(Variant(label, sc) for label, sc in scenarios), spec)


def run_experiment(
    scenario: Scenario,
    spec: RunSpec | None = None,
    *,
    label: str | None = None,
    progress: Progress | None = None,
    backend: Backend | None = None,
) -> ExperimentResult:
    """Runs ``spec.replications`` replications (numbered 0..N-1) of ``scenario``, in this
    process unless ``backend`` says otherwise (``Backend.local()`` for all cores,
    ``Backend(dask="tcp://...")`` for a Dask cluster); the results are the same anywhere."""
    spec = spec or RunSpec.from_scenario(scenario)
    plan = single(label or scenario.name, scenario, spec)
    return run_plan(plan, backend, progress=progress).experiment


def compare(
    scenarios: Sequence[tuple[str, Scenario]],
    spec: RunSpec,
    *,
    progress: Progress | None = None,
    backend: Backend | None = None,
) -> ComparisonResult:
    """Runs every (label, scenario) pair with the same replications and seed; the first is
    the baseline of the paired differences."""
    return run_plan(comparison(scenarios, spec), backend, progress=progress).result
