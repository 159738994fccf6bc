"""A run store that keeps only each replication's KPIs: what calibrations, ensembles and
screenings need from hundreds of settings, saved as each finishes (one small JSON file a
task), so that the same command run again into the same folder runs only what is missing."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pathsim.atomic import write_text
from pathsim.experiment.executor import Task
from pathsim.experiment.runner import RunSpec
from pathsim.model.replication import ReplicationResult
from pathsim.scenario.models import Scenario


class KpiStore:
    """Saves each replication's KPIs (only: no time series or tables) in ``folder`` as it
    finishes, one small JSON file a task, and gives them back when the same calibration is run
    again into the same folder: the design is seeded, so the same tasks come again and only
    those not yet saved run (an interrupted calibration resumes where it stopped)."""

    def __init__(self, folder: Path, fingerprint: str | None = None) -> None:
        """``fingerprint`` (see :func:`run_fingerprint`) names what the saved runs are runs of;
        a folder that holds runs of anything else is refused (:class:`KpiStoreMismatch`), so
        that a run saved for other scenarios or run settings is never taken for this one."""
        self.folder = folder
        mark = folder / "fingerprint.txt"
        if (
            fingerprint is not None
            and mark.exists()
            and mark.read_text(encoding="utf-8").strip() != fingerprint
        ):
            raise KpiStoreMismatch(
                f"{folder} holds runs of other scenarios or run settings (days, warm-up, "
                "seed): choose another --out, or delete the folder to start again"
            )
        folder.mkdir(parents=True, exist_ok=True)
        if fingerprint is not None and not mark.exists():
            write_text(mark, fingerprint + "\n")

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


class KpiStoreMismatch(ValueError):
    """A run store folder that holds runs of other scenarios or run settings."""


def run_fingerprint(scenarios: Sequence[Scenario], spec: RunSpec) -> str:
    """What decides every saved run apart from the setting (whose values label each run) and
    the replication (numbered in each file): the scenarios as resolved, the seed, the days and
    the warm-up. More replications into the same folder reuse those already run."""
    body = json.dumps(
        [
            [sc.model_dump(mode="json", by_alias=True) for sc in scenarios],
            [spec.seed, spec.days, spec.warmup_days],
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def digest(values: Mapping[str, Any]) -> str:
    """A short fingerprint of a setting's values, part of its runs' labels: a run saved for
    other values (a changed range, another version's sampling) is never taken for this one."""
    body = json.dumps({k: float(v) for k, v in values.items()}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:10]


def _slim(replication: int, seed: int, kpis: Mapping[str, float | None]) -> ReplicationResult:
    values = {k: (math.nan if v is None else float(v)) for k, v in kpis.items()}
    return ReplicationResult(replication, seed, values, pd.DataFrame(), None, {}, {}, ())
