"""Costs of a replication by service, organisation and payer, over the results period.

Each component prices what it did (:meth:`pathsim.model.component.Component.costs`) from the
same measures as its KPIs (attendances, time-weighted bed and place days, stays started) with
the unit costs in the scenario. Every service belongs to one organisation and every
organisation to one payer, so the totals add up exactly: the total is the sum over services,
over organisations, and over payers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from pathsim.model.component import Results
from pathsim.scenario.models import Payer

if TYPE_CHECKING:
    from pathsim.model.system import System

COST_KPIS: dict[str, str] = {
    "cost_total_gbp": "Total cost of the services modelled (price year of the scenario)",
    "cost_nhs_gbp": "Cost borne by NHS organisations",
    "cost_local_authority_gbp": "Cost borne by the local authority",
    "cost_org_<organisation>_gbp": "Cost borne by one organisation",
    "cost_service_<service>_gbp": (
        "Cost of one service: ed (attendances), acute_ward (bed days, delayed bed days at their "
        "own rate) or an onward service (place days and stays started)"
    ),
}
"""The cost KPIs, with their descriptions."""


def compute_costs(system: System, kpis: Mapping[str, float], results: Results) -> dict[str, float]:
    """Cost KPIs: cost_service_<service>_gbp, cost_org_<organisation>_gbp, cost_nhs_gbp,
    cost_local_authority_gbp and cost_total_gbp."""
    sc = system.scenario
    by_service: dict[str, float] = {}
    by_org = dict.fromkeys(sc.organisations, 0.0)
    for component in system.components:
        for cost in component.costs(kpis, results):
            by_service[cost.service] = cost.gbp
            by_org[cost.organisation] += cost.gbp
    by_payer = dict.fromkeys(Payer, 0.0)
    for org, gbp in by_org.items():
        by_payer[sc.organisations[org].payer] += gbp

    out = {f"cost_service_{s}_gbp": c for s, c in by_service.items()}
    out.update({f"cost_org_{o}_gbp": c for o, c in by_org.items()})
    out["cost_nhs_gbp"] = by_payer[Payer.NHS]
    out["cost_local_authority_gbp"] = by_payer[Payer.LOCAL_AUTHORITY]
    out["cost_total_gbp"] = sum(by_payer.values())
    return out
