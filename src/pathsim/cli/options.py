"""The options of the commands that run experiments, declared once.

:class:`RunOptions` holds the eleven run options (replications, seed, days, warm-up, --out,
--resume, --report, --json, --event-log, --workers, --dask); each field carries its click
declaration. :func:`run_options` adds all of them to a command and hands the command one
frozen ``options: RunOptions`` instead of eleven parameters::

    @click.command()
    @click.argument("scenario")
    @run_options
    def run(scenario: str, options: RunOptions) -> None: ...
"""

from __future__ import annotations

import dataclasses
import functools
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from pathsim.experiment.executor import Backend, default_workers
from pathsim.experiment.runner import RunSpec
from pathsim.scenario.models import Scenario

F = TypeVar("F", bound=Callable[..., Any])


def _option(*decls: str, **attrs: Any) -> dict[str, Any]:
    """A field's metadata: the click option that sets it (``decls`` and ``attrs`` as for
    :func:`click.option`)."""
    return {"click": (decls, attrs)}


@dataclass(frozen=True)
class RunOptions:
    """The run options of run, compare, sweep and sensitivity, as given (None: not given,
    so the scenario's or the design file's own setting holds)."""

    replications: int | None = field(
        metadata=_option(
            "--replications",
            "-r",
            type=click.IntRange(1, 100_000),
            default=None,
            help="Number of replications [default: the scenario's run.replications].",
        )
    )
    seed: int | None = field(
        metadata=_option(
            "--seed",
            "-s",
            type=click.IntRange(0, 2**63 - 1),
            default=None,
            help="Base seed; replication r uses (seed, r) [default: the scenario's run.seed].",
        )
    )
    days: int | None = field(
        metadata=_option(
            "--days",
            "-d",
            type=click.IntRange(1, 36_525),
            default=None,
            help="Days in the results period, after warm-up [default: run.days].",
        )
    )
    warmup_days: int | None = field(
        metadata=_option(
            "--warmup-days",
            "-w",
            type=click.IntRange(0, 36_525),
            default=None,
            help="Days simulated before results are collected [default: run.warmup_days].",
        )
    )
    out: Path | None = field(
        metadata=_option(
            "--out",
            "-o",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Write a run folder here (CSV and Parquet results, resolved scenarios, seeds, "
            "version), saving each replication as it finishes.",
        )
    )
    resume: Path | None = field(
        metadata=_option(
            "--resume",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            metavar="DIR",
            help="Continue the interrupted run in folder DIR: replications already saved there "
            "are kept and only the missing ones are run. Scenarios and settings come from "
            "DIR; the other arguments may be left out.",
        )
    )
    report: bool = field(
        metadata=_option(
            "--report",
            is_flag=True,
            help="Also write report.html into the --out folder: one self-contained HTML "
            "report (tables, plots, calibration, assumptions) to open offline or send on.",
        )
    )
    as_json: bool = field(
        metadata=_option(
            "--json",
            "as_json",
            is_flag=True,
            help="Print the summary (or comparison) rows as a JSON list instead of a table.",
        )
    )
    event_log: bool | None = field(
        metadata=_option(
            "--event-log/--no-event-log",
            default=None,
            help="Record the per-patient event log (large) [default: run.event_log].",
        )
    )
    workers: int | None = field(
        metadata=_option(
            "--workers",
            "-j",
            type=click.IntRange(1, 4096),
            default=None,
            help="Local processes to run replications in [default: one per core]. Results are "
            "the same for any number.",
        )
    )
    dask_address: str | None = field(
        metadata=_option(
            "--dask",
            "dask_address",
            metavar="ADDRESS",
            default=None,
            help="Send the replications to the Dask scheduler at ADDRESS (e.g. "
            "tcp://10.0.0.5:8786) instead of local processes; needs the 'dask' extra.",
        )
    )

    def settings(self) -> dict[str, Any]:
        """The run settings given (None where not): replications, seed, days, warmup_days
        and event_log, the keywords of :meth:`RunSpec.from_scenario`."""
        return {
            "replications": self.replications,
            "seed": self.seed,
            "days": self.days,
            "warmup_days": self.warmup_days,
            "event_log": self.event_log,
        }

    def spec(self, scenario: Scenario, fallback: object = None) -> RunSpec:
        """Run settings: the options given, else those of ``fallback`` (a design file's
        ``run:``, if any), else the scenario's ``run:``."""
        given = {
            k: (v if v is not None else getattr(fallback, k, None))
            for k, v in self.settings().items()
        }
        return RunSpec.from_scenario(scenario, **given)

    def backend(self) -> Backend:
        """Where the replications run: the Dask scheduler at --dask, else --workers local
        processes (one per core when not given)."""
        return backend_from(self.workers, self.dask_address)


BACKEND_FIELDS = ("workers", "dask_address")
RUN_FIELDS = tuple(f.name for f in dataclasses.fields(RunOptions))


def backend_from(workers: int | None, dask_address: str | None) -> Backend:
    """The backend of --workers and --dask."""
    if dask_address:
        return Backend(dask=dask_address)
    return Backend(workers=workers or default_workers())


def _declare(func: F, names: Sequence[str]) -> F:
    """``func`` with the click options of the RunOptions fields ``names``, listed in
    ``--help`` in that order."""
    declared: Mapping[str, dataclasses.Field[Any]] = {
        f.name: f for f in dataclasses.fields(RunOptions)
    }
    for name in reversed(names):
        decls, attrs = declared[name].metadata["click"]
        func = click.option(*decls, **attrs)(func)
    return func


def design_run_options(func: F) -> F:
    """--days, --warmup-days and --seed of the commands that run a design of settings
    (calibrate, screen), as ``days``, ``warmup_days`` and ``seed``."""
    func = click.option(
        "--seed",
        "-s",
        type=click.IntRange(0, 2**63 - 1),
        default=None,
        help="Seed of the design and of the replications [default: the scenario's run.seed].",
    )(func)
    func = click.option(
        "--warmup-days",
        "-w",
        type=click.IntRange(0, 36_525),
        default=None,
        help="Warm-up days [default: the scenario's run.warmup_days].",
    )(func)
    return click.option(
        "--days",
        "-d",
        type=click.IntRange(1, 36_525),
        default=None,
        help="Days of results a replication [default: the scenario's run.days].",
    )(func)


def backend_options(func: F) -> F:
    """Where the replications run: --workers and --dask, passed as ``workers`` and
    ``dask_address`` (for the commands that do not take every run option)."""
    return _declare(func, BACKEND_FIELDS)


def run_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Adds the run options to ``command`` and passes them as one ``options: RunOptions``."""

    @functools.wraps(command)
    def with_options(*args: Any, **kwargs: Any) -> Any:
        options = RunOptions(**{name: kwargs.pop(name) for name in RUN_FIELDS})
        return command(*args, options=options, **kwargs)

    return _declare(with_options, RUN_FIELDS)


SWEEP_KPIS = (
    "delayed_discharge_bed_days",
    "bed_occupancy",
    "ed_4h_performance",
    "ed_12h_trolley_waits",
    "cost_total_gbp",
)
"""Shown in the terminal after a sweep or sensitivity analysis unless --kpi says otherwise."""

PRECISION_KPIS = (
    "ed_4h_performance",
    "emergency_admissions",
    "bed_occupancy",
    "delayed_discharge_bed_days",
    "cost_total_gbp",
)
"""The KPIs ``pathsim replications`` makes precise unless --kpi says otherwise."""


def kpi_option(default: Sequence[str], what: str) -> Callable[[F], F]:
    """--kpi NAME (repeatable), ``what`` saying what the KPIs are for; passed as ``kpis``."""
    return click.option(
        "--kpi",
        "kpis",
        multiple=True,
        default=default,
        show_default=True,
        metavar="NAME",
        help=f"{what} (repeat for several; 'pathsim kpis' lists them).",
    )


def command_line(ctx: click.Context) -> str:
    """The command as it would be typed to repeat this run (from the parsed parameters, so it
    is right however pathsim was called)."""
    words = ctx.command_path.split()
    assert isinstance(ctx.command, click.Command)
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if value is None or value == ():
            continue
        if isinstance(param, click.Argument):
            words += [str(v) for v in value] if isinstance(value, tuple) else [str(value)]
        elif isinstance(param, click.Option):
            if param.is_flag:
                if value is not False:
                    words.append(param.opts[0])
                elif param.secondary_opts:  # --no-x given (or defaulted) explicitly
                    words.append(param.secondary_opts[0])
            elif param.multiple:  # repeated option: the flag once per value
                for item in value:
                    words += [param.opts[0], str(item)]
            else:
                words += [param.opts[0], str(value)]
    return " ".join(shlex.quote(w) for w in words)
