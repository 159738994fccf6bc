"""Memory of long runs: peak resident memory of one replication of a scenario for 1, 2, 5
and 10 simulated years with the event log off, each in a fresh process, as a table.

    python experiments/memory_long_run.py [SCENARIO]

Flat memory means the engine keeps no per-patient history: only the patients present, the
waiting lines, fixed-size tallies, and one small row per day for the time series.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import json, resource, sys, time
from pathsim import load_scenario, simulate
sc = load_scenario(sys.argv[1])
t = time.perf_counter()
r = simulate(sc, 0, days=int(sys.argv[2]), warmup_days=60, event_log=False)
print(json.dumps({
    "seconds": time.perf_counter() - t,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "created": r.conservation["created"],
    "timeseries_rows": len(r.timeseries),
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios/fragmented.yaml"))
    args = parser.parse_args()
    print(f"# {args.scenario}; Python {platform.python_version()}, {platform.machine()}")
    print(f"# {time.strftime('%Y-%m-%d')}; one replication per row, each in a fresh process")
    print()
    print(
        "| simulated years | patients created | time series rows | wall time (s) "
        "| peak memory (MB) |"
    )
    print("|---|---|---|---|---|")
    for years in (1, 2, 5, 10):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, args.scenario, str(round(365.25 * years))],
            capture_output=True,
            text=True,
            check=True,
        )
        m = json.loads(out.stdout)
        print(
            f"| {years} | {m['created']:,} | {m['timeseries_rows']:,} | {m['seconds']:.1f} "
            f"| {m['peak_rss_mb']:.0f} |"
        )


if __name__ == "__main__":
    main()
