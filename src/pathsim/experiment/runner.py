"""Results of replications and comparisons on common random numbers, as tidy tables.

The experiment layer knows nothing of A&E or wards: it runs replications through
:func:`pathsim.model.simulate` (see :mod:`pathsim.experiment.plan`) and summarises the tidy
tables that come back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from pathsim.experiment.stats import mean_ci
from pathsim.model.eventlog import concat_event_logs
from pathsim.model.replication import ReplicationResult
from pathsim.scenario.models import Scenario

Progress = Callable[[int], None]
"""Called with the number of replications just finished (for progress bars)."""

SUMMARY_COLUMNS = ["scenario", "kpi", "mean", "ci_low", "ci_high", "n"]
COMPARISON_COLUMNS = [
    "kpi",
    "scenario",
    "mean",
    "ci_low",
    "ci_high",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
]


@dataclass(frozen=True)
class RunSpec:
    """What to run: how many replications, from which seed, for how long."""

    replications: int
    seed: int
    days: int
    warmup_days: int
    event_log: bool = False

    @classmethod
    def from_scenario(
        cls,
        scenario: Scenario,
        replications: int | None = None,
        seed: int | None = None,
        days: int | None = None,
        warmup_days: int | None = None,
        event_log: bool | None = None,
    ) -> RunSpec:
        """Settings from ``scenario.run``, each overridable."""
        r = scenario.run
        return cls(
            replications=r.replications if replications is None else replications,
            seed=r.seed if seed is None else seed,
            days=r.days if days is None else days,
            warmup_days=r.warmup_days if warmup_days is None else warmup_days,
            event_log=r.event_log if event_log is None else event_log,
        )


@dataclass
class ExperimentResult:
    """Replications of one scenario."""

    label: str
    scenario: Scenario
    spec: RunSpec
    results: list[ReplicationResult] = field(default_factory=list)

    def _stack(self, frames: list[pd.DataFrame]) -> pd.DataFrame:
        """Per-replication tables stacked, with this experiment's label as ``scenario``."""
        frame = pd.concat(frames, ignore_index=True)
        frame.insert(0, "scenario", self.label)
        return frame

    @property
    def kpis(self) -> pd.DataFrame:
        """One row per replication and KPI: scenario, replication, kpi, value."""
        return self._stack([r.kpi_frame() for r in self.results])

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Mean and confidence interval per KPI: scenario, kpi, mean, ci_low, ci_high, n."""
        rows = []
        for kpi, group in self.kpis.groupby("kpi", sort=False):
            mean, lo, hi, n = mean_ci(group["value"], level)
            rows.append((self.label, kpi, mean, lo, hi, n))
        return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)

    @property
    def timeseries(self) -> pd.DataFrame:
        """Daily levels: scenario, replication, day, service, metric, value, warmup."""
        return self._stack([r.timeseries for r in self.results])

    @property
    def event_log(self) -> pd.DataFrame | None:
        """The event logs of all replications (those streamed to files are read from them
        now), or None when the log was off."""
        logs = [log for r in self.results if (log := r.read_event_log()) is not None]
        if not logs:
            return None
        frame = concat_event_logs(logs)
        frame.insert(0, "scenario", self.label)
        return frame

    @property
    def ed_time_histogram(self) -> pd.DataFrame:
        return self._stack([r.ed_time_histogram for r in self.results])

    @property
    def table_names(self) -> list[str]:
        """Names of the other tables the components report (:meth:`table`)."""
        return list(self.results[0].tables) if self.results else []

    def table(self, name: str) -> pd.DataFrame:
        """Another table the components report (one of :attr:`table_names`),
        stacked over the replications, with this experiment's label as ``scenario``."""
        return self._stack([r.tables[name] for r in self.results])

    @property
    def conservation(self) -> pd.DataFrame:
        """Patients created, exited and present at the end, per replication."""
        return self._stack(
            [pd.DataFrame([{"replication": r.replication, **r.conservation}]) for r in self.results]
        )


@dataclass
class ComparisonResult:
    """Several scenarios run on the same seeds; the first is the baseline."""

    experiments: list[ExperimentResult]

    @property
    def base(self) -> ExperimentResult:
        return self.experiments[0]

    @property
    def kpis(self) -> pd.DataFrame:
        return pd.concat([e.kpis for e in self.experiments], ignore_index=True)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        return pd.concat([e.summary(level) for e in self.experiments], ignore_index=True)

    @property
    def timeseries(self) -> pd.DataFrame:
        """Daily levels of every scenario: scenario, replication, day, service, metric,
        value, warmup."""
        return pd.concat([e.timeseries for e in self.experiments], ignore_index=True)

    @property
    def event_log(self) -> pd.DataFrame | None:
        """The event logs of every scenario, or None when the log was off."""
        logs = [log for e in self.experiments if (log := e.event_log) is not None]
        return concat_event_logs(logs) if logs else None

    @property
    def ed_time_histogram(self) -> pd.DataFrame:
        return pd.concat([e.ed_time_histogram for e in self.experiments], ignore_index=True)

    @property
    def table_names(self) -> list[str]:
        """Names of the other tables the components report (:meth:`table`)."""
        return list(dict.fromkeys(n for e in self.experiments for n in e.table_names))

    def table(self, name: str) -> pd.DataFrame:
        """Another table the components report, for every scenario."""
        return pd.concat([e.table(name) for e in self.experiments], ignore_index=True)

    @property
    def conservation(self) -> pd.DataFrame:
        """Patients created, exited and present at the end, per scenario and replication."""
        return pd.concat([e.conservation for e in self.experiments], ignore_index=True)

    def comparison(self, level: float = 0.95) -> pd.DataFrame:
        """Per KPI and scenario: mean with CI, and the paired difference from the baseline
        (same replication numbers, hence the same patients) with its CI. The baseline's own
        rows have no difference."""
        wide = self.kpis.pivot_table(
            index=["kpi", "replication"], columns="scenario", values="value", dropna=False
        )
        kpi_order = list(dict.fromkeys(self.base.kpis["kpi"]))
        labels = [e.label for e in self.experiments]
        rows = []
        for kpi in kpi_order:
            if kpi not in wide.index.get_level_values(0):
                continue
            block = wide.loc[kpi]
            base_values = block.get(labels[0])
            for label in labels:
                values = block[label] if label in block else pd.Series(dtype=float)
                mean, lo, hi, _ = mean_ci(values, level)
                if label == labels[0] or base_values is None:
                    d = (float("nan"),) * 3
                else:
                    dm, dlo, dhi, _ = mean_ci(values - base_values, level)
                    d = (dm, dlo, dhi)
                rows.append((kpi, label, mean, lo, hi, *d))
        return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
