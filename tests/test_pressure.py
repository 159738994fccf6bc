"""A system under pressure: elective inpatients in the emergency beds, and OPEL-style
escalation (levels from pressure measures, and the actions each level switches on).

Most tests build a small system (tests/builders.py) with no random arrivals and put
patients with fixed stays into it at chosen times, so every time and count below is worked
out by hand from the rules in docs/model.md."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from builders import per_1000_per_year, scenario
from pathsim import load_scenario, simulate
from pathsim.model.builders import BUILDERS, Builder
from pathsim.model.clinical import CLINICAL, DEFAULT_ROW, ClinicalRow
from pathsim.model.clock import call_at
from pathsim.model.component import Component
from pathsim.model.electives import KPIS as ELECTIVE_KPIS
from pathsim.model.escalation import KPIS as ESCALATION_KPIS
from pathsim.model.escalation import _BedLedger
from pathsim.model.kpis import compute_kpis
from pathsim.model.monitors import LevelMonitor
from pathsim.model.patients import Patient, Route
from pathsim.model.places import Places
from pathsim.model.system import System, check_buildable
from pathsim.scenario import Scenario, ScenarioError, with_overrides

ROOT = Path(__file__).parents[1]
UNDER_PRESSURE = Path(__file__).parent / "scenarios" / "under_pressure.yaml"
HOUR = 1 / 24


# -- helpers ---------------------------------------------------------------------------------
def row(los: float, **values: Any) -> ClinicalRow:
    """A clinical row for an emergency admission with a fixed stay (P0, home)."""
    out = list(DEFAULT_ROW)
    for name, value in {"admit": True, "same_day": False, "los": los, **values}.items():
        out[CLINICAL.index(name)] = value
    return tuple(out)  # type: ignore[return-value]


def built(sc: Scenario, days: int, warmup: int = 0, log: bool = True) -> System:
    return System(sc, 0, sc.run.seed, days, warmup, event_log=log)


def part(system: System, name: str) -> Any:
    return next(c for c in system.components if c.name == name)


def admit_at(system: System, t: float, los: float, **values: Any) -> None:
    """An emergency patient referred for direct admission at time ``t`` (days)."""
    ward = part(system, "acute_ward")

    def arrive(_value: object) -> None:
        pid = system.ctx.new_patient_id()
        ward.arrive_direct(Patient(pid, 0, Route.DIRECT, system.env.now, row(los, **values)))

    call_at(system.env, t, arrive)


def run(system: System) -> dict[str, float]:
    system.run()
    return compute_kpis(system)


def events(system: System) -> pd.DataFrame:
    assert system.ctx.log is not None
    return system.ctx.log.to_frame(0)


def when(log: pd.DataFrame, event: str, service: str = "acute_ward") -> pd.Series:
    """Time of ``event`` at ``service`` by patient id."""
    rows = log[(log["event"] == event) & (log["service"] == service)]
    return rows.set_index("patient_id")["time"]


def hours_of_changes(system: System) -> list[tuple[float, int, int]]:
    return [(round(t * 24, 9), old, new) for t, old, new, _ in part(system, "escalation").changes]


def escalation(measures: dict[str, list[float]], **settings: Any) -> dict[str, Any]:
    return {
        "enabled": True,
        "check_interval_hours": 1,
        "step_down_after_hours": 0,
        **settings,
        "measures": {m: {"level_thresholds": t} for m, t in measures.items()},
    }


ALWAYS_4 = {"acute_ward.occupied": [0, 0, 0]}
"""A measure that is always at or above every threshold: OPEL 4 from the first check."""


# -- levels ----------------------------------------------------------------------------------
def test_levels_rise_and_fall_as_thresholds_are_crossed() -> None:
    """Five patients from 02:24 on day 0 (occupied 5: OPEL 3) to 02:24 on day 1: the level
    rises at the first hourly check after they arrive (03:00) and falls at the first after
    they leave (27:00)."""
    sc = scenario(
        **{"acute_ward.beds": 10, "escalation": escalation({"acute_ward.occupied": [3, 5, 8]})}
    )
    s = built(sc, 3)
    for _ in range(5):
        admit_at(s, 0.1, 1.0)
    run(s)
    assert hours_of_changes(s) == [(3, 1, 3), (27, 3, 1)]


def test_levels_rise_one_step_at_a_time_too() -> None:
    """Three patients at 02:24 (OPEL 2 at 03:00), two more at 04:48 (OPEL 3 at 05:00), and
    three more at 07:12 (occupied 8: OPEL 4 at 08:00): each rise at once, whatever the
    hours needed to step down."""
    esc = escalation({"acute_ward.occupied": [3, 5, 8]}, step_down_after_hours=2)
    sc = scenario(**{"acute_ward.beds": 10, "escalation": esc})
    s = built(sc, 2)
    for t, n in ((0.1, 3), (0.2, 2), (0.3, 3)):
        for _ in range(n):
            admit_at(s, t, 5.0)
    run(s)
    assert hours_of_changes(s) == [(3, 1, 2), (5, 2, 3), (8, 3, 4)]


def test_the_level_falls_only_after_every_check_for_the_hours_called_for_less() -> None:
    """Step down after 2 hours: two of five patients leave at 26:24 (occupied 3: OPEL 2),
    the other three at 27:36 (OPEL 1). Checks at 27:00 and 28:00 call for less; at 29:00 the
    level falls to the highest they called for (2), and three hours later to 1."""
    esc = escalation({"acute_ward.occupied": [3, 5, 8]}, step_down_after_hours=2)
    s = built(scenario(**{"acute_ward.beds": 10, "escalation": esc}), 3)
    for los in (1.0, 1.0, 1.05, 1.05, 1.05):
        admit_at(s, 0.1, los)
    run(s)
    assert hours_of_changes(s) == [(3, 1, 3), (29, 3, 2), (32, 2, 1)]


def test_a_short_dip_does_not_lower_the_level() -> None:
    """Three of five patients leave at 26:24 (occupied 2: OPEL 1) and three new ones come at
    27:50 (occupied 5 again): the dip lasts one check, less than the 2 hours needed."""
    esc = escalation({"acute_ward.occupied": [3, 5, 8]}, step_down_after_hours=2)
    s = built(scenario(**{"acute_ward.beds": 10, "escalation": esc}), 4)
    for los in (1.0, 1.0, 1.0, 2.5, 2.5):
        admit_at(s, 0.1, los)
    for _ in range(3):
        admit_at(s, 1.16, 1.0)
    run(s)
    # the last three leave at 2.16 (51:50) and the first two at 2.6 (62:24)
    assert hours_of_changes(s) == [(3, 1, 3), (54, 3, 1)]


def test_time_at_each_level_adds_up_to_the_results_period() -> None:
    """With a one-day warm-up the results period is hours 24-72: OPEL 3 from 24:00 to 27:00,
    OPEL 1 after; the shares add up to 1 and one change falls in the results period."""
    sc = scenario(
        **{"acute_ward.beds": 10, "escalation": escalation({"acute_ward.occupied": [3, 5, 8]})}
    )
    s = built(sc, 2, warmup=1)
    for _ in range(5):
        admit_at(s, 0.1, 1.0)
    k = run(s)
    assert k["share_time_opel_3"] == pytest.approx(3 / 48, abs=1e-12)
    assert k["share_time_opel_1"] == pytest.approx(45 / 48, abs=1e-12)
    assert k["share_time_opel_2"] == 0 and k["share_time_opel_4"] == 0
    assert sum(k[f"share_time_opel_{n}"] for n in (1, 2, 3, 4)) == pytest.approx(1, abs=1e-12)
    assert k["opel_level_mean"] == pytest.approx((3 * 3 + 45) / 48, abs=1e-12)
    assert k["opel_level_changes"] == 1
    ts = s.timeseries()
    daily = ts[(ts["service"] == "escalation") & (ts["metric"] == "opel_3")]["value"].tolist()
    assert daily == pytest.approx([21 / 24, 3 / 24, 0.0], abs=1e-12)  # day 0 from 03:00
    table = part(s, "escalation").tables(0)["escalation_level_changes"]
    assert table[["from_level", "to_level", "warmup"]].values.tolist() == [
        [1, 3, True],
        [3, 1, False],
    ]
    assert table["acute_ward.occupied"].tolist() == [5, 0]


def test_a_weighted_score_gives_the_level() -> None:
    measures = {
        "acute_ward.occupied": {"level_thresholds": [1, 2, 3], "weight": 1},
        "acute_ward.waiting_for_bed": {"level_thresholds": [1, 2, 3], "weight": 3},
    }
    esc = {**escalation({}), "measures": measures}
    for combine, expected in (
        ("weighted_score", {(3, 0): 2, (0, 3): 4, (3, 2): 4, (1, 1): 2, (0, 0): 1, (2, 0): 1}),
        ("highest", {(3, 0): 4, (0, 3): 4, (1, 1): 2, (0, 0): 1, (2, 0): 3}),
    ):
        sc = scenario(**{"escalation": {**esc, "combine": combine}})
        levels = part(built(sc, 1), "escalation")
        # weighted: (3, 0) -> levels 4, 1 -> (1 x 3 + 3 x 0) / (3 x 4) = 0.25 -> OPEL 2
        assert {v: levels.called_for(v) for v in expected} == expected


# -- actions: beds ---------------------------------------------------------------------------
def test_escalation_beds_take_the_queue_at_once_and_close_only_as_they_empty() -> None:
    """Two beds, both held (A, B) until day 10; C, D, E ask for one at 00:29. At 01:00 three
    wait (OPEL 3): two escalation beds open and C and D take them at once. One waits (OPEL
    1), so at 02:00 the beds close: as C and D leave (day 1.05) their beds close, and E, still
    waiting, gets a bed only when A leaves."""
    esc = escalation(
        {"acute_ward.waiting_for_bed": [2, 3, 4]},
        actions={"open_escalation_beds": {"from_level": 2, "beds": 2, "cost_per_bed_day_gbp": 100}},
    )
    s = built(scenario(**{"acute_ward.beds": 2, "escalation": esc}), 12)
    admit_at(s, 0.01, 10.0)
    admit_at(s, 0.01, 10.0)
    for los in (1.01, 1.01, 2.0):
        admit_at(s, 0.02, los)
    k = run(s)
    assert hours_of_changes(s) == [(1, 1, 3), (2, 3, 1)]
    bed = when(events(s), "acute_ward_begins")
    assert bed.loc[[3, 4]].tolist() == pytest.approx([HOUR, HOUR])
    assert bed.loc[5] == pytest.approx(10.01)  # when A left, not when C's bed emptied
    assert k["escalation_surge_bed_days"] == pytest.approx(2 * 1.01, abs=1e-9)
    assert k["escalation_bed_days"] == k["escalation_surge_bed_days"]
    assert k["escalation_cost_gbp"] == pytest.approx(202, abs=1e-6)
    assert k["cost_service_escalation_open_escalation_beds_gbp"] == k["escalation_cost_gbp"]
    ward = part(s, "acute_ward")
    assert ward.places.capacity == 2 and ward.places.closing == 0
    # the ward's measures are against its own 2 beds: 4 in beds is an occupancy of 2
    assert k["bed_occupancy"] * 2 * 12 == pytest.approx(2 * 10 + 2 * 1.01 + 1.99, rel=1e-9)


def test_beds_of_each_kind_close_in_the_order_asked_and_reopen_their_own_first() -> None:
    import simpy

    env = simpy.Environment()
    places = Places(env, "beds", 2, LevelMonitor(env, "busy"))
    ledger = _BedLedger(env, places)
    held: list[int] = []
    for _ in range(2):
        places.request("p", lambda p, slot: held.append(slot))
    ledger.open_beds("surge", 2)
    ledger.open_beds("corridor", 2)
    for _ in range(3):
        places.request("q", lambda p, slot: held.append(slot))
    assert places.capacity == 6 and places.in_use == 5
    ledger.close_beds("surge", 2)  # one corridor bed is free: it closes now, for surge
    assert places.capacity == 5 and places.closing == 1
    assert ledger.open["surge"].level == 1 and ledger.open["corridor"].level == 2
    ledger.open_beds("surge", 2)  # its one closing bed stays, one new bed opens
    assert places.closing == 0 and places.capacity == 6
    assert ledger.open["surge"].level == 2
    ledger.close_beds("corridor", 2)
    ledger.close_beds("surge", 2)  # one free place: closes at once, for the corridor
    assert ledger.open["corridor"].level == 1 and places.closing == 3
    for slot in held[:3]:
        places.release(slot)
    # any three beds that empty close (nobody is moved): the ward is back to its own two
    assert ledger.open["corridor"].level == 0 and ledger.open["surge"].level == 0
    assert places.capacity == 2 and places.closing == 0 and places.in_use == 2


# -- actions: electives ----------------------------------------------------------------------
def electives(**settings: Any) -> dict[str, Any]:
    return {
        "enabled": True,
        "admissions_per_weekday": [2] * 7,
        "catch_up_per_day": 0,
        "admission_hour": 12,
        "length_of_stay_days": {"distribution": "fixed", "value": 9.9},
        **settings,
    }


def test_electives_are_cancelled_when_no_bed_is_free_and_rebooked_first_come_first_served() -> None:
    """Three beds, two planned a day, ten-day stays: day 0 both in, day 1 one in and one
    cancelled, days 2-9 both cancelled (the list grows by two a day), day 10 the two longest
    waiting take the beds of day 0's, day 11 one more."""
    s = built(scenario(**{"acute_ward.beds": 3, "electives": electives()}), 12)
    k = run(s)
    assert k["elective_admissions"] == 6
    assert k["elective_cancellations"] == k["elective_cancellations_no_bed"] == 1 + 16 + 1
    assert k["elective_waiting_list_end"] == 18
    assert k["elective_bed_days"] == pytest.approx(3 * 9.9 + 2 * 1.5 + 0.5, abs=1e-9)
    admitted = when(events(s), "elective_admission").sort_values()
    # patients are numbered as booked: 1 and 2 on day 0, 3 and 4 on day 1, ...
    assert [pid % 1000 for pid in admitted.index] == [1, 2, 3, 4, 5, 6]
    assert admitted.tolist() == pytest.approx([0.5, 0.5, 1.5, 10.5, 10.5, 11.5])
    # electives are not emergency admissions, and the ward's measures stay emergency ones
    assert k["emergency_admissions"] == 0 and k["ward_admissions"] == 0
    assert math.isnan(k["mean_los_days"])
    assert k["bed_occupancy"] * 3 * 12 == pytest.approx(k["elective_bed_days"], rel=1e-12)
    c = s.conservation()
    assert c["created"] == c["exited"] + c["present"] == 24


@pytest.mark.parametrize(
    ("catch_up", "cancelled", "admitted", "left"), [(1, 1 + 2 + 2, 8, 0), (0, 3, 5, 3)]
)
def test_a_catch_up_allowance_works_the_list_down(
    catch_up: int, cancelled: int, admitted: int, left: int
) -> None:
    """Two beds held by emergency patients until day 3, one planned patient a day: on days
    0-2 every patient tried is cancelled (with a catch-up of one, two are tried once the
    list is long enough). From day 3 the catch-up clears the list by day 5; without one it
    never shrinks."""
    el = electives(
        admissions_per_weekday=[1] * 7,
        catch_up_per_day=catch_up,
        length_of_stay_days={"distribution": "fixed", "value": 0.4},
    )
    s = built(scenario(**{"acute_ward.beds": 2, "electives": el}), 8)
    admit_at(s, 0.01, 3.0)
    admit_at(s, 0.01, 3.0)
    k = run(s)
    assert k["elective_cancellations_no_bed"] == cancelled
    assert k["elective_admissions"] == admitted and k["elective_waiting_list_end"] == left


def test_electives_take_only_the_wards_own_beds_and_only_when_nobody_waits() -> None:
    sc = scenario(**{"acute_ward.beds": 2, "electives": electives()})
    s = built(sc, 1)
    ward = part(s, "acute_ward")
    left: list[Patient] = []

    def planned() -> Patient:
        p = Patient(s.ctx.new_other_id(), -1, Route.ELECTIVE, 0.0)
        p.los = 1.0
        return p

    ward.place_initial(Patient(s.ctx.new_other_id(), 0, Route.INITIAL, 0.0, row(5.0)), 0.0)
    assert ward.try_admit_planned(planned(), left.append)  # one of the two beds
    ward.places.add(1)  # an escalation bed is free, but the ward's own are full
    assert not ward.try_admit_planned(planned(), left.append)
    assert ward.places.has_room and ward.patients.level == 2


def test_escalation_cancels_a_share_of_the_days_planned_admissions() -> None:
    esc = escalation(ALWAYS_4, actions={"cancel_electives": {"from_level": 4, "share": 0.5}})
    el = electives(length_of_stay_days={"distribution": "fixed", "value": 0.3})
    k = run(built(scenario(**{"escalation": esc, "electives": el}), 5))
    # each day: two to do, one cancelled by escalation; the list grows by one a day
    assert k["elective_admissions"] == 5
    assert k["elective_cancellations"] == k["elective_cancellations_escalation"] == 5
    assert k["elective_cancellations_no_bed"] == 0
    assert k["elective_waiting_list_end"] == 5


# -- actions: expedited discharges -----------------------------------------------------------
SLOW_WEEKENDS = {
    "day_of_week_factor": [1, 1, 1, 1, 1, 0.01, 0.01],
    "window_start_hour": 10,
    "window_end_hour": 20,
}


@pytest.mark.parametrize(
    ("measures", "leaves", "expedited"),
    [
        (None, 2 + 15 / 24, 0),  # no escalation: Monday 15:00
        (ALWAYS_4, 15 / 24, 1),  # expedited before she is fit: Saturday 15:00
        ({"acute_ward.medically_fit": [1, 1, 1]}, 15 / 24, 1),  # expedited once she waits
    ],
)
def test_expedited_discharges_leave_earlier(
    measures: dict[str, list[float]] | None, leaves: float, expedited: int
) -> None:
    """Day 0 is a Saturday (1 April 2023). Fit at 05:02 on Saturday, her draws (0.5, 0.5) send
    her home on Monday at 15:00 (weekend factors 0.01, window 10-20); expedited (every day,
    08:00-22:00) on Saturday at 15:00, whether the timing came before or after she was fit."""
    changes: dict[str, Any] = {"acute_ward.beds": 5, "acute_ward.discharge_timing": SLOW_WEEKENDS}
    if measures is not None:
        changes["escalation"] = escalation(
            measures, actions={"expedite_discharges": {"from_level": 2}}
        )
    s = built(scenario(**changes), 4)
    admit_at(s, 0.01, 0.2, dis_u_day=0.5, dis_u_hour=0.5)
    k = run(s)
    assert when(events(s), "depart").tolist() == pytest.approx([leaves])
    assert k["expedited_discharges"] == expedited
    assert k["delayed_discharge_bed_days_discharge_process"] == pytest.approx(leaves - 0.21)
    ward = part(s, "acute_ward")
    assert ward.delays["discharge_process"].level == 0 and ward.fit_in_bed.level == 0
    assert s.conservation() == {"created": 1, "exited": 1, "present": 0}


# -- actions: diversion ----------------------------------------------------------------------
def busy_ed(ambulance_share: float, esc: dict[str, Any] | None) -> Scenario:
    changes: dict[str, Any] = {
        "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(30),
        "segments.everyone.ambulance_share": ambulance_share,
        "ed.cubicles": 20,
    }
    if esc is not None:
        changes["escalation"] = esc
    return scenario(**changes)


DIVERT = escalation(ALWAYS_4, actions={"divert_ambulances": {"from_level": 4, "share": 0.3}})


def test_diversion_takes_its_share_of_ambulances_from_its_own_stream() -> None:
    """Every arrival comes by ambulance; 30% are diverted. About 3,000 arrivals in 100 days:
    the share's standard error is about 0.0084, so 0.034 is 4 standard errors (a correct
    model fails this about once in 16,000 seeds). The same patients arrive as without
    diversion (same ids and times); the diverted ones leave at the door."""
    base = simulate(busy_ed(1.0, None), 0, days=100, warmup_days=0, event_log=True)
    div = simulate(busy_ed(1.0, DIVERT), 0, days=100, warmup_days=0, event_log=True)
    diverted = div.kpis["ambulances_diverted"]
    assert diverted / base.kpis["ed_attendances"] == pytest.approx(0.3, abs=0.034)
    assert div.kpis["ed_attendances"] + diverted == base.kpis["ed_attendances"]
    assert base.event_log is not None and div.event_log is not None
    assert when(div.event_log, "arrival", "ed").equals(when(base.event_log, "arrival", "ed"))
    assert "escalation.divert_ambulances" in div.streams
    assert (
        when(div.event_log, "ambulance_diverted", "ed").index.isin(
            when(base.event_log, "arrival", "ed").index
        )
    ).all()
    again = simulate(busy_ed(1.0, DIVERT), 0, days=100, warmup_days=0, event_log=True)
    assert again.event_log is not None
    assert when(again.event_log, "ambulance_diverted", "ed").equals(
        when(div.event_log, "ambulance_diverted", "ed")
    )
    assert div.conservation["created"] == div.conservation["exited"] + div.conservation["present"]


def test_only_ambulances_are_diverted() -> None:
    k = simulate(busy_ed(0.0, DIVERT), 0, days=30, warmup_days=0).kpis
    assert k["ambulances_diverted"] == 0 and k["ed_attendances"] > 500


# -- measures by name --------------------------------------------------------------------------
class Handover(Component):
    """A component with pressure measures of its own, in place of the ambulance handover
    queue, by its table entry: escalation reads measures of any component by name."""

    name = "ambulance_handover"

    def __init__(self) -> None:
        self.crews = 0.0

    def pressure(self) -> dict[str, float]:
        return {"crews_waiting": self.crews, "longest_wait_minutes": 0.0}


def test_any_measure_a_component_has_can_be_named() -> None:
    stand_in = Builder("ambulance_handover", lambda a: Handover())
    table: Sequence[Builder] = tuple(stand_in if b.name == stand_in.name else b for b in BUILDERS)
    esc = escalation({"ambulance_handover.crews_waiting": [1, 2, 3]})
    sc = scenario(**{"escalation": esc})
    check_buildable(sc, builders=table)
    s = System(sc, 0, 1, 2, 0, builders=table)
    handover = part(s, "ambulance_handover")
    call_at(s.env, 0.5, lambda _v: setattr(handover, "crews", 2.0))
    s.run()
    assert hours_of_changes(s) == [(12, 1, 3)]


def test_a_measure_no_component_has_is_a_scenario_error() -> None:
    esc = escalation({"ambulance_handovers.crews_waiting": [1, 2, 3], "ed.boarders": [1, 2, 3]})
    sc = scenario(**{"escalation": esc})
    with pytest.raises(ScenarioError) as info:
        simulate(sc, 0, days=2, warmup_days=0)
    message = str(info.value)
    assert "field 'escalation.measures.ambulance_handovers.crews_waiting'" in message
    assert "no component has a measure" in message and "ed.boarders" in message  # the known
    with pytest.raises(ScenarioError, match=r"here\.yaml: field 'escalation\.measures"):
        check_buildable(sc, "here.yaml")


def test_a_measure_no_component_has_exits_2_from_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(
        (ROOT / "tests" / "bad_scenarios" / "_base.yaml").read_text()
    )
    overlay = tmp_path / "unknown_measure.yaml"
    overlay.write_text(
        "extends: base.yaml\nescalation:\n  enabled: true\n  measures:\n"
        "    ambulance_handovers.crews_waiting: {level_thresholds: [1, 2, 3]}\n"
    )
    for command in (["validate"], ["run", "-r", "1", "--days", "2", "--warmup-days", "0"]):
        done = subprocess.run(
            [sys.executable, "-m", "pathsim", *command, str(overlay)],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert done.returncode == 2, done.stderr
        assert "unknown_measure.yaml: field 'escalation.measures." in done.stderr
        assert "ambulance_handovers.crews_waiting" in done.stderr
        assert "Traceback" not in done.stderr + done.stdout


# -- everything on, everything off ------------------------------------------------------------
@pytest.fixture(scope="module")
def fragmented() -> Scenario:
    """The fragmented base with escalation and electives off (the base has both on)."""
    base = load_scenario(ROOT / "scenarios" / "fragmented.yaml")
    return with_overrides(base, {"escalation.enabled": False, "electives.enabled": False})


def test_everything_on_conserves_patients_and_is_reproducible() -> None:
    sc = load_scenario(UNDER_PRESSURE)
    a = simulate(sc, 0, days=40, warmup_days=10)
    b = simulate(sc, 0, days=40, warmup_days=10)
    assert a.kpis == b.kpis
    c = a.conservation
    assert c["created"] == c["exited"] + c["present"]
    k = a.kpis
    assert sum(k[f"share_time_opel_{n}"] for n in (1, 2, 3, 4)) == pytest.approx(1, abs=1e-9)
    assert k["elective_admissions"] > 0 and k["elective_bed_days"] > 0
    assert set(ESCALATION_KPIS) <= set(k)
    org = sc.acute_ward.organisation
    services = [s for s in k if s.startswith("cost_service_")]
    trusts = {f"cost_service_{s}_gbp" for s in ("ed", "acute_ward", "electives")}
    ours = [s for s in services if s in trusts or s.startswith("cost_service_escalation_")]
    assert len(ours) == 3 + 5
    assert k[f"cost_org_{org}_gbp"] == pytest.approx(sum(k[s] for s in ours), rel=1e-12)
    assert k["escalation_cost_gbp"] == pytest.approx(
        sum(k[s] for s in services if s.startswith("cost_service_escalation_")), rel=1e-12
    )
    assert "escalation_level_changes" in a.tables


def test_escalation_that_never_acts_and_electives_that_never_come_change_nothing(
    fragmented: Scenario,
) -> None:
    """Switched on but idle (thresholds never reached; no planned admissions), every KPI the
    model had before is bit for bit the same: hourly checks, the ward's and A&E's books and
    an empty list disturb no patient and no stream."""
    base = simulate(fragmented, 0, days=30, warmup_days=10).kpis
    never = {
        m: [1e9, 1e9, 1e9] for m in ("acute_ward.occupancy", "ed.boarders", "ed.over_12_hours")
    }
    actions = {
        "open_escalation_beds": {},
        "board_on_wards": {},
        "expedite_discharges": {},
        "cancel_electives": {},
        "divert_ambulances": {},
    }
    idle = with_overrides(
        fragmented,
        {
            "escalation": escalation(never, actions=actions),
            "electives": {"enabled": True, "admissions_per_weekday": [0] * 7},
        },
    )
    k = simulate(idle, 0, days=30, warmup_days=10).kpis
    new = {*ESCALATION_KPIS, *ELECTIVE_KPIS}
    before = {name: value for name, value in base.items() if name not in new}
    assert len(before) > 90
    changed = {
        name: (value, k[name])
        for name, value in before.items()
        if not (value == k[name] or (math.isnan(value) and math.isnan(k[name])))
    }
    assert not changed
    assert k["share_time_opel_1"] == 1 and k["elective_admissions"] == 0


def test_the_null_objects_report_zeros(fragmented: Scenario) -> None:
    k = simulate(fragmented, 0, days=5, warmup_days=0).kpis
    for name in (*ESCALATION_KPIS, "elective_admissions", "elective_bed_days"):
        assert k[name] == 0, name
    assert not any(name.startswith("cost_service_escalation") for name in k)


# -- ring-fenced elective beds, and the move from A&E to a bed --------------------------------
def test_ring_fenced_elective_beds_take_electives_and_no_emergency_patient() -> None:
    """Three elective beds of their own, two planned a day for ten-day stays: as on a
    shared ward of three beds (the test above), but an emergency patient waiting for the
    ward's one bed never takes a free elective bed."""
    el = electives(ring_fenced_beds=3)
    s = built(scenario(**{"acute_ward.beds": 1, "electives": el}), 12)
    admit_at(s, 0.01, 20.0)  # holds the ward's only bed
    admit_at(s, 0.02, 1.0)  # waits for it all run, elective beds free or not
    k = run(s)
    assert k["elective_admissions"] == 6
    assert k["elective_cancellations_no_bed"] == 1 + 16 + 1
    assert k["elective_bed_occupancy"] * 3 * 12 == pytest.approx(k["elective_bed_days"])
    assert k["ward_admissions"] == 1
    ward = part(s, "acute_ward")
    assert ward.places.waiting == 1
    # G&A occupancy: the ward's bed (occupied from 0.01) and the elective beds together
    ward_days = k["bed_occupancy"] * 1 * 12
    assert ward_days == pytest.approx(12 - 0.01)
    assert k["ga_bed_occupancy"] == pytest.approx((ward_days + k["elective_bed_days"]) / 48)
    c = s.conservation()
    assert c["created"] == c["exited"] + c["present"]


def test_without_electives_the_ga_occupancy_is_the_wards() -> None:
    s = built(scenario(**{"acute_ward.beds": 2}), 5)
    admit_at(s, 1.0, 10.0)
    k = run(s)
    assert k["ga_bed_occupancy"] == k["bed_occupancy"] == pytest.approx(4.0 / 10)
    assert math.isnan(k["elective_bed_occupancy"])


def test_a_patient_moving_from_a_and_e_holds_the_bed_and_the_cubicle_meanwhile() -> None:
    """A fixed two-hour move: the boarder leaves A&E two hours after the bed is given, and
    the bed is in use (unavailable) from the moment it is given but occupied only from the
    patient's arrival."""
    sc = scenario(
        **{
            "acute_ward.beds": 1,
            "acute_ward.transfer_hours": {"distribution": "fixed", "value": 2.0},
        }
    )
    s = built(sc, 2)
    ed = part(s, "ed")

    def arrive(_value: object) -> None:
        p = Patient(s.ctx.new_patient_id(), 0, Route.ED, s.env.now, row(1.0, assess=0.25))
        ed.arrive(p)

    call_at(s.env, 0.1, arrive)
    seen: list[dict[str, int]] = []
    call_at(s.env, 0.35 + 1 / 24, lambda _v: seen.append(s.conservation()))  # mid-move
    k = run(s)
    log = events(s)
    decided = when(log, "decision_to_admit", "ed").iloc[0]
    left_ed = when(log, "ed_ends", "ed").iloc[0]
    in_bed = when(log, "acute_ward_begins").iloc[0]
    assert decided == pytest.approx(0.35)
    assert left_ed == pytest.approx(decided + 2 / 24) == pytest.approx(in_bed)
    assert k["ed_mean_boarding_hours"] == pytest.approx(2.0)
    assert k["bed_unavailability"] * 2 > k["bed_occupancy"] * 2  # held, then occupied
    assert seen == [{"created": 1, "exited": 0, "present": 1}]  # counted while it moves
