"""How the command line and the presentation layer are put together (issue 19): pathsim.show
never imports the command-line package (not even inside a function), and neither package
has an import cycle. Imports are read from the source with ``ast``, those inside functions
and under TYPE_CHECKING included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute, with each imported name as a possible
    submodule (``from pathsim.cli import common`` names ``pathsim.cli.common``)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            found |= {base, *(f"{base}.{a.name}" for a in node.names)}
    return found


def _graph(packages: tuple[str, ...]) -> dict[str, set[str]]:
    modules = {
        _module_name(p): p for pkg in packages for p in (SRC / Path(*pkg.split("."))).rglob("*.py")
    }
    return {m: {t for t in _imports(p) if t in modules and t != m} for m, p in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_show_never_imports_the_command_line() -> None:
    offending = {
        _module_name(p): sorted(
            t for t in _imports(p) if t == "pathsim.cli" or t.startswith("pathsim.cli.")
        )
        for p in (SRC / "pathsim" / "show").rglob("*.py")
    }
    assert {m: t for m, t in offending.items() if t} == {}


@pytest.mark.parametrize("package", ["pathsim.cli", "pathsim.show"])
def test_no_import_cycle(package: str) -> None:
    assert _cycles(_graph((package,))) == []


def test_no_import_cycle_between_the_command_line_and_show() -> None:
    assert _cycles(_graph(("pathsim.cli", "pathsim.show"))) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
