"""Lever by lever: each single-lever scenario, and the integrated one, against the fragmented
base on the same patients, as a Markdown table of paired differences with 95% CIs.

    python experiments/lever_table.py                 # 10 replications
    python experiments/lever_table.py -r 4 --days 180

Replications run in parallel on local processes; results are identical to a serial run
because each replication's random numbers depend only on (seed, replication).
"""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from pathsim import load_scenario, mean_ci, simulate
from pathsim.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "fragmented.yaml"
OTHERS = [
    *sorted((ROOT / "scenarios" / "levers").glob("*.yaml")),
    ROOT / "scenarios" / "integrated.yaml",
]
ROWS = (
    ("delayed_discharge_bed_days", "Delayed-discharge bed days", "{:,.0f}"),
    ("nctr_per_100_beds", "Medically fit patients in bed per 100 beds", "{:.1f}"),
    ("bed_occupancy", "Bed occupancy", "{:.3f}"),
    ("ed_4h_performance", "A&E within 4 hours", "{:.3f}"),
    ("ed_12h_trolley_waits", "12-hour trolley waits", "{:,.0f}"),
    ("ed_attendances", "A&E attendances", "{:,.0f}"),
    ("emergency_admissions", "Emergency admissions", "{:,.0f}"),
    ("admissions_avoided", "Admissions avoided (managed at home)", "{:,.0f}"),
    ("readmissions_30d", "Readmissions within 30 days", "{:,.0f}"),
    ("days_at_home_90d", "Days at home in 90 days after a crisis needing a bed", "{:.2f}"),
    ("ed_mean_time_hours_mental_health", "A&E time, mental health need (hours)", "{:.2f}"),
    ("share_with_named_coordinator", "Episodes with a named coordinator", "{:.3f}"),
    ("mean_referral_to_start_days_home_care", "Referral to home care starting (days)", "{:.2f}"),
    ("mean_referral_to_start_days_care_homes", "Referral to care home entry (days)", "{:.2f}"),
    ("mean_wait_days_care_homes", "Care home: wait for a place once funded (days)", "{:.2f}"),
    ("assessments_per_episode", "Assessments per episode", "{:.3f}"),
    ("handoffs_per_episode", "Hand-offs per episode", "{:.3f}"),
    ("cost_nhs_gbp", "NHS cost (GBP)", "{:,.0f}"),
    ("cost_local_authority_gbp", "Local authority cost (GBP)", "{:,.0f}"),
    ("cost_total_gbp", "Total cost (GBP)", "{:,.0f}"),
    (
        "lever_implementation_gbp",
        "of which the levers' implementation, set-up included (GBP)",
        "{:,.0f}",
    ),
    ("empty_bed_cost_gbp", "Capacity released: empty beds' fixed cost (GBP, non-cash)", "{:,.0f}"),
)


def _run(args: tuple[Scenario, int, int, int]) -> dict[str, float]:
    sc, rep, days, warmup = args
    k = simulate(sc, rep, days=days, warmup_days=warmup).kpis
    k["lever_implementation_gbp"] = sum(
        v for name, v in k.items() if name.startswith("cost_service_lever_")
    )
    return k


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-r", "--replications", type=int, default=10)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--warmup-days", type=int, default=60)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    paths = [BASE, *OTHERS]
    scenarios = [load_scenario(p) for p in paths]
    jobs = [
        (sc, r, args.days, args.warmup_days) for sc in scenarios for r in range(args.replications)
    ]
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        flat = list(pool.map(_run, jobs))
    n = args.replications
    runs = [flat[i * n : (i + 1) * n] for i in range(len(paths))]
    labels = [p.stem for p in paths]

    print(
        f"Paired differences from `fragmented` ({n} replications x {args.days} days, "
        f"{args.warmup_days}-day warm-up; mean [95% CI]).\n"
    )
    print("| measure | fragmented | " + " | ".join(f"{lab}" for lab in labels[1:]) + " |")
    print("|---|---|" + "---|" * (len(labels) - 1))
    for kpi, title, fmt in ROWS:
        base = np.array([k[kpi] for k in runs[0]])
        cells = [fmt.format(mean_ci(base)[0])]
        for other in runs[1:]:
            diff = np.array([k[kpi] for k in other]) - base
            m, lo, hi, _ = mean_ci(diff)
            cells.append(f"{fmt.format(m)} [{fmt.format(lo)}, {fmt.format(hi)}]")
        print(f"| {title} (`{kpi}`) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
