"""The scenario layer: validated descriptions of a local system. Knows nothing of SimPy."""

from pathsim.scenario.distributions import (
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    Histogram,
    LogNormal,
)
from pathsim.scenario.effective import EffectiveSystem, effective_system
from pathsim.scenario.errors import Problem, ScenarioError
from pathsim.scenario.integration import (
    EffectiveFrictions,
    Frictions,
    Integration,
    effective_frictions,
)
from pathsim.scenario.loader import (
    load_scenario,
    load_scenario_data,
    scenario_to_yaml,
    validate_scenario_data,
)
from pathsim.scenario.models import (
    AcuteWard,
    ArrivalProfile,
    DischargeTiming,
    EmergencyDepartment,
    OnwardService,
    Organisation,
    Pathway,
    Payer,
    RunSettings,
    Scenario,
    Segment,
)
from pathsim.scenario.overrides import with_overrides

__all__ = [
    "AcuteWard",
    "ArrivalProfile",
    "DischargeTiming",
    "Distribution",
    "EffectiveFrictions",
    "EffectiveSystem",
    "EmergencyDepartment",
    "Empirical",
    "Exponential",
    "Fixed",
    "Frictions",
    "Gamma",
    "Histogram",
    "Integration",
    "LogNormal",
    "OnwardService",
    "Organisation",
    "Pathway",
    "Payer",
    "Problem",
    "RunSettings",
    "Scenario",
    "ScenarioError",
    "Segment",
    "effective_frictions",
    "effective_system",
    "load_scenario",
    "load_scenario_data",
    "scenario_to_yaml",
    "validate_scenario_data",
    "with_overrides",
]
