"""Frictions of fragmentation and the integration levers that remove them.

Each friction is an explicit parameter of the scenario. Each lever names the frictions it
removes or changes, and by how much, in its own fields: there is no overall "integration
factor". :func:`effective_frictions` applies the levers that are switched on and returns the
frictions the model actually builds; the patient journey never asks which levers are on.

Frictions on the way out of hospital, in the order a patient meets them (P1-P3 discharges):

1. assessment in hospital before discharge (``hospital_assessment_days``);
2. the referral to another organisation: a hand-off delay (``referral_delay_days``), and a
   chance that the referral bounces back incomplete and must be sent again
   (``referral_bounce_probability``);
3. the receiving organisation assessing the patient again (``repeat_assessment_days``);
4. for services that need a funding decision, the funding panel, which meets every
   ``funding_panel_interval_days`` days;
5. for those services too, a capped budget: at most ``social_care_packages_per_week`` new
   packages start each week; the rest wait for next week's budget.

Where the steps start: at the Discharge Ready Date (the patient declared medically fit), or,
with a referral lead time (``referral_lead_days``), that many days before it (discharge
planning while the patient is still clinically in bed); see :mod:`pathsim.model.ward`.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from pathsim.scenario.distributions import Distribution
from pathsim.scenario.implementation_costs import ImplementationCosts
from pathsim.scenario.models_base import (
    TOLERANCE,
    Count,
    Name,
    NonNegative,
    Positive,
    Probability,
    Strict,
)


class Frictions(Strict):
    """Delays and failures at the boundaries between organisations. Omitted or null: none."""

    hospital_assessment_days: Distribution | None = Field(
        default=None,
        description=(
            "Time a patient leaving on P1-P3 waits in bed to be assessed for onward care before "
            "discharge (assessment in hospital rather than at home)"
        ),
    )
    referral_delay_days: Distribution | None = Field(
        default=None,
        description="Time for a referral to reach and be accepted by another organisation",
    )
    referral_bounce_probability: Probability = Field(
        default=0.0,
        description=(
            "Chance that a referral is returned incomplete and has to be made again (each "
            "attempt is a hand-off and takes another referral delay)"
        ),
    )
    repeat_assessment_days: Distribution | None = Field(
        default=None,
        description=(
            "Time for the receiving organisation to assess the patient again ('tell my story "
            "again') before accepting them"
        ),
    )
    funding_panel_interval_days: NonNegative | None = Field(
        default=None,
        description=(
            "Funding decisions for services that need one are taken only at a panel that meets "
            "every this many days (e.g. 7: weekly)"
        ),
    )
    social_care_packages_per_week: NonNegative | None = Field(
        default=None,
        description=(
            "Capped budget: new packages of services that need a funding decision that can "
            "start each week; the rest wait for the next week's budget"
        ),
    )
    referral_lead_days: Distribution | None = Field(
        default=None,
        description=(
            "Referral lead time (discharge planning): a P1-P3 patient's referral steps above "
            "start this many days before the patient is declared medically fit (drawn per "
            "patient; never before the stay starts), while the patient still needs acute care. "
            "Time in a step before the fit time is no delay; from the fit time the step under "
            "way counts as a delay, and a place is asked for only once the patient is fit and "
            "the steps are over. Omitted or null: the steps start when the patient is declared "
            "fit. ASSUMPTION unless set from local data (how many days ahead wards start "
            "assessments and referrals)"
        ),
    )


class Lever(Strict):
    """A lever that can be switched on or off."""

    enabled: bool = Field(default=False, description="Whether the lever is on")
    implementation_costs: ImplementationCosts | None = Field(
        default=None,
        description=(
            "What the lever costs to put in and to run beyond the care it delivers; omitted: "
            "nothing (say so explicitly only if it is true)"
        ),
    )


class DischargeToAssess(Lever):
    """Discharge to assess with trusted assessors: patients are assessed for onward care after
    they leave hospital, not in a bed before; the receiving service accepts the hospital's
    trusted assessment instead of assessing again."""


class PooledBudget(Lever):
    """Health and social care money in one pot: no funding panel, and no separate cap on new
    social care packages while the NHS pays for the beds the waiting patients hold."""


class SharedCareRecord(Lever):
    """One record every organisation can read: referrals arrive complete and are accepted
    faster."""

    referral_bounce_probability: Probability = Field(
        default=0.0, description="The chance a referral bounces with the shared record"
    )
    referral_delay_factor: NonNegative = Field(
        default=0.5,
        description="Referral delays are multiplied by this (the record travels with them)",
    )


class SinglePointOfReferral(Lever):
    """A joint emergency team as the single point of referral for crises at home: staffed
    teams that respond within hours during opening hours, assess the whole person, and manage
    the crisis at home with a package of care, or send the patient in.

    Crises that could be managed in the community (each segment's
    ``community_response_share``) arriving by ambulance or GP / NHS 111 referral are referred
    to the team while it is open and a team is free; otherwise they go to A&E or hospital as
    before. Adds a named service (capacity, costs); removes nothing else.
    """

    organisation: Name = Field(
        default="community_trust", description="Organisation that runs the team"
    )
    teams: Count = Field(default=0, ge=0, le=10_000, description="Cases the teams can hold at once")
    open_hour: NonNegative = Field(default=8, lt=24, description="Opening time (hour of day)")
    close_hour: Positive = Field(default=20, le=24, description="Closing time (hour of day)")
    response_hours: Distribution | None = Field(
        default=None, description="Time from referral to the team reaching the patient"
    )
    assessment_hours: Distribution | None = Field(
        default=None, description="Holistic assessment at home"
    )
    manage_at_home_if_admission_needed: Probability = Field(
        default=0.0,
        description=(
            "Chance that a patient who would have been admitted is managed at home instead "
            "(an admission avoided)"
        ),
    )
    manage_at_home_otherwise: Probability = Field(
        default=0.0,
        description="Chance that a patient who would have gone home from A&E is managed at home",
    )
    home_package_share: dict[Name, Probability] = Field(
        default_factory=dict,
        description=(
            "Onward services that patients managed at home are referred to, with the share "
            "going to each; the rest need no package. Shares sum to at most 1"
        ),
    )
    added_capacity: dict[Name, Count] = Field(
        default_factory=dict,
        description=(
            "Places commissioned with the team, added to named onward services, so that the "
            "packages it starts do not take the places hospital discharges need"
        ),
    )
    cost_per_contact_gbp: NonNegative = Field(
        default=0.0, description="Cost of a team contact (response and assessment)"
    )

    @model_validator(mode="after")
    def _check(self) -> SinglePointOfReferral:
        if self.close_hour <= self.open_hour:
            raise ValueError(
                f"close_hour ({self.close_hour}) must be after open_hour ({self.open_hour})"
            )
        total = sum(self.home_package_share.values())
        if total > 1 + TOLERANCE:
            raise ValueError(f"home_package_share must sum to at most 1; it sums to {total:.6g}")
        if (
            self.enabled
            and self.teams > 0
            and (self.response_hours is None or self.assessment_hours is None)
        ):
            raise ValueError("an enabled team needs response_hours and assessment_hours")
        return self


class ProactiveCare(Lever):
    """Proactive care of the highest-risk segment: risk stratification and case management.
    A share of the segment's crises never happens (the same patients, minus those), every
    case-managed patient has a named coordinator, and the service costs so much per person
    per year whether or not they have a crisis."""

    segment: Name | None = Field(default=None, description="The segment that is case-managed")
    crisis_reduction: Probability = Field(
        default=0.0,
        description=(
            "Share of the segment's crises (A&E and direct admissions) prevented. Controlled "
            "evaluations found little or no effect, one +9% [6.19]: keep it small"
        ),
    )
    organisation: Name = Field(
        default="community_trust", description="Organisation that runs case management"
    )
    cost_per_person_per_year_gbp: NonNegative = Field(
        default=0.0, description="Cost of case management per person in the segment per year"
    )


class VirtualWards(Lever):
    """Virtual wards (hospital at home): acute care at home under a consultant or GP, for up to
    14 days [6.4]. Added slots beyond those the base already runs (the base is calibrated to
    today's figures, which include today's virtual wards, about 20 per 100,000 [6.1]).

    Step up: at the decision to admit (in A&E, or a GP / NHS 111 referral for admission), a
    share of the patients who would have needed an overnight bed are treated on a virtual ward
    instead, while a slot is free: an admission avoided unless they escalate back to hospital.
    Patients who would have gone home are also taken, in their own share: only part of a
    virtual ward's step-up admissions truly avoid an admission (about 1 in 2.5 [6.14]).

    Step down: a share of the ward's patients going home (pathway P0) with a long enough stay
    leave their bed ``step_down_bed_days_saved`` days before they would have been fit and finish
    their recovery on a virtual ward, while a slot is free [6.15].

    After a virtual ward stay a patient goes home, or on to the onward care their discharge
    pathway needs (referred from home, holding no bed); ``escalation_probability`` of them are
    admitted back to hospital part-way through the stay.
    """

    organisation: Name = Field(
        default="community_trust", description="Organisation that runs the virtual wards"
    )
    slots: Count = Field(
        default=0, ge=0, le=100_000, description="Patients the virtual wards can hold at once"
    )
    segments: list[Name] | None = Field(
        default=None, description="Segments whose patients may be taken; omitted: all"
    )
    step_up_share_if_admission_needed: Probability = Field(
        default=0.0,
        description=(
            "Share of patients who would have been admitted overnight that are treated on a "
            "virtual ward instead (when a slot is free)"
        ),
    )
    step_up_share_otherwise: Probability = Field(
        default=0.0,
        description=(
            "Share of A&E patients who would have gone home that are put on a virtual ward "
            "(when a slot is free): virtual ward admissions that avoid no hospital admission"
        ),
    )
    step_down_share: Probability = Field(
        default=0.0,
        description=(
            "Share of ward patients going home (P0) who step down to a virtual ward before "
            "they are fit (when a slot is free)"
        ),
    )
    step_down_bed_days_saved: NonNegative = Field(
        default=0.0,
        description=(
            "Days before being medically fit that a stepped-down patient leaves the bed; only "
            "patients with a longer clinical stay than this step down"
        ),
    )
    length_of_stay_days: Distribution | None = Field(
        default=None, description="Time on the virtual ward"
    )
    max_stay_days: Positive = Field(
        default=14, description="Longest virtual ward stay: longer draws are cut to this"
    )
    escalation_probability: Probability = Field(
        default=0.0,
        description="Chance that a virtual ward patient is admitted back to hospital",
    )
    cost_per_day_gbp: NonNegative = Field(
        default=0.0, description="Cost of an occupied virtual ward day"
    )

    @model_validator(mode="after")
    def _check(self) -> VirtualWards:
        if self.enabled and self.slots > 0 and self.length_of_stay_days is None:
            raise ValueError("enabled virtual wards with slots need length_of_stay_days")
        return self


class IntegratedMentalHealth(Lever):
    """Integrated physical and mental health: the mental health liaison team works inside the
    hospital's own teams, to the same access standards as physical care. Patients with a
    mental health need are assessed sooner in A&E and on the ward, and without a referral to
    another organisation (no hand-off)."""

    ed_liaison_wait_hours: Distribution | None = Field(
        default=None,
        description=(
            "Wait in the A&E cubicle for the liaison assessment, replacing the scenario's "
            "mental_health.ed_liaison_wait_hours"
        ),
    )
    ward_liaison_wait_days: Distribution | None = Field(
        default=None,
        description=(
            "Wait in bed, once medically fit, for the liaison assessment, replacing the "
            "scenario's mental_health.ward_liaison_wait_days"
        ),
    )


class Integration(Strict):
    """The integration levers; each is off unless ``enabled: true``."""

    single_point_of_referral: SinglePointOfReferral = Field(default_factory=SinglePointOfReferral)
    discharge_to_assess: DischargeToAssess = Field(default_factory=DischargeToAssess)
    pooled_budget: PooledBudget = Field(default_factory=PooledBudget)
    shared_care_record: SharedCareRecord = Field(default_factory=SharedCareRecord)
    proactive_care: ProactiveCare = Field(default_factory=ProactiveCare)
    virtual_wards: VirtualWards = Field(default_factory=VirtualWards)
    integrated_mental_health: IntegratedMentalHealth = Field(default_factory=IntegratedMentalHealth)


class EffectiveFrictions(Strict):
    """The frictions the model builds once the levers are applied."""

    hospital_assessment_days: Distribution | None = None
    """Assessment before discharge, in a bed."""
    assessment_after_discharge: bool = False
    """Discharge to assess: the assessment still happens (and is counted), but at home."""
    referral_delay_days: Distribution | None = None
    referral_delay_factor: float = 1.0
    referral_bounce_probability: float = 0.0
    repeat_assessment_days: Distribution | None = None
    funding_panel_interval_days: float | None = None
    social_care_packages_per_week: float | None = None
    referral_lead_days: Distribution | None = None
    """How many days before being declared fit a P1-P3 referral starts (None: at fit). No
    lever changes it: it is how early the ward plans, whatever steps remain."""


def effective_frictions(frictions: Frictions, levers: Integration) -> EffectiveFrictions:
    """The frictions that remain once the levers that are on have removed theirs."""
    out = frictions.model_dump(by_alias=True)
    if levers.discharge_to_assess.enabled:
        out["assessment_after_discharge"] = out["hospital_assessment_days"] is not None
        out["hospital_assessment_days"] = None
        out["repeat_assessment_days"] = None
    if levers.pooled_budget.enabled:
        out["funding_panel_interval_days"] = None
        out["social_care_packages_per_week"] = None
    if levers.shared_care_record.enabled:
        out["referral_bounce_probability"] = min(
            out["referral_bounce_probability"],
            levers.shared_care_record.referral_bounce_probability,
        )
        out["referral_delay_factor"] = levers.shared_care_record.referral_delay_factor
    return EffectiveFrictions.model_validate(out)


def added_capacity(levers: Integration) -> dict[str, int]:
    """Places that the levers switched on add to named onward services."""
    spor = levers.single_point_of_referral
    return dict(spor.added_capacity) if spor.enabled else {}
