"""Where replications run: in this process, in local worker processes, or on a Dask cluster.

Every replication is an independent task ``(label, replication)``: its random numbers depend
only on the seed, the replication number and the stream names, never on the process or the
order, so the three backends give identical results for the same seeds. Results come back in
the order they finish; callers key them by task.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pathsim.experiment.replication import simulate
from pathsim.experiment.runner import RunSpec
from pathsim.model.replication import ReplicationResult
from pathsim.scenario.models import Scenario


@dataclass(frozen=True)
class Task:
    """One replication of one scenario variant."""

    label: str
    replication: int


@dataclass(frozen=True)
class Backend:
    """Where to run: ``workers`` local processes (1 = this process), or the Dask scheduler at
    ``dask`` (an address such as ``tcp://10.0.0.5:8786``), which then decides the workers."""

    workers: int = 1
    dask: str | None = None

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, not {self.workers}")

    @classmethod
    def local(cls, workers: int | None = None) -> Backend:
        """``workers`` local processes; None means one per core."""
        return cls(workers=workers or default_workers())

    def describe(self) -> str:
        if self.dask:
            return f"Dask scheduler {self.dask}"
        return "this process" if self.workers == 1 else f"{self.workers} local processes"


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def run_task(
    scenario: Scenario, task: Task, spec: RunSpec, event_log_path: Path | None = None
) -> ReplicationResult:
    """Runs one task (``spec`` gives seed, days, warm-up and event log; its number of
    replications is the caller's business), streaming its event log to ``event_log_path``
    when given; a module-level function so that worker processes can import it."""
    return simulate(
        scenario,
        task.replication,
        seed=spec.seed,
        days=spec.days,
        warmup_days=spec.warmup_days,
        event_log=spec.event_log,
        event_log_path=event_log_path,
    )


def execute(
    scenarios: dict[str, Scenario],
    tasks: Sequence[Task],
    spec: RunSpec,
    backend: Backend,
    *,
    log_paths: Mapping[Task, Path] | None = None,
) -> Iterator[tuple[Task, ReplicationResult]]:
    """Runs ``tasks`` (each naming a scenario in ``scenarios`` by label) and yields each
    result as it finishes. Closing the iterator early (or an exception, such as Ctrl-C, in
    the caller) cancels the tasks not yet started. ``log_paths`` names, per task, the file
    to stream its event log to (on this machine's processes; ignored on Dask, whose workers
    may have no disk in common with this process: their logs come back in memory)."""
    if not tasks:
        return
    paths = log_paths or {}
    if backend.dask:
        yield from _on_dask(scenarios, tasks, spec, backend.dask)
    elif backend.workers == 1 or len(tasks) == 1:
        for task in tasks:
            yield task, run_task(scenarios[task.label], task, spec, paths.get(task))
    else:
        workers = min(backend.workers, len(tasks))
        yield from _on_processes(scenarios, tasks, spec, workers, paths)


def _on_processes(
    scenarios: dict[str, Scenario],
    tasks: Sequence[Task],
    spec: RunSpec,
    workers: int,
    log_paths: Mapping[Task, Path],
) -> Iterator[tuple[Task, ReplicationResult]]:
    # At most two tasks per worker are queued at a time, so that an interruption loses
    # little queued work and results stream back in roughly submission order.
    pending: dict[Future[ReplicationResult], Task] = {}
    queue = iter(tasks)
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupts)
    finished = False
    try:

        def submit(n: int) -> None:
            for task in queue:
                future = pool.submit(
                    run_task, scenarios[task.label], task, spec, log_paths.get(task)
                )
                pending[future] = task
                n -= 1
                if n == 0:
                    return

        submit(2 * workers)
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                task = pending.pop(future)
                yield task, future.result()
            submit(len(done))
        finished = True
    finally:
        if not finished:
            # Interrupted (Ctrl-C, an error, or the caller stopped early): stop the
            # replications under way now rather than wait for them; their work is lost,
            # every finished one has been handed over already.
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


def _ignore_interrupts() -> None:
    """Worker processes leave Ctrl-C to the main process, which stops them cleanly (without
    this, every worker prints a traceback of its own)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _on_dask(
    scenarios: dict[str, Scenario],
    tasks: Sequence[Task],
    spec: RunSpec,
    address: str,
) -> Iterator[tuple[Task, ReplicationResult]]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError(
            "running on a Dask cluster needs dask.distributed: pip install 'carepathsim[dask]'"
        ) from exc
    client = Client(address, set_as_default=False)
    try:
        # Each scenario is sent to the cluster once, not once per task.
        remote = {label: client.scatter(sc, broadcast=True) for label, sc in scenarios.items()}
        futures: dict[Any, Task] = {
            client.submit(run_task, remote[t.label], t, spec, pure=False): t for t in tasks
        }
        try:
            for future in as_completed(list(futures), loop=client.loop):
                yield futures[future], future.result()
        finally:
            client.cancel(list(futures))
    finally:
        client.close()
