"""A run store that keeps only each replication's KPIs: what calibrations, ensembles and
screenings need from hundreds of settings, saved as each finishes (one small JSON file a
task), so that the same command run again into the same folder runs only what is missing."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from pathsim.atomic import write_text
from pathsim.experiment.executor import Task
from pathsim.model.replication import ReplicationResult


class KpiStore:
    """Saves each replication's KPIs (only: no time series or tables) in ``folder`` as it
    finishes, one small JSON file a task, and gives them back when the same calibration is run
    again into the same folder: the design is seeded, so the same tasks come again and only
    those not yet saved run (an interrupted calibration resumes where it stopped)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _file(self, task: Task) -> Path:
        return self.folder / f"{task.label}-r{task.replication}.json"

    def finished(self) -> Iterator[tuple[Task, ReplicationResult]]:
        for path in sorted(self.folder.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            task = Task(data["label"], int(data["replication"]))
            yield task, _slim(task.replication, int(data["seed"]), data["kpis"])

    def staging_path(self, task: Task) -> Path:
        return self.folder / f".{task.label}-r{task.replication}.parquet"

    def save(self, task: Task, result: ReplicationResult) -> ReplicationResult:
        body = {
            "label": task.label,
            "replication": task.replication,
            "seed": result.seed,
            "kpis": {k: (None if math.isnan(v) else v) for k, v in result.kpis.items()},
        }
        write_text(self._file(task), json.dumps(body))
        return _slim(task.replication, result.seed, result.kpis)


def digest(values: Mapping[str, Any]) -> str:
    """A short fingerprint of a setting's values, part of its runs' labels: a run saved for
    other values (a changed range, another version's sampling) is never taken for this one."""
    body = json.dumps({k: float(v) for k, v in values.items()}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:10]


def _slim(replication: int, seed: int, kpis: Mapping[str, float | None]) -> ReplicationResult:
    values = {k: (math.nan if v is None else float(v)) for k, v in kpis.items()}
    return ReplicationResult(replication, seed, values, pd.DataFrame(), None, {}, {}, ())
