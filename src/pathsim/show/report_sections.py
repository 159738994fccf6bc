"""The sections of the HTML report, each from the run folder's own files: what was run,
the results tables, the calibration check, assumptions and sources, and the model in the
STRESS-DES reporting checklist."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pathsim.model.gridlock import gridlock_summary
from pathsim.model.kpis import describe
from pathsim.numbers import format_number
from pathsim.scenario.models import Scenario
from pathsim.show.calibration import TARGETS, calibration_table
from pathsim.show.data import capacities
from pathsim.show.gridlock_text import gridlock_warnings
from pathsim.show.report_html import esc, exact, interval, keyvalues, linkify, num, table
from pathsim.show.runfolder import SavedRun
from pathsim.show.sources import Sources

HEADLINE = (
    "ed_attendances",
    "ed_4h_performance",
    "ed_12h_waits",
    "ed_12h_trolley_waits",
    "emergency_admissions",
    "admissions_avoided",
    "bed_occupancy",
    "time_above_95pct_occupancy",
    "mean_los_days",
    "delayed_discharge_bed_days",
    "nctr_per_100_beds",
    "readmissions_30d",
    "days_at_home_90d",
    "share_with_named_coordinator",
    "handoffs_per_episode",
    "cost_nhs_gbp",
    "cost_local_authority_gbp",
    "cost_total_gbp",
    "empty_bed_cost_gbp",
)
"""KPIs shown first, in the order planners read them; the full table follows."""


def levers_on(sc: Scenario) -> list[str]:
    """Names of the integration levers switched on."""
    return [name for name, lever in sc.integration if getattr(lever, "enabled", False)]


def scenario_summary(label: str, sc: Scenario) -> str:
    """One scenario: what it is, its capacities, its onward services and its levers."""
    items: list[tuple[str, object]] = [
        ("name", sc.name),
        ("description", " ".join(sc.description.split()) or "-"),
        ("population", f"{sc.population:,} in {len(sc.segments)} segments"),
        ("A&E", f"{sc.ed.cubicles} cubicles, {sc.ed.escalation_spaces} escalation spaces"),
        ("acute beds", f"{sc.acute_ward.beds:,}"),
        ("integration levers on", ", ".join(levers_on(sc)) or "none"),
        ("price year", sc.price_year),
    ]
    caps = capacities(sc)
    services = [
        (
            name,
            svc.label or name,
            f"{svc.capacity:,}"
            + (
                f" + {caps[name] - svc.capacity:,} with the team"
                if caps[name] > svc.capacity
                else ""
            )
            + (
                f" (+ up to {svc.spot_purchase.max_places:,} spot)"
                if svc.spot_purchase is not None
                else ""
            ),
            svc.kind,
            svc.organisation,
        )
        for name, svc in sc.onward_services.items()
    ]
    onward = (
        table(["service", "label", "places", "kind", "organisation"], services)
        if services
        else "<p>No onward services.</p>"
    )
    return f"<h3>{esc(label)}</h3>{keyvalues(items)}<h4>Onward services</h4>{onward}"


def run_settings(folder: SavedRun) -> str:
    """What was run and how: command, replications, seeds, version."""
    m = folder.meta
    reps = m.get("replication_numbers") or []
    shown = ", ".join(str(r) for r in reps[:20]) + (" ..." if len(reps) > 20 else "")
    items = [
        ("kind", folder.kind),
        ("command", m.get("command", "-")),
        ("replications", f"{m.get('replications', '-')} (numbers {shown or '-'})"),
        ("days after warm-up", m.get("days", "-")),
        ("warm-up days", m.get("warmup_days", "-")),
        ("seed", m.get("seed", "-")),
        ("seed rule", m.get("seed_rule", "-")),
        ("event log", "on" if m.get("event_log") else "off"),
        ("pathsim version", f"{m.get('package', 'carepathsim')} {m.get('version', '-')}"),
        ("Python, platform", f"{m.get('python', '-')}, {m.get('platform', '-')}"),
        ("started, finished", f"{m.get('started', '-')}, {m.get('finished', '-')}"),
    ]
    files = [
        (str(s.get("label", "")), str(s.get("source") or "-"), str(s.get("resolved") or "-"))
        for s in m.get("scenarios", [])
    ]
    return keyvalues(items) + table(["label", "source file", "resolved copy"], files)


def design(folder: SavedRun) -> str:
    """For a sweep or sensitivity run: each variant and the fields it changes."""
    if folder.kind not in ("sweep", "sensitivity"):
        return ""
    rows = [
        [
            str(s.get("label", "")),
            "; ".join(f"{k} = {v}" for k, v in (s.get("overrides") or {}).items()) or "(base)",
        ]
        for s in folder.meta.get("scenarios", [])
    ]
    return "<h3>Variants</h3>" + table(["variant", "changes from the base"], rows)


def status_warning(folder: SavedRun) -> str:
    """A warning when run.json says the run did not finish."""
    if folder.meta.get("status") == "incomplete":
        return (
            "<p class='no'><b>This run is incomplete</b> (run.json status 'incomplete'): "
            "the tables below are those written before it stopped; resume it before relying "
            "on them.</p>"
        )
    return ""


def gridlock_warning(folder: SavedRun) -> str:
    """A warning naming the replications that gridlocked (from replications.csv)."""
    reps = folder.table("replications")
    if reps is None or reps.empty:
        return ""
    lines = gridlock_warnings(gridlock_summary(reps))
    return "".join(f"<p class='no'><b>Gridlock.</b> {esc(line)}</p>" for line in lines)


def _kpi_cell(kpi: str) -> str:
    return f'<td title="{esc(describe(kpi))}"><code>{esc(kpi)}</code></td>'


def _ordered(kpis: list[str], headline: bool) -> list[str]:
    if headline:
        return [k for k in HEADLINE if k in kpis]
    return kpis


def comparison_table(comparison: pd.DataFrame, headline: bool) -> str:
    """KPI rows; the baseline's mean [CI], then for each other scenario its mean [CI] and
    the paired difference [CI], numbers as comparison.csv holds them (the exact value in
    each cell's tooltip)."""
    labels = [str(s) for s in dict.fromkeys(comparison["scenario"])]
    kpis = _ordered(list(dict.fromkeys(comparison["kpi"])), headline)
    header = ["KPI", f"{labels[0]} (baseline) mean [95% CI]"]
    for label in labels[1:]:
        header += [f"{label} mean [95% CI]", f"{label} difference [95% CI]"]
    indexed = {(r.kpi, r.scenario): r for r in comparison.itertuples(index=False)}
    rows = []
    for kpi in kpis:
        row = [_kpi_cell(kpi)]
        for i, label in enumerate(labels):
            if (kpi, label) not in indexed:
                row += ["-"] if i == 0 else ["-", "-"]
                continue
            r = indexed[(kpi, label)]
            row.append(interval(r.mean, r.ci_low, r.ci_high))
            if i > 0:
                row.append(interval(r.diff, r.diff_ci_low, r.diff_ci_high))
        rows.append(row)
    return table(header, rows, [False] + [True] * (len(header) - 1))


def summary_table(summary: pd.DataFrame, headline: bool) -> str:
    """KPI rows, one mean [CI] column per scenario, and n, as summary.csv holds them."""
    labels = [str(s) for s in dict.fromkeys(summary["scenario"])]
    kpis = _ordered(list(dict.fromkeys(summary["kpi"])), headline)
    indexed = {(r.kpi, r.scenario): r for r in summary.itertuples(index=False)}
    rows = []
    for kpi in kpis:
        row = [_kpi_cell(kpi)]
        for label in labels:
            if (kpi, label) in indexed:
                r = indexed[(kpi, label)]
                row += [interval(r.mean, r.ci_low, r.ci_high), num(r.n)]
            else:
                row += ["-", "-"]
        rows.append(row)
    header = ["KPI"]
    for label in labels:
        header += [f"{label} mean [95% CI]", "n"]
    return table(header, rows, [False] + [True] * (len(header) - 1))


def frame_table(frame: pd.DataFrame) -> str:
    """Any table, numbers by the report's rule (the exact CSV value in each tooltip)."""
    rows = []
    for record in frame.itertuples(index=False):
        rows.append(
            [
                num(v) if isinstance(v, int | float) and not isinstance(v, bool) else str(v)
                for v in record
            ]
        )
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    return table([str(c) for c in frame.columns], rows, numeric)


def calibration(folder: SavedRun) -> str:
    """The baseline's KPIs beside the published targets of the fragmented base."""
    reps = folder.table("replications")
    if reps is None or reps.empty:
        return "<p>This run folder has no replications.csv, so no calibration check.</p>"
    label = folder.labels[0] if folder.labels else None
    check = calibration_table(reps, label, folder.days)
    if check.empty:
        return "<p>None of the calibration KPIs is in this run.</p>"
    rows = []
    for r in check.itertuples():
        f = next(t.fmt for t in TARGETS if t.name == r.kpi)
        rows.append(
            [
                f"<td><code>{esc(r.kpi)}</code></td>",
                interval(r.mean, r.ci_low, r.ci_high),
                f'<td class="num">{esc(f.format(r.target))}</td>',
                f'<td class="num">{esc(f.format(r.target_low))}-'
                f"{esc(f.format(r.target_high))}</td>",
                f'<td class="{"yes" if r.within else "no"}">{"yes" if r.within else "no"}</td>',
                f'<td class="num">{esc(f.format(r.rep_min))} to {esc(f.format(r.rep_max))}</td>',
                f'<td class="num">{r.reps_within:.0%}</td>',
                f"<td>{esc(r.source)}</td>",
            ]
        )
    days = folder.days
    scaled = (
        f" Counts per year (attendances, admissions) are scaled from the run's {days} days to 365."
        if days and days != 365
        else ""
    )
    intro = (
        f"<p>The baseline <code>{esc(label)}</code> beside the published figures that the "
        "fragmented base (<code>scenarios/fragmented.yaml</code>) is calibrated to (the "
        "targets and their sources are those of docs/calibration.md). For another system "
        f"they are a reference, not a test.{esc(scaled)} 'within' compares the mean with "
        "the accepted range; the next two columns show the lowest and highest single "
        "replication and the share of replications within the range, because a mean can "
        "match a target that no replication does. With few replications or a short run the "
        "intervals are wide and the check says little.</p>"
    )
    header = [
        "KPI",
        "model mean [95% CI]",
        "target",
        "range accepted",
        "within",
        "replications, lowest to highest",
        "replications within",
        "source",
    ]
    return intro + table(header, rows, [False, True, True, True, False, True, True, False])


def _short(path: str, base: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(base.resolve()))
    except ValueError:
        return path


def sources(found: Sources, base: Path) -> str:
    """Lines marked ASSUMPTION or CALIBRATED in the scenario files, and every cited entry
    of the published figures, with its description."""
    parts = []
    if found.missing:
        parts.append(
            "<p>Scenario files not found (the report reads the comments of the files named "
            f"in run.json): {esc(', '.join(found.missing))}.</p>"
        )
    marked = [n for n in found.notes if n.marks]
    rows = [
        [
            f"{_short(n.file, base)}:{n.line}",
            f"<td><code>{esc(n.setting)}</code></td>" if n.setting else "<td></td>",
            ", ".join(n.marks),
            f"<td>{esc(n.comment)}</td>",
        ]
        for n in marked
    ]
    parts.append(
        f"<h3>Assumptions and calibrated values ({len(marked)})</h3><p>Comments of the "
        "scenario files marked ASSUMPTION (no source read supports the number: replace it "
        "with local data) or CALIBRATED (set so that the model reproduces a published "
        "figure).</p>"
    )
    parts.append(table(["file:line", "setting", "mark", "comment"], rows))
    cited = found.cited()
    where = (
        f"from {esc(_short(str(found.reference_file), base))}"
        if found.reference_file
        else "(docs/sources/published-figures.md was not found beside the scenario files)"
    )
    refs = [
        [
            f'<td id="ref-{esc(ref)}"><b>[{esc(ref)}]</b></td>',
            f"<td>{linkify(found.references.get(ref, '-'))}</td>",
            num(count),
        ]
        for ref, count in sorted(cited.items(), key=lambda kv: _ref_key(kv[0]))
    ]
    parts.append(
        f"<h3>Published figures cited ({len(cited)})</h3><p>Entries of the reference figures "
        f"cited in square brackets in the scenario files, {where}, with their source and "
        "confidence grade (A official, B secondary, C derived, D assumption).</p>"
    )
    parts.append(table(["id", "figure, value, unit, year, source, grade", "notes"], refs))
    return "".join(parts)


def _ref_key(ref: str) -> tuple[int, str, int]:
    major, _, minor = ref.partition(".")
    digits = "".join(ch for ch in major if ch.isdigit())
    return (int(digits or 0), major, int(minor) if minor.isdigit() else 0)


def stress_des(folder: SavedRun, scenarios: dict[str, Scenario], found: Sources) -> str:
    """The model and this run in the STRESS-DES checklist (Monks et al., 2019)."""
    m = folder.meta
    labels = ", ".join(folder.labels) or "-"
    assumptions = sum(1 for n in found.notes if "ASSUMPTION" in n.marks)
    rows = [
        (
            "1. Objectives",
            "Compare configurations of one English local health and care "
            f"system on the same simulated patients; this run ({folder.kind}): {labels}. Outputs: "
            "KPIs per replication, daily time series, means with 95% confidence intervals and "
            "paired differences.",
        ),
        (
            "2. Logic",
            "Patients arrive by segment and route (non-homogeneous Poisson), wait for "
            "and occupy A&E cubicles (escalation spaces while boarding), acute beds, virtual "
            "wards and onward services; frictions of fragmentation stand between medically fit "
            "and leaving; integration levers change which components and parameters are built. "
            "See the pathway diagram (pathsim diagram) and docs/model.md.",
        ),
        (
            "3. Data",
            f"Sources cited in the scenario files: {len(found.cited())} entries of "
            f"docs/sources/published-figures.md; {assumptions} comments marked ASSUMPTION (see "
            "'Assumptions and sources').",
        ),
        (
            "4. Experimentation",
            f"Warm-up {m.get('warmup_days', '-')} days, then "
            f"{m.get('days', '-')} days of results; {m.get('replications', '-')} replications; "
            "Student-t 95% intervals; paired differences on common random numbers.",
        ),
        (
            "5. Implementation",
            f"pathsim {m.get('version', '-')} on Python {m.get('python', '-')}"
            f" ({m.get('platform', '-')}); SimPy, numpy, pandas, pydantic; seed "
            f"{m.get('seed', '-')}: {m.get('seed_rule', '-')}.",
        ),
        (
            "6. Code access",
            "The repository holds the code, scenarios, tests and documentation "
            "(MIT licence; CITATION.cff); this folder holds the resolved scenarios and every "
            "table behind this report.",
        ),
    ]
    return table(["section", "this model and run"], [[a, b] for a, b in rows])


def exact_note() -> str:
    return (
        "<p class='muted'>Numbers are rounded by one rule (thousands without decimals, "
        "100-999 to one decimal, 1-99 to two, below 1 to three); hover a number for the value "
        f"the CSV file holds (e.g. {esc(format_number(0.62345))} is {esc(exact(0.62345))}).</p>"
    )
