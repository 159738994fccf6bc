"""The ``pathsim screen`` command: which ranges matter most for a KPI or an effect (Morris
screening with SALib)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from pathsim.cli.common import fail, fmt, label_for, load, progress, records
from pathsim.cli.options import backend_from, backend_options, design_run_options
from pathsim.experiment.runner import RunSpec
from pathsim.scenario.errors import ScenarioError

SHOWN = 15
"""Ranges printed (all are in --json and screening.csv)."""


@click.command()
@click.argument("base", type=click.Path(path_type=str))
@click.argument("other", required=False, type=click.Path(path_type=str))
@click.option("--kpi", required=True, help="The KPI to screen ('pathsim kpis' lists them).")
@click.option(
    "--trajectories",
    type=click.IntRange(2, 1000),
    default=10,
    show_default=True,
    help="Morris trajectories: each runs every scenario at (ranges + 1) settings.",
)
@click.option(
    "--method",
    type=click.Choice(["morris", "sobol"]),
    default="morris",
    show_default=True,
    help="morris: screening, (ranges + 1) settings a trajectory; sobol: variance-based "
    "first-order and total indices (S1, ST), samples x (ranges + 2) settings, for when "
    "screening has left a handful of ranges.",
)
@click.option(
    "--samples",
    type=click.IntRange(4, 1_000_000),
    default=64,
    show_default=True,
    help="Sobol' base samples (a power of 2); each runs every scenario at (ranges + 2) settings.",
)
@click.option(
    "--replications",
    "-r",
    type=click.IntRange(1, 1000),
    default=1,
    show_default=True,
    help="Replications at each setting (the same seeds at every setting).",
)
@design_run_options
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write screening_KPI.csv, the settings run with the output at each "
    "(points_KPI.csv) and screening_KPI.png, saving each replication as it finishes: the "
    "same command resumes, and another --kpi into the same folder reuses every run.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the ranked rows as JSON.")
@backend_options
def screen(
    base: str,
    other: str | None,
    kpi: str,
    trajectories: int,
    method: str,
    samples: int,
    replications: int,
    days: int | None,
    warmup_days: int | None,
    seed: int | None,
    out: Path | None,
    as_json: bool,
    workers: int | None,
    dask_address: str | None,
) -> None:
    """Rank BASE's ranges (its uncertainty: section) by how much each moves KPI, or, with
    OTHER, the difference OTHER - BASE in KPI (the effect of a change), by Morris screening
    (or, with --method sobol, by variance-based Sobol' indices).

    mu* is how far the output moves over a range (from its 5th to its 95th percentile, in
    steps, averaged over settings of the other ranges); sigma, how much that depends on the
    others. The ranges at the top are the assumptions the answer rests on: collect local
    data on those first. docs/uncertainty.md says more.

    \b
    Examples:
      pathsim screen scenarios/fragmented.yaml scenarios/integrated.yaml \\
          --kpi delayed_discharge_bed_days --trajectories 10 --out runs/screen-delays
      pathsim screen scenarios/fragmented.yaml --kpi ga_bed_occupancy -d 180
    """
    from pathsim.experiment.global_sensitivity import screen as run_screen
    from pathsim.experiment.kpi_store import KpiStore, run_fingerprint

    taken: set[str] = set()
    files = [base, *([other] if other else [])]
    scenarios = [(label_for(p, taken), load(p)) for p in files]
    sc = scenarios[0][1]
    if not sc.uncertainty:
        fail(f"{base} has no ranges: add an 'uncertainty:' section (docs/uncertainty.md).")
    spec = RunSpec.from_scenario(
        sc, replications=replications, seed=seed, days=days, warmup_days=warmup_days
    )
    folder = out.expanduser().resolve() if out else None
    from pathsim.experiment.ensemble import own_ranges

    ranges = len(sc.uncertainty) + len(own_ranges(sc, [s for _, s in scenarios[1:]]))
    if method == "sobol" and samples & (samples - 1):
        fail(f"--samples {samples}: give a power of 2 (Sobol' points balance only then).")
    per = samples * (ranges + 2) if method == "sobol" else trajectories * (ranges + 1)
    total = per * len(scenarios) * replications
    try:
        with progress(total, "Screening") as step:
            result = run_screen(
                scenarios,
                kpi,
                spec,
                trajectories=trajectories,
                seed=seed,
                method=method,  # type: ignore[arg-type]
                samples=samples,
                backend=backend_from(workers, dask_address),
                progress=step,
                store=(
                    KpiStore(folder / "runs", run_fingerprint([s for _, s in scenarios], spec))
                    if folder
                    else None
                ),
            )
    except ScenarioError as exc:
        fail(f"a setting drawn from the ranges is not a valid scenario: {exc}")
    except ValueError as exc:
        fail(str(exc))
    if folder is not None:
        from pathsim.experiment.store import write_table

        stem = "sobol" if method == "sobol" else "screening"
        write_table(folder, f"{stem}_{kpi}", result.indices)
        write_table(
            folder, f"points_{stem}_{kpi}" if method == "sobol" else f"points_{kpi}", result.points
        )
        from pathsim.show.plots_screening import save_screening_plot

        save_screening_plot(result, folder / f"{stem}_{kpi}.png")
        from pathsim.atomic import write_text

        record = {
            "output": result.output,
            "method": method,
            "files": files,
            "trajectories": trajectories if method == "morris" else None,
            "samples": samples if method == "sobol" else None,
            "settings": len(result.points),
            "replications": replications,
            "days": spec.days,
            "seed": spec.seed,
        }
        write_text(folder / f"{stem}_{kpi}.json", json.dumps(record, indent=1))
    if as_json:
        click.echo(json.dumps(records(result.indices), indent=1))
        return
    if method == "sobol":
        _print_sobol(result, samples, replications, spec.days)
    else:
        _print_morris(result, trajectories, replications, spec.days)
    if folder is not None:
        stem = "sobol" if method == "sobol" else "screening"
        click.echo(f"Results written to {folder} ({stem}_{kpi}.csv, {stem}_{kpi}.png)", err=True)


def _print_morris(result: Any, trajectories: int, replications: int, days: int) -> None:
    click.echo(
        f"Morris screening of {result.output} over {len(result.indices)} ranges "
        f"({trajectories} trajectories, {len(result.points)} settings, {replications} "
        f"replication(s) of {days} days each); ranked by mu*:"
    )
    width = max(len(r) for r in result.indices["range"][:SHOWN])
    for r in result.indices.head(SHOWN).itertuples():
        click.echo(
            f"  {r.rank:>3}  {r.range:<{width}}  mu* {fmt(r.mu_star):>10} "
            f"(+/- {fmt(r.mu_star_conf)})  sigma {fmt(r.sigma)}"
        )
    click.echo(
        "Reading: the ranges at the top move the answer most over what is plausible for them; "
        "collect local data on those first. A sigma near mu* means the range's effect depends "
        "on the others. Ranges near the bottom can stay at their central values."
    )


def _print_sobol(result: Any, samples: int, replications: int, days: int) -> None:
    click.echo(
        f"Sobol' indices of {result.output} over {len(result.indices)} ranges ({samples} base "
        f"samples, {len(result.points)} settings, {replications} replication(s) of {days} "
        "days each); ranked by the total index ST (share of the variance with interactions):"
    )
    width = max(len(r) for r in result.indices["range"][:SHOWN])
    for r in result.indices.head(SHOWN).itertuples():
        click.echo(
            f"  {r.rank:>3}  {r.range:<{width}}  ST {r.ST:6.3f} (+/- {r.ST_conf:.3f})  "
            f"S1 {r.S1:6.3f} (+/- {r.S1_conf:.3f})"
        )
    click.echo(
        "Reading: ST is the share of the output's variance a range accounts for, alone and "
        "with the others; S1, alone. Collect local data on the ranges with the largest ST; "
        "those with ST near 0 can stay at their central values. With few samples the "
        "intervals are wide and small indices can come out a little below 0."
    )
