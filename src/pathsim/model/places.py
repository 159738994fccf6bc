"""Places with a capacity and a waiting line: cubicles, beds, care packages.

A ``Places`` object replaces ``simpy.Resource`` in the hot path. It hands places to waiting
patients by callback instead of by events, so a grant costs no scheduled event, and its
waiting line is a ``collections.deque`` (first come, first served) or a binary heap (by
priority), both O(1) or O(log n) per operation however long the line grows. SimPy's own
resources keep waiting requests in Python lists, and removing the head of a list is O(n).

A waiting patient can withdraw (leave the line before being served): :meth:`Places.join`
returns the patient's :data:`Waiting` entry, and :meth:`Places.withdraw` marks it withdrawn
in O(1). A withdrawn entry stays in the deque or heap until it reaches the front, where it is
skipped; the queue-length monitor and :attr:`Places.waiting` drop at once, so both count only
the patients really waiting.

Blocking is expressed by the caller: a patient who holds a place upstream keeps it until the
callback for the next place fires, and only then releases the one it held.

The number of places can change while a run goes (escalation beds): :meth:`Places.add` opens
places, which waiting patients take at once; :meth:`Places.close` takes places out, the free
ones at once and the others as they are released (a place that is closing goes to nobody,
even with patients waiting), so nobody is moved out of a place to close it.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable
from typing import Any

import simpy

from pathsim.model.monitors import LevelMonitor

GrantCallback = Callable[[Any, int], None]
"""Called as ``callback(patient, slot)`` when the patient gets a place; ``slot`` is the index
of the place (0 .. capacity-1), used by the event log for animation."""

Waiting = list[Any]
"""A patient's entry in the waiting line: ``[patient, callback]`` (first come, first served)
or ``[priority, sequence, patient, callback]`` (by priority). Once the patient is served or
has withdrawn, its patient and callback are None."""


class Places:
    """``capacity`` identical places and a waiting line for them."""

    __slots__ = (
        "_closing",
        "_free",
        "_heap",
        "_line",
        "_next_slot",
        "_seq",
        "_spare_slots",
        "_withdrawn",
        "busy",
        "capacity",
        "name",
        "on_closed",
        "queue_monitor",
    )

    def __init__(
        self,
        env: simpy.Environment,
        name: str,
        capacity: int,
        busy: LevelMonitor,
        priority: bool = False,
    ) -> None:
        self.name = name
        self.capacity = capacity
        self.busy = busy
        self.queue_monitor = LevelMonitor(env, f"{name}.queue")
        self._free = list(range(capacity - 1, -1, -1))
        self._line: deque[Waiting] | None = None if priority else deque()
        self._heap: list[Waiting] | None = [] if priority else None
        self._seq = 0
        self._withdrawn = 0
        """Withdrawn entries still in the deque or heap (skipped when they reach the front)."""
        self._closing = 0
        """Places asked to close that were in use: each closes when it is released."""
        self._spare_slots: list[int] = []
        """Slot numbers of closed places, given again (lowest first) to places opened later."""
        self._next_slot = capacity
        self.on_closed: Callable[[], None] | None = None
        """Called once for each place that closes (at once or when released)."""

    @property
    def in_use(self) -> int:
        return self.capacity - len(self._free)

    @property
    def waiting(self) -> int:
        """Patients waiting (withdrawn ones not counted)."""
        queued = len(self._line) if self._line is not None else len(self._heap or ())
        return queued - self._withdrawn

    @property
    def has_room(self) -> bool:
        return bool(self._free)

    def occupy(self, patient: Any) -> int:
        """Takes a free place at once (used to fill places at the start of a run)."""
        slot = self._free.pop()
        self.busy.add(1)
        return slot

    def request(self, patient: Any, granted: GrantCallback, priority: float = 0.0) -> bool:
        """Asks for a place. If one is free, ``granted`` is called now and True is returned;
        otherwise the patient joins the waiting line and False is returned (as
        :meth:`join`, inlined: this runs once per patient at every service)."""
        if self._free:
            slot = self._free.pop()
            self.busy.add(1)
            granted(patient, slot)
            return True
        if self._line is not None:
            self._line.append([patient, granted])
        else:
            self._seq += 1
            heapq.heappush(self._heap, [priority, self._seq, patient, granted])  # type: ignore[arg-type]
        self.queue_monitor.add(1)
        return False

    def join(self, patient: Any, granted: GrantCallback, priority: float = 0.0) -> Waiting | None:
        """Asks for a place, as :meth:`request`: None when ``granted`` was called now, else
        the patient's entry in the waiting line (which :meth:`withdraw` takes)."""
        if self._free:
            slot = self._free.pop()
            self.busy.add(1)
            granted(patient, slot)
            return None
        entry: Waiting
        if self._line is not None:
            entry = [patient, granted]
            self._line.append(entry)
        else:
            self._seq += 1
            entry = [priority, self._seq, patient, granted]
            heapq.heappush(self._heap, entry)  # type: ignore[arg-type]
        self.queue_monitor.add(1)
        return entry

    def withdraw(self, entry: Waiting) -> bool:
        """The patient of ``entry`` leaves the waiting line. False (and nothing changes) when
        they are no longer in it: already served, or already withdrawn."""
        if entry[-1] is None:
            return False
        entry[-1] = None
        entry[-2] = None
        self._withdrawn += 1
        self.queue_monitor.add(-1)
        return True

    def _next_waiting(self) -> tuple[Any, GrantCallback] | None:
        """Takes the first patient really waiting (withdrawn entries skipped) out of the
        line, with their callback; None when nobody waits."""
        line = self._line
        heap = self._heap
        while True:
            if line:
                entry = line.popleft()
            elif heap:
                entry = heapq.heappop(heap)
            else:
                return None
            granted = entry[-1]
            if granted is not None:
                patient = entry[-2]
                entry[-1] = None
                entry[-2] = None
                return patient, granted
            self._withdrawn -= 1  # a withdrawn patient's entry reached the front: skipped

    @property
    def closing(self) -> int:
        """Places in use that will close when they are released."""
        return self._closing

    def add(self, n: int) -> None:
        """Opens ``n`` more places; patients waiting take them at once, first in line first."""
        if n < 0:
            raise ValueError(f"cannot open {n} places")
        for _ in range(n):
            if self._spare_slots:
                slot = heapq.heappop(self._spare_slots)
            else:
                slot = self._next_slot
                self._next_slot += 1
            self.capacity += 1
            waiting = self._next_waiting()
            if waiting is None:
                self._free.append(slot)
                continue
            patient, granted = waiting
            self.queue_monitor.add(-1)
            self.busy.add(1)
            granted(patient, slot)

    def close(self, n: int) -> None:
        """Closes ``n`` places: free ones at once (the highest-numbered first), the rest as
        they are released. At most the places open and not already closing can close."""
        if n < 0 or n > self.capacity - self._closing:
            raise ValueError(
                f"cannot close {n} places: {self.capacity} are open, {self._closing} closing"
            )
        free = self._free
        now = min(n, len(free))
        if now:
            free.sort(reverse=True)  # the stack pops its last item: keep the lowest numbers
            for slot in free[:now]:
                self._retire(slot)
            del free[:now]
        self._closing += n - now

    def cancel_closing(self, n: int) -> None:
        """Keeps open ``n`` of the places that were to close when released."""
        if n < 0 or n > self._closing:
            raise ValueError(f"cannot cancel {n} closures: {self._closing} are pending")
        self._closing -= n

    def _retire(self, slot: int) -> None:
        self.capacity -= 1
        heapq.heappush(self._spare_slots, slot)
        if self.on_closed is not None:
            self.on_closed()

    def release(self, slot: int) -> None:
        """Frees place ``slot``; the first patient in line (if any) gets it at once, unless
        the place is closing (then it closes)."""
        if self._closing:
            self._closing -= 1
            self.busy.add(-1)
            self._retire(slot)
            return
        line = self._line
        heap = self._heap
        while True:
            if line:
                entry = line.popleft()
            elif heap:
                entry = heapq.heappop(heap)
            else:
                self._free.append(slot)
                self.busy.add(-1)
                return
            granted = entry[-1]
            if granted is not None:
                break
            self._withdrawn -= 1  # a withdrawn patient's entry reached the front: skipped
        patient = entry[-2]
        entry[-1] = None
        entry[-2] = None
        self.queue_monitor.add(-1)
        granted(patient, slot)
