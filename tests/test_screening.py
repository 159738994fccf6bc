"""Morris screening of a scenario's ranges (``pathsim screen``, SALib): a range that moves
the output ranks first, one that moves nothing has an effect of exactly zero (common random
numbers), a difference of a scenario from itself has no effect at all; SALib's own indices on
a linear function are its coefficients."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from pathsim.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_salib_gives_the_coefficients_of_a_linear_function() -> None:
    # the library's own check, on the way pathsim calls it: mu* of y = 3a + b (unit ranges)
    from SALib.analyze import morris as morris_analyze

    from pathsim.experiment.global_sensitivity import LEVELS

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0.0, 1.0]] * 3}
    from SALib.sample import morris as morris_sample

    x = morris_sample.sample(problem, 8, num_levels=LEVELS, seed=1)
    y = 3 * x[:, 0] + x[:, 1]
    si = morris_analyze.analyze(problem, x, y, num_levels=LEVELS, seed=1)
    assert np.allclose(si["mu_star"], [3.0, 1.0, 0.0])
    assert np.allclose(si["sigma"], 0.0)


def _hospital(tmp_path: Path) -> Path:
    reference = (ROOT / "experiments" / "benchmarks" / "reference_hospital.yaml").read_text()
    sc = tmp_path / "hospital.yaml"
    sc.write_text(
        reference.replace(
            "acute_ward: {organisation: acute_trust, beds: 400}",
            "acute_ward: {organisation: acute_trust, beds: 400, cost_per_bed_day_gbp: 500}",
        )
        + "uncertainty:\n"
        "  segments.everyone.length_of_stay_days.mean: {shape: uniform, low: 3, high: 7,"
        " reason: test}\n"
        "  acute_ward.cost_per_bed_day_gbp:\n"
        '    {low: 400, high: 600, reason: "test: moves no flow"}\n'
    )
    return sc


def test_the_range_that_moves_the_output_ranks_first(tmp_path: Path) -> None:
    sc = _hospital(tmp_path)
    out = tmp_path / "screen"
    args = ["screen", str(sc), "--kpi", "bed_occupancy", "--trajectories", "3", "-d", "20"]
    args += ["-w", "5", "-j", "1", "--out", str(out), "--json"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = {r["range"]: r for r in json.loads(result.stdout)}
    los = rows["segments.everyone.length_of_stay_days.mean"]
    cost = rows["acute_ward.cost_per_bed_day_gbp"]
    assert los["rank"] == 1 and los["mu_star"] > 0
    assert cost["mu_star"] == 0 and cost["sigma"] == 0  # the same patients: no flow changes
    assert (out / "screening_bed_occupancy.png").stat().st_size > 1000
    points = pd.read_csv(out / "points_bed_occupancy.csv")
    assert len(points) == 3 * (2 + 1)  # trajectories x (ranges + 1)


def test_a_scenario_against_itself_has_no_effect_anywhere(tmp_path: Path) -> None:
    sc = _hospital(tmp_path)
    same = tmp_path / "same.yaml"
    same.write_text("extends: hospital.yaml\nname: same again\n")
    args = ["screen", str(sc), str(same), "--kpi", "bed_occupancy", "--trajectories", "2"]
    args += ["-d", "20", "-w", "5", "-j", "1", "--json"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert all(r["mu_star"] == 0 for r in json.loads(result.stdout))


@pytest.mark.parametrize(
    ("extra", "words"),
    [(["--kpi", "no_such_kpi"], "no KPI 'no_such_kpi'"), ([], "Missing option '--kpi'")],
)
def test_bad_input_is_refused_with_exit_2(tmp_path: Path, extra: list[str], words: str) -> None:
    sc = _hospital(tmp_path)
    args = ["screen", str(sc), *extra, "--trajectories", "2", "-d", "5", "-w", "0", "-j", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and words in result.output, result.output


def test_a_range_the_other_scenario_adds_is_screened_too(tmp_path: Path) -> None:
    sc = _hospital(tmp_path)
    ranged = tmp_path / "ranged_beds.yaml"
    ranged.write_text(
        "extends: hospital.yaml\nname: uncertain beds\n"
        "uncertainty:\n  acute_ward.beds: {shape: uniform, low: 300, high: 500, reason: test}\n"
    )
    args = ["screen", str(sc), str(ranged), "--kpi", "bed_occupancy", "--trajectories", "3"]
    args += ["-d", "20", "-w", "5", "-j", "1", "--json"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = {r["range"]: r for r in json.loads(result.stdout)}
    assert len(rows) == 3  # the base's two ranges and the overlay's own
    assert rows["acute_ward.beds"]["mu_star"] > 0
    # the cost of a bed day moves neither scenario's flow: no effect on the difference
    assert rows["acute_ward.cost_per_bed_day_gbp"]["mu_star"] == 0


def test_salib_sobol_indices_of_the_ishigami_function_match_their_exact_values() -> None:
    # The Ishigami function (Ishigami and Homma 1990; a = 7, b = 0.1) on [-pi, pi]^3 has
    # known indices (Sobol' and Levitan 1999): S1 = 0.3139, 0.4424, 0 and ST = 0.5576,
    # 0.4424, 0.2437. With 2^13 base samples the estimates lie within 0.03 of them (about
    # three times SALib's own bootstrap half-widths at this size), through the sampling and
    # analysis pathsim uses.
    from SALib.analyze import sobol as sobol_analyze

    from pathsim.experiment.global_sensitivity import sobol_points

    problem, unit = sobol_points(["x1", "x2", "x3"], 2**13, seed=1)
    x = -np.pi + 2 * np.pi * unit
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    si = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=1)
    np.testing.assert_allclose(si["S1"], [0.3139, 0.4424, 0.0], atol=0.03)
    np.testing.assert_allclose(si["ST"], [0.5576, 0.4424, 0.2437], atol=0.03)


def test_sobol_indices_rank_the_stay_first_and_give_the_cost_none(tmp_path: Path) -> None:
    sc = _hospital(tmp_path)
    out = tmp_path / "sobol"
    args = ["screen", str(sc), "--kpi", "bed_occupancy", "--method", "sobol", "--samples"]
    args += ["16", "-d", "20", "-w", "5", "-j", "1", "--out", str(out), "--json"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = {r["range"]: r for r in json.loads(result.stdout)}
    los = rows["segments.everyone.length_of_stay_days.mean"]
    cost = rows["acute_ward.cost_per_bed_day_gbp"]
    assert los["rank"] == 1 and los["ST"] > 0.5
    # the same patients at every setting: the cost moves no bed, exactly
    assert cost["ST"] == 0 and cost["S1"] == 0
    points = pd.read_csv(out / "points_sobol_bed_occupancy.csv")
    assert len(points) == 16 * (2 + 2)  # samples x (ranges + 2)
    assert (out / "sobol_bed_occupancy.png").stat().st_size > 1000
    bad = CliRunner().invoke(main, [*args[:7], "12", *args[8:]])
    assert bad.exit_code == 2 and "power of 2" in bad.output
