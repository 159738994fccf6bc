"""The engine speed-ups of issue 7 against plain SimPy: ``call_after``/``call_at`` fire the
same callbacks at the same times in the same order on a plain ``simpy.Environment``, on the
:class:`~pathsim.model.clock.Clock` and as a ``Timeout`` with a callback would;
``Clock.run``/``Clock.step`` behave as ``simpy.Environment.run``/``step``; ``System.run``
leaves the garbage collector's thresholds as it found them; the quick benchmark runs."""

from __future__ import annotations

import gc
import re
import subprocess
import sys
from collections.abc import Callable, Generator, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import scenario
from pathsim.model.clock import (
    BUCKETS_PER_DAY,
    Clock,
    call_after,
    call_at,
    rare_garbage_collection,
)
from pathsim.model.system import System

Log = list[tuple[float, str]]
Schedule = Callable[[simpy.Environment, float, Callable[[Any], None], Any], None]
Op = tuple[str, float, float]

ROOT = Path(__file__).resolve().parents[1]

# Few distinct delays so that many events fall at equal times (ties), including delay 0.
DELAYS = st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
OPS = st.lists(
    st.tuples(st.sampled_from(["call", "at", "timeout", "process", "nested"]), DELAYS, DELAYS),
    max_size=25,
)


# -- three ways to say "call fn(value) after delay" --------------------------------------
def via_call_after(env: simpy.Environment, delay: float, fn: Callable[[Any], None], v: Any) -> None:
    call_after(env, delay, fn, v)


def via_call_at(env: simpy.Environment, delay: float, fn: Callable[[Any], None], v: Any) -> None:
    call_at(env, env.now + delay, fn, v)


def via_timeout(env: simpy.Environment, delay: float, fn: Callable[[Any], None], v: Any) -> None:
    """What ``call_after`` stands in for: a Timeout with a callback."""
    env.timeout(delay, v).callbacks.append(lambda ev: fn(ev.value))


class SubClock(Clock):
    """A subclass: ``call_after`` schedules :class:`~pathsim.model.clock.Call` objects on it."""


def append_now(env: simpy.Environment, log: Log, tag: str) -> None:
    log.append((env.now, tag))


def build(env: simpy.Environment, ops: list[Op], schedule: Schedule, log: Log) -> None:
    """Schedules ``ops`` on ``env``, mixing scheduled calls with Timeouts and processes; every
    firing appends (now, tag) to ``log``. ``schedule`` is how calls are scheduled
    (``call_at`` ops always use :func:`call_at`)."""

    def mark(tag: str) -> None:
        log.append((env.now, tag))

    def nested(tag: str) -> None:
        mark(tag)
        schedule(env, 0.0, mark, tag + ">0")  # same time, after everything already due now

    def proc(tag: str, d1: float, d2: float) -> Generator[simpy.Event, Any, str]:
        mark(tag + ":start")
        yield env.timeout(d1)
        mark(tag + ":woke")
        schedule(env, d2, mark, tag + ":call")
        yield env.timeout(d2)
        mark(tag + ":end")
        return tag

    def make_chain(d2: float) -> Callable[[str], None]:
        def chain(tag: str) -> None:  # a call that schedules calls
            mark(tag)
            schedule(env, d2, nested, tag + ">")

        return chain

    for i, (kind, d1, d2) in enumerate(ops):
        tag = f"{kind}{i}"
        if kind == "call":
            schedule(env, d1, mark, tag)
        elif kind == "at":
            (schedule if schedule is via_timeout else via_call_at)(env, d1, mark, tag)
        elif kind == "timeout":
            env.timeout(d1, tag).callbacks.append(lambda ev: mark(ev.value))
        elif kind == "process":
            env.process(proc(tag, d1, d2)).callbacks.append(
                lambda ev: mark("done:" + str(ev.value))
            )
        else:
            schedule(env, d1, make_chain(d2), tag)


def trace(env: simpy.Environment, ops: list[Op], schedule: Schedule) -> Log:
    log: Log = []
    build(env, ops, schedule, log)
    env.run()
    log.append((env.now, "end"))
    return log


@settings(max_examples=200, deadline=None)
@given(OPS)
def test_scheduled_calls_fire_alike_on_simpy_and_clock(ops: list[Op]) -> None:
    reference = trace(simpy.Environment(), ops, via_timeout)
    assert trace(simpy.Environment(), ops, via_call_after) == reference
    assert trace(Clock(), ops, via_call_after) == reference
    assert trace(Clock(), ops, via_call_at) == reference
    # A subclass of Clock gets Call objects (call_after tests the exact class): its run loop
    # fires them too.
    assert trace(SubClock(), ops, via_call_after) == reference


# Delays around and across the Clock's 90-minute calendar buckets: exact bucket edges
# (multiples of 1/16 day), just either side of them, and far ahead (a year, ten years).
EDGE = 1 / BUCKETS_PER_DAY
WIDE_DELAYS = st.sampled_from(
    [0.0, EDGE, 2 * EDGE, EDGE * (1 - 2**-40), EDGE * (1 + 2**-40), 0.3, 1.0, 7.25, 365.0, 3650.0]
)
WIDE_OPS = st.lists(
    st.tuples(
        st.sampled_from(["call", "at", "timeout", "process", "nested"]), WIDE_DELAYS, WIDE_DELAYS
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(WIDE_OPS)
def test_calendar_buckets_keep_simpy_order(ops: list[Op]) -> None:
    """The two-level queue (heap for the current bucket, buckets beyond) processes entries
    exactly as one heap: same times, same order, same peek at every step."""
    reference = trace(simpy.Environment(), ops, via_timeout)
    assert trace(Clock(), ops, via_call_after) == reference
    assert trace(Clock(), ops, via_call_at) == reference
    assert trace(SubClock(), ops, via_call_after) == reference
    plain, clock = simpy.Environment(), Clock()
    plain_log: Log = []
    clock_log: Log = []
    build(plain, ops, via_call_after, plain_log)
    build(clock, ops, via_call_after, clock_log)
    while plain.peek() != float("inf"):
        assert clock.peek() == plain.peek()
        plain.step()
        clock.step()
        assert clock_log == plain_log
    assert clock.peek() == float("inf")


def test_calendar_holds_far_entries_outside_the_heap() -> None:
    """Only entries before the horizon are in the heap (what makes it fast), and a run
    started later than time 0 buckets correctly."""
    env = Clock(initial_time=10.0)
    log: Log = []
    mark = partial(append_now, env, log)
    for delay in (0.01, 5.0, 400.0, EDGE, 0.0):
        call_after(env, delay, mark, str(delay))
    assert sorted(e[0] for e in env._queue) == [10.0, 10.01]
    env.run()
    assert log == [
        (10.0, "0.0"),
        (10.01, "0.01"),
        (10.0 + EDGE, str(EDGE)),
        (15.0, "5.0"),
        (410.0, "400.0"),
    ]
    assert not env._queue and not env._bucket_ids and not env._buckets


def test_ties_fire_in_the_order_scheduled() -> None:
    """Hand-made ties: equal times fire first scheduled, first fired, whatever the kind."""
    for env in (simpy.Environment(), Clock()):
        log: Log = []

        mark = partial(append_now, env, log)

        call_after(env, 1.0, mark, "a")
        via_timeout(env, 1.0, mark, "b")
        call_at(env, 1.0, mark, "c")
        call_after(env, 0.0, mark, "zero")
        env.run()
        assert log == [(0.0, "zero"), (1.0, "a"), (1.0, "b"), (1.0, "c")]


@settings(max_examples=100, deadline=None)
@given(OPS)
def test_clock_step_is_simpy_step(ops: list[Op]) -> None:
    plain, clock, sub = simpy.Environment(), Clock(), SubClock()
    plain_log: Log = []
    clock_log: Log = []
    sub_log: Log = []
    build(plain, ops, via_call_after, plain_log)
    build(clock, ops, via_call_after, clock_log)
    build(sub, ops, via_call_after, sub_log)
    while True:
        assert sub.peek() == plain.peek()
        assert clock.peek() == plain.peek()
        if plain.peek() == float("inf"):
            break
        plain.step()
        clock.step()
        sub.step()
        assert clock_log == plain_log == sub_log
        assert clock.now == plain.now == sub.now
    with pytest.raises(simpy.core.EmptySchedule):
        plain.step()
    with pytest.raises(simpy.core.EmptySchedule):
        clock.step()


def test_negative_delay_and_past_time_are_refused() -> None:
    for env in (simpy.Environment(), Clock()):
        with pytest.raises(ValueError, match="Negative delay"):
            call_after(env, -0.5, print)
        env.run(until=2.0)
        with pytest.raises(ValueError, match="in the past"):
            call_at(env, 1.0, print)


# -- Clock.run(until=...) against simpy.Environment.run ----------------------------------
def outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    """What ``fn()`` returned, or the type and message of what it raised (without object
    addresses)."""
    try:
        return ("returned", fn())
    except Exception as exc:  # compared, not swallowed
        return (type(exc).__name__, re.sub(" at 0x[0-9a-f]+", "", str(exc)))


def side_by_side(ops: list[Op], untils: list[float | None]) -> None:
    """Runs the same schedule on both environments in the same legs of ``run(until=...)``
    and compares what each leg returned or raised, the clock and the log after each leg."""
    plain, clock = simpy.Environment(), Clock()
    plain_log: Log = []
    clock_log: Log = []
    build(plain, ops, via_call_after, plain_log)
    build(clock, ops, via_call_after, clock_log)
    for until in untils:
        expected = outcome(partial(plain.run, until=until))
        assert outcome(partial(clock.run, until=until)) == expected
        assert clock.now == plain.now
        assert type(clock.now) is type(plain.now)
        assert clock_log == plain_log
        if expected[0] == "returned" and until is not None and until > 0:
            assert clock.now == until
    assert clock.peek() == plain.peek()


@settings(max_examples=200, deadline=None)
@given(OPS, st.lists(st.one_of(DELAYS, st.sampled_from([0.25, 2.75, 4, 10, None])), max_size=4))
def test_clock_run_until_a_time_is_simpy_run(ops: list[Op], untils: list[float | None]) -> None:
    """Times equal to event times (ties with ``until``), between them, beyond the last event,
    not after now (ValueError), ints, and None (run until the events run out)."""
    side_by_side(ops, sorted(untils, key=lambda u: float("inf") if u is None else u))
    side_by_side(ops, untils)  # unsorted: some legs are refused as not after now


def test_events_at_exactly_until_wait_for_the_next_run() -> None:
    for env in (simpy.Environment(), Clock()):
        log: Log = []
        mark = partial(append_now, env, log)
        call_after(env, 1.0, mark, "at 1")
        via_timeout(env, 1.0, mark, "timeout at 1")
        assert env.run(until=1) is None
        assert env.now == 1 and isinstance(env.now, int) and log == []
        env.run()
        assert log == [(1.0, "at 1"), (1.0, "timeout at 1")]


def until_event_cases(env: simpy.Environment, log: Log) -> Iterator[tuple[str, Any]]:
    """Legs of ``run(until=event)``: each yields its name and the event."""

    def mark(tag: str) -> None:
        log.append((env.now, tag))

    def worker(d: float, value: str) -> Generator[simpy.Event, Any, str]:
        yield env.timeout(d)
        mark("worker " + value)
        return value

    def failing() -> Generator[simpy.Event, Any, None]:
        yield env.timeout(1.0)
        raise KeyError("boom")

    def succeed(event: simpy.Event) -> None:
        event.succeed("late")

    def add_callback(event: simpy.Event) -> None:
        assert event.callbacks is not None
        event.callbacks.append(lambda _e: mark("after stop"))

    for d in (0.5, 1.0, 1.0, 2.0, 3.0):
        call_after(env, d, mark, f"call {d}")
    early = env.timeout(0.5, "early")  # processed during the first leg
    yield "timeout", env.timeout(1.0, "t-value")  # ties with the calls at 1.0
    done = env.process(worker(1.0, "w-value"))
    yield "process", done
    yield "already processed", early
    ev = env.event()
    call_after(env, 0.5, succeed, ev)
    call_after(env, 0.25, add_callback, ev)
    yield "event with a callback after the stop", ev
    yield "none (resumes the rescheduled callbacks)", None
    yield "failing process", env.process(failing())
    yield "never triggered", env.event()
    env.process(failing())  # nobody waits for it: its failure crashes the run
    yield "a process fails meanwhile", env.now + 2.0


def test_clock_run_until_an_event_is_simpy_run() -> None:
    plain, clock = simpy.Environment(), Clock()
    plain_log: Log = []
    clock_log: Log = []
    legs = zip(
        until_event_cases(plain, plain_log), until_event_cases(clock, clock_log), strict=True
    )
    seen = []
    for (name, plain_until), (_, clock_until) in legs:
        expected = outcome(partial(plain.run, until=plain_until))
        got = outcome(partial(clock.run, until=clock_until))
        assert got == expected, name
        assert (clock.now, clock_log) == (plain.now, plain_log), name
        seen.append(expected[0])
    # The legs did reach every kind of ending.
    assert seen == ["returned"] * 5 + ["KeyError", "RuntimeError", "KeyError"]


def test_run_with_no_events_left() -> None:
    for env in (simpy.Environment(), Clock()):
        assert env.run() is None and env.now == 0
        with pytest.raises(RuntimeError, match='"until" event was not triggered'):
            env.run(until=env.event())
        assert env.run(until=5) is None and env.now == 5


def test_an_exception_in_a_call_propagates_and_the_run_can_go_on() -> None:
    for env in (simpy.Environment(), Clock()):
        log: Log = []

        def boom(_v: object) -> None:
            raise ZeroDivisionError("in a call")

        call_after(env, 1.0, boom)
        call_after(env, 2.0, partial(append_now, env, log), "after")
        with pytest.raises(ZeroDivisionError, match="in a call"):
            env.run(until=3)
        assert env.now == 1.0
        env.run(until=3)
        assert log == [(2.0, "after")] and env.now == 3


# -- garbage collection ------------------------------------------------------------------
@pytest.fixture
def odd_gc_thresholds() -> Iterator[tuple[int, int, int]]:
    """Thresholds nobody would choose (so restoring 'a default' would not pass), restored."""
    saved = gc.get_threshold()
    odd = (1234, 11, 13)
    gc.set_threshold(*odd)
    try:
        yield odd
    finally:
        gc.set_threshold(*saved)


def small_system() -> System:
    sc = scenario(**{"segments.everyone.ed_attendances_per_1000_per_year": 2000.0})
    return System(sc, replication=0, seed=1, days=5, warmup_days=1)


def test_run_restores_gc_thresholds(odd_gc_thresholds: tuple[int, int, int]) -> None:
    system = small_system()
    during: list[tuple[int, int, int]] = []
    call_after(system.env, 2.5, lambda _v: during.append(gc.get_threshold()))
    system.run()
    assert system.ctx.created > 0
    assert during == [(100_000, 11, 13)]  # collections were rarer while it ran
    assert gc.get_threshold() == odd_gc_thresholds


def test_a_run_that_raises_restores_gc_thresholds(
    odd_gc_thresholds: tuple[int, int, int],
) -> None:
    system = small_system()

    def fail(_v: object) -> None:
        raise RuntimeError("failed mid-run")

    call_after(system.env, 2.5, fail)
    with pytest.raises(RuntimeError, match="failed mid-run"):
        system.run()
    assert system.env.now == 2.5
    assert gc.get_threshold() == odd_gc_thresholds


def test_rare_garbage_collection_never_lowers_the_threshold() -> None:
    saved = gc.get_threshold()
    try:
        gc.set_threshold(250_000, 3, 4)
        with rare_garbage_collection(young=100_000):
            assert gc.get_threshold() == (250_000, 3, 4)
        with rare_garbage_collection(young=300_000):
            assert gc.get_threshold() == (300_000, 3, 4)
        assert gc.get_threshold() == (250_000, 3, 4)
    finally:
        gc.set_threshold(*saved)


# -- the benchmark's quick mode ----------------------------------------------------------
@pytest.mark.slow
def test_benchmark_quick_mode_prints_its_tables(tmp_path: Path) -> None:
    """A smoke run (about 13 s on an idle machine; the 180 s limit allows a busy shared one),
    with the curves drawn."""
    figure = tmp_path / "curves.png"
    done = subprocess.run(
        [sys.executable, "experiments/benchmark_scale.py", "--quick", "--plot", str(figure)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for heading in ("## Population", "## Waiting lines", "scenarios x 2 replications"):
        assert heading in out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    for name in ("fragmented", "integrated"):
        (row,) = [line for line in rows if line.startswith(f"| {name} |")]
        created = int(row.split("|")[2].strip().replace(",", ""))
        assert created > 1000  # a year of the default scenario, not an empty run
    assert any(line.startswith("| 10,000 |") for line in rows)
    assert "Traceback" not in done.stderr
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
