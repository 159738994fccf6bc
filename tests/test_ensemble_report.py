"""Reports of uncertainty work (pathsim.show.ensemble_report): ``pathsim report`` and
``pathsim plot`` on the folder of a comparison across a calibrated ensemble (with the ranking
of a screening), on a calibration folder and on a screening folder; bad folders refused with
exit 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from builders import ranged_hospital
from pathsim.cli import main

SHORT = ["-d", "15", "-w", "3", "-j", "1"]


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A calibration of the ranged reference hospital (4 settings, all kept), a comparison
    with 6 more cubicles across it, and a screening of that difference."""
    tmp = tmp_path_factory.mktemp("ensemble_report")
    sc = ranged_hospital(tmp)
    more = tmp / "more_cubicles.yaml"
    more.write_text(
        "extends: hospital.yaml\nname: more cubicles\ned: {cubicles: 40}\n"
        "uncertainty: {ed.cubicles: null}\n"
    )
    targets = tmp / "targets.yaml"
    targets.write_text(
        "name: loose\ntargets:\n  bed_occupancy: {value: 0.5, low: 0.0, high: 1.5, source: s}\n"
    )
    cal, ens, scr = tmp / "calib", tmp / "cmp", tmp / "screen"
    _invoke(
        "calibrate",
        str(sc),
        "--targets",
        str(targets),
        "--out",
        str(cal),
        "--settings",
        "4",
        "--waves",
        "1",
        "-r",
        "2",
        *SHORT,
    )
    _invoke("compare", str(sc), str(more), "--ensemble", str(cal), "--out", str(ens), *SHORT)
    _invoke(
        "screen",
        str(sc),
        str(more),
        "--kpi",
        "ed_4h_performance",
        "--trajectories",
        "2",
        "--out",
        str(scr),
        *SHORT,
    )
    _invoke(
        "screen",
        str(sc),
        str(more),
        "--kpi",
        "ed_4h_performance",
        "--method",
        "sobol",
        "--samples",
        "4",
        "--out",
        str(scr),
        *SHORT,
    )
    return {"scenario": sc, "calibration": cal, "ensemble": ens, "screening": scr}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_ensemble_report_leads_with_both_intervals_and_shows_the_rest(
    folders: dict[str, Path],
) -> None:
    ens = folders["ensemble"]
    _invoke("report", str(ens), "--screening", str(folders["screening"]))
    html = (ens / "report.html").read_text()
    text = _text(html)
    # the answer first: the headline difference with both intervals and the share, as in the
    # CSV the command wrote
    table = pd.read_csv(ens / "ensemble_comparison.csv")
    row = table[(table["kpi"] == "ed_4h_performance") & (table["scenario"] == "more_cubicles")]
    share = float(row["share_favourable"].iloc[0])
    assert text.index("The answer across what is not known") < text.index("Spread across")
    assert "difference [chance only 95%]" in text and "difference [combined 95%]" in text
    assert f"{share:.0%}" in text
    assert "Few settings" in text  # 4 settings
    # the spread figure, the screening's ranking with its plot, the calibration diagnostics
    assert html.count("<img") >= 2
    assert "ed_4h_performance: more_cubicles - hospital" in text
    assert "segments.everyone.length_of_stay_days.mean" in text
    assert "Calibration of" in text and "settings tried" in text
    assert "<table>" in html.split('id="calibration"')[1].split("</section>")[0]
    # the settings run: each field's lowest and highest
    settings = pd.read_csv(ens / "ensemble_settings.csv")
    assert len(settings) == 4
    los = settings["segments.everyone.length_of_stay_days.mean"]
    section = _text(html.split('id="settings"')[1].split("</section>")[0])
    assert f"segments.everyone.length_of_stay_days.mean {los.min():.2f}" in section


def test_plot_writes_the_spread_of_an_ensemble(folders: dict[str, Path], tmp_path: Path) -> None:
    out = _invoke("plot", str(folders["ensemble"]), "--out", str(tmp_path))
    assert "spread.png" in out
    assert (tmp_path / "spread.png").stat().st_size > 5000


def test_calibration_and_screening_folders_get_reports_of_their_own(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    _invoke("report", str(folders["calibration"]), "--out", str(tmp_path / "c.html"))
    text = _text((tmp_path / "c.html").read_text())
    assert "4 settings tried, 4 kept" in text and "Targets" in text
    _invoke("report", str(folders["screening"]), "--out", str(tmp_path / "s.html"))
    text = _text((tmp_path / "s.html").read_text())
    assert "Which assumptions matter" in text and "mu* [bootstrap 95%]" in text
    assert "Sobol' indices from" in text and "ST [bootstrap 95%]" in text


def test_bad_report_folders_are_refused_with_exit_2(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    def refused(*args: str) -> str:
        result = CliRunner().invoke(main, list(args))
        assert result.exit_code == 2, result.output
        return result.output

    ens = folders["ensemble"]
    assert "not a screening folder" in refused(
        "report", str(ens), "--screening", str(folders["calibration"])
    )
    assert "goes with the folder of a run across an ensemble" in refused(
        "report", str(folders["calibration"]), "--screening", str(folders["screening"])
    )
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    meta = json.loads((ens / "ensemble.json").read_text())
    (unfinished / "ensemble.json").write_text(json.dumps({**meta, "status": "incomplete"}))
    assert "unfinished run across an ensemble" in refused("report", str(unfinished))
    assert "unfinished run across an ensemble" in refused("plot", str(unfinished))
    assert not (unfinished / "report.html").exists()
    # the app shows a comparison: a run of one scenario across the ensemble is refused
    pytest.importorskip("streamlit")
    alone = tmp_path / "alone"
    _invoke(
        "run",
        str(folders["scenario"]),
        "--ensemble",
        str(folders["calibration"]),
        "--out",
        str(alone),
        *SHORT,
    )
    assert "the app shows a comparison" in refused("app", "--ensemble", str(alone))
