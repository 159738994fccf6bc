"""Benchmark: pathsim against a plain hand-written SimPy model of the same workload, in one
run, and the cost of waiting lines as they grow to 100,000 patients.

    python experiments/benchmark_reference.py                  # full run (a few minutes)
    python experiments/benchmark_reference.py --quick          # a smoke run (seconds)
    python experiments/benchmark_reference.py --skip-lines     # reference workload only

Prints
(1) the wall time per replication of each model and their ratio against the target (pathsim
    at most 0.5x the baseline, stretch 0.3x). The two models are timed alternately in the same
    process, replication by replication, and each replication is timed ``--repeats`` times;
(2) every KPI of both models with 95% Student-t confidence intervals, whether the intervals
    overlap, and Welch's confidence interval for the difference (the models use different
    random numbers, so they should agree statistically, not exactly);
(3) the cost per patient of pathsim's waiting lines (``pathsim.model.places.Places``) against
    ``simpy.Resource`` and ``simpy.PriorityResource`` as the line grows.

The workload is experiments/benchmarks/reference_hospital.yaml; the baseline is
experiments/baseline_simpy.py.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import simpy
from scipy import stats
from simpy.events import Timeout

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from baseline_simpy import run_baseline  # noqa: E402
from pathsim import __version__ as pathsim_version  # noqa: E402
from pathsim.model import simulate  # noqa: E402
from pathsim.model.clock import Clock, call_after  # noqa: E402
from pathsim.model.monitors import LevelMonitor  # noqa: E402
from pathsim.model.places import Places  # noqa: E402
from pathsim.scenario import load_scenario  # noqa: E402

SCENARIO = HERE / "benchmarks" / "reference_hospital.yaml"
BASELINE_SEED = 1000  # the baseline's replication i uses seed BASELINE_SEED + i

# KPIs both models compute, with the number of decimals to print.
KPIS: dict[str, int] = {
    "ed_attendances": 0,
    "ed_4h_performance": 4,
    "ed_mean_time_hours": 3,
    "ed_mean_wait_for_cubicle_hours": 3,
    "ed_mean_boarding_hours": 3,
    "ward_admissions": 0,
    "bed_occupancy": 4,
    "mean_los_days": 3,
    "started_social_care": 0,
    "mean_wait_days_social_care": 4,
    "occupancy_social_care": 4,
}
TARGET, STRETCH = 0.5, 0.3


# -- environment --------------------------------------------------------------------------
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> str:
    return (
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"SimPy {simpy.__version__}, numpy {np.__version__}, pathsim {pathsim_version}; "
        f"{platform.platform()}; {os.cpu_count()} CPUs: {cpu_model()}"
    )


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """Wall time of one call, after a full garbage collection (not timed) so that neither
    model pays for the other's garbage."""
    gc.collect()
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def same_kpis(a: dict[str, float], b: dict[str, float]) -> bool:
    """Equal KPIs, a KPI that is NaN in both (nothing to measure) counting as equal."""
    return a.keys() == b.keys() and all(
        a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a
    )


# -- statistics ---------------------------------------------------------------------------
def mean_ci(x: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Mean and half-width of the Student-t confidence interval."""
    n = x.size
    if n < 2:
        return float(x.mean()), math.nan
    half = stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n)
    return float(x.mean()), float(half)


def welch(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Difference of means a - b, the half-width of Welch's confidence interval for it
    (Welch-Satterthwaite degrees of freedom), and the two-sided p-value."""
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    diff = float(a.mean() - b.mean())
    se = math.sqrt(va + vb)
    if se == 0:
        return diff, 0.0, 1.0 if diff == 0 else 0.0
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = float(stats.t.ppf(0.5 + level / 2, df) * se)
    p = float(2 * stats.t.sf(abs(diff) / se, df))
    return diff, half, p


def fmt(x: float, decimals: int) -> str:
    return f"{x:,.{decimals}f}"


# -- (1) and (2): the reference workload ----------------------------------------------------
def reference(replications: int, repeats: int, days: int, warmup: int) -> None:
    scenario = load_scenario(SCENARIO)
    base_t: list[list[float]] = []
    path_t: list[list[float]] = []
    base_k: list[dict[str, float]] = []
    path_k: list[dict[str, float]] = []

    def run_base(rep: int) -> dict[str, float]:
        return run_baseline(BASELINE_SEED + rep, days + warmup, warmup)

    def run_path(rep: int) -> dict[str, float]:
        return simulate(scenario, replication=rep, days=days, warmup_days=warmup).kpis

    for rep in range(replications):
        tb: list[float] = []
        tp: list[float] = []
        for attempt in range(repeats):
            # Interleave the two models and alternate which goes first, so that machine load,
            # CPU frequency and caches affect both alike.
            order = ("base", "path") if (rep + attempt) % 2 == 0 else ("path", "base")
            for model in order:
                if model == "base":
                    t, k = timed(run_base, rep)
                    tb.append(t)
                    kb = k
                else:
                    t, k = timed(run_path, rep)
                    tp.append(t)
                    kp = k
            if attempt == 0:
                base_k.append(kb)
                path_k.append(kp)
            elif not same_kpis(kb, base_k[-1]) or not same_kpis(kp, path_k[-1]):
                raise RuntimeError("a model gave different KPIs for the same seed")
        base_t.append(tb)
        path_t.append(tp)
        print(
            f"  replication {rep}: baseline {statistics.median(tb):.3f} s, "
            f"pathsim {statistics.median(tp):.3f} s (median of {repeats})",
            flush=True,
        )

    absent = [k for k in KPIS if k not in path_k[0]]
    if absent:
        raise KeyError(f"pathsim does not report {absent}; it reports {sorted(path_k[0])}")

    # Per replication, the median (and the best) of the repeats; then the mean over replications.
    base_med = statistics.mean(statistics.median(t) for t in base_t)
    path_med = statistics.mean(statistics.median(t) for t in path_t)
    base_best = statistics.mean(min(t) for t in base_t)
    path_best = statistics.mean(min(t) for t in path_t)
    ratios = [
        statistics.median(p) / statistics.median(b) for p, b in zip(path_t, base_t, strict=True)
    ]
    ratio = path_med / base_med

    print(
        f"\n## Reference workload: {days + warmup} days ({warmup} warm-up), {replications} "
        f"replications, each timed {repeats} times per model, interleaved\n"
    )
    print(
        "| model | wall time per replication, median of repeats (s) | best of repeats (s) "
        "| ratio pathsim/baseline | target |"
    )
    print("|---|---|---|---|---|")
    print(
        f"| baseline: plain SimPy (process per patient, simpy.Resource) | {base_med:.3f} "
        f"| {base_best:.3f} | 1.00 | |"
    )
    verdict = "met" if ratio <= TARGET else "NOT met"
    stretch = "met" if ratio <= STRETCH else "not met"
    print(
        f"| pathsim | {path_med:.3f} | {path_best:.3f} | **{ratio:.2f}** "
        f"(best: {path_best / base_best:.2f}) | <= {TARGET} ({verdict}); stretch <= {STRETCH} "
        f"({stretch}) |"
    )
    print(
        f"\nRatio per replication (medians): {', '.join(f'{r:.2f}' for r in ratios)} "
        f"(range {min(ratios):.2f}-{max(ratios):.2f})."
    )

    print(
        f"\n## Same KPIs: mean [95% CI], {replications} replications each "
        "(different random numbers, so the match is statistical)\n"
    )
    print(
        "| KPI | pathsim | baseline | CIs overlap | difference pathsim - baseline [95% Welch CI] "
        "| Welch p | CI of difference contains 0 |"
    )
    print("|---|---|---|---|---|---|---|")
    disagree = []
    for name, d in KPIS.items():
        a = np.array([r[name] for r in path_k], dtype=float)
        b = np.array([r[name] for r in base_k], dtype=float)
        ma, ha = mean_ci(a)
        mb, hb = mean_ci(b)
        overlap = (ma - ha) <= (mb + hb) and (mb - hb) <= (ma + ha)
        diff, hd, p = welch(a, b)
        contains = abs(diff) <= hd
        if not contains:
            disagree.append(name)
        dd = d + 1
        print(
            f"| {name} | {fmt(ma, d)} [{fmt(ma - ha, d)}, {fmt(ma + ha, d)}] "
            f"| {fmt(mb, d)} [{fmt(mb - hb, d)}, {fmt(mb + hb, d)}] "
            f"| {'yes' if overlap else '**no**'} "
            f"| {diff:+,.{dd}f} [{diff - hd:+,.{dd}f}, {diff + hd:+,.{dd}f}] | {p:.3f} "
            f"| {'yes' if contains else '**no**'} |"
        )
    n = len(KPIS)
    if disagree:
        print(
            f"\n{len(disagree)} of {n} differences exclude 0 at 95%: {', '.join(disagree)} "
            f"(about {0.05 * n:.1f} would by chance alone if the models agree)."
        )
    else:
        print(f"\nAll {n} confidence intervals of the difference contain 0.")


# -- (3): waiting lines --------------------------------------------------------------------
# N patients arrive at time 0 at one place (capacity 1); each holds it for a fixed time, so the
# line starts N - 1 long and shrinks by one per service. Priorities are 1-5 at random; ties
# are served first come, first served by every implementation.
SERVICE = 1.0


def _priorities(n: int) -> list[int]:
    return np.random.default_rng(0).integers(1, 6, n).tolist()  # type: ignore[no-any-return]


def simpy_processes(n: int, priority: bool, order: list[int] | None = None) -> float:
    """Idiomatic SimPy: one process per patient, request / timeout / release."""
    env = simpy.Environment()
    res = simpy.PriorityResource(env, 1) if priority else simpy.Resource(env, 1)
    prios = _priorities(n)

    def patient(i: int):  # type: ignore[no-untyped-def]
        req = res.request(priority=prios[i]) if priority else res.request()
        yield req
        if order is not None:
            order.append(i)
        yield env.timeout(SERVICE)
        res.release(req)

    t = time.perf_counter()
    for i in range(n):
        env.process(patient(i))
    env.run()
    return (time.perf_counter() - t) / n


def simpy_callbacks(n: int, priority: bool, order: list[int] | None = None) -> float:
    """The same SimPy resource driven by callbacks instead of processes, as pathsim drives its
    own places: isolates the cost of the resource's queue from that of the processes."""
    env = simpy.Environment()
    res = simpy.PriorityResource(env, 1) if priority else simpy.Resource(env, 1)
    prios = _priorities(n)

    def done(event: Timeout) -> None:
        res.release(event.value)

    def make_granted(i: int) -> Callable[[Any], None]:
        def granted(req: Any) -> None:
            if order is not None:
                order.append(i)
            Timeout(env, SERVICE, req).callbacks.append(done)

        return granted

    t = time.perf_counter()
    for i in range(n):
        req = res.request(priority=prios[i]) if priority else res.request()
        req.callbacks.append(make_granted(i))
    env.run()
    return (time.perf_counter() - t) / n


def pathsim_places(n: int, priority: bool, order: list[int] | None = None) -> float:
    """pathsim's ``Places``: a deque (first come, first served) or a heap (priority), granted
    by callback; the service is a scheduled call (``call_after`` on pathsim's ``Clock``, as
    in the engine) that releases the place."""
    env = Clock()
    places = Places(env, "x", 1, LevelMonitor(env, "x"), priority=priority)
    prios = _priorities(n)

    def granted(i: int, slot: int) -> None:
        if order is not None:
            order.append(i)
        call_after(env, SERVICE, places.release, slot)

    t = time.perf_counter()
    for i in range(n):
        places.request(i, granted, prios[i] if priority else 0)
    env.run()
    return (time.perf_counter() - t) / n


LINE_MODELS: list[tuple[str, Callable[..., float], bool]] = [
    ("simpy.Resource (processes)", simpy_processes, False),
    ("simpy.Resource (callbacks)", simpy_callbacks, False),
    ("pathsim Places FIFO", pathsim_places, False),
    ("simpy.PriorityResource (processes)", simpy_processes, True),
    ("simpy.PriorityResource (callbacks)", simpy_callbacks, True),
    ("pathsim Places priority", pathsim_places, True),
]


def check_same_order(n: int = 2_000) -> None:
    """Every implementation serves the patients in the same order (FIFO, and priority with
    ties first come, first served)."""
    for priority in (False, True):
        orders = []
        for _, fn, prio in LINE_MODELS:
            if prio == priority:
                order: list[int] = []
                fn(n, priority, order)
                orders.append(order)
        if any(o != orders[0] for o in orders[1:]) or len(orders[0]) != n:
            raise AssertionError(f"service orders differ (priority={priority})")


def measure_line(fn: Callable[..., float], n: int, priority: bool, repeats: int) -> float:
    """Best cost per patient of ``repeats`` runs (one run when a run takes over 2 s)."""
    best = math.inf
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        best = min(best, fn(n, priority))
        if time.perf_counter() - t0 > 2.0:
            break
    return best


def waiting_lines(sizes: list[int], repeats: int, max_simpy_priority: int) -> None:
    check_same_order()
    print(
        "\n## Waiting lines: N patients queue at time 0 for one place, each served for a fixed "
        "time (microseconds of wall time per patient, best of up to "
        f"{repeats} runs)\n"
    )
    print("| N waiting | " + " | ".join(name for name, _, _ in LINE_MODELS) + " |")
    print("|---|" + "---|" * len(LINE_MODELS))
    skipped = False
    for n in sizes:
        cells = []
        for _name, fn, priority in LINE_MODELS:
            if priority and fn is not pathsim_places and n > max_simpy_priority:
                cells.append("not run (see below)")
                skipped = True
                continue
            cells.append(f"{measure_line(fn, n, priority, repeats) * 1e6:,.1f}")
            print(f"  ... N={n:,} {_name}: {cells[-1]} us", file=sys.stderr, flush=True)
        print(f"| {n:,} | " + " | ".join(cells) + " |", flush=True)
    print(
        "\nAll implementations were checked to serve the patients in the same order "
        "(2,000 patients, FIFO and priority)."
    )
    if skipped:
        print(
            f"simpy.PriorityResource is not run beyond {max_simpy_priority:,} waiting by "
            "default: it re-sorts its whole list on every request, so its cost per patient "
            "grows with the line and the run with its square (raise --max-simpy-priority to "
            "measure it)."
        )


# -- main -----------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(
        description="pathsim against plain SimPy: reference workload and waiting lines."
    )
    parser.add_argument("--replications", type=int, default=5, help="per model (default 5)")
    parser.add_argument(
        "--repeats", type=int, default=3, help="timings per replication and model (default 3)"
    )
    parser.add_argument("--quick", action="store_true", help="short runs, for a smoke test")
    parser.add_argument("--skip-lines", action="store_true", help="skip the waiting-line table")
    parser.add_argument("--skip-reference", action="store_true", help="skip the reference workload")
    parser.add_argument(
        "--max-simpy-priority",
        type=int,
        default=10_000,
        help="longest line for simpy.PriorityResource (quadratic; default 10,000)",
    )
    args = parser.parse_args()
    if args.quick:
        days, warmup, reps, repeats = 30, 5, 2, 1
        sizes = [1_000, 5_000]
    else:
        days, warmup, reps, repeats = 335, 30, args.replications, args.repeats
        sizes = [1_000, 10_000, 100_000]

    print("# pathsim benchmark\n")
    print(f"Command: `python {shlex.join(['experiments/benchmark_reference.py', *sys.argv[1:]])}`")
    print(f"Machine: {machine()}")
    print(f"Date: {time.strftime('%Y-%m-%d %H:%M')}")
    if not args.skip_reference:
        reference(reps, repeats, days, warmup)
    if not args.skip_lines:
        waiting_lines(sizes, repeats, args.max_simpy_priority)


if __name__ == "__main__":
    main()
