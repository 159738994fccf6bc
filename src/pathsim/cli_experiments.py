"""Commands for analysts: sweep, sensitivity, replications, warmup and rerun."""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
import pandas as pd

from pathsim.cli_common import (
    _fail,
    _fmt,
    _load,
    _progress,
    _records,
    backend_options,
    run_options,
)
from pathsim.cli_execute import (
    backend_from,
    check_out,
    execute,
    resolve_inputs,
    same_plan,
)
from pathsim.experiment.design import (
    DesignError,
    default_sensitivity_parameters,
    parse_values,
    sensitivity_plan,
    sweep_plan,
    value_at,
)
from pathsim.experiment.design_file import is_design_file, load_design
from pathsim.experiment.executor import Backend
from pathsim.experiment.plan import Plan, Study
from pathsim.experiment.runner import RunSpec
from pathsim.experiment.sequential import replications_needed
from pathsim.experiment.store import RunFolder, RunFolderError, write_text
from pathsim.experiment.warmup import warmup_study
from pathsim.model.kpis import KPI_DESCRIPTIONS
from pathsim.model.replication import simulate
from pathsim.scenario.errors import ScenarioError
from pathsim.scenario.models import Scenario

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


def _spec(sc: Scenario, design_run: Any, **given: Any) -> RunSpec:
    """Run settings: options given, else the design file's run:, else the scenario's."""
    values = {k: (v if v is not None else getattr(design_run, k, None)) for k, v in given.items()}
    return RunSpec.from_scenario(sc, **values)


def _parse_vary(base: Scenario, items: Sequence[str], option: str) -> dict[str, list[Any]]:
    vary: dict[str, list[Any]] = {}
    for item in items:
        field, sep, text = item.partition("=")
        field = field.strip()
        if not sep or not field:
            _fail(f"{option} '{item}': write FIELD=VALUES, e.g. acute_ward.beds=560:640:40.")
        try:
            vary[field] = parse_values(text, value_at(base, field), where=f"{option} {field}")
        except DesignError as exc:
            _fail(str(exc))
    return vary


def _print_points(table: pd.DataFrame, fields: list[str], kpis: Sequence[str]) -> None:
    for kpi in kpis:
        rows = table[table["kpi"] == kpi]
        if rows.empty:
            continue
        click.echo(f"{kpi} (mean [95% CI]; difference from point 0 [95% CI]):")
        for d in rows.to_dict(orient="records"):
            where = ", ".join(f"{'.'.join(f.split('.')[-2:])}={d[f]}" for f in fields)
            diff = (
                ""
                if d["point"] == 0
                else f"  {_fmt(d['diff'])} [{_fmt(d['diff_ci_low'])}, {_fmt(d['diff_ci_high'])}]"
            )
            click.echo(
                f"  {d['point']:>4}  {where:<40} {_fmt(d['mean']):>12} "
                f"[{_fmt(d['ci_low'])}, {_fmt(d['ci_high'])}]{diff}"
            )


@click.command()
@click.argument("target", required=False, type=click.Path(path_type=str))
@click.option(
    "--vary",
    "-v",
    "vary_items",
    multiple=True,
    metavar="FIELD=VALUES",
    help="A field of the scenario and its values: a,b,c; from:to:step; or factors of the base "
    "value *0.8,*1.2 or *0.8:1.2:0.1. Repeat for a grid over several fields.",
)
@click.option(
    "--zip",
    "zip_mode",
    is_flag=True,
    help="Pair the values instead of crossing them: point i takes the i-th value of every field.",
)
@_kpi_option(SWEEP_KPIS, "KPIs to print")
@run_options
def sweep(
    target: str | None,
    vary_items: Sequence[str],
    zip_mode: bool,
    kpis: Sequence[str],
    replications: int | None,
    seed: int | None,
    days: int | None,
    warmup_days: int | None,
    out: Path | None,
    resume: Path | None,
    report: bool,
    as_json: bool,
    event_log: bool | None,
    workers: int | None,
    dask_address: str | None,
) -> None:
    """Run a scenario over a grid of values of one or more fields, on common random numbers.

    TARGET is a scenario file (with --vary) or a sweep design file (with 'vary:'; see
    docs/sweeps.md). Every grid point runs the same replications on the same patients, so
    differences between points come from the values alone. Points and replications run in
    parallel; with --out each is saved as it finishes and --resume DIR continues an
    interrupted sweep.

    \b
    Examples:
      pathsim sweep scenarios/fragmented.yaml \\
          --vary onward_services.home_care.capacity='*0.8:1.2:0.1' -r 10 --out runs/home_care
      pathsim sweep scenarios/fragmented.yaml -v acute_ward.beds=560:640:40 \\
          -v onward_services.care_homes.capacity=1100,1300
      pathsim sweep sweeps/home_care.yaml --out runs/home_care
      pathsim sweep --resume runs/home_care
    """
    _check_kpis(kpis)
    started = dt.datetime.now().astimezone()
    stored = resolve_inputs([target] if target else [], resume, "TARGET")
    backend = backend_from(workers, dask_address)
    plan: Plan | None = None
    if target:
        if is_design_file(target):
            if vary_items:
                _fail("give the values either in the design file or with --vary, not both.")
            design, base, vary = _load_design(target)
            if design.vary is None:
                _fail(f"{target} is a sensitivity design; run it with 'pathsim sensitivity'.")
            mode = design.mode
            run_cfg = design.run
        else:
            base = _load(target)
            if not vary_items:
                _fail("nothing to vary: give --vary FIELD=VALUES (or a sweep design file).")
            vary, mode, run_cfg = _parse_vary(base, vary_items, "--vary"), "grid", None
        if zip_mode:
            mode = "zip"
        spec = _spec(
            base,
            run_cfg,
            replications=replications,
            seed=seed,
            days=days,
            warmup_days=warmup_days,
            event_log=event_log,
        )
        try:
            plan = sweep_plan(base, vary, spec, mode=mode)
        except DesignError as exc:
            _fail(str(exc))
    study = _execute_design(plan, stored, out, target, backend, started, report)
    table = study.sweep_table()
    _show(table, kpis, as_json, lambda t: _print_points(t, list(study.plan.design["fields"]), kpis))


def _load_design(path: str) -> Any:
    try:
        return load_design(path)
    except ScenarioError as exc:
        _fail(str(exc))


def _execute_design(
    plan: Plan | None,
    stored: RunFolder | None,
    out: Path | None,
    target: str | None,
    backend: Backend,
    started: dt.datetime,
    report: bool,
) -> Study:
    """Runs a sweep or sensitivity plan built from the arguments, or the stored one when
    resuming (after checking the arguments, if any, describe the same experiment)."""
    if stored is not None:
        if plan is not None:
            same_plan(plan, stored.plan, stored.path)
        plan = stored.plan
    else:
        check_out(out)
    assert plan is not None
    what = (
        f"Sweeping {len(plan.variants)} points"
        if plan.kind == "sweep"
        else f"Sensitivity of {(len(plan.variants) - 1) // 2} parameters"
    )
    study, _ = execute(
        plan,
        out=out,
        resume=stored,
        backend=backend,
        sources={v.label: target for v in plan.variants} if target else None,
        started=started,
        label=what,
        report=report,
    )
    return study


def _show(
    table: pd.DataFrame, kpis: Sequence[str], as_json: bool, show: Callable[[pd.DataFrame], None]
) -> None:
    """The table's rows for ``kpis``: as JSON, or printed by ``show`` with a pointer to the
    full CSV."""
    if as_json:
        click.echo(json.dumps(_records(table[table["kpi"].isin(kpis)]), indent=1))
    else:
        show(table)
        click.echo("All KPIs: use --out DIR (the CSV files) or --json.")


@click.command()
@click.argument("target", required=False, type=click.Path(path_type=str))
@click.option(
    "--param",
    "-p",
    "param_items",
    multiple=True,
    metavar="FIELD=LOW,HIGH",
    help="A field and its low and high values (numbers, or factors *0.9,*1.1 of the base). "
    "Repeat for each parameter. Default: every capacity at -/+10%.",
)
@_kpi_option(SWEEP_KPIS, "KPIs to print")
@run_options
def sensitivity(
    target: str | None,
    param_items: Sequence[str],
    kpis: Sequence[str],
    replications: int | None,
    seed: int | None,
    days: int | None,
    warmup_days: int | None,
    out: Path | None,
    resume: Path | None,
    report: bool,
    as_json: bool,
    event_log: bool | None,
    workers: int | None,
    dask_address: str | None,
) -> None:
    """One-at-a-time sensitivity: which parameter moves each KPI most (a tornado).

    Each parameter is set to its low and to its high value with everything else at the base
    value, on the same patients as the base; the table ranks parameters by the swing between
    low and high. TARGET is a scenario file (with --param, or none for every capacity at
    -/+10%) or a design file with 'parameters:'.

    \b
    Examples:
      pathsim sensitivity scenarios/fragmented.yaml -r 5 --out runs/tornado
      pathsim sensitivity scenarios/fragmented.yaml -p acute_ward.beds=570,630 \\
          -p onward_services.home_care.capacity='*0.9,*1.1'
    """
    _check_kpis(kpis)
    started = dt.datetime.now().astimezone()
    stored = resolve_inputs([target] if target else [], resume, "TARGET")
    backend = backend_from(workers, dask_address)
    plan: Plan | None = None
    if target:
        run_cfg = None
        if is_design_file(target):
            design, base, values = _load_design(target)
            if design.parameters is None:
                _fail(f"{target} is a sweep design; run it with 'pathsim sweep'.")
            params = {f: (v[0], v[1]) for f, v in values.items()}
            run_cfg = design.run
        else:
            base = _load(target)
            parsed = _parse_vary(base, param_items, "--param")
            for field, vals in parsed.items():
                if len(vals) != 2:
                    _fail(f"--param {field}: give two values, LOW,HIGH (got {len(vals)}).")
            params = {f: (v[0], v[1]) for f, v in parsed.items()}
            params = params or default_sensitivity_parameters(base)
        spec = _spec(
            base,
            run_cfg,
            replications=replications,
            seed=seed,
            days=days,
            warmup_days=warmup_days,
            event_log=event_log,
        )
        try:
            plan = sensitivity_plan(base, params, spec)
        except DesignError as exc:
            _fail(str(exc))
    study = _execute_design(plan, stored, out, target, backend, started, report)
    _show(study.sensitivity_table(), kpis, as_json, lambda t: _print_tornado(t, kpis))


def _print_tornado(table: pd.DataFrame, kpis: Sequence[str]) -> None:
    for kpi in kpis:
        rows = table[table["kpi"] == kpi]
        if rows.empty:
            continue
        base = rows["base_mean"].iloc[0]
        click.echo(f"{kpi} (base {_fmt(base)}; difference from the base [95% CI]):")
        wide = rows.set_index(["parameter", "setting"])
        swing = {
            p: abs(wide.loc[(p, "high"), "diff"] - wide.loc[(p, "low"), "diff"])
            for p in rows["parameter"].unique()
        }
        width = max(len(p) for p in swing)
        for p in sorted(swing, key=lambda q: -(0 if math.isnan(swing[q]) else swing[q])):
            parts = []
            for setting in ("low", "high"):
                r = wide.loc[(p, setting)]
                parts.append(
                    f"{setting} {r['value']}: {_fmt(r['diff'])} "
                    f"[{_fmt(r['diff_ci_low'])}, {_fmt(r['diff_ci_high'])}]"
                )
            click.echo(f"  {p:<{width}}  {parts[0]:<40} {parts[1]}")


@click.command()
@click.argument("scenario", type=click.Path(path_type=str))
@_kpi_option(PRECISION_KPIS, "KPIs that must reach the precision")
@click.option(
    "--precision",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.05,
    show_default=True,
    help="Target relative error: the confidence interval's half-width as a share of the mean.",
)
@click.option("--level", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True)
@click.option("--min", "minimum", type=click.IntRange(2, 100_000), default=5, show_default=True)
@click.option("--max", "maximum", type=click.IntRange(2, 100_000), default=100, show_default=True)
@click.option("--seed", "-s", type=click.IntRange(0, 2**63 - 1), default=None)
@click.option("--days", "-d", type=click.IntRange(1, 36_525), default=None)
@click.option("--warmup-days", "-w", type=click.IntRange(0, 36_525), default=None)
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
@backend_options
def replications(
    scenario: str,
    kpis: Sequence[str],
    precision: float,
    level: float,
    minimum: int,
    maximum: int,
    seed: int | None,
    days: int | None,
    warmup_days: int | None,
    as_json: bool,
    workers: int | None,
    dask_address: str | None,
) -> None:
    """How many replications a SCENARIO needs for a target precision.

    Adds replications until every chosen KPI's 95% confidence interval is within the target
    relative error of its mean (the sequential procedure of Law, 2015, with the target
    adjusted to precision/(1+precision)), then prints the number and why. The decision is the
    same on any number of workers.

    \b
    Example:
      pathsim replications scenarios/fragmented.yaml --precision 0.02 --kpi bed_occupancy
    """
    _check_kpis(kpis)
    if minimum > maximum:
        _fail(f"--min ({minimum}) is above --max ({maximum}).")
    sc = _load(scenario)
    spec = RunSpec.from_scenario(sc, seed=seed, days=days, warmup_days=warmup_days)
    with _progress(maximum, "Replicating (stops when precise enough)") as step:
        result = replications_needed(
            sc,
            kpis,
            spec,
            precision=precision,
            level=level,
            minimum=minimum,
            maximum=maximum,
            backend=backend_from(workers, dask_address),
            progress=step,
        )
    if as_json:
        payload = {
            "replications": result.replications,
            "reached": result.reached,
            "precision": precision,
            "explanation": result.explain(),
            "kpis": _records(result.table),
        }
        click.echo(json.dumps(payload, indent=1))
    else:
        click.echo(result.explain())
        for r in result.table.itertuples():
            click.echo(
                f"  {r.kpi:<32} {_fmt(r.mean):>12} [{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]  "
                f"+/-{r.relative_half_width:.2%}  {'met' if r.met else 'NOT met'}"
            )
    if not result.reached:
        sys.exit(1)


@click.command()
@click.argument("scenario", type=click.Path(path_type=str))
@click.option(
    "--days",
    "-d",
    type=click.IntRange(20, 36_525),
    default=730,
    show_default=True,
    help="Days to run from the start (no warm-up); at least twice the expected warm-up.",
)
@click.option("--replications", "-r", type=click.IntRange(1, 10_000), default=5, show_default=True)
@click.option("--seed", "-s", type=click.IntRange(0, 2**63 - 1), default=None)
@click.option(
    "--series",
    multiple=True,
    metavar="SERVICE.METRIC",
    help="Daily series to judge, e.g. acute_ward.occupied [default: A&E and ward occupancy "
    "and queues, medically fit patients, and each onward service].",
)
@click.option(
    "--welch",
    "welch_csv",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write Welch's moving averages (service, metric, day, mean, moving_average) to this "
    "CSV file, to plot and check by eye.",
)
@backend_options
def warmup(
    scenario: str,
    days: int,
    replications: int,
    seed: int | None,
    series: Sequence[str],
    welch_csv: Path | None,
    workers: int | None,
    dask_address: str | None,
) -> None:
    """Recommend a warm-up length for SCENARIO (MSER-5 over replications).

    Runs the scenario from its initial state for --days with no warm-up, averages each daily
    series across replications, and finds where its initial transient ends with MSER-5
    (White 1997; Hoad, Robinson and Davies 2010). Prints the truncation for each series and
    the recommendation (the longest, rounded up to whole weeks), beside the scenario's
    current run.warmup_days.

    \b
    Example:
      pathsim warmup scenarios/fragmented.yaml --days 730 -r 5 --welch runs/welch.csv
    """
    sc = _load(scenario)
    chosen = []
    for item in series:
        service, sep, metric = item.partition(".")
        if not sep:
            _fail(f"--series '{item}': write SERVICE.METRIC, e.g. acute_ward.occupied.")
        chosen.append((service, metric))
    with _progress(replications, "Running from the initial state") as step:
        try:
            result, welch = warmup_study(
                sc,
                days=days,
                replications=replications,
                seed=seed,
                series=chosen or None,
                backend=backend_from(workers, dask_address),
                progress=step,
            )
        except KeyError as exc:
            _fail(f"--series: {exc.args[0]}; see timeseries.parquet of a run for the names.")
    click.echo(result.explain())
    click.echo(f"The scenario's run.warmup_days is {sc.run.warmup_days}.")
    for r in result.table.itertuples():
        note = "" if r.reliable else "  (not settled: run longer)"
        name = f"{r.service}.{r.metric}"
        click.echo(f"  {name:<48} {r.truncation_days:>5} days{note}")
    if welch_csv is not None:
        welch_csv.parent.mkdir(parents=True, exist_ok=True)
        write_text(welch_csv, welch.to_csv(index=False, float_format="%.10g"))
        click.echo(f"Welch moving averages written to {welch_csv}", err=True)


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--scenario", "label", default=None, help="Scenario label [default: the first].")
@click.option("--replication", "-r", type=click.IntRange(0), required=True)
def rerun(folder: Path, label: str | None, replication: int) -> None:
    """Re-run one replication from a run FOLDER alone and check it gives the same numbers.

    Uses the resolved scenario and the seed stored in the folder, so it needs neither the
    original files nor the original command. Exit code 0 when every KPI is identical to the
    stored one, 1 when any differs (listed).

    \b
    Example:
      pathsim rerun runs/comparison --scenario integrated --replication 3
    """
    try:
        stored = RunFolder.open(folder)
        variant = (
            stored.plan.variants[0]
            if label is None
            else next((v for v in stored.plan.variants if v.label == label), None)
        )
        if variant is None:
            labels = ", ".join(v.label for v in stored.plan.variants)
            raise RunFolderError(f"{stored.path} has no scenario '{label}'; it has: {labels}.")
        if replication >= stored.plan.spec.replications:
            raise RunFolderError(
                f"{stored.path} has replications 0 to {stored.plan.spec.replications - 1}."
            )
        before = stored.load(variant.label, replication)
    except RunFolderError as exc:
        _fail(str(exc))
    spec = stored.plan.spec
    again = simulate(
        variant.scenario,
        replication,
        seed=spec.seed,
        days=spec.days,
        warmup_days=spec.warmup_days,
        event_log=False,
    )
    differ = [
        k
        for k, v in before.kpis.items()
        if not (v == again.kpis.get(k) or (math.isnan(v) and math.isnan(again.kpis.get(k, 0.0))))
    ]
    if differ:
        click.echo(f"{len(differ)} of {len(before.kpis)} KPIs differ from the stored run:")
        for k in differ:
            click.echo(f"  {k}: stored {before.kpis[k]!r}, now {again.kpis.get(k)!r}")
        click.echo("A different pathsim or numpy version can explain this (see run.json).")
        sys.exit(1)
    click.echo(
        f"Replication {replication} of '{variant.label}' re-run from {stored.path}: all "
        f"{len(before.kpis)} KPIs identical to the stored results."
    )


COMMANDS = (sweep, sensitivity, replications, warmup, rerun)
