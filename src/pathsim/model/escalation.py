"""Escalation (OPEL levels 1-4) and the actions each level switches on.

Built only when the effective system has escalation; otherwise :class:`NoEscalation` stands
in: it never checks anything, changes nothing and reports zeros. The component reads pressure
measures from the other components by name (``"<component name>.<metric>"``, from their
:meth:`~pathsim.model.component.Component.pressure`), every ``check_interval_hours`` from the
start of the run, and sets the level as the scenario's rules say (``scenario/escalation.py``):
it rises at the check that calls for more, and falls only once every check for
``step_down_after_hours`` has called for less. The actions of the scenario are in force while
the level is at or above each one's ``from_level``:

* ``open_escalation_beds`` and ``board_on_wards`` open places in the ward's beds (waiting
  patients take them at once) and, when they end, close them as they empty: nobody is moved,
  and nobody waiting gets a closing bed (:meth:`pathsim.model.places.Places.close`);
* ``expedite_discharges`` gives the ward another discharge timing for patients going home;
* ``cancel_electives`` asks the elective inpatients to cancel a share of each day's list;
* ``divert_ambulances`` stands at the A&E front door (``door_position`` 9: outside any
  ambulance handover queue, which stands between A&E at 0 and the virtual ward at 10) and
  sends a share of ambulance arrivals to another trust, each decided by a draw from the
  stream ``escalation.divert_ambulances`` (drawn only while in force).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence

import pandas as pd
import simpy

from pathsim.model.clock import call_at
from pathsim.model.component import Component, Cost, FrontDoors, Results
from pathsim.model.context import RunContext
from pathsim.model.discharge_clock import DischargeClock
from pathsim.model.hooks import EscalatedWard, HomeTiming, PlannedList
from pathsim.model.monitors import LevelMonitor
from pathsim.model.patients import FrontDoor, Patient
from pathsim.model.places import Places
from pathsim.model.service import ARRIVAL_DEPARTURE, MILESTONE
from pathsim.model.streams import Streams
from pathsim.scenario import escalation as spec_
from pathsim.scenario.errors import Problem, ScenarioError

NAME = "escalation"
LEVELS = (1, 2, 3, 4)
SURGE, CORRIDOR = "surge", "corridor"

KPIS: dict[str, str] = {
    **{
        f"share_time_opel_{k}": f"Share of the results period at escalation level OPEL {k}"
        for k in LEVELS
    },
    "opel_level_mean": "Mean escalation level over the results period (time-weighted)",
    "opel_level_changes": "Changes of escalation level in the results period",
    "escalation_bed_days": "Bed days of escalation beds open (surge and ward corridor beds)",
    "escalation_surge_bed_days": "Bed days of surge (escalation) beds open",
    "escalation_corridor_bed_days": "Bed days of extra beds open in ward corridors",
    "expedited_discharges": (
        "Discharges home brought forward by the expedited discharge timing of escalation"
    ),
    "ambulances_diverted": "Ambulance arrivals taken to another trust by escalation",
    "escalation_cost_gbp": "Cost of the escalation actions (also in cost_service_escalation_*)",
}
"""The KPIs escalation reports, with their descriptions."""


class _Action:
    """One action of the scenario: in force from a level; its monitors, counts and cost."""

    key = ""

    def __init__(self, env: simpy.Environment, from_level: int) -> None:
        self.from_level = from_level
        self.in_force = LevelMonitor(env, f"{NAME}.{self.key}")

    def start(self) -> None:
        self.in_force.add(1)

    def stop(self) -> None:
        self.in_force.add(-1)

    def monitors(self) -> dict[str, LevelMonitor]:
        return {f"{self.key}_in_force": self.in_force}

    def gbp(self, results: Results) -> float:
        return 0.0


class _BedLedger:
    """The ward's extra beds by kind: opened by actions, closed as they empty. A bed that
    closes closes for the kind that asked first (a kind reopening keeps its own closing beds
    before opening new ones)."""

    def __init__(self, env: simpy.Environment, places: Places) -> None:
        self.places = places
        self.open = {
            kind: LevelMonitor(env, f"{NAME}.{kind}_beds_open") for kind in (SURGE, CORRIDOR)
        }
        self._closing: deque[str] = deque()
        places.on_closed = self._closed

    def open_beds(self, kind: str, n: int) -> None:
        keep = min(n, self._closing.count(kind))
        if keep:
            closing = list(self._closing)
            for _ in range(keep):  # the kind's latest closures are cancelled
                del closing[len(closing) - 1 - closing[::-1].index(kind)]
            self._closing = deque(closing)
            self.places.cancel_closing(keep)
        self.open[kind].add(n - keep)
        self.places.add(n - keep)

    def close_beds(self, kind: str, n: int) -> None:
        self._closing.extend([kind] * n)
        self.places.close(n)

    def _closed(self) -> None:
        self.open[self._closing.popleft()].add(-1)


class _ExtraBeds(_Action):
    def __init__(
        self,
        env: simpy.Environment,
        spec: spec_.OpenEscalationBeds | spec_.BoardOnWards,
        kind: str,
        ledger: _BedLedger,
    ) -> None:
        self.key = "open_escalation_beds" if kind == SURGE else "board_on_wards"
        super().__init__(env, spec.from_level)
        self.spec = spec
        self.kind = kind
        self.ledger = ledger

    def start(self) -> None:
        super().start()
        self.ledger.open_beds(self.kind, self.spec.beds)

    def stop(self) -> None:
        super().stop()
        self.ledger.close_beds(self.kind, self.spec.beds)

    def bed_days(self, results: Results) -> float:
        return results.mean_level(NAME, f"{self.kind}_beds_open") * results.days

    def gbp(self, results: Results) -> float:
        return self.bed_days(results) * self.spec.cost_per_bed_day_gbp


class _Expedited:
    """The discharge timing while expedited: the earlier of the usual and the fast one."""

    def __init__(self, usual: HomeTiming, fast: DischargeClock, action: _Expedite) -> None:
        self.usual = usual
        self.fast = fast
        self.action = action

    def ready_time(self, t_fit: float, u_day: float, u_hour: float) -> float:
        usual = self.usual.ready_time(t_fit, u_day, u_hour)
        fast = self.fast.ready_time(t_fit, u_day, u_hour)
        if fast < usual:
            self.action.brought_forward()
            return fast
        return usual


class _Expedite(_Action):
    key = "expedite_discharges"

    def __init__(
        self, ctx: RunContext, spec: spec_.ExpediteDischarges, ward: EscalatedWard
    ) -> None:
        super().__init__(ctx.env, spec.from_level)
        self.ctx = ctx
        self.spec = spec
        self.ward = ward
        self.usual = ward.home_timing
        fast = DischargeClock(
            spec.day_of_week_factor,
            spec.window_start_hour,
            spec.window_end_hour,
            ctx.calendar.weekday(0),
        )
        self.timing = None if self.usual is None else _Expedited(self.usual, fast, self)
        """None when the ward discharges patients the moment they are fit: nothing to bring
        forward."""
        self.count = 0

    def brought_forward(self) -> None:
        if self.ctx.collecting:
            self.count += 1

    def start(self) -> None:
        super().start()
        if self.timing is not None:
            self.ward.set_home_timing(self.timing)

    def stop(self) -> None:
        super().stop()
        if self.timing is not None:
            self.ward.set_home_timing(self.usual)

    def gbp(self, results: Results) -> float:
        days = results.mean_level(NAME, f"{self.key}_in_force") * results.days
        return days * self.spec.cost_per_day_gbp


class _CancelElectives(_Action):
    key = "cancel_electives"

    def __init__(
        self, env: simpy.Environment, spec: spec_.CancelElectives, electives: PlannedList
    ) -> None:
        super().__init__(env, spec.from_level)
        self.spec = spec
        self.electives = electives

    def start(self) -> None:
        super().start()
        self.electives.cancel_share(self.spec.share)

    def stop(self) -> None:
        super().stop()
        self.electives.cancel_share(0.0)

    def gbp(self, results: Results) -> float:
        return self.electives.cancelled_by_escalation * self.spec.cost_per_cancellation_gbp


class _Divert(_Action):
    key = "divert_ambulances"
    BATCH = 256

    def __init__(self, ctx: RunContext, spec: spec_.DivertAmbulances, streams: Streams) -> None:
        super().__init__(ctx.env, spec.from_level)
        self.ctx = ctx
        self.spec = spec
        self.rng = streams[f"{NAME}.divert_ambulances"]
        self.share = 0.0
        self.count = 0
        self._u: list[float] = []

    def start(self) -> None:
        super().start()
        self.share = self.spec.share

    def stop(self) -> None:
        super().stop()
        self.share = 0.0

    def _draw(self) -> float:
        if not self._u:
            self._u = self.rng.random(self.BATCH).tolist()[::-1]
        return self._u.pop()

    def in_front_of(self, door: FrontDoor) -> FrontDoor:
        """The A&E door with diversion in front of it: only ambulance arrivals from home
        (not patients a community team sends in) can be diverted."""

        def arrive(p: Patient, referred_in: bool = False) -> None:
            if self.share and p.ambulance and not referred_in and self._draw() < self.share:
                self._divert(p)
            else:
                door(p, referred_in)

        return arrive

    def _divert(self, p: Patient) -> None:
        ctx = self.ctx
        if ctx.collecting:
            self.count += 1
        log = ctx.log
        if log is not None:
            log.add(p.pid, ARRIVAL_DEPARTURE, "arrival", "ed")
            log.add(p.pid, MILESTONE, "ambulance_diverted", "ed")
            log.add(p.pid, ARRIVAL_DEPARTURE, "depart", "ed")
        ctx.exited += 1

    def gbp(self, results: Results) -> float:
        return self.count * self.spec.cost_per_diversion_gbp


def _measure_sources(
    measures: Sequence[str], sources: Sequence[Component]
) -> list[tuple[Component, str]]:
    """For each measure, the component that has it and its metric; a ScenarioError naming
    every measure no component has."""
    known: dict[str, tuple[Component, str]] = {}
    for component in sources:
        for metric in component.pressure():
            known.setdefault(f"{component.name}.{metric}", (component, metric))
    missing = [m for m in measures if m not in known]
    if missing:
        hint = f"Measures the components of this scenario have: {', '.join(sorted(known))}."
        raise ScenarioError(
            [
                Problem("", f"escalation.measures.{m}", f"no component has a measure '{m}'.", hint)
                for m in missing
            ]
        )
    return [known[m] for m in measures]


class Escalation(Component):
    """OPEL levels from pressure measures, and the actions of each level."""

    name = NAME
    door_position = 9
    """At the A&E front door, for diverting ambulances: outside any ambulance handover queue
    (door positions 1-9; one also at 9 is built earlier in the table, so escalation, near its
    end, still wraps it) and inside the virtual ward (10)."""

    def __init__(
        self,
        ctx: RunContext,
        spec: spec_.Escalation,
        streams: Streams,
        sources: Sequence[Component],
        ward: EscalatedWard,
        electives: PlannedList,
        organisation: str,
    ) -> None:
        """``sources`` are the components whose pressure measures may be named; ``ward`` is
        the ward whose beds and discharges escalation changes; ``electives`` the planned
        admissions it can cancel; ``organisation`` bears the actions' costs."""
        self.ctx = ctx
        self.env = ctx.env
        self.spec = spec
        self.organisation = organisation
        self.measure_names = list(spec.measures)
        self.triggers = [spec.measures[m] for m in self.measure_names]
        self.sources = _measure_sources(self.measure_names, sources)
        self.ledger = _BedLedger(ctx.env, ward.places)
        a = spec.actions
        self.beds: list[_ExtraBeds] = []
        if a.open_escalation_beds is not None:
            self.beds.append(_ExtraBeds(ctx.env, a.open_escalation_beds, SURGE, self.ledger))
        if a.board_on_wards is not None:
            self.beds.append(_ExtraBeds(ctx.env, a.board_on_wards, CORRIDOR, self.ledger))
        self.expedite = (
            None if a.expedite_discharges is None else _Expedite(ctx, a.expedite_discharges, ward)
        )
        self.divert = (
            None if a.divert_ambulances is None else _Divert(ctx, a.divert_ambulances, streams)
        )
        cancel = (
            None
            if a.cancel_electives is None
            else _CancelElectives(ctx.env, a.cancel_electives, electives)
        )
        self.actions: list[_Action] = [
            x for x in (*self.beds, self.expedite, cancel, self.divert) if x is not None
        ]
        self.level = 1
        self.at_level = {
            k: LevelMonitor(ctx.env, f"{NAME}.opel_{k}", float(k == 1)) for k in LEVELS
        }
        self.level_monitor = LevelMonitor(ctx.env, f"{NAME}.level", 1.0)
        interval = spec.check_interval_hours / 24
        self.interval = interval
        self.checks_to_step_down = math.ceil(
            spec.step_down_after_hours / spec.check_interval_hours - 1e-9
        )
        self._lower_checks = 0
        self._highest_lower = 1
        self.changes: list[tuple[float, int, int, list[float]]] = []
        self._sums = [0.0] * len(self.measure_names)
        self._samples = 0

    # -- checks ------------------------------------------------------------------------
    def start(self) -> None:
        call_at(self.env, 0.0, self._check, 0)

    def front_doors(self, doors: FrontDoors) -> None:
        if self.divert is not None:
            doors.ed[:] = [self.divert.in_front_of(door) for door in doors.ed]

    def read(self) -> list[float]:
        """The measures now, in the order of the scenario."""
        cache: dict[int, dict[str, float]] = {}
        values = []
        for component, metric in self.sources:
            now = cache.get(id(component))
            if now is None:
                now = cache[id(component)] = component.pressure()
            values.append(float(now[metric]))
        return values

    def called_for(self, values: Sequence[float]) -> int:
        """The level the measures call for, by the scenario's rule."""
        levels = [
            1 + sum(v >= t for t in trig.level_thresholds)
            for v, trig in zip(values, self.triggers, strict=True)
        ]
        if self.spec.combine == "highest":
            return max(levels)
        weights = [trig.weight for trig in self.triggers]
        score = sum(w * (k - 1) for w, k in zip(weights, levels, strict=True)) / (3 * sum(weights))
        return 1 + sum(score >= t for t in self.spec.score_thresholds)

    def _check(self, k: int) -> None:
        values = self.read()
        for i, v in enumerate(values):
            self._sums[i] += v
        self._samples += 1
        self.decide(self.called_for(values), values)
        nxt = (k + 1) * self.interval
        if nxt < self.ctx.end:
            call_at(self.env, nxt, self._check, k + 1)

    def decide(self, called: int, values: Sequence[float]) -> None:
        """Rises at once; falls once the checks have called for less for long enough."""
        if called > self.level:
            self._lower_checks = 0
            self._set(called, values)
        elif called == self.level:
            self._lower_checks = 0
        else:
            self._highest_lower = (
                called if self._lower_checks == 0 else max(self._highest_lower, called)
            )
            if self._lower_checks >= self.checks_to_step_down:
                self._lower_checks = 0
                self._set(self._highest_lower, values)
            else:
                self._lower_checks += 1

    def _set(self, level: int, values: Sequence[float]) -> None:
        old = self.level
        self.level = level
        self.at_level[old].add(-1)
        self.at_level[level].add(1)
        self.level_monitor.add(level - old)
        self.changes.append((self.env.now, old, level, list(values)))
        for action in self.actions:
            was, now = old >= action.from_level, level >= action.from_level
            if now and not was:
                action.start()
            elif was and not now:
                action.stop()

    # -- what escalation reports -------------------------------------------------------
    def level_monitors(self) -> dict[str, LevelMonitor]:
        out: dict[str, LevelMonitor] = {f"opel_{k}": m for k, m in self.at_level.items()}
        out["level"] = self.level_monitor
        for action in self.actions:
            out.update(action.monitors())
        if self.beds:
            out.update({f"{kind}_beds_open": m for kind, m in self.ledger.open.items()})
        return out

    def midnight_counts(self, now: float) -> dict[str, float]:
        """The mean of each measure over the checks since the last midnight."""
        n = self._samples
        out = {
            m: (s / n if n else math.nan)
            for m, s in zip(self.measure_names, self._sums, strict=True)
        }
        self._sums = [0.0] * len(self.measure_names)
        self._samples = 0
        return out

    def kpis(self, results: Results) -> dict[str, float]:
        k = {f"share_time_opel_{lv}": results.mean_level(NAME, f"opel_{lv}") for lv in LEVELS}
        k["opel_level_mean"] = results.mean_level(NAME, "level")
        k["opel_level_changes"] = float(
            sum(1 for c in self.changes if c[0] >= self.ctx.results_from)
        )
        surge = corridor = 0.0
        for beds in self.beds:
            if beds.kind == SURGE:
                surge = beds.bed_days(results)
            else:
                corridor = beds.bed_days(results)
        k["escalation_bed_days"] = surge + corridor
        k["escalation_surge_bed_days"] = surge
        k["escalation_corridor_bed_days"] = corridor
        k["expedited_discharges"] = float(self.expedite.count if self.expedite else 0)
        k["ambulances_diverted"] = float(self.divert.count if self.divert else 0)
        k["escalation_cost_gbp"] = sum(a.gbp(results) for a in self.actions)
        return k

    def costs(self, kpis: Mapping[str, float], results: Results) -> list[Cost]:
        """One line per action: ``escalation_<action>``."""
        return [Cost(f"{NAME}_{a.key}", self.organisation, a.gbp(results)) for a in self.actions]

    def tables(self, replication: int) -> dict[str, pd.DataFrame]:
        """``escalation_level_changes``: each change of level (time in days, from and to
        level, whether in the warm-up, and each measure's value at the check)."""
        rows = [
            {
                "replication": replication,
                "day": t,
                "from_level": old,
                "to_level": new,
                "warmup": t < self.ctx.results_from,
                **dict(zip(self.measure_names, values, strict=True)),
            }
            for t, old, new, values in self.changes
        ]
        columns = ["replication", "day", "from_level", "to_level", "warmup", *self.measure_names]
        return {"escalation_level_changes": pd.DataFrame(rows, columns=columns)}


class NoEscalation(Component):
    """No escalation: the trust never changes its beds, discharges or front door."""

    name = NAME

    def kpis(self, results: Results) -> dict[str, float]:
        return dict.fromkeys(KPIS, 0.0)
