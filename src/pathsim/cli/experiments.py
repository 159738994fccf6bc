"""Commands for designed experiments: sweep and sensitivity."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
import pandas as pd

from pathsim.cli.common import check_kpis, fail, fmt, load, records
from pathsim.cli.ensemble import across, ensemble_option
from pathsim.cli.execute import execute, resolve_inputs
from pathsim.cli.options import SWEEP_KPIS, RunOptions, kpi_option, run_options
from pathsim.experiment.design import (
    DesignError,
    default_sensitivity_parameters,
    parse_values,
    sensitivity_plan,
    sweep_plan,
    value_at,
)
from pathsim.experiment.design_file import is_design_file, load_design
from pathsim.experiment.plan import Plan
from pathsim.scenario.errors import ScenarioError
from pathsim.scenario.models import Scenario


def _parse_vary(base: Scenario, items: Sequence[str], option: str) -> dict[str, list[Any]]:
    vary: dict[str, list[Any]] = {}
    for item in items:
        field, sep, text = item.partition("=")
        field = field.strip()
        if not sep or not field:
            fail(f"{option} '{item}': write FIELD=VALUES, e.g. acute_ward.beds=560:640:40.")
        try:
            vary[field] = parse_values(text, value_at(base, field), where=f"{option} {field}")
        except DesignError as exc:
            fail(str(exc))
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
                else f"  {fmt(d['diff'])} [{fmt(d['diff_ci_low'])}, {fmt(d['diff_ci_high'])}]"
            )
            click.echo(
                f"  {d['point']:>4}  {where:<40} {fmt(d['mean']):>12} "
                f"[{fmt(d['ci_low'])}, {fmt(d['ci_high'])}]{diff}"
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
@kpi_option(SWEEP_KPIS, "KPIs to print")
@ensemble_option
@run_options
def sweep(
    target: str | None,
    vary_items: Sequence[str],
    zip_mode: bool,
    kpis: Sequence[str],
    options: RunOptions,
    ensemble: Path | None,
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
      pathsim sweep scenarios/fragmented.yaml -v acute_ward.beds=560,640 \
          --ensemble runs/calibration --out runs/beds-ensemble
    """
    check_kpis(kpis)
    if ensemble is not None:
        if not target:
            fail("--ensemble needs a TARGET.")
        _sweep_across(target, vary_items, zip_mode, kpis, options, ensemble)
        return
    started = dt.datetime.now().astimezone()
    stored = resolve_inputs([target] if target else [], options.resume, "TARGET", "sweep")
    plan = _sweep_plan(target, vary_items, zip_mode, options) if target else None
    sources = {v.label: target for v in plan.variants} if plan and target else None
    study = execute(plan, options, resume=stored, sources=sources, started=started)
    _show(
        study.sweep_table(),
        kpis,
        options.as_json,
        lambda t: _print_points(t, list(study.plan.design["fields"]), kpis),
    )


def _sweep_across(
    target: str,
    vary_items: Sequence[str],
    zip_mode: bool,
    kpis: Sequence[str],
    options: RunOptions,
    ensemble: Path,
) -> None:
    """The sweep at every setting of the calibration in ``ensemble``."""
    plan = _sweep_plan(target, vary_items, zip_mode, options)
    fields = list(plan.design["fields"])
    points = pd.DataFrame(
        [{"scenario": v.label, **{f: v.overrides[f] for f in fields}} for v in plan.variants]
    )
    across(
        "sweep",
        [(v.label, v.scenario) for v in plan.variants],
        [target],
        options,
        ensemble,
        decided=fields,
        points=points,
        run_cfg=plan.spec,
        kpis=kpis,
    )


def _sweep_plan(
    target: str, vary_items: Sequence[str], zip_mode: bool, options: RunOptions
) -> Plan:
    """The sweep a design file or a scenario file with --vary describes."""
    if is_design_file(target):
        if vary_items:
            fail("give the values either in the design file or with --vary, not both.")
        design, base, vary = _load_design(target)
        if design.vary is None:
            fail(f"{target} is a sensitivity design; run it with 'pathsim sensitivity'.")
        mode, run_cfg = design.mode, design.run
    else:
        base = load(target)
        if not vary_items:
            fail("nothing to vary: give --vary FIELD=VALUES (or a sweep design file).")
        vary, mode, run_cfg = _parse_vary(base, vary_items, "--vary"), "grid", None
    if zip_mode:
        mode = "zip"
    spec = options.spec(base, run_cfg)
    try:
        return sweep_plan(base, vary, spec, mode=mode)
    except DesignError as exc:
        fail(str(exc))


def _load_design(path: str) -> Any:
    try:
        return load_design(path)
    except ScenarioError as exc:
        fail(str(exc))


def _show(
    table: pd.DataFrame, kpis: Sequence[str], as_json: bool, show: Callable[[pd.DataFrame], None]
) -> None:
    """The table's rows for ``kpis``: as JSON, or printed by ``show`` with a pointer to the
    full CSV."""
    if as_json:
        click.echo(json.dumps(records(table[table["kpi"].isin(kpis)]), indent=1))
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
@kpi_option(SWEEP_KPIS, "KPIs to print")
@run_options
def sensitivity(
    target: str | None,
    param_items: Sequence[str],
    kpis: Sequence[str],
    options: RunOptions,
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
    check_kpis(kpis)
    started = dt.datetime.now().astimezone()
    stored = resolve_inputs([target] if target else [], options.resume, "TARGET", "sensitivity")
    plan = _sensitivity_plan(target, param_items, options) if target else None
    sources = {v.label: target for v in plan.variants} if plan and target else None
    study = execute(plan, options, resume=stored, sources=sources, started=started)
    _show(study.sensitivity_table(), kpis, options.as_json, lambda t: _print_tornado(t, kpis))


def _sensitivity_plan(target: str, param_items: Sequence[str], options: RunOptions) -> Plan:
    """The one-at-a-time analysis a design file, or a scenario file with --param (or every
    capacity at -/+10%), describes."""
    run_cfg = None
    if is_design_file(target):
        design, base, values = _load_design(target)
        if design.parameters is None:
            fail(f"{target} is a sweep design; run it with 'pathsim sweep'.")
        params = {f: (v[0], v[1]) for f, v in values.items()}
        run_cfg = design.run
    else:
        base = load(target)
        parsed = _parse_vary(base, param_items, "--param")
        for field, vals in parsed.items():
            if len(vals) != 2:
                fail(f"--param {field}: give two values, LOW,HIGH (got {len(vals)}).")
        params = {f: (v[0], v[1]) for f, v in parsed.items()}
        params = params or default_sensitivity_parameters(base)
    spec = options.spec(base, run_cfg)
    try:
        return sensitivity_plan(base, params, spec)
    except DesignError as exc:
        fail(str(exc))


def _print_tornado(table: pd.DataFrame, kpis: Sequence[str]) -> None:
    for kpi in kpis:
        rows = table[table["kpi"] == kpi]
        if rows.empty:
            continue
        base = rows["base_mean"].iloc[0]
        click.echo(f"{kpi} (base {fmt(base)}; difference from the base [95% CI]):")
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
                    f"{setting} {r['value']}: {fmt(r['diff'])} "
                    f"[{fmt(r['diff_ci_low'])}, {fmt(r['diff_ci_high'])}]"
                )
            click.echo(f"  {p:<{width}}  {parts[0]:<40} {parts[1]}")


COMMANDS = (sweep, sensitivity)
