"""Key performance indicators of one replication, over the results period (after warm-up).

KPI names are stable snake_case identifiers. Counts are totals over the results period; rates
and shares are fractions (0-1); times carry their unit in the name. :data:`KPI_DESCRIPTIONS`
documents each one (names that end in a service or cause name follow the patterns listed
there).
"""

from __future__ import annotations

import math

import numpy as np

from pathsim.model.costs import compute_costs
from pathsim.model.monitors import Tally
from pathsim.model.system import System
from pathsim.model.ward import OCCUPANCY_THRESHOLDS

KPI_DESCRIPTIONS: dict[str, str] = {
    "ed_attendances": "A&E attendances (arrivals in the results period)",
    "ed_4h_performance": "Share of A&E attendances leaving within 4 hours of arrival",
    "ed_12h_waits": "A&E attendances spending more than 12 hours in the department",
    "ed_12h_wait_share": "Share of A&E attendances spending more than 12 hours",
    "ed_mean_time_hours": "Mean time in A&E, arrival to departure (hours)",
    "ed_mean_wait_for_cubicle_hours": "Mean wait from arrival to being seen in a cubicle (hours)",
    "ed_mean_time_hours_mental_health": (
        "Mean time in A&E of patients with a mental health need (hours)"
    ),
    "mental_health_liaison_assessments": (
        "Assessments by the mental health liaison team, in A&E and on the ward"
    ),
    "ed_12h_trolley_waits": "Admitted patients waiting more than 12 hours from decision to admit",
    "ed_4h_trolley_waits": "Admitted patients waiting more than 4 hours from decision to admit",
    "ed_mean_boarding_hours": "Mean time from decision to admit to leaving A&E for a bed (hours)",
    "ed_conversion_rate": "Share of A&E attendances admitted (same-day admissions included)",
    "ed_cubicle_occupancy": "Mean share of A&E cubicles occupied (boarders included)",
    "emergency_admissions": "Emergency admissions from A&E and direct routes, same-day included",
    "ward_admissions": "Patients admitted to an acute bed (overnight admissions)",
    "bed_occupancy": "Mean share of acute beds occupied by a patient (time-weighted)",
    "bed_unavailability": "Mean share of acute beds unavailable: occupied or being turned around",
    "time_above_92pct_occupancy": "Share of time with at least 92% of acute beds occupied",
    "time_above_95pct_occupancy": "Share of time with at least 95% of acute beds occupied",
    "mean_los_days": "Mean time in an acute bed, admission to leaving (days)",
    "mean_wait_for_bed_hours": "Mean wait for an acute bed, request to admission (hours)",
    "delayed_discharge_bed_days": "Bed days between medically fit and leaving, all causes",
    "delayed_discharge_bed_days_<cause>": (
        "Bed days between medically fit and leaving, by cause: discharge_process (waiting for a "
        "discharge day and time); awaiting_mental_health (the liaison assessment); "
        "awaiting_assessment, awaiting_referral, "
        "awaiting_repeat_assessment, awaiting_funding_panel, awaiting_budget (frictions); "
        "awaiting_<service> (no place in the onward service)"
    ),
    "mean_fit_to_discharge_days": "Mean time from medically fit to leaving the bed (days)",
    "nctr_per_100_beds": (
        "Patients in bed who no longer meet the criteria to reside (medically fit), per 100 "
        "beds, at midnight"
    ),
    "share_beds_stay_7d_plus": "Share of occupied beds held by stays of 7+ days (midnight)",
    "share_beds_stay_21d_plus": "Share of occupied beds held by stays of 21+ days (midnight)",
    "mean_wait_days_<service>": (
        "Mean wait for a place in an onward service once the referral is accepted and funded (days)"
    ),
    "mean_referral_to_start_days_<service>": (
        "Mean time from referral (declared medically fit, or referred from the community) to "
        "the start of the stay, every friction included: the wait a patient sees (days)"
    ),
    "occupancy_<service>": "Mean share of the onward service's places in use",
    "mean_queue_<service>": "Mean number of people waiting for the onward service",
    "referrals_<service>": "Referrals to the onward service, hospital and community",
    "diverted_<service>": "Referrals that found the service full and went elsewhere",
    "started_<service>": "Stays started in the onward service, hospital and community",
    "referred_on_<service>": (
        "Stays ended in the results period whose person was referred on to another service "
        "(e.g. from reablement to long-term home care)"
    ),
    "deteriorated_while_waiting": (
        "Patients who, waiting in bed for care at home, came to need the deterioration "
        "settings' to_service instead (found when the place came free)"
    ),
    "crisis_episodes": (
        "Hospital episodes of crisis patients that ended in the results period (left A&E, or "
        "left an acute bed for home or onward care)"
    ),
    "handoffs_per_episode": (
        "Referrals between organisations per crisis episode, bounced referrals included "
        "('I tell my story once')"
    ),
    "assessments_per_episode": (
        "Assessments by a team per crisis episode: A&E, admitting team, assessment for onward "
        "care, a receiving organisation's repeat assessment"
    ),
    "share_with_named_coordinator": (
        "Share of crisis episodes in which one named person coordinated care ('I know who is "
        "in charge of my care'): those of the joint emergency team or of case-managed patients"
    ),
    "jet_contacts": "Crises assessed at home by the joint emergency team",
    "virtual_ward_step_ups": (
        "Patients put on a virtual ward at a decision to admit (instead of a bed, or instead "
        "of going home)"
    ),
    "virtual_ward_step_downs": "Patients who left an acute bed early for a virtual ward",
    "virtual_ward_escalations": "Virtual ward patients admitted back to hospital",
    "virtual_ward_occupancy": "Mean share of virtual ward slots in use",
    "readmissions_30d": (
        "Emergency readmissions within 30 days of leaving hospital care (a bed or a virtual "
        "ward), arriving in the results period"
    ),
    "readmission_rate_30d": (
        "Readmissions within 30 days per discharge after an overnight stay (results period)"
    ),
    "days_at_home_90d": (
        "Mean days at home in the 90 days after a crisis that needed an overnight bed (as "
        "drawn at arrival, so the same crises in every configuration, whether admitted, "
        "managed at home or prevented): not in A&E, an acute bed, a community bed or a care "
        "home; a virtual ward is home. Crises in the results period whose 90 days ended "
        "before the run did"
    ),
    "crises_prevented": "Crises of the case-managed segment prevented by proactive care",
    "jet_managed_at_home": "Crises the joint emergency team managed at home",
    "admissions_avoided": (
        "Crises that would otherwise have ended in an overnight admission, managed at home by "
        "the joint emergency team or completed on a virtual ward without escalation"
    ),
    "cost_total_gbp": "Total cost of the services modelled (price year of the scenario)",
    "cost_nhs_gbp": "Cost borne by NHS organisations",
    "cost_local_authority_gbp": "Cost borne by the local authority",
    "cost_org_<organisation>_gbp": "Cost borne by one organisation",
    "cost_service_<service>_gbp": (
        "Cost of one service: ed (attendances), acute_ward (bed days, delayed bed days at their "
        "own rate) or an onward service (place days and stays started)"
    ),
}


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


def _share_within(t: Tally, index: int) -> float:
    return 1.0 - t.counts_above[index] / t.n if t.n else math.nan


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def compute_kpis(system: System) -> dict[str, float]:
    """KPIs of a replication that has run."""
    ed, ward = system.ed, system.ward
    snap = system.snapshots
    w = system.warmup_days  # index of the snapshot taken when results start
    days = float(system.days)

    def window(service: str, metric: str) -> float:
        series = snap.integrals[(service, metric)]
        return (series[-1] - series[w]) / days

    k: dict[str, float] = {}
    tid = ed.time_in_department
    k["ed_attendances"] = float(ed.attendances)
    k["ed_4h_performance"] = _share_within(tid, 0)
    k["ed_12h_waits"] = float(tid.counts_above[1])
    k["ed_12h_wait_share"] = _ratio(tid.counts_above[1], tid.n)
    k["ed_mean_time_hours"] = tid.mean * 24
    k["ed_mean_wait_for_cubicle_hours"] = ed.wait.mean * 24
    k["ed_mean_time_hours_mental_health"] = ed.time_mental_health.mean * 24
    liaison = system.liaison
    k["mental_health_liaison_assessments"] = float(liaison.assessments) if liaison else 0.0
    k["ed_12h_trolley_waits"] = float(ed.boarding_time.counts_above[1])
    k["ed_4h_trolley_waits"] = float(ed.boarding_time.counts_above[0])
    k["ed_mean_boarding_hours"] = ed.boarding_time.mean * 24
    k["ed_conversion_rate"] = _ratio(ed.admissions, ed.attendances)
    k["ed_cubicle_occupancy"] = window("ed", "occupied") / ed.capacity

    k["emergency_admissions"] = float(ed.admissions + ward.direct_admissions)
    k["ward_admissions"] = float(ward.admissions)
    k["bed_occupancy"] = window("acute_ward", "occupied") / ward.capacity
    k["bed_unavailability"] = window("acute_ward", "unavailable") / ward.capacity
    above_start, above_end = snap.time_above[w], snap.time_above[-1]
    for i, thr in enumerate(OCCUPANCY_THRESHOLDS):
        k[f"time_above_{round(thr * 100)}pct_occupancy"] = (above_end[i] - above_start[i]) / days
    k["mean_los_days"] = ward.length_of_stay.mean
    k["mean_wait_for_bed_hours"] = ward.wait.mean * 24

    total_delay = 0.0
    for cause in ward.delays:
        bed_days = window("acute_ward", f"delayed_{cause}") * days
        k[f"delayed_discharge_bed_days_{cause}"] = bed_days
        total_delay += bed_days
    k["delayed_discharge_bed_days"] = total_delay
    k["mean_fit_to_discharge_days"] = ward.fit_to_leave.mean

    results = slice(w + 1, None)  # midnights inside the results period
    fit = np.asarray(snap.midnight[("acute_ward", "medically_fit_at_midnight")][results])
    occupied = np.asarray(snap.midnight[("acute_ward", "occupied_at_midnight")][results])
    long7 = np.asarray(snap.midnight[("acute_ward", "stays_7d_plus_at_midnight")][results])
    long21 = np.asarray(snap.midnight[("acute_ward", "stays_21d_plus_at_midnight")][results])
    k["nctr_per_100_beds"] = float(fit.mean() * 100 / ward.capacity) if fit.size else math.nan
    k["share_beds_stay_7d_plus"] = _ratio(float(long7.sum()), float(occupied.sum()))
    k["share_beds_stay_21d_plus"] = _ratio(float(long21.sum()), float(occupied.sum()))

    for svc in system.onward:
        n = svc.name
        k[f"mean_wait_days_{n}"] = svc.wait.mean
        k[f"mean_referral_to_start_days_{n}"] = svc.referral_to_start.mean
        k[f"occupancy_{n}"] = _ratio(window(n, "occupied"), svc.capacity)
        k[f"mean_queue_{n}"] = window(n, "queue_length")
        k[f"referrals_{n}"] = float(svc.referrals)
        k[f"diverted_{n}"] = float(svc.diverted)
        k[f"started_{n}"] = float(svc.started)
        k[f"referred_on_{n}"] = float(svc.referred_on)
    det = system.deterioration
    k["deteriorated_while_waiting"] = float(det.count) if det else 0.0
    ctx = system.ctx
    k["crisis_episodes"] = float(ctx.episode_handoffs.n)
    k["handoffs_per_episode"] = ctx.episode_handoffs.mean
    k["assessments_per_episode"] = ctx.episode_assessments.mean
    k["share_with_named_coordinator"] = ctx.episode_coordinated.mean
    jet = system.jet
    k["jet_contacts"] = float(jet.contacts) if jet else 0.0
    k["jet_managed_at_home"] = float(jet.managed_at_home) if jet else 0.0
    vw = system.virtual_ward
    k["virtual_ward_step_ups"] = float(vw.step_ups) if vw else 0.0
    k["virtual_ward_step_downs"] = float(vw.step_downs) if vw else 0.0
    k["virtual_ward_escalations"] = float(vw.escalations) if vw else 0.0
    k["virtual_ward_occupancy"] = (
        _ratio(window("virtual_ward", "occupied"), vw.capacity) if vw and vw.capacity else 0.0
    )
    k["admissions_avoided"] = float(
        (jet.admissions_avoided if jet else 0) + (vw.admissions_avoided if vw else 0)
    )
    readmissions = system.readmissions
    k["readmissions_30d"] = float(readmissions.readmissions)
    k["readmission_rate_30d"] = _ratio(readmissions.readmissions, readmissions.discharges)
    k["days_at_home_90d"] = ctx.days_at_home.mean
    cm = system.case_management
    k["crises_prevented"] = float(cm.prevented) if cm else 0.0
    k.update(compute_costs(system, k))
    return k
