"""Sweeps and one-at-a-time sensitivity: values, grids, tables and the commands."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from builders import per_1000_per_year, scenario
from pathsim.cli import main
from pathsim.experiment import RunSpec
from pathsim.experiment.design import (
    DesignError,
    default_sensitivity_parameters,
    parse_values,
    sensitivity,
    sensitivity_plan,
    sweep,
    sweep_plan,
)

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "experiments" / "benchmarks" / "reference_hospital.yaml"
SHORT = ["-r", "2", "-d", "40", "-w", "5", "--workers", "1"]


def small() -> object:
    return scenario(
        **{
            "ed.cubicles": 4,
            "acute_ward.beds": 20,
            "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(40),
            "segments.everyone.admission_probability": 0.1,
        }
    )


@pytest.mark.parametrize(
    ("text", "base", "expected"),
    [
        ("1,2,3", None, [1, 2, 3]),
        ("0.5, 1.5", None, [0.5, 1.5]),
        ("true,false", None, [True, False]),
        ("560:640:40", None, [560, 600, 640]),
        ("0.1:0.3:0.1", None, [0.1, 0.2, 0.3]),  # decimal steps land exactly
        ("*0.8,*1,*1.2", 1000, [800, 1000, 1200]),
        ("*0.9:1.1:0.1", 2330, [2097, 2330, 2563]),  # whole numbers for a whole base
        ("*0.5", 3.0, [1.5]),
        ("1,5:7:1", None, [1, 5, 6, 7]),
    ],
)
def test_values(text: str, base: object, expected: list[object]) -> None:
    assert parse_values(text, base) == expected


@pytest.mark.parametrize(
    ("text", "base", "message"),
    [
        ("", None, "no values"),
        ("5:1:1", None, "from <= to"),
        ("1:5:0", None, "positive step"),
        ("a:b:c", None, "from:to:step"),
        ("*2", "fifo", "numeric base"),
        ("0:1e9:1", None, "at most"),
        (".nan", None, "finite"),
    ],
)
def test_bad_values_say_why(text: str, base: object, message: str) -> None:
    with pytest.raises(DesignError, match=message):
        parse_values(text, base, where="--vary x")


def test_grid_crosses_fields_and_zip_pairs_them() -> None:
    base = small()
    spec = RunSpec(replications=1, seed=1, days=5, warmup_days=0)
    vary = {"acute_ward.beds": [20, 30], "ed.cubicles": [4, 5]}
    grid = sweep_plan(base, vary, spec)  # type: ignore[arg-type]
    assert [dict(v.overrides) for v in grid.variants] == [
        {"acute_ward.beds": 20, "ed.cubicles": 4},
        {"acute_ward.beds": 20, "ed.cubicles": 5},
        {"acute_ward.beds": 30, "ed.cubicles": 4},
        {"acute_ward.beds": 30, "ed.cubicles": 5},
    ]
    assert [v.scenario.acute_ward.beds for v in grid.variants] == [20, 20, 30, 30]
    assert base.acute_ward.beds == 20  # type: ignore[attr-defined]  # base untouched
    zipped = sweep_plan(base, vary, spec, mode="zip")  # type: ignore[arg-type]
    assert [(v.scenario.acute_ward.beds, v.scenario.ed.cubicles) for v in zipped.variants] == [
        (20, 4),
        (30, 5),
    ]
    with pytest.raises(DesignError, match="same number"):
        sweep_plan(base, {"acute_ward.beds": [1, 2], "ed.cubicles": [3]}, spec, mode="zip")  # type: ignore[arg-type]


def test_a_field_that_does_not_exist_or_a_bad_value_names_it() -> None:
    spec = RunSpec(replications=1, seed=1, days=5, warmup_days=0)
    with pytest.raises(DesignError, match=r"acute_ward\.bed'"):
        sweep_plan(small(), {"acute_ward.bed": [1]}, spec)  # type: ignore[arg-type]
    with pytest.raises(DesignError, match=r"acute_ward\.beds"):
        sweep_plan(small(), {"acute_ward.beds": [-5]}, spec)  # type: ignore[arg-type]


def test_sweep_table_pairs_points_with_point_zero() -> None:
    spec = RunSpec(replications=3, seed=4, days=40, warmup_days=5)
    study = sweep(small(), {"acute_ward.beds": [6, 8, 40]}, spec)  # type: ignore[arg-type]
    table = study.sweep_table()
    assert list(table.columns[:2]) == ["point", "acute_ward.beds"]
    occ = table[table["kpi"] == "ed_4h_performance"].set_index("point")
    # the same patients at every point: attendances identical, differences exactly zero
    att = table[table["kpi"] == "ed_attendances"]
    assert att["mean"].nunique() == 1 and (att["diff"].dropna() == 0).all()
    # diff is mean minus point 0's mean (paired means difference equals difference of means)
    assert occ.loc[2, "diff"] == pytest.approx(occ.loc[2, "mean"] - occ.loc[0, "mean"])
    assert pd.isna(occ.loc[0, "diff"])
    # more beds: fewer boarders, so A&E within 4 hours does not get worse
    assert occ.loc[2, "mean"] >= occ.loc[0, "mean"]


def test_sensitivity_table_and_defaults() -> None:
    base = small()
    params = default_sensitivity_parameters(base)  # type: ignore[arg-type]
    assert params == {"ed.cubicles": (4, 4), "acute_ward.beds": (18, 22)}  # 4 * 0.9 -> 4
    spec = RunSpec(replications=2, seed=4, days=30, warmup_days=5)
    study = sensitivity(base, {"acute_ward.beds": (10, 30)}, spec)  # type: ignore[arg-type]
    table = study.sensitivity_table()
    assert set(table["setting"]) == {"low", "high"}
    row = table[(table["kpi"] == "bed_occupancy") & (table["setting"] == "low")].iloc[0]
    assert row["value"] == 10 and row["parameter"] == "acute_ward.beds"
    assert row["diff"] == pytest.approx(row["mean"] - row["base_mean"])
    assert row["diff"] > 0  # fewer beds, fuller beds
    with pytest.raises(DesignError, match="no parameters"):
        sensitivity_plan(base, {}, spec)  # type: ignore[arg-type]


def test_sweep_command_writes_sweep_csv(tmp_path: Path) -> None:
    out = tmp_path / "sw"
    result = CliRunner().invoke(
        main, ["sweep", str(REF), "-v", "acute_ward.beds=*0.9,*1.1", *SHORT, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "sweep.csv")
    assert sorted(table["acute_ward.beds"].unique()) == [360, 440]
    meta = json.loads((out / "run.json").read_text())
    assert meta["kind"] == "sweep" and meta["design"]["fields"] == ["acute_ward.beds"]
    assert meta["status"] == "complete"
    assert "acute_ward.beds=360" in result.stdout


def test_sweep_design_file(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(REF.read_text())
    design = tmp_path / "design.yaml"
    design.write_text(
        "scenario: base.yaml\nvary:\n  acute_ward.beds: [390, 410]\n  ed.cubicles: '29:30:1'\n"
        "mode: zip\nrun: {replications: 2, days: 30, warmup_days: 5}\n"
    )
    result = CliRunner().invoke(main, ["sweep", str(design), "--json", "--workers", "1"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {(r["acute_ward.beds"], r["ed.cubicles"]) for r in rows} == {(390, 29), (410, 30)}
    assert {r["n"] for r in rows} == {2}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("scenario: base.yaml\nvary: {acute_ward.beds: [1]}\nextra: 1\n", "extra"),
        ("scenario: base.yaml\n", "exactly one of 'vary'"),
        ("scenario: base.yaml\nvary: {acute_ward.bedz: [1]}\n", "vary.acute_ward.bedz"),
        ("scenario: base.yaml\nvary: {acute_ward.beds: '5:1:1'}\n", "from <= to"),
        ("scenario: nowhere.yaml\nvary: {acute_ward.beds: [1]}\n", "nowhere.yaml"),
        ("scenario: base.yaml\nparameters: {acute_ward.beds: [1, 2, 3]}\n", "two values"),
        ("scenario: base.yaml\nvary: {acute_ward.beds: [1]}\nrun: {replications: 0}\n", "run"),
        ("scenario: /etc/passwd\nvary: {acute_ward.beds: [1]}\n", "outside this design's"),
    ],
)
def test_bad_design_files_exit_2_naming_file_and_field(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "base.yaml").write_text(REF.read_text())
    design = tmp_path / "design.yaml"
    design.write_text(text)
    command = "sensitivity" if "parameters" in text else "sweep"
    result = CliRunner().invoke(main, [command, str(design)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert message in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-v", "acute_ward.beds"], "FIELD=VALUES"),
        (["-v", "acute_ward.bedz=1,2"], "acute_ward.bedz"),
        ([], "nothing to vary"),
        (["-v", "acute_ward.beds=10", "--kpi", "no_such_kpi"], "no_such_kpi"),
    ],
)
def test_bad_sweep_options_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["sweep", str(REF), *args])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output


@pytest.mark.slow
def test_sensitivity_command_ranks_by_swing(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "sensitivity",
            str(REF),
            "-p",
            "acute_ward.beds=300,500",
            "-p",
            "ed.cubicles=29,31",
            "--kpi",
            "bed_occupancy",
            *SHORT,
            "--out",
            str(tmp_path / "s"),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("  ")]
    assert lines[0].split()[0] == "acute_ward.beds"  # the larger swing comes first
    table = pd.read_csv(tmp_path / "s" / "sensitivity.csv")
    assert set(table["parameter"]) == {"acute_ward.beds", "ed.cubicles"}


@pytest.mark.slow
def test_report_flag_writes_the_report_into_the_run_folder(tmp_path: Path) -> None:
    out = tmp_path / "sw"
    args = ["sweep", str(REF), "-v", "acute_ward.beds=390,410", *SHORT, "--report"]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text()
    assert "acute_ward.beds" in html and "<img" in html
    # without a folder to write it into, --report is refused before anything runs
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 2 and "--out" in refused.stderr
