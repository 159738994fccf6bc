"""The ``pathsim`` group: its help, the small commands (validate, schema, kpis, verify), every
other command registered from its module, and the console script ``entry``."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence

import click

from pathsim.cli.analysis import COMMANDS as ANALYSIS_COMMANDS
from pathsim.cli.calibrate import calibrate
from pathsim.cli.common import EXIT_BAD_INPUT, fmt, load_checked, progress
from pathsim.cli.experiments import COMMANDS as DESIGN_COMMANDS
from pathsim.cli.live import COMMANDS as LIVE_COMMANDS
from pathsim.cli.report import COMMANDS as REPORT_COMMANDS
from pathsim.cli.run import COMMANDS as RUN_COMMANDS
from pathsim.cli.screen import screen
from pathsim.model.kpis import KPI_DESCRIPTIONS, describe
from pathsim.output import package_version
from pathsim.scenario.errors import ScenarioError
from pathsim.scenario.models import Scenario

__all__ = ["entry", "main"]


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
      pathsim compare scenarios/fragmented.yaml scenarios/integrated.yaml --out runs/cmp --report
      pathsim sweep scenarios/fragmented.yaml -v onward_services.home_care.capacity='*0.8:1.2:0.1'
      pathsim sensitivity scenarios/fragmented.yaml     (which capacity matters most)
      pathsim replications scenarios/fragmented.yaml    (how many replications)
      pathsim warmup scenarios/fragmented.yaml          (how long a warm-up)
      pathsim report runs/cmp; pathsim diagram scenarios/integrated.yaml
      pathsim schema > scenario.schema.json             (for editor completion)

    Replications run on every core (--workers; --dask ADDRESS for a cluster) with the same
    results however they run. With --out each is saved as it finishes, and --resume DIR
    continues an interrupted run. Scenario files are YAML; a file can start with
    'extends: base.yaml' and change only what differs (the base must be inside the
    scenario's project folder). Every command exits with 2 and a message naming the file
    and field when the input is wrong.
    """


def _targets_file(path: str) -> str | None:
    """A description of ``path`` if it is a valid targets file (not a scenario), else None."""
    from pathsim.experiment.targets import TargetsError, load_targets

    try:
        name, targets = load_targets(path)
    except (TargetsError, OSError):
        return None
    return f"'{name}', {len(targets)} targets"


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
def validate(files: Sequence[str]) -> None:
    """Check scenario FILES (and targets files) without running them.

    Prints 'ok' and a one-line description for each valid file; for an invalid one, the
    file, the field path, what is wrong and what is allowed. Exits 2 if any file is invalid.
    """
    bad = 0
    for f in files:
        try:
            sc = load_checked(f)
        except ScenarioError as exc:
            targets = _targets_file(f)
            if targets is not None:
                click.echo(f"ok  {f}: targets file {targets} (for pathsim calibrate --targets)")
                continue
            click.echo(f"Error: {exc}", err=True)
            bad += 1
            continue
        ranges = f", ranges on {len(sc.uncertainty)} numbers" if sc.uncertainty else ""
        click.echo(
            f"ok  {f}: '{sc.name}', population {sc.population:,}, {len(sc.segments)} segments, "
            f"{sc.acute_ward.beds} beds, {len(sc.onward_services)} onward services{ranges}"
        )
    if bad:
        sys.exit(EXIT_BAD_INPUT)


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
    with progress(total, "Verifying") as step:
        results = list(run_cases(selected, workers=workers, progress=step))
    width = max(len(r.case) for r in results)
    click.echo(f"{'case':<{width}}  {'exact':>10}  {'simulated [95% CI]':>32}  verdict")
    for r in results:
        ci = f"{fmt(r.mean)} [{fmt(r.ci_low)}, {fmt(r.ci_high)}]"
        verdict = "pass" if r.passed else "FAIL"
        click.echo(f"{r.case:<{width}}  {fmt(r.expected):>10}  {ci:>32}  {verdict} ({r.why})")
        click.echo(f"{'':<{width}}  {r.measure}")
    failed = [r.case for r in results if not r.passed]
    click.echo(f"{len(results) - len(failed)} of {len(results)} cases pass.")
    if failed:
        sys.exit(1)


for _command in (
    *RUN_COMMANDS,
    *DESIGN_COMMANDS,
    *ANALYSIS_COMMANDS,
    calibrate,
    screen,
    *REPORT_COMMANDS,
    *LIVE_COMMANDS,
):
    main.add_command(_command)


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
