"""Readmissions within 30 days and days at home in the 90 days after a crisis."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from builders import per_1000_per_year, scenario
from pathsim import simulate
from pathsim.scenario import ScenarioError

FIXED_10 = {"distribution": "fixed", "value": 10.0}


def _kpis(days: int = 200, rep: int = 0, **changes: Any) -> dict[str, float]:
    return simulate(scenario(**changes), rep, days=days, warmup_days=20).kpis


# -- days at home: tiny deterministic systems with hand-computed answers ---------------------


def test_days_at_home_after_a_fixed_stay() -> None:
    # Direct admissions, a bed always free, a fixed 10-day stay, home the moment they are fit:
    # 90 - 10 = 80 days at home, for every crisis.
    k = _kpis(
        **{
            "segments.everyone.direct_admissions_per_1000_per_year": per_1000_per_year(2.0),
            "segments.everyone.length_of_stay_days": FIXED_10,
        }
    )
    assert k["days_at_home_90d"] == pytest.approx(80.0, abs=1e-9)


def test_days_at_home_counts_the_time_in_a_and_e() -> None:
    # Through A&E with a fixed 6-hour assessment, every patient admitted overnight: 90 - 10.25.
    k = _kpis(
        **{
            "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(2.0),
            "segments.everyone.admission_probability": 1.0,
            "segments.everyone.ed_assessment_hours": {"distribution": "fixed", "value": 6.0},
            "segments.everyone.length_of_stay_days": FIXED_10,
        }
    )
    assert k["days_at_home_90d"] == pytest.approx(79.75, abs=1e-9)


def test_a_care_home_is_not_home_and_a_virtual_ward_is() -> None:
    care_home = {
        "label": "Care homes",
        "kind": "care_home",
        "organisation": "council",
        "capacity": 5000,
        "length_of_stay_days": {"distribution": "fixed", "value": 1000.0},
    }
    common = {
        "segments.everyone.direct_admissions_per_1000_per_year": per_1000_per_year(2.0),
        "segments.everyone.length_of_stay_days": FIXED_10,
    }
    k = _kpis(
        **common,
        **{
            "segments.everyone.discharge_pathway_share": {"P0": 0.0, "P3": 1.0},
            "onward_services": {"care_homes": care_home},
            "discharge_pathway_services": {"P3": {"care_homes": 1.0}},
        },
    )
    assert k["days_at_home_90d"] == pytest.approx(0.0, abs=1e-9)
    vw = {
        "enabled": True,
        "organisation": "acute",
        "slots": 1000,
        "length_of_stay_days": {"distribution": "fixed", "value": 5.0},
        "step_down_share": 1.0,
        "step_down_bed_days_saved": 3.0,
    }
    k = _kpis(**common, **{"integration.virtual_wards": vw})
    assert k["days_at_home_90d"] == pytest.approx(83.0, abs=1e-9)


def test_prevented_crises_are_90_days_at_home() -> None:
    common = {
        "segments.everyone.direct_admissions_per_1000_per_year": per_1000_per_year(2.0),
        "segments.everyone.length_of_stay_days": FIXED_10,
    }
    proactive = {
        "enabled": True,
        "segment": "everyone",
        "crisis_reduction": 0.5,
        "organisation": "acute",
    }
    k = _kpis(**common, **{"integration.proactive_care": proactive})
    # half the crises prevented (binomial over about 360 windows: SD 2.6 points of the share)
    share_prevented = (90 - k["days_at_home_90d"]) / 10
    assert share_prevented == pytest.approx(0.5, abs=0.1)


# -- readmissions ------------------------------------------------------------------------


def _busy(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "segments.everyone.ed_attendances_per_1000_per_year": per_1000_per_year(40.0),
        "segments.everyone.admission_probability": 0.3,
        "segments.everyone.direct_admissions_per_1000_per_year": per_1000_per_year(5.0),
        "segments.everyone.same_day_probability": 0.3,
        "segments.everyone.length_of_stay_days": {"distribution": "exponential", "mean": 4},
        "ed.cubicles": 200,
        "acute_ward.beds": 300,
    }
    base.update(changes)
    return base


def test_readmission_rate_is_the_chance_given() -> None:
    # 0.2 of about 12 overnight discharges a day over 5 x 300 days: about 18,000 discharges,
    # binomial SD of the rate 0.3 points; 1.5 points allows for the count's boundaries.
    rates = [
        _kpis(300, rep, **_busy(**{"segments.everyone.readmission_probability": 0.2}))[
            "readmission_rate_30d"
        ]
        for rep in range(5)
    ]
    assert np.mean(rates) == pytest.approx(0.2, abs=0.015)


@pytest.mark.slow
def test_readmissions_keep_attendances_and_admissions_as_given() -> None:
    # The segment's figures include readmissions: first crises are drawn fewer so that totals
    # stay the same in expectation. Averaged over 6 replications of 300 days: attendances
    # about 72,000 (Poisson SD 0.4%), admissions about 24,000 (SD 0.7%); 3% is 4+ SD.
    def totals(readmit: float) -> np.ndarray:
        rows = []
        for rep in range(6):
            k = _kpis(300, rep, **_busy(**{"segments.everyone.readmission_probability": readmit}))
            rows.append((k["ed_attendances"], k["emergency_admissions"], k["readmissions_30d"]))
        return np.asarray(rows).sum(axis=0)

    without, with_ = totals(0.0), totals(0.25)
    assert without[2] == 0 and with_[2] > 1000
    assert with_[0] == pytest.approx(without[0], rel=0.03)
    assert with_[1] == pytest.approx(without[1], rel=0.03)


def test_coordinated_care_changes_the_chance_by_its_factor() -> None:
    proactive = {
        "enabled": True,
        "segment": "everyone",
        "crisis_reduction": 0.0,
        "organisation": "acute",
    }
    changes = _busy(
        **{
            "segments.everyone.readmission_probability": 0.2,
            "readmission.coordinated_factor": 0.0,
            "integration.proactive_care": proactive,  # everyone has a named coordinator
        }
    )
    k = _kpis(**changes)
    assert k["readmissions_30d"] == 0


def test_pathway_factor_applies_to_its_pathway() -> None:
    changes = _busy(
        **{
            "segments.everyone.readmission_probability": 0.2,
            "readmission.pathway_factor": {"P0": 0.0},
        }
    )
    assert _kpis(**changes)["readmissions_30d"] == 0


def test_too_many_readmissions_are_refused() -> None:
    with pytest.raises(ScenarioError, match="readmission_probability"):
        scenario(
            **_busy(
                **{
                    "segments.everyone.readmission_probability": 1.0,
                    "segments.everyone.same_day_probability": 0.0,
                    "segments.everyone.direct_admissions_per_1000_per_year": per_1000_per_year(
                        50.0
                    ),
                }
            )
        )
