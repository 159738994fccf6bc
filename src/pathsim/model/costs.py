"""Costs of a replication by service, organisation and payer, over the results period.

Costs are derived from the same measures as the KPIs (attendances, time-weighted bed and place
days, stays started), priced with the unit costs in the scenario. Every service belongs to one
organisation and every organisation to one payer, so the totals add up exactly: the total is
the sum over services, over organisations, and over payers.
"""

from __future__ import annotations

from pathsim.model.system import System
from pathsim.scenario.models import Payer


def compute_costs(system: System, kpis: dict[str, float]) -> dict[str, float]:
    """Cost KPIs: cost_service_<service>_gbp, cost_org_<organisation>_gbp, cost_nhs_gbp,
    cost_local_authority_gbp and cost_total_gbp."""
    sc = system.scenario
    days = float(system.days)
    by_service: dict[str, float] = {}

    by_service["ed"] = kpis["ed_attendances"] * sc.ed.cost_per_attendance_gbp

    ward = sc.acute_ward
    bed_days = kpis["bed_occupancy"] * ward.beds * days
    delayed = kpis["delayed_discharge_bed_days"]
    by_service["acute_ward"] = (bed_days - delayed) * ward.cost_per_bed_day_gbp + (
        delayed * ward.cost_per_delayed_bed_day_gbp
    )

    for svc in system.onward:
        spec = svc.spec
        place_days = kpis[f"occupancy_{svc.name}"] * svc.capacity * days if svc.capacity else 0.0
        by_service[svc.name] = (
            place_days * spec.cost_per_day_gbp + svc.started * spec.cost_per_episode_gbp
        )

    owner = {"ed": sc.ed.organisation, "acute_ward": ward.organisation}
    proactive = sc.integration.proactive_care
    if system.case_management is not None and proactive.segment is not None:
        people = sc.segments[proactive.segment].population
        by_service["proactive_care"] = (
            people * proactive.cost_per_person_per_year_gbp * (days / 365.25)
        )
        owner["proactive_care"] = proactive.organisation
    if system.jet is not None:
        spor = sc.integration.single_point_of_referral
        by_service["jet"] = system.jet.contacts * spor.cost_per_contact_gbp
        owner["jet"] = spor.organisation
    if system.liaison is not None and sc.mental_health.organisation is not None:
        by_service["mental_health_liaison"] = (
            system.liaison.assessments * sc.mental_health.cost_per_assessment_gbp
        )
        owner["mental_health_liaison"] = sc.mental_health.organisation
    if system.virtual_ward is not None:
        vw = sc.integration.virtual_wards
        occupied_days = kpis["virtual_ward_occupancy"] * system.virtual_ward.capacity * days
        by_service["virtual_ward"] = (
            occupied_days * vw.cost_per_day_gbp if system.virtual_ward.capacity else 0.0
        )
        owner["virtual_ward"] = vw.organisation
    owner.update({name: s.organisation for name, s in sc.onward_services.items()})
    by_org = dict.fromkeys(sc.organisations, 0.0)
    for service, cost in by_service.items():
        by_org[owner[service]] += cost
    by_payer = dict.fromkeys(Payer, 0.0)
    for org, cost in by_org.items():
        by_payer[sc.organisations[org].payer] += cost

    out = {f"cost_service_{s}_gbp": c for s, c in by_service.items()}
    out.update({f"cost_org_{o}_gbp": c for o, c in by_org.items()})
    out["cost_nhs_gbp"] = by_payer[Payer.NHS]
    out["cost_local_authority_gbp"] = by_payer[Payer.LOCAL_AUTHORITY]
    out["cost_total_gbp"] = sum(by_payer.values())
    return out
