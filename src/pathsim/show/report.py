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
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure

from pathsim.output import package_version
from pathsim.show import plots
from pathsim.show import report_sections as sec
from pathsim.show.report_html import CSS, esc, figure, section
from pathsim.show.runfolder import RunFolder
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


def _result_plots(folder: RunFolder) -> str:
    """The plots of a run or comparison folder."""
    parts = []
    has = {n: folder.table(n) is not None for n in ("comparison", "summary", "timeseries")}
    if has["comparison"]:
        parts.append(
            _figure(
                lambda: plots.plot_kpi_comparison(folder),
                "Headline KPIs by "
                "scenario, means with 95% confidence intervals; under each label "
                "the paired difference from the baseline.",
            )
        )
        parts.append(
            _figure(
                lambda: plots.plot_differences(folder),
                "Paired differences from "
                "the baseline as a percentage of its mean, with 95% confidence "
                "intervals.",
            )
        )
    elif has["summary"]:
        parts.append(
            _figure(
                lambda: plots.plot_kpi_comparison(folder),
                "Headline KPIs, means with 95% confidence intervals.",
            )
        )
    if has["comparison"] or has["summary"]:
        parts.append(
            _figure(
                lambda: plots.plot_delays_by_cause(folder),
                "Bed days between medically fit and leaving hospital, by cause.",
            )
        )
        parts.append(
            _figure(
                lambda: plots.plot_costs(folder),
                "Cost by payer and by organisation over the results period.",
            )
        )
    if has["comparison"]:
        parts.append(
            _figure(
                lambda: plots.plot_cost_shift(folder),
                "Who pays, who saves: change in cost from the baseline by payer and organisation.",
            )
        )
    if folder.table("ed_time_histogram") is not None:
        parts.append(
            _figure(
                lambda: plots.plot_ed_time(folder),
                "Time in A&E from arrival "
                "to leaving, with the 4-hour standard and the 12-hour line.",
            )
        )
    if has["timeseries"]:
        parts.append(
            _figure(
                lambda: plots.plot_occupancy(folder),
                "Daily occupancy per service (warm-up shaded).",
            )
        )
        parts.append(
            _figure(
                lambda: plots.plot_queues(folder),
                "Daily queue length per service (warm-up shaded).",
            )
        )
    return "".join(parts)


def _results(folder: RunFolder) -> tuple[str, str]:
    """The results section and the plots section for the folder's kind."""
    kind = folder.kind
    comparison, summary = folder.table("comparison"), folder.table("summary")
    parts = [sec.exact_note()]
    if kind == "sweep" and (sweep := folder.table("sweep")) is not None:
        parts.append("<h3>Sweep (sweep.csv)</h3>" + sec.frame_table(sweep))
        shown = _figure(
            lambda: plots.plot_sweep(folder),
            "KPIs along the sweep, mean and 95% confidence band at each grid point.",
        )
        return "".join(parts), shown
    if kind == "sensitivity" and (sens := folder.table("sensitivity")) is not None:
        parts.append("<h3>Sensitivity (sensitivity.csv)</h3>" + sec.frame_table(sens))
        kpis = [k for k in plots.DEFAULT_KPIS if k in set(sens["kpi"])]
        kpis = kpis or list(dict.fromkeys(sens["kpi"]))[:6]
        shown = "".join(
            _figure(
                lambda k=k: plots.plot_tornado(folder, k),  # type: ignore[misc]
                f"Tornado chart of {k}: mean at each parameter's low and high setting "
                "against the base.",
            )
            for k in kpis
        )
        return "".join(parts), shown
    if comparison is not None:
        parts.append("<h3>Headline KPIs</h3>" + sec.comparison_table(comparison, True))
        parts.append("<h3>All KPIs (comparison.csv)</h3>" + sec.comparison_table(comparison, False))
    elif summary is not None:
        parts.append("<h3>Headline KPIs</h3>" + sec.summary_table(summary, True))
        parts.append("<h3>All KPIs (summary.csv)</h3>" + sec.summary_table(summary, False))
    else:
        parts.append("<p>This run folder has no summary.csv or comparison.csv.</p>")
    return "".join(parts), _result_plots(folder)


def _diagram(folder: RunFolder) -> str:
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
    folder = RunFolder.open(run_dir)
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
        f"{esc(package_version())}.</p>{sec.status_warning(folder)}</header><nav><ol>{nav}</ol></nav>{body}"
        "</body></html>\n"
    )


def write_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Writes the HTML report of ``run_dir`` to ``out`` (default ``run_dir/report.html``)
    atomically, and returns its path. Raises RunFolderError when ``run_dir`` is not a run
    folder, OSError when ``out`` cannot be written."""
    text = build_report(run_dir)
    target = Path(out) if out is not None else Path(run_dir) / REPORT_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is meant to be shared
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
