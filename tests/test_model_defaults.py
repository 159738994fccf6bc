"""Defaults that name services come from the model (pathsim.model.defaults), not from the
experiment layer: the warm-up series judged and the capacities a sensitivity analysis varies,
as they were when the experiment layer listed them itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import shipped_scenarios
from pathsim import load_scenario
from pathsim.experiment.design import default_sensitivity_parameters
from pathsim.experiment.replication import simulate
from pathsim.experiment.warmup import analyse, present_series, warmup_study
from pathsim.model.defaults import capacity_fields, warmup_series

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = shipped_scenarios()

ONWARD = [
    ("care_homes", "in_use"),
    ("care_homes", "queue_length"),
    ("community_beds", "in_use"),
    ("community_beds", "queue_length"),
    ("home_care", "in_use"),
    ("home_care", "queue_length"),
    ("short_term_support", "in_use"),
    ("short_term_support", "queue_length"),
]
"""Every onward service of the shipped scenarios buys spot places: judged by its places in use,
contracted and spot together (the made series in_use)."""
BASE_EXTRA = [
    (service, metric)
    for service in ("ambulance_handover", "elective_beds", "sdec")
    for metric in ("occupied", "queue_length")
]
"""The services the fragmented base's settings add: ambulance handover, ring-fenced elective
beds, same-day emergency care."""
BASE = sorted(ONWARD + BASE_EXTRA)
MAIN = [
    ("ed", "occupied"),
    ("ed", "queue_length"),
    ("acute_ward", "occupied"),
    ("acute_ward", "medically_fit"),
]


def test_warmup_series_of_the_shipped_base_and_integrated_scenarios() -> None:
    assert warmup_series(load_scenario(ROOT / "scenarios" / "fragmented.yaml")) == MAIN + BASE
    levers = [("jet", "occupied"), ("jet", "queue_length")]
    levers += [("virtual_ward", "occupied"), ("virtual_ward", "queue_length")]
    integrated = load_scenario(ROOT / "scenarios" / "integrated.yaml")
    assert warmup_series(integrated) == MAIN + sorted(BASE + levers)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_default_series_is_in_the_run(path: Path) -> None:
    """The default series are exactly the main services' and every other service's
    occupancy and queue in the run's time series (what the experiment layer used to pick
    from the table by service name)."""
    sc = load_scenario(path)
    ts = simulate(sc, 0, days=2, warmup_days=0).timeseries
    chosen = warmup_series(sc)
    assert present_series(ts, chosen) == chosen
    present = set(zip(ts["service"], ts["metric"], strict=True))
    main = {"ed", "acute_ward"}
    spot = {s for s, m in present if m == "spot_occupied"}
    others = {
        (s, "in_use" if m == "occupied" and s in spot else m)
        for s, m in present
        if s not in main and m in ("occupied", "queue_length")
    }
    assert set(chosen) - set(MAIN) == others


def test_capacity_fields_and_the_default_sensitivity() -> None:
    sc = load_scenario(ROOT / "scenarios" / "fragmented.yaml")
    fields = ["ed.cubicles", "acute_ward.beds"]
    fields += [f"onward_services.{n}.capacity" for n in sc.onward_services]
    assert capacity_fields(sc) == fields
    params = default_sensitivity_parameters(sc)
    assert list(params) == fields
    cubicles = sc.ed.cubicles
    assert params["ed.cubicles"] == (round(cubicles * 0.9), round(cubicles * 1.1))
    assert params["acute_ward.beds"] == (540, 660)


def test_warmup_study_judges_the_default_series_unless_told() -> None:
    sc = load_scenario(ROOT / "scenarios" / "fragmented.yaml")
    result, _ = warmup_study(sc, days=25, replications=1)
    assert list(zip(result.table["service"], result.table["metric"], strict=True)) == (MAIN + BASE)
    chosen = [("home_care", "occupied")]
    result, _ = warmup_study(sc, days=25, replications=1, series=chosen)
    assert list(result.table["service"]) == ["home_care"]
    with pytest.raises(ValueError, match="no series"):
        analyse(result.table, [])
