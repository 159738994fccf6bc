"""The sequential procedure for the number of replications (Law 2015, section 9.4.1)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from pathsim.cli import main
from pathsim.experiment.sequential import choose_replications, relative_half_width

MU, SIGMA = 100.0, 20.0


def normal_sampler(seed: int) -> object:
    """Replication r draws N(MU, SIGMA^2) from its own stream, like the simulator does."""

    def sample(numbers: Sequence[int]) -> list[Mapping[str, float]]:
        return [{"x": float(np.random.default_rng([seed, r]).normal(MU, SIGMA))} for r in numbers]

    return sample


@pytest.mark.slow
def test_stops_at_the_requested_precision_on_a_known_variance() -> None:
    # sigma/mu = 0.2 and gamma = 0.05 (adjusted 0.0476): the interval reaches the target at
    # about n* = (t * 0.2 / 0.0476)^2, which solves to 70 with the t quantile at 69 df.
    gamma = 0.05
    target = gamma / (1 + gamma)
    n_star = next(
        n for n in range(2, 1000) if stats.t.ppf(0.975, n - 1) * 0.2 / math.sqrt(n) <= target
    )
    chosen, covered = [], 0
    trials = 200
    for seed in range(trials):
        result = choose_replications(
            normal_sampler(seed),  # type: ignore[arg-type]
            ["x"],
            precision=gamma,
            maximum=1000,
        )
        assert result.reached
        row = result.table.iloc[0]
        # every decision meets the target, and one replication fewer did not
        assert row["relative_half_width"] <= target
        hist = result.history
        if result.replications > 5:
            before = hist[hist["n"] == result.replications - 1]["relative_half_width"].iloc[0]
            assert before > target
        chosen.append(result.replications)
        covered += row["ci_low"] <= MU <= row["ci_high"]
    # Each stopping point varies with the sample sd (about +/-17% at n = 70); the mean of
    # 200 has a standard error near 1.2%. Sequential stopping is biased a little low (it
    # stops when s happens to be small), by a few per cent here, so +/-10% is wide enough
    # for the bias and 8 standard errors, and still fails if the formula is off by a
    # factor (e.g. z instead of t, or no (1+gamma) adjustment, which moves n* by 10%).
    assert abs(np.mean(chosen) / n_star - 1) < 0.10
    # and the intervals cover the true mean about as often as promised; stopping early
    # costs a little coverage (Law reports about 0.90-0.95): at least 0.88 over 200
    # intervals (binomial sd 1.5%).
    assert covered / trials >= 0.88


def test_the_decision_does_not_depend_on_the_batch_size() -> None:
    results = [
        choose_replications(normal_sampler(3), ["x"], precision=0.05, maximum=500, batch=b)  # type: ignore[arg-type]
        for b in (1, 2, 7)
    ]
    assert len({r.replications for r in results}) == 1
    assert len({float(r.table["mean"].iloc[0]) for r in results}) == 1


def test_maximum_reached_is_reported() -> None:
    result = choose_replications(normal_sampler(0), ["x"], precision=0.001, maximum=12)  # type: ignore[arg-type]
    assert not result.reached and result.replications == 12
    assert "not reached" in result.explain()


def test_constant_and_zero_mean_kpis() -> None:
    assert relative_half_width([3.0, 3.0, 3.0]) == 0.0
    assert relative_half_width([-1.0, 1.0]) == math.inf
    assert math.isnan(relative_half_width([1.0]))
    with pytest.raises(ValueError):
        choose_replications(normal_sampler(0), ["x"], minimum=1)  # type: ignore[arg-type]


@pytest.mark.slow
def test_replications_command_prints_decision() -> None:
    ref = "experiments/benchmarks/reference_hospital.yaml"
    args = ["replications", ref, "--kpi", "bed_occupancy", "-d", "60", "-w", "10"]
    result = CliRunner().invoke(main, [*args, "--precision", "0.02", "--workers", "1"])
    assert result.exit_code == 0, result.output
    n = int(result.stdout.split(" replications:")[0])
    assert 5 <= n <= 100
    line = next(x for x in result.stdout.splitlines() if x.strip().startswith("bed_occupancy"))
    width = float(line.split("+/-")[1].split("%")[0])
    assert width <= 100 * 0.02 / 1.02 and line.rstrip().endswith("met")
    # an unreachable target within the maximum: exit 1 and say so
    strict = CliRunner().invoke(main, [*args, "--precision", "0.0001", "--max", "6"])
    assert strict.exit_code == 1 and "not reached" in strict.stdout
    bad = CliRunner().invoke(main, ["replications", ref, "--kpi", "nope"])
    assert bad.exit_code == 2 and "nope" in bad.stderr
