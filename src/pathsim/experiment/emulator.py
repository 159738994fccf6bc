"""Emulators for history matching: cheap statistical stand-ins for the simulator that say,
before anything is run, where a setting is likely to reproduce the targets.

With a score of targets over some 80 ranges, settings drawn from the whole box are almost all
ruled out (3 of 288 kept in the shipped base's first calibration without emulators), so most
runs go where the answer cannot be. Following the practice of history matching stochastic
simulators (Andrianakis et al. 2015, PLoS Comput Biol 11(1):e1003968; Vernon et al. 2010),
each target's KPI is emulated from the settings already run:

- **active inputs**: the ranges the KPI moves with, chosen by a cross-validated lasso
  (scikit-learn's ``LassoCV``) on the settings' positions in their ranges, at most
  :data:`MAX_ACTIVE` of them by the size of their coefficient;
- **mean**: a linear regression on the active inputs;
- **residual**: a Gaussian process (scikit-learn's ``GaussianProcessRegressor``) on the
  active inputs with a squared-exponential kernel, one length scale per input, and a nugget
  (``WhiteKernel``) that takes up the chance variation between replications and the effect
  of the inactive ranges.

The emulated implausibility of a candidate x against target t is

    I_t(x) = |E[m_t(x)] - z_t| / sqrt(s_t^2 + Var[m_t(x)])

with the emulator's predictive variance (nugget included) in place of the replications'. A
later wave draws many candidates in its box, keeps those whose largest emulated
implausibility is within the cut-off, and runs the simulator on a random selection of them.
**The emulator only chooses where to run**: every setting is still judged on its own
simulated replications (:mod:`pathsim.experiment.history_matching`), so a poor emulator costs
runs, never a wrong verdict. What it can cost is coverage: a region it wrongly rules out is
not explored; the diagnostics report how many of the settings it proposed the simulator kept.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pathsim.model.targets import Target
from pathsim.scenario.sampling import unit_design

SK_SEEDS = 2**32
"""scikit-learn and numpy's legacy seeding take seeds below 2**32; larger ones are folded."""
MIN_RUNS = 10
"""Fewer settings run than this are too few to emulate from: the wave is drawn blindly."""
MAX_ACTIVE = 10
"""At most this many ranges per emulator (the strongest by lasso coefficient)."""
CANDIDATES = 20_000
"""Candidates drawn in a wave's box for the emulators to sort."""


@dataclass(frozen=True)
class Emulator:
    """The emulator of one target's KPI (module docstring)."""

    target: Target
    active: tuple[int, ...]
    """Columns of the unit settings the emulator uses."""
    linear: Any
    """scikit-learn's LinearRegression on the active inputs."""
    gp: Any
    """None when no range was active: the emulator is the mean and the spread of the runs."""
    constant_sd: float
    inflation: float = 1.0
    """The factor on the predictive standard deviation that makes the emulator's
    cross-validated standardised errors have a standard deviation of at least 1
    (:func:`fit_emulator`): an emulator that claims more than it knows is widened."""

    def predict(self, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation of the KPI's mean over replications at each row of
        ``unit`` (settings x ranges, positions in the ranges' quantiles)."""
        x = unit[:, list(self.active)] if self.active else np.zeros((len(unit), 1))
        mean = np.asarray(self.linear.predict(x), dtype=float)
        if self.gp is None:
            return mean, np.full(len(unit), self.constant_sd)
        resid, sd = self.gp.predict(x, return_std=True)
        widened = np.asarray(sd, dtype=float) * self.inflation
        return mean + np.asarray(resid, dtype=float), widened


def _seed(seed: int) -> int:
    """A seed scikit-learn accepts (below 2**32), the same for every smaller seed."""
    return int(seed) % SK_SEEDS


def fit_emulator(unit: np.ndarray, means: np.ndarray, target: Target, seed: int) -> Emulator:
    """The emulator of ``target`` from the settings run (``unit``, their positions in the
    ranges) and their KPI means over replications (``means``, scaled as the target counts
    it; NaN rows left out)."""
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
    from sklearn.linear_model import LinearRegression

    seed = _seed(seed)
    ok = np.isfinite(means)
    x_all, y = unit[ok], means[ok]
    if len(y) < MIN_RUNS:
        raise ValueError(f"too few runs with '{target.name}' to emulate it ({len(y)})")
    active = _active(x_all, y, seed)
    if not active:
        linear = LinearRegression().fit(np.zeros((len(y), 1)), y)
        return Emulator(target, (), linear, None, float(np.std(y, ddof=1)))
    x = x_all[:, list(active)]
    linear = LinearRegression().fit(x, y)
    resid = y - linear.predict(x)
    scale = float(np.var(resid)) or 1e-12
    kernel = ConstantKernel(scale, (scale * 1e-4, scale * 1e2)) * RBF(
        np.full(len(active), 0.5), (0.05, 20.0)
    ) + WhiteKernel(scale * 0.5, (scale * 1e-4, scale * 1e1))
    gp = GaussianProcessRegressor(kernel, n_restarts_optimizer=2, random_state=seed)
    with warnings.catch_warnings():  # a bound reached is reported by the fit, not an error
        warnings.simplefilter("ignore")
        gp.fit(x, resid)
    fitted = Emulator(target, active, linear, gp, 0.0)
    return Emulator(target, active, linear, gp, 0.0, _inflation(fitted, x_all, y, seed))


def _inflation(em: Emulator, x_all: np.ndarray, y: np.ndarray, seed: int) -> float:
    """The root mean square of the emulator's 5-fold cross-validated standardised errors,
    (y - mean) / sd with the fold left out and the kernel's fitted hyperparameters kept (the
    validation of Bastos and O'Hagan 2009, Technometrics 51(4)), when above 1; else 1. The
    root mean square, not the standard deviation, so that an emulator that is off on
    average is widened too."""
    from sklearn.base import clone
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.linear_model import LinearRegression
    from sklearn.model_selection import KFold

    x = x_all[:, list(em.active)]
    errors = []
    for train, test in KFold(5, shuffle=True, random_state=seed).split(x):
        linear = LinearRegression().fit(x[train], y[train])
        resid = y[train] - linear.predict(x[train])
        gp = GaussianProcessRegressor(clone(em.gp.kernel_), optimizer=None)
        gp.fit(x[train], resid)
        mean, sd = gp.predict(x[test], return_std=True)
        errors.append((y[test] - linear.predict(x[test]) - mean) / np.maximum(sd, 1e-12))
    spread = float(np.sqrt(np.mean(np.concatenate(errors) ** 2)))
    return max(1.0, spread)


def _active(x: np.ndarray, y: np.ndarray, seed: int) -> tuple[int, ...]:
    """The ranges with a non-zero cross-validated lasso coefficient, strongest first, at most
    :data:`MAX_ACTIVE`."""
    from sklearn.linear_model import LassoCV

    sd = float(np.std(y))
    if sd == 0:
        return ()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lasso = LassoCV(cv=5, random_state=seed, max_iter=5000).fit(x, (y - y.mean()) / sd)
    coef = np.abs(lasso.coef_)
    order = [int(i) for i in np.argsort(-coef, kind="stable") if coef[i] > 0]
    return tuple(order[:MAX_ACTIVE])


def emulated_implausibility(emulators: Sequence[Emulator], unit: np.ndarray) -> np.ndarray:
    """Settings x targets: each target's emulated implausibility (module docstring)."""
    out = np.empty((len(unit), len(emulators)))
    for j, em in enumerate(emulators):
        t = em.target
        mean, sd = em.predict(unit)
        out[:, j] = np.abs(mean - t.central) / np.sqrt(((t.high - t.low) / 4) ** 2 + sd**2)
    return out


def propose(
    emulators: Sequence[Emulator],
    n: int,
    box: np.ndarray | None,
    seed: int,
    cutoff: float,
    candidates: int = CANDIDATES,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` settings (unit positions) for the next wave and the largest emulated
    implausibility of each: drawn at random among :data:`CANDIDATES` candidates (at least 20
    per setting asked for) in ``box``
    that the emulators do not rule out, topped up with the least implausible of the others
    when fewer than ``n`` pass."""
    d = len(box[0]) if box is not None else None
    if d is None:
        raise ValueError("propose needs the box of the ranges")
    pool = unit_design(d, max(candidates, 20 * n), _seed(seed), "lhs", box)
    worst = emulated_implausibility(emulators, pool).max(axis=1)
    rng = np.random.default_rng(_seed(seed))
    passing = np.flatnonzero(worst <= cutoff)
    if len(passing) >= n:
        chosen = rng.choice(passing, size=n, replace=False)
    else:
        rest = np.setdiff1d(np.arange(len(pool)), passing)
        fill = rest[np.argsort(worst[rest], kind="stable")[: n - len(passing)]]
        chosen = np.concatenate([passing, fill])
    chosen = np.sort(chosen)
    return pool[chosen], worst[chosen]
