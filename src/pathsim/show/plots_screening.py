"""The plot of a Morris screening: the ranges ranked by mu*, tornado style."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from pathsim.atomic import atomic_path
from pathsim.experiment.global_sensitivity import Screening
from pathsim.show.style import colour, new_figure, tidy

SHOWN = 20


def screening_figure(result: Screening, shown: int = SHOWN) -> Figure:
    """Horizontal bars of mu* (with its bootstrap interval) and dots of sigma for the ``shown``
    ranges that matter most, the largest at the top."""
    return indices_figure(result.indices, result.output, shown)


def indices_figure(indices: pd.DataFrame, output: str, shown: int = SHOWN) -> Figure:
    """:func:`screening_figure` from the ranked table (``screening_<kpi>.csv``) and the name
    of the output it screens."""
    top = indices.head(shown).iloc[::-1]
    fig = new_figure(8.5, 0.32 * len(top) + 1.4)
    ax = fig.add_subplot()
    y = range(len(top))
    if "ST" in top.columns:  # Sobol' indices
        ax.barh(y, top["ST"], xerr=top["ST_conf"], color=colour(0), label="ST (total)")
        ax.plot(top["S1"], y, "o", color=colour(1), label="S1 (alone)")
        ax.set_xlabel(f"Share of the variance of {output}")
        title = "Which ranges matter most (Sobol' indices)"
    else:
        ax.barh(y, top["mu_star"], xerr=top["mu_star_conf"], color=colour(0), label="mu*")
        ax.plot(top["sigma"], y, "o", color=colour(1), label="sigma")
        ax.set_xlabel(f"Elementary effect on {output}")
        title = "Which ranges matter most (Morris screening)"
    ax.set_yticks(list(y), top["range"], fontsize=8)
    ax.set_title(title, fontsize=11, loc="left")
    ax.legend(frameon=False, loc="lower right", fontsize=8)
    tidy(ax, "x")
    return fig


def save_screening_plot(result: Screening, target: Path) -> None:
    """Writes the plot as PNG, atomically."""
    fig = screening_figure(result)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
