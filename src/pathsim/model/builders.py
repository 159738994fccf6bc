"""The table of builders: what one replication is made of, and how each part is built.

Each entry names a component, the function that builds it from an :class:`Assembly`, and
the KPIs it reports (with their descriptions). A builder asks the assembly for the
components it needs (``a.get(name)``), which are built first, on demand; collaborators are
passed to a component when it is built, never set on it afterwards. Optional parts are
always built: as the real component when the effective system has it, as a null object
(which takes nobody and reports zeros) when not. The table's order is the order in which
components report (KPIs, time series, costs) and start; the front doors are composed from
the services outwards (:attr:`pathsim.model.component.Component.door_position`).

A new service is one module and one entry here; :class:`pathsim.model.system.System` takes
another table (``builders=``) too, which is how a test adds a service without editing this.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pathsim.model.ambulance import KPIS as AMBULANCE_KPIS
from pathsim.model.ambulance import AmbulanceHandoverService, NoAmbulanceHandover
from pathsim.model.arrivals import CrisisArrivals
from pathsim.model.clinical import OnwardChoice, onward_choices
from pathsim.model.component import Component, FrontDoors
from pathsim.model.context import RunContext
from pathsim.model.deterioration import KPIS as DETERIORATION_KPIS
from pathsim.model.deterioration import DeteriorationCheck, NoDeterioration
from pathsim.model.ed import KPIS as ED_KPIS
from pathsim.model.ed import EmergencyDepartmentService, FrontEnd
from pathsim.model.electives import KPIS as ELECTIVE_KPIS
from pathsim.model.electives import Electives, NoElectives
from pathsim.model.escalation import KPIS as ESCALATION_KPIS
from pathsim.model.escalation import Escalation, NoEscalation
from pathsim.model.gridlock import BED_QUEUE, ED_CUBICLE_QUEUE, GridlockWatch, Watch
from pathsim.model.gridlock import KPIS as GRIDLOCK_KPIS
from pathsim.model.initial import initial_ward_patients
from pathsim.model.jet import KPIS as JET_KPIS
from pathsim.model.jet import JointEmergencyTeam, NoJointEmergencyTeam
from pathsim.model.journey import KPIS as JOURNEY_KPIS
from pathsim.model.journey import Journey
from pathsim.model.left_before_seen import KPIS as LEFT_BEFORE_SEEN_KPIS
from pathsim.model.left_before_seen import LeavingBeforeSeen, NoLeavingBeforeSeen
from pathsim.model.lever_costs import LeverCosts, lever_costs
from pathsim.model.liaison import KPIS as LIAISON_KPIS
from pathsim.model.liaison import Liaison, NoLiaison
from pathsim.model.onward import KPIS as ONWARD_KPIS
from pathsim.model.onward import OnwardServices
from pathsim.model.proactive import KPIS as PROACTIVE_KPIS
from pathsim.model.proactive import CaseManagement, NoCaseManagement
from pathsim.model.readmission import KPIS as READMISSION_KPIS
from pathsim.model.readmission import Readmissions
from pathsim.model.ready_date import KPIS as READY_DATE_KPIS
from pathsim.model.ready_date import ReadyDates
from pathsim.model.referral import FrictionSteps
from pathsim.model.sdec import KPIS as SDEC_KPIS
from pathsim.model.sdec import NoSameDayEmergencyCare, SameDayEmergencyCareService
from pathsim.model.service import BufferedSampler
from pathsim.model.streams import Streams
from pathsim.model.virtual_ward import KPIS as VIRTUAL_WARD_KPIS
from pathsim.model.virtual_ward import NoVirtualWard, VirtualWard
from pathsim.model.ward import KPIS as WARD_KPIS
from pathsim.model.ward import AcuteWardService
from pathsim.scenario.distributions import Distribution
from pathsim.scenario.effective import EffectiveSystem


class BuildError(RuntimeError):
    """The builder table cannot be built (an unknown name, or components that need each
    other to be built first)."""


class Assembly:
    """What builders build from: the effective system, the replication's context and
    streams, the front doors, and every component built so far."""

    def __init__(
        self,
        system: EffectiveSystem,
        ctx: RunContext,
        streams: Streams,
        builders: Sequence[Builder],
    ) -> None:
        self.system = system
        self.scenario = system.scenario
        self.ctx = ctx
        self.streams = streams
        self.builders = tuple(builders)
        self._by_name = {b.name: b for b in self.builders}
        if len(self._by_name) != len(self.builders):
            raise BuildError("two builders have the same name")
        self._built: dict[str, Component] = {}
        self._building: list[str] = []
        n = len(self.scenario.segments)
        self.doors = FrontDoors(ed=[_no_door] * n, direct=[_no_door] * n)
        """The segments' front doors, composed once every component is built."""

    @cached_property
    def onward_index(self) -> dict[str, int]:
        """Each onward service's number (its position in the scenario)."""
        return {name: i for i, name in enumerate(self.scenario.onward_services)}

    @cached_property
    def choices(self) -> dict[int, OnwardChoice]:
        """How each discharge pathway picks an onward service number."""
        return onward_choices(self.scenario, self.onward_index)

    def segment_numbers(self, names: Sequence[str] | None) -> set[int] | None:
        """The numbers of the named segments (None stays None: every segment)."""
        if names is None:
            return None
        order = list(self.scenario.segments)
        return {order.index(n) for n in names}

    def get(self, name: str) -> Any:
        """The component built by the entry ``name``, built now if it is not yet."""
        built = self._built.get(name)
        if built is not None:
            return built
        builder = self._by_name.get(name)
        if builder is None:
            raise BuildError(f"no builder named {name!r} (the table has {list(self._by_name)})")
        if name in self._building:
            chain = " -> ".join([*self._building[self._building.index(name) :], name])
            raise BuildError(f"components need each other to be built first: {chain}")
        self._building.append(name)
        try:
            built = builder.build(self)
        finally:
            self._building.pop()
        self._built[name] = built
        return built

    def build_all(self) -> list[Component]:
        """Every entry's component, in table order."""
        return [self.get(b.name) for b in self.builders]


def _no_door(p: Any, referred_in: bool = False) -> None:
    raise BuildError("no component stands at this front door")  # pragma: no cover


@dataclass(frozen=True)
class Builder:
    """One entry of the table."""

    name: str
    build: Callable[[Assembly], Component]
    kpis: Mapping[str, str] = field(default_factory=dict)
    """The KPIs the component reports, with their descriptions (patterns such as
    ``occupancy_<service>`` for names made per service)."""


# -- the builders of the standard model ---------------------------------------------------
def build_ed(a: Assembly) -> Component:
    return EmergencyDepartmentService(
        a.ctx,
        a.scenario.ed,
        a.get("acute_ward"),
        a.get("virtual_ward"),
        a.get("mental_health_liaison"),
        FrontEnd(a.get("ambulance_handover"), a.get("left_before_seen"), a.get("sdec")),
    )


def build_ambulance_handover(a: Assembly) -> Component:
    spec = a.system.ambulance_handover
    if spec is None:
        return NoAmbulanceHandover()
    return AmbulanceHandoverService(a.ctx, spec, a.scenario.ed.organisation, a.streams)


def build_left_before_seen(a: Assembly) -> Component:
    spec = a.system.left_before_seen
    return (
        NoLeavingBeforeSeen()
        if spec is None
        else LeavingBeforeSeen(a.ctx, spec, a.streams, a.doors)
    )


def build_sdec(a: Assembly) -> Component:
    spec = a.system.same_day_emergency_care
    if spec is None:
        return NoSameDayEmergencyCare()
    return SameDayEmergencyCareService(
        a.ctx, spec, a.scenario.ed.organisation, a.streams, a.get("acute_ward")
    )


def build_liaison(a: Assembly) -> Component:
    spec = a.system.liaison
    return NoLiaison() if spec is None else Liaison(a.ctx, spec, a.streams)


def build_ward(a: Assembly) -> Component:
    onward: OnwardServices = a.get("onward_services")
    return AcuteWardService(
        a.ctx,
        a.scenario.acute_ward,
        onward.services,
        a.get("referrals"),
        a.get("mental_health_liaison"),
        a.get("virtual_ward"),
        a.get("readmissions"),
        lambda: initial_ward_patients(a.ctx, a.scenario, a.streams, a.choices),
        a.get("discharge_ready_dates"),
        _sampler(a, a.scenario.acute_ward.transfer_hours, "acute_ward.transfer"),
    )


def _sampler(a: Assembly, dist: Distribution | None, stream: str) -> BufferedSampler | None:
    return None if dist is None else BufferedSampler(dist, a.streams[stream])


def build_onward(a: Assembly) -> Component:
    sc = a.scenario
    check = a.get("deterioration")
    deteriorating = sc.deterioration.from_services if a.system.deterioration else []
    return OnwardServices(
        a.ctx,
        sc.onward_services,
        a.system.onward_capacity,
        a.system.onward_initial,
        a.streams,
        a.get("referrals"),
        sc.acute_ward.organisation,
        check,
        deteriorating,
        NoDeterioration(),
    )


def build_deterioration(a: Assembly) -> Component:
    spec = a.system.deterioration
    if spec is None or spec.to_service is None:
        return NoDeterioration()
    return DeteriorationCheck(
        a.ctx, spec, a.segment_numbers(spec.segments), a.onward_index[spec.to_service]
    )


def build_referrals(a: Assembly) -> Component:
    return FrictionSteps(a.ctx, a.streams, a.system.frictions)


def build_jet(a: Assembly) -> Component:
    spec = a.system.joint_emergency_team
    if spec is None:
        return NoJointEmergencyTeam()
    onward: OnwardServices = a.get("onward_services")
    packages = [(share, onward.by_name[name]) for name, share in spec.home_package_share.items()]
    return JointEmergencyTeam(a.ctx, spec, a.streams, packages)


def build_virtual_ward(a: Assembly) -> Component:
    spec = a.system.virtual_wards
    if spec is None:
        return NoVirtualWard()
    onward: OnwardServices = a.get("onward_services")
    return VirtualWard(
        a.ctx,
        spec,
        a.streams,
        a.segment_numbers(spec.segments),
        a.scenario.acute_ward.organisation,
        onward.services,
        a.get("readmissions"),
    )


def build_readmissions(a: Assembly) -> Component:
    return Readmissions(a.ctx, a.scenario, a.streams, a.choices, a.doors)


def build_journey(a: Assembly) -> Component:
    return Journey(a.ctx)


def build_case_management(a: Assembly) -> Component:
    spec = a.system.case_management
    if spec is None:
        return NoCaseManagement()
    segment = None if spec.segment is None else list(a.scenario.segments).index(spec.segment)
    people = 0 if spec.segment is None else a.scenario.segments[spec.segment].population
    return CaseManagement(a.ctx, spec, segment, people)


def build_electives(a: Assembly) -> Component:
    spec = a.system.electives
    beds = a.scenario.acute_ward.beds
    if spec is None:
        return NoElectives(beds)
    return Electives(
        a.ctx,
        spec,
        a.streams,
        a.get("acute_ward"),
        a.scenario.acute_ward.organisation,
        beds,
        a.get("discharge_ready_dates"),
    )


def build_ready_dates(a: Assembly) -> Component:
    """The Discharge Ready Date measures, over the general and acute beds: the ward's own and
    the ring-fenced elective beds."""
    electives = a.system.electives
    ring_fenced = 0 if electives is None else electives.ring_fenced_beds or 0
    return ReadyDates(a.ctx, a.scenario.acute_ward.beds + ring_fenced)


ESCALATION = "escalation"


def build_escalation(a: Assembly) -> Component:
    """Escalation reads pressure measures from every other component of the table (built
    first, so that a measure no component has is refused now, before the run)."""
    spec = a.system.escalation
    if spec is None:
        return NoEscalation()
    others = [part for b in a.builders if b.name != ESCALATION for part in a.get(b.name).parts()]
    return Escalation(
        a.ctx,
        spec,
        a.streams,
        others,
        a.get("acute_ward"),
        a.get("electives"),
        a.scenario.acute_ward.organisation,
    )


def build_gridlock(a: Assembly) -> Component:
    """Watches the A&E cubicle queue and the line for a bed, each against its threshold."""
    spec = a.scenario.gridlock
    ed: EmergencyDepartmentService = a.get("ed")
    ward: AcuteWardService = a.get("acute_ward")
    return GridlockWatch(
        [
            Watch(
                ED_CUBICLE_QUEUE, ed.name, "queue_length", spec.ed_queue_per_cubicle * ed.capacity
            ),
            Watch(BED_QUEUE, ward.name, "queue_length", spec.bed_queue_per_bed * ward.capacity),
        ],
        spec.consecutive_days,
    )


def build_lever_costs(a: Assembly) -> Component:
    return LeverCosts(lever_costs(a.scenario.integration))


def build_arrivals(a: Assembly) -> Component:
    return CrisisArrivals(a.ctx, a.scenario, a.streams, a.choices, a.doors)


BUILDERS: tuple[Builder, ...] = (
    Builder("ed", build_ed, ED_KPIS),
    Builder("ambulance_handover", build_ambulance_handover, AMBULANCE_KPIS),
    Builder("left_before_seen", build_left_before_seen, LEFT_BEFORE_SEEN_KPIS),
    Builder("sdec", build_sdec, SDEC_KPIS),
    Builder("mental_health_liaison", build_liaison, LIAISON_KPIS),
    Builder("acute_ward", build_ward, WARD_KPIS),
    Builder("electives", build_electives, ELECTIVE_KPIS),
    Builder("discharge_ready_dates", build_ready_dates, READY_DATE_KPIS),
    Builder("onward_services", build_onward, ONWARD_KPIS),
    Builder("deterioration", build_deterioration, DETERIORATION_KPIS),
    Builder("referrals", build_referrals),
    Builder("journey", build_journey, JOURNEY_KPIS),
    Builder("proactive_care", build_case_management, PROACTIVE_KPIS),
    Builder("jet", build_jet, JET_KPIS),
    Builder("virtual_ward", build_virtual_ward, VIRTUAL_WARD_KPIS),
    Builder("readmissions", build_readmissions, READMISSION_KPIS),
    Builder("lever_costs", build_lever_costs),
    Builder(ESCALATION, build_escalation, ESCALATION_KPIS),
    Builder("arrivals", build_arrivals),
    Builder("gridlock", build_gridlock, GRIDLOCK_KPIS),
)
"""The standard model, in reporting order."""
