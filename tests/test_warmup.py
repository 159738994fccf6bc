"""Warm-up analysis: MSER-5 on series with a known transient, Welch's averages, the command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from pathsim.cli import main
from pathsim.experiment.warmup import _welch_average, analyse, mser, present_series
from pathsim.model.defaults import warmup_series
from pathsim.scenario import load_scenario


def test_mser_finds_the_end_of_a_known_transient() -> None:
    # A series that starts 30 below its steady level and recovers with time constant 20
    # days: the bias is below 0.5 (a tenth of the noise sd of 5) after about 90 days.
    # Averaged over 30 seeds, MSER-5 must truncate after the steep part (> 40 days) and
    # well before the searched half ends (< 200 of 500).
    t = np.arange(500)
    cuts = []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        y = 100 - 30 * np.exp(-t / 20) + rng.normal(0, 5, t.size)
        d, ok = mser(y)
        assert ok and d % 5 == 0
        cuts.append(d)
    assert 40 < np.mean(cuts) < 200


def test_mser_truncates_little_from_a_stationary_series() -> None:
    cuts = [mser(np.random.default_rng(s).normal(0, 1, 500))[0] for s in range(30)]
    assert np.mean(cuts) < 50  # a tenth of the run: nothing to cut but noise


def test_mser_says_when_the_run_is_too_short() -> None:
    rising = np.linspace(0, 100, 200)  # never settles
    d, ok = mser(rising)
    assert not ok and d == 100  # the edge of the searched half
    assert mser([1.0, 2.0]) == (0, False)


def test_welch_average_by_hand() -> None:
    y = np.array([1.0, 2.0, 3.0, 10.0, 5.0])
    # i=0: y0; i=1: mean(y0..y2); i=2: mean(y0..y4) with w=2; i=3: mean(y2..y4); i=4: y4
    expected = [1.0, 2.0, 21 / 5, 6.0, 5.0]
    assert _welch_average(y, 2) == pytest.approx(expected)


def test_analyse_recommends_whole_weeks_and_the_longest_series() -> None:
    t = np.arange(300)
    rows = []
    for rep in range(3):
        rng = np.random.default_rng(rep)
        for service, tau in (("a", 5.0), ("b", 30.0)):
            values = 50 - 40 * np.exp(-t / tau) + rng.normal(0, 1, t.size)
            rows.append(
                pd.DataFrame(
                    {
                        "replication": rep,
                        "day": t,
                        "service": service,
                        "metric": "occupied",
                        "value": values,
                    }
                )
            )
    ts = pd.concat(rows, ignore_index=True)
    result = analyse(ts, [("a", "occupied"), ("b", "occupied")])
    cut = result.table.set_index("service")["truncation_days"]
    assert cut["b"] > cut["a"]
    assert result.recommended_days % 7 == 0 and result.recommended_days >= cut["b"]
    assert result.recommended_days - cut["b"] < 7
    assert "Recommended warm-up" in result.explain()
    with pytest.raises(KeyError, match="no time series"):
        analyse(ts, [("nowhere", "occupied")])


def test_places_in_use_are_judged_contracted_and_spot_together() -> None:
    # Contracted places pinned at their ceiling from day 0 (nothing to find), spot places
    # settling from 0 to 40 over about 20 days: the made series in_use is their sum, and its
    # transient is the spot places' one.
    t = np.arange(200)
    rng = np.random.default_rng(7)
    spot = 40 - 40 * np.exp(-t / 20.0) + rng.normal(0, 1, t.size)
    ts = pd.DataFrame(
        {
            "replication": 0,
            "day": np.concatenate([t, t]),
            "service": "care",
            "metric": ["occupied"] * t.size + ["spot_occupied"] * t.size,
            "value": np.concatenate([np.full(t.size, 100.0), spot]),
        }
    )
    assert present_series(ts, [("care", "in_use")]) == [("care", "in_use")]
    in_use = analyse(ts, [("care", "in_use")]).table["truncation_days"].iloc[0]
    alone = analyse(ts, [("care", "spot_occupied")]).table["truncation_days"].iloc[0]
    assert in_use == alone > 20
    # the shipped base buys spot places in every onward service: judged by places in use
    series = warmup_series(load_scenario("scenarios/fragmented.yaml"))
    assert ("care_homes", "in_use") in series and ("care_homes", "occupied") not in series
    assert ("care_homes", "queue_length") in series and ("ed", "occupied") in series


@pytest.mark.slow
def test_warmup_command(tmp_path: Path) -> None:
    # The reference hospital starts empty: its ward takes weeks to fill, so a warm-up is
    # needed and the command must recommend one.
    ref = "experiments/benchmarks/reference_hospital.yaml"
    welch = tmp_path / "welch.csv"
    result = CliRunner().invoke(
        main,
        [
            "warmup",
            ref,
            "--days",
            "200",
            "-r",
            "2",
            "--workers",
            "1",
            "--welch",
            str(welch),
            "--series",
            "acute_ward.occupied",
        ],
    )
    assert result.exit_code == 0, result.output
    days = int(result.stdout.split("Recommended warm-up: ")[1].split(" days")[0])
    assert days >= 7
    table = pd.read_csv(welch)
    assert {"service", "metric", "day", "mean", "moving_average"} <= set(table.columns)
    bad = CliRunner().invoke(main, ["warmup", ref, "--series", "acute_ward"])
    assert bad.exit_code == 2 and "SERVICE.METRIC" in bad.stderr
