"""Parallel runs: the speed-up of local worker processes over one process, and the overhead
per run of the Dask path on a local cluster, measured side by side in one run.

    python experiments/benchmark_parallel.py [--replications 8] [--repeats 2]

Prints two tables (and --markdown prints them for docs/performance.md):

1. Speed-up: the same replications of the default fragmented scenario run in this process
   and on 2 local worker processes, for runs of different lengths; target at least 1.8x for
   runs of a second or more on a 2-core machine (issue 4).
2. Overhead per run: many tiny runs (one simulated day of the reference hospital), in this
   process, on 2 local processes and on a Dask LocalCluster of 2 worker processes; the
   overhead per run is (wall time - serial wall time / 2) / runs for the parallel backends.

Each cell is the best of --repeats repeats (the least disturbed by other work on the
machine). Results are checked identical across backends before any time is reported.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from pathsim import load_scenario
from pathsim.experiment import Backend, RunSpec, run_experiment

ROOT = Path(__file__).resolve().parents[1]


def best_of(repeats: int, fn: Callable[[], pd.DataFrame]) -> tuple[float, pd.DataFrame]:
    best, out = float("inf"), pd.DataFrame()
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def speedup(replications: int, repeats: int) -> pd.DataFrame:
    sc = load_scenario(ROOT / "scenarios" / "fragmented.yaml")
    rows = []
    for days, warmup in ((30, 5), (120, 20), (365, 60)):
        spec = RunSpec(replications=replications, seed=1, days=days, warmup_days=warmup)

        def run(workers: int, spec: RunSpec = spec) -> pd.DataFrame:
            return run_experiment(sc, spec, backend=Backend(workers=workers)).kpis

        serial, a = best_of(repeats, lambda: run(1))
        parallel, b = best_of(repeats, lambda: run(2))
        pd.testing.assert_frame_equal(a, b)  # identical results, or no timing
        rows.append(
            {
                "simulated days": days + warmup,
                "replications": replications,
                "seconds per run (serial)": serial / replications,
                "serial s": serial,
                "2 workers s": parallel,
                "speed-up": serial / parallel,
                "target": ">= 1.8x" if serial / replications >= 1 else "-",
            }
        )
    return pd.DataFrame(rows)


def overhead(runs: int, repeats: int) -> pd.DataFrame:
    from distributed import LocalCluster

    sc = load_scenario(ROOT / "experiments" / "benchmarks" / "reference_hospital.yaml")
    spec = RunSpec(replications=runs, seed=1, days=1, warmup_days=0)

    def run(backend: Backend) -> pd.DataFrame:
        return run_experiment(sc, spec, backend=backend).kpis

    serial, a = best_of(repeats, lambda: run(Backend(workers=1)))
    local, b = best_of(repeats, lambda: run(Backend(workers=2)))
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        on_dask, c = best_of(repeats, lambda: run(Backend(dask=cluster.scheduler_address)))
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    rows = []
    for name, wall in (("this process", serial), ("2 local processes", local), ("Dask", on_dask)):
        ideal = serial if name == "this process" else serial / 2
        rows.append(
            {
                "backend": name,
                "runs": runs,
                "wall s": wall,
                "ms per run": 1000 * wall / runs,
                "overhead ms per run": 1000 * max(wall - ideal, 0.0) / runs,
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", type=int, default=8)
    parser.add_argument("--runs", type=int, default=200, help="tiny runs for the overhead")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; best of {args.repeats} repeats"
    )
    for title, table in (
        (
            "Speed-up of 2 local workers over one process (fragmented scenario)",
            speedup(args.replications, args.repeats),
        ),
        (
            "Overhead per run (reference hospital, 1 simulated day per run)",
            overhead(args.runs, args.repeats),
        ),
    ):
        print(f"\n{title}")
        print(markdown(table) if args.markdown else table.to_string(index=False))


def markdown(table: pd.DataFrame) -> str:
    def cell(v: object) -> str:
        return f"{v:.2f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(False)]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
