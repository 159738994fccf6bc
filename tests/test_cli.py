"""The command line, as a planner drives it: validate, run, compare, schema, kpis; run
folders; exit codes (0 ok, 2 bad input with a message naming file and field, never a
traceback)."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner, Result

import pathsim
import pathsim.cli.execute
from pathsim.cli import main
from pathsim.cli.common import headline_kpis
from pathsim.cli.options import RunOptions, run_options
from pathsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
REF = str(ROOT / "experiments" / "benchmarks" / "reference_hospital.yaml")
DEFAULT = str(ROOT / "scenarios" / "fragmented.yaml")
BAD = Path(__file__).parent / "bad_scenarios"
SHORT = ["--days", "20", "--warmup-days", "5", "-r", "2"]
SUMMARY_COLUMNS = ["scenario", "kpi", "mean", "ci_low", "ci_high", "n"]
HEADLINE = (
    "ed_attendances",
    "ed_4h_performance",
    "ed_12h_waits",
    "emergency_admissions",
    "bed_occupancy",
    "time_above_95pct_occupancy",
    "delayed_discharge_bed_days",
    "mean_wait_days_social_care",
)


def cli(*args: str) -> Result:
    # click >= 8.2 keeps stderr apart from stdout (result.stdout / result.stderr)
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def run_module(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pathsim", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=cwd,
    )


def _json_rows(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and rows
    return rows


# -- help ------------------------------------------------------------------------------------
def test_group_help_lists_the_commands() -> None:
    top = cli("--help")
    assert top.exit_code == 0
    for word in ("validate", "run", "compare", "schema", "kpis", "extends"):
        assert word in top.stdout


@pytest.mark.parametrize(
    ("command", "options"),
    [
        (
            "run",
            ("--replications", "-r", "--seed", "--days", "--warmup-days", "--out", "--json"),
        ),
        ("compare", ("--replications", "--seed", "--days", "--out", "--json", "same seeds")),
        ("validate", ("FILES", "field")),
    ],
)
def test_command_help(command: str, options: tuple[str, ...]) -> None:
    result = cli(command, "--help")
    assert result.exit_code == 0
    for option in options:
        assert option in result.stdout


# -- validate ---------------------------------------------------------------------------------
def test_validate_valid_files() -> None:
    result = cli("validate", REF, DEFAULT)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"ok  {REF}: 'Reference hospital")
    assert lines[1].startswith(f"ok  {DEFAULT}: ")
    assert "400 beds" in lines[0]
    assert result.stderr == ""


def test_validate_recognises_a_targets_file() -> None:
    targets = str(ROOT / "scenarios" / "targets" / "national.yaml")
    result = cli("validate", DEFAULT, targets)
    assert result.exit_code == 0, result.stderr
    line = result.stdout.splitlines()[1]
    assert line.startswith(f"ok  {targets}: targets file '") and "21 targets" in line


def test_validate_counts_the_ranges(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(Path(REF).read_text())
    f = tmp_path / "ranges.yaml"
    f.write_text(
        "extends: base.yaml\n"
        "uncertainty:\n"
        "  acute_ward.beds: {low: 360, high: 440, reason: a test}\n"
        "  ed.cubicles: {shape: uniform, low: 25, high: 40, reason: a test}\n"
    )
    result = cli("validate", str(f))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.rstrip().endswith(", ranges on 2 numbers")


@pytest.mark.parametrize(
    ("name", "field", "word"),
    [
        ("beds_negative", "acute_ward.beds", "greater than or equal to 1"),
        ("unknown_nested_key", "acute_ward.bedz", "Did you mean 'beds'?"),
        ("pathway_without_service", "segments.adults.discharge_pathway_share.P2", "no entry"),
        ("rate_nan", "segments.adults.ed_attendances_per_1000_per_year", "finite"),
        ("extends_missing", "extends", "does not exist"),
    ],
)
def test_validate_bad_file(name: str, field: str, word: str) -> None:
    result = cli("validate", str(BAD / f"{name}.yaml"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ")
    assert f"{name}.yaml: field '{field}'" in result.stderr
    assert word in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["empty", "not_yaml_indent", "alias_bomb", "top_level_list"])
def test_validate_file_level_problems(name: str) -> None:
    result = cli("validate", str(BAD / f"{name}.yaml"))
    assert result.exit_code == 2
    assert f"{name}.yaml: " in result.stderr and "Traceback" not in result.stderr


def test_validate_several_files_one_bad() -> None:
    bad = str(BAD / "cubicles_zero.yaml")
    result = cli("validate", REF, bad, DEFAULT)
    assert result.exit_code == 2
    assert result.stdout.count("ok  ") == 2
    assert f"ok  {REF}" in result.stdout and f"ok  {DEFAULT}" in result.stdout
    assert "cubicles_zero" not in result.stdout
    assert "cubicles_zero.yaml: field 'ed.cubicles'" in result.stderr
    assert result.stderr.count("Error: ") == 1


def test_validate_needs_a_file() -> None:
    result = cli("validate")
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


# -- real processes: exit codes, no traceback -----------------------------------------------
def test_subprocess_bad_file_exit_2_no_traceback() -> None:
    done = run_module("validate", str(BAD / "probability_above_one.yaml"))
    assert done.returncode == 2
    assert "probability_above_one.yaml" in done.stderr
    assert "segments.adults.admission_probability" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.slow
def test_subprocess_run_missing_file(tmp_path: Path) -> None:
    done = run_module("run", "no_such_scenario.yaml", *SHORT, cwd=tmp_path)
    assert done.returncode == 2
    assert "no_such_scenario.yaml: file not found" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.slow
def test_subprocess_valid_file_exit_0() -> None:
    done = run_module("validate", REF)
    assert done.returncode == 0 and done.stdout.startswith("ok  ")


@pytest.mark.slow
def test_subprocess_recursive_alias_is_bad_input() -> None:
    # an alias that contains itself once crashed the loader (exit 1); it is bad input
    done = run_module("validate", str(BAD / "recursive_alias.yaml"))
    assert "Traceback" not in done.stderr
    assert "recursive_alias.yaml: is refused" in done.stderr
    assert done.returncode == 2


# -- schema and kpis ------------------------------------------------------------------------
def test_schema_is_json_schema() -> None:
    result = cli("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    props = schema["properties"]
    assert {"segments", "acute_ward", "ed", "onward_services", "run"} <= set(props)
    assert {"name", "segments", "ed", "acute_ward"} <= set(schema["required"])
    assert "AcuteWard" in schema["$defs"]
    assert "beds" in schema["$defs"]["AcuteWard"]["properties"]


def test_kpis_lists_and_explains() -> None:
    result = cli("kpis")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert "ed_4h_performance" in names and "bed_occupancy" in names
    line = next(x for x in result.stdout.splitlines() if x.startswith("ed_4h_performance"))
    assert "4 hours" in line


# -- run ---------------------------------------------------------------------------------------
def test_run_json() -> None:
    rows = _json_rows(cli("run", REF, *SHORT, "--json"))
    assert all(set(r) == set(SUMMARY_COLUMNS) for r in rows)
    assert {r["scenario"] for r in rows} == {"reference_hospital"}
    kpis = [r["kpi"] for r in rows]
    assert len(kpis) == len(set(kpis))
    for name in HEADLINE:
        assert name in kpis
    by = {r["kpi"]: r for r in rows}
    assert by["ed_attendances"]["n"] == 2
    # ~300 attendances a day for 20 days
    assert 5_000 < by["ed_attendances"]["mean"] < 7_000
    assert 0 <= by["ed_4h_performance"]["mean"] <= 1
    assert 0 < by["bed_occupancy"]["mean"] <= 1
    for r in rows:
        if r["mean"] is not None and r["ci_low"] is not None:
            assert r["ci_low"] <= r["mean"] <= r["ci_high"]


def test_run_table_output() -> None:
    result = cli("run", REF, *SHORT)
    assert result.exit_code == 0
    assert "Results over 20 days after warm-up" in result.stdout
    assert "ed_4h_performance" in result.stdout and "bed_occupancy" in result.stdout


def test_run_prints_the_calibration_check_when_asked() -> None:
    result = cli("run", DEFAULT, *SHORT, "--calibration")
    assert result.exit_code == 0
    out = result.stdout
    assert "Calibration check against published English figures" in out
    lines = {line.split()[0]: line for line in out.splitlines() if " target " in line}
    # one line per target the run has, each with the replications' spread and the verdict
    for name in ("ga_bed_occupancy", "share_discharges_delayed", "delay_share_capacity"):
        assert " reps " in lines[name] and "of reps within" in lines[name], name
    assert "Gridlocked replications: 0 of 2." in out
    assert "Calibration check" not in cli("run", DEFAULT, *SHORT).stdout


@pytest.mark.slow
def test_same_seed_same_output_other_seed_other_output() -> None:
    a = cli("run", REF, *SHORT, "--json")
    b = cli("run", REF, *SHORT, "--json")
    c = cli("run", REF, *SHORT, "--json", "--seed", "777")
    assert a.stdout == b.stdout

    def attendances(result: Result) -> float:
        return float(next(r["mean"] for r in _json_rows(result) if r["kpi"] == "ed_attendances"))

    assert attendances(a) != attendances(c)


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("beds_negative", "acute_ward.beds"),
        ("unknown_organisation", "ed.organisation"),
        ("alias_bomb", None),
        ("cycle_a", "extends"),
        ("empty", None),
    ],
)
def test_run_refuses_bad_files_with_exit_2(name: str, field: str | None) -> None:
    result = cli("run", str(BAD / f"{name}.yaml"), *SHORT)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{name}.yaml: " in result.stderr
    if field:
        assert f"field '{field}'" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_missing_file() -> None:
    result = cli("run", "no/such/scenario_file.yaml")
    assert result.exit_code == 2
    assert "scenario_file.yaml: file not found" in result.stderr


@pytest.mark.parametrize(
    ("option", "value"),
    [("--replications", "0"), ("-r", "-1"), ("--days", "0"), ("--warmup-days", "-3")],
)
def test_bad_options_are_usage_errors(option: str, value: str) -> None:
    result = cli("run", REF, option, value)
    assert result.exit_code == 2
    assert "Invalid value" in result.stderr
    assert result.stdout == ""


# -- run folders -------------------------------------------------------------------------------
def test_run_folder(tmp_path: Path) -> None:
    out = tmp_path / "runs" / "ref"
    result = cli("run", REF, *SHORT, "--out", str(out))
    assert result.exit_code == 0, result.stderr
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert set(HEADLINE) <= set(summary["kpi"])
    reps = pd.read_csv(out / "replications.csv")
    assert list(reps.columns) == ["scenario", "replication", "kpi", "value"]
    assert sorted(reps["replication"].unique()) == [0, 1]
    meta = json.loads((out / "run.json").read_text())
    assert (meta["replications"], meta["days"], meta["warmup_days"]) == (2, 20, 5)
    assert meta["seed"] == 2026  # the scenario's run.seed
    assert isinstance(meta["version"], str) and meta["version"]
    # the resolved scenario validates and is the same scenario
    resolved_path = out / "scenarios" / "reference_hospital.yaml"
    resolved = load_scenario(resolved_path)
    assert resolved.model_dump() == load_scenario(REF).model_dump()
    # the mean in summary.csv is the mean over replications.csv
    mean = reps[reps.kpi == "bed_occupancy"]["value"].mean()
    assert float(summary.set_index("kpi")["mean"]["bed_occupancy"]) == pytest.approx(mean)
    # no temporary folders beside the run folder
    assert [p.name for p in out.parent.iterdir()] == ["ref"]


@pytest.mark.slow
def test_run_folder_is_replaced_on_rerun(tmp_path: Path) -> None:
    out = tmp_path / "ref"
    first = cli("compare", REF, REF, *SHORT, "--out", str(out))
    assert first.exit_code == 0, first.stderr
    assert (out / "comparison.csv").exists()
    assert (out / "scenarios" / "reference_hospital_2.yaml").exists()
    again = cli("run", REF, *SHORT, "--out", str(out), "--seed", "5")
    assert again.exit_code == 0, again.stderr
    assert json.loads((out / "run.json").read_text())["seed"] == 5
    # replaced, not merged: files of the first run are gone
    assert not (out / "comparison.csv").exists()
    assert sorted(p.name for p in (out / "scenarios").iterdir()) == ["reference_hospital.yaml"]
    assert [p.name for p in tmp_path.iterdir()] == ["ref"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_run_folder_refuses_a_foreign_folder(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    result = cli("run", REF, *SHORT, "--out", str(target))
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert "mine" in result.stderr and "run.json" in result.stderr
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert (target / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_foreign_out_folder_is_refused_before_simulating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []

    def no_simulation(*args: object, **kwargs: object) -> None:
        calls.append(args)
        raise RuntimeError("simulated although --out was unusable")

    monkeypatch.setattr(pathsim.cli.execute, "run_plan", no_simulation)
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(main, ["run", REF, *SHORT, "--out", str(target)])
    assert calls == []
    assert result.exit_code == 2


def test_out_into_an_existing_empty_folder(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    result = cli("run", REF, *SHORT, "--out", str(target))
    assert result.exit_code == 0, result.stderr
    assert (target / "summary.csv").exists() and (target / "run.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]


@pytest.mark.slow
def test_out_dot_in_an_empty_working_folder(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    done = run_module("run", REF, "--days", "5", "-w", "1", "-r", "1", "--out", ".", cwd=work)
    assert "failed unexpectedly" not in done.stderr
    assert "Traceback" not in done.stderr
    assert done.returncode in (0, 2), done.stderr
    if done.returncode == 0:
        assert (work / "summary.csv").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_out_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "results.txt"
    target.write_text("x")
    result = cli("run", REF, *SHORT, "--out", str(target))
    assert result.exit_code == 2
    assert "results.txt" in result.stderr
    assert target.read_text() == "x"


# -- compare -----------------------------------------------------------------------------------
COMPARISON_COLUMNS = [
    "kpi",
    "scenario",
    "mean",
    "ci_low",
    "ci_high",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
]


@pytest.mark.slow
def test_compare_fewer_beds(tmp_path: Path) -> None:
    # The overlay and its base live in one folder (extends stays inside a scenario's folder).
    base = tmp_path / "reference_hospital.yaml"
    base.write_text(Path(REF).read_text())
    fewer = tmp_path / "fewer_beds.yaml"
    fewer.write_text(yaml.safe_dump({"extends": base.name, "acute_ward": {"beds": 360}}))
    out = tmp_path / "cmp"
    args = ["--days", "60", "--warmup-days", "10", "-r", "3", "--out", str(out)]
    result = cli("compare", REF, str(fewer), *args)
    assert result.exit_code == 0, result.stderr
    assert "Paired differences from 'reference_hospital'" in result.stdout
    table = pd.read_csv(out / "comparison.csv")
    assert list(table.columns) == COMPARISON_COLUMNS
    assert set(table["scenario"]) == {"reference_hospital", "fewer_beds"}
    base_rows = table[table.scenario == "reference_hospital"]
    assert len(base_rows) > 0 and base_rows["diff"].isna().all()
    assert base_rows["diff_ci_low"].isna().all() and base_rows["diff_ci_high"].isna().all()
    other = table[table.scenario == "fewer_beds"].set_index("kpi")

    def cell(frame: pd.DataFrame, kpi: str, column: str) -> float:
        return float(frame[column][kpi])

    assert cell(other, "bed_occupancy", "diff") > 0  # fewer beds: fuller wards
    assert cell(other, "bed_occupancy", "diff_ci_low") > 0
    base_occ = cell(base_rows.set_index("kpi"), "bed_occupancy", "mean")
    assert cell(other, "bed_occupancy", "mean") - base_occ == pytest.approx(
        cell(other, "bed_occupancy", "diff")
    )
    # the same patients arrive in both: attendances are identical
    assert cell(other, "ed_attendances", "diff") == 0
    meta = json.loads((out / "run.json").read_text())
    assert [s["label"] for s in meta["scenarios"]] == ["reference_hospital", "fewer_beds"]
    resolved = load_scenario(out / "scenarios" / "fewer_beds.yaml")
    assert resolved.model_dump() == load_scenario(fewer).model_dump()
    assert resolved.acute_ward.beds == 360
    # nothing but the run folder was added beside the inputs (no temporary files left)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cmp",
        "fewer_beds.yaml",
        "reference_hospital.yaml",
    ]


def test_compare_with_itself_differs_by_exactly_zero() -> None:
    rows = _json_rows(cli("compare", REF, REF, *SHORT, "--json"))
    assert all(set(r) == set(COMPARISON_COLUMNS) for r in rows)
    base = {r["kpi"]: r for r in rows if r["scenario"] == "reference_hospital"}
    same = {r["kpi"]: r for r in rows if r["scenario"] == "reference_hospital_2"}
    assert set(base) == set(same) and set(HEADLINE) <= set(same)
    measured = 0
    for kpi, row in same.items():
        assert row["mean"] == base[kpi]["mean"], kpi
        assert base[kpi]["diff"] is None
        if base[kpi]["mean"] is None:  # nothing to measure in 20 days (e.g. 90-day windows)
            assert row["diff"] is None, kpi
            continue
        assert row["diff"] == 0.0, kpi
        measured += 1
    # gridlock onsets are undefined (NaN) in a replication that never gridlocks
    onsets = sum(1 for kpi in same if kpi.startswith("gridlock_onset_day"))
    assert measured >= len(same) - 3 - onsets


def test_compare_bad_other_file_exit_2() -> None:
    result = cli("compare", REF, str(BAD / "sd_zero.yaml"), *SHORT)
    assert result.exit_code == 2
    assert "sd_zero.yaml: field 'segments.adults.length_of_stay_days.sd'" in result.stderr
    assert result.stdout == ""


def test_compare_needs_two_scenarios() -> None:
    result = cli("compare", REF)
    assert result.exit_code == 2
    assert "at least one other scenario" in result.stderr


# -- the run options, declared once ---------------------------------------------------------
RUN_FLAGS = (
    "--replications",
    "--seed",
    "--days",
    "--warmup-days",
    "--out",
    "--resume",
    "--report",
    "--json",
    "--event-log",
    "--workers",
    "--dask",
)


def test_run_options_arrive_as_one_frozen_object() -> None:
    seen: list[RunOptions] = []

    @click.command()
    @run_options
    def probe(options: RunOptions) -> None:
        seen.append(options)

    given = ["-r", "3", "-w", "0", "--json", "--no-event-log", "-j", "2", "--out", "x"]
    assert CliRunner().invoke(probe, given).exit_code == 0
    assert seen == [
        RunOptions(
            replications=3,
            seed=None,
            days=None,
            warmup_days=0,
            out=Path("x"),
            resume=None,
            report=False,
            as_json=True,
            event_log=False,
            workers=2,
            dask_address=None,
        )
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        seen[0].seed = 1  # type: ignore[misc]
    assert len(dataclasses.fields(RunOptions)) == len(RUN_FLAGS)


@pytest.mark.parametrize("command", ["run", "compare", "sweep", "sensitivity"])
def test_every_run_option_is_in_the_help_of_every_running_command(command: str) -> None:
    result = cli(command, "--help")
    assert result.exit_code == 0
    for flag in RUN_FLAGS:
        assert flag in result.stdout, flag
    for words in ("Base seed", "run.warmup_days", "Dask scheduler", "report.html", "JSON list"):
        assert words in result.stdout, words


# -- headline KPIs name the scenario's own services -------------------------------------------
def test_headline_kpis_of_the_shipped_scenarios_are_the_readme_table() -> None:
    scenarios = [load_scenario(DEFAULT), load_scenario(ROOT / "scenarios" / "integrated.yaml")]
    kpis = headline_kpis(scenarios)
    at = kpis.index("nctr_per_100_beds") + 1
    assert kpis[at : at + 2] == (
        "mean_referral_to_start_days_home_care",
        "mean_referral_to_start_days_care_homes",
    )
    assert len(kpis) == 23 and len(set(kpis)) == 23


def test_the_terminal_table_names_another_scenarios_services(tmp_path: Path) -> None:
    text = (ROOT / "scenarios" / "fragmented.yaml").read_text()
    text = re.sub(r"\bhome_care\b", "domiciliary", text).replace(
        "kind: domiciliary", "kind: home_care"
    )
    text = re.sub(r"\bcare_homes\b", "nursing_homes", text)
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(text)
    sc = load_scenario(renamed)
    assert sc.onward_services["domiciliary"].kind == "home_care"
    kpis = headline_kpis([sc])
    assert "mean_referral_to_start_days_domiciliary" in kpis
    assert "mean_referral_to_start_days_nursing_homes" in kpis
    assert not any(k.endswith(("_home_care", "_care_homes")) for k in kpis)
    result = cli("run", str(renamed), *SHORT)
    assert result.exit_code == 0, result.stderr
    assert "mean_referral_to_start_days_domiciliary" in result.stdout
    assert "mean_referral_to_start_days_nursing_homes" in result.stdout


def test_the_stored_command_line_can_be_typed_again() -> None:
    """Repeated options appear once per value and a --no- flag is kept, so the command in
    run.json repeats the run (it used to write Python tuples for repeated options)."""
    import shlex

    import click

    from pathsim.cli.options import command_line

    seen: list[str] = []

    @click.command()
    @click.argument("target")
    @click.option("--vary", "-v", multiple=True)
    @click.option("--event-log/--no-event-log", default=None)
    @click.option("--report", is_flag=True)
    def cmd(target: str, vary: tuple[str, ...], event_log: bool | None, report: bool) -> None:
        seen.append(command_line(click.get_current_context()))

    args = ["s.yaml", "-v", "acute_ward.beds=560:640:80", "-v", "ed.cubicles=40,50"]
    CliRunner().invoke(cmd, [*args, "--no-event-log"], catch_exceptions=False)
    words = shlex.split(seen[0])
    assert words[1:] == [
        "s.yaml",
        "--vary",
        "acute_ward.beds=560:640:80",
        "--vary",
        "ed.cubicles=40,50",
        "--no-event-log",
    ]


def test_compare_says_its_intervals_are_chance_only_when_the_base_has_ranges() -> None:
    with_ranges = cli("compare", DEFAULT, DEFAULT, *SHORT)
    assert with_ranges.exit_code == 0
    assert "cover chance only" in with_ranges.stdout and "--ensemble DIR" in with_ranges.stdout
    ranges = len(pathsim.load_scenario(DEFAULT).uncertainty)
    assert ranges > 0 and f"{ranges} uncertain numbers" in with_ranges.stdout
    without = cli("compare", REF, REF, *SHORT)  # the reference hospital has no ranges
    assert "cover chance only" not in without.stdout
