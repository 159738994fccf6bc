"""The pathway diagram: Mermaid text naming every service with its capacity and owning
organisation, flows that exist only when their lever is on, pathway shares that add up,
images that decode, and the diagram command's exit codes."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.image
import pytest
from click.testing import CliRunner

from builders import scenario, shipped_scenarios
from pathsim.cli import main
from pathsim.cli.report import diagram
from pathsim.scenario import Scenario, load_scenario, with_overrides
from pathsim.show.diagram import mermaid, pathway_graph, save_diagram

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = shipped_scenarios()
BAD = ROOT / "tests" / "bad_scenarios" / "beds_negative.yaml"


def nodes_and_edges(text: str) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """Node ids with their text, and (source, target, label) edges, of Mermaid text."""
    nodes = dict(re.findall(r"^\s*(\w+)\[\"(.*?)\"\]\s*$", text, flags=re.M))
    edges = re.findall(r"^\s*(\w+) -\.?->?(?:\|\"(.*?)\"\|)? (\w+)\s*$", text, flags=re.M)
    return nodes, [(s, t, label) for s, label, t in edges]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_mermaid_names_every_service_with_its_capacity(path: Path) -> None:
    sc = load_scenario(path)
    text = mermaid(sc)
    nodes, edges = nodes_and_edges(text)
    assert text.startswith("flowchart LR")
    for name, svc in sc.onward_services.items():
        assert name in nodes, name
        assert (svc.label or name) in nodes[name]
        assert f"{svc.capacity:,} places" in nodes[name]
    assert f"{sc.ed.cubicles} cubicles" in nodes["ed"]
    assert f"{sc.ed.escalation_spaces} escalation spaces" in nodes["ed"]
    assert f"{sc.acute_ward.beds:,} beds" in nodes["acute_ward"]
    # Each service sits in its owning organisation's subgraph.
    for org, label in ((o, sc.organisations[o].label) for o in sc.organisations):
        block = re.search(rf'subgraph org_{org}\["{re.escape(label)}"\](.*?)\n  end', text, re.S)
        members = re.findall(r"^\s{4}(\w+)\[", block.group(1), re.M) if block else []
        for name, svc in sc.onward_services.items():
            assert (name in members) == (svc.organisation == org), (name, org)
    # Every edge joins two declared nodes.
    for source, target, _ in edges:
        assert source in nodes and target in nodes, (source, target)
    lv = sc.integration
    assert ("jet" in nodes) == lv.single_point_of_referral.enabled
    assert ("virtual_ward" in nodes) == lv.virtual_wards.enabled
    if lv.virtual_wards.enabled:
        assert f"{lv.virtual_wards.slots} slots" in nodes["virtual_ward"]
    assert ("home", "ed") in [(s, t) for s, t, _ in edges], "the readmission loop"


def test_pathway_shares_add_up_and_lead_to_their_services() -> None:
    sc = load_scenario(ROOT / "scenarios" / "fragmented.yaml")
    nodes, edges = nodes_and_edges(mermaid(sc))
    shares = [
        float(m) for m in re.findall(r"(\d+(?:\.\d+)?)% of discharges", " ".join(nodes.values()))
    ]
    p0 = next(label for s, t, label in edges if s == "fit" and t == "home")
    shares.append(float(re.search(r"(\d+(?:\.\d+)?)%", p0).group(1)))  # type: ignore[union-attr]
    # Each share is rounded to a whole percent (0.1% below 1%): four roundings of at most 0.5.
    assert abs(sum(shares) - 100) <= 2.0
    routes = {(s, t): label for s, t, label in edges if s in ("P1", "P2", "P3")}
    for pathway, services in sc.discharge_pathway_services.items():
        for svc, share in services.items():
            assert routes[(pathway.value, svc)] == f"{share:.0%}"


def test_levers_change_the_drawing_not_the_services() -> None:
    base = load_scenario(ROOT / "scenarios" / "fragmented.yaml")
    on = with_overrides(base, {"integration.virtual_wards.enabled": True})
    before, after = pathway_graph(base), pathway_graph(on)
    added = {n.id for n in after.nodes} - {n.id for n in before.nodes}
    assert added == {"virtual_ward"}
    assert any(e.label == "step down" and e.dashed for e in after.edges)


def test_a_minimal_scenario() -> None:
    sc: Scenario = scenario()
    nodes, _ = nodes_and_edges(mermaid(sc))
    assert "100 beds" in nodes["acute_ward"] and "10 cubicles" in nodes["ed"]
    assert not any(n.startswith("P") and n[1:].isdigit() for n in nodes)


@pytest.mark.parametrize("suffix", ["png", "svg", "mmd"])
def test_images_decode(tmp_path: Path, suffix: str) -> None:
    sc = load_scenario(ROOT / "scenarios" / "integrated.yaml")
    path = save_diagram(sc, tmp_path / f"pathway.{suffix}")
    data = path.read_bytes()
    if suffix == "png":
        h, w = matplotlib.image.imread(io.BytesIO(data), format="png").shape[:2]
        assert h > 400 and w > 800
    elif suffix == "svg":
        root = ET.fromstring(data)
        assert root.tag.endswith("svg")
        text = data.decode()
        assert "Joint emergency team" in text and "Virtual ward" in text
    else:
        assert data.decode() == mermaid(sc)


@pytest.mark.slow
def test_diagram_command(tmp_path: Path) -> None:
    runner = CliRunner()
    path = str(ROOT / "scenarios" / "integrated.yaml")
    printed = runner.invoke(diagram, [path])
    assert printed.exit_code == 0 and printed.output == mermaid(load_scenario(path))
    for fmt in ("svg", "png"):
        out = tmp_path / f"d.{fmt}"
        done = runner.invoke(diagram, [path, "--out", str(out)])
        assert done.exit_code == 0, done.output
        assert out.stat().st_size > 10_000
    svg = runner.invoke(diagram, [path, "--format", "svg"])
    assert svg.exit_code == 0 and svg.output.lstrip().startswith("<?xml")
    explicit = tmp_path / "d.txt"
    assert (
        runner.invoke(diagram, [path, "--out", str(explicit), "--format", "mermaid"]).exit_code == 0
    )
    assert explicit.read_text().startswith("flowchart LR")


@pytest.mark.parametrize(
    "args",
    [
        [str(BAD)],
        [str(ROOT / "no_such_file.yaml")],
        [str(ROOT / "scenarios" / "fragmented.yaml"), "--format", "png"],
        [str(ROOT / "scenarios" / "fragmented.yaml"), "--out", "pathway.gif"],
        [str(ROOT / "scenarios" / "fragmented.yaml"), "--format", "jpeg"],
    ],
)
def test_diagram_command_bad_input_exits_2(args: list[str], tmp_path: Path) -> None:
    result = CliRunner().invoke(diagram, args)
    assert result.exit_code == 2, result.output
    assert "Error" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "pathway.gif").exists()


def test_bad_scenario_message_is_validates_message() -> None:
    runner = CliRunner()
    drawn = runner.invoke(diagram, [str(BAD)])
    validated = runner.invoke(main, ["validate", str(BAD)])
    assert drawn.exit_code == validated.exit_code == 2
    assert drawn.output == validated.output
    assert "beds_negative.yaml" in drawn.output and "acute_ward.beds" in drawn.output


def test_a_service_named_like_a_mermaid_keyword() -> None:
    sc = scenario(
        **{
            "onward_services": {
                "end": {
                    "kind": "other",
                    "organisation": "council",
                    "capacity": 7,
                    "length_of_stay_days": {"distribution": "exponential", "mean": 5.0},
                }
            }
        }
    )
    nodes, edges = nodes_and_edges(mermaid(sc))
    assert "7 places" in nodes["end_"] and "end" not in nodes
    assert ("end_", "leaves") in [(s, t) for s, t, _ in edges]
