"""The HTML report of run folders of every kind: self-contained, the numbers of the CSV
files (rounded by the one rule, exact in tooltips), images that decode, the calibration
check, assumptions and sources, STRESS-DES; and the report command's exit codes."""

from __future__ import annotations

import base64
import io
import json
import math
import re
import shutil
from html import unescape
from pathlib import Path

import matplotlib.image
import pandas as pd
import pytest
from click.testing import CliRunner

import show_runs
from pathsim.cli.common import fmt
from pathsim.cli.report import report
from pathsim.numbers import format_number
from pathsim.show.calibration import TARGETS, calibration_table
from pathsim.show.report import write_report
from pathsim.show.runfolder import RunFolderError, SavedRun

IMAGE = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return show_runs.write(show_runs.comparison(), tmp_path_factory.mktemp("report") / "cmp")


@pytest.fixture(scope="module")
def compare_html(compare_dir: Path) -> str:
    path = write_report(compare_dir)
    assert path == compare_dir / "report.html"
    return path.read_text(encoding="utf-8")


def rows_of(html: str, kpi: str) -> list[str]:
    """The table rows of ``html`` whose first cell names ``kpi``."""
    return [r for r in re.findall(r"<tr>(.*?)</tr>", html) if f"<code>{kpi}</code></td>" in r]


def cell_texts(row: str) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]


@pytest.mark.slow
def test_report_holds_every_number_of_comparison_csv(compare_dir: Path, compare_html: str) -> None:
    table = pd.read_csv(compare_dir / "comparison.csv")
    raw = pd.read_csv(compare_dir / "comparison.csv", dtype=str, keep_default_na=False)
    assert len(table) > 50
    results = compare_html[compare_html.index('id="results"') : compare_html.index('id="plots"')]
    for r, text in zip(table.itertuples(), raw.itertuples(), strict=True):
        rows = rows_of(results, r.kpi)
        assert rows, f"{r.kpi} has a row"
        full = rows[-1]  # the 'All KPIs' table comes last
        cells = cell_texts(full)
        shown = f"{format_number(r.mean)} [{format_number(r.ci_low)}, {format_number(r.ci_high)}]"
        assert shown in cells, (r.kpi, r.scenario, shown, cells)
        # The tooltip holds the value exactly as the CSV file writes it.
        if text.mean:
            assert f'title="{text.mean} [' in full
        if r.scenario != "fragmented":
            d = format_number(r.diff)
            d += f" [{format_number(r.diff_ci_low)}, {format_number(r.diff_ci_high)}]"
            assert d in cells, (r.kpi, d, cells)


def test_rounding_rule_is_the_command_line_rule() -> None:
    values = [0.0, 0.000123, 0.5, 0.9995, 1.0, 5.555, 99.994, 100.0, 123.45, 999.94, 1000.0]
    values += [-v for v in values] + [1234567.891, math.nan, float(10**9)]
    for v in values:
        assert format_number(v) == fmt(v), v
    assert format_number(42) == "42" and format_number(12345) == "12,345"


@pytest.mark.slow
def test_report_is_self_contained_and_prints(compare_html: str) -> None:
    assert compare_html.startswith("<!DOCTYPE html>")
    assert "<script" not in compare_html and "<link" not in compare_html
    assert not re.search(r'src="(?!data:)', compare_html), "every image is embedded"
    assert "@import" not in compare_html and "url(" not in compare_html
    assert "@media print" in compare_html


@pytest.mark.slow
def test_images_decode(compare_html: str) -> None:
    images = IMAGE.findall(compare_html)
    # 8 plots of a comparison and 2 pathway diagrams.
    assert len(images) == 10
    for data in images:
        png = base64.b64decode(data)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        h, w = matplotlib.image.imread(io.BytesIO(png), format="png").shape[:2]
        assert h > 100 and w > 100


@pytest.mark.slow
def test_scenario_summary_and_run_settings(compare_dir: Path, compare_html: str) -> None:
    meta = json.loads((compare_dir / "run.json").read_text())
    text = unescape(re.sub(r"<[^>]+>", " ", compare_html))
    for needle in (
        "Typical 400k local system, fragmented (today)",
        "Typical 400k local system, integrated",
        "400,000 in 3 segments",
        "53 cubicles, 30 escalation spaces",
        "Long-term home care",
        "1,850 (+ up to 550 spot)",
        "158 + 30 with the team (+ up to 40 spot)",
        "virtual_wards",
        str(meta["seed"]),
        meta["version"],
        meta["seed_rule"],
    ):
        assert needle in text, needle


@pytest.mark.slow
def test_calibration_check_from_the_runs_own_replications(
    compare_dir: Path, compare_html: str
) -> None:
    reps = pd.read_csv(compare_dir / "replications.csv")
    check = calibration_table(reps, "fragmented", days=12)
    assert set(check["kpi"]) == {t.name for t in TARGETS}
    attendances = check.set_index("kpi").loc["ed_attendances"]
    frag = reps[(reps["scenario"] == "fragmented") & (reps["kpi"] == "ed_attendances")]
    assert attendances["mean"] == pytest.approx(frag["value"].mean() * 365 / 12)
    section = compare_html[compare_html.index('id="calibration"') :]
    for r in check.itertuples():
        row = rows_of(section, r.kpi)[0]
        assert f"{format_number(r.mean)} [" in unescape(row)
        assert ("yes" if r.within else "no") in cell_texts(row)


@pytest.mark.slow
def test_assumptions_point_at_marked_lines_and_cited_figures_resolve(compare_html: str) -> None:
    section = compare_html[compare_html.index('id="sources"') : compare_html.index('id="stress"')]
    places = re.findall(r"<td>([\w./-]+\.yaml):(\d+)</td>", section)
    assert len(places) > 20
    for file, line in places:
        path = Path(file) if Path(file).is_absolute() else Path.cwd() / file
        lines = path.read_text(encoding="utf-8").splitlines()
        start = int(line) - 1
        nearby = " ".join(lines[start : start + 12])
        assert "ASSUMPTION" in nearby or "CALIBRATED" in nearby, (file, line)
    assert 'id="ref-4.4"' in section and "Remaining NCTR per 100 G&amp;A beds" in section


@pytest.mark.slow
def test_stress_des_summary(compare_html: str) -> None:
    section = compare_html[compare_html.index('id="stress"') :]
    for heading in (
        "1. Objectives",
        "2. Logic",
        "3. Data",
        "4. Experimentation",
        "5. Implementation",
        "6. Code access",
    ):
        assert heading in section
    assert "Warm-up 4 days, then 12 days of results; 2 replications" in section


@pytest.mark.slow
def test_report_command_on_an_older_incomplete_run_folder(
    compare_dir: Path, tmp_path: Path
) -> None:
    """A folder without "kind" in run.json (inferred from its files), marked incomplete, and
    reduced to a single run: the command writes its report with the summary table."""
    copy = tmp_path / "old"
    shutil.copytree(compare_dir, copy, ignore=shutil.ignore_patterns("tasks", "report.html"))
    meta = json.loads((copy / "run.json").read_text())
    meta.pop("kind")
    meta["status"] = "incomplete"
    (copy / "run.json").write_text(json.dumps(meta))
    assert SavedRun.open(copy).kind == "compare"
    (copy / "comparison.csv").unlink()
    assert SavedRun.open(copy).kind == "run"
    out = tmp_path / "sent" / "old.html"
    result = CliRunner().invoke(report, [str(copy), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000 and oct(out.stat().st_mode)[-3:] == "644"
    html = out.read_text()
    assert "This run is incomplete" in html and "All KPIs (summary.csv)" in html
    summary = pd.read_csv(copy / "summary.csv")
    r = summary[summary["kpi"] == "bed_occupancy"].iloc[0]
    results = html[html.index('id="results"') : html.index('id="plots"')]
    row = cell_texts(rows_of(results, "bed_occupancy")[-1])
    assert (
        f"{format_number(r['mean'])} [{format_number(r.ci_low)}, {format_number(r.ci_high)}]" in row
    )
    assert str(r.n) in row


@pytest.mark.parametrize("kind", ["empty", "missing", "bad_json", "file"])
def test_report_command_refuses_what_is_not_a_run_folder(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "x"
    if kind == "empty":
        target.mkdir()
    elif kind == "bad_json":
        target.mkdir()
        (target / "run.json").write_text("{not json")
    elif kind == "file":
        target.write_text("hello")
    result = CliRunner().invoke(report, [str(target)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: ") and str(target) in result.output
    assert "Traceback" not in result.output
    with pytest.raises(RunFolderError):
        write_report(target)


@pytest.mark.slow
def test_the_python_examples_of_docs_reporting_run(
    compare_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = Path(__file__).resolve().parents[1]
    blocks = re.findall(r"```python\n(.*?)```", (root / "docs" / "reporting.md").read_text(), re.S)
    assert len(blocks) == 4
    (tmp_path / "scenarios").symlink_to(root / "scenarios")
    shutil.copytree(compare_dir, tmp_path / "runs" / "comparison")
    monkeypatch.chdir(tmp_path)
    for code in blocks:
        # Shorter runs: the examples' logic is tested, not their run time.
        code = code.replace("replications=5", "replications=2, days=12, warmup_days=4")
        exec(compile(code, "docs/reporting.md", "exec"), {})
    assert (tmp_path / "report.html").stat().st_size > 10_000
    for name in ("kpis.png", "who_pays.png", "beds.svg", "pathway.svg"):
        assert (tmp_path / name).stat().st_size > 1_000, name


@pytest.mark.slow
def test_plot_command_saves_the_report_figures(compare_dir: Path, tmp_path: Path) -> None:
    from PIL import Image

    from pathsim.cli import main
    from pathsim.show.figures import figures_for
    from pathsim.show.runfolder import SavedRun

    out = tmp_path / "figs"
    result = CliRunner().invoke(main, ["plot", str(compare_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    expected = {f"{p.name}.png" for p in figures_for(SavedRun.open(compare_dir))}
    assert {"kpis.png", "who_pays.png", "ed_time.png"} <= expected
    assert {p.name for p in out.iterdir()} == expected  # no temporary files left
    for path in out.iterdir():
        with Image.open(path) as im:
            assert im.format == "PNG" and im.size[0] > 300 and im.size[1] > 200
    bad = CliRunner().invoke(main, ["plot", str(tmp_path)])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
