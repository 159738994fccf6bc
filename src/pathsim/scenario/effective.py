"""What a scenario builds, once its levers are applied: the effective system.

The one place where lever switches are read. :func:`effective_system` turns a validated
scenario into the components the model should build and the parameters of each: which
optional services exist (a joint emergency team, virtual wards, case management, the mental
health liaison team, deterioration while waiting, elective inpatients, escalation, ambulance
handover at A&E, leaving A&E before being seen, same-day emergency care), with which
settings, the frictions that remain (:func:`~pathsim.scenario.integration.effective_frictions`)
and the places each onward service has. The model builds exactly this and never asks whether
a lever is on.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import Field

from pathsim.scenario.distributions import Distribution
from pathsim.scenario.electives import ElectiveInpatients
from pathsim.scenario.equilibrium import EQUILIBRIUM, onward_equilibrium
from pathsim.scenario.escalation import Escalation
from pathsim.scenario.integration import (
    EffectiveFrictions,
    ProactiveCare,
    SinglePointOfReferral,
    VirtualWards,
    added_capacity,
    effective_frictions,
)
from pathsim.scenario.models import Deterioration, Scenario
from pathsim.scenario.models_base import Strict
from pathsim.scenario.urgent_care import AmbulanceHandover, LeftBeforeSeen, SameDayEmergencyCare


class EffectiveLiaison(Strict):
    """The mental health liaison team as it works in this scenario."""

    ed_wait_hours: Distribution | None = None
    """Wait in the A&E cubicle for the assessment (None: no wait)."""
    ward_wait_days: Distribution | None = None
    """Wait in bed, once medically fit, for the assessment (None: no wait)."""
    crosses_organisations: bool = True
    """Whether an assessment is a referral to another organisation (a hand-off)."""
    organisation: str | None = None
    """Who pays for assessments (None: not costed)."""
    cost_per_assessment_gbp: float = 0.0


class EffectiveSystem(Strict):
    """The components one replication builds, with their parameters. None: not built."""

    scenario: Scenario
    frictions: EffectiveFrictions
    onward_capacity: dict[str, int] = Field(default_factory=dict)
    """Places of each onward service, levers' added places included."""
    onward_initial: dict[str, int] = Field(default_factory=dict)
    """Places of each onward service in use when the run starts: its
    ``initial_occupancy_share`` of the scenario's places, or its estimated equilibrium
    (:mod:`pathsim.scenario.equilibrium`); places a lever adds start empty."""
    joint_emergency_team: SinglePointOfReferral | None = None
    virtual_wards: VirtualWards | None = None
    liaison: EffectiveLiaison | None = None
    case_management: ProactiveCare | None = None
    deterioration: Deterioration | None = None
    electives: ElectiveInpatients | None = None
    """Planned inpatients in the ward's beds (None: none)."""
    escalation: Escalation | None = None
    """OPEL levels and their actions (None: the trust never escalates)."""
    ambulance_handover: AmbulanceHandover | None = None
    left_before_seen: LeftBeforeSeen | None = None
    same_day_emergency_care: SameDayEmergencyCare | None = None


def _liaison(sc: Scenario) -> EffectiveLiaison | None:
    """Built when any crisis can have a mental health need; the integrated mental health
    lever replaces the waits and makes the team part of the hospital's own (no hand-off)."""
    if not any(seg.mental_health_share > 0 for seg in sc.segments.values()):
        return None
    spec = sc.mental_health
    lever = sc.integration.integrated_mental_health
    if lever.enabled:
        ed_wait, ward_wait, crosses = (
            lever.ed_liaison_wait_hours,
            lever.ward_liaison_wait_days,
            False,
        )
    else:
        ed_wait, ward_wait, crosses = spec.ed_liaison_wait_hours, spec.ward_liaison_wait_days, True
    return EffectiveLiaison(
        ed_wait_hours=ed_wait,
        ward_wait_days=ward_wait,
        crosses_organisations=crosses,
        organisation=spec.organisation,
        cost_per_assessment_gbp=spec.cost_per_assessment_gbp,
    )


def initial_places(scenario: Scenario) -> dict[str, int]:
    """Places of each onward service in use when the run starts."""
    services = scenario.onward_services
    wanted = any(s.initial_occupancy_share == EQUILIBRIUM for s in services.values())
    settled = onward_equilibrium(scenario) if wanted else {}
    places: dict[str, int] = {}
    for name, spec in services.items():
        share = spec.initial_occupancy_share
        if isinstance(share, str):  # EQUILIBRIUM, the only word allowed
            places[name] = settled[name].places_in_use
        else:
            places[name] = round(spec.capacity * share)
    return places


def effective_system(scenario: Scenario) -> EffectiveSystem:
    """The effective system of ``scenario``: what the model builds for it."""
    levers = scenario.integration
    extra = added_capacity(levers)
    spor, vw, proactive = (
        levers.single_point_of_referral,
        levers.virtual_wards,
        levers.proactive_care,
    )
    det = scenario.deterioration
    return EffectiveSystem(
        scenario=scenario,
        frictions=effective_frictions(scenario.frictions, levers),
        onward_capacity={
            name: spec.capacity + extra.get(name, 0)
            for name, spec in scenario.onward_services.items()
        },
        onward_initial=initial_places(scenario),
        joint_emergency_team=spor if spor.enabled else None,
        virtual_wards=vw if vw.enabled else None,
        liaison=_liaison(scenario),
        case_management=proactive if proactive.enabled else None,
        deterioration=det if det.daily_chance > 0 and det.to_service is not None else None,
        electives=scenario.electives if scenario.electives.enabled else None,
        escalation=scenario.escalation if scenario.escalation.enabled else None,
        ambulance_handover=_enabled(scenario.ambulance_handover),
        left_before_seen=_enabled(scenario.left_before_seen),
        same_day_emergency_care=_enabled(scenario.same_day_emergency_care),
    )


_Block = TypeVar("_Block", AmbulanceHandover, LeftBeforeSeen, SameDayEmergencyCare)


def _enabled(block: _Block) -> _Block | None:
    """The block when it is switched on, else None (not built)."""
    return block if block.enabled else None
