"""Probability distributions used in scenario files.

Each distribution is a small, frozen pydantic model that knows its own mean and variance and
can draw samples with a numpy ``Generator``. In a scenario file a distribution is written as a
mapping with a ``distribution`` key naming its family, for example::

    length_of_stay_days: {distribution: lognormal, mean: 6.9, sd: 11.7}

The unit (days, hours) is carried by the name of the field that holds the distribution.

Besides ordinary samples every distribution can draw *residual* times: the time still to run
for a job found in progress by an observer arriving at a random moment in a steady state (the
equilibrium excess distribution). Services that start a run already full (care homes, home
care, hospital beds) use it to give the people already there a realistic time left, so that a
run starts close to its steady state instead of with a wave of simultaneous departures.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

FloatArray = np.ndarray[Any, np.dtype[np.float64]]

_PROB_TOLERANCE = 1e-3


def _refuse_bool(value: Any) -> Any:
    """YAML reads yes, no, on and off as booleans, and pydantic would take true as 1
    (``beds: yes`` as one bed): refuse them wherever a number is expected."""
    if isinstance(value, bool):
        raise ValueError(
            "expected a number, not true/false (YAML reads yes, no, on and off as true/false)"
        )
    return value


NotBool = BeforeValidator(_refuse_bool)
Number = Annotated[float, NotBool]
"""A float field that refuses booleans."""
Count = Annotated[int, NotBool]
"""An int field that refuses booleans."""


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @property
    def mean(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def variance(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:  # pragma: no cover
        raise NotImplementedError

    def sample_length_biased(self, rng: np.random.Generator, size: int) -> FloatArray:
        """Samples from the length-biased distribution, density x f(x) / mean."""
        raise NotImplementedError  # pragma: no cover

    def sample_residual(self, rng: np.random.Generator, size: int) -> FloatArray:
        """Residual (equilibrium excess) times: U x L with L length-biased, U uniform(0, 1)."""
        if size == 0:
            return np.empty(0)
        lengths = self.sample_length_biased(rng, size)
        return lengths * rng.random(size)


class Exponential(_Dist):
    """Exponential distribution with the given mean (memoryless; coefficient of variation 1)."""

    distribution: Literal["exponential"]
    mean_value: Number = Field(alias="mean", gt=0, allow_inf_nan=False)

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def variance(self) -> float:
        return self.mean_value**2

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.exponential(self.mean_value, size)

    def sample_length_biased(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.gamma(2.0, self.mean_value, size)


class LogNormal(_Dist):
    """Lognormal distribution given by its own mean and sd (not those of the log)."""

    distribution: Literal["lognormal"]
    mean_value: Number = Field(alias="mean", gt=0, allow_inf_nan=False)
    sd: Number = Field(
        gt=0, allow_inf_nan=False, description="Standard deviation, same unit as mean"
    )

    @property
    def sigma(self) -> float:
        """Standard deviation of the underlying normal."""
        return math.sqrt(math.log1p((self.sd / self.mean_value) ** 2))

    @property
    def mu(self) -> float:
        """Mean of the underlying normal."""
        return math.log(self.mean_value) - self.sigma**2 / 2

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def variance(self) -> float:
        return self.sd**2

    @property
    def median(self) -> float:
        return math.exp(self.mu)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.lognormal(self.mu, self.sigma, size)

    def sample_length_biased(self, rng: np.random.Generator, size: int) -> FloatArray:
        # x f(x) for a lognormal(mu, s) is proportional to a lognormal(mu + s^2, s).
        return rng.lognormal(self.mu + self.sigma**2, self.sigma, size)


class Gamma(_Dist):
    """Gamma distribution given by its mean and standard deviation."""

    distribution: Literal["gamma"]
    mean_value: Number = Field(alias="mean", gt=0, allow_inf_nan=False)
    sd: Number = Field(
        gt=0, allow_inf_nan=False, description="Standard deviation, same unit as mean"
    )

    @property
    def shape(self) -> float:
        return (self.mean_value / self.sd) ** 2

    @property
    def scale(self) -> float:
        return self.sd**2 / self.mean_value

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def variance(self) -> float:
        return self.sd**2

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.gamma(self.shape, self.scale, size)

    def sample_length_biased(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.gamma(self.shape + 1.0, self.scale, size)


class Fixed(_Dist):
    """A constant: every sample equals ``value``."""

    distribution: Literal["fixed"]
    value: Number = Field(ge=0, allow_inf_nan=False)

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return np.full(size, self.value)

    def sample_length_biased(self, rng: np.random.Generator, size: int) -> FloatArray:
        return np.full(size, self.value)


def _check_probabilities(probabilities: list[float], what: str) -> None:
    total = math.fsum(probabilities)
    if abs(total - 1.0) > _PROB_TOLERANCE:
        raise ValueError(
            f"{what} must sum to 1 (within {_PROB_TOLERANCE}); they sum to {total:.6g}"
        )


class Empirical(_Dist):
    """A tabulated discrete distribution: ``values`` drawn with ``probabilities`` (summing to 1)."""

    distribution: Literal["empirical"]
    values: list[Annotated[float, Field(ge=0, allow_inf_nan=False), NotBool]] = Field(min_length=1)
    probabilities: list[Annotated[float, Field(ge=0, le=1, allow_inf_nan=False), NotBool]] = Field(
        min_length=1
    )

    @model_validator(mode="after")
    def _check(self) -> Empirical:
        if len(self.values) != len(self.probabilities):
            raise ValueError(
                f"values ({len(self.values)}) and probabilities ({len(self.probabilities)}) "
                "must have the same length"
            )
        _check_probabilities(self.probabilities, "probabilities")
        if self.mean <= 0:
            raise ValueError("the mean must be positive: give at least one positive value")
        return self

    def _p(self) -> FloatArray:
        p = np.asarray(self.probabilities, dtype=np.float64)
        out: FloatArray = p / p.sum()
        return out

    @property
    def mean(self) -> float:
        return float(np.dot(self._p(), self.values))

    @property
    def variance(self) -> float:
        v = np.asarray(self.values, dtype=float)
        return float(np.dot(self._p(), (v - self.mean) ** 2))

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.choice(np.asarray(self.values, dtype=float), size=size, p=self._p())

    def sample_length_biased(self, rng: np.random.Generator, size: int) -> FloatArray:
        v = np.asarray(self.values, dtype=float)
        w = self._p() * v
        return rng.choice(v, size=size, p=w / w.sum())


class Histogram(_Dist):
    """A tabulated continuous distribution: uniform within each bin, bins chosen with
    ``probabilities``. ``bin_edges`` has one more entry than ``probabilities``."""

    distribution: Literal["histogram"]
    bin_edges: list[Annotated[float, Field(ge=0, allow_inf_nan=False), NotBool]] = Field(
        min_length=2
    )
    probabilities: list[Annotated[float, Field(ge=0, le=1, allow_inf_nan=False), NotBool]] = Field(
        min_length=1
    )

    @model_validator(mode="after")
    def _check(self) -> Histogram:
        if len(self.bin_edges) != len(self.probabilities) + 1:
            raise ValueError(
                f"bin_edges needs one more entry than probabilities: got {len(self.bin_edges)} "
                f"edges for {len(self.probabilities)} probabilities"
            )
        if any(b <= a for a, b in zip(self.bin_edges, self.bin_edges[1:], strict=False)):
            raise ValueError("bin_edges must be strictly increasing")
        _check_probabilities(self.probabilities, "probabilities")
        return self

    def _arrays(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        e = np.asarray(self.bin_edges, dtype=float)
        p = np.asarray(self.probabilities, dtype=float)
        return e[:-1], e[1:], p / p.sum()

    @property
    def mean(self) -> float:
        lo, hi, p = self._arrays()
        return float(np.dot(p, (lo + hi) / 2))

    @property
    def variance(self) -> float:
        lo, hi, p = self._arrays()
        second = np.dot(p, (lo**2 + lo * hi + hi**2) / 3)
        return float(second - self.mean**2)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        lo, hi, p = self._arrays()
        k = rng.choice(len(p), size=size, p=p)
        return lo[k] + rng.random(size) * (hi[k] - lo[k])

    def sample_length_biased(self, rng: np.random.Generator, size: int) -> FloatArray:
        lo, hi, p = self._arrays()
        w = p * (lo + hi) / 2
        k = rng.choice(len(p), size=size, p=w / w.sum())
        # density proportional to x on [a, b]: inverse CDF sqrt(a^2 + u (b^2 - a^2))
        u = rng.random(size)
        return np.sqrt(lo[k] ** 2 + u * (hi[k] ** 2 - lo[k] ** 2))


DistributionBase = _Dist
"""The common base of every distribution family (for type annotations)."""

Distribution = Annotated[
    Exponential | LogNormal | Gamma | Fixed | Empirical | Histogram,
    Field(discriminator="distribution"),
]
"""Any distribution; the ``distribution`` key chooses the family."""

DISTRIBUTION_FAMILIES = ("exponential", "lognormal", "gamma", "fixed", "empirical", "histogram")
