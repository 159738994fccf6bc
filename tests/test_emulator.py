"""Emulators for history matching (pathsim.experiment.emulator): a known function is
emulated (its active inputs found, held-out points predicted within the stated uncertainty),
proposals pass the emulators, and emulator-chosen waves keep more settings than blind ones
where the settings that fit lie along a diagonal the box cannot narrow to."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from builders import ranged_hospital
from pathsim import load_scenario
from pathsim.cli import main
from pathsim.experiment.emulator import emulated_implausibility, fit_emulator, propose
from pathsim.experiment.history_matching import history_match
from pathsim.experiment.runner import RunSpec
from pathsim.model.targets import Target
from pathsim.scenario.sampling import unit_design

pytest.importorskip("sklearn", reason="the 'uncertainty' extra is not installed")

TARGET = Target("y", 2.0, 3.0, 2.5, "test")
NOISE = 0.05


def _known(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Depends on inputs 0 (linearly) and 3 (a curve), not on the other four."""
    return 3 * x[:, 0] + np.sin(4 * x[:, 3]) + rng.normal(0, NOISE, len(x))


def test_a_known_function_is_emulated_within_its_stated_uncertainty() -> None:
    rng = np.random.default_rng(1)
    train = unit_design(6, 80, 11)
    em = fit_emulator(train, _known(train, rng), TARGET, seed=5)
    assert set(em.active[:2]) == {0, 3}
    test = unit_design(6, 400, 12)
    truth = _known(test, rng)
    mean, sd = em.predict(test)
    z = (truth - mean) / sd
    # a Gaussian process that knows its error: about 99.7% of standardised errors within 3
    # for a normal; at least 95% here (400 points: a shortfall of 4.7 points is far beyond
    # chance for a calibrated emulator) and the errors small against the function's span (3+)
    assert np.mean(np.abs(z) < 3) >= 0.95
    assert float(np.sqrt(np.mean((truth - mean) ** 2))) < 0.15


def test_proposals_pass_the_emulators_and_are_topped_up_when_too_few_do() -> None:
    rng = np.random.default_rng(2)
    train = unit_design(6, 80, 21)
    em = fit_emulator(train, _known(train, rng), TARGET, seed=5)
    box = np.vstack([np.zeros(6), np.ones(6)])
    unit, worst = propose([em], 30, box, seed=3, cutoff=3.0, candidates=5000)
    assert unit.shape == (30, 6) and np.all(worst <= 3.0)
    np.testing.assert_allclose(emulated_implausibility([em], unit).max(axis=1), worst)
    # y is at least 2 only where 3 x0 + sin(4 x3) >= 2: the proposals lie there
    assert np.all(3 * unit[:, 0] + np.sin(4 * unit[:, 3]) > 1.0)
    # a target nothing reaches: the least implausible candidates, as many as asked
    far = Target("y", 50.0, 51.0, 50.5, "test")
    em_far = fit_emulator(train, _known(train, rng), far, seed=5)
    unit, worst = propose([em_far], 10, box, seed=3, cutoff=3.0, candidates=2000)
    assert len(unit) == 10 and np.all(worst > 3.0)
    all_worst = emulated_implausibility([em_far], unit_design(6, 2000, 3, "lhs", box)).max(axis=1)
    assert worst.max() <= np.sort(all_worst)[9] + 1e-9


def _diagonal(tmp_path: Path) -> object:
    """The reference hospital with ranges on its stays (3-7 days) and its beds (300-500):
    occupancy follows stays over beds, so the settings that give 58-62% lie along a
    diagonal band."""
    path = ranged_hospital(tmp_path)
    path.write_text(
        path.read_text()
        + "  acute_ward.beds: {shape: uniform, low: 300, high: 500, reason: test}\n"
    )
    return load_scenario(path)


@pytest.mark.slow
def test_emulated_waves_keep_more_than_blind_ones_and_every_kept_setting_fits(
    tmp_path: Path,
) -> None:
    sc = _diagonal(tmp_path)
    spec = RunSpec(replications=2, seed=1, days=30, warmup_days=5)
    target = [Target("bed_occupancy", 0.58, 0.62, 0.60, "test")]
    kwargs = {"settings_per_wave": 20, "waves": 2, "spec": spec}
    blind = history_match(sc, target, **kwargs)  # type: ignore[arg-type]
    guided = history_match(sc, target, emulate=True, **kwargs)  # type: ignore[arg-type]
    first = blind.settings[blind.settings["wave"] == 1]
    assert first.equals(guided.settings[guided.settings["wave"] == 1])  # the same first wave
    kept_blind = int(blind.settings.query("wave == 2")["kept"].sum())
    kept_guided = int(guided.settings.query("wave == 2")["kept"].sum())
    assert kept_guided > kept_blind
    # the verdict is the simulator's: every kept setting's own implausibility is within 3
    assert (guided.ensemble["I_max"] <= 3).all()
    assert guided.settings.query("wave == 2")["I_emulated"].notna().all()


def test_calibrate_without_scikit_learn_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "sklearn" else real(name, *a)
    )
    sc = ranged_hospital(tmp_path)
    args = ["calibrate", str(sc), "--out", str(tmp_path / "c"), "--settings", "4", "--waves", "2"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "--no-emulate" in result.output
    assert not (tmp_path / "c").exists()


def test_an_emulated_wave_is_saved_and_a_resumed_calibration_runs_the_same_settings(
    tmp_path: Path,
) -> None:
    # The settings the emulators chose are saved beside the runs; a calibration run again
    # into the same folder takes them from there (here, altered on purpose, to show they are
    # read rather than proposed afresh).
    from pathsim.experiment.kpi_store import KpiStore

    sc = _diagonal(tmp_path)
    spec = RunSpec(replications=2, seed=1, days=10, warmup_days=2)
    target = [Target("bed_occupancy", 0.58, 0.62, 0.60, "test")]
    kwargs = {"settings_per_wave": 10, "waves": 2, "spec": spec, "emulate": True}
    store = KpiStore(tmp_path / "runs")
    first = history_match(sc, target, store=store, **kwargs)  # type: ignore[arg-type]
    saved = tmp_path / "runs" / "proposed-wave2.npz"
    assert saved.exists()
    with np.load(saved) as data:
        unit, predicted = data["unit"], data["predicted"]
    np.testing.assert_allclose(predicted, first.settings.query("wave == 2")["I_emulated"])
    np.savez(saved, unit=np.full_like(unit, 0.5), predicted=predicted)
    again = history_match(sc, target, store=store, **kwargs)  # type: ignore[arg-type]
    wave2 = again.settings.query("wave == 2")
    assert wave2["acute_ward.beds"].nunique() == 1  # every setting at the middle of the range
    assert (wave2["acute_ward.beds"] == 400).all()
    pd.testing.assert_frame_equal(
        again.settings.query("wave == 1"), first.settings.query("wave == 1")
    )
