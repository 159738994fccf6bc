"""Cross-reference checks of a whole scenario: every organisation, onward service and segment
that one part names must be defined in another, and the figures that depend on each other
must agree.

Each check is its own function that returns its problems (messages, empty when all is well);
:func:`reference_problems` runs them in a fixed order and the scenario's validator joins
their messages into one error. The checks read a scenario through :class:`ScenarioParts`, so
this module does not import the ``Scenario`` model that calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from pathsim.scenario.integration import Integration
from pathsim.scenario.models_base import Pathway
from pathsim.scenario.segments import Segment, readmissions_and_ed_admissions
from pathsim.scenario.services import (
    AcuteWard,
    Deterioration,
    EmergencyDepartment,
    MentalHealthLiaison,
    OnwardService,
    Readmission,
)

__all__ = ["CHECKS", "ScenarioParts", "reference_problems"]


class ScenarioParts(Protocol):
    """The parts of a scenario that the cross-reference checks read."""

    @property
    def organisations(self) -> Mapping[str, object]: ...
    @property
    def segments(self) -> Mapping[str, Segment]: ...
    @property
    def ed(self) -> EmergencyDepartment: ...
    @property
    def acute_ward(self) -> AcuteWard: ...
    @property
    def onward_services(self) -> Mapping[str, OnwardService]: ...
    @property
    def integration(self) -> Integration: ...
    @property
    def mental_health(self) -> MentalHealthLiaison: ...
    @property
    def deterioration(self) -> Deterioration: ...
    @property
    def readmission(self) -> Readmission: ...
    @property
    def discharge_pathway_services(self) -> Mapping[Pathway, Mapping[str, float]]: ...


def _organisation(s: ScenarioParts, where: str, org: str) -> list[str]:
    """``org``, named at ``where``, must be an organisation of the scenario."""
    if org in s.organisations:
        return []
    return [
        f"{where}.organisation: '{org}' is not an organisation of this scenario; "
        f"known: {', '.join(sorted(s.organisations))}"
    ]


def check_hospital_organisations(s: ScenarioParts) -> list[str]:
    """A&E's and the acute ward's organisations exist."""
    return [
        *_organisation(s, "ed", s.ed.organisation),
        *_organisation(s, "acute_ward", s.acute_ward.organisation),
    ]


def _onward_referrals(s: ScenarioParts, name: str, svc: OnwardService) -> list[str]:
    """Each service that ``name`` refers on to is another defined onward service."""
    problems: list[str] = []
    for other in svc.then_referred_to:
        if other == name or other not in s.onward_services:
            what = "itself" if other == name else f"'{other}', which is not defined"
            problems.append(
                f"onward_services.{name}.then_referred_to.{other}: refers on to "
                f"{what}; name another onward service"
            )
    return problems


def check_onward_services(s: ScenarioParts) -> list[str]:
    """Each onward service's organisation exists and its onward referrals are defined (the
    problems of one service before the next's)."""
    problems: list[str] = []
    for name, svc in s.onward_services.items():
        problems += _organisation(s, f"onward_services.{name}", svc.organisation)
        problems += _onward_referrals(s, name, svc)
    return problems


def check_pathway_services(s: ScenarioParts) -> list[str]:
    """Every service that a discharge pathway leads to is defined."""
    known = ", ".join(sorted(s.onward_services)) or "none defined"
    return [
        f"discharge_pathway_services.{pathway.value}.{svc_name}: no onward "
        f"service is called '{svc_name}'; known: {known}"
        for pathway, shares in s.discharge_pathway_services.items()
        for svc_name in shares
        if svc_name not in s.onward_services
    ]


def check_single_point_of_referral(s: ScenarioParts) -> list[str]:
    """The single point of referral, when enabled: its organisation and the services it sends
    patients to or adds capacity to exist."""
    spor = s.integration.single_point_of_referral
    if not spor.enabled:
        return []
    return [
        *_organisation(s, "integration.single_point_of_referral", spor.organisation),
        *(
            f"integration.single_point_of_referral: no onward service is called "
            f"'{svc_name}'; known: {', '.join(sorted(s.onward_services))}"
            for svc_name in [*spor.home_package_share, *spor.added_capacity]
            if svc_name not in s.onward_services
        ),
    ]


def check_proactive_care(s: ScenarioParts) -> list[str]:
    """Proactive care, when enabled: its organisation and its segment exist."""
    proactive = s.integration.proactive_care
    if not proactive.enabled:
        return []
    problems = _organisation(s, "integration.proactive_care", proactive.organisation)
    if proactive.segment is None or proactive.segment not in s.segments:
        problems.append(
            f"integration.proactive_care.segment: no segment is called "
            f"'{proactive.segment}'; known: {', '.join(sorted(s.segments))}"
        )
    return problems


def check_mental_health(s: ScenarioParts) -> list[str]:
    """When some segment has a mental health need, the liaison team's organisation is named
    and exists."""
    if not any(seg.mental_health_share > 0 for seg in s.segments.values()):
        return []
    if s.mental_health.organisation is None:
        return [
            "mental_health.organisation: some segments have a mental_health_share, so "
            "name the organisation that runs the liaison team"
        ]
    return _organisation(s, "mental_health", s.mental_health.organisation)


def check_deterioration(s: ScenarioParts) -> list[str]:
    """Deterioration, when switched on: the services it moves patients between and its
    segments exist, and it does not move a patient into the wait they are in."""
    det = s.deterioration
    if not det.daily_chance > 0:
        return []
    wanted: list[str | None] = [*det.from_services, det.to_service]
    problems = [
        f"deterioration: no onward service is called '{wanted_name}'; name one "
        f"of: {', '.join(sorted(s.onward_services)) or 'none defined'}"
        for wanted_name in wanted
        if wanted_name is None or wanted_name not in s.onward_services
    ]
    problems += [
        f"deterioration.segments: no segment is called '{seg_name}'; known: "
        f"{', '.join(sorted(s.segments))}"
        for seg_name in det.segments or []
        if seg_name not in s.segments
    ]
    if det.to_service is not None and det.to_service in det.from_services:
        problems.append(
            "deterioration.to_service: must not be one of from_services (a patient "
            "would deteriorate into the same wait)"
        )
    return problems


def check_virtual_wards(s: ScenarioParts) -> list[str]:
    """Virtual wards, when enabled: their organisation and segments exist."""
    vw = s.integration.virtual_wards
    if not vw.enabled:
        return []
    return [
        *_organisation(s, "integration.virtual_wards", vw.organisation),
        *(
            f"integration.virtual_wards.segments: no segment is called "
            f"'{seg_name}'; known: {', '.join(sorted(s.segments))}"
            for seg_name in vw.segments or []
            if seg_name not in s.segments
        ),
    ]


def check_readmissions(s: ScenarioParts) -> list[str]:
    """No segment's readmissions exceed its A&E admissions, which include them."""
    problems: list[str] = []
    for seg_name, seg in s.segments.items():
        expected, ed_admissions = readmissions_and_ed_admissions(seg, s.readmission)
        if expected > ed_admissions:
            problems.append(
                f"segments.{seg_name}.readmission_probability: the readmissions it implies "
                f"({expected:.0f} a year) are more than the segment's A&E admissions "
                f"({ed_admissions:.0f} a year), which include them; lower it"
            )
    return problems


def check_pathway_shares(s: ScenarioParts) -> list[str]:
    """Every pathway P1-P3 that a segment sends patients on leads somewhere."""
    return [
        f"segments.{seg_name}.discharge_pathway_share.{pathway.value}: patients "
        f"are sent on {pathway.value} but discharge_pathway_services has no "
        f"entry for {pathway.value}; add one or set this share to 0"
        for seg_name, seg in s.segments.items()
        for pathway, p in seg.discharge_pathway_share.items()
        if p > 0 and pathway is not Pathway.P0 and pathway not in s.discharge_pathway_services
    ]


def check_lever_payers(s: ScenarioParts) -> list[str]:
    """Every enabled lever's implementation costs are paid by an organisation that exists."""
    problems: list[str] = []
    for name in type(s.integration).model_fields:
        lever = getattr(s.integration, name)
        costs = lever.implementation_costs
        if lever.enabled and costs is not None and costs.paid_by not in s.organisations:
            problems.append(
                f"integration.{name}.implementation_costs.paid_by: '{costs.paid_by}' is not an "
                f"organisation of this scenario; known: {', '.join(sorted(s.organisations))}"
            )
    return problems


CHECKS: tuple[Callable[[ScenarioParts], list[str]], ...] = (
    check_hospital_organisations,
    check_onward_services,
    check_pathway_services,
    check_single_point_of_referral,
    check_proactive_care,
    check_mental_health,
    check_deterioration,
    check_virtual_wards,
    check_readmissions,
    check_pathway_shares,
    check_lever_payers,
)
"""The checks in the order their messages appear."""


def reference_problems(s: ScenarioParts) -> list[str]:
    """Every cross-reference problem of ``s``, check by check in the order of :data:`CHECKS`."""
    return [problem for check in CHECKS for problem in check(s)]
