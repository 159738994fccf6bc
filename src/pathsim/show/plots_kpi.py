"""Plots of KPIs across scenarios: means with confidence intervals, paired differences,
delayed-discharge bed days by cause, and cost by payer and organisation."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from pathsim.numbers import format_number
from pathsim.show.data import Source, frame, scenario_order
from pathsim.show.style import (
    REFERENCE_LINE,
    axis_format,
    colour,
    kpi_label,
    kpi_unit,
    new_figure,
    tidy,
)

DEFAULT_KPIS = (
    "ed_4h_performance",
    "ed_12h_waits",
    "emergency_admissions",
    "bed_occupancy",
    "delayed_discharge_bed_days",
    "nctr_per_100_beds",
    "readmissions_30d",
    "days_at_home_90d",
    "cost_total_gbp",
)
"""KPIs drawn when none are named: the questions planners ask first."""

DELAY_PREFIX = "delayed_discharge_bed_days_"
CI_NOTE = "error bars: 95% confidence intervals across replications"


def means(source: Source) -> pd.DataFrame:
    """scenario, kpi, mean, ci_low, ci_high (and diff columns when a comparison is given)."""
    try:
        table = frame(source, "comparison")
    except ValueError:
        table = frame(source, "summary")
    missing = {"scenario", "kpi", "mean", "ci_low", "ci_high"} - set(table.columns)
    if missing:
        raise ValueError(f"the table lacks the columns {sorted(missing)}")
    return table


def _errors(block: pd.DataFrame, centre: str, low: str, high: str) -> np.ndarray:
    """Asymmetric error bar lengths (2 x n), zero where an interval is missing."""
    lower = (block[centre] - block[low]).clip(lower=0).fillna(0)
    upper = (block[high] - block[centre]).clip(lower=0).fillna(0)
    return np.vstack([lower.to_numpy(float), upper.to_numpy(float)])


def plot_kpi_comparison(source: Source, kpis: Sequence[str] | None = None) -> Figure:
    """One panel per KPI: each scenario's mean with its 95% confidence interval; in a
    comparison, the paired difference from the baseline with its interval under each bar."""
    table = means(source)
    available = list(dict.fromkeys(table["kpi"]))
    chosen = [k for k in (kpis or DEFAULT_KPIS) if k in available] or available[:9]
    labels = scenario_order(table)
    cols = min(3, len(chosen))
    rows = math.ceil(len(chosen) / cols)
    fig = new_figure(4.2 * cols, 3.2 * rows + 0.6)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, kpi in zip(axes, chosen, strict=False):
        block = table[table["kpi"] == kpi].set_index("scenario").reindex(labels).reset_index()
        x = np.arange(len(labels))
        ax.bar(
            x,
            block["mean"],
            yerr=_errors(block, "mean", "ci_low", "ci_high"),
            color=[colour(i) for i in range(len(labels))],
            capsize=4,
            label=kpi,
        )
        ticks = list(labels)
        if "diff" in block:
            for i, r in enumerate(block.itertuples()):
                if i > 0 and not pd.isna(r.diff):
                    ticks[i] += (
                        f"\n{format_number(r.diff)}"
                        f"\n[{format_number(r.diff_ci_low)}, {format_number(r.diff_ci_high)}]"
                    )
        ax.set_xticks(x, ticks, fontsize=8)
        ax.set_title(kpi_label(kpi), fontsize=10)
        ax.set_ylabel(kpi_unit(kpi))
        axis_format(ax, kpi)
        tidy(ax)
    for ax in axes[len(chosen) :]:
        ax.set_visible(False)
    note = CI_NOTE
    if "diff" in table:
        note += "; under each label: difference from the baseline [95% CI]"
    fig.suptitle(f"KPIs by scenario (mean)\n{note}", fontsize=11)
    return fig


def plot_differences(source: Source, kpis: Sequence[str] | None = None) -> Figure:
    """Paired differences from the baseline as a percentage of the baseline mean, with 95%
    confidence intervals: one row per KPI, one series per scenario compared. KPIs whose
    baseline mean is zero or undefined are left out (no percentage exists)."""
    table = frame(source, "comparison")
    labels = scenario_order(table)
    base = table[table["scenario"] == labels[0]].set_index("kpi")["mean"]
    available = list(dict.fromkeys(table["kpi"]))
    chosen = [
        k
        for k in (kpis or DEFAULT_KPIS)
        if k in available and pd.notna(base.get(k)) and base.get(k) != 0
    ]
    fig = new_figure(8, 1.0 + 0.45 * len(chosen) * max(1, len(labels) - 1) ** 0.5)
    ax = fig.subplots()
    y = np.arange(len(chosen))
    others = labels[1:]
    height = 0.8 / max(1, len(others))
    for i, label in enumerate(others):
        block = table[table["scenario"] == label].set_index("kpi").reindex(chosen)
        scale = 100 / base.reindex(chosen).abs()
        pct = block["diff"] * scale
        lo, hi = block["diff_ci_low"] * scale, block["diff_ci_high"] * scale
        err = np.vstack([(pct - lo).fillna(0).to_numpy(), (hi - pct).fillna(0).to_numpy()])
        offset = (i - (len(others) - 1) / 2) * height
        ax.errorbar(pct, y + offset, xerr=err, fmt="o", color=colour(i + 1), capsize=3, label=label)
    ax.axvline(0, color=REFERENCE_LINE, linewidth=1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:+,.0f}%" if v else "0%"))
    ax.set_yticks(y, [kpi_label(k) for k in chosen])
    ax.invert_yaxis()
    ax.set_xlabel(f"difference from '{labels[0]}' (% of its mean; 95% CI)")
    ax.set_title(f"Paired differences from '{labels[0]}' on the same patients")
    ax.legend(title="scenario", loc="best", fontsize=8)
    tidy(ax, "x")
    return fig


def _grouped_bars(
    ax: Axes,
    table: pd.DataFrame,
    kpis: Sequence[str],
    names: Sequence[str],
    labels: list[str],
    first_colour: int = 0,
) -> None:
    """Horizontal bars per KPI (rows), one bar per scenario, with CI error bars; scenario i
    takes colour ``first_colour + i``."""
    y = np.arange(len(kpis))
    height = 0.8 / max(1, len(labels))
    for i, label in enumerate(labels):
        block = table[table["scenario"] == label].set_index("kpi").reindex(list(kpis))
        ax.barh(
            y + (i - (len(labels) - 1) / 2) * height,
            block["mean"].fillna(0),
            height=height,
            xerr=_errors(block, "mean", "ci_low", "ci_high"),
            color=colour(first_colour + i),
            capsize=2,
            label=label,
        )
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    tidy(ax, "x")


def plot_delays_by_cause(source: Source) -> Figure:
    """Delayed-discharge bed days (medically fit, still in a bed) by cause, per scenario."""
    table = means(source)
    kpis = [k for k in dict.fromkeys(table["kpi"]) if k.startswith(DELAY_PREFIX)]
    if not kpis:
        raise ValueError(f"the table has no {DELAY_PREFIX}<cause> KPIs")
    labels = scenario_order(table)
    fig = new_figure(8, 1.2 + 0.3 * len(kpis) * max(1, len(labels)) ** 0.6)
    ax = fig.subplots()
    names = [k.removeprefix(DELAY_PREFIX).replace("_", " ") for k in kpis]
    _grouped_bars(ax, table, kpis, names, labels)
    ax.set_xlabel("bed days in the results period (mean; 95% CI)")
    ax.set_ylabel("cause of delay")
    axis_format(ax, "bed_days", "x")
    ax.set_title("Delayed-discharge bed days by cause")
    ax.legend(title="scenario", fontsize=8)
    return fig


def _cost_groups(table: pd.DataFrame) -> tuple[list[str], list[str]]:
    kpis = list(dict.fromkeys(table["kpi"]))
    payers = [k for k in ("cost_nhs_gbp", "cost_local_authority_gbp") if k in kpis]
    orgs = [k for k in kpis if k.startswith("cost_org_")]
    return payers, orgs


def _cost_name(kpi: str) -> str:
    return (
        kpi.removeprefix("cost_org_").removeprefix("cost_").removesuffix("_gbp").replace("_", " ")
    )


def plot_costs(source: Source) -> Figure:
    """Cost by payer (NHS, local authority) and by organisation, per scenario (mean, 95% CI)."""
    table = means(source)
    payers, orgs = _cost_groups(table)
    if not payers and not orgs:
        raise ValueError("the table has no cost_..._gbp KPIs")
    labels = scenario_order(table)
    fig = new_figure(11, 1.4 + 0.35 * max(len(payers), len(orgs)) * len(labels) ** 0.6)
    left, right = fig.subplots(1, 2)
    for ax, kpis, title in ((left, payers, "by payer"), (right, orgs, "by organisation")):
        _grouped_bars(ax, table, kpis, [_cost_name(k) for k in kpis], labels)
        ax.set_title(f"Cost {title}")
        ax.set_xlabel("GBP in the results period (mean; 95% CI)")
        axis_format(ax, "cost_gbp", "x")
    right.legend(title="scenario", fontsize=8)
    fig.suptitle("Who pays: cost of the services modelled", fontsize=12)
    return fig


def plot_cost_shift(source: Source) -> Figure:
    """Who pays and who saves: the paired difference in cost from the baseline, by payer and
    by organisation (below zero saves money), with 95% confidence intervals."""
    table = frame(source, "comparison")
    payers, orgs = _cost_groups(table)
    labels = scenario_order(table)
    others = (
        table[table["scenario"] != labels[0]]
        .drop(columns=["mean", "ci_low", "ci_high"])
        .rename(columns={"diff": "mean", "diff_ci_low": "ci_low", "diff_ci_high": "ci_high"})
    )
    fig = new_figure(11, 1.4 + 0.35 * max(len(payers), len(orgs)) * len(labels) ** 0.6)
    left, right = fig.subplots(1, 2)
    for ax, kpis, title in ((left, payers, "by payer"), (right, orgs, "by organisation")):
        # Colours follow the scenario's place in the run, as in the other plots.
        _grouped_bars(ax, others, kpis, [_cost_name(k) for k in kpis], labels[1:], 1)
        ax.axvline(0, color=REFERENCE_LINE, linewidth=1)
        ax.set_title(f"Change in cost {title}")
        ax.set_xlabel(f"GBP, difference from '{labels[0]}' (below 0 saves; 95% CI)")
        axis_format(ax, "cost_gbp", "x")
    right.legend(title="scenario", fontsize=8)
    fig.suptitle("Who pays, who saves", fontsize=12)
    return fig
