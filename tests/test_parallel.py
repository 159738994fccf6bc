"""Results are identical whether replications run in this process, in local worker
processes or on a Dask cluster: every replication's random numbers depend only on the seed,
the replication number and the stream names."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pathsim import load_scenario
from pathsim.experiment import Backend, RunSpec, compare, run_experiment
from pathsim.experiment.design import sweep

ROOT = Path(__file__).resolve().parents[1]
FRAGMENTED = ROOT / "scenarios" / "fragmented.yaml"
INTEGRATED = ROOT / "scenarios" / "integrated.yaml"
# Short runs of the full default system, so every module (JET, virtual wards, frictions,
# readmissions) takes part; four replications so that both workers get more than one.
SPEC = RunSpec(replications=4, seed=7, days=20, warmup_days=5)


def _tables(result: object) -> tuple[pd.DataFrame, pd.DataFrame]:
    kpis = result.kpis  # type: ignore[attr-defined]
    ts = result.timeseries  # type: ignore[attr-defined]
    return kpis, ts


@pytest.fixture(scope="module")
def serial() -> object:
    pair = [("fragmented", load_scenario(FRAGMENTED)), ("integrated", load_scenario(INTEGRATED))]
    return compare(pair, SPEC, backend=Backend(workers=1))


@pytest.mark.slow
def test_two_local_workers_equal_serial(serial: object) -> None:
    pair = [("fragmented", load_scenario(FRAGMENTED)), ("integrated", load_scenario(INTEGRATED))]
    parallel = compare(pair, SPEC, backend=Backend(workers=2))
    for a, b in zip(_tables(serial), _tables(parallel), strict=True):
        pd.testing.assert_frame_equal(a, b)
    # and the comparison built from them (paired differences) is the same
    pd.testing.assert_frame_equal(serial.comparison(), parallel.comparison())  # type: ignore[attr-defined]


@pytest.mark.slow
def test_dask_local_cluster_equals_serial(serial: object) -> None:
    distributed = pytest.importorskip("distributed", reason="the 'dask' extra is not installed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        pair = [
            ("fragmented", load_scenario(FRAGMENTED)),
            ("integrated", load_scenario(INTEGRATED)),
        ]
        on_dask = compare(pair, SPEC, backend=Backend(dask=cluster.scheduler_address))
    for a, b in zip(_tables(serial), _tables(on_dask), strict=True):
        pd.testing.assert_frame_equal(a, b)


@pytest.mark.slow
def test_replications_come_back_in_order_whatever_finishes_first() -> None:
    sc = load_scenario(FRAGMENTED)
    result = run_experiment(sc, SPEC, backend=Backend(workers=2))
    assert [r.replication for r in result.results] == [0, 1, 2, 3]


@pytest.mark.slow
def test_sweep_on_workers_equals_sweep_in_process() -> None:
    sc = load_scenario(FRAGMENTED)
    vary = {"acute_ward.beds": [580, 620]}
    spec = RunSpec(replications=2, seed=3, days=15, warmup_days=5)
    a = sweep(sc, vary, spec, backend=Backend(workers=1)).sweep_table()
    b = sweep(sc, vary, spec, backend=Backend(workers=2)).sweep_table()
    pd.testing.assert_frame_equal(a, b)


def test_backend_refuses_zero_workers() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Backend(workers=0)


@pytest.mark.slow
def test_calibration_and_ensemble_are_the_same_serial_on_workers_and_on_dask() -> None:
    # The base's own ranges, 2 waves of 10 settings of a short run (the second chosen by
    # emulators, fitted in the main process), calibrated to targets every setting meets, then
    # the integrated system compared across them: the tables must be equal whatever runs the
    # replications.
    from pathsim.experiment.ensemble import run_ensemble
    from pathsim.experiment.history_matching import history_match
    from pathsim.model.targets import Target

    base = load_scenario(FRAGMENTED)
    pair = [("fragmented", base), ("integrated", load_scenario(INTEGRATED))]
    spec = RunSpec(replications=2, seed=7, days=10, warmup_days=3)
    loose = [Target("bed_occupancy", 0.0, 2.0, 1.0, "every setting meets it")]

    def run(backend: Backend) -> tuple[pd.DataFrame, pd.DataFrame]:
        hm = history_match(
            base, loose, settings_per_wave=10, waves=2, spec=spec, backend=backend, emulate=True
        )
        fields = ["setting", *hm.fields]
        across = run_ensemble(pair, hm.ensemble[fields], spec, backend=backend)
        return hm.settings, across.comparison()

    serial = run(Backend(workers=1))
    assert len(serial[0]) == 20
    assert serial[0].query("wave == 2")["I_emulated"].notna().all()  # chosen by emulators
    for a, b in zip(serial, run(Backend(workers=2)), strict=True):
        pd.testing.assert_frame_equal(a, b)
    distributed = pytest.importorskip("distributed", reason="the 'dask' extra is not installed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        on_dask = run(Backend(dask=cluster.scheduler_address))
    for a, b in zip(serial, on_dask, strict=True):
        pd.testing.assert_frame_equal(a, b)
