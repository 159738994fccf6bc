"""pathsim: discrete-event simulation of health and social care pathways.

The Python API for analysts (see docs/api.md)::

    import pathsim

    base = pathsim.load_scenario("scenarios/fragmented.yaml")
    more_home_care = pathsim.with_overrides(base, {"onward_services.home_care.capacity": 2600})

    one = pathsim.simulate(base, replication=0)            # one replication
    one.kpis["bed_occupancy"]

    result = pathsim.run_experiment(base)                   # run.replications replications
    result.summary()                                        # tidy DataFrame with 95% CIs

    spec = pathsim.RunSpec.from_scenario(base, replications=20)
    on_all_cores = pathsim.Backend.local()                  # or Backend(dask="tcp://...")
    cmp = pathsim.compare([("base", base), ("more", more_home_care)], spec,
                          backend=on_all_cores)
    cmp.comparison()                                        # paired differences with CIs

    study = pathsim.sweep(base, {"acute_ward.beds": [560, 600, 640]}, spec)
    study.sweep_table()                                     # one row per point and KPI
    pathsim.sensitivity(base, spec=spec).sensitivity_table()   # tornado data
"""

from pathsim.experiment import (
    Backend,
    ComparisonResult,
    ExperimentResult,
    Plan,
    RunSpec,
    Study,
    Variant,
    compare,
    mean_ci,
    run_experiment,
    run_plan,
)
from pathsim.experiment.design import sensitivity, sweep
from pathsim.experiment.replication import simulate
from pathsim.experiment.sequential import replications_needed
from pathsim.experiment.store import RunFolder
from pathsim.experiment.warmup import warmup_study
from pathsim.model import KPI_DESCRIPTIONS, ReplicationResult
from pathsim.output import package_version, read_table, write_run_folder
from pathsim.scenario import Scenario, ScenarioError, load_scenario, with_overrides
from pathsim.scenario.sampling import apply_setting, sample_settings
from pathsim.show.vidigi_log import to_vidigi

__version__ = package_version()

__all__ = [
    "KPI_DESCRIPTIONS",
    "Backend",
    "ComparisonResult",
    "ExperimentResult",
    "Plan",
    "ReplicationResult",
    "RunFolder",
    "RunSpec",
    "Scenario",
    "ScenarioError",
    "Study",
    "Variant",
    "__version__",
    "apply_setting",
    "compare",
    "load_scenario",
    "mean_ci",
    "read_table",
    "replications_needed",
    "run_experiment",
    "run_plan",
    "sample_settings",
    "sensitivity",
    "simulate",
    "sweep",
    "to_vidigi",
    "warmup_study",
    "with_overrides",
    "write_run_folder",
]
