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

from pathsim.cli_common import (
    SWEEP_KPIS,
    _check_kpis,
    _fail,
    _fmt,
    _kpi_option,
    _load,
    _records,
    run_options,
)
from pathsim.cli_execute import (
    backend_from,
    execute,
    resolve_inputs,
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
from pathsim.experiment.plan import Plan
from pathsim.experiment.runner import RunSpec
from pathsim.scenario.errors import ScenarioError
from pathsim.scenario.models import Scenario


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
    stored = resolve_inputs([target] if target else [], resume, "TARGET", "sweep")
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
    study = execute(
        plan,
        out=out,
        resume=stored,
        backend=backend,
        sources={v.label: target for v in plan.variants} if plan and target else None,
        started=started,
        report=report,
    )
    table = study.sweep_table()
    _show(table, kpis, as_json, lambda t: _print_points(t, list(study.plan.design["fields"]), kpis))


def _load_design(path: str) -> Any:
    try:
        return load_design(path)
    except ScenarioError as exc:
        _fail(str(exc))


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
    stored = resolve_inputs([target] if target else [], resume, "TARGET", "sensitivity")
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
    study = execute(
        plan,
        out=out,
        resume=stored,
        backend=backend,
        sources={v.label: target for v in plan.variants} if plan and target else None,
        started=started,
        report=report,
    )
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


COMMANDS = (sweep, sensitivity)
