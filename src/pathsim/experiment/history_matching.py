"""History matching: the settings of a scenario's ranges that reproduce published targets.

History matching (Craig et al. 1997; Vernon et al. 2010; Andrianakis et al. 2015 for
stochastic simulators) does not look for one best setting: it rules out the settings that
cannot reproduce the targets and keeps every other one, which is what a planner needs to see
how far the answer depends on what is not known. For each target t and setting x, with R
replications of x run on the same seeds as every other setting, the **implausibility** is

    I_t(x) = |m_t(x) - z_t| / sqrt(s_t^2 + v_t(x) / R)

where m_t(x) and v_t(x) are the mean and variance of the KPI over the replications, z_t is the
target's central value and s_t its uncertainty: a quarter of its accepted range (the range
read as about +/- 2 standard deviations), or the standard deviation the targets file gives. A
setting is ruled out when its largest implausibility exceeds the cut-off, 3 by default
(Pukelsheim's three-sigma rule: at least 95% of any unimodal distribution lies within 3
standard deviations of its mean). A setting is also ruled out when any of its replications
gridlocks (``ruled_out_by`` is ``gridlock``): a calibration is judged replication by
replication, not only by its means, and no English system stays gridlocked for months; a
setting that gridlocks one year in four sits on the knife-edge that the calibrated base must
not.

Waves: the first draws settings from the ranges with a space-filling design
(:func:`pathsim.scenario.sampling.unit_design`); each further wave draws within the box, in
the ranges' quantiles, that holds every setting not yet ruled out (widened by a tenth of its
width on each side), so that the runs go where the answer may be. With ``emulate`` (the
command's default), a further wave does not draw its settings blindly from a box (it keeps
the whole of the ranges): an
emulator of each target's KPI, fitted to every setting run so far
(:mod:`pathsim.experiment.emulator`), sorts many candidates, and the wave runs settings the
emulators do not rule out (a wave after fewer than ten settings is drawn blindly: too few to
emulate from). The emulators only choose where to run: every setting is judged on its own
simulated replications.

The **ensemble** is every setting, over all waves, not ruled out: equally weighted, as history
matching gives no weights.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from pathsim.atomic import atomic_path
from pathsim.experiment.executor import Backend
from pathsim.experiment.kpi_store import digest
from pathsim.experiment.plan import Plan, TaskStore, Variant, run_plan
from pathsim.experiment.runner import Progress, RunSpec
from pathsim.model.targets import YEAR_DAYS, Target, derived
from pathsim.scenario.models import Scenario
from pathsim.scenario.sampling import Method, apply_setting, settings_at, unit_design

CUTOFF = 3.0
"""Implausibility above which a setting is ruled out."""
GRIDLOCKED = "gridlocked"
"""The KPI that is 1 for a replication that gridlocked (:mod:`pathsim.model.gridlock`)."""
GRIDLOCKED_RULE = "gridlock"
"""``ruled_out_by`` of a setting ruled out because a replication gridlocked."""
WIDEN = 0.1
"""Each wave's box is widened by this share of its width on each side."""
NARROWER = 0.05
"""A range is narrowed for the next wave only when its kept settings are spread this
unlikely narrowly for settings that the targets did not sort."""


def target_sd(t: Target) -> float:
    """The uncertainty of a target: a quarter of its accepted range."""
    return (t.high - t.low) / 4


def implausibility(values: np.ndarray, t: Target) -> np.ndarray:
    """The implausibility of each setting (row) of ``values`` (settings x replications, the
    KPI already scaled as the target counts it) against target ``t``."""
    reps = values.shape[1]
    mean = values.mean(axis=1)
    var = values.var(axis=1, ddof=1) if reps > 1 else np.zeros(len(values))
    return np.asarray(np.abs(mean - t.central) / np.sqrt(target_sd(t) ** 2 + var / reps))


@dataclass(frozen=True)
class HistoryMatch:
    """The settings tried, with what each gave, and the ensemble kept."""

    settings: pd.DataFrame
    """One row per setting tried: wave, setting, each field path, each target's
    implausibility (``I_<kpi>``), ``I_max``, ``gridlocked_replications``, ``I_emulated`` (the
    largest implausibility the emulators predicted, for settings they chose; NaN otherwise),
    ``ruled_out_by`` (``gridlock`` when a replication gridlocked, else the target with the
    largest implausibility when above the cut-off) and ``kept``."""
    kpis: pd.DataFrame
    """One row per setting, replication and target KPI (and ``gridlocked``): wave, setting,
    replication, kpi, value (scaled as the target counts it)."""
    fields: tuple[str, ...]
    targets: tuple[Target, ...]
    cutoff: float

    @property
    def ensemble(self) -> pd.DataFrame:
        """The settings kept: every column of :attr:`settings`, for kept rows only."""
        return self.settings[self.settings["kept"]].reset_index(drop=True)


def _scaled(kpis: dict[str, float], t: Target, days: int) -> float:
    value = kpis.get(t.name, math.nan)
    return value * YEAR_DAYS / days if t.per_year else value


def history_match(
    scenario: Scenario,
    targets: Sequence[Target],
    *,
    settings_per_wave: int,
    waves: int,
    spec: RunSpec,
    seed: int | None = None,
    method: Method = "lhs",
    cutoff: float = CUTOFF,
    backend: Backend | None = None,
    progress: Progress | None = None,
    on_wave: Callable[[int, pd.DataFrame], None] | None = None,
    store: TaskStore | None = None,
    emulate: bool = False,
    on_fit: Callable[[int, int], None] | None = None,
) -> HistoryMatch:
    """History-matches ``scenario``'s ranges to ``targets`` (module docstring): ``waves``
    waves of ``settings_per_wave`` settings, each run for ``spec`` (its replications on its
    seed, common to every setting). Targets whose KPI a run lacks are refused. ``on_wave`` is
    told of each wave's settings when they are known (for progress reports). Targets with a
    ``not_calibrated`` reason are left out (:class:`~pathsim.model.targets.Target`); ``store``
    (a :class:`~pathsim.experiment.kpi_store.KpiStore`) saves each replication as it
    finishes and gives back those saved before. ``emulate`` chooses the settings of every
    wave after the first with emulators (module docstring); ``on_fit`` is told (wave, settings
    run so far) before they are fitted, which takes a minute or two for a score of targets."""
    fields = tuple(scenario.uncertainty)
    if not fields:
        raise ValueError("the scenario has no ranges to calibrate: add an 'uncertainty:' section")
    targets = [t for t in targets if not t.not_calibrated]
    if not targets:
        raise ValueError("no target to calibrate to: every one says not_calibrated")
    if settings_per_wave < 2 or waves < 1:
        raise ValueError("need at least 2 settings a wave and 1 wave")
    seed = scenario.run.seed if seed is None else seed
    d = len(fields)
    box: np.ndarray | None = None
    tried: list[pd.DataFrame] = []
    kpi_rows: list[pd.DataFrame] = []
    units: list[np.ndarray] = []
    numbers: list[np.ndarray] = []
    for wave in range(1, waves + 1):
        predicted = np.full(settings_per_wave, np.nan)
        if emulate and wave > 1 and _emulable(kpi_rows, targets):
            if on_fit:
                on_fit(wave, sum(len(u) for u in units))
            unit, predicted = _saved_proposal(
                store,
                wave,
                partial(
                    _proposed,
                    np.vstack(units),
                    np.concatenate(numbers),
                    pd.concat(kpi_rows),
                    targets,
                    settings_per_wave,
                    seed,
                    wave,
                    cutoff,
                ),
            )
        else:
            unit = unit_design(d, settings_per_wave, seed + 7919 * wave, method, box)
        settings = settings_at(scenario, unit)
        settings.insert(0, "wave", wave)
        settings["setting"] = settings["setting"] + (wave - 1) * settings_per_wave
        settings["I_emulated"] = predicted
        if on_wave:
            on_wave(wave, settings)
        values = _run_wave(scenario, settings, fields, targets, spec, backend, progress, store)
        kpi_rows.append(values)
        judged = _judge(settings, values, targets, cutoff, spec.replications)
        tried.append(judged)
        units.append(unit)
        numbers.append(settings["setting"].to_numpy())
        all_units = np.vstack(units)
        kept = pd.concat(tried, ignore_index=True)["kept"].to_numpy()
        # Blind waves draw within the box of the kept settings (else from the same box again);
        # emulated waves draw from the whole of the ranges and leave the ruling out to the
        # emulators (their picks are not spread evenly, so the box test would not hold).
        if kept.any() and not emulate:
            box = _box(all_units[kept], box)
    return HistoryMatch(
        settings=pd.concat(tried, ignore_index=True),
        kpis=pd.concat(kpi_rows, ignore_index=True),
        fields=fields,
        targets=tuple(targets),
        cutoff=cutoff,
    )


def _emulable(kpi_rows: list[pd.DataFrame], targets: Sequence[Target]) -> bool:
    """Whether every target has a value at enough settings to emulate it from."""
    from pathsim.experiment.emulator import MIN_RUNS

    values = pd.concat(kpi_rows).dropna(subset=["value"])
    counts = values.groupby("kpi")["setting"].nunique()
    return all(int(counts.get(t.name, 0)) >= MIN_RUNS for t in targets)


def _saved_proposal(
    store: TaskStore | None,
    wave: int,
    propose: Callable[[], tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """An emulated wave's settings: as saved in the run store's folder when the calibration
    ran this wave before (so that a resumed calibration runs the same settings even where a
    refit would differ in the last bits: another machine, another numerical library), else
    proposed now and saved."""
    folder = getattr(store, "folder", None)
    if folder is None:
        return propose()
    path = Path(folder) / f"proposed-wave{wave}.npz"
    if path.exists():
        with np.load(path) as saved:
            return saved["unit"], saved["predicted"]
    unit, predicted = propose()
    with atomic_path(path) as tmp, tmp.open("wb") as out:
        np.savez(out, unit=unit, predicted=predicted)
    return unit, predicted


def _proposed(
    units: np.ndarray,
    numbers: np.ndarray,
    values: pd.DataFrame,
    targets: Sequence[Target],
    n: int,
    seed: int,
    wave: int,
    cutoff: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The next wave's settings chosen by emulators fitted to every setting run so far (row i
    of ``units`` is setting ``numbers[i]``), and the largest emulated implausibility of each."""
    from pathsim.experiment.emulator import fit_emulator, propose

    means = values.groupby(["setting", "kpi"])["value"].mean().unstack()
    means = means.reindex(numbers)
    emulators = [
        fit_emulator(units, means[t.name].to_numpy(dtype=float), t, seed + wave) for t in targets
    ]
    d = units.shape[1]
    whole = np.vstack([np.zeros(d), np.ones(d)])
    return propose(emulators, n, whole, seed + 7919 * wave, cutoff)


def _run_wave(
    scenario: Scenario,
    settings: pd.DataFrame,
    fields: tuple[str, ...],
    targets: Sequence[Target],
    spec: RunSpec,
    backend: Backend | None,
    progress: Progress | None,
    store: TaskStore | None,
) -> pd.DataFrame:
    """Runs every setting of a wave and returns the target KPIs of each replication."""
    variants = []
    for row in settings.to_dict("records"):
        values = {f: row[f] for f in fields}
        label = f"setting-{int(row['setting'])}-{digest(values)}"
        variants.append(Variant(label, apply_setting(scenario, values), values))
    plan = Plan("sweep", tuple(variants), spec)
    study = run_plan(plan, backend, folder=store, progress=progress)
    rows = []
    for row, exp in zip(settings.to_dict("records"), study.result.experiments, strict=True):
        for r, result in enumerate(exp.results):
            k = derived(result.kpis)
            for t in targets:
                if t.name not in k:
                    raise ValueError(f"the runs have no KPI '{t.name}' for its target")
                rows.append((row["wave"], row["setting"], r, t.name, _scaled(k, t, spec.days)))
            stuck = float(result.kpis.get(GRIDLOCKED, 0.0))
            rows.append((row["wave"], row["setting"], r, GRIDLOCKED, stuck))
    return pd.DataFrame(rows, columns=["wave", "setting", "replication", "kpi", "value"])


def _judge(
    settings: pd.DataFrame,
    values: pd.DataFrame,
    targets: Sequence[Target],
    cutoff: float,
    reps: int,
) -> pd.DataFrame:
    """The wave's settings with each target's implausibility and the verdict."""
    out = settings.copy()
    names = []
    for t in targets:
        block = values[values["kpi"] == t.name].pivot(
            index="setting", columns="replication", values="value"
        )
        block = block.reindex(out["setting"])
        name = f"I_{t.name}"
        out[name] = implausibility(block.to_numpy(dtype=float).reshape(len(out), reps), t)
        names.append(name)
    table = out[names].fillna(np.inf)
    out["I_max"] = table.max(axis=1)
    worst = table.idxmax(axis=1).astype(str).str.removeprefix("I_")
    stuck = values[values["kpi"] == GRIDLOCKED].groupby("setting")["value"].sum()
    out["gridlocked_replications"] = stuck.reindex(out["setting"]).fillna(0).to_numpy()
    locked = out["gridlocked_replications"] > 0
    out["kept"] = (out["I_max"] <= cutoff) & ~locked
    out["ruled_out_by"] = worst.where(~out["kept"], "").where(~locked, GRIDLOCKED_RULE)
    return out


def _box(kept_units: np.ndarray, box: np.ndarray | None) -> np.ndarray:
    """The next wave's box (2 x d, in the unit cube of the ranges' quantiles): along each
    range, the span of the kept points widened by a tenth on each side, but only where that
    span is narrower than points spread evenly over the current box would give by chance (the
    range of n uniform points has a Beta(n - 1, 2) distribution; narrowed when its chance is
    below NARROWER); elsewhere the current box. So a range that no target depends on is not
    narrowed by the chance positions of a few kept points."""
    d = kept_units.shape[1]
    current = box if box is not None else np.vstack([np.zeros(d), np.ones(d)])
    n = len(kept_units)
    lo, hi = kept_units.min(axis=0), kept_units.max(axis=0)
    width = current[1] - current[0]
    span = np.divide(hi - lo, width, out=np.ones(d), where=width > 0)
    narrow = stats.beta(n - 1, 2).cdf(span) < NARROWER if n >= 2 else np.zeros(d, dtype=bool)
    pad = np.maximum((hi - lo) * WIDEN, 0.02)
    new_lo = np.where(narrow, np.maximum(lo - pad, current[0]), current[0])
    new_hi = np.where(narrow, np.minimum(hi + pad, current[1]), current[1])
    return np.vstack([new_lo, new_hi])
