"""``pathsim compare ... --ensemble DIR``: a comparison run at every setting a calibration
kept, with intervals that combine what is not known about the system with chance."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click
import pandas as pd

from pathsim.atomic import write_text
from pathsim.cli.common import fail, fmt, label_for, load, progress, records
from pathsim.cli.options import RunOptions
from pathsim.experiment.ensemble import (
    EnsembleError,
    own_ranges,
    read_ensemble,
    run_ensemble,
    with_own_ranges,
)
from pathsim.experiment.kpi_store import KpiStore
from pathsim.experiment.runner import RunSpec
from pathsim.experiment.store import write_table
from pathsim.scenario.errors import ScenarioError

ENSEMBLE_REPLICATIONS = 2
"""Replications a setting when -r is not given."""

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
)
"""The differences printed (every KPI is in --json and ensemble_comparison.csv)."""


def compare_across(files: Sequence[str], options: RunOptions, folder: Path) -> None:
    """Runs BASE and OTHERS at every kept setting of the calibration in ``folder``."""
    if options.resume is not None or options.report:
        fail(
            "--ensemble takes neither --resume nor --report: run the same command again into "
            "the same --out to continue."
        )
    if len(files) < 2:
        fail("compare needs a BASE and at least one other scenario file.")
    try:
        settings, meta = read_ensemble(folder)
    except EnsembleError as exc:
        fail(str(exc))
    taken: set[str] = set()
    scenarios = [(label_for(p, taken), load(p)) for p in files]
    base = scenarios[0][1]
    spec = RunSpec.from_scenario(
        base,
        replications=options.replications or ENSEMBLE_REPLICATIONS,
        seed=options.seed,
        days=options.days,
        warmup_days=options.warmup_days,
    )
    if spec.replications < 2:
        fail(
            "--ensemble needs at least 2 replications a setting (-r 2): the chance part of "
            "each interval comes from them."
        )
    added = own_ranges(base, [sc for _, sc in scenarios[1:]])
    settings = with_own_ranges(scenarios, settings, spec.seed)
    if added:
        click.echo(
            f"Also drawn for every setting (ranges the others add): {', '.join(added)}", err=True
        )
    out = options.out.expanduser().resolve() if options.out else None
    store = KpiStore(out / "runs") if out else None
    total = len(settings) * len(scenarios) * spec.replications
    try:
        with progress(total, f"{len(settings)} settings") as step:
            result = run_ensemble(
                scenarios, settings, spec, backend=options.backend(), progress=step, store=store
            )
    except ScenarioError as exc:
        fail(f"a setting drawn from the ranges is not a valid scenario: {exc}")
    except ValueError as exc:
        fail(str(exc))
    table = result.comparison()
    if out is not None:
        write_table(out, "ensemble_comparison", table)
        write_table(out, "ensemble_replications", result.kpis)
        write_text(
            out / "ensemble.json",
            json.dumps(
                {
                    "calibration": str(folder.resolve()),
                    "settings": len(settings),
                    "replications": spec.replications,
                    "days": spec.days,
                    "files": list(files),
                },
                indent=1,
            ),
        )
    if options.as_json:
        click.echo(json.dumps(records(table), indent=1))
        return
    for label, fields in result.kept_as_set.items():
        if fields:
            click.echo(f"'{label}' keeps its own value of: {', '.join(fields)}", err=True)
    click.echo(
        f"Ensemble: {folder} (calibration of {meta.get('scenario', '?')} to "
        f"{meta.get('targets_name', '?')}).",
        err=True,
    )
    _print(table, [label for label, _ in scenarios], len(settings), spec)
    if out is not None:
        click.echo(f"Results written to {out} (ensemble_comparison.csv)", err=True)


def _print(table: pd.DataFrame, labels: list[str], settings: int, spec: RunSpec) -> None:
    click.echo(
        f"Across {settings} settings kept by the calibration, {spec.replications} replications "
        f"each of {spec.days} days (same patients in every scenario and setting). Differences "
        f"from '{labels[0]}': mean; chance-only 95% interval; combined 95% interval (what is "
        "not known about the system and chance); share of settings in which it goes the "
        "better way:"
    )
    rows = table[table["kpi"].isin(SHOWN) & (table["scenario"] != labels[0])]
    width = max((len(k) for k in rows["kpi"]), default=10)
    for r in rows.itertuples():
        value = float(r.share_favourable)  # type: ignore[arg-type]
        share = "" if value != value else f"{value:.0%}"
        click.echo(
            f"  {r.scenario}  {r.kpi:<{width}}  {fmt(r.diff):>12}  chance [{fmt(r.diff_ci_low)}, "
            f"{fmt(r.diff_ci_high)}]  combined [{fmt(r.diff_unc_low)}, {fmt(r.diff_unc_high)}]"
            f"  {share}"
        )
