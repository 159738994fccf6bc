"""Gridlock detection: a replication whose A&E cubicle queue or line for a bed stays above
its threshold for the scenario's consecutive days is flagged, with the day it began; a
stable one is not; run folders carry the flag per replication and gridlock_summary reads it."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from builders import per_1000_per_year, scenario
from pathsim import simulate
from pathsim.experiment.plan import compare
from pathsim.experiment.runner import RunSpec
from pathsim.model.gridlock import BED_QUEUE, ED_CUBICLE_QUEUE, gridlock_runs, gridlock_summary
from pathsim.output import write_run_folder
from scripted import Arrival, scripted


def _fixed(value: float) -> dict[str, Any]:
    return {"distribution": "fixed", "value": value}


def _ed(per_day: float, **extra: Any) -> dict[str, Any]:
    """Three cubicles, an hour's assessment each (72 patients a day at most), nobody
    admitted, ``per_day`` arrivals a day."""
    return {
        "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(per_day),
        "segments.everyone.ed_assessment_hours": _fixed(1.0),
        "ed.cubicles": 3,
        **extra,
    }


def test_runs_count_only_when_long_enough() -> None:
    over = np.array([1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1], dtype=bool)
    runs = gridlock_runs(over, 4)
    # the first run (3 days) is too short; the second (4) and the last (4, at the end) count
    assert runs.tolist() == [False] * 4 + [True] * 4 + [False] * 2 + [True] * 4
    assert not gridlock_runs(over, 5).any()
    assert gridlock_runs(over, 1).tolist() == over.tolist()
    assert not gridlock_runs(np.zeros(0, dtype=bool), 1).any()


def test_an_overloaded_department_is_gridlocked_from_the_start() -> None:
    # 120 arrivals a day for 72 a day of cubicle time: the queue grows by about 48 a day, so
    # its daily mean passes 3 (one per cubicle) on the first day and never falls back.
    k = simulate(scenario(**_ed(120.0)), 0, days=30, warmup_days=0).kpis
    assert k["gridlocked"] == 1.0
    assert k["gridlock_onset_day"] == 0.0
    assert k["gridlock_days"] == 30.0
    assert k[f"gridlock_onset_day_{ED_CUBICLE_QUEUE}"] == 0.0
    assert math.isnan(k[f"gridlock_onset_day_{BED_QUEUE}"])


def test_a_stable_department_is_not() -> None:
    # 24 a day for 72 a day of capacity (load 1/3, M/D/3): the mean queue is about 0.02 and
    # a day's mean of 3 would need about 72 arrivals in a day (Poisson mean 24: p < 1e-12),
    # let alone seven days in a row. Over 3 replications x 200 days it never happens.
    for rep in range(3):
        k = simulate(scenario(**_ed(24.0)), rep, days=200, warmup_days=10).kpis
        assert k["gridlocked"] == 0.0
        assert math.isnan(k["gridlock_onset_day"])
        assert k["gridlock_days"] == 0.0
    # the same department is flagged when the threshold is set below its queue (the test
    # can fail): a day with anyone waiting at all, on one day
    low = {"gridlock.ed_queue_per_cubicle": 1e-9, "gridlock.consecutive_days": 1}
    k = simulate(scenario(**_ed(24.0, **low)), 0, days=200, warmup_days=10).kpis
    assert k["gridlocked"] == 1.0


def test_too_few_beds_gridlock_the_line_for_a_bed() -> None:
    # 10 direct admissions a day, 5-day stays, 20 beds: 50 beds' worth of demand
    sc = scenario(
        **{
            "segments.everyone.direct_admissions_per_1000_per_year": per_1000_per_year(10.0),
            "segments.everyone.length_of_stay_days": _fixed(5.0),
            "acute_ward.beds": 20,
        }
    )
    k = simulate(sc, 0, days=40, warmup_days=5).kpis
    assert k["gridlocked"] == 1.0
    assert k[f"gridlock_onset_day_{BED_QUEUE}"] == k["gridlock_onset_day"] < 5
    assert math.isnan(k[f"gridlock_onset_day_{ED_CUBICLE_QUEUE}"])


def test_the_onset_is_the_first_day_of_the_first_long_enough_run() -> None:
    # Two cubicles, 5 days of warm-up, 30 of results (results day d is [5 + d, 6 + d)).
    # Results days 0-5: two patients hold the cubicles until day 6 while three wait (a daily
    # mean of 3, above the threshold of 2, but for 6 days only). Day 9: two patients take the
    # cubicles for good; at 15.25 (results day 10, a quarter in) four more arrive and wait to
    # the end: day 10's mean is 4 x 0.75 = 3, then 4. The onset is day 10, 20 days long.
    hold = {"ed": True, "admit": False}
    arrivals = [
        Arrival(0.0, assess=11.0, **hold),
        Arrival(0.0, assess=11.0, **hold),
        *[Arrival(5.0, assess=0.01, **hold) for _ in range(3)],
        Arrival(14.0, assess=1000.0, **hold),
        Arrival(14.0, assess=1000.0, **hold),
        *[Arrival(15.25, assess=0.01, **hold) for _ in range(4)],
    ]
    sc = scenario(**{"ed.cubicles": 2})
    res = simulate(sc, 0, days=30, warmup_days=5, builders=scripted(arrivals))
    k = res.kpis
    ts = res.timeseries
    queue = ts[(ts.service == "ed") & (ts.metric == "queue_length") & ~ts.warmup]["value"]
    assert queue.iloc[:6].tolist() == pytest.approx([3.0] * 6)
    assert queue.iloc[6:10].tolist() == pytest.approx([0.0] * 4, abs=0.01)
    assert queue.iloc[10] == pytest.approx(3.0)
    assert k["gridlock_onset_day"] == 10.0
    assert k[f"gridlock_onset_day_{ED_CUBICLE_QUEUE}"] == 10.0
    assert k["gridlock_days"] == 20.0
    # with a 6-day rule the first spell counts, and so it is the onset
    six = scenario(**{"ed.cubicles": 2, "gridlock.consecutive_days": 6})
    k6 = simulate(six, 0, days=30, warmup_days=5, builders=scripted(arrivals)).kpis
    assert (k6["gridlock_onset_day"], k6["gridlock_days"]) == (0.0, 26.0)


def test_a_known_onset_on_the_line_for_a_bed() -> None:
    # Two beds held for good from the start; at 12.0 (results day 7, from midnight) three
    # admissions arrive and wait: a line of 3 against a threshold of 1 per bed (2).
    arrivals = [
        Arrival(0.0, los=1000.0),
        Arrival(0.0, los=1000.0),
        *[Arrival(12.0, los=1.0) for _ in range(3)],
    ]
    sc = scenario(**{"acute_ward.beds": 2, "gridlock.bed_queue_per_bed": 1.0})
    k = simulate(sc, 0, days=20, warmup_days=5, builders=scripted(arrivals)).kpis
    assert k[f"gridlock_onset_day_{BED_QUEUE}"] == 7.0
    assert (k["gridlocked"], k["gridlock_onset_day"], k["gridlock_days"]) == (1.0, 7.0, 13.0)
    assert math.isnan(k[f"gridlock_onset_day_{ED_CUBICLE_QUEUE}"])


def test_run_folders_carry_the_flag_and_the_summary_reads_it(tmp_path: Path) -> None:
    spec = RunSpec(replications=2, seed=5, days=20, warmup_days=2)
    result = compare(
        [("overloaded", scenario(**_ed(120.0))), ("stable", scenario(**_ed(24.0)))], spec
    )
    folder = write_run_folder(tmp_path / "run", result)
    reps = pd.read_csv(folder / "replications.csv")
    flags = reps[reps.kpi == "gridlocked"].set_index(["scenario", "replication"])["value"]
    assert flags.to_dict() == {
        ("overloaded", 0): 1.0,
        ("overloaded", 1): 1.0,
        ("stable", 0): 0.0,
        ("stable", 1): 0.0,
    }
    summary = pd.read_csv(folder / "summary.csv").set_index(["scenario", "kpi"])
    assert summary.loc[("overloaded", "gridlocked"), "mean"] == 1.0  # the share gridlocked
    assert summary.loc[("stable", "gridlocked"), "mean"] == 0.0

    found = gridlock_summary(reps)
    assert found.replications == {"overloaded": 2, "stable": 2}
    assert found.share("overloaded") == 1.0 and found.share("stable") == 0.0
    assert math.isnan(found.share("missing"))
    assert [(g.scenario, g.replication, g.queue) for g in found.gridlocked] == [
        ("overloaded", 0, ED_CUBICLE_QUEUE),
        ("overloaded", 1, ED_CUBICLE_QUEUE),
    ]
    assert all(g.onset_day == 0.0 and g.days == 20.0 for g in found.gridlocked)
    assert found.gridlocked[0].onsets == {ED_CUBICLE_QUEUE: 0.0}
    # the same from one experiment's KPIs in memory (no scenario column)
    alone = gridlock_summary(result.experiments[0].kpis.drop(columns="scenario"))
    assert alone.replications == {None: 2} and alone.share() == 1.0 and alone.any


def test_the_report_and_the_command_line_name_the_gridlocked_replications(
    tmp_path: Path,
) -> None:
    import yaml
    from click.testing import CliRunner

    from pathsim.cli import main
    from pathsim.show.report import build_report

    files = {}
    for label, per_day in (("overloaded", 120.0), ("stable", 24.0)):
        files[label] = tmp_path / f"{label}.yaml"
        dumped = scenario(**_ed(per_day)).model_dump(mode="json", by_alias=True, exclude_none=True)
        files[label].write_text(yaml.safe_dump(dumped), encoding="utf-8")
    settings = ["-r", "2", "--days", "20", "--warmup-days", "2", "--workers", "1"]
    args = ["compare", str(files["stable"]), str(files["overloaded"]), *settings]
    args += ["--out", str(tmp_path / "run")]
    run = CliRunner().invoke(main, args)
    assert run.exit_code == 0, run.output
    warning = "2 of 2 replications of 'overloaded' gridlocked"
    assert warning in run.output
    assert "replication 1: from day 0, the queue for an A&E cubicle, 20 days in all" in run.output
    assert "of 'stable' gridlocked" not in run.output
    report = html.unescape(build_report(tmp_path / "run"))
    assert warning in report and "Gridlock." in report
    # a run where nothing gridlocks says nothing of gridlock
    quiet = CliRunner().invoke(main, ["run", str(files["stable"]), *settings])
    assert quiet.exit_code == 0, quiet.output
    assert "gridlocked:" not in quiet.output
