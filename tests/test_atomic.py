"""Files written whole or not at all, with ordinary permissions (src/pathsim/atomic.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pathsim.atomic import atomic_path, write_bytes, write_text


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_written_file_has_the_usual_permissions(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        write_text(tmp_path / "sub" / "a.txt", "hello")  # the folder is made too
        write_bytes(tmp_path / "b.bin", b"\x00\x01")
    finally:
        os.umask(mask)
    assert (tmp_path / "sub" / "a.txt").read_text() == "hello"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    # mkstemp alone would give 0o600; a shared report or run folder needs 0o644
    assert _mode(tmp_path / "sub" / "a.txt") == 0o644
    assert _mode(tmp_path / "b.bin") == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half of the new")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_saved_replication_folders_are_not_private(tmp_path: Path) -> None:
    from pathsim import RunSpec, load_scenario, run_experiment, write_run_folder

    root = Path(__file__).resolve().parents[1]
    sc = load_scenario(root / "experiments" / "benchmarks" / "reference_hospital.yaml")
    result = run_experiment(sc, RunSpec(replications=1, seed=1, days=2, warmup_days=0))
    mask = os.umask(0o022)
    try:
        out = write_run_folder(tmp_path / "run", result)
    finally:
        os.umask(mask)
    task = next(out.glob("tasks/v*/r*"))
    assert _mode(task) == 0o755
    assert _mode(out / "run.json") == 0o644 and _mode(out / "summary.csv") == 0o644
