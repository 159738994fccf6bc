"""Building blocks shared by the scenario models: the strict base class, constrained number
types and the ceilings that keep a typing slip from exhausting memory."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from pathsim.scenario.distributions import Count, NotBool

__all__ = [
    "MAX_CAPACITY",
    "MAX_DAYS",
    "MAX_POPULATION",
    "MAX_REPLICATIONS",
    "NAME_PATTERN",
    "TOLERANCE",
    "Count",
    "Name",
    "NonNegative",
    "Positive",
    "Probability",
    "Share",
    "Strict",
    "sums_to_one",
]

TOLERANCE = 1e-3

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"

Name = Annotated[str, Field(pattern=NAME_PATTERN)]
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False), NotBool]
Share = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False), NotBool]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False), NotBool]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False), NotBool]

# Hard ceilings that keep a typing slip (an extra three zeros) from exhausting memory. They are
# far above any real local system: a population of 100 million, 100,000 beds.
MAX_POPULATION = 100_000_000
MAX_CAPACITY = 1_000_000
MAX_DAYS = 36_525  # 100 years
MAX_REPLICATIONS = 100_000


class Strict(BaseModel):
    """Base of every scenario model: unknown keys rejected, immutable, validated defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def sums_to_one(values: list[float], what: str) -> list[float]:
    total = math.fsum(values)
    if abs(total - 1.0) > TOLERANCE:
        raise ValueError(f"{what} must sum to 1 (within {TOLERANCE}); they sum to {total:.6g}")
    return values


class Payer(StrEnum):
    """Who pays for a service in the end."""

    NHS = "nhs"
    LOCAL_AUTHORITY = "local_authority"


class Pathway(StrEnum):
    """Discharge-to-assess pathways (DHSC hospital discharge guidance)."""

    P0 = "P0"  # home, no new support
    P1 = "P1"  # home with support: reablement or home care
    P2 = "P2"  # a community / intermediate-care bed
    P3 = "P3"  # a care home
