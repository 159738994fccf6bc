"""Effects across a calibrated ensemble (pathsim.experiment.ensemble, ``pathsim compare
--ensemble``): the interval arithmetic by hand, common random numbers across settings and
scenarios (a scenario against itself differs by exactly nothing), an overlay's own value kept,
parameter uncertainty widening the interval, and bad ensembles refused."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from builders import Stop, ranged_hospital, stop_after
from pathsim.cli import main
from pathsim.experiment.ensemble import _combine, _mixture_quantile
from pathsim.model.kpis import better_direction

ROOT = Path(__file__).resolve().parents[1]


def test_the_mixture_quantiles_by_hand() -> None:
    # one setting: the normal's own quantiles, and the chance-only interval is the same
    values = pd.Series(
        [1.0, 3.0], index=pd.MultiIndex.from_tuples([(0, 0), (0, 1)], names=["setting", "r"])
    )
    mean, lo, hi, ulo, uhi = _combine(values, 0.95)
    se = math.sqrt(2.0) / math.sqrt(2)  # sd of (1, 3) over sqrt(2)
    z = stats.norm.ppf(0.975)
    assert mean == 2.0
    assert (lo, hi) == pytest.approx((2 - z * se, 2 + z * se))
    assert (ulo, uhi) == pytest.approx((2 - z * se, 2 + z * se))
    # two settings far apart with no chance variation: the quantiles of the two points
    assert _mixture_quantile(np.array([0.0, 10.0]), np.zeros(2), 0.025) == 0.0
    assert _mixture_quantile(np.array([0.0, 10.0]), np.zeros(2), 0.975) == 10.0
    # two settings far apart, each with sd 1: the mixture's 97.5% point is where half the
    # upper component's mass above it is 5%: 10 + z(0.95)
    q = _mixture_quantile(np.array([0.0, 10.0]), np.ones(2), 0.975)
    assert q == pytest.approx(10 + stats.norm.ppf(0.95), abs=1e-6)


def test_better_directions() -> None:
    assert better_direction("ed_4h_performance") == 1
    assert better_direction("ed_12h_trolley_waits") == -1
    assert better_direction("cost_total_gbp") == -1
    assert better_direction("mean_wait_days_home_care") == -1
    assert better_direction("ed_attendances") == 0


def _calibrated(tmp_path: Path) -> tuple[Path, Path]:
    """The reference hospital with ranges on its stays (3-7 days) and cubicles, calibrated to
    targets every setting meets: 4 settings kept."""
    sc = ranged_hospital(tmp_path)
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "name: loose\ntargets:\n  bed_occupancy: {value: 0.5, low: 0.0, high: 1.5, source: s}\n"
    )
    out = tmp_path / "calib"
    args = ["calibrate", str(sc), "--targets", str(targets), "--out", str(out), "--settings"]
    args += ["4", "--waves", "1", "-r", "2", "-d", "20", "-w", "5", "-j", "1"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out / "ensemble.csv")) == 4
    return sc, out


def _compare(*args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(main, ["compare", *args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_a_scenario_against_itself_differs_by_nothing_at_every_setting(tmp_path: Path) -> None:
    sc, ens = _calibrated(tmp_path)
    same = tmp_path / "same.yaml"
    same.write_text("extends: hospital.yaml\nname: same again\n")
    rows = _compare(str(sc), str(same), "--ensemble", str(ens), "-d", "20", "-w", "5", "-j", "1")
    other = [r for r in rows if r["scenario"] == "same"]
    assert other
    for r in other:
        if r["diff"] is None:  # a KPI undefined in every replication
            continue
        assert r["diff"] == 0 and r["diff_unc_low"] == 0 and r["diff_unc_high"] == 0, r["kpi"]
    # stays from 3 to 5 days across the settings: the occupancy's level varies far more
    # between settings than by chance
    occ = next(r for r in rows if r["kpi"] == "bed_occupancy" and r["scenario"] == "hospital")
    chance = float(occ["ci_high"]) - float(occ["ci_low"])  # type: ignore[arg-type]
    combined = float(occ["unc_high"]) - float(occ["unc_low"])  # type: ignore[arg-type]
    assert combined > 3 * chance
    assert occ["settings"] == 4


def test_an_overlay_keeps_its_own_value_of_a_ranged_field(tmp_path: Path) -> None:
    sc, ens = _calibrated(tmp_path)
    more = tmp_path / "more_cubicles.yaml"
    more.write_text(
        "extends: hospital.yaml\nname: more cubicles\ned: {cubicles: 45}\n"
        "uncertainty: {ed.cubicles: null}\n"
    )
    out = tmp_path / "cmp"
    args = ["compare", str(sc), str(more), "--ensemble", str(ens), "-d", "20", "-w", "5"]
    args += ["-j", "1", "--out", str(out)]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "'more_cubicles' keeps its own value of: ed.cubicles" in result.output
    table = pd.read_csv(out / "ensemble_comparison.csv")
    row = table[(table["kpi"] == "ed_4h_performance") & (table["scenario"] == "more_cubicles")]
    assert float(row["diff"].iloc[0]) > 0  # 45 cubicles against 26-34
    assert float(row["share_favourable"].iloc[0]) == 1.0


def test_bad_ensembles_are_refused_with_exit_2(tmp_path: Path) -> None:
    sc, ens = _calibrated(tmp_path)
    for folder, words in ((tmp_path, "is not a finished calibration"),):
        result = CliRunner().invoke(main, ["compare", str(sc), str(sc), "--ensemble", str(folder)])
        assert result.exit_code == 2 and words in result.output
    result = CliRunner().invoke(
        main, ["compare", str(sc), str(sc), "--ensemble", str(ens), "-r", "1"]
    )
    assert result.exit_code == 2 and "at least 2 replications" in result.output
    meta = json.loads((ens / "calibration.json").read_text())
    (ens / "calibration.json").write_text(json.dumps({**meta, "status": "incomplete"}))
    result = CliRunner().invoke(main, ["compare", str(sc), str(sc), "--ensemble", str(ens)])
    assert result.exit_code == 2 and "unfinished calibration" in result.output


def test_a_range_the_other_scenario_adds_is_drawn_for_every_setting(tmp_path: Path) -> None:
    # The change itself is uncertain: the overlay ranges its beds from 300 to 500 around the
    # base's 400. Drawn across the 4 settings (one in each quarter of the range), the
    # difference in occupancy goes both ways.
    sc, ens = _calibrated(tmp_path)
    ranged = tmp_path / "ranged_beds.yaml"
    ranged.write_text(
        "extends: hospital.yaml\nname: uncertain beds\n"
        "uncertainty:\n  acute_ward.beds: {shape: uniform, low: 300, high: 500, reason: test}\n"
    )
    args = ["compare", str(sc), str(ranged), "--ensemble", str(ens), "-d", "20", "-w", "5"]
    result = CliRunner().invoke(main, [*args, "-j", "1", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Also drawn for every setting (ranges the others add): acute_ward.beds" in (
        result.output
    )
    rows = [r for r in json.loads(result.stdout) if r["scenario"] == "ranged_beds"]
    occ = next(r for r in rows if r["kpi"] == "bed_occupancy")
    assert occ["diff_unc_low"] < 0 < occ["diff_unc_high"]
    assert 0 < occ["share_favourable"] < 1


def test_run_and_sweep_across_the_ensemble(tmp_path: Path) -> None:
    sc, ens = _calibrated(tmp_path)
    common = ["--ensemble", str(ens), "-d", "20", "-w", "5", "-j", "1", "--json"]
    ran = CliRunner().invoke(main, ["run", str(sc), *common], catch_exceptions=False)
    assert ran.exit_code == 0, ran.output
    alone = {r["kpi"]: r for r in json.loads(ran.stdout)}
    assert alone["bed_occupancy"]["settings"] == 4
    # the same settings and seeds as the base of a comparison: the same numbers exactly
    same = tmp_path / "same.yaml"
    same.write_text("extends: hospital.yaml\nname: same again\n")
    compared = _compare(str(sc), str(same), *common[:-1])
    base = next(r for r in compared if r["kpi"] == "bed_occupancy" and r["scenario"] == "hospital")
    for key in ("mean", "ci_low", "ci_high", "unc_low", "unc_high"):
        assert alone["bed_occupancy"][key] == base[key], key
    # a sweep over one of the ranged fields: the sweep decides it, the rest still varies
    out = tmp_path / "sweep"
    args = ["sweep", str(sc), "-v", "ed.cubicles=20,40", *common[:-1], "--out", str(out)]
    swept = CliRunner().invoke(main, args, catch_exceptions=False)
    assert swept.exit_code == 0, swept.output
    assert "Not varied (the sweep sets them): ed.cubicles" in swept.output
    table = pd.read_csv(out / "ensemble_comparison.csv")
    assert list(table.columns[:3]) == ["kpi", "scenario", "ed.cubicles"]
    ed = table[(table["kpi"] == "ed_4h_performance")].set_index("ed.cubicles")
    assert float(ed.loc[40, "diff"]) > 0 and float(ed.loc[40, "share_favourable"]) == 1.0
    settings = pd.read_csv(out / "ensemble_settings.csv")
    assert "ed.cubicles" not in settings.columns and len(settings) == 4
    meta = json.loads((out / "ensemble.json").read_text())
    assert meta["status"] == "complete" and meta["command"] == "sweep"


def test_an_interrupted_ensemble_resumes_with_nothing_lost_or_duplicated(tmp_path: Path) -> None:
    from pathsim import load_scenario
    from pathsim.experiment.ensemble import read_ensemble, run_ensemble
    from pathsim.experiment.kpi_store import KpiStore
    from pathsim.experiment.runner import RunSpec

    sc, ens = _calibrated(tmp_path)
    settings, _ = read_ensemble(ens)
    pair = [("a", load_scenario(sc)), ("b", load_scenario(sc))]
    spec = RunSpec(replications=2, seed=3, days=15, warmup_days=2)
    whole = run_ensemble(pair, settings, spec)

    store = KpiStore(tmp_path / "runs")
    with pytest.raises(Stop):
        run_ensemble(pair, settings, spec, progress=stop_after(5), store=store)
    assert len(list((tmp_path / "runs").glob("*.json"))) == 5  # each saved as it finished
    resumed = run_ensemble(pair, settings, spec, store=store)
    assert len(list((tmp_path / "runs").glob("*.json"))) == 16  # 4 settings x 2 x 2, once each
    pd.testing.assert_frame_equal(resumed.kpis, whole.kpis)


def test_an_out_folder_of_other_runs_is_refused(tmp_path: Path) -> None:
    sc, ens = _calibrated(tmp_path)
    out = tmp_path / "cmp"
    args = ["compare", str(sc), str(sc), "--ensemble", str(ens), "-w", "5", "-j", "1"]
    args += ["--out", str(out)]
    first = CliRunner().invoke(main, [*args, "-d", "10"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    again = CliRunner().invoke(main, [*args, "-d", "12"])
    assert again.exit_code == 2 and "holds runs of other scenarios or run settings" in (
        again.output
    )
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    refused = CliRunner().invoke(main, [*args[:-1], str(other), "-d", "10"])
    assert refused.exit_code == 2 and "has other files in it" in refused.output


def test_a_base_range_the_calibration_did_not_vary_is_drawn_for_every_setting(
    tmp_path: Path,
) -> None:
    # The calibration varied stays and cubicles; a range on the bed-day cost added to the
    # base afterwards is drawn for every setting (it moves the cost, not the flow).
    sc, ens = _calibrated(tmp_path)
    sc.write_text(
        sc.read_text()
        + "  acute_ward.cost_per_bed_day_gbp: {shape: uniform, low: 0, high: 900, reason: t}\n"
    )
    out = tmp_path / "run"
    args = ["run", str(sc), "--ensemble", str(ens), "-d", "20", "-w", "5", "-j", "1"]
    result = CliRunner().invoke(main, [*args, "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "the calibration did not vary): acute_ward.cost_per_bed_day_gbp" in result.output
    drawn = pd.read_csv(out / "ensemble_settings.csv")["acute_ward.cost_per_bed_day_gbp"]
    assert drawn.nunique() == 4 and drawn.between(0, 900).all()
    # one draw in each quarter of the range (a Latin hypercube of 4)
    assert sorted(drawn // 225) == [0, 1, 2, 3]
