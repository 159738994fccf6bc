"""Runs too large to finish are refused before they start, with an estimate; long ones are
announced."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pathsim import load_scenario
from pathsim.cli import main
from pathsim.scenario.workload import REFUSE_PATIENTS, too_large, warnings, workload


def test_the_estimate_matches_what_a_run_creates() -> None:
    from pathsim import simulate
    from pathsim.scenario.effective import effective_system

    sc = load_scenario("scenarios/fragmented.yaml")
    w = workload(sc, 60, 10, 1, event_log=False)
    created = simulate(sc, 0, days=60, warmup_days=10).conservation["created"]
    # created also counts the people in beds and places at the start
    initial = round(sc.acute_ward.beds * sc.acute_ward.initial_occupancy_share) + sum(
        effective_system(sc).onward_initial.values()
    )
    # about 19,000 arrivals in 70 days, Poisson with seasonal rates: within 3%
    assert w.patients == pytest.approx(created - initial, rel=0.03)


def test_a_run_of_billions_of_patients_is_refused_before_it_starts(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    # a base must be inside the overlay's project folder (here tmp_path): copy it there
    (tmp_path / "fragmented.yaml").write_text(Path("scenarios/fragmented.yaml").read_text())
    big.write_text(
        "extends: fragmented.yaml"
        + "\nsegments:\n  under_65:\n    population: 100000000\n"
        + "    ed_attendances_per_1000_per_year: 3000\n"
    )
    start = time.perf_counter()
    result = CliRunner().invoke(main, ["run", str(big), "-r", "10"])
    assert time.perf_counter() - start < 10
    assert result.exit_code == 2
    assert "refused" in result.output and "patients" in result.output
    assert f"{REFUSE_PATIENTS:,}" in result.output


def test_long_runs_and_big_event_logs_are_announced() -> None:
    sc = load_scenario("scenarios/fragmented.yaml")
    small = workload(sc, 365, 60, 10, event_log=False)
    assert too_large(small) is None and warnings(small) == []
    long = workload(sc, 36_500, 60, 30, event_log=True)  # a century, 30 times, with the log
    messages = warnings(long)
    assert any("large" in m for m in messages)
    assert any("event log" in m and "GiB" in m for m in messages)
    # streamed to a run folder, the log's memory stays small: only the length is announced
    assert [m for m in warnings(long, streamed=True) if "event log" in m] == []
    assert any("large" in m for m in warnings(long, streamed=True))
