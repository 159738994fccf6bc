"""The spread of a run across a calibrated ensemble: for each KPI, each setting's mean (or
its paired difference from the base at the same setting) as a dot, with the chance-only and
the combined 95% intervals of ``ensemble_comparison.csv`` drawn beside them."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from pathsim.show.style import (
    REFERENCE_LINE,
    axis_format,
    colour,
    kpi_label,
    kpi_unit,
    new_figure,
    tidy,
)

SPREAD_KPIS = (
    "ed_4h_performance",
    "ed_12h_trolley_waits",
    "emergency_admissions",
    "bed_occupancy",
    "delayed_discharge_bed_days",
    "days_at_home_90d",
    "cost_nhs_gbp",
    "cost_local_authority_gbp",
    "cost_total_gbp",
)
"""KPIs drawn when none are named."""


def setting_values(replications: pd.DataFrame, labels: Sequence[str]) -> pd.DataFrame:
    """kpi, scenario, setting, value: each setting's mean over its replications, and for
    every scenario but the first, its paired difference from the first at that setting (when
    there is more than one scenario, the first's own rows are left out)."""
    means = (
        replications.groupby(["kpi", "setting", "scenario"], sort=False)["value"]
        .mean()
        .unstack("scenario")
    )
    if len(labels) == 1:
        out = means[labels[0]].rename("value").reset_index()
        out["scenario"] = labels[0]
    else:
        diffs = means[list(labels[1:])].sub(means[labels[0]], axis=0)
        out = diffs.reset_index().melt(
            id_vars=["kpi", "setting"], var_name="scenario", value_name="value"
        )
    return out.dropna(subset=["value"])[["kpi", "scenario", "setting", "value"]]


def spread_figure(
    comparison: pd.DataFrame,
    replications: pd.DataFrame,
    labels: Sequence[str],
    kpis: Sequence[str] = SPREAD_KPIS,
) -> Figure:
    """One panel a KPI: a row per scenario (per other scenario, for a comparison), each
    setting's value as a dot, the combined 95% interval as a wide pale bar and the
    chance-only one as a narrow dark bar, the mean as a tick. Raises ValueError when none of
    ``kpis`` is in the tables."""
    shown = [k for k in kpis if k in set(comparison["kpi"])]
    if not shown:
        raise ValueError("none of the KPIs to draw is in ensemble_comparison.csv")
    diff = len(labels) > 1
    rows = list(labels[1:]) if diff else list(labels)
    values = setting_values(replications[replications["kpi"].isin(shown)], labels)
    fig = new_figure(8.5, 0.9 + len(shown) * (0.5 + 0.38 * len(rows)))
    axes = fig.subplots(len(shown), 1, squeeze=False)[:, 0]
    for ax, kpi in zip(axes, shown, strict=True):
        table = comparison[comparison["kpi"] == kpi].set_index("scenario")
        prefix = "diff_" if diff else ""
        for y, label in enumerate(rows):
            if label not in table.index:
                continue
            r = table.loc[label]
            ax.plot(
                [r[f"{prefix}unc_low"], r[f"{prefix}unc_high"]],
                [y, y],
                color=colour(1),
                linewidth=9,
                alpha=0.45,
                solid_capstyle="butt",
                label="combined 95%" if y == 0 else None,
            )
            ax.plot(
                [r[f"{prefix}ci_low"], r[f"{prefix}ci_high"]],
                [y, y],
                color=colour(3),
                linewidth=2.5,
                label="chance only 95%" if y == 0 else None,
            )
            mean = r["diff"] if diff else r["mean"]
            ax.plot([mean], [y], "|", color=REFERENCE_LINE, markersize=14)
            dots = values[(values["kpi"] == kpi) & (values["scenario"] == label)]["value"]
            ax.plot(
                dots,
                [y + 0.25] * len(dots),
                "o",
                color=colour(0),
                markersize=4,
                alpha=0.8,
                label="one setting" if y == 0 else None,
            )
        if diff:
            ax.axvline(0, color=REFERENCE_LINE, linewidth=0.8)
        ax.set_yticks(range(len(rows)), rows, fontsize=8)
        ax.set_ylim(-0.6, len(rows) - 0.3)
        what = "difference from " + labels[0] if diff else "level"
        ax.set_title(f"{kpi_label(kpi)} ({kpi_unit(kpi)}), {what}", fontsize=9, loc="left")
        axis_format(ax, kpi, "x")
        tidy(ax, "x")
    fig.legend(
        *axes[0].get_legend_handles_labels(),
        frameon=False,
        fontsize=8,
        loc="outside upper center",
        ncols=3,
    )
    return fig
