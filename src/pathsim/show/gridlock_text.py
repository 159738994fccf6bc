"""Words for gridlocked replications (:mod:`pathsim.model.gridlock` finds them), said the
same way by the command line and the HTML report."""

from __future__ import annotations

from pathsim.model.gridlock import BED_QUEUE, ED_CUBICLE_QUEUE, GridlockSummary

QUEUE_WORDS = {
    ED_CUBICLE_QUEUE: "the queue for an A&E cubicle",
    BED_QUEUE: "the queue for an acute bed",
}
"""How each watched line is named to a reader."""
SHOWN = 5
"""Replications named one by one in a warning; more are counted."""


def gridlock_warnings(summary: GridlockSummary) -> list[str]:
    """One sentence per scenario with gridlocked replications (none when nothing
    gridlocked): how many, which, from which day and on which line, and what that means
    for the averages."""
    lines = []
    scenarios = dict.fromkeys(g.scenario for g in summary.gridlocked)
    for scenario in scenarios:
        hit = [g for g in summary.gridlocked if g.scenario == scenario]
        total = summary.replications.get(scenario, len(hit))
        named = "; ".join(
            f"replication {g.replication}: from day {g.onset_day:.0f}, "
            f"{QUEUE_WORDS.get(g.queue, g.queue or 'a waiting line')}, "
            f"{g.days:.0f} days in all"
            for g in hit[:SHOWN]
        )
        more = f"; and {len(hit) - SHOWN} more" if len(hit) > SHOWN else ""
        who = f"'{scenario}'" if scenario is not None else "the scenario"
        lines.append(
            f"{len(hit)} of {total} replications of {who} gridlocked: a waiting line stayed "
            f"above its gridlock threshold for days on end ({named}{more}). Its means and "
            "intervals mix a system that copes with one that does not: look at each "
            "replication (the KPI 'gridlocked' in replications.csv) before quoting them, "
            "and see docs/model.md (gridlock) for the thresholds."
        )
    return lines
