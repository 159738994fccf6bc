"""The ``pathsim run`` and ``pathsim compare`` commands: replications of one scenario, and of
several on the same seeds with paired differences."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import click

from pathsim.cli.common import (
    fail,
    headline_kpis,
    label_for,
    load,
    print_calibration,
    print_comparison,
    print_summary,
    records,
)
from pathsim.cli.ensemble import across, ensemble_option
from pathsim.cli.execute import execute, resolve_inputs
from pathsim.cli.options import RunOptions, run_options
from pathsim.experiment.plan import Plan, comparison, single


@click.command()
@click.argument("scenario", required=False, type=click.Path(path_type=str))
@click.option(
    "--calibration",
    is_flag=True,
    help=(
        "Also print the calibration check: each published figure the fragmented base is "
        "calibrated to (docs/calibration.md) beside the mean, the lowest and highest "
        "replication and the share of replications within its range, and how many "
        "replications gridlocked. The figures describe a typical English system of 400,000 "
        "people: for another system they are a reference only."
    ),
)
@ensemble_option
@run_options
def run(
    scenario: str | None, options: RunOptions, calibration: bool, ensemble: Path | None
) -> None:
    """Run replications of one SCENARIO and report each KPI with its 95% confidence interval.

    Replications run in parallel on every core (--workers, or --dask for a cluster); the
    numbers are the same however they are run. With --out, each replication is saved as it
    finishes: an interrupted run continues with --resume DIR.

    \b
    Examples:
      pathsim run scenarios/fragmented.yaml -r 20 --out runs/default
      pathsim run scenarios/fragmented.yaml -r 20 --calibration
      pathsim run --resume runs/default        (after Ctrl-C or a crash)
      pathsim run scenarios/fragmented.yaml --ensemble runs/calibration --out runs/ens
    """
    if ensemble is not None:
        if not scenario:
            fail("--ensemble needs a SCENARIO.")
        across("run", [(label_for(scenario, set()), load(scenario))], [scenario], options, ensemble)
        return
    started = dt.datetime.now().astimezone()
    stored = resolve_inputs([scenario] if scenario else [], options.resume, "SCENARIO", "run")
    given: Plan | None = None
    sources: dict[str, str] | None = None
    if scenario:
        sc = load(scenario)
        given = single(label_for(scenario, set()), sc, options.spec(sc))
        sources = {given.variants[0].label: scenario}
    study = execute(given, options, resume=stored, sources=sources, started=started)
    summary = study.result.summary()
    if options.as_json:
        click.echo(json.dumps(records(summary), indent=1))
    else:
        kpis = headline_kpis(v.scenario for v in study.plan.variants)
        print_summary(summary, study.plan.spec.days, kpis)
        if calibration:
            print_calibration(study.result.kpis, study.plan.spec.days)


@click.command(name="compare")
@click.argument("files", nargs=-1, type=click.Path(path_type=str), metavar="BASE OTHERS...")
@ensemble_option
@run_options
def compare(files: Sequence[str], options: RunOptions, ensemble: Path | None) -> None:
    """Run BASE and each of OTHERS on the same seeds and report paired differences.

    Replication r of every scenario sees the same patients (arrival times, segments, clinical
    lengths of stay), so differences come from the configuration, not from luck. Run settings
    (replications, seed, days, warm-up) come from BASE unless given as options.

    \b
    Examples:
      pathsim compare scenarios/fragmented.yaml scenarios/integrated.yaml -r 20 --out runs/cmp
      pathsim compare --resume runs/cmp        (after Ctrl-C or a crash)
      pathsim compare scenarios/fragmented.yaml scenarios/integrated.yaml \
          --ensemble runs/calibration --out runs/cmp-ensemble
    """
    if ensemble is not None:
        if len(files) < 2:
            fail("compare needs a BASE and at least one other scenario file.")
        used: set[str] = set()
        pairs = [(label_for(p, used), load(p)) for p in files]
        across("compare", pairs, files, options, ensemble)
        return
    started = dt.datetime.now().astimezone()
    stored = resolve_inputs(files, options.resume, "BASE and OTHERS", "compare")
    if files and len(files) < 2:
        fail("compare needs a BASE and at least one other scenario file.")
    given: Plan | None = None
    sources: dict[str, str] = {}
    if files:
        taken: set[str] = set()
        loaded = [(label_for(p, taken), load(p), p) for p in files]
        sources = {label: path for label, _, path in loaded}
        spec = options.spec(loaded[0][1])
        given = comparison([(label, sc) for label, sc, _ in loaded], spec)
    study = execute(given, options, resume=stored, sources=sources, started=started)
    table = study.result.comparison()
    if options.as_json:
        click.echo(json.dumps(records(table), indent=1))
    else:
        labels = [v.label for v in study.plan.variants]
        kpis = headline_kpis(v.scenario for v in study.plan.variants)
        print_comparison(table, labels, study.plan.spec.days, kpis)
        ranges = len(study.plan.variants[0].scenario.uncertainty)
        if ranges:
            click.echo(
                f"These intervals cover chance only, at the central value of each of the "
                f"{ranges} uncertain numbers the base gives a range. For the spread across what "
                "is not known: pathsim calibrate BASE --out DIR, then this command with "
                "--ensemble DIR (docs/uncertainty.md)."
            )


COMMANDS = (run, compare)
