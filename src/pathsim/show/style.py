"""Shared look of pathsim's plots and tables: the Okabe-Ito colour-blind-safe palette,
KPI units, and the one rounding rule for numbers shown to people (the same as the
``pathsim`` command's tables)."""

from __future__ import annotations

import io
from typing import Literal

import matplotlib

matplotlib.use("Agg")  # never a window: plots are files and report images

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common form of
# colour blindness. Black is kept for reference lines, so series start with orange.
OKABE_ITO = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)
REFERENCE_LINE = "#000000"
GRID = "#DDDDDD"


def colour(i: int) -> str:
    """The i-th series colour (cycling through the palette)."""
    return OKABE_ITO[i % len(OKABE_ITO)]


def is_share(kpi: str) -> bool:
    """KPIs that are fractions between 0 and 1 (shown as percentages on plot axes)."""
    return any(
        word in kpi
        for word in ("performance", "occupancy", "share", "rate", "time_above", "unavailability")
    ) and not kpi.endswith(("_gbp", "_days", "_hours"))


def kpi_unit(kpi: str) -> str:
    """The unit of a KPI, from its name (pathsim names carry their units)."""
    if kpi.endswith("_gbp"):
        return "GBP"
    if is_share(kpi):
        return "%"
    if kpi.endswith("_hours") or "_hours_" in kpi:
        return "hours"
    if kpi.endswith("_days") or "_days_" in kpi or kpi.startswith("delayed_discharge_bed_days"):
        return "bed days" if "bed_days" in kpi else "days"
    if kpi.endswith("_per_episode"):
        return "per episode"
    if kpi.endswith("_per_100_beds"):
        return "per 100 beds"
    return "count"


def kpi_label(kpi: str) -> str:
    """A KPI name made readable for a title: underscores to spaces, units kept."""
    text = kpi.replace("_gbp", "").replace("_", " ")
    return text.replace(" 4h ", " 4-hour ").replace(" 12h ", " 12-hour ").strip()


def axis_format(ax: Axes, kpi: str, axis: str = "y") -> None:
    """Tick labels for a KPI's values: percentages for shares, GBP in thousands or millions,
    thousands separators otherwise."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    if is_share(kpi):
        target.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    elif kpi.endswith("_gbp"):
        target.set_major_formatter(FuncFormatter(lambda v, _pos: money(v)))
    else:
        target.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.6g}"))


def money(value: float) -> str:
    """GBP with a k or m suffix, e.g. 1.25m, -340k."""
    a = abs(value)
    if a >= 1e6:
        return f"{value / 1e6:,.3g}m"
    if a >= 1e3:
        return f"{value / 1e3:,.3g}k"
    return f"{value:,.0f}"


def new_figure(width: float, height: float) -> Figure:
    """A figure not attached to pyplot (no global state, nothing shown, garbage-collected)."""
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return fig


def tidy(ax: Axes, grid_axis: Literal["both", "x", "y"] = "y") -> None:
    """Light grid behind the data, no top or right spines."""
    ax.grid(True, axis=grid_axis, color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
