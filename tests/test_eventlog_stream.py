"""The event log streamed to Parquet (issue 7): read back, it is exactly the log built in
memory; it is written in row groups of ``chunk_rows`` events; it appears only when the run
has finished; and run folders stream each replication's log into the folder, join them into
the same event_log.parquet as logs kept in memory, and clean up after a killed run."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pathsim import load_scenario, simulate
from pathsim.experiment import Backend, RunSpec
from pathsim.experiment.eventlogs import read_row_groups
from pathsim.experiment.executor import Task
from pathsim.experiment.parquet_log import ParquetSink, arrow_schema
from pathsim.experiment.plan import Plan, comparison, run_plan, single
from pathsim.experiment.store import RunFolder
from pathsim.model import eventlog
from pathsim.model.eventlog import EVENT_TYPES, EventLog, empty_event_log
from pathsim.output import write_run_folder
from pathsim.show.runfolder import SavedRun

ROOT = Path(__file__).resolve().parents[1]
FRAGMENTED = ROOT / "scenarios" / "fragmented.yaml"
INTEGRATED = ROOT / "scenarios" / "integrated.yaml"
# Short runs of the full default system (about 25,000 events a replication), so that every
# service and most events take part and later chunks bring events the first did not have.
SPEC = RunSpec(replications=2, seed=11, days=10, warmup_days=2, event_log=True)
SMALL_CHUNK = 1_000


def _one(path: Path | None = None) -> tuple[pd.DataFrame | None, object]:
    result = simulate(
        load_scenario(FRAGMENTED), 1, seed=11, days=10, warmup_days=2, event_log=True,
        event_log_path=path,
    )  # fmt: skip
    return result.event_log, result


@pytest.fixture(scope="module")
def in_memory() -> pd.DataFrame:
    log, _ = _one()
    assert log is not None
    return log


@pytest.mark.slow
def test_streamed_log_reads_back_exactly_as_the_log_in_memory(
    tmp_path: Path, in_memory: pd.DataFrame
) -> None:
    path = tmp_path / "log.parquet"
    log, result = _one(path)
    assert log is None  # streamed, not kept
    assert result.event_log_file == path  # type: ignore[attr-defined]
    back = pd.read_parquet(path)
    pd.testing.assert_frame_equal(back, in_memory)  # values, dtypes and category order
    pd.testing.assert_frame_equal(result.read_event_log(), in_memory)  # type: ignore[attr-defined]
    assert len(in_memory) > 10 * SMALL_CHUNK
    assert list(back.columns) == list(eventlog.EVENT_LOG_COLUMNS)
    # Categories: event types fixed, the others in order of first appearance.
    assert list(back["event_type"].cat.categories) == list(EVENT_TYPES)
    for col in ("event", "service", "organisation"):
        firsts = list(dict.fromkeys(back[col].astype(str)))
        assert list(back[col].cat.categories) == firsts


def test_small_chunks_give_row_groups_that_read_back_the_same(
    tmp_path: Path, in_memory: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(eventlog, "DEFAULT_CHUNK_ROWS", SMALL_CHUNK)
    path = tmp_path / "log.parquet"
    _one(path)
    file = pq.ParquetFile(path)
    sizes = [file.metadata.row_group(i).num_rows for i in range(file.num_row_groups)]
    assert file.num_row_groups == math.ceil(len(in_memory) / SMALL_CHUNK)
    assert sizes[:-1] == [SMALL_CHUNK] * (len(sizes) - 1) and sum(sizes) == len(in_memory)
    # Later row groups bring events the first did not have, so reading the file has to
    # unify the chunks' dictionaries: the categories still come out as in memory.
    first = set(file.read_row_group(0).column("event").chunk(0).dictionary.to_pylist())
    assert first < set(in_memory["event"].cat.categories)
    pd.testing.assert_frame_equal(pd.read_parquet(path), in_memory)


def test_event_log_given_a_sink_directly(tmp_path: Path, in_memory: pd.DataFrame) -> None:
    class Clock:
        now = 0.0

    env = Clock()
    service, organisation = in_memory["service"].astype(str), in_memory["organisation"]
    services = dict(zip(service, organisation.astype(str), strict=True))
    sink = ParquetSink(tmp_path / "log.parquet", 1, services)
    log = EventLog(env, services, sink, chunk_rows=777)
    assert log.streaming
    for row in in_memory.itertuples(index=False):
        env.now = row.time
        slot = -1 if pd.isna(row.resource_id) else int(row.resource_id) - 1
        log.add(row.patient_id, EVENT_TYPES.index(row.event_type), row.event, row.service, slot)
    assert len(log) == len(in_memory)
    assert not (tmp_path / "log.parquet").exists()  # nothing at the final name until closed
    path = log.close()
    assert pq.ParquetFile(path).num_row_groups == math.ceil(len(in_memory) / 777)
    pd.testing.assert_frame_equal(pd.read_parquet(path), in_memory)
    assert [p.name for p in tmp_path.iterdir()] == ["log.parquet"]
    with pytest.raises(ValueError, match="chunk_rows"):
        EventLog(env, services, sink, chunk_rows=0)


def test_empty_logs_agree(tmp_path: Path) -> None:
    class Clock:
        now = 0.0

    streamed = EventLog(Clock(), {}, ParquetSink(tmp_path / "empty.parquet", 0, {})).close()
    assert streamed is not None
    pd.testing.assert_frame_equal(pd.read_parquet(streamed), empty_event_log())
    pd.testing.assert_frame_equal(EventLog(Clock(), {}).to_frame(0), empty_event_log())


def test_a_run_that_fails_midway_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(eventlog, "DEFAULT_CHUNK_ROWS", SMALL_CHUNK)
    add = eventlog._StreamingEventLog.add

    def failing(self: EventLog, *args: object) -> None:
        add(self, *args)  # type: ignore[arg-type]
        if len(self) > 15 * SMALL_CHUNK:  # fifteen row groups are already written
            raise RuntimeError("the model failed")

    monkeypatch.setattr(eventlog._StreamingEventLog, "add", failing)
    with pytest.raises(RuntimeError, match="the model failed"):
        _one(tmp_path / "log.parquet")
    assert list(tmp_path.iterdir()) == []  # neither the file nor its temporary


def test_no_file_when_the_log_is_off(tmp_path: Path) -> None:
    result = simulate(
        load_scenario(FRAGMENTED), 0, days=3, warmup_days=0, event_log=False,
        event_log_path=tmp_path / "log.parquet",
    )  # fmt: skip
    assert result.event_log is None and result.event_log_file is None
    assert list(tmp_path.iterdir()) == []


# -- run folders ---------------------------------------------------------------------------


def _plan() -> Plan:
    pair = [("fragmented", load_scenario(FRAGMENTED)), ("integrated", load_scenario(INTEGRATED))]
    return comparison(pair, SPEC)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    """The event log of the plan kept in memory (no run folder), and the run folder written
    from those results in memory (as the Python API and runs on Dask do)."""
    study = run_plan(_plan(), Backend(workers=1))
    log = study.result.event_log
    assert log is not None
    assert all(r.event_log is not None for e in study.result.experiments for r in e.results)
    out = write_run_folder(tmp_path_factory.mktemp("memory") / "run", study.result)
    return log, out


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_run_folder_streams_logs_and_joins_them_as_in_memory(
    tmp_path: Path, reference: tuple[pd.DataFrame, Path], workers: int
) -> None:
    log, from_memory = reference
    plan = _plan()
    folder = RunFolder.create(tmp_path / "run", plan, command="test")
    study = run_plan(plan, Backend(workers=workers), folder=folder)
    for e in study.result.experiments:
        for r in e.results:  # the results point to the task folders' files, nothing in memory
            assert r.event_log is None and r.event_log_file is not None
            assert r.event_log_file.parent.parent.parent == folder.path / "tasks"
    folder.finish(study)
    out = folder.path
    assert not (out / "tasks" / ".staging").exists()
    joined = pd.read_parquet(out / "event_log.parquet")
    pd.testing.assert_frame_equal(joined, log)
    pd.testing.assert_frame_equal(pd.read_parquet(from_memory / "event_log.parquet"), log)
    pd.testing.assert_frame_equal(study.result.event_log, log)
    saved = SavedRun.open(out).table("event_log")
    assert saved is not None
    pd.testing.assert_frame_equal(saved, log)
    # Each task's own file, and a task loaded back, are that replication's log.
    for label in ("fragmented", "integrated"):
        for rep in range(SPEC.replications):
            part = log[(log["scenario"] == label) & (log["replication"] == rep)]
            part = part.drop(columns="scenario").reset_index(drop=True)
            loaded = RunFolder.open(out).load(label, rep)
            assert loaded.event_log is None  # read only when asked
            mine = loaded.read_event_log()
            assert mine is not None and len(mine) == len(part) > 0
            for col in part:  # the same values (categories are this replication's own)
                assert mine[col].astype(object).equals(part[col].astype(object)), col


@pytest.mark.slow
def test_run_folder_on_dask_keeps_logs_in_memory_and_saves_them_the_same(
    tmp_path: Path, reference: tuple[pd.DataFrame, Path]
) -> None:
    distributed = pytest.importorskip("distributed", reason="the 'dask' extra is not installed")
    plan = _plan()
    folder = RunFolder.create(tmp_path / "run", plan, command="test")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        study = run_plan(plan, Backend(dask=cluster.scheduler_address), folder=folder)
    folder.finish(study)
    assert all(r.event_log is None for e in study.result.experiments for r in e.results)
    assert not (folder.path / "tasks" / ".staging").exists()
    pd.testing.assert_frame_equal(pd.read_parquet(folder.path / "event_log.parquet"), reference[0])


@pytest.mark.slow
def test_joined_log_has_the_values_pathsim_wrote_before_streaming(
    reference: tuple[pd.DataFrame, Path],
) -> None:
    """Before streaming, the replications' frames were stacked with pandas.concat, which
    turns categorical columns whose categories differ into plain strings: the values are
    the same, now always categorical."""
    log, _ = reference
    frames = [
        g.drop(columns="scenario").reset_index(drop=True)
        for _, g in log.groupby(["scenario", "replication"], sort=False, observed=True)
    ]
    for f in frames:  # each replication's own categories, sorted as the old to_frame did
        for col in ("event", "service", "organisation"):
            own = f[col].cat.remove_unused_categories()
            f[col] = own.cat.reorder_categories(sorted(own.cat.categories))
    old = pd.concat(frames, ignore_index=True)
    assert not isinstance(old["event"].dtype, pd.CategoricalDtype)  # scenarios differ
    for col in old:
        assert old[col].astype(object).equals(log[col].astype(object)), col


KILLED_RUN = """
import os, signal, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from test_eventlog_stream import _plan
from pathsim.experiment import Backend
from pathsim.experiment.plan import run_plan
from pathsim.experiment.store import RunFolder
from pathsim.model import eventlog
eventlog.DEFAULT_CHUNK_ROWS = 1_000
add = eventlog._StreamingEventLog.add
def dying(self, *args):
    add(self, *args)
    # SIGKILL in the middle of the second task's log, after some row groups are written
    if self._sink.target.name.startswith("v0001-r00000") and len(self) > 15_000:
        os.kill(os.getpid(), signal.SIGKILL)
eventlog._StreamingEventLog.add = dying
folder = RunFolder.create(sys.argv[1], _plan(), command="test")
run_plan(folder.plan, Backend(workers=1), folder=folder)
"""


@pytest.mark.slow
def test_resume_after_a_killed_task_removes_its_staging_files(
    tmp_path: Path, reference: tuple[pd.DataFrame, Path]
) -> None:
    out = tmp_path / "run"
    script = textwrap.dedent(KILLED_RUN)
    proc = subprocess.run(
        [sys.executable, "-c", script, str(out), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == -9, proc.stderr
    staging = out / "tasks" / ".staging"
    stale = [p.name for p in staging.iterdir()]
    assert len(stale) == 1 and stale[0].startswith(".v0001-r00000.event_log.parquet.")
    assert [p.parent.name for p in out.glob("tasks/v*/r*/result.json")] == ["r00000"]

    folder = RunFolder.open(out)
    folder.lock()
    assert not staging.exists()  # the killed task's half-written log is gone
    study = run_plan(folder.plan, Backend(workers=1), folder=folder)
    folder.finish(study)
    assert not staging.exists()
    assert not list(out.glob("tasks/**/*.tmp")) and not list(out.glob("tasks/v*/.r*"))
    pd.testing.assert_frame_equal(pd.read_parquet(out / "event_log.parquet"), reference[0])


def test_saving_a_log_kept_in_memory_or_in_the_callers_own_file(tmp_path: Path) -> None:
    """Results that come back with their log in memory (from Dask) are written to the task
    folder and handed back pointing there; a log file of the caller's own is copied, not
    moved; with the log off the folder has no event log at all."""
    sc = load_scenario(FRAGMENTED)
    spec = RunSpec(replications=2, seed=3, days=3, warmup_days=0, event_log=True)
    folder = RunFolder.create(tmp_path / "run", single("one", sc, spec), command="test")
    kept = simulate(sc, 0, seed=3, days=3, warmup_days=0, event_log=True)
    assert kept.event_log is not None
    saved = folder.save(Task("one", 0), kept)
    assert saved.event_log is None and saved.event_log_file is not None
    assert saved.event_log_file.parent == folder.task_dir(Task("one", 0))
    pd.testing.assert_frame_equal(saved.read_event_log(), kept.event_log)

    own = tmp_path / "mine.parquet"
    streamed = simulate(sc, 1, seed=3, days=3, warmup_days=0, event_log=True, event_log_path=own)
    again = folder.save(Task("one", 1), streamed)
    assert own.exists()  # still there: copied, not moved
    assert again.event_log_file == folder.task_dir(Task("one", 1)) / "event_log.parquet"
    pd.testing.assert_frame_equal(again.read_event_log(), pd.read_parquet(own))
    folder.release()

    off = RunSpec(replications=1, seed=3, days=3, warmup_days=0, event_log=False)
    study = run_plan(single("one", sc, off), Backend(workers=1))
    out = write_run_folder(tmp_path / "off", study.result)
    assert (out / "summary.csv").exists() and not (out / "event_log.parquet").exists()
    assert not list(out.glob("tasks/**/event_log.parquet"))


def test_task_logs_saved_by_an_earlier_pathsim_join_too(
    tmp_path: Path, in_memory: pd.DataFrame
) -> None:
    """A run folder resumed from an earlier version holds task logs written by pandas (sorted
    categories, pandas' own Arrow types): they are cast to the one schema when joined."""
    old = in_memory.copy()
    for col in ("event", "service", "organisation"):
        old[col] = old[col].cat.reorder_categories(sorted(old[col].cat.categories))
    path = tmp_path / "old.parquet"
    old.to_parquet(path, index=False)
    (table,) = list(read_row_groups(path, scenario="s"))
    assert table.schema.equals(arrow_schema(scenario=True), check_metadata=False)
    back = table.to_pandas()
    assert list(back["scenario"].unique()) == ["s"]
    for col in in_memory:
        assert back[col].astype(object).equals(in_memory[col].astype(object)), col
