"""Reports of the folders that uncertainty work writes: a run across a calibrated ensemble
(``pathsim run/compare/sweep --ensemble DIR --out OUT``), a calibration (``pathsim calibrate
--out``) and a screening (``pathsim screen --out``). Each is one self-contained HTML file like
the report of a run folder (:mod:`pathsim.show.report`), built from the folder's own files.

The report of an ensemble run leads with the answer: each headline difference with its
combined interval (what is not known about the system and chance) beside the chance-only
one, and the share of settings in which it goes the better way; then the spread of the
settings, which assumptions matter (from screenings given with it), the calibration
diagnostics, every KPI, the settings run, and the assumptions and sources."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from markdown_it import MarkdownIt

from pathsim.experiment.store import RunFolderError
from pathsim.model.kpis import describe
from pathsim.output import package_version
from pathsim.show import report_sections as sec
from pathsim.show.plots_ensemble import spread_figure
from pathsim.show.plots_screening import indices_figure
from pathsim.show.report_html import CSS, esc, figure, interval, num, section, table
from pathsim.show.runfolder import read_json_object
from pathsim.show.sources import scenario_sources

ENSEMBLE_FILE = "ensemble.json"
CALIBRATION_FILE = "calibration.json"
FEW_SETTINGS = 20
"""Below this many settings the ends of a combined interval rest on a handful of settings."""
SCREEN_ROWS = 15


@dataclass
class EnsembleFolder:
    """The --out folder of a run across an ensemble, read back."""

    path: Path
    meta: dict[str, Any]
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, path: str | Path) -> EnsembleFolder:
        folder = Path(path)
        meta = read_json_object(folder / ENSEMBLE_FILE)
        if meta.get("status") != "complete":
            raise RunFolderError(
                f"{folder} holds an unfinished run across an ensemble: run the same command "
                "again to finish it, then write the report"
            )
        return cls(folder, meta)

    @property
    def labels(self) -> list[str]:
        """Scenario labels in run order (the first is the base)."""
        given = self.meta.get("labels")
        if isinstance(given, list) and given:
            return [str(label) for label in given]
        comparison = self.table("ensemble_comparison")
        return [str(s) for s in dict.fromkeys(comparison["scenario"])]

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            path = self.path / f"{name}.csv"
            if not path.is_file():
                raise RunFolderError(f"{self.path} lacks {path.name}: run the command again")
            self._tables[name] = pd.read_csv(path, dtype={"scenario": str})
        return self._tables[name]

    def spread(self) -> Any:
        """The figure of the spread across settings."""
        return spread_figure(
            self.table("ensemble_comparison"), self.table("ensemble_replications"), self.labels
        )


def is_ensemble_folder(path: Path) -> bool:
    return (path / ENSEMBLE_FILE).is_file()


def is_calibration_folder(path: Path) -> bool:
    return (path / CALIBRATION_FILE).is_file()


def _screenings(folder: Path) -> list[Path]:
    """The rankings in a screening folder: Morris (screening_KPI.csv), then Sobol'
    (sobol_KPI.csv)."""
    return [*sorted(folder.glob("screening_*.csv")), *sorted(folder.glob("sobol_*.csv"))]


def is_screening_folder(path: Path) -> bool:
    return path.is_dir() and bool(_screenings(path))


def _page(title: str, lead: str, sections: list[tuple[str, str, str]]) -> str:
    nav = "".join(f'<li><a href="#{a}">{esc(t)}</a></li>' for a, t, _ in sections)
    body = "".join(section(a, t, b) for a, t, b in sections)
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{esc(title)}</h1><p class='lead'>{lead} Report written {esc(now)} by "
        f"pathsim {esc(package_version())}.</p></header><nav><ol>{nav}</ol></nav>{body}"
        "</body></html>\n"
    )


def _kpi(kpi: str) -> str:
    return f'<td title="{esc(describe(kpi))}"><code>{esc(kpi)}</code></td>'


def _share(value: object) -> str:
    share = float(value)  # type: ignore[arg-type]
    return '<td class="num">-</td>' if share != share else f'<td class="num">{share:.0%}</td>'


def headline_table(comparison: pd.DataFrame, labels: Sequence[str]) -> str:
    """Headline KPIs: for a single scenario its mean with both intervals; otherwise, for each
    other scenario, the difference from the first with both intervals and the share of
    settings in which it goes the better way."""
    kpis = [k for k in sec.HEADLINE if k in set(comparison["kpi"])]
    indexed = {(r.kpi, r.scenario): r for r in comparison.itertuples(index=False)}
    rows = []
    if len(labels) == 1:
        for kpi in kpis:
            r = indexed[(kpi, labels[0])]
            rows.append(
                [
                    _kpi(kpi),
                    num(r.mean),
                    interval(r.mean, r.ci_low, r.ci_high),
                    interval(r.mean, r.unc_low, r.unc_high),
                ]
            )
        header = ["KPI", "mean", "chance only [95%]", "combined [95%]"]
        return table(header, rows, [False, True, True, True])
    for label in labels[1:]:
        for kpi in kpis:
            if (kpi, label) not in indexed or (kpi, labels[0]) not in indexed:
                continue
            base, r = indexed[(kpi, labels[0])], indexed[(kpi, label)]
            rows.append(
                [
                    _kpi(kpi),
                    str(label),
                    interval(base.mean, base.unc_low, base.unc_high),
                    interval(r.mean, r.unc_low, r.unc_high),
                    interval(r.diff, r.diff_ci_low, r.diff_ci_high),
                    interval(r.diff, r.diff_unc_low, r.diff_unc_high),
                    _share(r.share_favourable),
                ]
            )
    header = [
        "KPI",
        "scenario",
        f"{labels[0]} mean [combined 95%]",
        "scenario mean [combined 95%]",
        "difference [chance only 95%]",
        "difference [combined 95%]",
        "settings where it is better",
    ]
    return table(header, rows, [False, False, True, True, True, True, True])


def _reading(meta: dict[str, Any], settings: int) -> str:
    few = (
        f"<p class='no'><b>Few settings.</b> Only {settings} settings were kept by the "
        "calibration: the ends of each combined interval and the shares rest on a handful of "
        "worlds. Treat them as indicative; a larger calibration (more settings, or narrower "
        "ranges from local data) gives firmer ones (docs/uncertainty.md).</p>"
        if settings < FEW_SETTINGS
        else ""
    )
    return (
        f"<p>Each of the {settings} settings kept by the calibration of "
        f"<code>{esc(meta.get('calibrated', '?'))}</code> to "
        f"{esc(meta.get('targets_name', '?'))} (a value for every uncertain number that "
        "reproduces the targets) was run for "
        f"{esc(meta.get('replications'))} replications of {esc(meta.get('days'))} days, with the "
        "same patients in every scenario and setting. The <b>chance-only</b> interval is what a "
        "plain run would report: the variation between replications at one setting. The "
        "<b>combined</b> interval adds what is not known about the system: it spans the "
        "settings that fit, each widened by its own chance variation (the 2.5th and 97.5th "
        "percentiles of their equal-weight mixture). The last column is the share of settings "
        "in which the difference goes the better way. Neither interval covers what the model "
        "leaves out (docs/uncertainty.md).</p>" + few
    )


def _settings_table(settings: pd.DataFrame) -> str:
    """Each uncertain field's lowest, median and highest value across the settings run."""
    fields = [c for c in settings.columns if c != "setting"]
    rows = []
    for f in fields:
        v = pd.to_numeric(settings[f], errors="coerce")
        rows.append(
            [f"<td><code>{esc(f)}</code></td>", num(v.min()), num(v.median()), num(v.max())]
        )
    return table(["field", "lowest", "median", "highest"], rows, [False, True, True, True])


def calibration_html(folder: Path) -> str:
    """The calibration's diagnostics (its calibration.md) as HTML, or a note why not."""
    page = folder / "calibration.md"
    if not page.is_file():
        return (
            f"<p class='muted'>The calibration folder <code>{esc(folder)}</code> is not there "
            "any more (or has no calibration.md), so its diagnostics cannot be shown.</p>"
        )
    text = page.read_text(encoding="utf-8")
    # the page's own title is the section's: drop it, and nest its headings under h2
    body = str(MarkdownIt("commonmark", {"html": False}).enable("table").render(text))
    for level in (3, 2, 1):
        body = body.replace(f"<h{level}>", f"<h{level + 2}>").replace(
            f"</h{level}>", f"</h{level + 2}>"
        )
    return body


def screening_html(folder: Path) -> str:
    """Each screening of the folder: the ranked ranges (the top rows) and their plot."""
    parts = []
    for path in _screenings(folder):
        sobol = path.stem.startswith("sobol_")
        kpi = path.stem.removeprefix("sobol_" if sobol else "screening_")
        indices = pd.read_csv(path)
        meta_path = path.with_suffix(".json")
        meta = read_json_object(meta_path) if meta_path.is_file() else {}
        output = str(meta.get("output", kpi))
        top = indices.head(SCREEN_ROWS)
        header, reading, rows = _ranking_rows(top, sobol)
        how = (
            f" ({meta.get('samples') if sobol else meta.get('trajectories')} "
            f"{'base samples' if sobol else 'Morris trajectories'}, {meta['settings']} "
            f"settings, {meta['replications']} replication(s) of {meta['days']} days)"
            if meta
            else ""
        )
        method = "Sobol' indices" if sobol else "Morris screening"
        parts.append(
            f"<h3>{esc(output)}</h3><p>{method} from <code>{esc(folder)}</code>{esc(how)}: "
            f"{reading} The top {len(top)} of {len(indices)}:</p>"
            + table(header, rows, [True, False, True, True])
            + figure(
                indices_figure(indices, output),
                f"Which ranges matter most for {output}: "
                + (
                    "ST with its bootstrap interval (bars) and S1 (dots)."
                    if sobol
                    else "mu* with its bootstrap interval (bars) and sigma (dots)."
                ),
                f"screening of {output}",
            )
        )
    return "".join(parts)


def _ranking_rows(top: pd.DataFrame, sobol: bool) -> tuple[list[str], str, list[list[str]]]:
    """The header, a sentence of reading guidance and the rows of a ranking table."""
    rows = []
    for r in top.to_dict(orient="records"):
        main, conf, other = (
            ("ST", "ST_conf", "S1") if sobol else ("mu_star", "mu_star_conf", "sigma")
        )
        value, half = float(r[main]), float(r[conf])
        rows.append(
            [
                num(r["rank"]),
                f"<td><code>{esc(r['range'])}</code></td>",
                interval(value, value - half, value + half),
                num(r[other]),
            ]
        )
    if sobol:
        return (
            ["rank", "range", "ST [bootstrap 95%]", "S1"],
            "ST is the share of the output's variance a range accounts for with its "
            "interactions, S1 alone; collect local data on the ranges with the largest ST "
            "first.",
            rows,
        )
    return (
        ["rank", "range", "mu* [bootstrap 95%]", "sigma"],
        "the ranges that move it most over what is plausible for them come first; collect "
        "local data on those first. A sigma near mu* means the range's effect depends on the "
        "others.",
        rows,
    )


def build_ensemble_report(path: str | Path, screenings: Sequence[Path] = ()) -> str:
    """The report of an ensemble run folder; ``screenings`` are ``pathsim screen --out``
    folders whose rankings it shows."""
    folder = EnsembleFolder.open(path)
    meta = folder.meta
    comparison = folder.table("ensemble_comparison")
    labels = folder.labels
    settings = int(meta.get("settings", 0))
    try:
        spread = figure(
            folder.spread(),
            "Each dot is one setting kept by the calibration (its mean over replications"
            + (
                ", as a paired difference from the base at the same setting"
                if len(labels) > 1
                else ""
            )
            + "); the wide pale bar is the combined 95% interval, the narrow dark bar the "
            "chance-only one, the tick the mean.",
            "spread across the ensemble",
        )
    except ValueError as exc:
        spread = f"<p class='muted'>Not drawn: {esc(exc)}.</p>"
    ranking = "".join(screening_html(Path(s)) for s in screenings) or (
        "<p>No screening given. Rank the assumptions behind an effect with <code>pathsim "
        "screen BASE OTHER --kpi KPI --out DIR</code>, then write this report with "
        "<code>pathsim report "
        f"{esc(folder.path)} --screening DIR</code> (docs/uncertainty.md).</p>"
    )
    calibration = Path(str(meta.get("calibration", "")))
    found = scenario_sources([str(f) for f in meta.get("files", [])])
    sections = [
        (
            "answer",
            "The answer across what is not known",
            _reading(meta, settings) + headline_table(comparison, labels),
        ),
        ("spread", "Spread across the settings", spread),
        ("assumptions", "Which assumptions matter", ranking),
        ("calibration", "Calibration", calibration_html(calibration)),
        ("all", "All KPIs (ensemble_comparison.csv)", sec.frame_table(comparison)),
        (
            "settings",
            "Settings run (ensemble_settings.csv)",
            _settings_table(folder.table("ensemble_settings")),
        ),
        ("sources", "Assumptions and sources", sec.sources(found, Path.cwd())),
    ]
    kind = {"run": "Run", "compare": "Comparison", "sweep": "Sweep"}.get(
        str(meta.get("command")), "Run"
    )
    title = f"{kind} across a calibrated ensemble: {', '.join(labels)}"
    lead = f"Folder <code>{esc(folder.path)}</code>; calibration <code>{esc(calibration)}</code>."
    return _page(title, lead, sections)


def build_calibration_report(path: str | Path) -> str:
    """The report of a calibration folder: its diagnostics."""
    folder = Path(path)
    meta = read_json_object(folder / CALIBRATION_FILE)
    if meta.get("status") != "complete":
        raise RunFolderError(f"{folder} holds an unfinished calibration: run it to the end first")
    title = f"Calibration of {meta.get('scenario', '?')}"
    lead = (
        f"Folder <code>{esc(folder)}</code>; {esc(meta.get('tried'))} settings tried, "
        f"{esc(meta.get('kept'))} kept."
    )
    return _page(title, lead, [("diagnostics", "Diagnostics", calibration_html(folder))])


def build_screening_report(path: str | Path) -> str:
    """The report of a screening folder: every ranking in it."""
    folder = Path(path)
    title = "Which assumptions matter (Morris screening)"
    return _page(
        title,
        f"Folder <code>{esc(folder)}</code>.",
        [("ranking", "Rankings", screening_html(folder))],
    )
