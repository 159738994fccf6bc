"""The ``pathsim report``, ``pathsim plot`` and ``pathsim diagram`` commands: the HTML report
and the images of a run folder, and the pathway diagram of a scenario. Each can also be run
alone for testing, e.g. ``click.testing.CliRunner().invoke(report, [...])``."""

from __future__ import annotations

from pathlib import Path

import click

from pathsim.atomic import atomic_path
from pathsim.cli.common import fail, load
from pathsim.cli.execute import write_report_for
from pathsim.show.diagram import FORMATS


@click.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report here [default: RUN_DIR/report.html].",
)
@click.option(
    "--screening",
    "screenings",
    multiple=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    metavar="DIR",
    help="With the folder of a run across an ensemble: also show the ranking of the "
    "assumptions in this pathsim screen --out folder. Repeat for several.",
)
def report(run_dir: Path, out: Path | None, screenings: tuple[Path, ...]) -> None:
    """Write the HTML report of the run folder RUN_DIR.

    One self-contained file (images embedded; opens offline, prints cleanly): the scenarios
    and run settings, the results table, the plots for the kind of run, the calibration
    check, the assumptions and sources of the scenario files, and a STRESS-DES summary.

    RUN_DIR may also be the --out folder of a run across an ensemble (run, compare or sweep
    with --ensemble): the report then leads with each difference's combined and chance-only
    intervals and the share of settings where it is better, the spread of the settings, the
    ranking of the assumptions (with --screening) and the calibration's diagnostics. The
    --out folder of pathsim calibrate or pathsim screen gets a report of its own.

    \b
    Examples:
      pathsim compare scenarios/fragmented.yaml scenarios/integrated.yaml --out runs/cmp
      pathsim report runs/cmp
      pathsim report runs/cmp-ensemble --screening runs/screen
    """
    write_report_for(run_dir, out, screenings)


@click.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the images [default: RUN_DIR/plots].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg", "pdf"]),
    default="png",
    show_default=True,
    help="Image format.",
)
@click.option("--dpi", type=click.IntRange(50, 600), default=150, show_default=True)
def plot(run_dir: Path, out: Path | None, fmt: str, dpi: int) -> None:
    """Save the plots of the run folder RUN_DIR as image files.

    The same figures as the HTML report, chosen by the kind of run: KPIs with confidence
    intervals, paired differences, delays by cause, cost by payer and organisation and who
    pays or saves, time in A&E, daily occupancy and queues (run and compare); the sweep
    curves (sweep); a tornado chart per KPI (sensitivity); the spread of the settings (a run
    across an ensemble, --ensemble --out). Each file is named after the plot (kpis.png,
    who_pays.png, spread.png, ...) and written atomically.

    \b
    Example:
      pathsim plot runs/cmp                  # runs/cmp/plots/*.png
      pathsim plot runs/cmp --format svg --out figures/
    """
    import matplotlib.pyplot as plt

    from pathsim.show.ensemble_report import EnsembleFolder, is_ensemble_folder
    from pathsim.show.figures import Plot, figures_for
    from pathsim.show.runfolder import RunFolderError, SavedRun

    try:
        if is_ensemble_folder(run_dir):
            ensemble = EnsembleFolder.open(run_dir)
            shown = [Plot("spread", ensemble.spread, "spread across the ensemble")]
        else:
            shown = figures_for(SavedRun.open(run_dir))
    except RunFolderError as exc:
        fail(str(exc))
    target = out if out is not None else Path(run_dir) / "plots"
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot write the plots: {exc}")
    written = []
    for p in shown:
        try:
            fig = p.make()
        except (ValueError, KeyError) as exc:
            click.echo(f"Not drawn: {p.name} ({exc})", err=True)
            continue
        path = target / f"{p.name}.{fmt}"
        try:
            with atomic_path(path) as tmp:
                fig.savefig(tmp, dpi=dpi, format=fmt, bbox_inches="tight")
        except OSError as exc:
            fail(f"cannot write the plots: {exc}")
        finally:
            plt.close(fig)
        written.append(path.name)
    click.echo(f"{len(written)} plots written to {target}: {', '.join(written)}", err=True)


@click.command()
@click.argument("scenario", type=click.Path(path_type=str))
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the diagram here [default: print Mermaid or SVG text].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="mermaid (text), svg or png [default: from the --out suffix, else mermaid].",
)
def diagram(scenario: str, out: Path | None, fmt: str | None) -> None:
    """Draw the pathway of SCENARIO: arrival routes, the joint emergency team when on,
    A&E, acute beds, the virtual ward when on, discharge pathways P0-P3 with their shares,
    each onward service with its places and owning organisation, and readmissions.

    \b
    Examples:
      pathsim diagram scenarios/integrated.yaml                  (Mermaid text)
      pathsim diagram scenarios/integrated.yaml --out pathway.svg
      pathsim diagram scenarios/fragmented.yaml --out pathway.png
    """
    from pathsim.show.diagram import draw_diagram, mermaid, save_diagram
    from pathsim.show.diagram_draw import figure_bytes

    sc = load(scenario)
    if out is None:
        chosen = fmt or "mermaid"
        if chosen == "png":
            fail("--format png needs --out FILE (PNG is not printable text)")
        if chosen == "mermaid":
            click.echo(mermaid(sc), nl=False)
        else:
            click.echo(figure_bytes(draw_diagram(sc), "svg").decode("utf-8"), nl=False)
        return
    if fmt is None and out.suffix.lower() not in (".svg", ".png", ".mmd", ".md", ".mermaid"):
        fail(f"{out}: cannot tell the format from the suffix; use .mmd, .svg or .png, or --format")
    try:
        path = save_diagram(sc, out, fmt)
    except OSError as exc:
        fail(f"cannot write the diagram: {exc}")
    click.echo(f"Diagram written to {path}", err=True)


COMMANDS = (report, plot, diagram)
