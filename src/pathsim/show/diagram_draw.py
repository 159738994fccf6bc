"""Drawing a pathway graph with matplotlib: nodes in columns left to right, boxes
coloured by owning organisation, arrows clipped at the boxes, dashed for flows that a
lever or a chance creates. Pure Python (no graphviz or mermaid-cli needed)."""

from __future__ import annotations

import io
import textwrap

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.text import Text

from pathsim.show.diagram_graph import Edge, Graph
from pathsim.show.style import colour, new_figure

COLUMN_WIDTH = 3.2
ROW_HEIGHT = 1.0
NEUTRAL = "#EEEEEE"
TOP = "home"
ORG_COLOURS = (0, 1, 5, 2, 4, 3, 6)
"""Palette positions for organisations, the most distinct tints first (orange, sky blue,
reddish purple, green, vermillion, blue, yellow)."""


def _layout(g: Graph) -> dict[str, tuple[float, float]]:
    """Node centres: x by layer, nodes of a layer spread evenly, top to bottom, centred."""
    layers: dict[int, list[str]] = {}
    for n in g.nodes:
        if n.id != TOP:
            layers.setdefault(n.layer, []).append(n.id)
    tallest = max(len(ids) for ids in layers.values())
    pos = {}
    for n in g.nodes:
        if n.id == TOP:  # above every column, so that flows home arc over the others
            pos[TOP] = (n.layer * COLUMN_WIDTH, (tallest + 1) * ROW_HEIGHT / 2 + ROW_HEIGHT)
    for layer, ids in layers.items():
        top = (tallest - 1) * ROW_HEIGHT / 2 + (len(ids) - 1) * ROW_HEIGHT / 2
        for i, node_id in enumerate(ids):
            pos[node_id] = (layer * COLUMN_WIDTH, top - i * ROW_HEIGHT)
    return pos


def draw(g: Graph, title: str) -> Figure:
    """The graph as a figure titled ``title``, with a legend of organisations."""
    pos = _layout(g)
    layers = {n.layer for n in g.nodes}
    rows = max(sum(1 for n in g.nodes if n.layer == layer) for layer in layers) + 2
    fig = new_figure(1.9 * (max(layers) + 1) + 1, 0.95 * rows + 1.6)
    ax = fig.subplots()
    orgs = list(g.organisations)
    fills = {org: colour(ORG_COLOURS[i % len(ORG_COLOURS)]) for i, org in enumerate(orgs)}
    boxes = _boxes(ax, g, pos, fills)
    for e in g.edges:
        if e.source in pos and e.target in pos:
            _arrow(ax, e, pos, boxes)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - COLUMN_WIDTH / 2, max(xs) + COLUMN_WIDTH / 2)
    ax.set_ylim(min(ys) - 0.6 * ROW_HEIGHT, max(ys) + 0.5 * ROW_HEIGHT)
    ax.axis("off")
    _legend(ax, g, fills)
    ax.set_title(
        f"Pathway: {title}\nsolid: every patient's route; dashed: lever, chance or community flow",
        fontsize=10,
    )
    return fig


def _boxes(
    ax: Axes, g: Graph, pos: dict[str, tuple[float, float]], fills: dict[str, str]
) -> dict[str, Text]:
    """A box per node at its place, tinted by its organisation; by node id."""
    boxes: dict[str, Text] = {}
    for n in g.nodes:
        x, y = pos[n.id]
        fill = fills.get(n.organisation or "", NEUTRAL)
        boxes[n.id] = ax.text(
            x,
            y,
            "\n".join(line for text in n.lines for line in textwrap.wrap(text, 28)),
            ha="center",
            va="center",
            fontsize=7.5,
            zorder=3,
            bbox={
                "boxstyle": "round,pad=0.4",
                "facecolor": fill,
                "alpha": 0.35 if n.organisation else 1.0,
                "edgecolor": "#333333",
            },
        )
    return boxes


def _arrow(ax: Axes, e: Edge, pos: dict[str, tuple[float, float]], boxes: dict[str, Text]) -> None:
    """The arrow of ``e`` between the boxes (arcing when it goes back left), with its label."""
    (x0, y0), (x1, y1) = pos[e.source], pos[e.target]
    backwards = x1 <= x0
    ax.annotate(
        "",
        xy=(x1, y1),
        xytext=(x0, y0),
        zorder=2,
        arrowprops={
            "arrowstyle": "-|>",
            "color": "#333333",
            "linewidth": 0.9,
            "linestyle": "--" if e.dashed else "-",
            "connectionstyle": f"arc3,rad={0.35 if backwards else 0.08}",
            "patchA": boxes[e.source].get_bbox_patch(),
            "patchB": boxes[e.target].get_bbox_patch(),
            "shrinkA": 2,
            "shrinkB": 2,
        },
    )
    if not e.label:
        return
    lift = 0.35 * abs(x1 - x0) / COLUMN_WIDTH if backwards else 0.0
    share = 0.6 if abs(x1 - x0) > COLUMN_WIDTH and not backwards else 0.5
    ax.text(
        x0 + share * (x1 - x0),
        y0 + share * (y1 - y0) + lift,
        e.label,
        ha="center",
        va="center",
        fontsize=6.5,
        zorder=4,
        color="#222222",
        bbox={
            "boxstyle": "round,pad=0.15",
            "facecolor": "white",
            "edgecolor": "none",
            "alpha": 0.85,
        },
    )


def _legend(ax: Axes, g: Graph, fills: dict[str, str]) -> None:
    """The organisations' tints, and the neutral one of boxes outside the services."""
    handles = [
        Patch(facecolor=fills[o], alpha=0.35, edgecolor="#333333", label=g.organisations[o])
        for o in g.organisations
    ]
    handles.append(Patch(facecolor=NEUTRAL, edgecolor="#333333", label="outside the services"))
    ax.legend(
        handles=handles,
        loc="lower left",
        fontsize=7,
        title="owning organisation",
        title_fontsize=7.5,
        frameon=False,
        ncols=min(5, len(handles)),
        bbox_to_anchor=(0, -0.02),
    )


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    """The figure as PNG or SVG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=150 if fmt == "png" else 100)
    return buffer.getvalue()
