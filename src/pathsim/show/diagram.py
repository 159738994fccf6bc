"""The pathway diagram of a scenario: its services (with capacity and owning
organisation) and the flows between them, as Mermaid text (for Markdown, GitHub, docs) and
as an image drawn with matplotlib (PNG or SVG, no system binary needed).

    sc = pathsim.load_scenario("scenarios/integrated.yaml")
    text = mermaid(sc)                  # Mermaid text to paste into a Markdown page
    save_diagram(sc, "pathway.svg")
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pathsim.scenario.integration import Integration, added_capacity, effective_frictions
from pathsim.scenario.models import Pathway, Scenario
from pathsim.show.diagram_graph import Edge, Graph, Node

if TYPE_CHECKING:  # matplotlib is imported only to draw, so the command line starts fast
    from matplotlib.figure import Figure

FORMATS = ("mermaid", "svg", "png")
PATHWAY_TEXT = {
    "P0": "P0 home",
    "P1": "P1 home with support",
    "P2": "P2 community bed",
    "P3": "P3 care home",
}


def _pct(x: float) -> str:
    return f"{x:.0%}" if x >= 0.01 or x == 0 else f"{x:.1%}"


def _weighted(sc: Scenario) -> tuple[float, dict[str, float]]:
    """The ambulance share of A&E attendances and the pathway mix of overnight admissions,
    averaged over segments weighted by their attendances and admissions."""
    att = sum(s.ed_attendances_per_year for s in sc.segments.values())
    amb = sum(s.ed_attendances_per_year * s.ambulance_share for s in sc.segments.values())
    mix: dict[str, float] = {}
    weight = 0.0
    for s in sc.segments.values():
        w = s.ed_attendances_per_year * s.admission_probability + s.direct_admissions_per_year
        w *= 1 - s.same_day_probability
        weight += w
        for pathway, share in s.discharge_pathway_share.items():
            mix[pathway.value] = mix.get(pathway.value, 0.0) + w * share
    mix = {p: v / weight for p, v in sorted(mix.items())} if weight else {}
    return (amb / att if att else 0.0), mix


def _frictions(sc: Scenario) -> list[str]:
    f = effective_frictions(sc.frictions, sc.integration)
    out = []
    if f.hospital_assessment_days is not None:
        out.append("assessment in hospital")
    if f.assessment_after_discharge:
        out.append("assessment at home (discharge to assess)")
    if f.referral_delay_days is not None:
        out.append("referral hand-off")
    if f.referral_bounce_probability > 0:
        out.append(f"{_pct(f.referral_bounce_probability)} referrals bounced")
    if f.repeat_assessment_days is not None:
        out.append("repeat assessment")
    if f.funding_panel_interval_days is not None:
        out.append("funding panel")
    if f.social_care_packages_per_week is not None:
        out.append(f"budget {f.social_care_packages_per_week:g} packages/week")
    return out


def pathway_graph(sc: Scenario) -> Graph:
    """The services and flows of ``sc``: arrival routes, the joint emergency team and
    proactive care when on, A&E, acute beds, the virtual ward when on, the discharge
    pathways with their shares, each onward service, and the readmission loop."""
    g = Graph(organisations={k: o.label for k, o in sc.organisations.items()})
    amb, mix = _weighted(sc)
    _front_door(g, sc, amb)
    _proactive_care(g, sc.integration)
    _joint_emergency_team(g, sc.integration)
    _virtual_ward(g, sc.integration)
    _mental_health_liaison(g, sc)
    _discharge_pathways(g, sc, mix)
    _onward_services(g, sc)
    _ways_out(g, sc)
    return g


def _front_door(g: Graph, sc: Scenario, amb: float) -> None:
    """Arrival routes, A&E, the acute beds and home, with the flows between them."""
    add, edge = g.nodes.append, g.edges.append
    add(Node("ambulance", ("Ambulance", f"{_pct(amb)} of A&E arrivals"), 0))
    add(Node("walk_in", ("Self-presenting at A&E", f"{_pct(1 - amb)} of A&E arrivals"), 0))
    add(Node("gp_111", ("GP / NHS 111", "direct admission"), 0))
    ed = sc.ed
    add(
        Node(
            "ed",
            (
                "A&E",
                f"{ed.cubicles} cubicles",
                f"{ed.escalation_spaces} escalation spaces",
                "admitted patients wait here for a bed",
            ),
            2,
            ed.organisation,
        )
    )
    ward = sc.acute_ward
    add(Node("acute_ward", ("Acute beds", f"{ward.beds:,} beds"), 3, ward.organisation))
    edge(Edge("ambulance", "ed"))
    edge(Edge("walk_in", "ed"))
    edge(Edge("gp_111", "acute_ward", "direct admission"))
    edge(Edge("ed", "acute_ward", "admitted"))
    add(Node("home", ("Home",), 4))
    edge(Edge("ed", "home", "discharged"))


def _proactive_care(g: Graph, lv: Integration) -> None:
    """Case management of a segment, when the lever is on: fewer crises."""
    if not lv.proactive_care.enabled:
        return
    pc = lv.proactive_care
    g.nodes.append(
        Node(
            "proactive",
            (
                "Proactive care",
                f"case management: {pc.segment}",
                f"crises -{_pct(pc.crisis_reduction)}",
            ),
            1,
            pc.organisation,
        )
    )
    g.edges.append(Edge("proactive", "walk_in", "fewer crises", dashed=True))


def _joint_emergency_team(g: Graph, lv: Integration) -> None:
    """The single point of referral, when on: suitable crises managed at home or sent in."""
    if not lv.single_point_of_referral.enabled:
        return
    j = lv.single_point_of_referral
    g.nodes.append(
        Node(
            "jet",
            (
                "Joint emergency team",
                f"{j.teams} cases at once",
                f"{j.open_hour:g}:00-{j.close_hour:g}:00",
            ),
            1,
            j.organisation,
        )
    )
    edge = g.edges.append
    edge(Edge("ambulance", "jet", "suitable crisis", dashed=True))
    edge(Edge("gp_111", "jet", "suitable crisis", dashed=True))
    edge(Edge("jet", "home", "managed at home", dashed=True))
    edge(Edge("jet", "ed", "sent in", dashed=True))


def _virtual_ward(g: Graph, lv: Integration) -> None:
    """The virtual ward, when on: step up from A&E, step down from the ward, escalation."""
    if not lv.virtual_wards.enabled:
        return
    v = lv.virtual_wards
    g.nodes.append(Node("virtual_ward", ("Virtual ward", f"{v.slots} slots"), 3, v.organisation))
    edge = g.edges.append
    edge(Edge("ed", "virtual_ward", "step up", dashed=True))
    edge(Edge("acute_ward", "virtual_ward", "step down", dashed=True))
    edge(
        Edge(
            "virtual_ward",
            "acute_ward",
            f"escalation {_pct(v.escalation_probability)}",
            dashed=True,
        )
    )
    edge(Edge("virtual_ward", "home", dashed=True))


def _mental_health_liaison(g: Graph, sc: Scenario) -> None:
    """Mental health liaison, when a segment has patients who need it."""
    mh = sc.mental_health
    if not (mh.organisation and any(s.mental_health_share > 0 for s in sc.segments.values())):
        return
    text = "integrated" if sc.integration.integrated_mental_health.enabled else "by referral"
    g.nodes.append(Node("mh_liaison", ("Mental health liaison", text), 2, mh.organisation))
    g.edges.append(Edge("mh_liaison", "ed", "assessment", dashed=True))
    g.edges.append(Edge("mh_liaison", "acute_ward", "assessment", dashed=True))


def _discharge_pathways(g: Graph, sc: Scenario, mix: dict[str, float]) -> None:
    """Medically fit (with the frictions on the way out), the pathways P0-P3 with their
    shares, and the onward services each pathway routes to."""
    add, edge = g.nodes.append, g.edges.append
    frictions = _frictions(sc)
    fit_lines = (
        "Medically fit (ward round)",
        *(["then: " + ", ".join(frictions)] if frictions else []),
    )
    add(Node("fit", fit_lines, 4))
    edge(Edge("acute_ward", "fit"))
    for pathway, share in mix.items():
        if share <= 0:
            continue
        if pathway == Pathway.P0.value:
            edge(Edge("fit", "home", f"{PATHWAY_TEXT[pathway]} {_pct(share)}"))
            continue
        add(Node(pathway, (PATHWAY_TEXT[pathway], f"{_pct(share)} of discharges"), 5))
        edge(Edge("fit", pathway))
        for service, route in sc.discharge_pathway_services.get(Pathway(pathway), {}).items():
            edge(Edge(pathway, service, _pct(route)))


def _onward_services(g: Graph, sc: Scenario) -> None:
    """Each onward service with its places (and those a lever adds), community referrals
    into it and referrals on to another service."""
    add, edge = g.nodes.append, g.edges.append
    extra = added_capacity(sc.integration)
    community = [n for n, s in sc.onward_services.items() if s.community_referrals_per_week > 0]
    if community:
        add(Node("community", ("Community referrals",), 5))
    for name, svc in sc.onward_services.items():
        places = f"{svc.capacity:,} places" + (f" + {extra[name]:,}" if name in extra else "")
        add(Node(name, (svc.label or name, places), 6, svc.organisation))
        if name in community:
            edge(Edge("community", name, f"{svc.community_referrals_per_week:g}/week", dashed=True))
        for other, p in svc.then_referred_to.items():
            edge(Edge(name, other, f"{_pct(p)} referred on"))


def _ways_out(g: Graph, sc: Scenario) -> None:
    """Deterioration while waiting, the joint emergency team's packages, leaving the system
    and readmission."""
    edge = g.edges.append
    if sc.deterioration.daily_chance > 0 and sc.deterioration.to_service:
        edge(Edge("fit", sc.deterioration.to_service, "deterioration while waiting", dashed=True))
    lv = sc.integration
    if lv.single_point_of_referral.enabled:
        for name in lv.single_point_of_referral.home_package_share:
            edge(Edge("jet", name, "package", dashed=True))
    if sc.onward_services:
        g.nodes.append(Node("leaves", ("Leaves the system",), 7))
        for name in sc.onward_services:
            edge(Edge(name, "leaves"))
    chances = [s.readmission_probability for s in sc.segments.values()]
    if max(chances, default=0.0) > 0:
        edge(
            Edge("home", "ed", f"readmission in 30 days (up to {_pct(max(chances))})", dashed=True)
        )


MERMAID_KEYWORDS = frozenset(
    {
        "end",
        "subgraph",
        "graph",
        "flowchart",
        "style",
        "class",
        "classDef",
        "click",
        "linkStyle",
        "direction",
        "default",
    }
)


def _mermaid_id(node_id: str) -> str:
    """A node id Mermaid accepts: a keyword (a service called ``end``) gets a suffix."""
    return f"{node_id}_" if node_id in MERMAID_KEYWORDS else node_id


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def mermaid(sc: Scenario) -> str:
    """The pathway as a Mermaid flowchart, services grouped by owning organisation."""
    g = pathway_graph(sc)
    out = ["flowchart LR", f"  %% {sc.name}"]
    by_org: dict[str | None, list[Node]] = {}
    for n in g.nodes:
        by_org.setdefault(n.organisation, []).append(n)

    def box(n: Node) -> str:
        return f'{_mermaid_id(n.id)}["{_mermaid_text("<br/>".join(n.lines))}"]'

    for n in by_org.get(None, []):
        out.append(f"  {box(n)}")
    for org, nodes in by_org.items():
        if org is None:
            continue
        out.append(f'  subgraph org_{org}["{_mermaid_text(g.organisations.get(org, org))}"]')
        out += [f"    {box(n)}" for n in nodes]
        out.append("  end")
    for e in g.edges:
        arrow = "-.->" if e.dashed else "-->"
        label = f'|"{_mermaid_text(e.label)}"|' if e.label else ""
        out.append(f"  {_mermaid_id(e.source)} {arrow}{label} {_mermaid_id(e.target)}")
    return "\n".join(out) + "\n"


def draw_diagram(sc: Scenario) -> Figure:
    """The pathway drawn with matplotlib (see :mod:`pathsim.show.diagram_draw`)."""
    from pathsim.show.diagram_draw import draw

    return draw(pathway_graph(sc), sc.name)


def save_diagram(sc: Scenario, out: str | Path, fmt: str | None = None) -> Path:
    """Writes the diagram to ``out`` as Mermaid text, SVG or PNG (``fmt``, else from the
    file's suffix: .mmd or .md for Mermaid), atomically. Returns the path."""
    from pathsim.atomic import write_bytes

    target = Path(out)
    fmt = fmt or {".svg": "svg", ".png": "png"}.get(target.suffix.lower(), "mermaid")
    if fmt not in FORMATS:
        raise ValueError(f"unknown diagram format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "mermaid":
        data = mermaid(sc).encode("utf-8")
    else:
        from pathsim.show.diagram_draw import figure_bytes

        data = figure_bytes(draw_diagram(sc), fmt)
    write_bytes(target, data)
    return target
