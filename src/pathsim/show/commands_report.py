"""The ``pathsim report`` and ``pathsim diagram`` commands. The main group registers them
(``main.add_command(report)``, ``main.add_command(diagram)``); they can also be run alone
for testing, e.g. ``click.testing.CliRunner().invoke(report, [...])``."""

from __future__ import annotations

from pathlib import Path

import click

from pathsim.cli_common import _fail, _load
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
def report(run_dir: Path, out: Path | None) -> None:
    """Write the HTML report of the run folder RUN_DIR.

    One self-contained file (images embedded; opens offline, prints cleanly): the scenarios
    and run settings, the results table, the plots for the kind of run, the calibration
    check, the assumptions and sources of the scenario files, and a STRESS-DES summary.

    \b
    Example:
      pathsim compare scenarios/fragmented.yaml scenarios/integrated.yaml --out runs/cmp
      pathsim report runs/cmp
    """
    from pathsim.show.report import write_report
    from pathsim.show.runfolder import RunFolderError

    try:
        path = write_report(run_dir, out)
    except RunFolderError as exc:
        _fail(str(exc))
        return
    except OSError as exc:
        _fail(f"cannot write the report: {exc}")
        return
    click.echo(f"Report written to {path}", err=True)


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

    sc = _load(scenario)
    if out is None:
        chosen = fmt or "mermaid"
        if chosen == "png":
            _fail("--format png needs --out FILE (PNG is not printable text)")
            return
        if chosen == "mermaid":
            click.echo(mermaid(sc), nl=False)
        else:
            click.echo(figure_bytes(draw_diagram(sc), "svg").decode("utf-8"), nl=False)
        return
    if fmt is None and out.suffix.lower() not in (".svg", ".png", ".mmd", ".md", ".mermaid"):
        _fail(f"{out}: cannot tell the format from the suffix; use .mmd, .svg or .png, or --format")
        return
    try:
        path = save_diagram(sc, out, fmt)
    except OSError as exc:
        _fail(f"cannot write the diagram: {exc}")
        return
    click.echo(f"Diagram written to {path}", err=True)
