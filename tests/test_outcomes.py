"""What happens after a stay in onward care: referred on (reablement to long-term care)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from builders import per_1000_per_year, scenario
from pathsim import simulate
from pathsim.scenario import ScenarioError


def _service(kind: str, los: float, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "organisation": "council",
        "capacity": 1000,
        "length_of_stay_days": {"distribution": "fixed", "value": los},
        **extra,
    }


def _changes(share: float) -> dict[str, Any]:
    return {
        "segments.everyone.direct_admissions_per_1000_per_year": per_1000_per_year(10.0),
        "segments.everyone.length_of_stay_days": {"distribution": "fixed", "value": 2.0},
        "segments.everyone.discharge_pathway_share": {"P0": 0.0, "P1": 1.0},
        "onward_services": {
            "reablement": _service("reablement", 10.0, then_referred_to={"home_care": share}),
            "home_care": _service("home_care", 30.0),
        },
        "discharge_pathway_services": {"P1": {"reablement": 1.0}},
        "acute_ward.beds": 100,
    }


def test_the_share_referred_on_starts_the_next_service() -> None:
    # 10 a day through reablement for 300 days: 3,000 stays; 0.3 referred on, binomial SD
    # 0.8 points, so 3 points is nearly 4 SD.
    k = simulate(scenario(**_changes(0.3)), 0, days=300, warmup_days=40).kpis
    ended = k["started_reablement"]
    assert k["referred_on_reablement"] / ended == pytest.approx(0.3, abs=0.03)
    # nobody else is referred to home care, and it has room: every referral starts
    assert (
        k["referrals_home_care"]
        == k["started_home_care"]
        == pytest.approx(k["referred_on_reablement"], abs=10)
    )
    assert k["referred_on_home_care"] == 0


def test_nobody_is_referred_on_without_a_share() -> None:
    k = simulate(scenario(**_changes(0.0)), 0, days=100, warmup_days=20).kpis
    assert k["referred_on_reablement"] == 0 and k["started_home_care"] == 0
    assert np.isnan(k["mean_wait_days_home_care"])


def test_referring_on_to_itself_or_nowhere_is_refused() -> None:
    bad = _changes(0.5)
    bad["onward_services"]["reablement"]["then_referred_to"] = {"reablement": 0.5}
    with pytest.raises(ScenarioError, match="itself"):
        scenario(**bad)
    bad["onward_services"]["reablement"]["then_referred_to"] = {"nursing": 0.5}
    with pytest.raises(ScenarioError, match="not defined"):
        scenario(**bad)
    bad["onward_services"]["reablement"]["then_referred_to"] = {"home_care": 0.7, "x": 0.5}
    with pytest.raises(ScenarioError, match="at most 1"):
        scenario(**bad)


# -- deterioration while waiting in bed ----------------------------------------------------


def _waiting(daily_chance: float) -> dict[str, Any]:
    """P1 patients wait in bed for 5 reablement places (LOS 10, so 0.5 a day) while 2 a day
    are fit: a long, growing wait; care homes have room."""
    changes = _changes(0.0)
    changes["segments.everyone.direct_admissions_per_1000_per_year"] = per_1000_per_year(2.0)
    changes["onward_services"]["reablement"]["capacity"] = 5
    changes["onward_services"]["care_homes"] = _service("care_home", 100.0)
    changes["deterioration"] = {
        "daily_chance": daily_chance,
        "from_services": ["reablement"],
        "to_service": "care_homes",
    }
    return changes


def test_patients_deteriorate_while_waiting_and_go_to_the_service_they_now_need() -> None:
    none = simulate(scenario(**_waiting(0.0)), 0, days=100, warmup_days=10).kpis
    some = simulate(scenario(**_waiting(0.2)), 0, days=100, warmup_days=10).kpis
    assert none["deteriorated_while_waiting"] == 0 and none["started_care_homes"] == 0
    assert some["deteriorated_while_waiting"] > 20
    # each deteriorated patient is referred to a care home from their bed, and it has room
    assert some["started_care_homes"] == pytest.approx(some["deteriorated_while_waiting"], abs=3)
    # they gave up their reablement place to the next in line: the wait for it is shorter
    assert some["mean_wait_days_reablement"] < none["mean_wait_days_reablement"]


def test_deterioration_follows_the_daily_chance() -> None:
    # A patient who waited w days when the place came free has deteriorated with chance
    # 1 - (1 - c)^w. With c = 1 every patient who waited at all has: the only stays that start
    # are those of patients who found a place free at once (no wait).
    every = simulate(scenario(**_waiting(1.0)), 0, days=100, warmup_days=10).kpis
    assert every["started_reablement"] > 0
    assert every["mean_wait_days_reablement"] == 0
    assert every["deteriorated_while_waiting"] > 100


def test_deterioration_settings_are_checked() -> None:
    bad = _waiting(0.1)
    bad["deterioration"]["to_service"] = "reablement"
    with pytest.raises(ScenarioError, match="to_service"):
        scenario(**bad)
    bad["deterioration"]["to_service"] = "hospice"
    with pytest.raises(ScenarioError, match="hospice"):
        scenario(**bad)
