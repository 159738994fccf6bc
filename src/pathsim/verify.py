"""Verification against results known exactly, as a table a user can run on their machine
(``pathsim verify``): queueing formulas (Erlang C and B), Little's law, a saturated tandem line
with blocking, and conservation of patients and money.

Each case runs replications of a small scenario built here, estimates one measure with a 95%
confidence interval, and passes when the exact value lies within 3.5 standard errors of the
estimate and the estimate is precise enough for the check to mean something.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from pathsim.experiment.stats import mean_ci
from pathsim.model.replication import ReplicationResult, simulate
from pathsim.scenario.loader import validate_scenario_data
from pathsim.scenario.models import Scenario

Z_PASS = 3.5
"""A case passes when |estimate - exact| <= 3.5 standard errors of the estimate."""


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of c servers offered a Erlangs (stable recursion)."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c_wait(c: int, lam: float, mean_service: float) -> float:
    """Mean wait in queue of an M/M/c queue (time unit of the inputs)."""
    a = lam * mean_service
    rho = a / c
    b = erlang_b(c, a)
    p_wait = b / (1 - rho * (1 - b))
    return p_wait / (c / mean_service - lam)


_BASE: dict[str, Any] = {
    "name": "verification",
    "organisations": {
        "acute": {"label": "Acute", "payer": "nhs"},
        "council": {"label": "Council", "payer": "local_authority"},
    },
    "segments": {
        "everyone": {
            "population": 1000,
            "ed_attendances_per_1000_per_year": 0.0,
            "ed_assessment_hours": {"distribution": "exponential", "mean": 1.0},
            "admission_probability": 0.0,
            "length_of_stay_days": {"distribution": "exponential", "mean": 5.0},
            "discharge_pathway_share": {"P0": 1.0},
        }
    },
    "ed": {"organisation": "acute", "cubicles": 1},
    "acute_ward": {"organisation": "acute", "beds": 1},
}


def _scenario(segment: dict[str, Any] | None = None, **top: Any) -> Scenario:
    data = copy.deepcopy(_BASE)
    data["segments"]["everyone"].update(segment or {})
    data.update(top)
    return validate_scenario_data(data, file="<verification>")


def _per_year(per_hour: float) -> float:
    """Attendances per 1,000 people per year for a rate per hour (population 1,000)."""
    return per_hour * 24 * 365.25


@dataclass(frozen=True)
class Case:
    """One check: a scenario, how to run it, the measure to take and its exact value."""

    name: str
    measure: str
    expected: float
    scenario: Scenario
    days: int
    warmup_days: int
    replications: int
    take: Callable[[ReplicationResult], float]
    max_rel_se: float = 0.02
    """The estimate's standard error must be below this share of the exact value."""


@dataclass(frozen=True)
class CaseResult:
    case: str
    measure: str
    expected: float
    mean: float
    ci_low: float
    ci_high: float
    n: int
    passed: bool
    why: str


# -- what each case measures (module-level so that they can run in other processes) --------
def _ed_wait_hours(r: ReplicationResult) -> float:
    return r.kpis["ed_mean_wait_for_cubicle_hours"]


def _blocking(r: ReplicationResult) -> float:
    return r.kpis["diverted_loss"] / r.kpis["referrals_loss"]


def _littles_ratio(r: ReplicationResult) -> float:
    """Time-average occupied beds over (admissions a day x mean bed time): 1 by Little."""
    ts = r.timeseries[~r.timeseries["warmup"]]
    beds = ts[(ts.service == "acute_ward") & (ts.metric == "occupied")]["value"].mean()
    days = ts["day"].nunique()
    k = r.kpis
    return float(beds / (k["ward_admissions"] / days * k["mean_los_days"]))


def _tandem_throughput_per_hour(r: ReplicationResult) -> float:
    days = r.timeseries[~r.timeseries["warmup"]]["day"].nunique()
    return r.kpis["ward_admissions"] / days / 24


def _patients_unaccounted(r: ReplicationResult) -> float:
    c = r.conservation
    return float(c["created"] - c["exited"] - c["present"])


def _money_unaccounted(r: ReplicationResult) -> float:
    k = r.kpis
    by_payer = k["cost_total_gbp"] - k["cost_nhs_gbp"] - k["cost_local_authority_gbp"]
    by_org = k["cost_total_gbp"] - sum(
        v for n, v in k.items() if n.startswith("cost_org_") and n.endswith("_gbp")
    )
    return abs(by_payer) + abs(by_org)


def _mmc(c: int, lam: float, mean: float, days: int, reps: int) -> Case:
    rho = lam * mean / c
    return Case(
        name=f"M/M/{c} queue, load {rho:.3g}",
        measure="mean wait for a cubicle (hours), Erlang C",
        expected=erlang_c_wait(c, lam, mean),
        scenario=_scenario(
            {
                "ed_attendances_per_1000_per_year": _per_year(lam),
                "ed_assessment_hours": {"distribution": "exponential", "mean": mean},
            },
            ed={"organisation": "acute", "cubicles": c},
        ),
        days=days,
        warmup_days=20,
        replications=reps,
        take=_ed_wait_hours,
    )


def _loss(stay: dict[str, Any], label: str, days: int, reps: int) -> Case:
    return Case(
        name=f"M/G/30/30 loss service, {label} stays",
        measure="share of referrals turned away, Erlang B (insensitive to the stay)",
        expected=erlang_b(30, 4.25 * 6.0),
        scenario=_scenario(
            onward_services={
                "loss": {
                    "kind": "other",
                    "organisation": "council",
                    "capacity": 30,
                    "length_of_stay_days": stay,
                    "community_referrals_per_week": 4.25 * 7,
                    "when_full": "divert",
                }
            }
        ),
        days=days,
        warmup_days=30,
        replications=reps,
        take=_blocking,
    )


def _network() -> Scenario:
    """A stable network with boarding, onward care, frictions and costs."""
    return _scenario(
        {
            "ed_attendances_per_1000_per_year": _per_year(2.0),
            "ed_assessment_hours": {"distribution": "lognormal", "mean": 2.0, "sd": 1.5},
            "admission_probability": 0.2,
            "length_of_stay_days": {"distribution": "gamma", "mean": 4.0, "sd": 4.0},
            "discharge_pathway_share": {"P0": 0.8, "P1": 0.2},
        },
        ed={"organisation": "acute", "cubicles": 12, "cost_per_attendance_gbp": 190},
        acute_ward={"organisation": "acute", "beds": 45, "cost_per_bed_day_gbp": 600},
        onward_services={
            "support": {
                "kind": "reablement",
                "organisation": "council",
                "capacity": 14,
                "length_of_stay_days": {"distribution": "exponential", "mean": 5.0},
                "community_referrals_per_week": 3.0,
                "needs_funding_decision": True,
                "cost_per_day_gbp": 80,
            }
        },
        discharge_pathway_services={"P1": {"support": 1.0}},
        frictions={"referral_delay_days": {"distribution": "gamma", "mean": 0.5, "sd": 0.3}},
    )


def cases(quick: bool = False) -> list[Case]:
    """The verification cases; ``quick`` runs shorter (for CI), with looser precision."""
    scale = 0.2 if quick else 1.0

    def d(days: int) -> int:
        return max(200, int(days * scale))

    reps = 8 if quick else 16
    out = [
        _mmc(1, 0.5, 1.0, d(3000), reps),
        _mmc(3, 2.0, 1.2, d(3000), reps),
        _mmc(10, 9.0, 1.0, d(3000), reps),
    ]
    if not quick:
        # Near saturation waits are long and strongly correlated: 25,000 days give a standard
        # error near 2.2%, so this case accepts 3% (a bias of 10% would still be caught).
        out.append(dataclasses.replace(_mmc(2, 1.95, 1.0, 25_000, reps), max_rel_se=0.03))
    for stay, label in (
        ({"distribution": "exponential", "mean": 6.0}, "exponential"),
        ({"distribution": "lognormal", "mean": 6.0, "sd": 7.8}, "lognormal (CV 1.3)"),
        ({"distribution": "fixed", "value": 6.0}, "fixed"),
    ):
        out.append(_loss(stay, label, d(10_000), reps))
    out += [
        Case(
            name="Little's law, acute beds",
            measure="occupied beds / (admissions a day x mean stay)",
            expected=1.0,
            scenario=_network(),
            days=d(2000),
            warmup_days=50,
            replications=reps,
            take=_littles_ratio,
            max_rel_se=0.01,
        ),
        Case(
            name="Two stations in tandem, no buffer, saturated",
            measure="throughput per hour, 2 mu / 3 for equal exponential stations",
            expected=2.0 / 3.0,
            scenario=_scenario(
                {
                    "ed_attendances_per_1000_per_year": _per_year(1.5),
                    "admission_probability": 1.0,
                    "length_of_stay_days": {"distribution": "exponential", "mean": 1 / 24},
                }
            ),
            days=d(1000),
            warmup_days=5,
            replications=reps,
            take=_tandem_throughput_per_hour,
            max_rel_se=0.01,
        ),
        Case(
            name="Conservation of patients",
            measure="created - exited - present",
            expected=0.0,
            scenario=_network(),
            days=d(500),
            warmup_days=10,
            replications=reps,
            take=_patients_unaccounted,
        ),
        Case(
            name="Conservation of money",
            measure="|total - NHS - council| + |total - sum over organisations| (GBP)",
            expected=0.0,
            scenario=_network(),
            days=d(500),
            warmup_days=10,
            replications=reps,
            take=_money_unaccounted,
        ),
    ]
    if quick:  # a fifth of the data: standard errors about 2.2 times as large
        out = [dataclasses.replace(c, max_rel_se=c.max_rel_se * 3) for c in out]
    return out


def _one(args: tuple[Case, int]) -> float:
    case, rep = args
    result = simulate(case.scenario, rep, days=case.days, warmup_days=case.warmup_days)
    return case.take(result)


def _judge(case: Case, values: list[float]) -> CaseResult:
    mean, lo, hi, n = mean_ci(np.asarray(values))
    se = float(np.std(values, ddof=1) / math.sqrt(n)) if n > 1 else math.inf
    if case.expected == 0.0:  # exact identities: every replication must give 0
        passed = all(abs(v) < 1e-6 for v in values)
        why = "every replication exact" if passed else "not exact in some replication"
    elif se > case.max_rel_se * abs(case.expected):
        passed, why = False, f"too imprecise: standard error {se:.3g}, run longer"
    else:
        z = abs(mean - case.expected) / se if se > 0 else math.inf
        passed = z <= Z_PASS
        why = f"{z:.1f} standard errors from exact"
    return CaseResult(case.name, case.measure, case.expected, mean, lo, hi, n, passed, why)


def run_cases(
    selected: list[Case],
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Iterator[CaseResult]:
    """Runs each case's replications (in ``workers`` processes) and yields its verdict."""
    jobs = [(case, rep) for case in selected for rep in range(case.replications)]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            values = _collect(pool.map(_one, jobs), progress)
    else:
        values = _collect(map(_one, jobs), progress)
    i = 0
    for case in selected:
        yield _judge(case, values[i : i + case.replications])
        i += case.replications


def _collect(results: Iterator[float], progress: Callable[[int], None] | None) -> list[float]:
    out = []
    for value in results:
        out.append(value)
        if progress:
            progress(1)
    return out
