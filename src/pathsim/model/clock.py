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
* :class:`Clock` is a ``simpy.Environment`` whose queue holds only 5-tuples
  ``(time, priority, id, fn, value)``: its ``schedule`` files a SimPy event (a process step,
  the ``until`` event) as ``(..., self._process, event)``, so its ``run`` pops an entry and
  calls ``fn(value)`` with no test of what the entry is; ``_process`` does exactly what
  ``Environment.step`` does with an event. Entries never compare beyond the id, which is
  unique. On a subclass of ``Clock``, ``call_after`` files a :class:`Call` like on a plain
  environment, processed as any other event.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from heapq import heapify, heappop, heappush
from math import floor
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


BUCKETS_PER_DAY = 16
"""Width of the :class:`Clock`'s calendar buckets: 1/16 of a day, 90 minutes. A power of two,
so that ``floor(t * BUCKETS_PER_DAY)`` (the bucket) and ``t < horizon`` (on the heap or not)
agree exactly for every time ``t``, negative ones included, up to 2**49 days."""


def _file_call(env: simpy.Environment, at: float, fn: Callable[[Any], None], value: Any) -> None:
    """Files a :class:`Call` due at ``at`` on an environment other than a :class:`Clock`
    (a subclass of it files events as 5-tuples, a plain environment as 4-tuples)."""
    call = Call(fn, value)
    if isinstance(env, Clock):
        env.file((at, NORMAL, next(env._eid), env._process, call))
    else:
        queue: list[Any] = env._queue
        heappush(queue, (at, NORMAL, next(env._eid), call))


def call_after(
    env: simpy.Environment, delay: float, fn: Callable[[Any], None], value: Any = None
) -> None:
    """Calls ``fn(value)`` after ``delay`` (as ``Timeout(env, delay, value)`` with the callback
    ``lambda ev: fn(ev.value)`` would, at the same time and in the same order)."""
    if delay < 0:
        raise ValueError(f"Negative delay {delay}")
    if env.__class__ is Clock:
        # Clock.file, inlined: this runs once per step of every patient.
        at = env.now + delay
        if at < env._horizon:
            queue: list[Any] = env._queue
            heappush(queue, (at, NORMAL, next(env._eid), fn, value))
        else:
            env._later((at, NORMAL, next(env._eid), fn, value))
    else:
        _file_call(env, env.now + delay, fn, value)


def call_at(
    env: simpy.Environment, at: float, fn: Callable[[Any], None], value: Any = None
) -> None:
    """Calls ``fn(value)`` at time ``at`` (not before now)."""
    if at < env.now:
        raise ValueError(f"time {at} is in the past (now {env.now})")
    if env.__class__ is Clock:
        env.file((at, NORMAL, next(env._eid), fn, value))
    else:
        _file_call(env, at, fn, value)


class Clock(simpy.Environment):
    """A SimPy environment with a faster run loop for scheduled calls, and an event queue in
    two levels.

    A binary heap costs about log2(n) comparisons of entries per event, and in a care
    system most pending events are far off (the end of a care-home stay, a discharge in a
    week). So only entries due before ``_horizon`` (the end of the current 90-minute
    bucket) are in the heap ``_queue``; later ones wait unsorted in a bucket per 90 minutes
    (``_buckets``, with a heap of their numbers ``_bucket_ids``). When the heap runs empty, the
    next bucket becomes the heap (``heapify``, linear). The heap then holds tens of
    entries instead of thousands, and the order in which entries are processed is exactly
    that of one heap: (time, priority, id), every entry before the horizon is in the heap,
    every entry at or after it in a bucket (or, at infinite times, in ``_beyond``, taken
    after the last bucket). An entry scheduled while the heap is empty and due before every
    pending bucket becomes the heap at once, the horizon moving to the end of its bucket, so
    a sparse schedule does not fill and empty a bucket for each event.
    """

    now: float = 0.0
    """The current simulation time (days): a plain attribute (SimPy's ``now`` is a property
    over ``_now``), so that reading it, which every step of every journey does, costs no
    property call. Components read this."""

    @property
    def _now(self) -> float:
        """SimPy's name for the time, kept for SimPy's own ``__init__`` and for code written
        against a plain environment; ``Clock`` itself keeps only :attr:`now`."""
        return self.now

    @_now.setter
    def _now(self, value: float) -> None:
        self.now = value

    def __init__(self, initial_time: float = 0) -> None:
        super().__init__(initial_time)
        self._buckets: dict[int, list[Any]] = {}
        self._bucket_ids: list[int] = []
        self._beyond: list[Any] = []
        """Entries too far off for a bucket number (infinite times; SimPy accepts them)."""
        self._horizon = (floor(self.now * BUCKETS_PER_DAY) + 1) / BUCKETS_PER_DAY

    def file(self, entry: tuple[Any, ...]) -> None:
        """Puts ``(time, priority, id, fn, value)`` on the heap or in its bucket."""
        if entry[0] < self._horizon:
            queue: list[Any] = self._queue
            heappush(queue, entry)
        else:
            self._later(entry)

    def _later(self, entry: tuple[Any, ...]) -> None:
        """Puts an entry due at or after the horizon in its bucket."""
        try:
            bucket = floor(entry[0] * BUCKETS_PER_DAY)
        except OverflowError:  # infinite: after every bucket
            self._beyond.append(entry)
            return
        if not self._queue and (not self._bucket_ids or bucket < self._bucket_ids[0]):
            # Nothing is due before this entry's bucket: the entry becomes the heap and the
            # horizon moves to the end of its bucket (a sparse schedule, one event pending at
            # a time, then never pays for filling and emptying a bucket).
            queue: list[Any] = self._queue
            queue.append(entry)
            self._horizon = (bucket + 1) / BUCKETS_PER_DAY
            return
        entries = self._buckets.get(bucket)
        if entries is None:
            self._buckets[bucket] = [entry]
            heappush(self._bucket_ids, bucket)
        else:
            entries.append(entry)

    def _refill(self) -> bool:
        """The heap is empty: the next bucket becomes the heap (after the last bucket, the
        entries at infinity). False if there are none."""
        queue: list[Any] = self._queue
        if self._bucket_ids:
            bucket = heappop(self._bucket_ids)
            queue.extend(self._buckets.pop(bucket))
            self._horizon = (bucket + 1) / BUCKETS_PER_DAY
        elif self._beyond:
            queue.extend(self._beyond)
            self._beyond.clear()
            self._horizon = float("inf")  # every entry from now on goes on the heap
        else:
            return False
        heapify(queue)
        return True

    def schedule(self, event: Event, priority: EventPriority = NORMAL, delay: float = 0) -> None:
        """As ``simpy.Environment.schedule``, filing ``(time, priority, id, _process, event)``."""
        self.file((self.now + delay, priority, next(self._eid), self._process, event))

    def peek(self) -> float:
        """Time of the next event (infinity if there is none)."""
        if self._queue:
            return self._queue[0][0]
        waiting = self._buckets[self._bucket_ids[0]] if self._bucket_ids else self._beyond
        if waiting:
            at: float = min(waiting)[0]
            return at
        return float("inf")

    def step(self) -> None:
        """Processes the next event (as ``simpy.Environment.step``)."""
        if not self._queue and not self._refill():
            raise EmptySchedule
        item: Any = heappop(self._queue)
        self.now = item[0]
        item[3](item[4])

    def _process(self, event: Event) -> None:
        """What ``simpy.Environment.step`` does with an event once it is popped."""
        if type(event) is Call:  # type: ignore[comparison-overlap]
            event.fn(event.value)
            return
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
                if at <= self.now:
                    raise ValueError(
                        f"until ({at}) must be greater than the current simulation time"
                    )
                until = Event(self)
                until._ok = True
                until._value = None
                self.schedule(until, URGENT, at - self.now)
            elif until.callbacks is None:
                return until.value
            until.callbacks.append(StopSimulation.callback)
        queue = self._queue
        pop = heappop
        refill = self._refill
        try:
            while queue or refill():
                item: Any = pop(queue)
                self.now = item[0]
                item[3](item[4])
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
