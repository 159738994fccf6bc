"""Key performance indicators of one replication, over the results period (after warm-up).

KPI names are stable snake_case identifiers. Counts are totals over the results period; rates
and shares are fractions (0-1); times carry their unit in the name. Each component reports
its own KPIs (:meth:`pathsim.model.component.Component.kpis`) and declares them, with their
descriptions, in its entry of the builder table; :data:`KPI_DESCRIPTIONS` gathers the
declarations of the standard model (names that end in a service or cause name follow the
patterns listed there).
"""

from __future__ import annotations

from collections.abc import Sequence

from pathsim.model.builders import BUILDERS, Builder
from pathsim.model.costs import COST_KPIS, compute_costs
from pathsim.model.system import System


def kpi_descriptions(builders: Sequence[Builder] = BUILDERS) -> dict[str, str]:
    """Every KPI the components of ``builders`` report, with its description, in reporting
    order, then the costs."""
    out: dict[str, str] = {}
    for builder in builders:
        out.update(builder.kpis)
    out.update(COST_KPIS)
    return out


KPI_DESCRIPTIONS: dict[str, str] = kpi_descriptions()
"""Every KPI of the standard model, with its description."""


def describe(kpi: str) -> str:
    """The description of a KPI name, resolving pattern names such as ``mean_wait_days_x``."""
    if kpi in KPI_DESCRIPTIONS:
        return KPI_DESCRIPTIONS[kpi]
    for pattern, text in KPI_DESCRIPTIONS.items():
        if pattern.endswith(">"):
            stem = pattern[: pattern.index("<")]
            if kpi.startswith(stem):
                return f"{text} [{kpi[len(stem) :]}]"
    return ""


def compute_kpis(system: System) -> dict[str, float]:
    """KPIs of a replication that has run: every component's, then the costs."""
    results = system.results()
    k: dict[str, float] = {}
    for component in system.components:
        k.update(component.kpis(results))
    k.update(compute_costs(system, k, results))
    return k


LOWER_IS_BETTER = frozenset(
    {
        "ed_12h_waits",
        "ed_12h_trolley_waits",
        "ed_4h_trolley_waits",
        "ed_mean_boarding_hours",
        "ed_mean_time_hours",
        "ed_left_before_seen",
        "emergency_admissions",
        "bed_occupancy",
        "ga_bed_occupancy",
        "time_above_92pct_occupancy",
        "time_above_95pct_occupancy",
        "mean_los_days",
        "delayed_discharge_bed_days",
        "nctr_per_100_beds",
        "ga_nctr_per_100_beds",
        "share_discharges_delayed",
        "mean_delay_days_among_delayed",
        "share_bed_days_delayed",
        "handoffs_per_episode",
        "assessments_per_episode",
        "readmissions_30d",
        "share_time_opel_4",
        "escalation_bed_days",
        "elective_cancellations",
        "ambulances_diverted",
        "ambulance_handover_hours_lost",
        "gridlocked",
    }
)
"""KPIs for which less is better for patients or the system (what an integration lever hopes
to lower). Costs (``cost_*``) and waits (``mean_wait_days_*``, ``mean_referral_to_start_*``)
are lower-is-better by their prefix."""

HIGHER_IS_BETTER = frozenset(
    {
        "ed_4h_performance",
        "admissions_avoided",
        "days_at_home_90d",
        "share_with_named_coordinator",
        "elective_admissions",
    }
)
"""KPIs for which more is better."""

_LOWER_PREFIXES = ("cost_", "mean_wait_days_", "mean_referral_to_start_days_")


def better_direction(kpi: str) -> int:
    """+1 when more of ``kpi`` is better, -1 when less is, 0 when neither is known (a count
    of activity, a share that is neither good nor bad in itself)."""
    if kpi in HIGHER_IS_BETTER:
        return 1
    if kpi in LOWER_IS_BETTER or kpi.startswith(_LOWER_PREFIXES):
        return -1
    return 0
