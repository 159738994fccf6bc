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
