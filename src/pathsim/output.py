"""Run folders: the resolved scenarios, seeds, versions and results of a run, written
atomically so that a folder is either complete or absent, never half-written.

Layout::

    DIR/
      run.json            what was run: command, package version, seed, replications, days,
                          warm-up, start and end time, platform, scenario labels and files
      summary.csv         scenario, kpi, mean, ci_low, ci_high, n
      replications.csv    scenario, replication, kpi, value
      comparison.csv      (compare only) kpi, scenario, mean, ci_low, ci_high, diff, ...
      timeseries.csv      scenario, replication, day, service, metric, value, warmup
      ed_time_histogram.csv
      conservation.csv    scenario, replication, created, exited, present
      event_log.csv       (when the event log is on)
      scenarios/<label>.yaml   each scenario fully resolved (overlays applied, defaults filled)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from pathsim.experiment.runner import ComparisonResult, ExperimentResult
from pathsim.scenario.loader import scenario_to_yaml

_RUN_FOLDER_ENTRIES = {
    "run.json",
    "summary.csv",
    "replications.csv",
    "comparison.csv",
    "timeseries.csv",
    "ed_time_histogram.csv",
    "conservation.csv",
    "event_log.csv",
    "scenarios",
}


class OutputError(Exception):
    """The results folder cannot be written where asked."""


def package_version() -> str:
    try:
        return metadata.version("carepathsim")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def check_target(target: str | Path) -> Path:
    """Checks, before anything is run, that a run folder can be written at ``target``, and
    returns it as an absolute path. Raises OutputError with the reason otherwise."""
    path = Path(target).expanduser().resolve()
    _check_target(path)
    return path


def _check_target(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target} exists and is not a folder; choose another --out.")
    if target.is_dir() and any(target.iterdir()) and not (target / "run.json").exists():
        raise OutputError(
            f"{target} is a folder with other files in it; pathsim only replaces its own run "
            "folders (those with a run.json). Choose an empty or new folder."
        )


def write_run_folder(
    target: str | Path,
    result: ExperimentResult | ComparisonResult,
    *,
    command: str,
    started: dt.datetime,
    sources: dict[str, str] | None = None,
) -> Path:
    """Writes all outputs to a temporary folder beside ``target``, then moves it into place.

    ``sources`` maps scenario labels to the files they came from (recorded in run.json).
    """
    target = check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    experiments = result.experiments if isinstance(result, ComparisonResult) else [result]
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        _write_tables(tmp, result, experiments)
        (tmp / "scenarios").mkdir()
        for e in experiments:
            (tmp / "scenarios" / f"{e.label}.yaml").write_text(
                scenario_to_yaml(e.scenario), encoding="utf-8"
            )
        spec = experiments[0].spec
        meta: dict[str, Any] = {
            "command": command,
            "package": "carepathsim",
            "version": package_version(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "started": started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            **asdict(spec),
            "replication_numbers": list(range(spec.replications)),
            "seed_rule": (
                "replication r uses numpy.random.SeedSequence(seed, spawn_key=(r,)); each named "
                "stream adds the SHA-256 of its name to the spawn key"
            ),
            "scenarios": [
                {
                    "label": e.label,
                    "name": e.scenario.name,
                    "resolved": f"scenarios/{e.label}.yaml",
                    "source": (sources or {}).get(e.label),
                }
                for e in experiments
            ],
        }
        (tmp / "run.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        _replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _write_tables(
    folder: Path,
    result: ExperimentResult | ComparisonResult,
    experiments: list[ExperimentResult],
) -> None:
    def csv(name: str, frame: pd.DataFrame) -> None:
        frame.to_csv(folder / name, index=False, float_format="%.10g")

    csv("summary.csv", result.summary())
    csv("replications.csv", result.kpis)
    if isinstance(result, ComparisonResult):
        csv("comparison.csv", result.comparison())
    csv("timeseries.csv", pd.concat([e.timeseries for e in experiments], ignore_index=True))
    csv(
        "ed_time_histogram.csv",
        pd.concat([e.ed_time_histogram for e in experiments], ignore_index=True),
    )
    csv("conservation.csv", pd.concat([e.conservation for e in experiments], ignore_index=True))
    logs = [log for e in experiments if (log := e.event_log) is not None]
    if logs:
        csv("event_log.csv", pd.concat(logs, ignore_index=True))


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


def _replace(tmp: Path, target: Path) -> None:
    """Moves the finished folder into place; an older run folder there, or an empty folder
    (such as the current one), is replaced."""
    cwd = Path.cwd()
    if target.is_dir() and (target == cwd or target in cwd.parents):
        # The folder we are working in: it cannot be renamed away, so its old run files (it
        # is empty or a run folder, see check_target) are replaced one by one.
        for item in target.iterdir():
            if item.name in _RUN_FOLDER_ENTRIES and item.is_dir():
                shutil.rmtree(item)
            elif item.name in _RUN_FOLDER_ENTRIES:
                item.unlink()
        for item in tmp.iterdir():
            os.replace(item, target / item.name)
        tmp.rmdir()
        return
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, target)
