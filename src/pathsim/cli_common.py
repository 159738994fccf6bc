"""What the pathsim commands share: loading scenarios with clean errors, the run options,
progress bars and the tables printed in the terminal."""

from __future__ import annotations

import math
import shlex
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

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

# KPIs shown in the terminal table; the CSV files hold all of them.
HEADLINE_KPIS = (
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
    "mean_referral_to_start_days_home_care",
    "mean_referral_to_start_days_care_homes",
    "admissions_avoided",
    "readmissions_30d",
    "days_at_home_90d",
    "share_with_named_coordinator",
    "handoffs_per_episode",
    "assessments_per_episode",
    "cost_nhs_gbp",
    "cost_local_authority_gbp",
    "cost_total_gbp",
)


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def load_checked(path: str) -> Scenario:
    """The scenario in ``path``, validated and checked against the model it builds (a
    ScenarioError naming the file and the field otherwise)."""
    sc = load_scenario(path)
    check_buildable(sc, shown(Path(path)))
    return sc


def _load(path: str) -> Scenario:
    try:
        return load_checked(path)
    except ScenarioError as exc:
        _fail(str(exc))


def _label_for(path: str, taken: set[str]) -> str:
    base = Path(path).stem or "scenario"
    label, k = base, 2
    while label in taken:
        label, k = f"{base}_{k}", k + 1
    taken.add(label)
    return label


def backend_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Where the replications run: --workers and --dask."""
    options = [
        click.option(
            "--workers",
            "-j",
            type=click.IntRange(1, 4096),
            default=None,
            help="Local processes to run replications in [default: one per core]. Results are "
            "the same for any number.",
        ),
        click.option(
            "--dask",
            "dask_address",
            metavar="ADDRESS",
            default=None,
            help="Send the replications to the Dask scheduler at ADDRESS (e.g. "
            "tcp://10.0.0.5:8786) instead of local processes; needs the 'dask' extra.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def run_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by the commands that run experiments."""
    func = backend_options(func)
    options = [
        click.option(
            "--replications",
            "-r",
            type=click.IntRange(1, 100_000),
            default=None,
            help="Number of replications [default: the scenario's run.replications].",
        ),
        click.option(
            "--seed",
            "-s",
            type=click.IntRange(0, 2**63 - 1),
            default=None,
            help="Base seed; replication r uses (seed, r) [default: the scenario's run.seed].",
        ),
        click.option(
            "--days",
            "-d",
            type=click.IntRange(1, 36_525),
            default=None,
            help="Days in the results period, after warm-up [default: run.days].",
        ),
        click.option(
            "--warmup-days",
            "-w",
            type=click.IntRange(0, 36_525),
            default=None,
            help="Days simulated before results are collected [default: run.warmup_days].",
        ),
        click.option(
            "--out",
            "-o",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Write a run folder here (CSV and Parquet results, resolved scenarios, seeds, "
            "version), saving each replication as it finishes.",
        ),
        click.option(
            "--resume",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            metavar="DIR",
            help="Continue the interrupted run in folder DIR: replications already saved there "
            "are kept and only the missing ones are run. Scenarios and settings come from "
            "DIR; the other arguments may be left out.",
        ),
        click.option(
            "--report",
            is_flag=True,
            help="Also write report.html into the --out folder: one self-contained HTML "
            "report (tables, plots, calibration, assumptions) to open offline or send on.",
        ),
        click.option(
            "--json",
            "as_json",
            is_flag=True,
            help="Print the summary (or comparison) rows as a JSON list instead of a table.",
        ),
        click.option(
            "--event-log/--no-event-log",
            default=None,
            help="Record the per-patient event log (large) [default: run.event_log].",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    with click.progressbar(
        length=total, label=label, file=sys.stderr, show_eta=True, show_pos=True
    ) as bar:
        yield bar.update


def _fmt(value: Any) -> str:
    """A number as the terminal tables show it (see :func:`pathsim.numbers.format_number`)."""
    return format_number(value)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN becomes null)."""
    return [
        {str(k): (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def _print_summary(summary: pd.DataFrame, days: int) -> None:
    rows = summary[summary["kpi"].isin(HEADLINE_KPIS)]
    click.echo(f"Results over {days} days after warm-up (mean and 95% confidence interval):")
    width = max(len(k) for k in rows["kpi"]) if len(rows) else 10
    for r in rows.itertuples():
        click.echo(f"  {r.kpi:<{width}}  {_fmt(r.mean):>10}  [{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]")
    click.echo("All KPIs: use --out DIR (summary.csv) or --json; 'pathsim kpis' explains each.")


def _print_comparison(table: pd.DataFrame, labels: list[str], days: int) -> None:
    click.echo(
        f"Paired differences from '{labels[0]}' over {days} days after warm-up "
        "(same seeds, so the same patients; 95% confidence intervals):"
    )
    shown = table[table["kpi"].isin(HEADLINE_KPIS)]
    width = max(len(k) for k in shown["kpi"]) if len(shown) else 10
    cols = [max(12, len(label)) for label in labels]
    header = f"  {'kpi':<{width}}  {labels[0]:>{cols[0]}}"
    for label, w in zip(labels[1:], cols[1:], strict=True):
        header += f"  {label:>{w}}  {'difference [95% CI]':>30}"
    click.echo(header)
    for kpi, block in shown.groupby("kpi", sort=False):
        by = block.set_index("scenario")
        line = f"  {kpi:<{width}}  {_fmt(by.loc[labels[0], 'mean']):>{cols[0]}}"
        for label, w in zip(labels[1:], cols[1:], strict=True):
            r = by.loc[label]
            diff = f"{_fmt(r['diff'])} [{_fmt(r['diff_ci_low'])}, {_fmt(r['diff_ci_high'])}]"
            line += f"  {_fmt(r['mean']):>{w}}  {diff:>30}"
        click.echo(line)
    click.echo("All KPIs: use --out DIR (comparison.csv) or --json.")


def _command_line(ctx: click.Context) -> str:
    """The command as it would be typed to repeat this run (from the parsed parameters, so it
    is right however pathsim was called)."""
    words = ctx.command_path.split()
    assert isinstance(ctx.command, click.Command)
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if value is None or value == () or value is False:
            continue
        if isinstance(param, click.Argument):
            words += [str(v) for v in value] if isinstance(value, tuple) else [str(value)]
        elif isinstance(param, click.Option):
            flag = param.opts[0] if value is not False else param.secondary_opts[0]
            if param.is_flag:
                words.append(flag)
            else:
                words += [flag, str(value)]
    return " ".join(shlex.quote(w) for w in words)


F = TypeVar("F", bound=Callable[..., Any])

SWEEP_KPIS = (
    "delayed_discharge_bed_days",
    "bed_occupancy",
    "ed_4h_performance",
    "ed_12h_trolley_waits",
    "cost_total_gbp",
)
"""Shown in the terminal after a sweep or sensitivity analysis unless --kpi says otherwise."""

PRECISION_KPIS = (
    "ed_4h_performance",
    "emergency_admissions",
    "bed_occupancy",
    "delayed_discharge_bed_days",
    "cost_total_gbp",
)


def _kpi_option(default: Sequence[str], what: str) -> Callable[[F], F]:
    return click.option(
        "--kpi",
        "kpis",
        multiple=True,
        default=default,
        show_default=True,
        metavar="NAME",
        help=f"{what} (repeat for several; 'pathsim kpis' lists them).",
    )


def _check_kpis(kpis: Sequence[str]) -> None:
    unknown = [k for k in kpis if k not in KPI_DESCRIPTIONS]
    if unknown:
        _fail(f"--kpi: no KPI named {', '.join(unknown)}. 'pathsim kpis' lists the KPIs.")
