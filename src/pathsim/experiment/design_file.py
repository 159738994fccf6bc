"""Design files: a sweep or a sensitivity analysis written down, for designs too large for the
command line or worth keeping beside the scenarios.

A sweep::

    scenario: ../scenarios/fragmented.yaml     # relative to this file
    vary:
      onward_services.home_care.capacity: "*0.8:1.2:0.1"    # 80% to 120% of the base
      acute_ward.beds: [580, 600, 620]
    mode: grid                                 # or zip: the i-th values together
    run: {replications: 10}                    # optional: replications, seed, days, warmup_days

A sensitivity analysis::

    scenario: ../scenarios/fragmented.yaml
    parameters:
      acute_ward.beds: [570, 630]               # low, high
      onward_services.home_care.capacity: "*0.9,*1.1"

Values are written as in ``--vary`` (see :mod:`pathsim.experiment.design`), or as YAML lists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pathsim.experiment.design import DesignError, parse_values, value_at
from pathsim.scenario.errors import ScenarioError
from pathsim.scenario.extends import project_folder
from pathsim.scenario.loader import _read_yaml, load_scenario
from pathsim.scenario.models import Scenario

Values = list[Any] | str


class RunSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    replications: int | None = Field(default=None, ge=1, le=100_000)
    seed: int | None = Field(default=None, ge=0)
    days: int | None = Field(default=None, ge=1, le=36_525)
    warmup_days: int | None = Field(default=None, ge=0, le=36_525)


class DesignFile(BaseModel):
    """A sweep (``vary``) or a sensitivity analysis (``parameters``) of one scenario."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    scenario: str = Field(description="The base scenario, relative to this file")
    vary: dict[str, Values] | None = Field(default=None, description="Sweep: field -> values")
    mode: Literal["grid", "zip"] = "grid"
    parameters: dict[str, Values] | None = Field(
        default=None, description="Sensitivity: field -> [low, high]"
    )
    run: RunSettings = RunSettings()


def is_design_file(path: str | Path) -> bool:
    """Whether ``path`` is a design file rather than a scenario (it has 'scenario', 'vary'
    or 'parameters' at the top level, which scenarios never have)."""
    try:
        data = _read_yaml(Path(path), str(path))
    except ScenarioError:
        return False
    return bool({"scenario", "vary", "parameters"} & set(data))


def _base_path(path: Path, display: str, name: str) -> Path:
    """The design's base scenario, held to the design file's project folder as ``extends:``
    is (see :mod:`pathsim.scenario.extends`), so a design file cannot make pathsim read
    files from elsewhere on the computer."""
    root = project_folder(path)
    try:
        target = (path.parent / name).resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise ScenarioError.single(display, "scenario", f"is not a usable path ({exc}).") from None
    if target != root and root not in target.parents:
        raise ScenarioError.single(
            display,
            "scenario",
            f"names a file outside this design's project folder: {target} is not inside {root}.",
            "Put the design file in the project that holds the scenario (see 'extends' in "
            "docs/reference/scenario.md for what the project folder is).",
        )
    return target


def load_design(path: str | Path) -> tuple[DesignFile, Scenario, dict[str, list[Any]]]:
    """The design, its base scenario and its values by field (lists, ranges and factors
    resolved). Raises ScenarioError naming the file and the field."""
    path = Path(path)
    display = str(path)
    data = _read_yaml(path, display)
    try:
        design = DesignFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ScenarioError.single(display, where, f"{err['msg']}.") from None
    if (design.vary is None) == (design.parameters is None):
        raise ScenarioError.single(
            display, "", "needs exactly one of 'vary' (a sweep) or 'parameters' (sensitivity)."
        )
    base = load_scenario(_base_path(path, display, design.scenario))
    written = design.vary if design.vary is not None else design.parameters
    assert written is not None
    values: dict[str, list[Any]] = {}
    key = "vary" if design.vary is not None else "parameters"
    for field, given in written.items():
        try:
            base_value = value_at(base, field)
            values[field] = (
                parse_values(given, base_value) if isinstance(given, str) else list(given)
            )
        except DesignError as exc:
            raise ScenarioError.single(display, f"{key}.{field}", str(exc)) from None
        if key == "parameters" and len(values[field]) != 2:
            raise ScenarioError.single(
                display,
                f"parameters.{field}",
                f"needs two values, low and high; got {len(values[field])}.",
            )
    return design, base, values
