"""Calibration check of the default scenario against published English figures.

Runs the scenario (replications in parallel on local processes) and prints each calibration
target beside the model's mean and 95% confidence interval. With --markdown it prints the
table as Markdown for docs/calibration.md.

    python experiments/calibrate.py                       # 10 replications
    python experiments/calibrate.py -r 4 --set acute_ward.beds=620
    python experiments/calibrate.py --markdown > /tmp/table.md
"""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import yaml

from pathsim import load_scenario, mean_ci, simulate, with_overrides
from pathsim.scenario import Scenario


@dataclass(frozen=True)
class Target:
    name: str
    low: float
    high: float
    central: float
    source: str
    fmt: str = "{:.3f}"


DAYS = 365

TARGETS = (
    Target(
        "ed_attendances",
        108_000,
        120_000,
        114_000,
        "114,000 a year (285 per 1,000) [9.1, 1.3, 1.6]",
        "{:,.0f}",
    ),
    Target("ed_conversion_rate", 0.26, 0.29, 0.27, "27% type 1 conversion [1.10-1.13]"),
    Target(
        "emergency_admissions",
        42_000,
        47_000,
        44_530,
        "about 122 a day, all routes [9.1, 1.8-1.9]",
        "{:,.0f}",
    ),
    Target(
        "bed_occupancy", 0.90, 0.96, 0.93, "G&A occupancy 93% (trust IQR 90.7-95.3%) [3.1, 3.3]"
    ),
    Target(
        "nctr_per_100_beds",
        9.3,
        17.4,
        12.8,
        "remaining NCTR per 100 G&A beds: median 12.8, IQR 9.3-17.4 [4.4]",
        "{:.1f}",
    ),
    Target(
        "share_beds_stay_21d_plus",
        0.17,
        0.19,
        0.18,
        "17-19% of G&A beds held by stays of 21+ days [3.9]",
    ),
    Target(
        "share_beds_stay_7d_plus",
        0.40,
        0.50,
        0.436,
        "43.6% implied by the reference LOS distribution [9.2] (C)",
    ),
    Target(
        "ed_4h_performance", 0.50, 0.70, 0.58, "type 1: 58.0% (Aug 2022), 49.6% (Dec 2022) [2.3]"
    ),
    Target(
        "ed_12h_wait_share",
        0.05,
        0.11,
        0.073,
        "7.3% of type 1 attendances (Jul 2023); over 1 in 10 in 2023/24 [2.6]",
    ),
    Target(
        "trolley_12h_share",
        0.05,
        0.12,
        0.092,
        "9.2% of admitted patients wait 12h+ from decision to admit [2.7]",
    ),
    Target(
        "trolley_4h_share",
        0.20,
        0.45,
        0.33,
        "about 1/3 of A&E admissions wait 4h+ from decision to admit [2.8] (C)",
    ),
    Target(
        "readmission_rate_30d",
        0.127,
        0.149,
        0.14,
        "14% of discharges readmitted within 30 days (12.7-14.9% by deprivation) [5.1, 9.3]",
    ),
)


def _derived(kpis: dict[str, float]) -> dict[str, float]:
    """Shares not reported directly: trolley waits per A&E admission needing a bed."""
    out = dict(kpis)
    ed_admissions = kpis["ed_conversion_rate"] * kpis["ed_attendances"]
    out["trolley_12h_share"] = kpis["ed_12h_trolley_waits"] / ed_admissions
    out["trolley_4h_share"] = kpis["ed_4h_trolley_waits"] / ed_admissions
    return out


def _one(args: tuple[Scenario, int]) -> dict[str, float]:
    scenario, rep = args
    return _derived(simulate(scenario, rep, days=DAYS).kpis)


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
