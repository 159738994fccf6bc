"""Scheduled callbacks that cost less than ``simpy.events.Timeout``, and an environment whose
run loop calls them directly.

Every step of a patient's journey is "call this function with this patient after this
delay". SimPy expresses that as a ``Timeout`` (an object with a ``__dict__`` and six
attributes, scheduled through ``Environment.schedule``) plus a callback list, and its run loop
calls ``Environment.step`` once per event. Here:

* :func:`call_after` pushes an entry on the environment's own event queue exactly where a
  ``Timeout`` would go (same time arithmetic ``now + delay``, same priority, an id from the
  same counter), so events are processed in exactly the same order as before. On a
  :class:`Clock` the entry is ``(time, NORMAL, id, fn, value)``: no event object at all. On a
  plain ``simpy.Environment`` (as some unit tests use) it is ``(time, NORMAL, id, Call)``, where
  a :class:`Call` is a slotted object that SimPy processes like any other event.
* :class:`Clock` is a ``simpy.Environment`` whose ``run`` pops the queue in a local loop and
  calls ``fn(value)`` at once; any other SimPy event (processes, the ``until`` event) is
  processed exactly as ``Environment.step`` does. Entries never compare beyond the id, which is
  unique, so entries of both shapes can share the queue.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import NORMAL, URGENT, Event, EventPriority


def _fire(event: Call) -> None:
    event.fn(event.value)


_FIRE = (_fire,)


class Call:
    """``fn(value)``, due at a scheduled time: a lean stand-in for ``Timeout`` with a
    callback. ``callbacks`` and ``_ok`` are what ``simpy.Environment.step`` reads."""

    __slots__ = ("callbacks", "fn", "value")
    _ok = True

    def __init__(self, fn: Callable[[Any], None], value: Any) -> None:
        self.fn = fn
        self.value = value
        self.callbacks: tuple[Callable[[Call], None], ...] | None = _FIRE


def call_after(
    env: simpy.Environment, delay: float, fn: Callable[[Any], None], value: Any = None
) -> None:
    """Calls ``fn(value)`` after ``delay`` (as ``Timeout(env, delay, value)`` with the callback
    ``lambda ev: fn(ev.value)`` would, at the same time and in the same order)."""
    if delay < 0:
        raise ValueError(f"Negative delay {delay}")
    queue: list[Any] = env._queue
    if env.__class__ is Clock:
        heappush(queue, (env._now + delay, NORMAL, next(env._eid), fn, value))
    else:
        heappush(queue, (env._now + delay, NORMAL, next(env._eid), Call(fn, value)))


def call_at(
    env: simpy.Environment, at: float, fn: Callable[[Any], None], value: Any = None
) -> None:
    """Calls ``fn(value)`` at time ``at`` (not before now)."""
    if at < env._now:
        raise ValueError(f"time {at} is in the past (now {env._now})")
    queue: list[Any] = env._queue
    if env.__class__ is Clock:
        heappush(queue, (at, NORMAL, next(env._eid), fn, value))
    else:
        heappush(queue, (at, NORMAL, next(env._eid), Call(fn, value)))


class Clock(simpy.Environment):
    """A SimPy environment with a faster run loop for :class:`Call` events."""

    def step(self) -> None:
        try:
            item = heappop(self._queue)
        except IndexError:
            raise EmptySchedule from None
        self._now = item[0]
        if len(item) == 5:
            item[3](item[4])
            return
        event = item[3]
        if type(event) is Call:  # type: ignore[comparison-overlap]
            event.fn(event.value)
            return
        self._process(event)

    def _process(self, event: Event) -> None:
        """What ``simpy.Environment.step`` does with an event once it is popped."""
        callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
        try:
            for callback in callbacks:
                callback(event)
        except StopSimulation:
            event.callbacks = callbacks[callbacks.index(callback) + 1 :]
            self.schedule(event, EventPriority(-1))
            raise
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc

    def run(self, until: float | Event | None = None) -> Any:
        """As ``simpy.Environment.run``, with the event loop inlined."""
        if until is not None:
            if not isinstance(until, Event):
                at = until if isinstance(until, int) else float(until)
                if at <= self._now:
                    raise ValueError(
                        f"until ({at}) must be greater than the current simulation time"
                    )
                until = Event(self)
                until._ok = True
                until._value = None
                self.schedule(until, URGENT, at - self._now)
            elif until.callbacks is None:
                return until.value
            until.callbacks.append(StopSimulation.callback)
        queue = self._queue
        pop = heappop
        process = self._process
        call = Call
        try:
            while queue:
                item: Any = pop(queue)
                self._now = item[0]
                if len(item) == 5:  # (time, priority, id, fn, value): a call
                    item[3](item[4])
                    continue
                event = item[3]
                if type(event) is call:
                    event.fn(event.value)
                else:
                    process(event)
        except StopSimulation as exc:
            return exc.args[0]
        if until is not None:
            assert not until.triggered
            raise RuntimeError(
                f'No scheduled events left but "until" event was not triggered: {until}'
            )
        return None


YOUNG_GC_THRESHOLD = 100_000
"""Allocations between collections of the garbage collector's youngest generation during a
run (Python's default is 700)."""


@contextmanager
def rare_garbage_collection(young: int = YOUNG_GC_THRESHOLD) -> Iterator[None]:
    """Collects cyclic garbage less often while a run goes on, then restores the settings.

    A run allocates millions of short-lived objects (scheduled calls, heap entries, patients)
    that reference counting frees at once; none of them form reference cycles, so each of
    Python's frequent collections only walks live objects for nothing (about 15% of a
    replication's time). Collections still happen, only less often, so memory stays bounded
    if a cycle is ever created.
    """
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], young), old[1], old[2])
    try:
        yield
    finally:
        gc.set_threshold(*old)


__all__ = ["Call", "Clock", "EmptySchedule", "call_after", "call_at", "rare_garbage_collection"]
