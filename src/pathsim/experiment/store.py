"""Run folders that survive interruption.

A run folder is created when an experiment starts. Its ``run.json`` says what is being run
(kind, seed, replications, days, variants and how each was made) and its ``status``:
``incomplete`` until every result table is in place, then ``complete``. The resolved
scenario of every variant is written to ``scenarios/`` at the start, so the folder alone is
enough to resume the experiment or to re-run any replication.

Each finished replication is saved at once under ``tasks/`` (its KPIs as JSON, its tables as
Parquet), written to a temporary folder and renamed into place, so a task is either wholly
saved or absent: killing the process loses only the replications under way, and resuming
runs exactly the tasks that are missing. Every other file is also written to a temporary
name and renamed.

Event logs are streamed: a replication run in this process or in a local worker writes its
log, row group by row group, to ``tasks/.staging/`` as it runs; saving the task moves the
finished file into the task's folder, and the run's ``event_log.parquet`` is then written by
appending every task's row groups in turn, so no process ever holds a whole log, let alone
all of them. Staging files left by an interrupted run are removed when the folder is resumed.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pandas as pd

from pathsim.atomic import atomic_path, usual_mode, write_text
from pathsim.experiment.eventlogs import store_log, write_event_log
from pathsim.experiment.executor import Task
from pathsim.experiment.plan import Plan, Study, Variant
from pathsim.experiment.runner import RunSpec
from pathsim.model.replication import ReplicationResult
from pathsim.scenario.errors import ScenarioError
from pathsim.scenario.loader import load_scenario, scenario_to_yaml

FORMAT = 2
"""Version of the run-folder layout written in run.json (1: the all-at-once folders of
pathsim 0.1 before resumable runs)."""

LARGE_TABLES = ("timeseries", "event_log")
"""Tables written as Parquet (they run to millions of rows); every other table is CSV."""

_OWN_ENTRIES = {"run.json", "scenarios", "tasks", "report.html", "plots", ".lock"}
_OWN_SUFFIXES = (".csv", ".parquet")


class RunFolderError(Exception):
    """A run folder cannot be created, resumed or read; the message says why and what to do."""


def package_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("carepathsim")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def write_table(folder: Path, name: str, frame: pd.DataFrame) -> Path:
    """Writes table ``name`` atomically: Parquet for the large tables, CSV (which opens in
    Excel) for the others. Returns the file written."""
    parquet = name in LARGE_TABLES
    path = folder / f"{name}.{'parquet' if parquet else 'csv'}"
    with atomic_path(path) as tmp:
        if parquet:
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False, float_format="%.10g")
    return path


def check_target(target: str | Path) -> Path:
    """Checks, before anything is run, that a new run folder may be made at ``target`` and
    returns it as an absolute path. A folder pathsim made for a finished run is replaced; an
    unfinished one is kept (it can be resumed); any other non-empty folder is refused."""
    path = Path(target).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise RunFolderError(f"{path} exists and is not a folder; choose another --out.")
    if path.is_dir() and any(path.iterdir()):
        meta = _read_meta(path) if (path / "run.json").exists() else None
        if meta is None:
            raise RunFolderError(
                f"{path} is a folder with other files in it; pathsim only replaces its own "
                "run folders (those with a run.json). Choose an empty or new folder."
            )
        if meta.get("status") == "incomplete":
            raise RunFolderError(
                f"{path} holds an unfinished run ({_progress_text(path, meta)}). Continue it "
                f"with --resume {_quote(path)}, or delete the folder to start again."
            )
    return path


class RunFolder:
    """A run folder being written (see the module docstring)."""

    def __init__(self, path: Path, plan: Plan, meta: dict[str, Any]) -> None:
        self.path = path
        self.plan = plan
        self.meta = meta
        self._index = {v.label: i for i, v in enumerate(plan.variants)}
        self._lock: int | None = None

    def lock(self) -> None:
        """Claims the folder for this process until it ends (an advisory lock that the
        operating system releases even when the process is killed), and removes the
        half-saved replications an interrupted process left. Raises RunFolderError when
        another pathsim process is working in the folder."""
        fd = os.open(self.path / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RunFolderError(
                f"another pathsim process is running in {self.path}; wait for it to finish "
                "(or stop it) before resuming."
            ) from None
        self._lock = fd
        _remove_temporaries(self.path / "tasks", "v*/.r*.tmp")  # half-saved replications
        shutil.rmtree(self._staging, ignore_errors=True)
        _remove_temporaries(self.path)

    def release(self) -> None:
        """Gives up the claim taken by :meth:`lock` (also done by :meth:`finish`)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    # -- creating and opening -------------------------------------------------------------

    @classmethod
    def create(
        cls,
        target: str | Path,
        plan: Plan,
        *,
        command: str,
        sources: Mapping[str, str] | None = None,
        started: dt.datetime | None = None,
    ) -> RunFolder:
        """Starts a new run folder at ``target`` (see :func:`check_target`)."""
        path = check_target(target)
        path.mkdir(parents=True, exist_ok=True)
        _clear_own(path)
        (path / "scenarios").mkdir()
        (path / "tasks").mkdir()
        for v in plan.variants:
            write_text(path / "scenarios" / f"{v.label}.yaml", scenario_to_yaml(v.scenario))
        meta: dict[str, Any] = {
            "format": FORMAT,
            "kind": plan.kind,
            "status": "incomplete",
            "command": command,
            "package": "carepathsim",
            "version": package_version(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "started": (started or dt.datetime.now().astimezone()).isoformat(timespec="seconds"),
            "finished": None,
            **asdict(plan.spec),
            "replication_numbers": list(range(plan.spec.replications)),
            "seed_rule": (
                "replication r uses numpy.random.SeedSequence(seed, spawn_key=(r,)); each named "
                "stream adds the SHA-256 of its name to the spawn key"
            ),
            "design": dict(plan.design),
            "scenarios": [
                {
                    "label": v.label,
                    "name": v.scenario.name,
                    "resolved": f"scenarios/{v.label}.yaml",
                    "source": (sources or {}).get(v.label),
                    "overrides": dict(v.overrides),
                    "tasks": f"tasks/v{i:04d}",
                }
                for i, v in enumerate(plan.variants)
            ],
            "tasks_total": len(plan.tasks()),
        }
        folder = cls(path, plan, meta)
        folder.lock()
        folder._write_meta()
        return folder

    @classmethod
    def open(cls, target: str | Path) -> RunFolder:
        """Opens an existing run folder, rebuilding its plan from the folder alone."""
        path = Path(target).expanduser().resolve()
        if not (path / "run.json").is_file():
            raise RunFolderError(f"{path} is not a pathsim run folder (it has no run.json).")
        meta = _read_meta(path)
        if meta.get("format") != FORMAT:
            raise RunFolderError(
                f"{path} was written by an older pathsim (run-folder format "
                f"{meta.get('format', 1)}, this version reads {FORMAT}); it cannot be resumed."
            )
        try:
            spec = RunSpec(
                replications=int(meta["replications"]),
                seed=int(meta["seed"]),
                days=int(meta["days"]),
                warmup_days=int(meta["warmup_days"]),
                event_log=bool(meta["event_log"]),
            )
            variants = tuple(
                Variant(
                    s["label"],
                    load_scenario(path / s["resolved"]),
                    s.get("overrides") or {},
                )
                for s in meta["scenarios"]
            )
            plan = Plan(meta["kind"], variants, spec, meta.get("design") or {})
        except ScenarioError as exc:
            raise RunFolderError(f"{path}: a stored scenario no longer loads: {exc}") from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise RunFolderError(f"{path}/run.json is damaged ({exc!r}).") from exc
        return cls(path, plan, meta)

    # -- tasks ----------------------------------------------------------------------------

    def task_dir(self, task: Task) -> Path:
        return self.path / "tasks" / f"v{self._index[task.label]:04d}" / f"r{task.replication:05d}"

    @property
    def _staging(self) -> Path:
        return self.path / "tasks" / ".staging"

    def staging_path(self, task: Task) -> Path:
        """Where the event log of ``task`` is streamed while it runs (:meth:`save` moves it
        into the task's folder). The folder is created if needed."""
        self._staging.mkdir(parents=True, exist_ok=True)
        index = self._index[task.label]
        return self._staging / f"v{index:04d}-r{task.replication:05d}.event_log.parquet"

    def save(self, task: Task, result: ReplicationResult) -> ReplicationResult:
        """Saves one finished replication atomically (a temporary folder renamed). An event
        log streamed to :meth:`staging_path` is moved into the task's folder (a log file
        elsewhere is copied). Returns the result as saved: its event log, if any, is the
        task folder's file, not a DataFrame in memory."""
        final = self.task_dir(task)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".r", suffix=".tmp", dir=final.parent))
        try:
            has_log = _dump_result(tmp, result, self._staging)
            usual_mode(tmp)
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if not has_log:
            return result
        return replace(result, event_log=None, event_log_file=final / "event_log.parquet")

    def finished(self) -> Iterator[tuple[Task, ReplicationResult]]:
        """The tasks of the plan saved so far, with their results."""
        for task in self.plan.tasks():
            d = self.task_dir(task)
            if (d / "result.json").is_file():
                yield task, _load_result(d)

    def count_finished(self) -> int:
        return sum((self.task_dir(t) / "result.json").is_file() for t in self.plan.tasks())

    def load(self, label: str, replication: int) -> ReplicationResult:
        """The stored result of one replication of one variant."""
        if label not in self._index:
            raise RunFolderError(
                f"{self.path} has no scenario '{label}'; it has: {', '.join(self._index)}."
            )
        d = self.task_dir(Task(label, replication))
        if not (d / "result.json").is_file():
            raise RunFolderError(
                f"{self.path} has no stored result for replication {replication} of '{label}'."
            )
        return _load_result(d)

    # -- finishing ------------------------------------------------------------------------

    def finish(self, study: Study) -> None:
        """Writes the result tables, then marks the folder complete (run.json last)."""
        for name, frame in study.tables(event_log=False).items():
            write_table(self.path, name, frame)
        write_event_log(self.path / "event_log.parquet", study.result)
        shutil.rmtree(self._staging, ignore_errors=True)
        self.meta["status"] = "complete"
        self.meta["finished"] = _now()
        self._write_meta()
        self.release()

    def _write_meta(self) -> None:
        write_text(self.path / "run.json", json.dumps(self.meta, indent=2, default=str) + "\n")


# -- one replication on disk -------------------------------------------------------------


def _dump_result(folder: Path, r: ReplicationResult, staging: Path) -> bool:
    """Writes ``r`` into the task folder ``folder``; returns whether it has an event log."""
    meta = {
        "replication": r.replication,
        "seed": r.seed,
        "kpis": r.kpis,
        "conservation": r.conservation,
        "streams": list(r.streams),
    }
    # json writes floats exactly (shortest repr) and NaN as NaN, so KPIs round-trip bit for bit.
    (folder / "result.json").write_text(json.dumps(meta), encoding="utf-8")
    r.timeseries.to_parquet(folder / "timeseries.parquet", index=False)
    r.ed_time_histogram.to_parquet(folder / "ed_time_histogram.parquet", index=False)
    for name, frame in r.tables.items():
        frame.to_parquet(folder / f"table.{name}.parquet", index=False)
    return store_log(r, folder / "event_log.parquet", staging)


def _load_result(folder: Path) -> ReplicationResult:
    """A saved replication; its event log stays in its file until asked for."""
    meta = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    log = folder / "event_log.parquet"
    return ReplicationResult(
        replication=int(meta["replication"]),
        seed=int(meta["seed"]),
        kpis={k: float(v) for k, v in meta["kpis"].items()},
        timeseries=pd.read_parquet(folder / "timeseries.parquet"),
        event_log=None,
        ed_time_histogram=pd.read_parquet(folder / "ed_time_histogram.parquet"),
        conservation={k: int(v) for k, v in meta["conservation"].items()},
        streams=tuple(meta["streams"]),
        event_log_file=log if log.exists() else None,
        tables={
            f.name[len("table.") : -len(".parquet")]: pd.read_parquet(f)
            for f in sorted(folder.glob("table.*.parquet"))
        },
    )


# -- helpers -----------------------------------------------------------------------------


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        meta = json.loads((path / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunFolderError(f"{path}/run.json cannot be read ({exc}).") from exc
    if not isinstance(meta, dict):
        raise RunFolderError(f"{path}/run.json is not a pathsim run description.")
    return meta


def _progress_text(path: Path, meta: dict[str, Any]) -> str:
    total = meta.get("tasks_total")
    done = sum(1 for _ in (path / "tasks").glob("v*/r*/result.json"))
    return f"{done} of {total} replications saved" if total else "not finished"


def _clear_own(path: Path) -> None:
    """Removes what an earlier, finished pathsim run left in ``path`` (check_target has made
    sure the folder holds nothing else that matters)."""
    for item in path.iterdir():
        if item.name in _OWN_ENTRIES and item.is_dir():
            shutil.rmtree(item)
        elif item.name in _OWN_ENTRIES or item.suffix in _OWN_SUFFIXES:
            item.unlink()
    _remove_temporaries(path)


def _remove_temporaries(path: Path, pattern: str = ".*.tmp") -> None:
    """Removes the temporary files and folders matching ``pattern`` under ``path`` that a
    killed process left (by default the tables' temporaries, which ``pathsim.atomic`` names
    ``.<table>.<random>.tmp``; the joined event log can be gigabytes)."""
    for stale in path.glob(pattern):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _quote(path: Path) -> str:
    import shlex

    return shlex.quote(str(path))
