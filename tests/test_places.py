"""Places (model/places.py): waiting patients who withdraw, checked against a plain reference
model of a waiting line under random sequences of requests, withdrawals and releases."""

from __future__ import annotations

from typing import Any

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from pathsim.model.monitors import LevelMonitor
from pathsim.model.places import Places, Waiting


class Reference:
    """A waiting line kept as a plain list, served by (priority, arrival) or by arrival."""

    def __init__(self, capacity: int, priority: bool) -> None:
        self.free = capacity
        self.priority = priority
        self.line: list[tuple[float, int, str]] = []
        self.seq = 0

    def request(self, name: str, prio: float) -> bool:
        if self.free:
            self.free -= 1
            return True
        self.seq += 1
        self.line.append((prio if self.priority else 0.0, self.seq, name))
        return False

    def withdraw(self, name: str) -> bool:
        for item in self.line:
            if item[2] == name:
                self.line.remove(item)
                return True
        return False

    def release(self) -> str | None:
        if not self.line:
            self.free += 1
            return None
        first = min(self.line)
        self.line.remove(first)
        return first[2]


Op = tuple[str, int]
ops = st.lists(
    st.tuples(st.sampled_from(["request", "withdraw", "release"]), st.integers(0, 30)),
    max_size=120,
)


@settings(max_examples=300, deadline=None)
@given(
    capacity=st.integers(0, 3),
    priority=st.booleans(),
    steps=ops,
    prios=st.lists(st.integers(1, 5), min_size=31, max_size=31),
)
def test_withdrawal_matches_a_plain_waiting_line(
    capacity: int, priority: bool, steps: list[Op], prios: list[int]
) -> None:
    env = simpy.Environment()
    places = Places(env, "x", capacity, LevelMonitor(env, "busy"), priority=priority)
    ref = Reference(capacity, priority)
    granted: list[str] = []
    entries: dict[str, Waiting] = {}
    holding: list[int] = []
    requested: set[str] = set()
    count = 0

    def got(patient: Any, slot: int) -> None:
        granted.append(patient)
        holding.append(slot)

    for op, k in steps:
        if op == "request":
            count += 1
            name = f"p{count}"
            requested.add(name)
            before = len(granted)
            if k % 3:
                entry = places.join(name, got, prios[k])
                now = entry is None
                if entry is not None:
                    entries[name] = entry
            else:  # request: the same, with no entry to withdraw by
                now = places.request(name, got, prios[k])
            assert ref.request(name, prios[k]) == now
            assert (len(granted) == before + 1) == now
        elif op == "withdraw" and requested:
            name = sorted(requested)[k % len(requested)]
            entry = entries.get(name)
            if entry is not None:
                assert places.withdraw(entry) == ref.withdraw(name)
                assert not places.withdraw(entry)  # a second time: nothing to withdraw
        elif op == "release" and holding:
            slot = holding.pop(k % len(holding))
            before = len(granted)
            places.release(slot)
            expected = ref.release()
            if expected is None:
                assert len(granted) == before
            else:
                assert granted[-1] == expected
        assert places.waiting == len(ref.line)
        assert places.queue_monitor.level == len(ref.line)
        assert places.in_use == capacity - ref.free
        assert places.busy.level == places.in_use
        assert sorted(holding + places._free) == list(range(capacity))


def test_a_withdrawn_patient_is_skipped_and_a_served_one_cannot_withdraw() -> None:
    env = simpy.Environment()
    for priority in (False, True):
        places = Places(env, "x", 1, LevelMonitor(env, "busy"), priority=priority)
        served: list[str] = []

        def got(p: Any, slot: int, out: list[str] = served) -> None:
            out.append(p)

        assert places.join("first", got) is None
        a, b, c = (places.join(n, got, 1) for n in "abc")
        assert a is not None and b is not None and c is not None
        assert places.withdraw(b) and places.waiting == 2
        places.release(0)
        assert not places.withdraw(a)  # already served
        places.release(0)
        assert served == ["first", "a", "c"]
        assert places.withdraw(c) is False and places.waiting == 0
        places.release(0)
        assert places.in_use == 0 and places.queue_monitor.level == 0
