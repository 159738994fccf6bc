"""The ``pathsim calibrate`` command: history matching of a scenario's ranges to targets."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import click
import pandas as pd

from pathsim.atomic import write_text
from pathsim.cli.common import fail, interrupted, load, progress
from pathsim.cli.options import backend_from, backend_options, design_run_options
from pathsim.experiment.runner import RunSpec
from pathsim.experiment.store import package_version, write_table
from pathsim.experiment.targets import TargetsError, load_targets
from pathsim.model.targets import TARGETS, Target
from pathsim.scenario.errors import ScenarioError

QUICK = {"settings": 12, "waves": 2, "replications": 2, "days": 120, "warmup_days": 30}
"""--quick: a first look in a few minutes on 2 cores."""


@click.command()
@click.argument("scenario", type=click.Path(path_type=str))
@click.option(
    "--targets",
    "targets_file",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="Targets file (YAML: name, and for each KPI its value, low and high or sd, and "
    "source) [default: the built-in national targets, scenarios/targets/national.yaml].",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the ensemble, every setting tried and the diagnostics. Run the same "
    "command again into the same folder to continue an interrupted calibration.",
)
@click.option(
    "--settings", type=click.IntRange(2, 100_000), default=None, help="Settings a wave [64]."
)
@click.option("--waves", type=click.IntRange(1, 100), default=None, help="Waves [3].")
@click.option(
    "--replications",
    "-r",
    type=click.IntRange(1, 1000),
    default=None,
    help="Replications of each setting, on the same seeds for every setting [2].",
)
@design_run_options
@click.option(
    "--cutoff",
    type=click.FloatRange(min=0, min_open=True),
    default=3.0,
    show_default=True,
    help="Implausibility above which a setting is ruled out.",
)
@click.option(
    "--emulate/--no-emulate",
    default=True,
    show_default=True,
    help="Choose the settings of every wave after the first with emulators (Gaussian "
    "processes fitted to the settings run so far, scikit-learn: the 'uncertainty' extra) "
    "instead of drawing them blindly: far more of them are kept. Every setting is still "
    "judged on its own runs.",
)
@click.option(
    "--quick",
    is_flag=True,
    help="A first look: 12 settings a wave, 2 waves, 2 replications of 120 days after 30 of "
    "warm-up (options given beside it win).",
)
@backend_options
def calibrate(
    scenario: str,
    targets_file: str | None,
    out: Path,
    settings: int | None,
    waves: int | None,
    replications: int | None,
    days: int | None,
    warmup_days: int | None,
    seed: int | None,
    cutoff: float,
    emulate: bool,
    quick: bool,
    workers: int | None,
    dask_address: str | None,
) -> None:
    """Find the settings of SCENARIO's ranges (its uncertainty: section) that reproduce the
    targets, by history matching.

    Each wave runs settings drawn from the ranges (a Latin hypercube) and rules out every
    setting whose implausibility against some target is above the cut-off: the distance from
    the target, over the target's uncertainty (a quarter of its accepted range) and the
    chance variation between replications. Later waves draw within the ranges the kept
    settings leave, where emulators fitted to the runs so far expect the targets to be met
    (--no-emulate: blindly). The ensemble is every setting not ruled out (ensemble.csv);
    settings.csv has every setting tried, calibration.md says what the targets ruled out and
    how each range narrowed. docs/uncertainty.md says how to read them.

    \b
    Examples:
      pathsim calibrate scenarios/fragmented.yaml --out runs/calibration --quick
      pathsim calibrate scenarios/fragmented.yaml --targets scenarios/targets/national.yaml \\
          --out runs/calibration --settings 128 --waves 3 -r 2
    """
    from pathsim.experiment.history_matching import history_match
    from pathsim.experiment.kpi_store import KpiStore, run_fingerprint

    sc = load(scenario)
    if not sc.uncertainty:
        fail(f"{scenario} has no ranges: add an 'uncertainty:' section (docs/uncertainty.md).")
    try:
        title, targets = (
            load_targets(targets_file)
            if targets_file
            else ("built-in national targets", list(TARGETS))
        )
    except TargetsError as exc:
        fail(str(exc))
    base = QUICK if quick else {"settings": 64, "waves": 3, "replications": 2}
    chosen: dict[str, Any] = {
        "settings": settings or base["settings"],
        "waves": waves or base["waves"],
        "replications": replications or base["replications"],
        "days": days or base.get("days") or sc.run.days,
        "warmup_days": warmup_days
        if warmup_days is not None
        else base.get("warmup_days", sc.run.warmup_days),
        "seed": sc.run.seed if seed is None else seed,
        "cutoff": cutoff,
        "emulate": emulate,
    }
    if emulate and chosen["waves"] > 1:
        import importlib.util

        if importlib.util.find_spec("sklearn") is None:
            fail(
                "the emulators of later waves need scikit-learn: pip install "
                "'carepathsim[uncertainty]', or give --no-emulate to draw every wave blindly."
            )
    spec = RunSpec(
        replications=chosen["replications"],
        seed=chosen["seed"],
        days=chosen["days"],
        warmup_days=chosen["warmup_days"],
    )
    fingerprint = _fingerprint(sc.model_dump_json(), targets, chosen)
    folder = _prepare(out, fingerprint)
    meta = {
        "command": "calibrate",
        "scenario": scenario,
        "targets": targets_file or "built-in",
        "targets_name": title,
        **chosen,
        "fingerprint": fingerprint,
        "version": package_version(),
        "status": "incomplete",
    }
    write_text(folder / "calibration.json", json.dumps(meta, indent=1))
    total = chosen["settings"] * chosen["waves"] * chosen["replications"]
    try:
        with progress(total, "Calibrating") as step:
            hm = history_match(
                sc,
                targets,
                settings_per_wave=chosen["settings"],
                waves=chosen["waves"],
                spec=spec,
                seed=chosen["seed"],
                cutoff=cutoff,
                backend=backend_from(workers, dask_address),
                progress=step,
                store=KpiStore(folder / "runs", run_fingerprint([sc], spec)),
                emulate=emulate,
                on_fit=lambda wave, n: click.echo(
                    f"\nWave {wave}: fitting an emulator of each target to the {n} settings "
                    "run so far...",
                    err=True,
                ),
            )
    except KeyboardInterrupt:
        interrupted(folder / "runs")
    except ScenarioError as exc:
        fail(f"a setting drawn from the ranges is not a valid scenario: {exc}")
    except ValueError as exc:
        fail(str(exc))
    write_table(folder, "settings", hm.settings)
    write_table(folder, "ensemble", hm.ensemble)
    write_table(folder, "kpis", hm.kpis)
    from pathsim.show.calibration_diagnostics import diagnostics_markdown

    write_text(folder / "calibration.md", diagnostics_markdown(hm, sc, title, targets))
    meta["status"] = "complete"
    meta["tried"], meta["kept"] = len(hm.settings), len(hm.ensemble)
    write_text(folder / "calibration.json", json.dumps(meta, indent=1))
    _summary(hm.settings, len(hm.ensemble), folder)


def _fingerprint(scenario_json: str, targets: list[Target], chosen: dict[str, Any]) -> str:
    body = json.dumps(
        [scenario_json, [list(t.__dict__.values()) for t in targets], chosen], default=str
    )
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def _prepare(out: Path, fingerprint: str) -> Path:
    """The output folder, refusing one that holds something else: another calibration (a
    different scenario, targets or options) or files pathsim did not write."""
    folder = out.expanduser().resolve()
    meta_file = folder / "calibration.json"
    if folder.exists() and any(folder.iterdir()):
        if not meta_file.exists():
            fail(f"{folder} has other files in it; choose an empty or new folder for --out.")
        old = json.loads(meta_file.read_text(encoding="utf-8"))
        if old.get("fingerprint") != fingerprint:
            fail(
                f"{folder} holds another calibration (a different scenario, targets or "
                "options); choose another --out, or delete the folder to start again."
            )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _summary(settings: pd.DataFrame, kept: int, folder: Path) -> None:
    click.echo(f"Settings tried: {len(settings)}; kept (not ruled out): {kept}.")
    for wave, block in settings.groupby("wave"):
        click.echo(f"  wave {wave}: {int(block['kept'].sum())} of {len(block)} kept")
    out = settings[~settings["kept"]]
    if len(out):
        top = out["ruled_out_by"].value_counts().head(5)
        click.echo(
            "Ruled out most often by: " + ", ".join(f"{kpi} ({n})" for kpi, n in top.items())
        )
    if kept == 0:
        click.echo(
            "No setting reproduces every target: see calibration.md for the closest ones and "
            "the targets they miss.",
            err=True,
        )
    click.echo(f"Results written to {folder} (ensemble.csv, settings.csv, calibration.md)")
