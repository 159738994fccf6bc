"""Plots of sweeps (KPIs along a grid of parameter values) and of one-at-a-time
sensitivity (tornado charts)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from pathsim.numbers import format_number
from pathsim.show.data import Source, frame
from pathsim.show.plots_kpi import DEFAULT_KPIS
from pathsim.show.style import (
    REFERENCE_LINE,
    axis_format,
    colour,
    kpi_label,
    kpi_unit,
    new_figure,
    tidy,
)

SWEEP_STATS = ("kpi", "mean", "ci_low", "ci_high", "n", "diff", "diff_ci_low", "diff_ci_high")


def sweep_fields(table: pd.DataFrame) -> list[str]:
    """The varied fields of a sweep table: its columns other than ``point`` and the
    statistics, in order."""
    return [c for c in table.columns if c != "point" and c not in SWEEP_STATS]


def _pick(available: list[str], kpis: Sequence[str] | None, limit: int) -> list[str]:
    if kpis:
        missing = [k for k in kpis if k not in available]
        if missing:
            raise ValueError(f"no KPI called {missing[0]!r} in the table")
        return list(kpis)
    return [k for k in DEFAULT_KPIS if k in available][:limit] or available[:limit]


def _positions(values: pd.Series, everything: pd.Series) -> np.ndarray:
    """x positions: the values themselves when numeric, else their order of appearance
    (a sweep over a switch or a name)."""
    if pd.api.types.is_numeric_dtype(everything):
        return values.to_numpy(float)
    order = {v: i for i, v in enumerate(dict.fromkeys(everything))}
    return np.array([order[v] for v in values], dtype=float)


def plot_sweep(source: Source, kpis: Sequence[str] | None = None) -> Figure:
    """One panel per KPI: its mean (line) and 95% confidence band at each grid point,
    against the first varied field; with a second field, one line per value of it."""
    table = frame(source, "sweep")
    fields = sweep_fields(table)
    if not fields:
        raise ValueError("the sweep table has no varied-field column")
    chosen = _pick(list(dict.fromkeys(table["kpi"])), kpis, 6)
    x_field, series_field = fields[0], (fields[1] if len(fields) > 1 else None)
    cols = min(3, len(chosen))
    rows = math.ceil(len(chosen) / cols)
    fig = new_figure(4.4 * cols, 3.2 * rows + 0.8)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    groups = list(dict.fromkeys(table[series_field])) if series_field else [None]
    for ax, kpi in zip(axes, chosen, strict=False):
        block = table[table["kpi"] == kpi]
        for i, value in enumerate(groups):
            part = block if value is None else block[block[series_field] == value]
            part = part.sort_values(x_field)
            x = _positions(part[x_field], table[x_field])
            ax.fill_between(
                x, part["ci_low"], part["ci_high"], color=colour(i), alpha=0.25, linewidth=0
            )
            label = None if value is None else f"{series_field} = {value}"
            ax.plot(x, part["mean"], marker="o", color=colour(i), label=label)
        ax.set_title(kpi_label(kpi), fontsize=10)
        ax.set_xlabel(x_field)
        if not pd.api.types.is_numeric_dtype(table[x_field]):
            values = list(dict.fromkeys(table[x_field]))
            ax.set_xticks(range(len(values)), [str(v) for v in values])
        ax.set_ylabel(kpi_unit(kpi))
        axis_format(ax, kpi)
        tidy(ax)
        if series_field:
            ax.legend(fontsize=7)
    for ax in axes[len(chosen) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"Sweep over {', '.join(fields)}\nline: mean; band: 95% confidence interval",
        fontsize=11,
    )
    return fig


def tornado_rows(table: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """One row per parameter: low and high means, values and intervals, and the swing
    (|high mean - low mean|), largest swing first."""
    block = table[table["kpi"] == kpi]
    if block.empty:
        raise ValueError(f"no KPI called {kpi!r} in the sensitivity table")
    wide = block.pivot_table(
        index="parameter",
        columns="setting",
        values=["value", "mean", "ci_low", "ci_high", "diff"],
        aggfunc="first",
        sort=False,
    )
    wide.columns = [f"{col[0]}_{col[1]}" for col in wide.columns]
    wide = wide.reset_index()
    for stat in ("value", "mean", "ci_low", "ci_high", "diff"):
        for setting in ("low", "high"):
            if f"{stat}_{setting}" not in wide:
                wide[f"{stat}_{setting}"] = np.nan
    wide["swing"] = (wide["mean_high"] - wide["mean_low"]).abs()
    wide["swing"] = wide["swing"].fillna(wide[["diff_low", "diff_high"]].abs().max(axis=1))
    return wide.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def plot_tornado(source: Source, kpi: str) -> Figure:
    """Tornado chart of one KPI: for each parameter, bars from the base scenario's mean to
    the mean at the parameter's low and high settings (95% intervals at the bar ends),
    largest swing on top."""
    table = frame(source, "sensitivity")
    rows = tornado_rows(table, kpi)
    base = float(table.loc[table["kpi"] == kpi, "base_mean"].iloc[0])
    fig = new_figure(9, 1.3 + 0.5 * len(rows))
    ax = fig.subplots()
    y = np.arange(len(rows))
    for setting in ("low", "high"):
        mean = rows[f"mean_{setting}"]
        err = np.vstack(
            [
                (mean - rows[f"ci_low_{setting}"]).clip(lower=0).fillna(0).to_numpy(float),
                (rows[f"ci_high_{setting}"] - mean).clip(lower=0).fillna(0).to_numpy(float),
            ]
        )
        ax.barh(
            y,
            (mean - base).fillna(0),
            left=base,
            height=0.6,
            color=colour(3 if setting == "low" else 0),
            label=f"{setting} setting",
            alpha=0.9,
        )
        ax.errorbar(mean, y, xerr=err, fmt="none", ecolor=REFERENCE_LINE, capsize=3, linewidth=1)
    ticks = [
        f"{r.parameter}\n({format_number(r.value_low)} / {format_number(r.value_high)})"
        for r in rows.itertuples()
    ]
    ax.set_yticks(y, ticks, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(base, color=REFERENCE_LINE, linewidth=1)
    ax.set_xlabel(f"{kpi_label(kpi)} ({kpi_unit(kpi)}); base mean {format_number(base)}")
    axis_format(ax, kpi, "x")
    ax.set_title(f"Sensitivity of {kpi_label(kpi)}: low and high setting of each parameter")
    ax.legend(fontsize=8, loc="lower right")
    tidy(ax, "x")
    return fig
