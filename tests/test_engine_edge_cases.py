"""Edge cases of issue 7's second pass (the two-level Clock queue, the inlined monitor update,
the streamed event log), found in review: cases the features' own tests leave out.

Clock: SimPy's resources, interrupts and conditions (they schedule through
``Environment.schedule``) across bucket edges and far delays, from start times other than 0,
with ``run(until=...)`` legs on bucket edges, compared event by event with
``simpy.Environment``; negative and infinite times and the type of ``peek()`` as SimPy has
them (the review found the Clock differing on all three; fixed).
Monitors: the inlined ``ThresholdLevelMonitor.add`` against the code it replaced, bit for bit.
Event log: ``stream_to`` after events were recorded, a run folder's joined log from logs kept
every way at once (in memory, streamed, written by an earlier pathsim, empty), a join that
fails half way, and the temporary of a join killed half way removed on resume.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Generator
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from pathsim import load_scenario, simulate
from pathsim.experiment import Backend, RunSpec
from pathsim.experiment.eventlogs import write_event_log
from pathsim.experiment.executor import Task
from pathsim.experiment.parquet_log import ParquetSink
from pathsim.experiment.plan import run_plan, single
from pathsim.experiment.runner import ComparisonResult, ExperimentResult
from pathsim.experiment.store import RunFolder
from pathsim.model.clock import BUCKETS_PER_DAY, Clock, call_after
from pathsim.model.eventlog import EventLog, empty_event_log
from pathsim.model.monitors import LevelMonitor, ThresholdLevelMonitor
from pathsim.model.patients import PoissonSource, Route
from pathsim.model.replication import ReplicationResult

ROOT = Path(__file__).resolve().parents[1]
FRAGMENTED = ROOT / "scenarios" / "fragmented.yaml"
EDGE = 1 / BUCKETS_PER_DAY

Log = list[tuple[float, str]]
Op = tuple[str, float, float]


# -- Clock: SimPy's own scheduling paths, across buckets ----------------------------------
DELAYS = st.sampled_from(
    [0.0, EDGE, 2 * EDGE, EDGE * (1 - 2**-40), EDGE * (1 + 2**-40), 0.3, 1.0, 7.25, 365.0]
)
KINDS = st.sampled_from(["call", "resource", "interrupt", "any_of", "all_of", "process"])
OPS = st.lists(st.tuples(KINDS, DELAYS, DELAYS), max_size=30)
# Start times: 0, a bucket edge, just after one, mid-bucket, a large time, a large odd time.
STARTS = st.sampled_from([0.0, 3 * EDGE, 3 * EDGE + 1e-9, 10.0001, 1e6, 1e6 + 1 / 3])


def build(env: simpy.Environment, ops: list[Op], log: Log) -> None:
    """Schedules ``ops`` with SimPy's resources, interrupts and conditions as well as calls;
    every firing appends (now, tag) to ``log``."""
    desk = simpy.Resource(env, capacity=1)

    def mark(tag: str) -> None:
        log.append((env.now, tag))

    def user(tag: str, hold: float) -> Generator[simpy.Event, Any, None]:
        with desk.request() as req:
            yield req
            mark(tag + ":got")
            yield env.timeout(hold)
        mark(tag + ":released")

    def victim(tag: str, d: float) -> Generator[simpy.Event, Any, None]:
        try:
            yield env.timeout(d)
            mark(tag + ":woke")
        except simpy.Interrupt as i:
            mark(f"{tag}:interrupted by {i.cause}")
            yield env.timeout(d / 2)
            mark(tag + ":recovered")

    def interrupter(tag: str, target: simpy.Process, d: float) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(d)
        if target.is_alive:
            target.interrupt(tag)
        mark(tag + ":tried")

    def condition(tag: str, kind: str, d1: float, d2: float) -> Generator[simpy.Event, Any, None]:
        a, b = env.timeout(d1, "a"), env.timeout(d2, "b")
        got = yield (a | b) if kind == "any_of" else (a & b)
        mark(f"{tag}:{sorted(got.values())}")

    def proc(tag: str, d1: float, d2: float) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(d1)
        call_after(env, d2, mark, tag + ":call")
        yield env.timeout(0)
        mark(tag + ":end")

    for i, (kind, d1, d2) in enumerate(ops):
        tag = f"{kind}{i}"
        if kind == "call":
            call_after(env, d1, mark, tag)
        elif kind == "resource":
            env.process(user(tag, d1))
        elif kind == "interrupt":
            target = env.process(victim(tag, d1))
            env.process(interrupter(tag + "!", target, d2))
        elif kind in ("any_of", "all_of"):
            env.process(condition(tag, kind, d1, d2))
        else:
            env.process(proc(tag, d1, d2))


def outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return ("returned", fn())
    except Exception as exc:  # compared, not swallowed
        return (type(exc).__name__, str(exc).split(" at 0x")[0])


@settings(max_examples=150, deadline=None)
@given(OPS, STARTS)
def test_simpy_resources_interrupts_and_conditions_step_alike(ops: list[Op], t0: float) -> None:
    """Step by step: same peek, same clock, same log, from any start time."""
    plain, clock = simpy.Environment(t0), Clock(t0)
    plain_log: Log = []
    clock_log: Log = []
    build(plain, ops, plain_log)
    build(clock, ops, clock_log)
    while True:
        assert clock.peek() == plain.peek()
        if plain.peek() == math.inf:
            break
        plain.step()
        clock.step()
        assert clock.now == plain.now
        assert clock_log == plain_log
    assert len(plain_log) >= sum(kind != "interrupt" for kind, _, _ in ops)


@settings(max_examples=150, deadline=None)
@given(
    OPS,
    STARTS,
    st.lists(st.sampled_from([EDGE, 2 * EDGE, 0.3, 1.0, 1.0 + EDGE, 8.0, 400.0]), max_size=4),
)
def test_run_until_bucket_edges_from_any_start(ops: list[Op], t0: float, legs: list[float]) -> None:
    """``run(until=t0 + leg)`` in increasing legs (many on bucket edges when t0 is one),
    then to the end: each leg returns, stops and leaves the queue as SimPy's does."""
    plain, clock = simpy.Environment(t0), Clock(t0)
    plain_log: Log = []
    clock_log: Log = []
    build(plain, ops, plain_log)
    build(clock, ops, clock_log)
    untils: list[float | None] = [t0 + leg for leg in sorted(set(legs))]
    for until in [*untils, None]:
        expected = outcome(partial(plain.run, until=until))
        assert outcome(partial(clock.run, until=until)) == expected
        assert (clock.now, clock_log) == (plain.now, plain_log)
        assert clock.peek() == plain.peek()


def test_run_until_exactly_a_bucket_edge_leaves_the_edge_events() -> None:
    """Events at exactly ``until`` (a bucket edge) wait for the next run on both; the
    events just before it do not."""
    for env in (simpy.Environment(), Clock()):
        log: Log = []
        mark = partial(lambda e, lg, tag: lg.append((e.now, tag)), env, log)
        call_after(env, 4 * EDGE, mark, "at edge")
        call_after(env, 4 * EDGE * (1 - 2**-50), mark, "just before")
        call_after(env, 40 * EDGE, mark, "far")
        assert env.run(until=4 * EDGE) is None
        assert env.now == 4 * EDGE and log == [(4 * EDGE * (1 - 2**-50), "just before")]
        assert env.peek() == 4 * EDGE
        env.run()
        assert [tag for _, tag in log] == ["just before", "at edge", "far"]


def _negative_times(env: simpy.Environment) -> Log:
    log: Log = []

    def mark(tag: str) -> None:
        log.append((env.now, tag))

    def b(tag: str) -> None:
        mark(tag)
        call_after(env, 0.09, mark, "C")  # due at -0.01, before the horizon of bucket -1

    call_after(env, 0.98, mark, "A")  # due at -0.02: bucket int(-0.32) = 0
    call_after(env, 0.9, b, "B")  # due at -0.1: bucket int(-1.6) = -1, horizon then 0.0
    env.run()
    return log


def test_negative_start_time_keeps_simpy_order() -> None:
    plain = _negative_times(simpy.Environment(initial_time=-1.0))
    assert [t for t, _ in plain] == sorted(t for t, _ in plain)
    assert _negative_times(Clock(initial_time=-1.0)) == plain


@pytest.mark.parametrize("how", ["timeout", "run_until"])
def test_infinite_times_as_simpy(how: str) -> None:
    results: list[tuple[Any, Any]] = []
    for env in (simpy.Environment(), Clock()):
        env.timeout(1.0)
        if how == "timeout":
            env.timeout(math.inf)
            env.step()
            results.append((env.now, env.peek()))
        else:
            results.append((env.run(until=math.inf), env.now))
    assert results[1] == results[0]


def test_peek_keeps_the_type_of_the_time() -> None:
    plain, clock = simpy.Environment(), Clock()
    for env in (plain, clock):
        env.timeout(100)  # an int time, far beyond the first bucket
    assert plain.peek() == clock.peek() == 100
    assert type(clock.peek()) is type(plain.peek())


# -- the inlined ThresholdLevelMonitor.add --------------------------------------------------
class _Env:
    now = 0.0


class _BeforeInlining(LevelMonitor):
    """ThresholdLevelMonitor.add as it was before issue 7's second pass."""

    __slots__ = ("_above", "thresholds")

    def __init__(self, env: Any, thresholds: list[float]) -> None:
        super().__init__(env, "before")
        self.thresholds = thresholds
        self._above = [0.0] * len(thresholds)

    def add(self, delta: float) -> None:
        now = self.env.now
        dt = now - self._t
        if dt > 0:
            level = self.level
            for i, thr in enumerate(self.thresholds):
                if level >= thr:
                    self._above[i] += dt
        super().add(delta)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, 0.0, 0.1, 1 / 3, EDGE, 2.5]),
            st.sampled_from([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0]),
        ),
        max_size=60,
    )
)
def test_inlined_threshold_monitor_is_bit_for_bit_the_old_one(
    steps: list[tuple[float, float]],
) -> None:
    """Many changes at the same time (dt = 0, the case the new code skips) and levels
    crossing the thresholds both ways: every running sum equal exactly, not approximately."""
    env = _Env()
    thresholds = [0.0, 1.0, 2.5]
    new = ThresholdLevelMonitor(env, "new", thresholds)  # type: ignore[arg-type]
    old = _BeforeInlining(env, thresholds)
    for dt, delta in steps:
        env.now += dt
        new.add(delta)
        old.add(delta)
        assert (new.level, new._t, new._area, new._above) == (
            old.level,
            old._t,
            old._area,
            old._above,
        )
    end = env.now + 1.0
    assert new.integral(end) == old.integral(end)
    assert new.time_above(end) == ThresholdLevelMonitor.time_above(old, end)  # type: ignore[arg-type]


# -- the event log ----------------------------------------------------------------------------
SERVICES = {"ward": "acute", "home care": "council", "ed": "acute", "hospice": "charity"}


def _record(log: EventLog, env: _Env, first: int, n: int) -> None:
    """Events whose names and services first appear late (one new event name every 400
    events, the hospice from event 3,000), so chunks have different dictionaries."""
    names = ("ward", "home care", "ed")
    for i in range(first, first + n):
        env.now = i / 7
        service = "hospice" if i >= 3000 and i % 5 == 0 else names[i % 3]
        log.add(i % 13, i % 5, f"event {i // 400}", service, i % 4 - 1)


def test_stream_to_after_events_were_recorded(tmp_path: Path) -> None:
    """As in ``simulate``: events recorded before ``stream_to`` (people already in a service
    at the start) go out in full chunks, the rest follow; the file reads back as the same
    events kept in memory."""
    env = _Env()
    memory = EventLog(env, SERVICES)
    _record(memory, env, 0, 3200)
    env = _Env()
    streamed = EventLog(env, SERVICES)
    _record(streamed, env, 0, 2500)
    streamed.stream_to(ParquetSink(tmp_path / "log.parquet", 4, SERVICES), chunk_rows=1000)
    assert len(streamed) == 2500 and streamed.streaming
    assert not (tmp_path / "log.parquet").exists()
    _record(streamed, env, 2500, 700)
    path = streamed.close()
    meta = pq.ParquetFile(path).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [1000] * 3 + [200]
    back = pd.read_parquet(path)
    pd.testing.assert_frame_equal(back, memory.to_frame(4))
    assert list(back["organisation"].cat.categories) == ["acute", "council", "charity"]
    assert [p.name for p in tmp_path.iterdir()] == ["log.parquet"]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> ComparisonResult:
    """Two scenarios whose replications keep their logs every way a run folder meets them:
    a DataFrame in memory (Dask, the Python API), a streamed file, a file written by pandas
    as pathsim did before streaming (sorted categories), and an empty log."""
    tmp = tmp_path_factory.mktemp("mixed")
    sc = load_scenario(FRAGMENTED)
    spec = RunSpec(replications=2, seed=3, days=3, warmup_days=0, event_log=True)

    def run(rep: int, path: Path | None = None) -> Any:
        return simulate(sc, rep, seed=3, days=3, warmup_days=0, event_log=True, event_log_path=path)

    in_memory = run(0)
    streamed = run(1, tmp / "streamed.parquet")
    old_frame = run(0).event_log
    assert old_frame is not None
    for col in ("event", "service", "organisation"):
        old_frame[col] = old_frame[col].cat.reorder_categories(
            sorted(old_frame[col].cat.categories)
        )
    old_frame.to_parquet(tmp / "old.parquet", index=False)
    old = dataclasses.replace(in_memory, event_log=None, event_log_file=tmp / "old.parquet")
    empty = dataclasses.replace(in_memory, replication=1, event_log=empty_event_log())
    return ComparisonResult(
        [
            ExperimentResult("first", sc, spec, [in_memory, streamed]),
            ExperimentResult("second", sc, spec, [old, empty]),
        ]
    )


@pytest.mark.slow
def test_joined_log_from_every_kind_of_task_log(tmp_path: Path, mixed: ComparisonResult) -> None:
    path = tmp_path / "event_log.parquet"
    assert write_event_log(path, mixed)
    joined = pd.read_parquet(path)
    stacked = mixed.event_log
    assert stacked is not None
    pd.testing.assert_frame_equal(joined, stacked)
    # The values are each task's own log, in plan order.
    parts = [r.read_event_log() for e in mixed.experiments for r in e.results]
    assert len(joined) == sum(len(p) for p in parts if p is not None) > 0
    expected = pd.concat([p.astype(object) for p in parts if p is not None], ignore_index=True)
    got = joined.drop(columns="scenario").astype(object)
    pd.testing.assert_frame_equal(got, expected)
    labels = ["first"] * (len(parts[0]) + len(parts[1])) + ["second"] * len(parts[2])  # type: ignore[arg-type]
    assert list(joined["scenario"]) == labels
    assert [p.name for p in tmp_path.iterdir()] == ["event_log.parquet"]


def test_a_join_that_fails_leaves_no_file(tmp_path: Path, mixed: ComparisonResult) -> None:
    """A task's log file gone missing: the join raises and leaves neither the joined file
    nor its temporary."""
    broken = dataclasses.replace(
        mixed.experiments[0].results[1], event_log_file=tmp_path / "gone.parquet"
    )
    first = mixed.experiments[0]
    result = ComparisonResult(
        [
            ExperimentResult(first.label, first.scenario, first.spec, [first.results[0], broken]),
            mixed.experiments[1],
        ]
    )
    with pytest.raises(FileNotFoundError):
        write_event_log(tmp_path / "event_log.parquet", result)
    assert list(tmp_path.iterdir()) == []


def test_resuming_after_a_kill_during_the_join_removes_its_temporary(tmp_path: Path) -> None:
    sc = load_scenario(FRAGMENTED)
    spec = RunSpec(replications=1, seed=3, days=3, warmup_days=0, event_log=True)
    folder = RunFolder.create(tmp_path / "run", single("one", sc, spec), command="test")
    run_plan(folder.plan, Backend(workers=1), folder=folder)
    folder.release()
    # What atomic_path leaves when the process dies inside write_event_log.
    stale = folder.path / ".event_log.parquet.k1ll3d.tmp"
    stale.write_bytes(b"PAR1 half a join")
    again = RunFolder.open(folder.path)
    again.lock()
    again.finish(run_plan(again.plan, Backend(workers=1), folder=again))
    assert (folder.path / "event_log.parquet").exists()
    assert not stale.exists()


def test_community_sources_refuse_clinical_draws() -> None:
    """The guard that lets ``PoissonSource._arrive`` number every arrival with clinical
    draws as a crisis arrival (ids 1, 2, ...) without testing the route."""
    with pytest.raises(ValueError, match="community have no clinical draws"):
        PoissonSource(
            None,  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            "community",
            1.0,
            None,  # type: ignore[arg-type]
            0,
            Route.COMMUNITY,
            print,
            object(),  # type: ignore[arg-type]
        )


@pytest.mark.parametrize("workers", [1, 2])
def test_tasks_reach_save_already_streamed_to_the_staging_folder(
    tmp_path: Path, workers: int
) -> None:
    """What ``save`` receives, before it moves anything: on this process and on local
    workers, every result arrives with no log in memory and its file finished in
    tasks/.staging (the feature's tests only see what ``save`` returns, which points to the
    task folder whichever way the log was kept)."""
    arrived: list[tuple[Any, Path | None, bool]] = []

    class Watched(RunFolder):
        def save(self, task: Task, result: ReplicationResult) -> ReplicationResult:
            f = result.event_log_file
            arrived.append((result.event_log, f, f is not None and f.is_file()))
            return super().save(task, result)

    sc = load_scenario(FRAGMENTED)
    spec = RunSpec(replications=2, seed=3, days=3, warmup_days=0, event_log=True)
    folder = Watched.create(tmp_path / "run", single("one", sc, spec), command="test")
    run_plan(folder.plan, Backend(workers=workers), folder=folder)
    folder.release()
    staging = folder.path / "tasks" / ".staging"
    assert len(arrived) == 2
    for log, file, exists in arrived:
        assert log is None and file is not None and file.parent == staging and exists
