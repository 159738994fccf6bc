"""History matching (pathsim.experiment.history_matching): implausibility worked out by hand,
a setting with known parameters recovered from targets it generated, and a range no target
depends on left unconstrained; the targets file (scenarios/targets/national.yaml) is the
built-in targets, and bad targets files are refused with the file and the field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from builders import Stop, per_1000_per_year, ranged_hospital, scenario, stop_after
from pathsim import RunSpec, simulate
from pathsim.experiment.history_matching import history_match, implausibility, target_sd
from pathsim.experiment.targets import TargetsError, load_targets
from pathsim.model.targets import TARGETS, Target

ROOT = Path(__file__).resolve().parents[1]


def test_implausibility_by_hand() -> None:
    t = Target("x", 0.20, 0.30, 0.25, "test")  # sd a quarter of the range: 0.025
    assert target_sd(t) == pytest.approx(0.025)
    values = np.array([[0.25, 0.25], [0.30, 0.34], [0.10, 0.10]])
    got = implausibility(values, t)
    # row 2: mean 0.32, variance 0.0008 over 2 replications: sqrt(0.025^2 + 0.0004)
    assert got[0] == pytest.approx(0.0)
    assert got[1] == pytest.approx(0.07 / np.sqrt(0.025**2 + 0.0008 / 2))
    assert got[2] == pytest.approx(0.15 / 0.025)


def _ward(los_mean: float) -> dict[str, object]:
    """40 beds, 2 direct admissions a day, exponential stays (an M/M/infinity queue until the
    beds fill): occupancy about los_mean / 20."""
    return {
        "acute_ward.beds": 40,
        "segments.everyone.direct_admissions_per_1000_per_year": per_1000_per_year(2.0),
        "segments.everyone.length_of_stay_days": {"distribution": "exponential", "mean": los_mean},
        "acute_ward.cost_per_bed_day_gbp": 500.0,
        "uncertainty": {
            "segments.everyone.length_of_stay_days.mean": {
                "shape": "uniform",
                "low": 2.0,
                "high": 10.0,
                "reason": "test",
            },
            "acute_ward.cost_per_bed_day_gbp": {
                "shape": "uniform",
                "low": 300.0,
                "high": 700.0,
                "reason": "test: no target depends on it",
            },
        },
    }


@pytest.mark.slow
def test_a_known_setting_is_recovered_from_targets_it_generated() -> None:
    # The truth: stays of 5 days. Its occupancy over 200 days (about 0.25) is the target,
    # accepted within +/-0.02 (sd 0.01). A replication's time-average occupancy has an sd of
    # about 0.018 (M/M/infinity: variance 2 x load x mean stay / days = 2 x 10 x 5 / 200
    # patients^2, over 40 beds), so with 2 replications the cut-off of 3 keeps settings whose
    # expected occupancy is within about 3 x sqrt(0.01^2 + 0.018^2 / 2) = 0.048 of the target,
    # stays of 5 +/- 1 days (occupancy moves 0.05 a day of stay). The test allows 5 +/- 1.5.
    days, warmup = 200, 30
    truth = scenario(**_ward(5.0))
    made = np.mean(
        [simulate(truth, r, days=days, warmup_days=warmup).kpis["bed_occupancy"] for r in (7, 8)]
    )
    target = Target("bed_occupancy", made - 0.02, made + 0.02, made, "generated")
    spec = RunSpec(replications=2, seed=1, days=days, warmup_days=warmup)
    hm = history_match(truth, [target], settings_per_wave=20, waves=2, spec=spec)
    ensemble = hm.ensemble
    los = ensemble["segments.everyone.length_of_stay_days.mean"]
    assert len(ensemble) >= 3
    assert los.between(3.5, 6.5).all(), los.tolist()
    # the second wave looks where the first kept settings: nearer the truth on average
    tried = hm.settings
    first = tried[tried["wave"] == 1]["segments.everyone.length_of_stay_days.mean"]
    second = tried[tried["wave"] == 2]["segments.everyone.length_of_stay_days.mean"]
    assert (second - 5).abs().mean() < (first - 5).abs().mean()
    # what was ruled out, was ruled out by the one target
    out = tried[~tried["kept"]]
    assert len(out) > 0 and (out["ruled_out_by"] == "bed_occupancy").all()
    # the cost of a bed day moves no target: the ensemble keeps it across its range
    cost = ensemble["acute_ward.cost_per_bed_day_gbp"]
    assert cost.min() < 400 and cost.max() > 600


def test_the_shipped_targets_file_is_the_built_in_targets() -> None:
    name, targets = load_targets(ROOT / "scenarios" / "targets" / "national.yaml")
    assert "400,000" in name

    def key(ts: list[Target]) -> list[tuple[object, ...]]:
        return [
            (t.name, t.low, t.high, t.central, t.source, t.per_year, t.not_calibrated) for t in ts
        ]

    assert key(targets) == key(list(TARGETS))
    # the mean delay is shown by the calibration check, not used to rule settings out
    assert [t.name for t in targets if t.not_calibrated] == ["mean_delay_days_among_delayed"]


def test_targets_a_calibration_does_not_use_are_left_out() -> None:
    sc = scenario(**_ward(5.0))
    spec = RunSpec(replications=2, seed=1, days=10, warmup_days=0)
    shown_only = Target("bed_occupancy", 0.1, 0.2, 0.15, "s", not_calibrated="a reason")
    with pytest.raises(ValueError, match="no target to calibrate to"):
        history_match(sc, [shown_only], settings_per_wave=2, waves=1, spec=spec)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (
            "targets:\n  bed_occupancy: {value: 0.9, low: 0.8, high: 1.0, source: s}\n",
            "name",
            "required",
        ),
        (
            "name: t\ntargets:\n  bed_occupancy_x: {value: 0.9, low: 0.8, high: 1.0, source: s}\n",
            "targets",
            "unknown KPI 'bed_occupancy_x'",
        ),
        (
            "name: t\ntargets:\n  bed_occupancy: {value: 0.9, low: 1.0, high: 0.8, source: s}\n",
            "targets.bed_occupancy",
            "must be below high",
        ),
        (
            "name: t\ntargets:\n  bed_occupancy: {value: 0.9, sd: 0.1, low: 0.8, source: s}\n",
            "targets.bed_occupancy",
            "not both",
        ),
        ("name: t\ntargets:\n  bed_occupancy: {value: 0.9, sd: 0.1}\n", "source", "required"),
    ],
)
def test_a_bad_targets_file_is_refused_naming_the_field(
    tmp_path: Path, body: str, field: str, words: str
) -> None:
    f = tmp_path / "targets.yaml"
    f.write_text(body)
    with pytest.raises(TargetsError) as err:
        load_targets(f)
    message = str(err.value)
    assert str(f) in message and field in message and words in message, message


def test_targets_given_as_a_standard_deviation() -> None:
    from pathsim.experiment.targets import TargetEntry

    t = TargetEntry(value=0.93, sd=0.015, source="s").target("ga_bed_occupancy")
    assert (t.low, t.high) == pytest.approx((0.90, 0.96))
    assert target_sd(t) == pytest.approx(0.015)


# -- the command ---------------------------------------------------------------------------
def _calibration_files(tmp_path: Path) -> tuple[Path, Path]:
    """The reference hospital with ranges on its length of stay and its cubicles, and a
    targets file on its bed occupancy and 4-hour performance."""
    sc = ranged_hospital(tmp_path)
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "name: test targets\n"
        "targets:\n"
        "  bed_occupancy: {value: 0.75, low: 0.6, high: 0.9, source: made up}\n"
        "  ed_4h_performance: {value: 0.9, sd: 0.1, source: made up}\n"
    )
    return sc, targets


def test_the_calibrate_command_writes_the_ensemble_and_resumes(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pathsim.cli import main

    sc, targets = _calibration_files(tmp_path)
    out = tmp_path / "calib"
    args = ["calibrate", str(sc), "--targets", str(targets), "--out", str(out)]
    args += ["--settings", "5", "--waves", "2", "-r", "2", "-d", "20", "-w", "5", "-j", "1"]
    first = CliRunner().invoke(main, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "Settings tried: 10;" in first.stdout
    tried = pd.read_csv(out / "settings.csv")
    ensemble = pd.read_csv(out / "ensemble.csv")
    assert len(tried) == 10 and set(tried["wave"]) == {1, 2}
    assert {"I_bed_occupancy", "I_ed_4h_performance", "I_max", "kept"} <= set(tried.columns)
    assert len(ensemble) == int(tried["kept"].sum())
    assert (ensemble["I_max"] <= 3).all()
    assert "## Ranges" in (out / "calibration.md").read_text()
    saved = sorted(p.name for p in (out / "runs").glob("*.json"))
    assert len(saved) == 20  # 10 settings x 2 replications
    # run again into the same folder: every replication is read back, nothing runs again,
    # and the results are the same
    stamps = {p: p.stat().st_mtime_ns for p in (out / "runs").glob("*.json")}
    again = CliRunner().invoke(main, args, catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert {p: p.stat().st_mtime_ns for p in (out / "runs").glob("*.json")} == stamps
    pd.testing.assert_frame_equal(pd.read_csv(out / "settings.csv"), tried)
    # another calibration into the same folder is refused
    other = CliRunner().invoke(main, [*args[:-2], "-j", "1", "--seed", "9"])
    assert other.exit_code == 2 and "holds another calibration" in other.output


def test_calibrate_refuses_bad_input_with_exit_2(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pathsim.cli import main

    sc, _ = _calibration_files(tmp_path)
    no_ranges = ROOT / "experiments" / "benchmarks" / "reference_hospital.yaml"
    result = CliRunner().invoke(main, ["calibrate", str(no_ranges), "--out", str(tmp_path / "a")])
    assert result.exit_code == 2 and "has no ranges" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: t\ntargets:\n  nonsense_kpi: {value: 1, sd: 1, source: s}\n")
    result = CliRunner().invoke(
        main, ["calibrate", str(sc), "--targets", str(bad), "--out", str(tmp_path / "b")]
    )
    assert result.exit_code == 2 and "unknown KPI 'nonsense_kpi'" in result.output
    assert "Traceback" not in result.output


def test_an_interrupted_calibration_resumes_with_nothing_lost_or_duplicated(
    tmp_path: Path,
) -> None:
    from pathsim.experiment.kpi_store import KpiStore

    sc = scenario(**_ward(5.0))
    target = Target("bed_occupancy", 0.15, 0.35, 0.25, "test")
    spec = RunSpec(replications=2, seed=1, days=15, warmup_days=2)
    kwargs = {"settings_per_wave": 4, "waves": 2, "spec": spec}
    whole = history_match(sc, [target], **kwargs)  # type: ignore[arg-type]

    store = KpiStore(tmp_path / "runs")
    with pytest.raises(Stop):
        history_match(sc, [target], progress=stop_after(5), store=store, **kwargs)  # type: ignore[arg-type]
    assert len(list((tmp_path / "runs").glob("*.json"))) == 5  # each saved as it finished
    resumed = history_match(sc, [target], store=store, **kwargs)  # type: ignore[arg-type]
    assert len(list((tmp_path / "runs").glob("*.json"))) == 16  # 8 settings x 2, once each
    pd.testing.assert_frame_equal(resumed.settings, whole.settings)
    pd.testing.assert_frame_equal(resumed.kpis, whole.kpis)


def test_a_setting_whose_replications_gridlock_is_ruled_out_whatever_its_means() -> None:
    # The small ward of _ward (2 admissions a day staying 5 days: 10 beds' worth) with its
    # beds ranged from 6 to 40: with fewer beds than that the queue for a bed never clears
    # (gridlock). A target every setting meets on its means still rules those settings out,
    # naming gridlock.
    data = _ward(5.0)
    data["uncertainty"] = {
        "acute_ward.beds": {"shape": "uniform", "low": 6, "high": 40, "reason": "test"}
    }
    sc = scenario(**data)
    loose = [Target("bed_occupancy", 0.0, 2.0, 1.0, "every setting meets it")]
    spec = RunSpec(replications=2, seed=1, days=60, warmup_days=5)
    hm = history_match(sc, loose, settings_per_wave=8, waves=1, spec=spec)
    s = hm.settings
    locked = s["gridlocked_replications"] > 0
    assert locked.any() and not locked.all()
    assert not s.loc[locked, "kept"].any()
    assert (s.loc[locked, "ruled_out_by"] == "gridlock").all()
    assert s.loc[~locked, "kept"].all()  # the rest meet the loose target
    assert s.loc[locked, "acute_ward.beds"].max() < s.loc[~locked, "acute_ward.beds"].min()
