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
"""

from __future__ import annotations

from pydantic import Field

from pathsim.scenario.distributions import Distribution
from pathsim.scenario.models_base import NonNegative, Probability, Strict


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


class Lever(Strict):
    """A lever that can be switched on or off."""

    enabled: bool = Field(default=False, description="Whether the lever is on")


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


class Integration(Strict):
    """The integration levers; each is off unless ``enabled: true``."""

    discharge_to_assess: DischargeToAssess = Field(default_factory=DischargeToAssess)
    pooled_budget: PooledBudget = Field(default_factory=PooledBudget)
    shared_care_record: SharedCareRecord = Field(default_factory=SharedCareRecord)


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
