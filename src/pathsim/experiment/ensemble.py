"""Effects across an ensemble: the same comparison run at every setting a calibration kept.

Each setting of the ensemble (a value for every uncertain field) is applied to every scenario
of the comparison, and each is run for the same replications on the same seeds: replication r
sees the same patients at every setting and in every scenario, so the paired difference at a
setting measures the configuration alone, and the spread of the differences across settings
measures what is not known about the system.

A field that a scenario changes from the base (an overlay's what-if) keeps the scenario's own
value: the ensemble varies what is uncertain, not what the scenario decides. Ranges a scenario
adds to the base's (a lever's own sizes: how many admissions a virtual ward avoids) are drawn
for every setting too (:func:`with_own_ranges`), so the effect of a change is reported across
what is not known about the change as well as about the system; so are the base's ranges that
the calibration did not vary (added after it, such as unit costs that move no flow).

For each KPI, and for each scenario's paired difference from the base:

- ``mean``: the mean over settings of each setting's mean over its replications;
- ``ci_low``, ``ci_high`` (**chance only**): the ensemble mean plus or minus the typical
  half-width of one setting's 95% interval from its replications (the normal quantile times
  the root mean square of the settings' standard errors): what a plain run's interval would
  say, ignoring what is not known about the system;
- ``unc_low``, ``unc_high`` (**combined**): the 2.5th and 97.5th percentiles of the mixture,
  with equal weights over the settings, of normal distributions centred on each setting's
  mean with its standard error: the spread across settings (parameter uncertainty) widened by
  each setting's chance variation;
- ``share_favourable``: for a difference whose better direction is known
  (:data:`pathsim.model.kpis.LOWER_IS_BETTER`, :data:`HIGHER_IS_BETTER`), the share of
  settings whose mean difference goes that way (NaN otherwise).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from pathsim.experiment.executor import Backend
from pathsim.experiment.kpi_store import digest
from pathsim.experiment.plan import Plan, TaskStore, Variant, run_plan
from pathsim.experiment.runner import Progress, RunSpec
from pathsim.model.kpis import better_direction
from pathsim.scenario.models import Scenario
from pathsim.scenario.sampling import apply_setting, settings_at, unit_design
from pathsim.scenario.uncertainty import field_value

ENSEMBLE_COLUMNS = [
    "kpi",
    "scenario",
    "mean",
    "ci_low",
    "ci_high",
    "unc_low",
    "unc_high",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "diff_unc_low",
    "diff_unc_high",
    "share_favourable",
    "settings",
]
"""Columns of :meth:`EnsembleResult.comparison`."""

_SETTING_COLUMNS = {"wave", "setting", "kept", "ruled_out_by", "I_max", "gridlocked_replications"}


class EnsembleError(ValueError):
    """An ensemble folder that cannot be used; the message says why."""


def read_ensemble(folder: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The kept settings of a calibration folder (``pathsim calibrate --out``): one row a
    setting, one column a field path (implausibilities and bookkeeping left out), and the
    calibration's record (calibration.json)."""
    path = Path(folder)
    meta_file, table = path / "calibration.json", path / "ensemble.csv"
    if not meta_file.exists() or not table.exists():
        raise EnsembleError(
            f"{path} is not a finished calibration (no calibration.json and ensemble.csv): "
            "make one with pathsim calibrate SCENARIO --out DIR"
        )
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    if meta.get("status") != "complete":
        raise EnsembleError(f"{path} holds an unfinished calibration: run it to the end first")
    frame = pd.read_csv(table)
    if frame.empty:
        raise EnsembleError(
            f"{path} kept no setting: no ensemble to run (its calibration.md lists the closest "
            "settings and the targets they miss)"
        )
    fields = [c for c in frame.columns if c not in _SETTING_COLUMNS and not c.startswith("I_")]
    return frame[["setting", *fields]], meta


@dataclass(frozen=True)
class EnsembleResult:
    """Every scenario run at every setting."""

    labels: tuple[str, ...]
    kpis: pd.DataFrame
    """scenario, setting, replication, kpi, value."""
    kept_as_set: Mapping[str, tuple[str, ...]]
    """Per scenario, the uncertain fields it sets itself (not varied for it)."""

    def comparison(self, level: float = 0.95) -> pd.DataFrame:
        """Per KPI and scenario: the level and, for each scenario but the base, the paired
        difference from the base, each with its chance-only and combined intervals and, for
        differences, the share of settings in which it goes the better way (module
        docstring). Columns: :data:`ENSEMBLE_COLUMNS`."""
        wide = self.kpis.pivot_table(
            index=["kpi", "setting", "replication"],
            columns="scenario",
            values="value",
            dropna=False,
        )
        base = self.labels[0]
        rows = []
        present = set(wide.index.get_level_values("kpi"))
        for kpi in dict.fromkeys(self.kpis["kpi"]):
            if kpi not in present:  # undefined in every replication
                continue
            block = wide.loc[kpi]
            direction = better_direction(str(kpi))
            for label in self.labels:
                level_stats = _combine(block[label], level)
                if label == base:
                    diff_stats: tuple[float, ...] = (math.nan,) * 5
                    share = math.nan
                else:
                    d = block[label] - block[base]
                    diff_stats = _combine(d, level)
                    means = d.groupby(level="setting").mean()
                    share = float((np.sign(means) == direction).mean()) if direction else math.nan
                n = int(block[label].index.get_level_values("setting").nunique())
                rows.append((kpi, label, *level_stats, *diff_stats, share, n))
        return pd.DataFrame(rows, columns=ENSEMBLE_COLUMNS)


def _combine(values: pd.Series, level: float) -> tuple[float, float, float, float, float]:
    """(mean, chance-only low, high, combined low, high) of replications grouped by setting."""
    grouped = values.dropna().groupby(level="setting")
    means = grouped.mean().to_numpy(dtype=float)
    if means.size == 0:
        return (math.nan,) * 5
    counts = grouped.count().to_numpy(dtype=float)
    sds = grouped.std(ddof=1).fillna(0.0).to_numpy(dtype=float)
    se = np.where(counts > 1, sds / np.sqrt(counts), 0.0)
    z = float(stats.norm.ppf(0.5 + level / 2))
    centre = float(means.mean())
    half = z * float(np.sqrt(np.mean(se**2)))
    lo = _mixture_quantile(means, se, 0.5 - level / 2)
    hi = _mixture_quantile(means, se, 0.5 + level / 2)
    return centre, centre - half, centre + half, lo, hi


def _mixture_quantile(means: np.ndarray, se: np.ndarray, q: float) -> float:
    """The ``q`` quantile of the equal-weight mixture of N(means_i, se_i^2) (a point mass
    where se_i is 0)."""
    scale = np.where(se > 0, se, 1.0)

    def cdf(x: float) -> float:
        inside = np.where(se > 0, stats.norm.cdf((x - means) / scale), (x >= means) * 1.0)
        return float(inside.mean()) - q

    width = float(np.max(se)) * 10 + float(np.ptp(means)) + 1e-12
    lo, hi = float(means.min()) - width, float(means.max()) + width
    if np.all(se == 0):  # the empirical quantile of the means
        return float(np.quantile(means, q, method="inverted_cdf"))
    return float(optimize.brentq(cdf, lo, hi, xtol=1e-10 * max(1.0, abs(hi))))


def own_ranges(base: Scenario, scenarios: Sequence[Scenario]) -> list[str]:
    """The ranges the other scenarios add to the base's (a lever's own sizes, say), each once,
    in order of appearance."""
    out: dict[str, None] = {}
    for sc in scenarios:
        out.update((p, None) for p in sc.uncertainty if p not in base.uncertainty)
    return list(out)


def uncalibrated_ranges(base: Scenario, settings: pd.DataFrame) -> list[str]:
    """The base's ranges that the ensemble's settings do not vary (ranges added after the
    calibration, or left out of it), in the base's order."""
    return [p for p in base.uncertainty if p not in settings.columns]


def with_own_ranges(
    scenarios: Sequence[tuple[str, Scenario]],
    settings: pd.DataFrame,
    seed: int,
    skip: Sequence[str] = (),
) -> pd.DataFrame:
    """``settings`` (of the base's ranges) with a column for each range the settings do not
    vary, drawn for every setting from the first scenario that states it (a Latin hypercube
    per scenario, seeded by ``seed`` and the scenario's position): the base's ranges the
    calibration did not vary, and the ranges the other scenarios add. The ensemble then
    varies what is not known about the change as well as about the system. ``skip`` are
    fields not to draw (a sweep's, which it sets itself)."""
    out = settings.copy()
    for i, (_, sc) in enumerate(scenarios):
        paths = [p for p in sc.uncertainty if p not in out.columns and p not in skip]
        if not paths:
            continue
        unit = unit_design(len(paths), len(out), seed + 104_729 * i)
        drawn = settings_at(sc, unit, paths)
        for p in paths:
            out[p] = drawn[p].to_numpy()
    return out


def run_ensemble(
    scenarios: Sequence[tuple[str, Scenario]],
    settings: pd.DataFrame,
    spec: RunSpec,
    *,
    backend: Backend | None = None,
    progress: Progress | None = None,
    store: TaskStore | None = None,
) -> EnsembleResult:
    """Runs every scenario (the first is the base) at every setting (rows of ``settings``: a
    ``setting`` number and one column per field path) for ``spec``, on common random numbers.
    A scenario takes a setting's value of a field when the field is one of the base's ranges
    and the scenario leaves both the field and its range as the base has them, or when the
    field is one of the scenario's own ranges (not the base's); otherwise it keeps its own
    value (a what-if it decides). ``store`` saves each replication as it finishes (and gives
    back those saved before)."""
    fields = [c for c in settings.columns if c != "setting"]
    base = scenarios[0][1]
    stray = [f for f in fields if not any(f in sc.uncertainty for _, sc in scenarios)]
    if stray:
        raise ValueError(
            f"the ensemble varies {', '.join(stray[:3])}, which no scenario here gives a range: "
            "is it the calibration of another scenario?"
        )
    base_data = base.model_dump(mode="json", by_alias=True)
    kept_as_set: dict[str, tuple[str, ...]] = {}
    applied: dict[str, list[str]] = {}
    for label, sc in scenarios:
        data = sc.model_dump(mode="json", by_alias=True)
        applied[label] = [f for f in fields if _takes(f, sc, data, base, base_data)]
        kept_as_set[label] = tuple(
            f for f in fields if f in base.uncertainty and f not in applied[label]
        )
    variants = []
    for row in settings.to_dict("records"):
        s = int(row["setting"])
        for label, sc in scenarios:
            values = {f: row[f] for f in applied[label]}
            name = f"{label}@{s}@{digest(values)}"
            variants.append(Variant(name, apply_setting(sc, values), values))
    plan = Plan("compare", tuple(variants), spec)
    study = run_plan(plan, backend, folder=store, progress=progress)
    rows = []
    for v, exp in zip(plan.variants, study.result.experiments, strict=True):
        label, number, _ = v.label.rsplit("@", 2)
        for r, result in enumerate(exp.results):
            rows += [(label, int(number), r, k, value) for k, value in result.kpis.items()]
    kpis = pd.DataFrame(rows, columns=["scenario", "setting", "replication", "kpi", "value"])
    return EnsembleResult(tuple(label for label, _ in scenarios), kpis, kept_as_set)


def _takes(f: str, sc: Scenario, data: object, base: Scenario, base_data: object) -> bool:
    """Whether scenario ``sc`` takes a setting's value of field ``f`` (run_ensemble)."""
    if f not in base.uncertainty:
        return f in sc.uncertainty
    return (
        sc.uncertainty.get(f) == base.uncertainty[f]
        and _has(data, f)
        and field_value(data, f) == field_value(base_data, f)
    )


def _has(data: object, path: str) -> bool:
    try:
        field_value(data, path)
    except KeyError:
        return False
    return True
