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
