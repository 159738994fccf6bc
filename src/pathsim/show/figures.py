"""Which plots a run folder gets, by its kind: one list shared by the HTML report and the
``pathsim plot`` command, so the two always show the same figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from matplotlib.figure import Figure

from pathsim.show import plots
from pathsim.show.runfolder import SavedRun


@dataclass(frozen=True)
class Plot:
    """A figure to draw: a file-name stem, how to draw it, and its caption."""

    name: str
    make: Callable[[], Figure]
    caption: str


def figures_for(folder: SavedRun) -> list[Plot]:
    """The plots of ``folder`` for its kind (run, compare, sweep or sensitivity), in the
    order the report shows them."""
    if folder.kind == "sweep" and folder.table("sweep") is not None:
        return [
            Plot(
                "sweep",
                lambda: plots.plot_sweep(folder),
                "KPIs along the sweep, mean and 95% confidence band at each grid point.",
            )
        ]
    if folder.kind == "sensitivity" and (sens := folder.table("sensitivity")) is not None:
        kpis = [k for k in plots.DEFAULT_KPIS if k in set(sens["kpi"])]
        kpis = kpis or list(dict.fromkeys(sens["kpi"]))[:6]
        return [
            Plot(
                f"tornado_{k}",
                lambda k=k: plots.plot_tornado(folder, k),  # type: ignore[misc]
                f"Tornado chart of {k}: mean at each parameter's low and high setting "
                "against the base.",
            )
            for k in kpis
        ]
    return _result_plots(folder)


def _result_plots(folder: SavedRun) -> list[Plot]:
    """The plots of a run or comparison folder."""
    out = []
    has = {n: folder.table(n) is not None for n in ("comparison", "summary", "timeseries")}
    if has["comparison"]:
        out.append(
            Plot(
                "kpis",
                lambda: plots.plot_kpi_comparison(folder),
                "Headline KPIs by scenario, means with 95% confidence intervals; under each "
                "label the paired difference from the baseline.",
            )
        )
        out.append(
            Plot(
                "differences",
                lambda: plots.plot_differences(folder),
                "Paired differences from the baseline as a percentage of its mean, with 95% "
                "confidence intervals.",
            )
        )
    elif has["summary"]:
        out.append(
            Plot(
                "kpis",
                lambda: plots.plot_kpi_comparison(folder),
                "Headline KPIs, means with 95% confidence intervals.",
            )
        )
    if has["comparison"] or has["summary"]:
        out.append(
            Plot(
                "delays_by_cause",
                lambda: plots.plot_delays_by_cause(folder),
                "Bed days between medically fit and leaving hospital, by cause.",
            )
        )
        out.append(
            Plot(
                "costs",
                lambda: plots.plot_costs(folder),
                "Cost by payer and by organisation over the results period.",
            )
        )
    if has["comparison"]:
        out.append(
            Plot(
                "who_pays",
                lambda: plots.plot_cost_shift(folder),
                "Who pays, who saves: change in cost from the baseline by payer and organisation.",
            )
        )
    if folder.table("ed_time_histogram") is not None:
        out.append(
            Plot(
                "ed_time",
                lambda: plots.plot_ed_time(folder),
                "Time in A&E from arrival to leaving, with the 4-hour standard and the 12-hour "
                "line.",
            )
        )
    if has["timeseries"]:
        out.append(
            Plot(
                "occupancy",
                lambda: plots.plot_occupancy(folder),
                "Daily occupancy per service (warm-up shaded).",
            )
        )
        out.append(
            Plot(
                "queues",
                lambda: plots.plot_queues(folder),
                "Daily queue length per service (warm-up shaded).",
            )
        )
    return out
