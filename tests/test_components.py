"""How the model is put together: components own their measures and costs, a new service is
one module and one builder-table entry, the front doors compose from the services outwards,
and a patient's clinical fields are named once."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from pathsim import load_scenario
from pathsim.model.builders import BUILDERS, Assembly, Builder, BuildError
from pathsim.model.clinical import CLINICAL
from pathsim.model.component import Component
from pathsim.model.kpis import kpi_descriptions
from pathsim.model.patients import Patient, Route
from pathsim.model.replication import simulate
from pathsim.model.system import System

sys.path.insert(0, str(Path(__file__).parent))
import toy_service

ROOT = Path(__file__).parents[1]
DAYS, WARMUP = 40, 10


@pytest.fixture(scope="module")
def fragmented():  # type: ignore[no-untyped-def]
    return load_scenario(ROOT / "scenarios" / "fragmented.yaml")


@pytest.fixture(scope="module")
def base_kpis(fragmented):  # type: ignore[no-untyped-def]
    return simulate(fragmented, 0, days=DAYS, warmup_days=WARMUP).kpis


def test_a_toy_service_is_one_module_and_one_table_entry(fragmented, base_kpis) -> None:  # type: ignore[no-untyped-def]
    """The toy GP hub (tests/toy_service.py) reports its own KPIs, its cost reaches its
    organisation's and the NHS total, its monitors reach the time series, patients are
    conserved, and the patients it sees are exactly the ones A&E no longer does."""
    table = (*BUILDERS, toy_service.builder(clinicians=3))
    r = simulate(fragmented, 0, days=DAYS, warmup_days=WARMUP, builders=table)
    k = r.kpis
    assert k["gp_hub_visits"] > 50
    assert 0 < k["gp_hub_occupancy"] < 1
    cost = k["gp_hub_visits"] * toy_service.COST_PER_VISIT_GBP
    assert k["cost_service_gp_hub_gbp"] == cost
    # The hub is run by A&E's organisation: its cost is in that organisation's total.
    org = fragmented.ed.organisation
    system = System(fragmented, 0, fragmented.run.seed, DAYS, WARMUP, builders=table)
    system.run()
    results = system.results()
    owned = {
        cost.service
        for c in system.components
        for cost in c.costs(k, results)
        if cost.organisation == org
    }
    assert "gp_hub" in owned
    assert k[f"cost_org_{org}_gbp"] == pytest.approx(
        sum(k[f"cost_service_{s}_gbp"] for s in owned), rel=1e-12
    )
    assert k["cost_total_gbp"] == pytest.approx(
        sum(v for name, v in k.items() if name.startswith("cost_service_")), rel=1e-12
    )

    # Same patients: every first crisis the hub saw would have been an A&E attendance (the
    # readmissions that also arrive at A&E move with the ward's timings, so are set aside).
    def first_crises(kpis: dict[str, float]) -> float:
        return (
            kpis["ed_attendances"] - kpis["readmissions_30d"] - kpis["ed_left_before_seen_returns"]
        )

    assert first_crises(base_kpis) - first_crises(k) == k["gp_hub_visits"]
    ts = r.timeseries
    assert {"occupied", "queue_length"} <= set(ts.loc[ts["service"] == "gp_hub", "metric"])
    c = r.conservation
    assert c["created"] == c["exited"] + c["present"]
    assert set(kpi_descriptions(table)) - set(kpi_descriptions()) == set(toy_service.KPIS)


def test_a_hub_that_sees_nobody_changes_nothing(fragmented, base_kpis) -> None:  # type: ignore[no-untyped-def]
    """With no clinicians the hub takes nobody: every other KPI is bit for bit the base's
    (a new component leaves the others' random streams and patients alone)."""
    table = (*BUILDERS, toy_service.builder(clinicians=0))
    k = simulate(fragmented, 0, days=DAYS, warmup_days=WARMUP, builders=table).kpis
    assert k.pop("gp_hub_visits") == 0
    assert math.isnan(k.pop("gp_hub_occupancy"))
    assert k.pop("cost_service_gp_hub_gbp") == 0
    assert k == base_kpis


def test_the_standard_table_is_built_without_lever_switches(fragmented) -> None:  # type: ignore[no-untyped-def]
    """Optional components are null objects when their lever is off: the same names in
    every configuration, so KPI names are stable."""
    integrated = load_scenario(ROOT / "scenarios" / "integrated.yaml")
    off = System(fragmented, 0, 1, 5, 1)
    on = System(integrated, 0, 1, 5, 1)
    names = [c.name for c in off.components]
    assert names == [c.name for c in on.components]
    kinds_off = {c.name: type(c).__name__ for c in off.components}
    kinds_on = {c.name: type(c).__name__ for c in on.components}
    assert kinds_off["virtual_ward"] == "NoVirtualWard"
    assert kinds_on["virtual_ward"] == "VirtualWard"
    assert kinds_off["jet"] == "NoJointEmergencyTeam"
    assert kinds_on["jet"] == "JointEmergencyTeam"


def test_builders_that_need_each_other_are_refused(fragmented) -> None:  # type: ignore[no-untyped-def]
    def needs(other: str) -> Builder:
        def build(a: Assembly) -> Component:
            return a.get(other)  # type: ignore[no-any-return]

        return Builder(f"needs_{other}", build)

    table = (needs("needs_b"), Builder("needs_b", lambda a: a.get("needs_needs_b")))
    with pytest.raises(BuildError, match="need each other"):
        System(fragmented, 0, 1, 5, 1, builders=table)
    with pytest.raises(BuildError, match="no builder named 'nowhere'"):
        System(fragmented, 0, 1, 5, 1, builders=(needs("nowhere"),))


def test_the_clinical_fields_are_named_once() -> None:
    """Patient() (the one unpacking of a row) sets exactly the attributes CLINICAL names, in
    its order, and the class declares them in that order."""
    row = tuple(object() for _ in CLINICAL)
    p = Patient(1, 0, Route.ED, 0.0, row)  # type: ignore[arg-type]
    assert [getattr(p, name) for name in CLINICAL] == list(row)
    assert list(Patient.__annotations__)[: len(CLINICAL)] == list(CLINICAL)
