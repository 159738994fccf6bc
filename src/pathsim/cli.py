"""The ``pathsim`` command: a thin front over the same functions as the Python API.

Exit codes: 0 success; 2 bad input (a scenario file, an option, an output folder), with a
message naming the file and the field; 1 an unexpected failure (set PATHSIM_DEBUG=1 for the
traceback).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shlex
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import pandas as pd

from pathsim.experiment.runner import (
    ComparisonResult,
    ExperimentResult,
    RunSpec,
    compare,
    run_experiment,
)
from pathsim.model.kpis import KPI_DESCRIPTIONS, describe
from pathsim.output import OutputError, check_target, package_version, write_run_folder
from pathsim.scenario.errors import ScenarioError
from pathsim.scenario.loader import load_scenario
from pathsim.scenario.models import Scenario
from pathsim.scenario.workload import Workload, too_large, warnings, workload

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


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def _load(path: str) -> Scenario:
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        _fail(str(exc))
        raise AssertionError from exc  # unreachable


def _label_for(path: str, taken: set[str]) -> str:
    base = Path(path).stem or "scenario"
    label, k = base, 2
    while label in taken:
        label, k = f"{base}_{k}", k + 1
    taken.add(label)
    return label


def run_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by run and compare."""
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
            help="Write a run folder here (CSV results, resolved scenarios, seeds, version).",
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
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    a = abs(value)
    if a >= 1000:
        return f"{value:,.0f}"
    if a >= 100:
        return f"{value:.1f}"
    if a >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


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


def _check_out(out: Path | None) -> None:
    """Refuses an unusable --out before anything is simulated."""
    if out is not None:
        try:
            check_target(out)
        except OutputError as exc:
            _fail(f"cannot write the results folder: {exc}")


def _check_size(scenarios: Sequence[Scenario], spec: RunSpec) -> None:
    """Refuses a run too large to finish, and announces a long one, before it starts."""
    total = [
        workload(sc, spec.days, spec.warmup_days, spec.replications, spec.event_log)
        for sc in scenarios
    ]
    combined = Workload(
        sum(w.patients for w in total),
        sum(w.seconds for w in total),
        max(w.event_log_bytes for w in total),
    )
    reason = too_large(combined)
    if reason:
        _fail(f"refused: {reason}")
    for message in warnings(combined):
        click.echo(f"Warning: {message}", err=True)


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


def _write(
    out: Path | None,
    result: ExperimentResult | ComparisonResult,
    started: dt.datetime,
    sources: dict[str, str],
) -> None:
    if out is None:
        return
    command = _command_line(click.get_current_context())
    try:
        write_run_folder(out, result, command=command, started=started, sources=sources)
    except (OutputError, OSError) as exc:
        _fail(f"cannot write the results folder: {exc}")
    click.echo(f"Results written to {out}", err=True)


@click.group(
    name="pathsim",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_version(), prog_name="pathsim")
def main() -> None:
    """Simulate patients flowing through A&E, acute wards and onward care, and compare
    local health and care systems on the same simulated patients.

    \b
    Typical use:
      pathsim validate scenarios/fragmented.yaml
      pathsim run scenarios/fragmented.yaml --replications 10 --out runs/default
      pathsim compare scenarios/fragmented.yaml scenarios/teaching/home_care_cut.yaml
      pathsim schema > scenario.schema.json    (for editor completion)

    Scenario files are YAML; a file can start with 'extends: base.yaml' and change only what
    differs. Every command exits with 2 and a message naming the file and field when the
    input is wrong.
    """


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
def validate(files: Sequence[str]) -> None:
    """Check scenario FILES without running them.

    Prints 'ok' and a one-line description for each valid file; for an invalid one, the
    file, the field path, what is wrong and what is allowed. Exits 2 if any file is invalid.
    """
    bad = 0
    for f in files:
        try:
            sc = load_scenario(f)
        except ScenarioError as exc:
            click.echo(f"Error: {exc}", err=True)
            bad += 1
            continue
        click.echo(
            f"ok  {f}: '{sc.name}', population {sc.population:,}, {len(sc.segments)} segments, "
            f"{sc.acute_ward.beds} beds, {len(sc.onward_services)} onward services"
        )
    if bad:
        sys.exit(EXIT_BAD_INPUT)


@main.command()
@click.argument("scenario", type=click.Path(path_type=str))
@run_options
def run(
    scenario: str,
    replications: int | None,
    seed: int | None,
    days: int | None,
    warmup_days: int | None,
    out: Path | None,
    as_json: bool,
    event_log: bool | None,
) -> None:
    """Run replications of one SCENARIO and report each KPI with its 95% confidence interval.

    \b
    Example:
      pathsim run scenarios/fragmented.yaml -r 20 --out runs/default
    """
    started = dt.datetime.now().astimezone()
    sc = _load(scenario)
    _check_out(out)
    spec = RunSpec.from_scenario(sc, replications, seed, days, warmup_days, event_log)
    _check_size([sc], spec)
    label = _label_for(scenario, set())
    with _progress(spec.replications, f"Running {label}") as step:
        result = run_experiment(sc, spec, label=label, progress=step)
    _write(out, result, started, {label: scenario})
    summary = result.summary()
    if as_json:
        click.echo(json.dumps(_records(summary), indent=1))
    else:
        _print_summary(summary, spec.days)


@main.command(name="compare")
@click.argument("base", type=click.Path(path_type=str))
@click.argument("others", nargs=-1, required=True, type=click.Path(path_type=str))
@run_options
def compare_cmd(
    base: str,
    others: Sequence[str],
    replications: int | None,
    seed: int | None,
    days: int | None,
    warmup_days: int | None,
    out: Path | None,
    as_json: bool,
    event_log: bool | None,
) -> None:
    """Run BASE and each of OTHERS on the same seeds and report paired differences.

    Replication r of every scenario sees the same patients (arrival times, segments, clinical
    lengths of stay), so differences come from the configuration, not from luck. Run settings
    (replications, seed, days, warm-up) come from BASE unless given as options.

    \b
    Example:
      pathsim compare scenarios/fragmented.yaml scenarios/teaching/home_care_cut.yaml -r 20
    """
    started = dt.datetime.now().astimezone()
    taken: set[str] = set()
    loaded = [(_label_for(p, taken), _load(p), p) for p in (base, *others)]
    _check_out(out)
    spec = RunSpec.from_scenario(loaded[0][1], replications, seed, days, warmup_days, event_log)
    _check_size([sc for _, sc, _ in loaded], spec)
    with _progress(spec.replications * len(loaded), "Comparing") as step:
        result = compare([(label, sc) for label, sc, _ in loaded], spec, progress=step)
    _write(out, result, started, {label: path for label, _, path in loaded})
    table = result.comparison()
    if as_json:
        click.echo(json.dumps(_records(table), indent=1))
    else:
        _print_comparison(table, [label for label, _, _ in loaded], spec.days)


@main.command()
def schema() -> None:
    """Print the JSON Schema of scenario files.

    Point your editor's YAML support at it for completion and checking, e.g. for VS Code's
    YAML extension add '# yaml-language-server: $schema=scenario.schema.json' at the top of a
    scenario file.
    """
    click.echo(json.dumps(Scenario.model_json_schema(by_alias=True), indent=2))


@main.command()
def kpis() -> None:
    """List the KPIs every run reports, with what each measures."""
    width = max(len(k) for k in KPI_DESCRIPTIONS)
    for name in KPI_DESCRIPTIONS:
        click.echo(f"{name:<{width}}  {describe(name)}")


@main.command()
@click.option("--quick", is_flag=True, help="A fifth of the data (about 15 s): the subset CI runs.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=os.cpu_count() or 1,
    show_default="all cores",
    help="Processes to run replications in.",
)
def verify(quick: bool, workers: int) -> None:
    """Check the engine against results known exactly, and print a table.

    Cases: mean waits of M/M/c queues against Erlang C (loads 0.5 to 0.975), a loss service
    against Erlang B with exponential, lognormal and fixed stays (insensitivity), Little's
    law for the beds, a saturated two-station line without buffer (throughput 2 mu / 3), and
    conservation of patients and of money. A case passes when the exact value is within 3.5
    standard errors of the estimate and the estimate is precise enough to tell. The full set
    takes about five minutes on two cores. Exit code 0 when every case passes, 1 otherwise.
    """
    from pathsim.verify import cases, run_cases

    selected = cases(quick=quick)
    total = sum(c.replications for c in selected)
    with _progress(total, "Verifying") as step:
        results = list(run_cases(selected, workers=workers, progress=step))
    width = max(len(r.case) for r in results)
    click.echo(f"{'case':<{width}}  {'exact':>10}  {'simulated [95% CI]':>32}  verdict")
    for r in results:
        ci = f"{_fmt(r.mean)} [{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]"
        verdict = "pass" if r.passed else "FAIL"
        click.echo(f"{r.case:<{width}}  {_fmt(r.expected):>10}  {ci:>32}  {verdict} ({r.why})")
        click.echo(f"{'':<{width}}  {r.measure}")
    failed = [r.case for r in results if not r.passed]
    click.echo(f"{len(results) - len(failed)} of {len(results)} cases pass.")
    if failed:
        sys.exit(1)


def entry() -> None:
    """The console script: like ``main`` but an unexpected failure prints one line (and exit
    code 1) instead of a traceback, unless PATHSIM_DEBUG is set."""
    try:
        main()
    except Exception as exc:
        if os.environ.get("PATHSIM_DEBUG"):
            raise
        click.echo(
            f"pathsim failed unexpectedly: {exc!r}. Set PATHSIM_DEBUG=1 for the traceback and "
            "please report it.",
            err=True,
        )
        sys.exit(1)
