"""Commands for the analysis of a scenario and of run folders: replications (how many),
warmup (how long) and rerun (one replication from a folder)."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from pathsim.atomic import write_text
from pathsim.cli.common import check_kpis, fail, fmt, load, progress, records
from pathsim.cli.options import PRECISION_KPIS, backend_from, backend_options, kpi_option
from pathsim.experiment.runner import RunSpec
from pathsim.experiment.sequential import replications_needed
from pathsim.experiment.store import RunFolder, RunFolderError
from pathsim.experiment.warmup import warmup_study
from pathsim.model.replication import simulate


@click.command()
@click.argument("scenario", type=click.Path(path_type=str))
@kpi_option(PRECISION_KPIS, "KPIs that must reach the precision")
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
    check_kpis(kpis)
    if minimum > maximum:
        fail(f"--min ({minimum}) is above --max ({maximum}).")
    sc = load(scenario)
    spec = RunSpec.from_scenario(sc, seed=seed, days=days, warmup_days=warmup_days)
    with progress(maximum, "Replicating (stops when precise enough)") as step:
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
            "kpis": records(result.table),
        }
        click.echo(json.dumps(payload, indent=1))
    else:
        click.echo(result.explain())
        for r in result.table.itertuples():
            click.echo(
                f"  {r.kpi:<32} {fmt(r.mean):>12} [{fmt(r.ci_low)}, {fmt(r.ci_high)}]  "
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
    sc = load(scenario)
    chosen = []
    for item in series:
        service, sep, metric = item.partition(".")
        if not sep:
            fail(f"--series '{item}': write SERVICE.METRIC, e.g. acute_ward.occupied.")
        chosen.append((service, metric))
    with progress(replications, "Running from the initial state") as step:
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
            fail(f"--series: {exc.args[0]}; see timeseries.parquet of a run for the names.")
    click.echo(result.explain())
    click.echo(f"The scenario's run.warmup_days is {sc.run.warmup_days}.")
    for r in result.table.itertuples():
        note = "" if r.reliable else "  (not settled: run longer)"
        name = f"{r.service}.{r.metric}"
        click.echo(f"  {name:<48} {r.truncation_days:>5} days{note}")
    if welch_csv is not None:
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
        fail(str(exc))
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


COMMANDS = (replications, warmup, rerun)
