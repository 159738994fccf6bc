"""Calibration check of the default scenario against published English figures.

Runs the scenario (replications in parallel on local processes) and prints each calibration
target beside the model's mean and 95% confidence interval, the lowest and highest single
replication and the share of replications within the accepted range (a calibration is
judged by each replication, not only by the mean). The targets live in
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

import pandas as pd
import yaml

from pathsim import load_scenario, mean_ci, simulate, with_overrides
from pathsim.scenario import Scenario
from pathsim.show.calibration import TARGETS, calibration_table, derived

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

    frame = pd.DataFrame(
        [
            {"scenario": "base", "replication": rep, "kpi": kpi, "value": value}
            for rep, kpis in enumerate(runs)
            for kpi, value in kpis.items()
        ]
    )
    table = calibration_table(frame, days=DAYS)
    fmt = {t.name: t.fmt for t in TARGETS}
    if args.markdown:
        print(
            "| KPI | model mean [95% CI] | replications, lowest to highest | target "
            "| range accepted | mean within | replications within | source |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for r in table.itertuples():
            f = fmt[r.kpi]
            print(
                f"| `{r.kpi}` | {f.format(r.mean)} [{f.format(r.ci_low)}, {f.format(r.ci_high)}]"
                f" | {f.format(r.rep_min)} to {f.format(r.rep_max)} | {f.format(r.target)} | "
                f"{f.format(r.target_low)}-{f.format(r.target_high)} | "
                f"{'yes' if r.within else '**no**'} | {r.reps_within:.0%} | {r.source} |"
            )
        return
    print(f"{args.scenario}: {args.replications} replications x {DAYS} days")
    for r in table.itertuples():
        f = fmt[r.kpi]
        print(
            f"  {r.kpi:36s} {f.format(r.mean):>9} [{f.format(r.ci_low)}, {f.format(r.ci_high)}]"
            f"  reps {f.format(r.rep_min)} to {f.format(r.rep_max)}"
            f"  target {f.format(r.target)} ({f.format(r.target_low)}-{f.format(r.target_high)})"
            f"  {'ok' if r.within else 'OUT'} {r.reps_within:4.0%} of reps"
        )
    extra = [k for k in args.show.split(",") if k] or [
        k
        for k in runs[0]
        if k.startswith(("mean_wait_days", "occupancy_", "delayed_", "share_time_opel_"))
    ] + [
        "bed_occupancy",
        "share_beds_stay_21d_plus",
        "mean_los_days",
        "mean_fit_to_discharge_days",
        "ed_mean_time_hours",
        "elective_cancellations",
        "gridlocked",
    ]
    for k in extra:
        values = [r[k] for r in runs]
        mean, lo, hi, _ = stat(k)
        print(
            f"  {k:50s} {mean:12.4f} [{lo:.4f}, {hi:.4f}]  reps {min(values):.4f} to "
            f"{max(values):.4f}"
        )


if __name__ == "__main__":
    main()
