"""Plots of pathsim results, each a function returning a matplotlib Figure (Agg backend:
nothing opens a window; save with ``fig.savefig("name.png")``).

Every plot takes a *source*: a result from the Python API (``pathsim.run_experiment``,
``pathsim.compare``), a run folder (path or :class:`~pathsim.show.runfolder.SavedRun`), or
the table itself as a DataFrame read from a run folder::

    from pathsim.show import plots

    fig = plots.plot_kpi_comparison(cmp)                 # a ComparisonResult
    fig = plots.plot_occupancy("runs/comparison")         # a run folder
    fig.savefig("occupancy.png", dpi=150)

Colours are the Okabe-Ito palette (safe for colour-blind readers); intervals are 95%
confidence intervals across replications.
"""

from __future__ import annotations

from pathsim.show.plots_kpi import (
    DEFAULT_KPIS,
    plot_cost_shift,
    plot_costs,
    plot_delays_by_cause,
    plot_differences,
    plot_kpi_comparison,
)
from pathsim.show.plots_sweep import plot_sweep, plot_tornado, sweep_fields, tornado_rows
from pathsim.show.plots_time import (
    ed_time_shares,
    plot_ed_time,
    plot_occupancy,
    plot_queues,
    plot_timeseries,
)

__all__ = [
    "DEFAULT_KPIS",
    "ed_time_shares",
    "plot_cost_shift",
    "plot_costs",
    "plot_delays_by_cause",
    "plot_differences",
    "plot_ed_time",
    "plot_kpi_comparison",
    "plot_occupancy",
    "plot_queues",
    "plot_sweep",
    "plot_timeseries",
    "plot_tornado",
    "sweep_fields",
    "tornado_rows",
]
