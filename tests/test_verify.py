"""`pathsim verify`: the quick subset passes on a correct engine, and the verdicts would
catch a biased or an imprecise estimate."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from click.testing import CliRunner

from pathsim.cli import main
from pathsim.verify import Case, _judge, _mmc, cases, erlang_b, erlang_c_wait


@pytest.mark.slow
def test_quick_verification_passes_and_prints_its_table() -> None:
    result = CliRunner().invoke(main, ["verify", "--quick", "--workers", "2"])
    assert result.exit_code == 0, result.output
    names = [c.name for c in cases(quick=True)]
    for name in names:
        assert name in result.output
    assert f"{len(names)} of {len(names)} cases pass." in result.output
    assert "FAIL" not in result.output


def test_exact_formulas() -> None:
    # Published reference values (reference figures, section 8c) and closed forms.
    assert math.isclose(erlang_c_wait(2, 1.0, 1.5) * 60, 115.7, abs_tol=0.05)
    assert math.isclose(erlang_b(30, 25.5), 0.0594, abs_tol=5e-5)
    assert math.isclose(erlang_c_wait(1, 0.5, 1.0), 1.0)  # M/M/1: rho / (mu - lambda)


def _case(expected: float = 1.0) -> Case:
    """A case whose exact value is ``expected`` (its scenario is not run here)."""
    return dataclasses.replace(_mmc(1, 0.5, 1.0, 10, 2), expected=expected)


def test_a_biased_estimate_fails() -> None:
    rng = np.random.default_rng(1)
    values = list(1.05 + rng.normal(0, 0.01, 20))  # 5% high, standard error 0.2%
    verdict = _judge(_case(), values)
    assert not verdict.passed and "standard errors" in verdict.why


def test_an_imprecise_estimate_fails_even_when_centred() -> None:
    rng = np.random.default_rng(2)
    values = list(1.0 + rng.normal(0, 0.5, 10))  # standard error about 16%
    verdict = _judge(_case(), values)
    assert not verdict.passed and "imprecise" in verdict.why


def test_an_unbiased_precise_estimate_passes() -> None:
    rng = np.random.default_rng(3)
    values = list(1.0 + rng.normal(0, 0.02, 20))
    assert _judge(_case(), values).passed


def test_identities_must_hold_in_every_replication() -> None:
    assert _judge(_case(0.0), [0.0, 0.0, 0.0]).passed
    assert not _judge(_case(0.0), [0.0, 1.0, 0.0]).passed
