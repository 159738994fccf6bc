"""The HTML report of a run folder: one self-contained file (images embedded, no external
CSS, JavaScript or fonts) that opens offline, prints cleanly and can be sent on.

    from pathsim.show import write_report
    write_report("runs/comparison")            # writes runs/comparison/report.html

Every number comes from the folder's own CSV files, rounded by one rule (see
:func:`pathsim.show.style.format_number`), with the exact value in each cell's tooltip.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from matplotlib.figure import Figure

from pathsim.atomic import write_text
from pathsim.output import package_version
from pathsim.show import report_sections as sec
from pathsim.show.figures import figures_for
from pathsim.show.report_html import CSS, esc, figure, section
from pathsim.show.runfolder import RunFolderError, SavedRun
from pathsim.show.sources import scenario_sources

log = logging.getLogger(__name__)

REPORT_NAME = "report.html"

_TITLES = {
    "run": "Run",
    "compare": "Comparison",
    "sweep": "Sweep",
    "sensitivity": "Sensitivity analysis",
}


def _figure(make: Callable[[], Figure], caption: str) -> str:
    """A plot, or a note saying why it could not be drawn (a table the run lacks)."""
    try:
        fig = make()
    except (ValueError, KeyError) as exc:
        log.info("plot skipped: %s", exc)
        return f"<p class='muted'>Not drawn: {esc(exc)}.</p>"
    return figure(fig, caption, caption)


def _plots(folder: SavedRun) -> str:
    return "".join(_figure(p.make, p.caption) for p in figures_for(folder))


def _results(folder: SavedRun) -> tuple[str, str]:
    """The results section and the plots section for the folder's kind."""
    kind = folder.kind
    comparison, summary = folder.table("comparison"), folder.table("summary")
    parts = [sec.exact_note()]
    if kind == "sweep" and (sweep := folder.table("sweep")) is not None:
        parts.append("<h3>Sweep (sweep.csv)</h3>" + sec.frame_table(sweep))
    elif kind == "sensitivity" and (sens := folder.table("sensitivity")) is not None:
        parts.append("<h3>Sensitivity (sensitivity.csv)</h3>" + sec.frame_table(sens))
    elif comparison is not None:
        parts.append("<h3>Headline KPIs</h3>" + sec.comparison_table(comparison, True))
        parts.append("<h3>All KPIs (comparison.csv)</h3>" + sec.comparison_table(comparison, False))
    elif summary is not None:
        parts.append("<h3>Headline KPIs</h3>" + sec.summary_table(summary, True))
        parts.append("<h3>All KPIs (summary.csv)</h3>" + sec.summary_table(summary, False))
    else:
        parts.append("<p>This run folder has no summary.csv or comparison.csv.</p>")
    return "".join(parts), _plots(folder)


def _diagram(folder: SavedRun) -> str:
    scenarios = folder.scenarios()
    if not scenarios:
        return "<p>No resolved scenario in the folder to draw.</p>"
    from pathsim.show.diagram import draw_diagram

    parts = []
    if folder.kind in ("sweep", "sensitivity"):
        scenarios = dict(list(scenarios.items())[:1])
    for label, sc in scenarios.items():
        parts.append(
            figure(
                draw_diagram(sc),
                f"Pathway of '{label}': services, capacities, owning organisations and flows.",
                f"pathway diagram of {label}",
            )
        )
    return "".join(parts)


def build_report(run_dir: str | Path) -> str:
    """The report of ``run_dir`` as an HTML string. Raises RunFolderError when the folder
    is not a run folder."""
    folder = SavedRun.open(run_dir)
    scenarios = folder.scenarios()
    found = scenario_sources(list(folder.sources().values()))
    kind = folder.kind
    names = ", ".join(sc.name for sc in scenarios.values()) or ", ".join(folder.labels)
    results, shown = _results(folder)
    sections = [
        (
            "scenarios",
            "Scenarios and run settings",
            "".join(sec.scenario_summary(label, sc) for label, sc in scenarios.items())
            + "<h3>Run settings</h3>"
            + sec.run_settings(folder),
        ),
        ("results", "Results", results),
        ("plots", "Plots", shown),
        ("pathway", "Pathway", _diagram(folder)),
    ]
    if kind in ("run", "compare"):
        sections.append(("calibration", "Calibration check", sec.calibration(folder)))
    sections += [
        ("sources", "Assumptions and sources", sec.sources(found, Path.cwd())),
        ("stress", "STRESS-DES summary", sec.stress_des(folder, scenarios, found)),
    ]
    nav = "".join(f'<li><a href="#{a}">{esc(t)}</a></li>' for a, t, _ in sections)
    body = "".join(section(a, t, b) for a, t, b in sections)
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    title = f"pathsim {_TITLES[kind].lower()}: {names}"
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{esc(_TITLES[kind])}: {esc(names)}</h1><p class='lead'>Run folder "
        f"<code>{esc(folder.path)}</code>; report written {esc(now)} by pathsim "
        f"{esc(package_version())}.</p>{sec.status_warning(folder)}{sec.gridlock_warning(folder)}</header><nav><ol>{nav}</ol></nav>{body}"
        "</body></html>\n"
    )


def write_report(
    run_dir: str | Path, out: str | Path | None = None, screenings: Sequence[Path] = ()
) -> Path:
    """Writes the HTML report of ``run_dir`` to ``out`` (default ``run_dir/report.html``)
    atomically, and returns its path. ``run_dir`` is a run folder, or the folder of a run
    across an ensemble, a calibration or a screening (:mod:`pathsim.show.ensemble_report`);
    ``screenings`` are screening folders whose rankings an ensemble's report shows. Raises
    RunFolderError when ``run_dir`` is none of these, OSError when ``out`` cannot be
    written."""
    from pathsim.show import ensemble_report as ens

    folder = Path(run_dir)
    for given in screenings:
        if not ens.is_screening_folder(Path(given)):
            raise RunFolderError(
                f"{given} is not a screening folder (no screening_KPI.csv or "
                "sobol_KPI.csv): give the --out folder of pathsim screen"
            )
    if screenings and not ens.is_ensemble_folder(folder):
        raise RunFolderError(
            "--screening goes with the folder of a run across an ensemble (--ensemble --out)"
        )
    if ens.is_ensemble_folder(folder):
        text = ens.build_ensemble_report(folder, screenings)
    elif ens.is_calibration_folder(folder):
        text = ens.build_calibration_report(folder)
    elif not (folder / "run.json").exists() and ens.is_screening_folder(folder):
        text = ens.build_screening_report(folder)
    else:
        text = build_report(run_dir)
    target = Path(out) if out is not None else Path(run_dir) / REPORT_NAME
    write_text(target, text)
    return target
