"""What the pathsim commands share: loading scenarios with clean errors, progress bars and the
tables printed in the terminal.

A public module of the command-line package: the commands import it; nothing outside the
package does (``pathsim.show`` draws, it never exits or prints to the terminal).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
import pandas as pd

from pathsim.model.kpis import KPI_DESCRIPTIONS
from pathsim.model.system import check_buildable
from pathsim.numbers import format_number
from pathsim.scenario.errors import ScenarioError
from pathsim.scenario.extends import shown
from pathsim.scenario.loader import load_scenario
from pathsim.scenario.models import Scenario

EXIT_BAD_INPUT = 2

# KPIs shown in the terminal table (see headline_kpis); the CSV files hold all of them.
HEADLINE_BEFORE_WAITS = (
    "ed_attendances",
    "ed_4h_performance",
    "ed_12h_waits",
    "ed_12h_trolley_waits",
    "ed_mean_boarding_hours",
    "emergency_admissions",
    "bed_occupancy",
    "time_above_95pct_occupancy",
    "mean_los_days",
    "delayed_discharge_bed_days",
    "nctr_per_100_beds",
)
HEADLINE_AFTER_WAITS = (
    "admissions_avoided",
    "readmissions_30d",
    "days_at_home_90d",
    "share_with_named_coordinator",
    "handoffs_per_episode",
    "assessments_per_episode",
    "cost_nhs_gbp",
    "cost_local_authority_gbp",
    "cost_total_gbp",
    "empty_bed_cost_gbp",
)
LONG_TERM_KINDS = ("home_care", "care_home")
"""Kinds of onward service whose wait from referral to start is a headline KPI."""


def headline_kpis(scenarios: Iterable[Scenario]) -> tuple[str, ...]:
    """The KPIs of the terminal tables for these scenarios: the general ones and, between
    them, the wait from referral to start of each long-term onward service (home care and
    care homes) by its own name, in scenario order, each named once."""
    services: list[str] = []
    for sc in scenarios:
        for name, service in sc.onward_services.items():
            if service.kind in LONG_TERM_KINDS and name not in services:
                services.append(name)
    waits = tuple(f"mean_referral_to_start_days_{name}" for name in services)
    return HEADLINE_BEFORE_WAITS + waits + HEADLINE_AFTER_WAITS


def interrupted(runs: Path | None) -> NoReturn:
    """After Ctrl-C: says how to continue when replications were being saved in ``runs``,
    and exits 130."""
    if runs is not None:
        click.echo(
            f"\nInterrupted. Run the same command again to continue: the replications saved "
            f"in {runs} are kept.",
            err=True,
        )
    raise SystemExit(130)


def fail(message: str) -> NoReturn:
    """Says what is wrong with the input on stderr and exits with code 2."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def load_checked(path: str) -> Scenario:
    """The scenario in ``path``, validated and checked against the model it builds (a
    ScenarioError naming the file and the field otherwise)."""
    sc = load_scenario(path)
    check_buildable(sc, shown(Path(path)))
    return sc


def load(path: str) -> Scenario:
    """The scenario in ``path``, or exit 2 with the message naming the file and field."""
    try:
        return load_checked(path)
    except ScenarioError as exc:
        fail(str(exc))


def label_for(path: str, taken: set[str]) -> str:
    """A label for the scenario in ``path`` (its file name), made unique among ``taken``
    (which it joins)."""
    base = Path(path).stem or "scenario"
    label, k = base, 2
    while label in taken:
        label, k = f"{base}_{k}", k + 1
    taken.add(label)
    return label


def check_kpis(kpis: Sequence[str]) -> None:
    """Exit 2 naming any of ``kpis`` that is not a KPI."""
    unknown = [k for k in kpis if k not in KPI_DESCRIPTIONS]
    if unknown:
        fail(f"--kpi: no KPI named {', '.join(unknown)}. 'pathsim kpis' lists the KPIs.")


@contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr; yields the function that advances it."""
    with click.progressbar(
        length=total, label=label, file=sys.stderr, show_eta=True, show_pos=True
    ) as bar:
        yield bar.update


def fmt(value: Any) -> str:
    """A number as the terminal tables show it (see :func:`pathsim.numbers.format_number`)."""
    return format_number(value)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN becomes null)."""
    return [
        {str(k): (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def _in_order(table: pd.DataFrame, kpis: Sequence[str]) -> pd.DataFrame:
    """The rows of ``table`` for ``kpis``, in the order of ``kpis``."""
    order = {k: i for i, k in enumerate(kpis)}
    rows = table[table["kpi"].isin(order)]
    return rows.iloc[rows["kpi"].map(order).argsort(kind="stable")]


def print_summary(summary: pd.DataFrame, days: int, kpis: Sequence[str]) -> None:
    """The rows of ``summary`` for ``kpis`` (see :func:`headline_kpis`), mean and interval."""
    rows = _in_order(summary, kpis)
    click.echo(f"Results over {days} days after warm-up (mean and 95% confidence interval):")
    width = max(len(k) for k in rows["kpi"]) if len(rows) else 10
    for r in rows.itertuples():
        click.echo(f"  {r.kpi:<{width}}  {fmt(r.mean):>10}  [{fmt(r.ci_low)}, {fmt(r.ci_high)}]")
    click.echo("All KPIs: use --out DIR (summary.csv) or --json; 'pathsim kpis' explains each.")


def print_calibration(replications: pd.DataFrame, days: int) -> None:
    """The calibration check of a run's replications (scenario, replication, kpi, value):
    each target beside the mean, the lowest and highest replication and the share of
    replications within the accepted range; then how many replications gridlocked."""
    from pathsim.show.calibration import TARGETS, calibration_table

    check = calibration_table(replications, days=days)
    fmt_of = {t.name: t.fmt for t in TARGETS}
    click.echo(
        "Calibration check against published English figures (docs/calibration.md; counts "
        "per year scaled to 365 days):"
    )
    width = max((len(k) for k in check["kpi"]), default=10)
    for r in check.itertuples():
        f = fmt_of[str(r.kpi)]
        click.echo(
            f"  {r.kpi:<{width}}  {f.format(r.mean):>9}  reps {f.format(r.rep_min)} to "
            f"{f.format(r.rep_max)}  target {f.format(r.target_low)}-{f.format(r.target_high)}"
            f"  {'ok ' if r.within else 'OUT'} {r.reps_within:4.0%} of reps within"
        )
    locked = replications[replications["kpi"] == "gridlocked"]["value"]
    if len(locked):
        click.echo(f"Gridlocked replications: {int((locked > 0).sum())} of {len(locked)}.")


def print_comparison(
    table: pd.DataFrame, labels: list[str], days: int, kpis: Sequence[str]
) -> None:
    """The comparison's rows for ``kpis``: the first scenario's mean, then each other's mean
    and paired difference from it."""
    click.echo(
        f"Paired differences from '{labels[0]}' over {days} days after warm-up "
        "(same seeds, so the same patients; 95% confidence intervals):"
    )
    shown = _in_order(table, kpis)
    width = max(len(k) for k in shown["kpi"]) if len(shown) else 10
    cols = [max(12, len(label)) for label in labels]
    header = f"  {'kpi':<{width}}  {labels[0]:>{cols[0]}}"
    for label, w in zip(labels[1:], cols[1:], strict=True):
        header += f"  {label:>{w}}  {'difference [95% CI]':>30}"
    click.echo(header)
    for kpi, block in shown.groupby("kpi", sort=False):
        by = block.set_index("scenario")
        line = f"  {kpi:<{width}}  {fmt(by.loc[labels[0], 'mean']):>{cols[0]}}"
        for label, w in zip(labels[1:], cols[1:], strict=True):
            r = by.loc[label]
            diff = f"{fmt(r['diff'])} [{fmt(r['diff_ci_low'])}, {fmt(r['diff_ci_high'])}]"
            line += f"  {fmt(r['mean']):>{w}}  {diff:>30}"
        click.echo(line)
    click.echo("All KPIs: use --out DIR (comparison.csv) or --json.")
