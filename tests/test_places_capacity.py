"""Places whose number changes while a run goes (escalation beds): opened places go to the
patients waiting at once; closing places close when free, never going to anyone waiting."""

from __future__ import annotations

from typing import Any

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from pathsim.model.monitors import LevelMonitor
from pathsim.model.places import Places


def _places(capacity: int, priority: bool = False) -> tuple[Places, list[tuple[Any, int]]]:
    env = simpy.Environment()
    places = Places(env, "x", capacity, LevelMonitor(env, "busy"), priority=priority)
    return places, []


def _ask(places: Places, granted: list[tuple[Any, int]], who: Any, priority: float = 0) -> bool:
    return places.request(who, lambda p, slot: granted.append((p, slot)), priority)


@pytest.mark.parametrize("priority", [False, True])
def test_opened_places_go_to_the_line_at_once_in_its_order(priority: bool) -> None:
    places, granted = _places(1, priority)
    _ask(places, granted, "first")
    for name, prio in (("a", 3), ("b", 1), ("c", 2)):
        assert not _ask(places, granted, name, prio)
    places.add(2)
    order = ["b", "c"] if priority else ["a", "b"]
    assert [p for p, _ in granted[1:]] == order
    assert places.capacity == 3 and places.in_use == 3 and places.waiting == 1
    assert places.queue_monitor.level == 1 and places.busy.level == 3
    assert sorted(slot for _, slot in granted) == [0, 1, 2]  # new slots are numbered on
    places.add(1)  # the last one in line, then a free place
    places.add(1)
    assert places.waiting == 0 and places.in_use == 4 and places.has_room
    assert places.capacity == 5 and places.busy.level == 4


def test_free_places_close_at_once_and_busy_ones_when_released() -> None:
    places, granted = _places(4)
    closed: list[int] = []
    places.on_closed = lambda: closed.append(places.capacity)
    for who in "ab":
        _ask(places, granted, who)
    places.close(3)  # two free places close now, one busy place closes when it is released
    assert len(closed) == 2 and places.capacity == 2 and places.closing == 1
    assert not places.has_room and places.in_use == 2
    assert not _ask(places, granted, "c")  # nobody gets a closing place...
    a_slot = granted[0][1]
    places.release(a_slot)
    assert len(closed) == 3 and places.capacity == 1 and places.closing == 0
    assert places.waiting == 1 and places.busy.level == 1  # ... c still waits
    places.release(granted[1][1])  # an open place: c takes it
    assert [p for p, _ in granted] == ["a", "b", "c"] and places.waiting == 0
    assert places.capacity == 1 and places.in_use == 1


def test_closing_keeps_the_lowest_numbers_and_numbers_are_given_again() -> None:
    places, granted = _places(5)
    places.close(2)  # 3 and 4 close
    for who in "abc":
        _ask(places, granted, who)
    assert [slot for _, slot in granted] == [0, 1, 2]
    places.add(1)  # slot 3 again (the lowest closed number)
    _ask(places, granted, "d")
    assert granted[-1] == ("d", 3)


def test_cancelled_closures_keep_places_open() -> None:
    places, granted = _places(2)
    _ask(places, granted, "a")
    _ask(places, granted, "b")
    places.close(2)
    assert places.closing == 2 and places.capacity == 2
    places.cancel_closing(1)
    _ask(places, granted, "c")
    places.release(granted[0][1])  # closes (one closure still pending)
    assert places.capacity == 1 and places.waiting == 1
    places.release(granted[1][1])  # stays open: c takes it
    assert places.capacity == 1 and granted[-1][0] == "c"


def test_impossible_changes_are_refused() -> None:
    places, granted = _places(2)
    _ask(places, granted, "a")
    places.close(1)
    with pytest.raises(ValueError, match="cannot close 2 places"):
        places.close(2)  # 1 open and not closing
    with pytest.raises(ValueError, match="cannot cancel 1 closures"):
        places.cancel_closing(1)  # the free place closed at once: nothing pending
    with pytest.raises(ValueError, match="cannot open -1"):
        places.add(-1)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["ask", "leave", "add", "close", "cancel"]), st.integers(0, 3)),
        max_size=60,
    )
)
def test_places_stay_consistent_whatever_the_changes(ops: list[tuple[str, int]]) -> None:
    """Any sequence of requests, releases, openings, closures and cancellations keeps the
    books: no slot held twice, held slots + free slots = places open, nobody waits while a
    place is free, and the busy monitor counts the held slots."""
    places, _ = _places(2)
    holding: list[int] = []
    waiting = 0

    def got(p: Any, slot: int) -> None:
        assert slot not in holding
        holding.append(slot)

    for op, n in ops:
        if op == "ask":
            if not places.request(object(), got):
                waiting += 1
        elif op == "leave" and holding:
            before = len(holding)
            places.release(holding.pop(n % len(holding)))
            if places.waiting < waiting:  # the place went to the first in line
                waiting -= 1
                assert len(holding) == before
        elif op == "add":
            served = min(n, waiting)
            places.add(n)
            waiting -= served
        elif op == "close":
            places.close(min(n, places.capacity - places.closing))
        elif op == "cancel":
            places.cancel_closing(min(n, places.closing))
        assert places.waiting == waiting
        assert len(set(holding)) == len(holding) == places.in_use
        assert places.busy.level == len(holding)
        assert places.closing <= places.in_use
        assert not (places.waiting and places.has_room)
        assert places.capacity - places.in_use >= 0
