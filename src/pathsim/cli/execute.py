"""Running an experiment plan from the command line: size check, run folder (new or
resumed), progress bar, Ctrl-C, and the final tables."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import click

from pathsim.cli.common import EXIT_BAD_INPUT, fail, progress
from pathsim.cli.options import RunOptions, command_line
from pathsim.experiment.executor import Backend
from pathsim.experiment.plan import Plan, Study, run_plan
from pathsim.experiment.store import RunFolder, RunFolderError, check_target
from pathsim.model.gridlock import gridlock_summary
from pathsim.scenario.workload import Workload, too_large, warnings, workload
from pathsim.show.gridlock_text import gridlock_warnings

EXIT_INTERRUPTED = 130


def check_out(out: Path | None) -> None:
    """Refuses an unusable --out before anything is simulated."""
    if out is not None:
        try:
            check_target(out)
        except RunFolderError as exc:
            fail(f"cannot write the results folder: {exc}")


def open_resume(resume: Path) -> RunFolder:
    """The run folder named by --resume, or a clean exit 2 saying why it cannot be resumed."""
    try:
        folder = RunFolder.open(resume)
    except RunFolderError as exc:
        fail(f"cannot resume: {exc}")
    if folder.meta.get("status") == "complete":
        click.echo(f"{folder.path} is already complete; showing its results.", err=True)
    return folder


def same_plan(given: Plan, stored: Plan, resume: Path) -> None:
    """Refuses --resume when the arguments given describe another experiment than the one
    stored in the folder (for example a scenario file edited since)."""
    problems = []
    if [v.label for v in given.variants] != [v.label for v in stored.variants]:
        problems.append("the scenarios differ")
    else:
        pairs = zip(given.variants, stored.variants, strict=True)
        changed = [a.label for a, b in pairs if a.scenario != b.scenario]
        if changed:
            problems.append(f"scenario {', '.join(changed)} changed since the run started")
    if given.spec != stored.spec:
        problems.append(f"the run settings differ ({stored.spec} stored, {given.spec} given)")
    if problems:
        fail(
            f"cannot resume {resume}: the arguments describe another experiment: "
            f"{'; '.join(problems)}. Give only --resume {resume} to continue it as it was "
            "started, or choose a new --out for a new experiment."
        )


def check_size(plan: Plan, backend: Backend, streamed: bool) -> None:
    """Refuses an experiment too large to finish, and announces a long one, before it starts.
    ``streamed``: event logs go straight to the run folder (not held in memory)."""
    spec = plan.spec
    total = [
        workload(v.scenario, spec.days, spec.warmup_days, spec.replications, spec.event_log)
        for v in plan.variants
    ]
    parallel = 1 if backend.dask else backend.workers
    combined = Workload(
        sum(w.patients for w in total),
        sum(w.seconds for w in total) / parallel,
        max(w.event_log_bytes for w in total),
    )
    reason = too_large(combined)
    if reason:
        fail(f"refused: {reason}")
    for message in warnings(combined, streamed):
        click.echo(f"Warning: {message}", err=True)


def _progress_label(plan: Plan) -> str:
    n = len(plan.variants)
    return {
        "run": f"Running {plan.variants[0].label}",
        "compare": "Comparing",
        "sweep": f"Sweeping {n} points",
        "sensitivity": f"Sensitivity of {(n - 1) // 2} parameters",
    }[plan.kind]


def execute(
    given: Plan | None,
    options: RunOptions,
    *,
    resume: RunFolder | None,
    sources: Mapping[str, str] | None = None,
    started: dt.datetime | None = None,
) -> Study:
    """Runs the plan the arguments describe (``given``) into a new folder at ``options.out``,
    or continues the folder ``resume`` (after checking ``given``, if any, is the experiment
    stored there), on the backend of the options, with a progress bar, then writes the result
    tables (and the report with --report). Ctrl-C stops it cleanly, saying how to resume."""
    backend = options.backend()
    plan = _plan_to_run(given, resume, options.out)
    if options.report and options.out is None and resume is None:
        fail("--report writes report.html into the run folder: give --out DIR as well.")
    if resume is None:
        folder = _new_folder(plan, options.out, backend, sources, started)
    else:
        folder = _reopen(resume, plan, backend)
    study = _run_into(plan, backend, folder)
    for message in gridlock_warnings(gridlock_summary(study.result.kpis)):
        click.echo(f"Warning: {message}", err=True)
    if folder is not None:
        click.echo(f"Results written to {folder.path}", err=True)
        if options.report:
            write_report_for(folder.path)
    return study


def _plan_to_run(given: Plan | None, resume: RunFolder | None, out: Path | None) -> Plan:
    """The stored plan when resuming (refused when ``given`` describes another one), else
    ``given`` once --out is known to be usable."""
    if resume is not None:
        if given is not None:
            same_plan(given, resume.plan, resume.path)
        return resume.plan
    assert given is not None, "resolve_inputs makes sure of arguments or --resume"
    check_out(out)
    return given


def _new_folder(
    plan: Plan,
    out: Path | None,
    backend: Backend,
    sources: Mapping[str, str] | None,
    started: dt.datetime | None,
) -> RunFolder | None:
    """After the size check, the new run folder at ``out`` (None without --out)."""
    check_size(plan, backend, streamed=out is not None and not backend.dask)
    if out is None:
        return None
    try:
        return RunFolder.create(
            out,
            plan,
            command=command_line(click.get_current_context()),
            sources=sources,
            started=started,
        )
    except (RunFolderError, OSError) as exc:
        fail(f"cannot write the results folder: {exc}")


def _reopen(folder: RunFolder, plan: Plan, backend: Backend) -> RunFolder:
    """The folder being resumed, locked, after saying how much of it is left to run."""
    try:
        folder.lock()
    except RunFolderError as exc:
        fail(f"cannot resume: {exc}")
    total = len(plan.tasks())
    done = folder.count_finished()
    click.echo(
        f"Resuming {folder.path}: {done} of {total} replications already saved; "
        f"running the other {total - done} on {backend.describe()}.",
        err=True,
    )
    return folder


def _run_into(plan: Plan, backend: Backend, folder: RunFolder | None) -> Study:
    """Runs ``plan`` (saving into ``folder``, if any) with a progress bar, and releases the
    folder however it ends: Ctrl-C exits 130 saying how to continue."""
    total = len(plan.tasks())
    try:
        with progress(total, _progress_label(plan)) as step:
            study = run_plan(plan, backend, folder=folder, progress=step)
        if folder is not None:
            folder.finish(study)
    except KeyboardInterrupt:
        if folder is None:
            click.echo("\nInterrupted; nothing was saved (no --out).", err=True)
        else:
            click.echo(
                f"\nInterrupted: {folder.count_finished()} of {total} replications are saved in "
                f"{folder.path}. Continue with: pathsim {plan.kind} --resume {folder.path}",
                err=True,
            )
        sys.exit(EXIT_INTERRUPTED)
    except (RunFolderError, OSError) as exc:
        fail(f"cannot write the results folder: {exc}")
    finally:
        if folder is not None:
            folder.release()
    return study


def write_report_for(path: Path, out: Path | None = None, screenings: Sequence[Path] = ()) -> None:
    """Writes the HTML report of a run folder (``--report``, ``pathsim report``) and says
    where, or exits 2 saying why it cannot."""
    from pathsim.show.report import write_report

    try:
        click.echo(f"Report written to {write_report(path, out, screenings)}", err=True)
    except (RunFolderError, OSError) as exc:
        fail(f"cannot write the report: {exc}")


def resolve_inputs(
    given: Sequence[str], resume: Path | None, needed: str, kind: str
) -> RunFolder | None:
    """With --resume, the stored folder (of this ``kind`` of experiment); without it, the
    arguments must be there."""
    if resume is not None:
        folder = open_resume(resume)
        if folder.plan.kind != kind:
            fail(
                f"cannot resume {folder.path} with 'pathsim {kind}': it holds a "
                f"{folder.plan.kind} run. Continue it with: pathsim {folder.plan.kind} "
                f"--resume {folder.path}"
            )
        return folder
    if not given:
        click.echo(f"Error: missing {needed} (or --resume DIR).", err=True)
        sys.exit(EXIT_BAD_INPUT)
    return None
