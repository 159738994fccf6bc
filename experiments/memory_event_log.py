"""Memory of the event log: peak resident memory of one replication-year of a scenario with
the event log off, held in memory (then saved to Parquet as a DataFrame, as pathsim did
before issue 7), and streamed to Parquet as the run goes, each in a fresh process; with the
file size and bytes per event.

    python experiments/memory_event_log.py [SCENARIO]

Streaming keeps at most ``DEFAULT_CHUNK_ROWS`` events in memory (written as one Parquet row
group each), so the log of a long run costs disk, not memory.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import json, resource, sys, time
from pathlib import Path
from pathsim import load_scenario, simulate
sc, mode, out = load_scenario(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
t = time.perf_counter()
kw = {"days": 365, "warmup_days": 60}
if mode == "off":
    r = simulate(sc, 0, event_log=False, **kw)
    events, row_groups, size = 0, 0, 0
elif mode == "memory":
    r = simulate(sc, 0, event_log=True, **kw)
    r.event_log.to_parquet(out, index=False)  # a whole DataFrame, as saved before streaming
    events, row_groups, size = len(r.event_log), 1, out.stat().st_size
else:
    import pyarrow.parquet as pq
    r = simulate(sc, 0, event_log=True, event_log_path=out, **kw)
    meta = pq.ParquetFile(out).metadata
    events, row_groups, size = meta.num_rows, meta.num_row_groups, out.stat().st_size
print(json.dumps({
    "seconds": time.perf_counter() - t,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "created": r.conservation["created"],
    "events": events,
    "row_groups": row_groups,
    "bytes": size,
    "kpis": r.kpis,
}))
"""

MODES = {
    "off": "event log off",
    "memory": "held in memory, then saved whole (pandas, snappy)",
    "streamed": "streamed to Parquet (row groups, zstd)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios/fragmented.yaml"))
    args = parser.parse_args()
    print(f"# {args.scenario}; Python {platform.python_version()}, {platform.machine()}")
    print(
        f"# {time.strftime('%Y-%m-%d')}; one replication of 365 days after 60 days of warm-up "
        "per row, each in a fresh process"
    )
    print()
    print(
        "| event log | events | peak memory (MB) | wall time (s) | file (MB) | bytes per event "
        "| row groups |"
    )
    print("|---|---|---|---|---|---|---|")
    kpis = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode, label in MODES.items():
            out = subprocess.run(
                [sys.executable, "-c", CHILD, args.scenario, mode, str(Path(tmp) / f"{mode}.pq")],
                capture_output=True,
                text=True,
                check=True,
            )
            m = json.loads(out.stdout)
            kpis[mode] = m["kpis"]
            per_event = f"{m['bytes'] / m['events']:.1f}" if m["events"] else "-"
            size = f"{m['bytes'] / 1e6:.1f}" if m["bytes"] else "-"
            print(
                f"| {label} | {m['events']:,} | {m['peak_rss_mb']:.0f} | {m['seconds']:.1f} "
                f"| {size} | {per_event} | {m['row_groups'] or '-'} |"
            )
    same = json.dumps(kpis["off"]) == json.dumps(kpis["memory"]) == json.dumps(kpis["streamed"])
    print()
    print(f"KPIs identical in the three runs: {same}")


if __name__ == "__main__":
    main()
