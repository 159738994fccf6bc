"""The A&E front end under pressure (issue 13): ambulance handover, category 1 first, leaving
before being seen, same-day emergency care; their KPIs, pressure measures and tables; common
random numbers and conservation with every feature on; nothing changes with them off.

The deterministic tests build a small system with no random arrivals and put hand-made
patients through its front doors at chosen times, so every time checked is worked out by hand
in the test."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from builders import per_1000_per_year, scenario
from pathsim import simulate
from pathsim.model.builders import BUILDERS, Builder
from pathsim.model.clinical import CLINICAL, DEFAULT_ROW, ClinicalDraws
from pathsim.model.clock import call_at
from pathsim.model.component import Component, FrontDoors
from pathsim.model.context import OTHER_ID_BASE
from pathsim.model.kpis import compute_kpis
from pathsim.model.left_before_seen import patience_scale_days
from pathsim.model.patients import FrontDoor, Patient, Route
from pathsim.model.streams import Streams
from pathsim.model.system import System
from pathsim.scenario import Scenario, with_overrides

H = 1 / 24
MIN = 1 / 1440
FIXED_10_MIN = {"distribution": "fixed", "value": 10.0}


# -- a small system driven by hand ---------------------------------------------------------
class Driven:
    """A System with no random arrivals; :meth:`at` puts a hand-made patient through a
    front door at a given time."""

    def __init__(self, sc: Scenario, days: float = 3, event_log: bool = True) -> None:
        self.system = System(sc, 0, 1, math.ceil(days), 0, event_log=event_log)
        arrivals = self.component("arrivals")
        self.doors: FrontDoors = arrivals.doors  # type: ignore[attr-defined]
        self.patients: dict[str, Patient] = {}

    def component(self, name: str) -> Any:
        return next(c for c in self.system.components if c.name == name)

    def at(self, t: float, name: str, route: Route = Route.ED, **clinical: Any) -> None:
        """Patient ``name`` arrives at time ``t`` (days) with these clinical attributes
        (the rest as for someone with none drawn: triage category 3, not admitted)."""

        def arrive(_: object) -> None:
            ctx = self.system.ctx
            row = dict(zip(CLINICAL, DEFAULT_ROW, strict=True))
            row.update(clinical)
            p = Patient(ctx.new_patient_id(), 0, route, ctx.env.now, tuple(row.values()))  # type: ignore[arg-type]
            self.patients[name] = p
            door = self.doors.ed[0] if route == Route.ED else self.doors.direct[0]
            door(p)

        call_at(self.system.env, t, arrive)

    def probe(self, t: float, fn: Callable[[], None]) -> None:
        call_at(self.system.env, t, lambda _: fn())

    def run(self) -> dict[str, float]:
        self.system.run()
        c = self.system.conservation()
        assert c["created"] == c["exited"] + c["present"]
        return compute_kpis(self.system)

    def events(self, name: str, event: str, service: str | None = None) -> list[float]:
        """Times of ``event`` for patient ``name``."""
        log = self.system.ctx.log
        assert log is not None
        frame = log.to_frame(0)
        pid = self.patients[name].pid
        rows = frame[(frame["patient_id"] == pid) & (frame["event"] == event)]
        if service is not None:
            rows = rows[rows["service"] == service]
        return [float(t) for t in rows["time"]]

    def seen(self, name: str) -> float:
        (t,) = self.events(name, "ed_begins")
        return t


def small(**changes: Any) -> Scenario:
    """One cubicle, no random arrivals, fifo, A&E assessment fixed by each patient's own."""
    base: dict[str, Any] = {"ed.cubicles": 1, "acute_ward.beds": 5}
    base.update(changes)
    return scenario(**base)


def handover(**changes: Any) -> Scenario:
    return small(
        **{
            "ambulance_handover": {
                "enabled": True,
                "handover_spaces": 0,
                "handover_minutes": FIXED_10_MIN,
            },
            **changes,
        }
    )


# -- ambulance handover --------------------------------------------------------------------
def test_crews_wait_exactly_until_a_cubicle_frees() -> None:
    # One cubicle, busy with a walk-in from 0 to 1 h; no handover spaces. Two ambulances
    # arrive at 6 and 12 minutes: each crew waits until its patient's cubicle comes (1 h and
    # 2 h), then hands over in 10 minutes.
    d = Driven(handover())
    d.at(0.0, "walk_in", assess=1 * H)
    d.at(6 * MIN, "b", ambulance=True, assess=1 * H)
    d.at(12 * MIN, "c", ambulance=True, assess=1 * H)
    waiting: list[dict[str, float]] = []
    d.probe(30 * MIN, lambda: waiting.append(d.component("ambulance_handover").pressure()))
    d.probe(90 * MIN, lambda: waiting.append(d.component("ambulance_handover").pressure()))
    k = d.run()
    assert d.seen("b") == pytest.approx(1 * H)
    assert d.seen("c") == pytest.approx(2 * H)
    assert d.events("b", "handed_over") == pytest.approx([1 * H])
    assert d.events("c", "handed_over") == pytest.approx([2 * H])
    # handover times: b 54 + 10 = 64 minutes, c 108 + 10 = 118 minutes
    assert k["ambulance_handovers"] == 2
    assert k["ambulance_mean_handover_minutes"] == pytest.approx((64 + 118) / 2)
    assert k["ambulance_handover_hours_lost"] == pytest.approx((64 - 15 + 118 - 15) / 60)
    assert k["ambulance_handovers_over_30m"] == 2
    assert k["ambulance_handovers_over_60m"] == 2
    assert k["ambulance_handovers_within_15m_share"] == 0
    # at 30 minutes both crews wait, b longest (24 minutes); at 90 minutes only c (78)
    assert waiting[0] == pytest.approx({"crews_waiting": 2, "longest_wait_hours": 24 / 60})
    assert waiting[1] == pytest.approx({"crews_waiting": 1, "longest_wait_hours": 78 / 60})
    table = d.system.tables()["ambulance_handover_histogram"]
    by_bin = dict(zip(table["minutes_from"], table["count"], strict=True))
    assert by_bin[60.0] == 1 and by_bin[115.0] == 1 and table["count"].sum() == 2


def test_a_free_cubicle_or_handover_space_takes_the_patient_at_once() -> None:
    # With a handover space: b (6 min) goes onto it at once and hands over in 10 minutes;
    # c (12 min) waits for a space or cubicle: at 1 h b gets the cubicle and frees the
    # space, which c takes (48 minutes + 10). d arrives at 3 h to an empty department.
    d = Driven(handover(**{"ambulance_handover.handover_spaces": 1}))
    d.at(0.0, "walk_in", assess=1 * H)
    d.at(6 * MIN, "b", ambulance=True, assess=1 * H)
    d.at(12 * MIN, "c", ambulance=True, assess=1 * H)
    d.at(3 * H + 1 * MIN, "d", ambulance=True, assess=1 * H)
    k = d.run()
    assert d.events("b", "handed_over") == pytest.approx([6 * MIN])
    assert d.events("c", "handed_over") == pytest.approx([1 * H])
    assert d.seen("c") == pytest.approx(2 * H)  # the space does not change the cubicle order
    assert d.events("d", "handed_over") == pytest.approx([3 * H + 1 * MIN])
    times = [10, 48 + 10, 10]
    assert k["ambulance_mean_handover_minutes"] == pytest.approx(sum(times) / 3)
    assert k["ambulance_handover_hours_lost"] == pytest.approx((58 - 15) / 60)
    assert k["ambulance_handovers_over_30m"] == 1 and k["ambulance_handovers_over_60m"] == 0
    assert k["ambulance_handovers_within_15m_share"] == pytest.approx(2 / 3)
    ts = d.system.timeseries()
    space = ts[(ts.service == "ambulance_handover") & (ts.metric == "occupied")]
    # b held the space 6 min -> 1 h, c from 1 h to 2 h: 1 h 54 min of the first day
    assert space["value"].iloc[0] == pytest.approx((54 + 60) / 1440)


def test_category_1_goes_first_and_skips_the_handover_queue() -> None:
    # fifo: b and c (category 3) wait with their crews; d, category 1, arrives after them
    # and is taken at once, and gets the cubicle first, even in a fifo department.
    d = Driven(handover())
    d.at(0.0, "walk_in", assess=1 * H)
    d.at(6 * MIN, "b", ambulance=True, assess=1 * H)
    d.at(12 * MIN, "c", ambulance=True, assess=1 * H)
    d.at(18 * MIN, "d", ambulance=True, assess=1 * H, acuity=1)
    d.at(19 * MIN, "e", assess=1 * H, acuity=1)  # a category 1 walk-in: after d
    k = d.run()
    assert d.events("d", "handed_over") == pytest.approx([18 * MIN])
    assert [d.seen(n) for n in "debc"] == pytest.approx([1 * H, 2 * H, 3 * H, 4 * H])
    lost = (3 * 60 - 6 + 10 - 15) + (4 * 60 - 12 + 10 - 15)
    assert k["ambulance_handover_hours_lost"] == pytest.approx(lost / 60)


def test_category_1_first_also_without_the_handover() -> None:
    d = Driven(small())
    for i, name in enumerate("abc"):
        d.at(i * MIN, name, assess=1 * H)
    d.at(5 * MIN, "resus", assess=1 * H, acuity=1)
    d.run()
    assert [d.seen(n) for n in ("a", "resus", "b", "c")] == pytest.approx([0, 1 * H, 2 * H, 3 * H])


def test_the_handover_changes_nothing_else() -> None:
    """The crews wait with their patients in A&E's own order: A&E's measures, and every
    other KPI, are those of the base bit for bit; only the handover measures are new."""
    sc = busy()
    on = with_overrides(sc, {"ambulance_handover.enabled": True})
    base = simulate(sc, 0, days=60, warmup_days=10).kpis
    k = simulate(on, 0, days=60, warmup_days=10).kpis
    assert k["ambulance_handovers"] > 500
    assert k["ambulance_handover_hours_lost"] > 0
    assert 0 < k["ambulance_handovers_within_15m_share"] < 1
    others = {n: v for n, v in k.items() if not n.startswith("ambulance_")}
    assert others == pytest.approx(
        {n: v for n, v in base.items() if not n.startswith("ambulance_")},
        rel=0,
        abs=0,
        nan_ok=True,
    )


# -- leaving before being seen ---------------------------------------------------------------
def leaving(**changes: Any) -> Scenario:
    # share by 4 h of 1 - e^-1 with shape 1: a patience of 4 h times the patient's draw
    return small(
        **{
            "left_before_seen": {
                "enabled": True,
                "share_leaving_by_4h": 1 - math.exp(-1),
                "patience_shape": 1.0,
                "return_share": 1.0,
                "return_after_hours": {"distribution": "fixed", "value": 7.0},
            },
            **changes,
        }
    )


def test_patience_scale() -> None:
    for share, shape in ((0.1, 1.0), (0.3, 2.5), (0.9, 0.5)):
        scale = patience_scale_days(share, shape)
        assert 1 - math.exp(-((4 * H / scale) ** shape)) == pytest.approx(share)
    assert patience_scale_days(0.0, 1.0) == math.inf


def test_a_patient_whose_patience_runs_out_leaves_and_comes_back() -> None:
    # The cubicle is busy until 5 h. "leaver" (category 4, patience 0.25 x 4 h = 1 h) leaves
    # at 1 h 10 min; the ambulance patient and category 2 never leave and are seen at 5 h
    # and 6 h; "stays" (patience 2 x 4 h = 8 h) is seen at 7 h. The leaver comes back 7
    # hours later, at 8 h 10 min, to a free cubicle: a new attendance of the same person.
    d = Driven(leaving())
    d.at(0.0, "busy", assess=5 * H)
    d.at(10 * MIN, "leaver", acuity=4, patience_e=0.25, assess=1 * H)
    d.at(11 * MIN, "ambulance", acuity=4, patience_e=0.01, ambulance=True, assess=1 * H)
    d.at(12 * MIN, "urgent", acuity=2, patience_e=0.01, assess=1 * H)
    d.at(13 * MIN, "stays", acuity=4, patience_e=2.0, assess=1 * H)
    lengths: list[float] = []
    d.probe(30 * MIN, lambda: lengths.append(d.component("ed").places.waiting))
    d.probe(2 * H, lambda: lengths.append(d.component("ed").places.waiting))
    k = d.run()
    assert d.events("leaver", "left_before_seen") == pytest.approx([70 * MIN])
    assert d.events("leaver", "ed_begins") == []
    assert lengths == [4, 3]  # the leaver is out of the line at once
    assert [d.seen(n) for n in ("ambulance", "urgent", "stays")] == pytest.approx(
        [5 * H, 6 * H, 7 * H]
    )
    assert k["ed_left_before_seen"] == 1
    assert k["ed_left_before_seen_returns"] == 1
    assert k["ed_attendances"] == 6  # five arrivals and the return
    assert k["ed_left_before_seen_share"] == pytest.approx(1 / 6)
    # the leaver's 1 hour counts in the time in A&E (the NHS counts every attendance)
    assert k["ed_4h_performance"] == pytest.approx(2 / 6)  # the leaver and the return
    log = d.system.ctx.log
    assert log is not None
    frame = log.to_frame(0)
    back = frame[(frame.patient_id > OTHER_ID_BASE) & (frame.event == "ed_begins")]
    assert back["time"].tolist() == pytest.approx([8 * H + 10 * MIN])


def test_withdrawn_entries_keep_the_queue_monitor_right() -> None:
    d = Driven(leaving(**{"left_before_seen.return_share": 0.0}))
    d.at(0.0, "busy", assess=4 * H)
    for i in range(5):  # patience 1 h each: all leave at 1 h (+ i min)
        d.at(i * MIN, f"p{i}", acuity=3, patience_e=0.25, assess=1 * H)
    d.run()
    ts = d.system.timeseries()
    q = ts[(ts.service == "ed") & (ts.metric == "queue_length") & (ts.day == 0)]
    # five wait for 1 h each: 5 patient-hours in the first day
    assert q["value"].iloc[0] == pytest.approx(5 / 24)


# -- common random numbers -----------------------------------------------------------------
class Recorder(Component):
    """Records every A&E arrival's clinical draws (stands outside every other door)."""

    name = "recorder"
    door_position = 1000

    def __init__(self) -> None:
        self.rows: dict[int, tuple[Any, ...]] = {}

    def front_doors(self, doors: FrontDoors) -> None:
        doors.ed[:] = [self._in_front(door) for door in doors.ed]

    def _in_front(self, door: FrontDoor) -> FrontDoor:
        def arrive(p: Patient, referred_in: bool = False) -> None:
            if p.pid < OTHER_ID_BASE:
                self.rows[p.pid] = (p.t_arrival, *(getattr(p, n) for n in CLINICAL))
            door(p, referred_in)

        return arrive


def busy(**changes: Any) -> Scenario:
    base: dict[str, Any] = {
        "ed.cubicles": 8,
        "ed.escalation_spaces": 10,
        "acute_ward.beds": 40,
        "acute_ward.initial_occupancy_share": 0.8,
        "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(40),
        "segments.everyone.direct_admissions_per_1000_per_year": per_1000_per_year(2),
        "segments.everyone.acuity_share": [0.05, 0.15, 0.4, 0.3, 0.1],
        "segments.everyone.ambulance_share": 0.3,
        "segments.everyone.admission_probability": 0.25,
        "segments.everyone.same_day_probability": 0.3,
        "segments.everyone.length_of_stay_days": {"distribution": "lognormal", "mean": 4, "sd": 5},
        "segments.everyone.discharge_pathway_share": {"P0": 1.0},
    }
    base.update(changes)
    return scenario(**base)


def recorded(sc: Scenario, days: int = 60) -> tuple[dict[int, tuple[Any, ...]], dict[str, float]]:
    rec = Recorder()
    table = (*BUILDERS, Builder("recorder", lambda a: rec))
    k = simulate(sc, 0, days=days, warmup_days=5, builders=table).kpis
    return rec.rows, k


def test_leaving_keeps_common_random_numbers() -> None:
    """Two configurations that differ only in A&E's cubicles (so in who leaves) see the same
    patients at the same times with the same clinical draws, patience included; so do the
    configurations with leaving switched off, and with every feature on."""
    on = {"left_before_seen.enabled": True, "left_before_seen.share_leaving_by_4h": 0.5}
    wide, k_wide = recorded(busy(**on, **{"ed.cubicles": 4}))
    narrow, k_narrow = recorded(busy(**on, **{"ed.cubicles": 3}))
    off, _ = recorded(busy())
    everything = {
        **on,
        "ambulance_handover.enabled": True,
        "same_day_emergency_care.enabled": True,
    }
    all_on, _ = recorded(busy(**everything))
    assert len(wide) > 2000
    assert k_narrow["ed_left_before_seen"] > 2 * k_wide["ed_left_before_seen"] > 50
    assert narrow == wide
    assert off == wide
    assert all_on == wide


def test_patience_is_independent_of_every_other_draw() -> None:
    # 20,000 patients: the correlation of two independent draws is about N(0, 1/141), so
    # |r| < 0.03 (4.2 standard errors) fails by chance about once in 40,000 runs per pair.
    sc = busy()
    draws = ClinicalDraws(Streams(3, 0), "segment.everyone.ed", sc.segments["everyone"], {}).draw(
        20_000
    )
    patience = np.asarray(draws["patience_e"])
    assert patience.mean() == pytest.approx(1.0, abs=0.03)  # unit exponential: sd 1/141
    for name in ("acuity", "assess", "admit", "same_day", "los", "ambulance", "deteriorate_t"):
        r = np.corrcoef(patience, np.asarray(draws[name], dtype=float))[0, 1]
        assert abs(r) < 0.03, name


# -- same-day emergency care ---------------------------------------------------------------
def sdec(**changes: Any) -> Scenario:
    return small(
        **{
            "ed.cubicles": 2,
            "same_day_emergency_care": {
                "enabled": True,
                "places": 1,
                "open_hour": 8,
                "close_hour": 20,
                "stay_hours": {"distribution": "fixed", "value": 2.0},
                "cost_per_attendance_gbp": 300.0,
            },
            **changes,
        }
    )


SAME_DAY = {"admit": True, "same_day": True, "assess": 1 * H}


def test_a_closed_sdec_keeps_same_day_patients_in_their_cubicle() -> None:
    # Decided at 03:00 with SDEC closed: the patient holds the cubicle until 08:00; a
    # walk-in arriving at 03:30 to the other cubicle is seen at once, one arriving at 04:00
    # waits for a cubicle until the first walk-in leaves at 05:30.
    d = Driven(sdec())
    d.at(2 * H, "same_day", **SAME_DAY)
    d.at(3.5 * H, "w1", assess=2 * H)
    d.at(4 * H, "w2", assess=1 * H)
    pressure: list[dict[str, float]] = []
    d.probe(6 * H, lambda: pressure.append(d.component("sdec").pressure()))
    k = d.run()
    assert d.events("same_day", "ed_ends") == pytest.approx([8 * H])
    assert d.events("same_day", "sdec_begins") == pytest.approx([8 * H])
    assert d.events("same_day", "depart") == pytest.approx([10 * H])
    assert d.seen("w2") == pytest.approx(5.5 * H)
    assert pressure == [{"occupied": 0.0, "waiting": 1.0, "waiting_in_ed": 1.0}]
    assert k["sdec_attendances"] == 1
    assert k["sdec_mean_wait_hours"] == pytest.approx(5.0)
    assert k["cost_service_sdec_gbp"] == 300.0
    assert k["ed_mean_time_hours"] == pytest.approx((6 + 2 + 2.5) / 3)


def test_a_full_sdec_keeps_the_next_patient_in_their_cubicle() -> None:
    # Open, one place, stays of 2 h: the first same-day patient (decided 10:00) goes at
    # once; the second (decided 10:30) waits in their cubicle until 12:00.
    d = Driven(sdec())
    d.at(9 * H, "first", **SAME_DAY)
    d.at(9.5 * H, "second", **SAME_DAY)
    k = d.run()
    assert d.events("first", "ed_ends") == pytest.approx([10 * H])
    assert d.events("second", "ed_ends") == pytest.approx([12 * H])
    assert d.events("second", "sdec_begins") == pytest.approx([12 * H])
    assert k["sdec_mean_wait_hours"] == pytest.approx(0.75)
    # occupied 10:00-14:00 of 12 hours open on day 0, then closed and empty for 2 days
    assert k["sdec_occupancy"] == pytest.approx(4 / 36)


def test_direct_same_day_admissions_wait_for_a_place_without_a_cubicle() -> None:
    d = Driven(sdec())
    d.at(21 * H, "direct", route=Route.DIRECT, **SAME_DAY)
    d.at(22 * H, "walk_in", assess=1 * H)
    k = d.run()
    assert d.events("direct", "sdec_begins") == pytest.approx([1 + 8 * H])
    assert d.seen("walk_in") == pytest.approx(22 * H)
    assert k["sdec_mean_wait_hours"] == pytest.approx(11.0)
    assert k["emergency_admissions"] == 1
    assert k["ed_attendances"] == 1


def test_without_sdec_same_day_patients_use_no_capacity() -> None:
    d = Driven(small(**{"ed.cubicles": 2}))
    d.at(2 * H, "same_day", **SAME_DAY)
    d.at(21 * H, "direct", route=Route.DIRECT, **SAME_DAY)
    k = d.run()
    assert d.events("same_day", "ed_ends") == pytest.approx([3 * H])
    assert d.events("direct", "depart") == pytest.approx([21 * H])
    assert k["sdec_attendances"] == 0 and "cost_service_sdec_gbp" not in k


def test_streamed_patients_are_sdec_attendances_not_a_and_e_ones() -> None:
    # No readmissions, so the same first crises reach the front door in both runs: every
    # streamed patient is one A&E attendance fewer.
    stream = {
        "same_day_emergency_care.enabled": True,
        "same_day_emergency_care.streamed_share_walk_in": 0.3,
        "same_day_emergency_care.streamed_share_ambulance": 0.3,
    }
    base = simulate(busy(), 0, days=60, warmup_days=5)
    r = simulate(busy(**stream), 0, days=60, warmup_days=5)
    k = r.kpis
    assert k["sdec_streamed"] > 100
    assert base.kpis["ed_attendances"] - k["ed_attendances"] == k["sdec_streamed"]
    # the same admissions, counted at the end of the SDEC stay rather than at A&E's decision
    # (so a few move across the ends of the results period)
    assert k["emergency_admissions"] == pytest.approx(base.kpis["emergency_admissions"], rel=0.02)
    c = r.conservation
    assert c["created"] == c["exited"] + c["present"]


# -- every feature on ----------------------------------------------------------------------
EVERYTHING = {
    "ambulance_handover.enabled": True,
    "ambulance_handover.handover_spaces": 2,
    "left_before_seen.enabled": True,
    "left_before_seen.share_leaving_by_4h": 0.3,
    "same_day_emergency_care.enabled": True,
    "same_day_emergency_care.places": 4,
    "same_day_emergency_care.streamed_share_walk_in": 0.1,
    "same_day_emergency_care.streamed_share_ambulance": 0.1,
}


@pytest.mark.parametrize("cubicles", [3, 8])
def test_patients_are_conserved_with_every_feature_on(cubicles: int) -> None:
    # 3 cubicles gridlock: crews, leavers, SDEC waiting in cubicles, boarders all at once.
    sc = busy(**EVERYTHING, **{"ed.cubicles": cubicles})
    r = simulate(sc, 0, days=60, warmup_days=5)
    c = r.conservation
    assert c["created"] == c["exited"] + c["present"]
    k = r.kpis
    for name in ("ambulance_handovers", "ed_left_before_seen", "sdec_attendances", "sdec_streamed"):
        assert k[name] > 0, name
    assert set(r.tables) == {"ed_time_histogram", "ambulance_handover_histogram"}


def test_pressure_measures_have_stable_names() -> None:
    """Every component answers pressure(); A&E and the handover always with the same names
    (null objects included), so an escalation rule can read them in any configuration."""
    for sc in (busy(), busy(**EVERYTHING)):
        system = System(sc, 0, 1, 20, 0)
        system.run()
        measures = {
            f"{c.name}.{metric}": value
            for c in system.components
            for metric, value in c.pressure().items()
        }
        assert {
            "ed.boarders",
            "ed.over_12_hours",
            "ed.waiting_for_cubicle",
            "ambulance_handover.crews_waiting",
            "ambulance_handover.longest_wait_hours",
        } <= set(measures)
        assert all(v >= 0 for v in measures.values())


def test_a_and_e_pressure_counts_long_stays() -> None:
    # Two boarders (no bed: the one bed is taken) from 1 h; at 14 h they have been in A&E
    # for 14 h and 13.5 h; a walk-in waits for a cubicle.
    d = Driven(small(**{"ed.cubicles": 2, "acute_ward.beds": 1}))
    d.at(0.0, "bed", route=Route.DIRECT, admit=True, los=10.0)
    d.at(0.0, "a", admit=True, assess=1 * H, los=5.0)
    d.at(0.5 * H, "b", admit=True, assess=1 * H, los=5.0)
    d.at(13 * H, "c", assess=1 * H)
    seen: list[dict[str, float]] = []
    d.probe(14 * H, lambda: seen.append(d.component("ed").pressure()))
    d.run()
    assert seen == [
        {"boarders": 2.0, "over_12_hours": 2.0, "waiting_for_cubicle": 1.0, "in_department": 3.0}
    ]


def test_tables_reach_the_run_folder(tmp_path: Any) -> None:
    from pathsim import RunSpec, read_table, run_experiment, write_run_folder

    sc = busy(**{"ambulance_handover.enabled": True})
    result = run_experiment(sc, RunSpec(replications=2, seed=1, days=20, warmup_days=2))
    table = result.table("ambulance_handover_histogram")
    assert set(table["replication"]) == {0, 1}
    assert table["count"].sum() == result.kpis.query("kpi == 'ambulance_handovers'")["value"].sum()
    write_run_folder(tmp_path / "run", result)
    saved = read_table(tmp_path / "run", "ambulance_handover_histogram")
    pd.testing.assert_frame_equal(saved, table, check_dtype=False)
