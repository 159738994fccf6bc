"""The command line, as a planner drives it: validate, run, compare, schema, kpis; run
folders; exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner, Result

from pathsim.cli import main
from pathsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
REF = str(ROOT / "experiments" / "benchmarks" / "reference_hospital.yaml")
BAD = Path(__file__).parent / "bad_scenarios"
SHORT = ["--days", "20", "--warmup-days", "5", "-r", "2"]


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_help_teaches() -> None:
    top = cli("--help")
    assert top.exit_code == 0
    for word in ("validate", "run", "compare", "schema", "kpis", "extends"):
        assert word in top.output
    for command, options in (
        ("run", ("--replications", "--seed", "--days", "--warmup-days", "--out", "--json")),
        ("compare", ("--replications", "--out", "paired")),
        ("validate", ("field",)),
    ):
        result = cli(command, "--help")
        assert result.exit_code == 0
        for option in options:
            assert option in result.output


def test_validate_good_and_bad() -> None:
    ok = cli("validate", REF, str(ROOT / "scenarios" / "default.yaml"))
    assert ok.exit_code == 0 and ok.output.count("ok ") == 2
    mixed = cli("validate", REF, str(BAD / "unknown_nested_key.yaml"))
    assert mixed.exit_code == 2
    assert "ok  " in mixed.stdout
    assert "unknown_nested_key.yaml" in mixed.stderr and "acute_ward.bedz" in mixed.stderr
    assert "Traceback" not in mixed.output


@pytest.mark.parametrize("name", ["beds_negative", "alias_bomb", "cycle_a", "empty"])
def test_run_refuses_bad_files_with_exit_2(name: str) -> None:
    result = cli("run", str(BAD / f"{name}.yaml"), *SHORT)
    assert result.exit_code == 2
    assert f"{name}.yaml" in result.stderr
    assert "Traceback" not in result.output


def test_missing_file_and_bad_options() -> None:
    missing = cli("run", "no/such/file.yaml")
    assert missing.exit_code == 2 and "file.yaml" in missing.stderr
    assert cli("run", REF, "--replications", "0").exit_code == 2
    assert cli("run", REF, "--days", "-3").exit_code == 2


def test_schema_is_json_schema() -> None:
    result = cli("schema")
    schema = json.loads(result.stdout)
    assert {"segments", "ed", "acute_ward", "onward_services"} <= set(schema["properties"])
    assert "name" in schema["required"]


def test_kpis_lists_and_explains() -> None:
    out = cli("kpis").stdout
    assert "ed_4h_performance" in out and "bed_occupancy" in out and "4 hours" in out


def test_run_json() -> None:
    result = cli("run", REF, *SHORT, "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert {tuple(sorted(r)) for r in rows} == {
        ("ci_high", "ci_low", "kpi", "mean", "n", "scenario")
    }
    kpis = {r["kpi"] for r in rows}
    for name in (
        "ed_attendances",
        "ed_4h_performance",
        "ed_12h_waits",
        "emergency_admissions",
        "bed_occupancy",
        "time_above_95pct_occupancy",
        "delayed_discharge_bed_days",
        "delayed_discharge_bed_days_awaiting_social_care",
        "mean_wait_days_social_care",
    ):
        assert name in kpis
    assert all(r["n"] == 2 for r in rows if r["kpi"] == "ed_attendances")


def test_same_seed_same_output_other_seed_other_output() -> None:
    a = cli("run", REF, *SHORT, "--json").stdout
    b = cli("run", REF, *SHORT, "--json").stdout
    c = cli("run", REF, *SHORT, "--json", "--seed", "777").stdout
    assert a == b

    def attendances(out: str) -> float:
        return next(r["mean"] for r in json.loads(out) if r["kpi"] == "ed_attendances")

    assert attendances(a) != attendances(c)


def test_run_folder(tmp_path: Path) -> None:
    out = tmp_path / "runs" / "ref"
    result = cli("run", REF, *SHORT, "--out", str(out))
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["scenario", "kpi", "mean", "ci_low", "ci_high", "n"]
    reps = pd.read_csv(out / "replications.csv")
    assert list(reps.columns) == ["scenario", "replication", "kpi", "value"]
    meta = json.loads((out / "run.json").read_text())
    assert meta["replications"] == 2 and meta["days"] == 20 and meta["warmup_days"] == 5
    assert meta["seed"] == 2026 and meta["version"] and meta["command"].startswith("pathsim run")
    resolved = load_scenario(out / "scenarios" / "reference_hospital.yaml")
    assert resolved.model_dump() == load_scenario(REF).model_dump()
    for name in ("timeseries.csv", "ed_time_histogram.csv", "conservation.csv"):
        assert (out / name).stat().st_size > 0
    # the mean in summary.csv is the mean of replications.csv
    mean = reps[reps.kpi == "bed_occupancy"]["value"].mean()
    assert summary.set_index("kpi").loc["bed_occupancy", "mean"] == pytest.approx(mean)
    # running again replaces the folder; no temporary folders are left behind
    assert cli("run", REF, *SHORT, "--out", str(out), "--seed", "5").exit_code == 0
    assert json.loads((out / "run.json").read_text())["seed"] == 5
    assert [p.name for p in out.parent.iterdir()] == ["ref"]


def test_run_folder_refuses_a_foreign_folder(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    result = cli("run", REF, *SHORT, "--out", str(target))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_compare(tmp_path: Path) -> None:
    fewer = tmp_path / "fewer_beds.yaml"
    fewer.write_text(yaml.safe_dump({"extends": REF, "name": "fewer", "acute_ward": {"beds": 360}}))
    out = tmp_path / "cmp"
    args = ["--days", "60", "--warmup-days", "10", "-r", "3", "--out", str(out)]
    result = cli("compare", REF, str(fewer), *args)
    assert result.exit_code == 0, result.output
    assert "Paired differences" in result.stdout
    table = pd.read_csv(out / "comparison.csv")
    assert list(table.columns) == [
        "kpi",
        "scenario",
        "mean",
        "ci_low",
        "ci_high",
        "diff",
        "diff_ci_low",
        "diff_ci_high",
    ]
    base_rows = table[table.scenario == "reference_hospital"]
    assert base_rows["diff"].isna().all()
    occ = table[(table.scenario == "fewer_beds") & (table.kpi == "bed_occupancy")].iloc[0]
    assert occ["diff"] > 0 and occ["diff_ci_low"] > 0
    meta = json.loads((out / "run.json").read_text())
    assert [s["label"] for s in meta["scenarios"]] == ["reference_hospital", "fewer_beds"]
    assert (out / "scenarios" / "fewer_beds.yaml").exists()


def test_compare_with_itself_differs_by_exactly_zero() -> None:
    result = cli("compare", REF, REF, *SHORT, "--json")
    rows = json.loads(result.stdout)
    diffs = [r["diff"] for r in rows if r["scenario"] == "reference_hospital_2"]
    assert diffs and all(d == 0 for d in diffs if d is not None)
