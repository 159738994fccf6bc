"""Run folders from the Python API: results already in memory written out in the layout of
:mod:`pathsim.experiment.store` (the CLI writes the same layout as the runs finish).

Layout::

    DIR/
      run.json              what was run: kind, status (incomplete/complete), command, package
                            version, seed, replications, days, warm-up, start and end time,
                            platform, and every scenario variant with its source and overrides
      summary.csv           scenario, kpi, mean, ci_low, ci_high, n
      replications.csv      scenario, replication, kpi, value
      comparison.csv        (compare) kpi, scenario, mean, ci_low, ci_high, diff, ...
      sweep.csv             (sweep) point, <varied fields>, kpi, mean, ci_low, ci_high, n, diff, ...
      sensitivity.csv       (sensitivity) parameter, setting, value, kpi, base_mean, mean, ...
      timeseries.parquet    scenario, replication, day, service, metric, value, warmup
      timeseries_daily.csv  the time series across replications: mean, min, max per day
      ed_time_histogram.csv
      ambulance_handover_histogram.csv   (and every other table the components report)
      conservation.csv      scenario, replication, created, exited, present
      event_log.parquet     (when the event log is on)
      scenarios/<label>.yaml   each scenario fully resolved (overlays applied, defaults filled)
      tasks/v<variant>/r<replication>/   each replication's own results, saved as it finished
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from pathsim.experiment.executor import Task
from pathsim.experiment.plan import Plan, Study, Variant
from pathsim.experiment.runner import ComparisonResult, ExperimentResult
from pathsim.experiment.store import (
    RunFolder,
    RunFolderError,
    check_target,
    package_version,
)

OutputError = RunFolderError
"""The results folder cannot be written where asked (the name used before 0.2)."""

__all__ = [
    "OutputError",
    "check_target",
    "package_version",
    "read_table",
    "write_run_folder",
]


def write_run_folder(
    target: str | Path,
    result: ExperimentResult | ComparisonResult,
    *,
    command: str = "python API",
    started: dt.datetime | None = None,
    sources: Mapping[str, str] | None = None,
) -> Path:
    """Writes ``result`` as a run folder at ``target`` and returns its absolute path.

    ``sources`` maps scenario labels to the files they came from (recorded in run.json).
    Until the last file is written, run.json says ``"status": "incomplete"``.
    """
    experiments = result.experiments if isinstance(result, ComparisonResult) else [result]
    spec = experiments[0].spec
    plan = Plan(
        "compare" if isinstance(result, ComparisonResult) else "run",
        tuple(Variant(e.label, e.scenario) for e in experiments),
        spec,
    )
    folder = RunFolder.create(target, plan, command=command, sources=sources, started=started)
    for e in experiments:
        for r in e.results:
            folder.save(Task(e.label, r.replication), r)
    comparison = result if isinstance(result, ComparisonResult) else ComparisonResult([result])
    folder.finish(Study(plan, comparison))
    return folder.path


def read_table(folder: str | Path, name: str) -> pd.DataFrame:
    """Reads table ``name`` (such as ``"timeseries"``) of a run folder, whichever format it
    was written in: ``name.parquet`` when present, else ``name.csv``. Raises
    FileNotFoundError naming both when the folder has neither."""
    folder = Path(folder)
    parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
    if parquet.exists():
        return pd.read_parquet(parquet)
    if csv.exists():
        return pd.read_csv(csv)
    raise FileNotFoundError(f"{folder} has no {parquet.name} or {csv.name}")
