"""Run folders survive interruption: a sweep killed part-way (SIGKILL, the process and its
workers) and resumed ends with every grid point and replication exactly once, none run twice,
and results equal to an uninterrupted sweep; any replication re-runs alone from the folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from pathsim.cli import main
from pathsim.experiment.store import RunFolder

ROOT = Path(__file__).resolve().parents[1]
REF = str(ROOT / "experiments" / "benchmarks" / "reference_hospital.yaml")
# 5 grid points x 3 replications = 15 tasks of about half a second each on 2 workers.
SWEEP = ["sweep", REF, "-v", "acute_ward.beds=380:420:10", "-r", "3", "-d", "150", "-w", "10"]
TASKS = 15


def _pathsim(*args: str) -> list[str]:
    return [sys.executable, "-c", "from pathsim.cli import entry; entry()", *args]


def _saved(folder: Path) -> dict[Path, int]:
    """Saved replications and the modification time (ns) of each result file."""
    return {p.parent: p.stat().st_mtime_ns for p in folder.glob("tasks/v*/r*/result.json")}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("whole") / "sweep"
    result = CliRunner().invoke(main, [*SWEEP, "--workers", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.slow
def test_killed_sweep_resumes_to_the_same_results(tmp_path: Path, uninterrupted: Path) -> None:
    out = tmp_path / "sweep"
    proc = subprocess.Popen(
        _pathsim(*SWEEP, "--workers", "2", "--out", str(out)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the kill takes the workers too
    )
    deadline = time.monotonic() + 120
    while len(_saved(out)) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = _saved(out)
    assert 3 <= len(before) < TASKS, "the kill came too late to test a resume"
    meta = json.loads((out / "run.json").read_text())
    assert meta["status"] == "incomplete"
    assert not (out / "sweep.csv").exists()  # no result table before the end

    # A new run into the folder is refused (it would lose the saved work) ...
    refused = subprocess.run(
        _pathsim(*SWEEP, "--out", str(out)), capture_output=True, text=True, timeout=120
    )
    assert refused.returncode == 2 and "--resume" in refused.stderr
    assert "Traceback" not in refused.stderr
    # ... and --resume continues it, with the folder alone.
    resumed = subprocess.run(
        _pathsim("sweep", "--resume", str(out), "--workers", "2"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(before)} of {TASKS} replications already saved" in resumed.stderr
    assert f"running the other {TASKS - len(before)}" in resumed.stderr

    after = _saved(out)
    assert len(after) == TASKS
    # none of the saved replications was run again: their files are untouched
    assert {d: after[d] for d in before} == before
    assert not list(out.glob("tasks/v*/.r*.tmp"))  # no half-saved leftovers
    assert json.loads((out / "run.json").read_text())["status"] == "complete"

    reps = pd.read_csv(out / "replications.csv")
    counts = reps.groupby(["scenario", "replication", "kpi"]).size()
    assert (counts == 1).all() and len(counts) == TASKS * reps["kpi"].nunique()
    for table in ("sweep.csv", "replications.csv", "summary.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(out / table), pd.read_csv(uninterrupted / table))
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "timeseries.parquet"),
        pd.read_parquet(uninterrupted / "timeseries.parquet"),
    )


@pytest.mark.slow
def test_resume_of_a_complete_folder_runs_nothing(uninterrupted: Path, tmp_path: Path) -> None:
    before = _saved(uninterrupted)
    result = CliRunner().invoke(main, ["sweep", "--resume", str(uninterrupted)])
    assert result.exit_code == 0, result.output
    assert "already complete" in result.stderr
    assert _saved(uninterrupted) == before


@pytest.mark.slow
def test_resume_refuses_arguments_of_another_experiment(uninterrupted: Path) -> None:
    other = [*SWEEP[:3], "acute_ward.beds=380:400:10", *SWEEP[4:]]
    result = CliRunner().invoke(main, [*other, "--resume", str(uninterrupted)])
    assert result.exit_code == 2
    assert "another experiment" in result.stderr and "scenarios differ" in result.stderr


def test_resume_of_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["compare", "--resume", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a pathsim run folder" in result.stderr


@pytest.mark.slow
def test_any_replication_reruns_alone_from_the_folder(uninterrupted: Path) -> None:
    result = CliRunner().invoke(
        main, ["rerun", str(uninterrupted), "--scenario", "p0003", "--replication", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "KPIs identical" in result.stdout


@pytest.mark.slow
def test_rerun_reports_a_stored_number_that_differs(uninterrupted: Path, tmp_path: Path) -> None:
    # Tamper with one stored KPI in a copy: the re-run must notice.
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(uninterrupted, copy)
    stored = copy / "tasks" / "v0001" / "r00000" / "result.json"
    data = json.loads(stored.read_text())
    data["kpis"]["bed_occupancy"] += 1e-9
    stored.write_text(json.dumps(data))
    result = CliRunner().invoke(main, ["rerun", str(copy), "--scenario", "p0001", "-r", "0"])
    assert result.exit_code == 1
    assert "bed_occupancy" in result.stdout


@pytest.mark.slow
def test_stored_results_round_trip_exactly(uninterrupted: Path) -> None:
    folder = RunFolder.open(uninterrupted)
    reps = pd.read_csv(uninterrupted / "replications.csv")
    loaded = folder.load("p0002", 1)
    row = reps[(reps["scenario"] == "p0002") & (reps["replication"] == 1)]
    assert set(row["kpi"]) == set(loaded.kpis)
    # the resolved scenarios stored in the folder rebuild the same plan
    assert folder.plan.variants[2].overrides == {"acute_ward.beds": 400}
    assert folder.plan.variants[2].scenario.acute_ward.beds == 400


@pytest.mark.slow
def test_a_second_process_cannot_resume_a_folder_in_use(uninterrupted: Path) -> None:
    holder = RunFolder.open(uninterrupted)
    holder.lock()
    try:
        result = CliRunner().invoke(main, ["sweep", "--resume", str(uninterrupted)])
        assert result.exit_code == 2 and "another pathsim process" in result.stderr
    finally:
        holder.release()


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    proc = subprocess.Popen(
        _pathsim(*SWEEP, "--workers", "2", "--out", str(out)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while len(_saved(out)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends to the whole process group
    _, err = proc.communicate(timeout=60)
    saved = len(_saved(out))
    assert proc.returncode == 130, err
    assert "Interrupted" in err and f"pathsim sweep --resume {out}" in err
    assert "Traceback" not in err  # neither the main process nor the workers print one
    assert 2 <= saved < TASKS
    resumed = subprocess.run(
        _pathsim("sweep", "--resume", str(out)), capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    assert len(_saved(out)) == TASKS


@pytest.mark.slow
def test_resume_with_the_command_of_another_kind_is_refused(uninterrupted: Path) -> None:
    result = CliRunner().invoke(main, ["compare", "--resume", str(uninterrupted)])
    assert result.exit_code == 2
    assert "holds a sweep run" in result.stderr and "pathsim sweep --resume" in result.stderr
