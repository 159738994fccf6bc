"""The interface every service component shares."""

from __future__ import annotations

from typing import Any

import numpy as np

from pathsim.model.component import Component
from pathsim.model.context import RunContext
from pathsim.model.monitors import LevelMonitor, Tally, ThresholdLevelMonitor
from pathsim.model.places import Places
from pathsim.scenario.distributions import DistributionBase

ARRIVAL_DEPARTURE, QUEUE, RESOURCE_USE, RESOURCE_USE_END, MILESTONE = range(5)


class Service(Component):
    """A component with places, an owning organisation, a waiting line and monitors.

    Patients move between services by *handover*: when a patient gets a place at the next
    service, that service calls ``handover(patient)`` on the one the patient is leaving, which
    then frees the place the patient held there. Until then the patient keeps it (blocking).
    """

    holds_beds = False
    """Whether patients wait in this service's beds for the next one (the acute ward): what
    deterioration while waiting applies to."""

    def __init__(
        self,
        ctx: RunContext,
        name: str,
        organisation: str,
        capacity: int,
        priority: bool = False,
        thresholds: list[float] | None = None,
    ) -> None:
        self.ctx = ctx
        self.env = ctx.env
        self.name = name
        self.organisation = organisation
        busy: LevelMonitor
        if thresholds:
            busy = ThresholdLevelMonitor(ctx.env, f"{name}.occupied", thresholds)
        else:
            busy = LevelMonitor(ctx.env, f"{name}.occupied")
        self.places = Places(ctx.env, name, capacity, busy, priority=priority)
        self.wait = Tally()
        """Waits for a place (days) of patients who got one in the results period."""
        self.log = ctx.log
        self._ev_wait = f"{name}_wait_begins"
        self._ev_begin = f"{name}_begins"
        self._ev_end = f"{name}_ends"

    @property
    def capacity(self) -> int:
        return self.places.capacity

    def tallies(self) -> list[Tally]:
        """Every tally of this service (the run folds their buffers when they grow long)."""
        return [self.wait]

    def level_monitors(self) -> dict[str, LevelMonitor]:
        """Monitors reported in the daily time series, by metric name."""
        return {"occupied": self.places.busy, "queue_length": self.places.queue_monitor}

    def patients_holding(self) -> int:
        """Patients holding a place here now."""
        return self.places.in_use

    def patients_present(self) -> int:
        """Patients holding a place here or waiting for one."""
        return self.patients_holding() + self.places.waiting

    def in_results(self) -> bool:
        """Whether the warm-up is over (results are being collected)."""
        return self.ctx.collecting

    def handover(self, patient: Any) -> None:  # pragma: no cover - interface
        """The next service took the patient: the place held here is freed."""
        raise NotImplementedError

    def refer_again(self, patient: Any, service: int) -> None:  # pragma: no cover - interface
        """The patient, still held here, now needs onward service number ``service``."""
        raise NotImplementedError

    def patient_leaves_system(self, patient: Any) -> None:
        if self.log is not None:
            self.log.add(patient.pid, ARRIVAL_DEPARTURE, "depart", self.name)
        self.ctx.exited += 1


class BufferedSampler:
    """Draws from one named stream in batches and hands the values out one by one."""

    __slots__ = ("_buf", "_i", "batch", "dist", "rng")

    def __init__(self, dist: DistributionBase, rng: np.random.Generator, batch: int = 512) -> None:
        self.dist = dist
        self.rng = rng
        self.batch = batch
        self._buf: list[float] = []
        self._i = 0

    def next(self) -> float:
        if self._i >= len(self._buf):
            self._buf = self.dist.sample(self.rng, self.batch).tolist()
            self._i = 0
        value = self._buf[self._i]
        self._i += 1
        return value
