"""Calibration targets of the standard model: published English figures that the
fragmented base is set to reproduce (docs/calibration.md), and the shares derived from a
replication's KPIs to compare with them.

The targets describe the typical 400,000-population system of ``scenarios/fragmented.yaml``
over a year; for another system they are a reference only. Section numbers in brackets are
those of docs/sources/published-figures.md. The shipped targets file
``scenarios/targets/national.yaml`` is written from them (``python docs/gen_reference.py``),
so the two never differ. Targets files are read by :mod:`pathsim.experiment.targets`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

YEAR_DAYS = 365


@dataclass(frozen=True)
class Target:
    """A published figure: its central value, the range accepted as matching, the source,
    and how to print it. ``per_year`` targets are counts over a year: a run of another
    length is scaled to a year before it is compared."""

    name: str
    low: float
    high: float
    central: float
    source: str
    fmt: str = "{:.3f}"
    per_year: bool = False
    not_calibrated: str = ""
    """Why a calibration does not use this target to rule settings out (empty: it does); the
    calibration check still shows it."""


TARGETS = (
    Target(
        "ed_attendances",
        108_000,
        120_000,
        114_000,
        "114,000 a year (285 per 1,000) [9.1, 1.3, 1.6]",
        "{:,.0f}",
        per_year=True,
    ),
    Target("ed_conversion_rate", 0.26, 0.29, 0.27, "27% type 1 conversion [1.10-1.13]"),
    Target(
        "emergency_admissions",
        42_000,
        47_000,
        44_530,
        "about 122 a day, all routes [9.1, 1.8-1.9]",
        "{:,.0f}",
        per_year=True,
    ),
    Target(
        "ga_bed_occupancy",
        0.90,
        0.96,
        0.93,
        "G&A occupancy 93% (trust IQR 90.7-95.3%), emergency and elective beds together [3.1, 3.3]",
    ),
    Target(
        "ga_nctr_per_100_beds",
        9.3,
        17.4,
        12.8,
        "remaining NCTR per 100 G&A beds (emergency and elective): median 12.8, IQR 9.3-17.4 [4.4]",
        "{:.1f}",
    ),
    Target(
        "ga_share_beds_stay_21d_plus",
        0.17,
        0.19,
        0.18,
        "17-19% of G&A beds (emergency and elective) held by stays of 21+ days [3.9]",
    ),
    Target(
        "share_beds_stay_7d_plus",
        0.40,
        0.50,
        0.436,
        "43.6% of emergency beds, implied by the reference LOS distribution [9.2] (C)",
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
    # Discharge Ready Date measures, England, monthly April 2024 to May 2025 (NHS England DRD
    # data re-aggregated by the Health Foundation [11.2]), counted in the same scope: overnight
    # stays in G&A beds, emergency and elective, and bed days over all G&A beds
    # (pathsim.model.ready_date).
    Target(
        "share_discharges_delayed",
        0.131,
        0.145,
        0.138,
        "13.1-14.5% of discharges a month left after their Discharge Ready Date (England, "
        "Apr 2024-May 2025; midpoint shown) [11.2]",
    ),
    Target(
        "mean_delay_days_among_delayed",
        5.9,
        6.3,
        6.1,
        "mean delay of the delayed: 5.9-6.3 days a month (England, Apr 2024-May 2025) [11.2]",
        "{:.1f}",
        not_calibrated=(
            "fixed by the share delayed and the delayed bed days given the discharges per bed, "
            "which are more in the model (106 a day for 735 G&A beds) than in the national "
            "data's scope (about 90): matching all three is not possible (docs/calibration.md)"
        ),
    ),
    Target(
        "share_bed_days_delayed",
        0.096,
        0.108,
        0.102,
        "delay days after the Discharge Ready Date: 9.6-10.8% of G&A bed days available "
        "(England, Apr 2024-May 2025) [11.2]",
    ),
    # The mix of delays, by the national sitrep's groups of delay reasons (June 2024 to May
    # 2025 [4.8]): capacity 34.0%, interface process 28.8% and care transfer hub 12.7%
    # (together 41.5%), hospital process 19.4%, wellbeing 5.2%; wellbeing (patient and family
    # choice, safeguarding) is not modelled, so each share is of the other four (34.0 / 94.8
    # and so on). The model's medically fit patients at midnight by cause, grouped in
    # DELAY_GROUPS. The accepted ranges (about +/-8 points) are a judgement: the national
    # shares are of coded delay reasons, whose coding varies by trust.
    Target(
        "delay_share_capacity",
        0.28,
        0.44,
        0.359,
        "capacity 34.0% of coded delays, 35.9% of those the model has (no wellbeing) [4.8]",
    ),
    Target(
        "delay_share_interface",
        0.36,
        0.52,
        0.438,
        "interface process and care transfer hub 41.5% of coded delays, 43.8% of those the "
        "model has [4.8]",
    ),
    Target(
        "delay_share_hospital_process",
        0.13,
        0.28,
        0.205,
        "hospital process 19.4% of coded delays, 20.5% of those the model has [4.8]",
    ),
    Target(
        "readmission_rate_30d",
        0.127,
        0.149,
        0.14,
        "14% of discharges readmitted within 30 days (12.7-14.9% by deprivation) [5.1, 9.3]",
    ),
    Target(
        "ed_left_before_seen_share",
        0.02,
        0.05,
        0.032,
        "3.2% of attendances left before being seen (England, Sep 2016; about 3% on average, "
        "trusts 0.5-11%) [13.4]",
    ),
    # Ambulance handover: the published shares run from 2017/18 (53% over 15 minutes, 3%
    # over an hour) to 2022/23 (68% and 14%) [13.2]; the range accepted spans both years.
    Target(
        "ambulance_handovers_within_15m_share",
        0.32,
        0.47,
        0.32,
        "32% of handovers within 15 minutes in 2022/23, 47% in 2017/18 [13.2]",
    ),
    Target(
        "ambulance_handovers_over_60m_share",
        0.03,
        0.14,
        0.14,
        "14% of handovers over an hour in 2022/23, 3% in 2017/18 [13.2]",
    ),
)

DELAY_GROUPS = {
    "hospital_process": ("discharge_process", "awaiting_assessment", "awaiting_mental_health"),
    "interface": (
        "awaiting_referral",
        "awaiting_repeat_assessment",
        "awaiting_funding_panel",
        "awaiting_budget",
    ),
}
"""The national groups of delay reasons [4.8] and the model's causes of delay in each (every
``awaiting_<service>``, a wait for a place in an onward service, is ``capacity``): the
hospital's own process (discharge on the day, assessment in hospital, the liaison team);
the interface between organisations and the care transfer hub (referrals, repeat
assessments, funding decisions, the capped budget)."""

_MIDNIGHT = "delayed_at_midnight_"


def delay_shares(kpis: Mapping[str, float]) -> dict[str, float]:
    """The share of medically fit patients in bed at midnight in each group of delay reasons
    (``delay_share_<group>``): DELAY_GROUPS, and ``capacity`` for the rest. Empty when the
    run has no such KPIs or nobody waited."""
    counts = {k[len(_MIDNIGHT) :]: v for k, v in kpis.items() if k.startswith(_MIDNIGHT)}
    total = sum(counts.values())
    if not counts or not total > 0:
        return {}
    grouped = {g: sum(counts.get(c, 0.0) for c in causes) for g, causes in DELAY_GROUPS.items()}
    grouped["capacity"] = total - sum(grouped.values())
    return {f"delay_share_{g}": v / total for g, v in grouped.items()}


def derived(kpis: Mapping[str, float]) -> dict[str, float]:
    """One replication's KPIs with the shares that are not reported directly: trolley waits
    (decision to admit to leaving A&E) per A&E admission, handovers over an hour per
    handover, and the mix of delays by national group (:func:`delay_shares`). Missing inputs
    give no share."""
    out = dict(kpis)
    out.update(delay_shares(kpis))
    try:
        handovers = kpis["ambulance_handovers"]
        if handovers > 0:
            out["ambulance_handovers_over_60m_share"] = (
                kpis["ambulance_handovers_over_60m"] / handovers
            )
    except KeyError:
        pass
    try:
        ed_admissions = kpis["ed_conversion_rate"] * kpis["ed_attendances"]
        out["trolley_12h_share"] = kpis["ed_12h_trolley_waits"] / ed_admissions
        out["trolley_4h_share"] = kpis["ed_4h_trolley_waits"] / ed_admissions
    except (KeyError, ZeroDivisionError):
        pass
    return out


DERIVED = (
    "trolley_12h_share",
    "trolley_4h_share",
    "ambulance_handovers_over_60m_share",
    "delay_share_capacity",
    "delay_share_interface",
    "delay_share_hospital_process",
)
"""The shares :func:`derived` adds to a replication's KPIs (targets may name them too)."""
