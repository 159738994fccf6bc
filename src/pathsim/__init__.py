"""pathsim: discrete-event simulation of health and social care pathways.

The Python API for analysts::

    import pathsim

    base = pathsim.load_scenario("scenarios/fragmented.yaml")
    more_home_care = pathsim.with_overrides(base, {"onward_services.home_care.capacity": 2000})

    one = pathsim.simulate(base, replication=0)            # one replication
    one.kpis["bed_occupancy"]

    result = pathsim.run_experiment(base)                   # run.replications replications
    result.summary()                                        # tidy DataFrame with 95% CIs

    spec = pathsim.RunSpec.from_scenario(base, replications=20)
    cmp = pathsim.compare([("base", base), ("more", more_home_care)], spec)
    cmp.comparison()                                        # paired differences with CIs
"""

from pathsim.experiment import (
    ComparisonResult,
    ExperimentResult,
    RunSpec,
    compare,
    mean_ci,
    run_experiment,
)
from pathsim.model import KPI_DESCRIPTIONS, ReplicationResult, simulate, to_vidigi
from pathsim.output import package_version, write_run_folder
from pathsim.scenario import Scenario, ScenarioError, load_scenario, with_overrides

__version__ = package_version()

__all__ = [
    "KPI_DESCRIPTIONS",
    "ComparisonResult",
    "ExperimentResult",
    "ReplicationResult",
    "RunSpec",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare",
    "load_scenario",
    "mean_ci",
    "run_experiment",
    "simulate",
    "to_vidigi",
    "with_overrides",
    "write_run_folder",
]
