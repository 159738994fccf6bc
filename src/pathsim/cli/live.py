"""The ``pathsim animate`` and ``pathsim app`` commands: an animation of one replication, and
the live app for trainers (the Streamlit script :mod:`pathsim.show.app`)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import click

from pathsim.cli.common import fail, load
from pathsim.show.animate import MAX_DAYS, MAX_START_DAY

APP_SCRIPT = Path(__file__).resolve().parent.parent / "show" / "app.py"
"""The Streamlit script of the app (run as a file by ``streamlit run``)."""


def _require(module: str, extra: str, what: str) -> None:
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        fail(f"{what} needs the '{module}' package: pip install 'carepathsim[{extra}]'")


@click.command()
@click.argument("scenario", type=click.Path(path_type=str))
@click.option(
    "--replication",
    type=click.IntRange(0, 100_000),
    default=0,
    show_default=True,
    help="Which replication to animate (its seed is (seed, R)).",
)
@click.option(
    "--seed",
    "-s",
    type=click.IntRange(0, 2**63 - 1),
    default=None,
    help="Base seed [default: the scenario's run.seed].",
)
@click.option(
    "--start-day",
    type=click.FloatRange(0, MAX_START_DAY),
    default=7.0,
    show_default=True,
    help="First day shown, counted from the start of the run (the model runs from day 0 "
    f"to reach it, keeping the event log in memory: at most {MAX_START_DAY}).",
)
@click.option(
    "--days",
    type=click.FloatRange(0.25, MAX_DAYS),
    default=2.0,
    show_default=True,
    help=f"How many days to show (at most {MAX_DAYS}; frames are further apart for longer "
    "periods, at most 200).",
)
@click.option(
    "--max-per-step",
    type=click.IntRange(5, 200),
    default=30,
    show_default=True,
    help="Patients drawn at each step; the rest are counted as '+ n more'.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="HTML file to write [default: animation_<scenario>.html].",
)
def animate(
    scenario: str,
    replication: int,
    seed: int | None,
    start_day: float,
    days: float,
    max_per_step: int,
    out: Path | None,
) -> None:
    """Animate patients moving through A&E, the ward and onward care in one replication of
    SCENARIO, as a self-contained HTML file (plotly, drawn by vidigi) that opens offline in
    any browser.

    \b
    Example:
      pathsim animate scenarios/teaching/home_care_cut.yaml --start-day 16 --days 2
    """
    _require("vidigi", "animate", "pathsim animate")
    sc = load(scenario)
    target = out or Path(f"animation_{Path(scenario).stem}.html")
    if target.exists() and target.is_dir():
        fail(f"--out {target} is a folder; give a file name ending in .html")
    if not target.parent.exists() or not os.access(target.parent, os.W_OK):
        fail(f"cannot write {target}: folder {target.parent} does not exist or is read-only")
    from pathsim.show.animate import animate_scenario, write_animation

    click.echo(
        f"Simulating {start_day + days:g} days of '{sc.name}' with the event log on...", err=True
    )
    anim = animate_scenario(
        sc,
        replication=replication,
        start_day=start_day,
        days=days,
        seed=seed,
        max_per_step=max_per_step,
    )
    try:
        write_animation(anim, target)
    except OSError as exc:
        fail(f"cannot write {target}: {exc}")
    click.echo(f"Animation written to {target}")
    click.echo(anim.note())


@click.command()
@click.option(
    "--port",
    "-p",
    type=click.IntRange(1, 65535),
    default=8501,
    show_default=True,
    help="Port to serve the app on.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (127.0.0.1: this computer only; 0.0.0.0: the network).",
)
@click.option(
    "--scenarios",
    "scenario_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder holding teaching/ and levers/ [default: ./scenarios, else the project's own].",
)
@click.option(
    "--ensemble",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    metavar="DIR",
    help="Also show a comparison run across a calibrated ensemble beforehand (the --out "
    "folder of pathsim compare --ensemble): each difference with its chance-only and "
    "combined intervals, the share of settings where it helps, and the spread.",
)
def app(port: int, host: str, scenario_dir: Path | None, ensemble: Path | None) -> None:
    """Start the live app for trainers: pick a teaching scenario, move capacity sliders and
    switch levers, run in seconds, and see the effect beside the baseline.

    With --ensemble DIR the app also shows what the live runs cannot in seconds: the
    comparison across every plausible setting of the uncertain numbers, prepared with
    pathsim calibrate and pathsim compare --ensemble --out DIR.

    Runs 'streamlit run' headless (no browser is opened, no usage statistics are sent); open
    the address it prints. Stop it with Ctrl+C.
    """
    _require("streamlit", "app", "pathsim app")
    from pathsim.show.app_model import default_scenario_dir

    folder = scenario_dir or default_scenario_dir()
    if folder is None or not (folder / "teaching").is_dir():
        fail(
            f"no teaching scenarios found ({folder or './scenarios'}/teaching/ missing); "
            "run from the project folder or pass --scenarios DIR"
        )
        return
    extra: list[str] = []
    if ensemble is not None:
        from pathsim.show.ensemble_report import EnsembleFolder
        from pathsim.show.runfolder import RunFolderError

        try:
            prepared = EnsembleFolder.open(ensemble)
            prepared.table("ensemble_comparison")
        except RunFolderError as exc:
            fail(str(exc))
        if len(prepared.labels) < 2:
            fail(
                f"{ensemble} holds a run of one scenario across an ensemble; the app shows a "
                "comparison: give the --out folder of pathsim compare BASE OTHER --ensemble DIR."
            )
        extra = ["--ensemble", str(ensemble.resolve())]
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_SCRIPT),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--",
        "--scenarios",
        str(Path(folder).resolve()),
        *extra,
    ]
    click.echo(f"Starting the pathsim app on http://{host}:{port} (Ctrl+C to stop)", err=True)
    sys.stdout.flush()
    if os.name == "posix":
        os.execv(sys.executable, command)  # the server replaces this process (one pid)
    sys.exit(subprocess.call(command))


COMMANDS = (animate, app)
