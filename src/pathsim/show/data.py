"""The tables behind the plots, from whichever source the caller has: a result object from
the Python API, a DataFrame read from a run folder, or the run folder itself."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pathsim.experiment.runner import ComparisonResult, ExperimentResult
from pathsim.scenario.integration import added_capacity
from pathsim.scenario.models import Scenario
from pathsim.show.runfolder import SavedRun

Source = ExperimentResult | ComparisonResult | SavedRun | pd.DataFrame | str | Path
"""Anything a plot can be drawn from."""


def frame(source: Source, name: str) -> pd.DataFrame:
    """Table ``name`` ("summary", "comparison", "replications", "timeseries",
    "ed_time_histogram", "sweep", "sensitivity", or another table the components report,
    such as "ambulance_handover_histogram") from ``source``. A DataFrame is returned as
    it is. Raises ValueError when the source cannot provide the table."""
    if isinstance(source, pd.DataFrame):
        return source
    if isinstance(source, str | Path):
        source = SavedRun.open(source)
    if isinstance(source, SavedRun):
        table = source.table(name)
        if table is None:
            raise ValueError(f"run folder {source.path} has no {name} table")
        return table
    experiments = source.experiments if isinstance(source, ComparisonResult) else [source]
    if name == "summary":
        return source.summary()
    if name == "replications":
        return source.kpis
    if name == "comparison":
        if not isinstance(source, ComparisonResult):
            raise ValueError("a comparison needs a ComparisonResult (pathsim.compare)")
        return source.comparison()
    if name == "timeseries":
        return pd.concat([e.timeseries for e in experiments], ignore_index=True)
    if name == "ed_time_histogram":
        return pd.concat([e.ed_time_histogram for e in experiments], ignore_index=True)
    if name in source.table_names:
        return source.table(name)
    raise ValueError(f"a result object has no {name} table")


def scenarios(source: Source) -> dict[str, Scenario]:
    """The scenarios behind ``source`` by label (empty for a bare DataFrame)."""
    if isinstance(source, pd.DataFrame):
        return {}
    if isinstance(source, str | Path):
        source = SavedRun.open(source)
    if isinstance(source, SavedRun):
        return source.scenarios()
    experiments = source.experiments if isinstance(source, ComparisonResult) else [source]
    return {e.label: e.scenario for e in experiments}


def capacities(scenario: Scenario) -> dict[str, float]:
    """Places per service in the time series' service names (acute_ward, ed, onward
    services, virtual_ward when the lever is on)."""
    caps: dict[str, float] = {
        "acute_ward": scenario.acute_ward.beds,
        "ed": scenario.ed.cubicles,
    }
    extra = added_capacity(scenario.integration)
    for name, svc in scenario.onward_services.items():
        caps[name] = svc.capacity + extra.get(name, 0)
    vw = scenario.integration.virtual_wards
    if vw.enabled:
        caps["virtual_ward"] = vw.slots
    return caps


def scenario_order(table: pd.DataFrame) -> list[str]:
    """Scenario labels in the order they first appear (the first is the baseline)."""
    return [str(s) for s in dict.fromkeys(table["scenario"])]
