"""Targets files (YAML): the targets a calibration is to reproduce, given by a user instead
of the built-in ones (:mod:`pathsim.model.targets`), checked with the file and the field
named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pathsim.model.targets import DERIVED, Target


def known_kpi(name: str) -> bool:
    """Whether ``name`` is a KPI of the standard model (patterns such as
    ``occupancy_<service>`` match any service) or a derived share."""
    from pathsim.model.kpis import describe

    return name in DERIVED or bool(describe(name))


class TargetEntry(BaseModel):
    """One target of a targets file: the published value, how far from it a replication may
    be and still match (``low`` and ``high``, or a standard deviation ``sd``), the source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float = Field(allow_inf_nan=False, description="The published figure")
    low: float | None = Field(
        default=None, allow_inf_nan=False, description="Lowest value accepted as matching"
    )
    high: float | None = Field(
        default=None, allow_inf_nan=False, description="Highest value accepted as matching"
    )
    sd: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="Instead of low and high: a standard deviation; value +/- 2 sd is accepted",
    )
    source: str = Field(min_length=1, description="Where the figure comes from")
    per_year: bool = Field(
        default=False,
        description="A count over a year: a run of another length is scaled to a year first",
    )
    not_calibrated: str = Field(
        default="",
        description=(
            "Why a calibration should not rule settings out by this target (empty: it "
            "should); the calibration check still shows it"
        ),
    )

    @model_validator(mode="after")
    def _one_width(self) -> TargetEntry:
        ranged = self.low is not None or self.high is not None
        if ranged and self.sd is not None:
            raise ValueError("give either low and high, or sd, not both")
        if self.sd is None:
            if self.low is None or self.high is None:
                raise ValueError("give low and high (the range accepted), or sd")
            if not self.low <= self.value <= self.high or not self.low < self.high:
                raise ValueError(
                    f"low ({self.low:g}) must be below high ({self.high:g}) and the value "
                    f"({self.value:g}) between them"
                )
        return self

    def target(self, name: str) -> Target:
        """As a :class:`Target` (``sd`` becomes the range value +/- 2 sd)."""
        if self.sd is not None:
            low, high = self.value - 2 * self.sd, self.value + 2 * self.sd
        else:
            assert self.low is not None and self.high is not None
            low, high = self.low, self.high
        return Target(
            name,
            low,
            high,
            self.value,
            self.source,
            per_year=self.per_year,
            not_calibrated=self.not_calibrated,
        )


class TargetsFile(BaseModel):
    """A targets file: a title and the targets, by KPI name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="What these targets describe")
    targets: dict[str, TargetEntry] = Field(min_length=1, description="The targets, by KPI")

    @model_validator(mode="after")
    def _known(self) -> TargetsFile:
        unknown = [k for k in self.targets if not known_kpi(k)]
        if unknown:
            raise ValueError(
                f"unknown KPI {', '.join(repr(k) for k in unknown)}: a target names a KPI "
                "('pathsim kpis' lists them) or one of the derived shares "
                f"({', '.join(DERIVED)})"
            )
        return self


def load_targets(path: str | Path) -> tuple[str, list[Target]]:
    """The title and targets of a targets file (YAML). Raises :class:`TargetsError` naming
    the file and the field when anything is wrong."""
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetsError(f"{shown}: cannot be read ({exc}).") from None
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError) as exc:  # ValueError: a bad date
        raise TargetsError(f"{shown}: is not valid YAML ({exc}).") from None
    try:
        parsed = TargetsFile.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"{shown}: field '{'.'.join(str(p) for p in e['loc']) or '(top)'}': "
            f"{e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors(include_url=False)
        ]
        raise TargetsError("\n".join(lines)) from None
    return parsed.name, [entry.target(name) for name, entry in parsed.targets.items()]


class TargetsError(ValueError):
    """A targets file that cannot be used; the message names the file and the field."""


def targets_yaml(name: str, targets: list[Target]) -> str:
    """A targets file (YAML) holding ``targets``."""
    body: dict[str, Any] = {"name": name, "targets": {}}
    for t in targets:
        entry: dict[str, Any] = {"value": t.central, "low": t.low, "high": t.high}
        if t.per_year:
            entry["per_year"] = True
        entry["source"] = t.source
        if t.not_calibrated:
            entry["not_calibrated"] = t.not_calibrated
        body["targets"][t.name] = entry
    return yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
