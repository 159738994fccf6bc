"""The animation (pathsim animate): the display log keeps every patient where the model put
them, the HTML holds the plotly frames, and bad input gives exit 2 with a clean message."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import pathsim
from pathsim.cli.live import animate
from pathsim.show.animate import (
    MINUTES_PER_DAY,
    animate_scenario,
    display_log,
    frame_minutes_for,
    positions,
)

pytest.importorskip("vidigi")

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "scenarios" / "fragmented.yaml"
BAD = Path(__file__).parent / "bad_scenarios"


@pytest.fixture(scope="module")
def raw_log() -> pd.DataFrame:
    sc = pathsim.load_scenario(DEFAULT)
    result = pathsim.simulate(sc, replication=0, days=3, warmup_days=0, event_log=True)
    assert result.event_log is not None
    return result.event_log


def test_display_log_has_one_arrival_and_at_most_one_departure_per_entity(
    raw_log: pd.DataFrame,
) -> None:
    shown = display_log(raw_log)
    ad = shown[shown["event_type"] == "arrival_departure"]
    arrivals = ad[ad["event"] == "arrival"].groupby("entity_id").size()
    departs = ad[ad["event"] == "depart"].groupby("entity_id").size()
    assert (arrivals == 1).all()
    assert (departs <= 1).all()
    assert set(departs.index) <= set(arrivals.index)
    assert set(shown["event_type"]) <= {"arrival_departure", "queue"}
    assert "medically_fit" in set(shown["event"])
    times = shown.pivot_table(index="entity_id", columns="event", values="time", aggfunc="min")
    left = times.dropna(subset=["depart"])
    assert (left["depart"] >= left["arrival"]).all()


def test_display_log_puts_every_patient_in_a_bed_where_the_model_had_them(
    raw_log: pd.DataFrame,
) -> None:
    """At a moment mid-run, the patients whose latest display step is 'in a bed' or
    'medically fit' are exactly those the raw log has between acute_ward_begins and
    acute_ward_ends (the ward's occupancy), counted independently."""
    t_days = 2.3
    raw = raw_log[raw_log["time"] <= t_days]
    began = raw[raw["event"] == "acute_ward_begins"].groupby("patient_id").size()
    ended = raw[raw["event"] == "acute_ward_ends"].groupby("patient_id").size()
    in_bed = began.sub(ended, fill_value=0)
    expected = int((in_bed > 0).sum())

    shown = display_log(raw_log)
    now = shown[shown["time"] <= t_days * MINUTES_PER_DAY]
    now = now.reset_index().sort_values(["time", "index"], kind="stable")
    latest = now.groupby("entity_id").tail(1)
    got = int(latest["event"].isin(["acute_ward_begins", "medically_fit"]).sum())
    assert expected > 400  # the ward holds hundreds: the comparison means something
    assert got == expected


def test_every_step_of_the_integrated_system_has_a_place_on_the_canvas() -> None:
    """Levers add services (joint emergency team, virtual wards): each step the display log
    holds gets a position inside the drawing area, and no two steps share one."""
    sc = pathsim.load_scenario(ROOT / "scenarios" / "integrated.yaml")
    result = pathsim.simulate(sc, replication=0, days=3, warmup_days=0, event_log=True)
    assert result.event_log is not None
    events = sorted(set(display_log(result.event_log)["event"]))
    assert {"jet_begins", "virtual_ward_begins"} <= set(events)
    pos = positions(events)
    assert set(events) <= set(pos["event"])
    assert pos["x"].between(0, 1400).all() and pos["y"].between(0, 820).all()
    assert not pos.duplicated(["x", "y"]).any()


def test_frame_interval_keeps_long_periods_under_the_frame_limit() -> None:
    assert frame_minutes_for(2, 200) == 30
    for days in (1, 7, 14, 28):
        minutes = frame_minutes_for(days, 200)
        assert minutes % 30 == 0
        assert days * MINUTES_PER_DAY / minutes <= 200


@pytest.mark.slow
def test_animate_scenario_returns_frames_for_the_period() -> None:
    sc = pathsim.load_scenario(DEFAULT)
    anim = animate_scenario(sc, start_day=1, days=0.5, max_per_step=10)
    # 12 hours at a frame every 30 minutes: 25 snapshots, both ends included.
    assert anim.frame_minutes == 30
    assert anim.frames == 25
    assert anim.patients > 1000  # long-term residents included
    assert "at most 10" in anim.note()


@pytest.mark.slow
def test_cli_writes_a_self_contained_html_with_the_frames(tmp_path: Path) -> None:
    out = tmp_path / "anim.html"
    result = CliRunner().invoke(
        animate,
        [
            str(DEFAULT),
            "--start-day",
            "1",
            "--days",
            "0.5",
            "--max-per-step",
            "10",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert len(html) > 100_000
    # Self-contained: plotly.js is inlined, not fetched from a CDN.
    assert not re.search(r'<script[^>]+src="https?://', html)
    # The frames: 12 hours at a frame every 30 minutes is 25 snapshots, each with patients.
    start = re.search(r"Plotly\.addFrames\('[^']+',\s*", html)
    assert start is not None
    frames, _ = json.JSONDecoder().raw_decode(html, start.end())
    assert len(frames) == 25
    assert len({f["name"] for f in frames}) == 25
    assert all(f["data"] for f in frames)
    assert "Animation written to" in result.output


@pytest.mark.parametrize(
    ("path", "needle"),
    [(BAD / "beds_negative.yaml", "beds"), (BAD / "no_such_file.yaml", "no_such_file")],
)
def test_cli_bad_scenario_exits_2_with_a_clean_message(
    tmp_path: Path, path: Path, needle: str
) -> None:
    result = CliRunner().invoke(
        animate, [str(path), "--days", "1", "--out", str(tmp_path / "a.html")]
    )
    assert result.exit_code == 2
    assert "Error:" in result.stderr and needle in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert not (tmp_path / "a.html").exists()


def test_cli_refuses_an_output_in_a_missing_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        animate, [str(DEFAULT), "--days", "1", "--out", str(tmp_path / "nope" / "a.html")]
    )
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_cli_without_vidigi_names_the_extra_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "vidigi", None)  # as if not installed
    result = CliRunner().invoke(animate, [str(DEFAULT), "--out", str(tmp_path / "a.html")])
    assert result.exit_code == 2
    assert "carepathsim[animate]" in result.stderr


def test_start_day_beyond_the_limit_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        animate, [str(DEFAULT), "--start-day", "5000", "--out", str(tmp_path / "a.html")]
    )
    assert result.exit_code == 2
    assert "--start-day" in result.stderr
