"""A run folder read back for plots and reports (:class:`SavedRun`): what was run
(run.json), its kind, its tables and its resolved scenarios, without re-running anything.
The writing side is :class:`pathsim.experiment.store.RunFolder`; both raise the same
RunFolderError."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from pathsim.experiment.store import RunFolderError
from pathsim.output import read_table
from pathsim.scenario.errors import ScenarioError
from pathsim.scenario.loader import load_scenario
from pathsim.scenario.models import Scenario

RunKind = Literal["run", "compare", "sweep", "sensitivity"]
KINDS: tuple[RunKind, ...] = ("run", "compare", "sweep", "sensitivity")


__all__ = ["KINDS", "RunFolderError", "RunKind", "SavedRun", "read_json_object"]


def read_json_object(path: Path) -> dict[str, Any]:
    """The JSON object in ``path`` (run.json, ensemble.json, ...); RunFolderError saying
    why when it cannot be read or is not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunFolderError(f"{path} cannot be read as JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise RunFolderError(f"{path} should hold a JSON object, not {type(data).__name__}")
    return data


@dataclass
class SavedRun:
    """A run folder on disk. Tables are read on first use (``table(name)``) and kept."""

    path: Path
    meta: dict[str, Any]
    _tables: dict[str, pd.DataFrame | None] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, path: str | Path) -> SavedRun:
        """Opens ``path``; raises RunFolderError naming the folder and what is missing."""
        folder = Path(path)
        if not folder.is_dir():
            raise RunFolderError(f"{folder} is not a folder; give a run folder (one with run.json)")
        run_json = folder / "run.json"
        if not run_json.is_file():
            raise RunFolderError(
                f"{folder} is not a pathsim run folder: it has no run.json (write one with "
                "'pathsim run SCENARIO --out DIR' or 'pathsim compare ... --out DIR')"
            )
        return cls(folder, read_json_object(run_json))

    @property
    def kind(self) -> RunKind:
        """run.json's "kind"; when absent, "compare" if comparison.csv is there, else "run"."""
        kind = self.meta.get("kind")
        if kind in KINDS:
            return kind  # type: ignore[no-any-return]
        if (self.path / "sweep.csv").exists():
            return "sweep"
        if (self.path / "sensitivity.csv").exists():
            return "sensitivity"
        if (self.path / "comparison.csv").exists():
            return "compare"
        return "run"

    @property
    def labels(self) -> list[str]:
        """Scenario labels in run order (the first is the baseline)."""
        return [str(s.get("label")) for s in self.meta.get("scenarios", []) if s.get("label")]

    @property
    def days(self) -> int | None:
        days = self.meta.get("days")
        return int(days) if isinstance(days, int | float) else None

    def table(self, name: str) -> pd.DataFrame | None:
        """Table ``name`` (e.g. "summary", "timeseries") or None when the folder lacks it."""
        if name not in self._tables:
            try:
                self._tables[name] = read_table(self.path, name)
            except FileNotFoundError:
                self._tables[name] = None
        return self._tables[name]

    def scenario(self, label: str) -> Scenario | None:
        """The resolved scenario saved under ``label``, or None when absent or unreadable."""
        for entry in self.meta.get("scenarios", []):
            if entry.get("label") == label and entry.get("resolved"):
                path = self.path / str(entry["resolved"])
                if path.is_file():
                    try:
                        return load_scenario(path)
                    except ScenarioError:
                        return None
        return None

    def scenarios(self) -> dict[str, Scenario]:
        """Every resolved scenario that can be read, by label."""
        out = {}
        for label in self.labels:
            sc = self.scenario(label)
            if sc is not None:
                out[label] = sc
        return out

    def sources(self) -> dict[str, str]:
        """Scenario labels mapped to the files they came from, as recorded in run.json."""
        return {
            str(s["label"]): str(s["source"])
            for s in self.meta.get("scenarios", [])
            if s.get("label") and s.get("source")
        }
