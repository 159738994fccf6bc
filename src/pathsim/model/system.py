"""Builds one replication of a scenario on a fresh SimPy environment and runs it.

Nothing here is shared between replications: each owns its environment, streams, components
and monitors, so replications can run in any order and in any process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pathsim.model.clock import Clock, call_after, rare_garbage_collection
from pathsim.model.context import Calendar, RunContext
from pathsim.model.deterioration import DeteriorationCheck
from pathsim.model.ed import EmergencyDepartmentService
from pathsim.model.eventlog import EventLog
from pathsim.model.jet import JointEmergencyTeam
from pathsim.model.liaison import Liaison
from pathsim.model.monitors import LevelMonitor, Tally
from pathsim.model.onward import OnwardServiceComponent
from pathsim.model.patients import (
    ROUTE_COMMUNITY,
    ROUTE_DIRECT,
    ROUTE_ED,
    ROUTE_INITIAL,
    ClinicalDraws,
    FrontDoor,
    Patient,
    PoissonSource,
    clinical_rows,
    onward_choices,
)
from pathsim.model.proactive import CaseManagement
from pathsim.model.readmission import Readmissions
from pathsim.model.referral import FrictionSteps, Pipeline
from pathsim.model.service import Service
from pathsim.model.streams import Streams
from pathsim.model.virtual_ward import VirtualWard
from pathsim.model.ward import AcuteWardService
from pathsim.scenario.integration import added_capacity, effective_frictions
from pathsim.scenario.models import ArrivalProfile, Scenario

LONG_STAY_DAYS = (7.0, 21.0)


@dataclass
class DailySnapshots:
    """Cumulative integrals of every level monitor, and midnight counts, at each midnight."""

    days: list[float] = field(default_factory=list)
    integrals: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    midnight: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    time_above: list[list[float]] = field(default_factory=list)


class System:
    """The components of one replication, wired together."""

    def __init__(
        self,
        scenario: Scenario,
        replication: int,
        seed: int,
        days: int,
        warmup_days: int,
        event_log: bool = False,
    ) -> None:
        self.scenario = scenario
        self.replication = replication
        self.seed = seed
        self.days = days
        self.warmup_days = warmup_days
        env = Clock()
        self.env = env
        end = float(warmup_days + days)
        organisations = {
            "ed": scenario.ed.organisation,
            "acute_ward": scenario.acute_ward.organisation,
        }
        spor = scenario.integration.single_point_of_referral
        if spor.enabled:
            organisations["jet"] = spor.organisation
        vw_spec = scenario.integration.virtual_wards
        if vw_spec.enabled:
            organisations["virtual_ward"] = vw_spec.organisation
        organisations.update({n: s.organisation for n, s in scenario.onward_services.items()})
        self.ctx = RunContext(
            env=env,
            calendar=Calendar(scenario.run.start_date),
            results_from=float(warmup_days),
            end=end,
            log=EventLog(env, organisations) if event_log else None,
        )
        self.streams = Streams(seed, replication)

        extra = added_capacity(scenario.integration)
        self.onward = [
            OnwardServiceComponent(
                self.ctx, name, spec, self.streams, spec.capacity + extra.get(name, 0)
            )
            for name, spec in scenario.onward_services.items()
        ]
        service_index = {svc.name: i for i, svc in enumerate(self.onward)}
        for svc in self.onward:
            bound = 0.0
            for name, share in svc.spec.then_referred_to.items():
                bound += share
                svc.next_services.append((bound, self.onward[service_index[name]]))
        self.choices = onward_choices(scenario, service_index)
        self.ward = AcuteWardService(self.ctx, scenario.acute_ward, self.onward)
        self._build_referrals()
        self.ed = EmergencyDepartmentService(self.ctx, scenario.ed, self.ward)
        self.readmissions = Readmissions(self.ctx, scenario, self.streams, self.choices)
        self.deterioration = self._build_deterioration(service_index)
        self.liaison: Liaison | None = None
        if any(seg.mental_health_share > 0 for seg in scenario.segments.values()):
            self.liaison = Liaison(self.ctx, scenario, self.streams)
            self.ed.liaison = self.ward.liaison = self.liaison
        self.ward.discharged = self.readmissions.after_discharge
        self.virtual_ward = self._build_virtual_ward()
        self.direct_entry: FrontDoor = self.ward.arrive_direct
        if self.virtual_ward is not None:
            self.direct_entry = self.virtual_ward.in_front_of(self.ward.arrive_direct)
        self.jet = self._build_jet(service_index)
        self.services: list[Service] = [self.ed, self.ward, *self.onward]
        if self.jet is not None:
            self.services.append(self.jet)
        if self.virtual_ward is not None:
            self.services.append(self.virtual_ward)

        proactive = scenario.integration.proactive_care
        self.case_management = CaseManagement(self.ctx, proactive) if proactive.enabled else None
        self.sources: list[PoissonSource] = []
        self._build_sources()
        self._fill_initial()
        self.snapshots = DailySnapshots()

    # -- construction ------------------------------------------------------------------
    def _build_deterioration(self, service_index: dict[str, int]) -> DeteriorationCheck | None:
        sc = self.scenario
        spec = sc.deterioration
        if spec.daily_chance <= 0 or spec.to_service is None:
            return None
        names = list(sc.segments)
        segments = None if spec.segments is None else {names.index(n) for n in spec.segments}
        check = DeteriorationCheck(
            self.ctx, spec, segments, service_index[spec.to_service], self.ward
        )
        for name in spec.from_services:
            self.onward[service_index[name]].deterioration = check
        return check

    def _build_virtual_ward(self) -> VirtualWard | None:
        """Virtual wards, when the lever is on: at A&E's decision, in front of direct
        admission, and beside the ward for step down."""
        sc = self.scenario
        spec = sc.integration.virtual_wards
        if not spec.enabled:
            return None
        names = list(sc.segments)
        segments = None if spec.segments is None else {names.index(n) for n in spec.segments}
        vw = VirtualWard(
            self.ctx,
            spec,
            self.streams,
            segments,
            self.ward.organisation,
            self.onward,
            self.readmissions.after_discharge,
        )
        vw.to_ward = self.ward.arrive_direct
        self.ed.virtual_ward = vw
        self.ward.virtual_ward = vw
        return vw

    def _build_jet(self, service_index: dict[str, int]) -> JointEmergencyTeam | None:
        """The joint emergency team, when the single point of referral lever is on."""
        spec = self.scenario.integration.single_point_of_referral
        if not spec.enabled:
            return None
        packages = [
            (share, self.onward[service_index[name]])
            for name, share in spec.home_package_share.items()
        ]
        return JointEmergencyTeam(
            self.ctx, spec, self.streams, self.ed.arrive, self.direct_entry, packages
        )

    def _build_referrals(self) -> None:
        """Referral pipelines from the frictions that remain once the levers are applied."""
        sc = self.scenario
        frictions = effective_frictions(sc.frictions, sc.integration)
        steps = FrictionSteps(self.ctx, self.streams, frictions)
        self.budget = steps.budget
        self.ward.assess_after_discharge = frictions.assessment_after_discharge
        for i, svc in enumerate(self.onward):
            crosses = svc.organisation != self.ward.organisation
            funded = svc.spec.needs_funding_decision
            self.ward.pipelines[i] = Pipeline(
                steps.for_service(crosses, funded, hospital=True), self.ward.delays
            )
            svc.community_pipeline = Pipeline(
                steps.for_service(crosses, funded, hospital=False), None
            )

    def _build_sources(self) -> None:
        sc = self.scenario
        for i, (name, seg) in enumerate(sc.segments.items()):
            profile = sc.profile_for(name)
            to_ed: Callable[[Patient], None] = self.ed.arrive
            to_ward: Callable[[Patient], None] = self.direct_entry
            if self.jet is not None:  # the single point of referral stands at the front door
                to_ed, to_ward = self.jet.crisis_to_ed, self.jet.crisis_to_ward
            if self.case_management is not None and name == sc.integration.proactive_care.segment:
                to_ed = self.case_management.in_front_of(to_ed)
                to_ward = self.case_management.in_front_of(to_ward)
            self.readmissions.entries.append(to_ed)
            first_attendances, first_admit = sc.first_crises(name)
            for route, rate, entry in (
                (ROUTE_ED, first_attendances, to_ed),
                (ROUTE_DIRECT, seg.direct_admissions_per_year, to_ward),
            ):
                prefix = f"segment.{name}.{'ed' if route == ROUTE_ED else 'direct'}"
                draws = ClinicalDraws(
                    self.streams,
                    prefix,
                    seg,
                    self.choices,
                    admit_all=route == ROUTE_DIRECT,
                    admit_probability=first_admit,
                )
                self.sources.append(
                    PoissonSource(
                        self.ctx, self.streams, prefix, rate, profile, i, route, entry, draws
                    )
                )
        flat = ArrivalProfile.flat()
        for svc in self.onward:
            rate = svc.spec.community_referrals_per_week * 365.25 / 7
            self.sources.append(
                PoissonSource(
                    self.ctx,
                    self.streams,
                    f"onward.{svc.name}.community",
                    rate,
                    flat,
                    -1,
                    ROUTE_COMMUNITY,
                    svc.arrive_from_community,
                    None,
                )
            )

    def _fill_initial(self) -> None:
        sc = self.scenario
        ctx = self.ctx
        n_beds = round(sc.acute_ward.beds * sc.acute_ward.initial_occupancy_share)
        if n_beds > 0:
            names = list(sc.segments)
            # Expected occupied beds per segment (Little's law): overnight admissions x mean LOS.
            weights = np.array(
                [
                    (
                        s.ed_attendances_per_year * s.admission_probability
                        + s.direct_admissions_per_year
                    )
                    * (1 - s.same_day_probability)
                    * s.length_of_stay_days.mean
                    for s in sc.segments.values()
                ]
            )
            if weights.sum() == 0:  # no admissions expected: spread by population instead
                weights = np.array([s.population for s in sc.segments.values()], dtype=float)
            if weights.sum() == 0:
                weights = np.ones(len(names))
            rng = self.streams["initial.acute_ward.segment"]
            counts = rng.multinomial(n_beds, weights / weights.sum())
            for i, (name, n) in enumerate(zip(names, counts, strict=True)):
                if n == 0:
                    continue
                draws = ClinicalDraws(
                    self.streams, f"initial.acute_ward.{name}", sc.segments[name], self.choices
                ).draw(int(n), in_progress=True)
                for row, elapsed in zip(clinical_rows(draws), draws["elapsed"], strict=True):
                    p = Patient(ctx.new_other_id(), i, ROUTE_INITIAL, 0.0, row)
                    self.ward.place_initial(p, float(elapsed))
        for svc in self.onward:
            n = round(
                svc.spec.capacity * svc.spec.initial_occupancy_share
            )  # added places start empty
            if n == 0:
                continue
            remaining = svc.spec.length_of_stay_days.sample_residual(
                self.streams[f"initial.{svc.name}"], n
            )
            for r in remaining.tolist():
                p = Patient(ctx.new_other_id(), -1, ROUTE_INITIAL, 0.0)
                svc.place_initial(p, r)

    # -- running -----------------------------------------------------------------------
    def level_monitors(self) -> dict[tuple[str, str], LevelMonitor]:
        out: dict[tuple[str, str], LevelMonitor] = {}
        for svc in self.services:
            for metric, monitor in svc.level_monitors().items():
                out[(svc.name, metric)] = monitor
        return out

    def _snapshot(self) -> None:
        now = self.env.now
        snap = self.snapshots
        snap.days.append(now)
        for key, monitor in self._monitors.items():
            snap.integrals.setdefault(key, []).append(monitor.integral(now))
        snap.time_above.append(self.ward.patients.time_above(now))
        counts = self.ward.long_stay_counts(now, LONG_STAY_DAYS)
        midnight = {
            ("acute_ward", "occupied_at_midnight"): self.ward.patients.level,
            ("acute_ward", "medically_fit_at_midnight"): self.ward.fit_in_bed.level,
            ("acute_ward", "stays_7d_plus_at_midnight"): float(counts[0]),
            ("acute_ward", "stays_21d_plus_at_midnight"): float(counts[1]),
        }
        for key, value in midnight.items():
            snap.midnight.setdefault(key, []).append(value)

    def tallies(self) -> list[Tally]:
        """Every tally of the run's components (they fold their buffers when long). Listed
        by each component, not found with ``vars()``: reading an object's ``__dict__`` makes
        CPython keep its attributes in a real dict, which slows every attribute access on it
        (about 10% of a run)."""
        return [self.ctx.days_at_home, *(t for svc in self.services for t in svc.tallies())]

    def _daily(self, _value: object = None) -> None:
        for tally in self._tallies:
            tally.fold_if_long()
        self._snapshot()
        if self.env.now + 1.0 < self.ctx.end:
            call_after(self.env, 1.0, self._daily)

    def _start_results(self, _value: object = None) -> None:
        self.ctx.collecting = True

    def run(self) -> None:
        """Runs the replication to the end of the results period."""
        self._monitors = self.level_monitors()
        self._tallies = self.tallies()
        for source in self.sources:
            source.start()
        self._snapshot()
        if self.ctx.results_from > 0:
            call_after(self.env, self.ctx.results_from, self._start_results)
        else:
            self.ctx.collecting = True
        if self.ctx.end > 1.0:
            call_after(self.env, 1.0, self._daily)
        with rare_garbage_collection():
            self.env.run(until=self.ctx.end)
        self._snapshot()

    # -- accounting --------------------------------------------------------------------
    def patients_present(self) -> int:
        """Patients still in the system: holding a place or waiting for one. A patient
        blocked in a place (boarding in A&E, a delayed discharge) also waits in the next
        service's line, so is subtracted once."""
        holding_or_waiting = sum(s.patients_holding() + s.places.waiting for s in self.services)
        blocked = self.ed.boarding.level + self.ward.waiting_for_a_place()
        referred_from_home = sum(svc.in_referral.level for svc in self.onward)
        return holding_or_waiting - int(blocked) + int(referred_from_home)

    def conservation(self) -> dict[str, int]:
        """Created = exited + present, by construction of independent counters."""
        return {
            "created": self.ctx.created,
            "exited": self.ctx.exited,
            "present": self.patients_present(),
        }

    def timeseries(self) -> pd.DataFrame:
        """Daily time-weighted means of every level monitor and the midnight counts."""
        snap = self.snapshots
        days = np.asarray(snap.days)
        n = len(days) - 1
        frames = []
        widths = np.diff(days)
        for (service, metric), integrals in snap.integrals.items():
            values = np.diff(np.asarray(integrals)) / widths
            frames.append(
                pd.DataFrame(
                    {"day": np.arange(n), "service": service, "metric": metric, "value": values}
                )
            )
        for (service, metric), counts in snap.midnight.items():
            frames.append(
                pd.DataFrame(
                    {
                        "day": np.arange(n),
                        "service": service,
                        "metric": metric,
                        "value": np.asarray(counts[1:]),
                    }
                )
            )
        frame = pd.concat(frames, ignore_index=True)
        frame.insert(0, "replication", self.replication)
        frame["warmup"] = frame["day"] < self.warmup_days
        return frame
