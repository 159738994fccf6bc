"""``--ensemble DIR`` of ``pathsim run``, ``compare`` and ``sweep``: the same runs at every
setting a calibration kept, with intervals that combine what is not known about the system
with chance."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

import click
import pandas as pd

from pathsim.atomic import write_text
from pathsim.cli.common import fail, fmt, interrupted, progress, records
from pathsim.cli.options import RunOptions
from pathsim.experiment.ensemble import (
    ENSEMBLE_COLUMNS,
    EnsembleError,
    EnsembleResult,
    own_ranges,
    read_ensemble,
    run_ensemble,
    uncalibrated_ranges,
    with_own_ranges,
)
from pathsim.experiment.kpi_store import KpiStore, run_fingerprint
from pathsim.experiment.runner import RunSpec
from pathsim.experiment.store import package_version, write_table
from pathsim.scenario.errors import ScenarioError
from pathsim.scenario.models import Scenario

F = TypeVar("F", bound=Callable[..., Any])
Kind = Literal["run", "compare", "sweep"]

ENSEMBLE_REPLICATIONS = 2
"""Replications a setting when -r is not given."""

ENSEMBLE_FILE = "ensemble.json"

SHOWN = (
    "ed_4h_performance",
    "ed_12h_trolley_waits",
    "emergency_admissions",
    "bed_occupancy",
    "delayed_discharge_bed_days",
    "nctr_per_100_beds",
    "days_at_home_90d",
    "cost_nhs_gbp",
    "cost_local_authority_gbp",
    "cost_total_gbp",
    "empty_bed_cost_gbp",
)
"""The KPIs printed by run and compare (every KPI is in --json and ensemble_comparison.csv)."""


def ensemble_option(func: F) -> F:
    """The --ensemble DIR option of run, compare and sweep."""
    return click.option(
        "--ensemble",
        type=click.Path(file_okay=False, exists=True, path_type=Path),
        default=None,
        metavar="DIR",
        help=(
            "Run at every setting a calibration kept (DIR: the --out folder of pathsim "
            "calibrate) and report each KPI and difference with its interval combining what "
            "is not known about the system and chance, beside the chance-only one, and the "
            "share of settings in which a difference goes the better way. Replications "
            "default to 2 a setting; the same command into the same --out resumes."
        ),
    )(func)


def across(
    kind: Kind,
    scenarios: Sequence[tuple[str, Scenario]],
    files: Sequence[str],
    options: RunOptions,
    folder: Path,
    *,
    decided: Sequence[str] = (),
    points: pd.DataFrame | None = None,
    run_cfg: object = None,
    kpis: Sequence[str] = SHOWN,
) -> None:
    """Runs ``scenarios`` (the first is the base) at every kept setting of the calibration
    in ``folder`` and prints (or writes) the ensemble table. ``decided`` are fields the
    command itself sets (a sweep's), not varied; ``points`` maps each scenario label of a
    sweep to its values of those fields (a column per field, and ``scenario``)."""
    if options.resume is not None or options.report:
        fail(
            "--ensemble takes neither --resume nor --report: run the same command again into "
            "the same --out to continue, then pathsim report DIR."
        )
    try:
        settings, meta = read_ensemble(folder)
    except EnsembleError as exc:
        fail(str(exc))
    base = scenarios[0][1]
    spec = options.spec(base, run_cfg)
    if options.replications is None:
        spec = RunSpec(ENSEMBLE_REPLICATIONS, spec.seed, spec.days, spec.warmup_days)
    if spec.replications < 2:
        fail(
            "--ensemble needs at least 2 replications a setting (-r 2): the chance part of "
            "each interval comes from them."
        )
    fixed = [f for f in decided if f in settings.columns]
    settings = _drawn(kind, scenarios, settings, spec.seed, decided)
    out = options.out.expanduser().resolve() if options.out else None
    info = {
        "command": kind,
        "calibration": str(folder.resolve()),
        "calibrated": meta.get("scenario"),
        "targets_name": meta.get("targets_name"),
        "settings": len(settings),
        "replications": spec.replications,
        "seed": spec.seed,
        "days": spec.days,
        "warmup_days": spec.warmup_days,
        "labels": [label for label, _ in scenarios],
        "files": [str(Path(f).expanduser().resolve()) for f in files],
        "decided": fixed,
        "version": package_version(),
        "status": "incomplete",
    }
    if out is not None:
        _check_folder(out)
    try:
        store = (
            KpiStore(out / "runs", run_fingerprint([sc for _, sc in scenarios], spec))
            if out
            else None
        )
        if out is not None:
            write_text(out / ENSEMBLE_FILE, json.dumps(info, indent=1))
        total = len(settings) * len(scenarios) * spec.replications
        with progress(total, f"{len(settings)} settings") as step:
            result = run_ensemble(
                scenarios, settings, spec, backend=options.backend(), progress=step, store=store
            )
    except KeyboardInterrupt:
        interrupted(out / "runs" if out else None)
    except ScenarioError as exc:
        fail(f"a setting drawn from the ranges is not a valid scenario: {exc}")
    except ValueError as exc:
        fail(str(exc))
    table = result.comparison()
    if points is not None:
        swept = [c for c in points.columns if c != "scenario"]
        table = table.merge(points, on="scenario", how="left")
        table = table[["kpi", "scenario", *swept, *ENSEMBLE_COLUMNS[2:]]]
    if out is not None:
        _write(out, info, result, table, settings)
    if options.as_json:
        click.echo(json.dumps(records(table), indent=1))
        return
    for label, fields in result.kept_as_set.items():
        if fields and kind != "sweep":
            click.echo(f"'{label}' keeps its own value of: {', '.join(fields)}", err=True)
    click.echo(
        f"Ensemble: {folder} (calibration of {meta.get('scenario', '?')} to "
        f"{meta.get('targets_name', '?')}).",
        err=True,
    )
    labels = [label for label, _ in scenarios]
    if kind == "sweep":
        _print_sweep(table, labels, kpis, len(settings), spec)
    else:
        _print(table, labels, kpis, len(settings), spec)
    if out is not None:
        click.echo(
            f"Results written to {out} (ensemble_comparison.csv); the report: pathsim report {out}",
            err=True,
        )


def _drawn(
    kind: Kind,
    scenarios: Sequence[tuple[str, Scenario]],
    settings: pd.DataFrame,
    seed: int,
    decided: Sequence[str],
) -> pd.DataFrame:
    """The settings to run, saying what is not varied (the fields the command sets) and what
    is drawn for every setting beside the calibration's values."""
    base = scenarios[0][1]
    fixed = [f for f in decided if f in settings.columns]
    if fixed:
        settings = settings.drop(columns=fixed)
        click.echo(f"Not varied (the {kind} sets them): {', '.join(fixed)}", err=True)
    added = own_ranges(base, [sc for _, sc in scenarios[1:]])
    missing = [p for p in uncalibrated_ranges(base, settings) if p not in decided]
    if missing:
        click.echo(
            f"Drawn for every setting (ranges of the base the calibration did not vary): "
            f"{', '.join(missing)}",
            err=True,
        )
    if added:
        click.echo(
            f"Also drawn for every setting (ranges the others add): {', '.join(added)}", err=True
        )
    return with_own_ranges(scenarios, settings, seed, skip=decided)


def _check_folder(out: Path) -> None:
    """Refuses an --out that holds anything but an ensemble run (which it continues)."""
    if out.is_dir() and any(out.iterdir()) and not (out / ENSEMBLE_FILE).exists():
        fail(f"{out} has other files in it; choose an empty or new folder for --out.")
    if out.exists() and not out.is_dir():
        fail(f"{out} exists and is not a folder; choose another --out.")


def _write(
    out: Path,
    info: dict[str, Any],
    result: EnsembleResult,
    table: pd.DataFrame,
    settings: pd.DataFrame,
) -> None:
    write_table(out, "ensemble_comparison", table)
    write_table(out, "ensemble_replications", result.kpis)
    write_table(out, "ensemble_settings", settings)
    info["status"] = "complete"
    write_text(out / ENSEMBLE_FILE, json.dumps(info, indent=1))


def _interval(low: object, high: object) -> str:
    return f"[{fmt(low)}, {fmt(high)}]"


def _share(value: object) -> str:
    share = float(value)  # type: ignore[arg-type]
    return "" if share != share else f"{share:.0%}"


def _print(
    table: pd.DataFrame, labels: list[str], kpis: Sequence[str], settings: int, spec: RunSpec
) -> None:
    head = (
        f"Across {settings} settings kept by the calibration, {spec.replications} replications "
        f"each of {spec.days} days"
    )
    if len(labels) == 1:
        click.echo(
            f"{head}. Mean; chance-only 95% interval; combined 95% interval (what is not known "
            "about the system and chance):"
        )
        rows = table[table["kpi"].isin(kpis)]
        width = max((len(k) for k in rows["kpi"]), default=10)
        for r in rows.itertuples():
            click.echo(
                f"  {r.kpi:<{width}}  {fmt(r.mean):>12}  chance {_interval(r.ci_low, r.ci_high)}"
                f"  combined {_interval(r.unc_low, r.unc_high)}"
            )
        return
    click.echo(
        f"{head} (same patients in every scenario and setting). Differences from "
        f"'{labels[0]}': mean; chance-only 95% interval; combined 95% interval (what is not "
        "known about the system and chance); share of settings in which it goes the better way:"
    )
    rows = table[table["kpi"].isin(kpis) & (table["scenario"] != labels[0])]
    width = max((len(k) for k in rows["kpi"]), default=10)
    for r in rows.itertuples():
        click.echo(
            f"  {r.scenario}  {r.kpi:<{width}}  {fmt(r.diff):>12}  chance "
            f"{_interval(r.diff_ci_low, r.diff_ci_high)}  combined "
            f"{_interval(r.diff_unc_low, r.diff_unc_high)}  {_share(r.share_favourable)}"
        )


def _print_sweep(
    table: pd.DataFrame, labels: list[str], kpis: Sequence[str], settings: int, spec: RunSpec
) -> None:
    fields = [c for c in table.columns[2 : table.columns.get_loc("mean")]]
    click.echo(
        f"Across {settings} settings kept by the calibration, {spec.replications} replications "
        f"each of {spec.days} days at every point (same patients everywhere). Per point: mean "
        f"and combined 95% interval; difference from point {labels[0]} with its combined "
        "interval and the share of settings in which it goes the better way:"
    )
    for kpi in kpis:
        rows = table[table["kpi"] == kpi]
        if rows.empty:
            continue
        click.echo(f"{kpi}:")
        for d in rows.to_dict(orient="records"):
            where = ", ".join(f"{'.'.join(str(f).split('.')[-2:])}={d[f]}" for f in fields)
            diff = (
                ""
                if d["scenario"] == labels[0]
                else f"  {fmt(d['diff'])} {_interval(d['diff_unc_low'], d['diff_unc_high'])}"
                f"  {_share(d['share_favourable'])}"
            )
            click.echo(
                f"  {d['scenario']:>5}  {where:<40} {fmt(d['mean']):>12} "
                f"{_interval(d['unc_low'], d['unc_high'])}{diff}"
            )
