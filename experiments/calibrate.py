"""Calibration check of the default scenario against published English figures.

Runs the scenario (replications in parallel on local processes) and prints each calibration
target beside the model's mean and 95% confidence interval. The targets live in
pathsim.show.calibration, which the HTML report also uses. With --markdown it prints the
table as Markdown for docs/calibration.md.

    python experiments/calibrate.py                       # 10 replications
    python experiments/calibrate.py -r 4 --set acute_ward.beds=620
    python experiments/calibrate.py --markdown > /tmp/table.md
"""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ProcessPoolExecutor

import yaml

from pathsim import load_scenario, mean_ci, simulate, with_overrides
from pathsim.scenario import Scenario
from pathsim.show.calibration import TARGETS, derived

DAYS = 365


def _one(args: tuple[Scenario, int]) -> dict[str, float]:
    scenario, rep = args
    return derived(simulate(scenario, rep, days=DAYS).kpis)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="scenarios/fragmented.yaml")
    parser.add_argument("-r", "--replications", type=int, default=10)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override a field (YAML value), e.g. acute_ward.beds=620",
    )
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--show", default="", help="comma-separated extra KPIs to print")
    args = parser.parse_args()

    scenario = load_scenario(args.scenario)
    if args.set:
        overrides = {}
        for item in args.set:
            key, _, value = item.partition("=")
            overrides[key] = yaml.safe_load(value)
        scenario = with_overrides(scenario, overrides)
    jobs = [(scenario, r) for r in range(args.replications)]
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        runs = list(pool.map(_one, jobs))

    def stat(name: str) -> tuple[float, float, float, int]:
        return mean_ci([r[name] for r in runs])

    rows = []
    for t in TARGETS:
        mean, lo, hi, _ = stat(t.name)
        ok = t.low <= mean <= t.high
        rows.append((t, mean, lo, hi, ok))
    if args.markdown:
        print("| KPI | model mean [95% CI] | target | range accepted | within | source |")
        print("|---|---|---|---|---|---|")
        for t, mean, lo, hi, ok in rows:
            f = t.fmt
            print(
                f"| `{t.name}` | {f.format(mean)} [{f.format(lo)}, {f.format(hi)}] | "
                f"{f.format(t.central)} | {f.format(t.low)}-{f.format(t.high)} | "
                f"{'yes' if ok else '**no**'} | {t.source} |"
            )
    else:
        print(f"{args.scenario}: {args.replications} replications x {DAYS} days")
        for t, mean, lo, hi, ok in rows:
            f = t.fmt
            print(
                f"  {t.name:28s} {f.format(mean):>10} [{f.format(lo)}, {f.format(hi)}]"
                f"   target {f.format(t.central):>8} ({f.format(t.low)}-{f.format(t.high)})"
                f"  {'ok' if ok else 'OUT'}"
            )
        extra = [k for k in args.show.split(",") if k] or [
            k for k in runs[0] if k.startswith(("mean_wait_days", "occupancy_", "delayed_"))
        ] + ["mean_los_days", "mean_fit_to_discharge_days", "ed_mean_time_hours"]
        for k in extra:
            mean, lo, hi, _ = stat(k)
            print(f"  {k:50s} {mean:12.4f} [{lo:.4f}, {hi:.4f}]")


if __name__ == "__main__":
    main()
