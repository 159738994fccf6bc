"""Benchmark: pathsim against a plain hand-written SimPy model of the same workload, in one
run, and the cost of waiting lines as they grow to 100,000 patients.

    python experiments/benchmark_reference.py             # full run (about 2 minutes)
    python experiments/benchmark_reference.py --quick     # a smoke run

Prints (1) wall time per replication of each model and their ratio against the target
(pathsim at most 0.5x the baseline), (2) each KPI of both models with 95% confidence
intervals (the models use different random numbers, so they should agree statistically, not
exactly), (3) cost per patient of pathsim's waiting lines against simpy.Resource and
simpy.PriorityResource as the line grows.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import simpy
from scipy import stats

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from baseline_simpy import run_baseline  # noqa: E402
from pathsim import load_scenario, mean_ci, simulate  # noqa: E402
from pathsim.model.monitors import LevelMonitor  # noqa: E402
from pathsim.model.places import Places  # noqa: E402

KPIS = (
    "ed_4h_performance",
    "ed_mean_time_hours",
    "ed_mean_boarding_hours",
    "bed_occupancy",
    "mean_los_days",
    "mean_wait_days_social_care",
    "occupancy_social_care",
)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def reference(replications: int, repeats: int, days: int, warmup: int) -> None:
    scenario = load_scenario(HERE / "benchmarks" / "reference_hospital.yaml")
    t_path: list[float] = []
    t_base: list[float] = []
    k_path: list[dict[str, float]] = []
    k_base: list[dict[str, float]] = []
    # Interleave the two models so that machine load affects both alike.
    for rep in range(replications):
        for attempt in range(repeats):
            tb, kb = timed(run_baseline, 1000 + rep, days + warmup, warmup)
            tp, kp = timed(simulate, scenario, rep, days=days, warmup_days=warmup)
            t_base.append(tb)
            t_path.append(tp)
            if attempt == 0:
                k_base.append(kb)
                k_path.append(kp.kpis)
    base, path = statistics.median(t_base), statistics.median(t_path)
    ratio = path / base
    print(
        f"\n## Reference workload: {days + warmup} days ({warmup} warm-up), "
        f"{replications} replications x {repeats} timings each (median)\n"
    )
    print("| model | wall time per replication (s) | ratio to baseline |")
    print("|---|---|---|")
    print(f"| plain SimPy (process per patient, simpy.Resource) | {base:.3f} | 1.00 |")
    print(f"| pathsim | {path:.3f} | **{ratio:.2f}** |")
    verdict = "met" if ratio <= 0.5 else "NOT met"
    stretch = "met" if ratio <= 0.3 else "not met"
    print(f"\nTarget pathsim <= 0.5x baseline: {verdict}; stretch <= 0.3x: {stretch}.")

    print("\n## Same KPIs (mean [95% CI]; different random numbers, so a statistical match)\n")
    print("| KPI | pathsim | plain SimPy | Welch p-value | agree at 1% |")
    print("|---|---|---|---|---|")
    for k in KPIS:
        a = np.array([r[k] for r in k_path])
        b = np.array([r[k] for r in k_base])
        ma, la, ha, _ = mean_ci(a)
        mb, lb, hb, _ = mean_ci(b)
        p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
        ok = "yes" if (math.isnan(p) or p > 0.01) else "**no**"
        print(
            f"| {k} | {ma:.4f} [{la:.4f}, {ha:.4f}] | {mb:.4f} [{lb:.4f}, {hb:.4f}] "
            f"| {p:.3f} | {ok} |"
        )


def _simpy_line(n: int, priority: bool) -> float:
    env = simpy.Environment()
    res = simpy.PriorityResource(env, 1) if priority else simpy.Resource(env, 1)
    rng = np.random.default_rng(0)
    prios = rng.integers(1, 6, n).tolist()

    def patient(prio: int):  # type: ignore[no-untyped-def]
        req = res.request(priority=prio) if priority else res.request()
        yield req
        yield env.timeout(1.0)
        res.release(req)

    t = time.perf_counter()
    for i in range(n):
        env.process(patient(prios[i]))
    env.run()
    return (time.perf_counter() - t) / n


def _pathsim_line(n: int, priority: bool) -> float:
    env = simpy.Environment()
    places = Places(env, "x", 1, LevelMonitor(env, "busy"), priority=priority)
    rng = np.random.default_rng(0)
    prios = rng.integers(1, 6, n).tolist()

    def done(event: simpy.events.Timeout) -> None:
        places.release(event.value)

    def granted(patient: int, slot: int) -> None:
        simpy.events.Timeout(env, 1.0, slot).callbacks.append(done)

    t = time.perf_counter()
    for i in range(n):
        places.request(i, granted, prios[i])
    env.run()
    return (time.perf_counter() - t) / n


def waiting_lines(sizes: list[int], max_simpy_priority: int) -> None:
    print("\n## Waiting lines: N patients queue at once for one place (microseconds per patient)\n")
    print(
        "| N waiting | simpy.Resource | pathsim FIFO | simpy.PriorityResource | pathsim priority |"
    )
    print("|---|---|---|---|---|")
    for n in sizes:
        prio = _simpy_line(n, True) if n <= max_simpy_priority else math.nan
        row = [_simpy_line(n, False), _pathsim_line(n, False), prio, _pathsim_line(n, True)]
        print(
            f"| {n:,} | "
            + " | ".join("not run (quadratic)" if math.isnan(x) else f"{x * 1e6:.1f}" for x in row)
            + " |"
        )
    print(
        f"\nsimpy.PriorityResource is not run beyond {max_simpy_priority:,} waiting: its cost "
        "per patient grows linearly with the line (a sorted list), so the whole run grows "
        "with the square of the line."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="short runs, for a smoke test")
    parser.add_argument("--skip-lines", action="store_true", help="skip the waiting-line table")
    parser.add_argument("--max-simpy-priority", type=int, default=30_000)
    args = parser.parse_args()
    days, warmup = (335, 30) if not args.quick else (30, 5)
    sizes = [1_000, 10_000, 30_000, 100_000] if not args.quick else [1_000, 5_000]
    reps, repeats = (args.replications, args.repeats) if not args.quick else (2, 1)

    cmd = "python experiments/benchmark_reference.py" + (" --quick" if args.quick else "")
    print(f"# pathsim benchmark ({cmd})\n")
    print(
        f"Python {sys.version.split()[0]}, SimPy {simpy.__version__}, numpy {np.__version__}; "
        f"{platform.platform()}; {os.cpu_count()} cores, {cpu_model()}"
    )
    reference(reps, repeats, days, warmup)
    if not args.skip_lines:
        waiting_lines(sizes, args.max_simpy_priority)


if __name__ == "__main__":
    main()
