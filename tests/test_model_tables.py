"""The model's further tables (``ReplicationResult.tables``, issue 19): the experiment layer
stacks, saves, reads back and joins any table by its name without any code naming it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pathsim import load_scenario, read_table
from pathsim.experiment import Backend, RunSpec
from pathsim.experiment.executor import Task
from pathsim.experiment.plan import Study, comparison, run_plan
from pathsim.experiment.runner import ComparisonResult
from pathsim.experiment.store import RunFolder
from pathsim.model.replication import ReplicationResult
from pathsim.output import write_run_folder
from pathsim.show.runfolder import SavedRun

ROOT = Path(__file__).resolve().parents[1]
SPEC = RunSpec(replications=2, seed=5, days=3, warmup_days=1)
NEW = "arrivals_by_hour"  # a table no code of pathsim names


def _with_new_table(r: ReplicationResult) -> ReplicationResult:
    hours = np.arange(24)
    table = pd.DataFrame(
        {"replication": r.replication, "hour": hours, "arrivals": hours * 10 + r.replication}
    )
    return dataclasses.replace(r, tables={**r.tables, NEW: table})


@pytest.fixture(scope="module")
def study() -> Study:
    pair = [
        ("fragmented", load_scenario(ROOT / "scenarios" / "fragmented.yaml")),
        ("integrated", load_scenario(ROOT / "scenarios" / "integrated.yaml")),
    ]
    study = run_plan(comparison(pair, SPEC), Backend())
    for e in study.result.experiments:
        e.results = [_with_new_table(r) for r in e.results]
    return study


def test_tables_are_stacked_by_name(study: Study) -> None:
    cmp = study.result
    assert cmp.table_names() == [
        "ed_time_histogram",
        "ambulance_handover_histogram",
        "escalation_level_changes",
        NEW,
    ]
    stacked = cmp.table(NEW)
    assert list(stacked.columns) == ["scenario", "replication", "hour", "arrivals"]
    assert len(stacked) == 2 * 2 * 24
    assert list(dict.fromkeys(stacked["scenario"])) == ["fragmented", "integrated"]
    pd.testing.assert_frame_equal(cmp.base.table(NEW), stacked.iloc[:48])
    tables = study.tables()
    pd.testing.assert_frame_equal(tables[NEW], stacked)
    assert list(tables)[-5:] == [
        "ed_time_histogram",
        "ambulance_handover_histogram",
        "escalation_level_changes",
        NEW,
        "conservation",
    ]
    with pytest.raises(KeyError, match="no_such_table"):
        cmp.table("no_such_table")


def test_a_new_table_is_saved_and_read_back_by_a_run_folder(study: Study, tmp_path: Path) -> None:
    out = write_run_folder(tmp_path / "run", study.result)
    for i in range(2):
        for r in range(SPEC.replications):
            assert (out / "tasks" / f"v{i:04d}" / f"r{r:05d}" / f"{NEW}.parquet").is_file()
    # the whole table at the top of the folder, read by name
    pd.testing.assert_frame_equal(read_table(out, NEW), study.result.table(NEW))
    saved = SavedRun.open(out).table(NEW)
    assert saved is not None and len(saved) == 96
    # each replication's own, loaded back from its task folder
    folder = RunFolder.open(out)
    for e in study.result.experiments:
        for r in e.results:
            loaded = folder.load(e.label, r.replication)
            assert sorted(loaded.tables) == sorted(r.tables)
            for name, table in r.tables.items():
                pd.testing.assert_frame_equal(loaded.tables[name], table)
    # and the results rebuilt from the folder alone (as when resuming) have it too
    again = ComparisonResult(study.result.experiments)
    for e in again.experiments:
        e.results = [folder.load(e.label, r.replication) for r in e.results]
    pd.testing.assert_frame_equal(again.table(NEW), study.result.table(NEW))


def test_table_names_that_cannot_be_saved_are_refused(study: Study, tmp_path: Path) -> None:
    r = study.result.base.results[0]
    folder = RunFolder.create(tmp_path / "run", study.plan, command="test")
    try:
        for bad in ("timeseries", "event_log", "../escape", ".hidden", "a b"):
            broken = dataclasses.replace(r, tables={bad: r.tables[NEW]})
            with pytest.raises(ValueError, match="cannot be saved"):
                folder.save(Task("fragmented", 0), broken)
    finally:
        folder.release()
    clash = dataclasses.replace(r, tables={"summary": r.tables[NEW]})
    base = study.result.base
    bad_study = Study(
        study.plan,
        ComparisonResult([dataclasses.replace(base, results=[clash, *base.results[1:]])]),
    )
    with pytest.raises(ValueError, match="name of a result table"):
        bad_study.tables()
