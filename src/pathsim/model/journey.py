"""Measures of the whole journey rather than of one service: crisis episodes and what the
patient experienced in them ('I tell my story once', 'I know who is in charge of my care'),
admissions avoided by any component, and days at home after a crisis. The services record
them on the run context as patients move; this component reports them."""

from __future__ import annotations

from pathsim.model.component import Component, Results
from pathsim.model.context import RunContext
from pathsim.model.monitors import Tally

KPIS: dict[str, str] = {
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
    "admissions_avoided": (
        "Crises that would otherwise have ended in an overnight admission, managed at home by "
        "the joint emergency team or completed on a virtual ward without escalation"
    ),
    "days_at_home_90d": (
        "Mean days at home in the 90 days after a crisis that needed an overnight bed (as "
        "drawn at arrival, so the same crises in every configuration, whether admitted, "
        "managed at home or prevented): not in A&E, an acute bed, a community bed or a care "
        "home; a virtual ward is home. Crises in the results period whose 90 days ended "
        "before the run did"
    ),
}
"""The KPIs of the whole journey, with their descriptions."""


class Journey(Component):
    """Reports the measures the services record on the run context."""

    name = "journey"

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx

    def tallies(self) -> list[Tally]:
        return [self.ctx.days_at_home]

    def kpis(self, results: Results) -> dict[str, float]:
        ctx = self.ctx
        return {
            "crisis_episodes": float(ctx.episode_handoffs.n),
            "handoffs_per_episode": ctx.episode_handoffs.mean,
            "assessments_per_episode": ctx.episode_assessments.mean,
            "share_with_named_coordinator": ctx.episode_coordinated.mean,
            "admissions_avoided": float(ctx.admissions_avoided),
            "days_at_home_90d": ctx.days_at_home.mean,
        }
