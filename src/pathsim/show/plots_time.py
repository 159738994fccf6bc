"""Plots over time and of time: daily occupancy and queues per service with bands across
replications, and the distribution of time in A&E with the 4- and 12-hour lines."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from pathsim.show.data import Source, capacities, frame, scenario_order, scenarios
from pathsim.show.style import REFERENCE_LINE, colour, new_figure, tidy

BAND = (0.1, 0.9)
"""Quantiles of the band drawn across replications (with few replications, near the range)."""

METRIC_TITLES = {
    "occupied": ("Daily occupancy", "places in use"),
    "queue_length": ("Daily queue length", "people waiting"),
}
SERVICE_ORDER = ("ed", "acute_ward", "virtual_ward", "jet")


def _services(ts: pd.DataFrame, metric: str, chosen: Sequence[str] | None) -> list[str]:
    present = list(dict.fromkeys(ts.loc[ts["metric"] == metric, "service"]))
    if chosen:
        return [s for s in chosen if s in present]
    # Services always empty (a lever that is off) are left out.
    active = ts[(ts["metric"] == metric)].groupby("service")["value"].max()
    present = [s for s in present if active.get(s, 0) > 0] or present
    first = [s for s in SERVICE_ORDER if s in present]
    return first + [s for s in present if s not in first]


def plot_timeseries(
    source: Source,
    metric: str = "occupied",
    services: Sequence[str] | None = None,
    capacity: dict[str, float] | None = None,
) -> Figure:
    """One panel per service: the daily ``metric`` ("occupied" or "queue_length") of each
    scenario, the mean over replications as a line and a 10th-90th percentile band across
    replications; the warm-up shaded grey; each service's capacity dashed (for occupancy,
    taken from the scenarios when ``capacity`` is not given)."""
    ts = frame(source, "timeseries")
    chosen = _services(ts, metric, services)
    if not chosen:
        raise ValueError(f"the time series has no metric '{metric}'")
    labels = scenario_order(ts)
    caps: dict[str, dict[str, float]] = {}
    if metric == "occupied" and capacity is None:
        caps = {label: capacities(sc) for label, sc in scenarios(source).items()}
    elif capacity is not None:
        caps = {label: capacity for label in labels}
    title, unit = METRIC_TITLES.get(metric, (metric.replace("_", " "), metric))
    cols = 2 if len(chosen) > 1 else 1
    rows = math.ceil(len(chosen) / cols)
    fig = new_figure(6 * cols, 2.6 * rows + 0.8)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    data = ts[ts["metric"] == metric]
    for ax, service in zip(axes, chosen, strict=False):
        svc = data[data["service"] == service]
        warm = svc.loc[svc["warmup"].astype(str).str.lower() == "true", "day"]
        if len(warm):
            ax.axvspan(warm.min(), warm.max() + 1, color="#EEEEEE", label="warm-up")
        for i, label in enumerate(labels):
            wide = svc[svc["scenario"] == label].pivot_table(
                index="day", columns="replication", values="value"
            )
            if wide.empty:
                continue
            ax.fill_between(
                wide.index,
                wide.quantile(BAND[0], axis=1),
                wide.quantile(BAND[1], axis=1),
                color=colour(i),
                alpha=0.25,
                linewidth=0,
            )
            ax.plot(wide.index, wide.mean(axis=1), color=colour(i), label=label)
            cap = caps.get(label, {}).get(service)
            if cap is not None:
                ax.axhline(cap, color=colour(i), linestyle="--", linewidth=1)
        ax.set_title(service.replace("_", " "), fontsize=10)
        ax.set_xlabel("day of the run")
        ax.set_ylabel(unit)
        tidy(ax)
    for ax in axes[len(chosen) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=8, loc="best")
    note = "line: mean over replications; band: 10th-90th percentile"
    if caps:
        note += "; dashed: capacity"
    fig.suptitle(f"{title} per service\n{note}", fontsize=11)
    return fig


def plot_occupancy(source: Source, services: Sequence[str] | None = None) -> Figure:
    """Daily occupancy per service (see plot_timeseries)."""
    return plot_timeseries(source, "occupied", services)


def plot_queues(source: Source, services: Sequence[str] | None = None) -> Figure:
    """Daily queue length per service (see plot_timeseries)."""
    return plot_timeseries(source, "queue_length", services)


def ed_time_shares(source: Source) -> pd.DataFrame:
    """Share of A&E attendances per time bin, all replications pooled: scenario, hours_from,
    share (of that scenario's attendances)."""
    hist = frame(source, "ed_time_histogram")
    if "scenario" not in hist:
        hist = hist.assign(scenario="run")
    pooled = hist.groupby(["scenario", "hours_from"], sort=False)["count"].sum().reset_index()
    totals = pooled.groupby("scenario")["count"].transform("sum")
    pooled["share"] = pooled["count"] / totals.where(totals > 0)
    return pooled


def plot_ed_time(source: Source, max_hours: float = 24.0) -> Figure:
    """Distribution of time in A&E (arrival to leaving), per scenario, pooled over
    replications, with the 4-hour standard and the 12-hour line; the legend gives each
    scenario's share within 4 hours and over 12 hours. The last bin holds longer stays."""
    pooled = ed_time_shares(source)
    labels = [str(s) for s in dict.fromkeys(pooled["scenario"])]
    fig = new_figure(9, 4.2)
    ax = fig.subplots()
    for i, label in enumerate(labels):
        block = pooled[pooled["scenario"] == label].sort_values("hours_from")
        hours = block["hours_from"].to_numpy(float)
        share = block["share"].to_numpy(float)
        within_4 = float(np.nansum(share[hours < 4]))
        over_12 = float(np.nansum(share[hours >= 12]))
        shown = hours < max_hours
        ax.step(
            hours[shown],
            share[shown],
            where="post",
            color=colour(i),
            label=f"{label}: {within_4:.1%} within 4 h, {over_12:.1%} over 12 h",
        )
    for line_at, text in ((4.0, "4 hours"), (12.0, "12 hours")):
        ax.axvline(line_at, color=REFERENCE_LINE, linestyle="--", linewidth=1)
        ax.text(line_at, 1.0, f" {text}", transform=ax.get_xaxis_transform(), va="top", fontsize=9)
    ax.set_xlim(0, max_hours)
    ax.set_xlabel("time in A&E, arrival to leaving (hours)")
    width = float(np.diff(sorted(set(pooled["hours_from"])))[:1].sum() * 60) or 15.0
    ax.set_ylabel(f"share of attendances per {width:.0f}-minute bin")
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=1))
    ax.set_title("Time in A&E (all replications pooled)")
    ax.legend(fontsize=8)
    tidy(ax)
    return fig
