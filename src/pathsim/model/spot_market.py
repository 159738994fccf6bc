"""Spot purchase: places an onward service buys one at a time beyond its contracted places
(:class:`~pathsim.scenario.services.SpotPurchase`), and the null object of a service that
buys none.

A person who finds every contracted place taken waits in the contracted line and, after a
sourcing time drawn from the stream ``onward.<service>.sourcing``, also in the line for a spot
place (or takes one at once); the first place either line gives is theirs, and they leave the
other line. Spot places are numbered after the contracted ones (slot ``first_slot + k``), so a
slot says which set of places it belongs to.
"""

from __future__ import annotations

from pathsim.model.clock import call_after
from pathsim.model.context import RunContext
from pathsim.model.monitors import LevelMonitor
from pathsim.model.patients import Patient
from pathsim.model.places import GrantCallback, Places, Waiting
from pathsim.model.service import BufferedSampler
from pathsim.model.streams import Streams
from pathsim.scenario.services import SpotPurchase


class NoSpotMarket:
    """A service that buys no places: everyone waits for a contracted one."""

    in_use = 0
    buys = False
    """Whether the service buys spot places."""

    def __init__(self, contracted: Places, start: GrantCallback) -> None:
        self.contracted = contracted
        self.start = start

    def request(self, p: Patient) -> None:
        """Asks for a contracted place (``start`` is called when one is the patient's)."""
        self.contracted.request(p, self.start)

    def granted(self, p: Patient, slot: int) -> None:
        """A place was given: nothing to leave."""

    def bought(self, slot: int) -> bool:
        return False

    def release(self, slot: int) -> None:
        self.contracted.release(slot)

    def occupy(self, p: Patient, spot: bool) -> int:
        """A contracted place for a person there when the run starts."""
        return self.contracted.occupy(p)

    def monitors(self) -> dict[str, LevelMonitor]:
        return {}


class SpotMarket(NoSpotMarket):
    """Spot places beside the contracted ones, after a sourcing time (module docstring)."""

    buys = True

    def __init__(
        self,
        ctx: RunContext,
        name: str,
        spec: SpotPurchase,
        streams: Streams,
        contracted: Places,
        start: GrantCallback,
    ) -> None:
        """``start(patient, slot)`` is called when a place, contracted or spot, is the
        patient's; spot slots count on from the contracted places' number."""
        super().__init__(contracted, start)
        self.env = ctx.env
        self.places = Places(
            ctx.env, f"{name}.spot", spec.max_places, LevelMonitor(ctx.env, f"{name}.spot_occupied")
        )
        self.first_slot = contracted.capacity
        self.sourcing = BufferedSampler(spec.sourcing_days, streams[f"onward.{name}.sourcing"])
        self._lines: dict[int, list[Waiting | None]] = {}
        """People waiting: pid -> [their entry in the contracted line, their entry in the spot
        line (None until sourced)]."""

    @property
    def in_use(self) -> int:  # type: ignore[override]
        return self.places.in_use

    def request(self, p: Patient) -> None:
        """A contracted place at once if one is free, else both lines after sourcing."""
        entry = self.contracted.join(p, self.start)
        if entry is not None:  # every contracted place taken: look for a spot place too
            lines: list[Waiting | None] = [entry, None]
            self._lines[p.pid] = lines
            call_after(self.env, self.sourcing.next(), self._sourced, (p, lines))

    def _sourced(self, value: tuple[Patient, list[Waiting | None]]) -> None:
        """The sourcing time is over: a spot place now if one can be had, else the person
        waits in both lines."""
        p, lines = value
        if self._lines.get(p.pid) is not lines:  # a contracted place came first
            return
        lines[1] = self.places.join(p, self._start_spot)

    def _start_spot(self, p: Patient, slot: int) -> None:
        self.start(p, slot + self.first_slot)

    def granted(self, p: Patient, slot: int) -> None:
        """A place was given: the patient leaves the other line."""
        if not self._lines:
            return
        lines = self._lines.pop(p.pid, None)
        if lines is None:
            return
        contracted, spot = lines
        if slot >= self.first_slot:
            assert contracted is not None
            self.contracted.withdraw(contracted)
        elif spot is not None:
            self.places.withdraw(spot)

    def bought(self, slot: int) -> bool:
        return slot >= self.first_slot

    def release(self, slot: int) -> None:
        if slot >= self.first_slot:
            self.places.release(slot - self.first_slot)
        else:
            self.contracted.release(slot)

    def occupy(self, p: Patient, spot: bool) -> int:
        """A place for a person there when the run starts: a spot one when ``spot``."""
        if spot:
            return self.places.occupy(p) + self.first_slot
        return self.contracted.occupy(p)

    def monitors(self) -> dict[str, LevelMonitor]:
        return {"spot_occupied": self.places.busy}
