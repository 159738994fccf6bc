"""The boxes and arrows of a pathway diagram, apart from how they are made
(:func:`pathsim.show.diagram.pathway_graph`) and drawn (:mod:`pathsim.show.diagram_draw`), so
both import them and neither imports the other's module for them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Node:
    """A box of the diagram: ``layer`` is its column, left to right."""

    id: str
    lines: tuple[str, ...]
    layer: int
    organisation: str | None = None


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""
    dashed: bool = False


@dataclass
class Graph:
    """Nodes and edges of a scenario's pathway; organisations by name with their labels."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    organisations: dict[str, str] = field(default_factory=dict)

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)
