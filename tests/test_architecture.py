"""The shape of the code, checked: which package may import which, what stays private to one
module, and how complex a function may grow.

Every check reads the source with :mod:`ast` (imports inside functions and under
``TYPE_CHECKING`` count, as they are still dependencies), so none of it imports the code it
checks. Each failure message names the module and line to fix.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from builders import shipped_scenarios

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PACKAGE = SRC / "pathsim"

MAX_COMPLEXITY = 20
"""The ceiling on a function's cyclomatic complexity (ruff's C901, as in pyproject)."""

SERVICE_NAMES = frozenset(
    {
        "ed",
        "ward",
        "acute_ward",
        "jet",
        "virtual_ward",
        "liaison",
        "reablement",
        "home_care",
        "short_term_support",
        "community_beds",
        "care_homes",
        "care_home",
        "community_bed",
    }
)
"""Names of services that the experiment layer must not know: it runs any scenario."""


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. pathsim.scenario.models
    path: Path
    tree: ast.Module

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"

    def where(self, node: ast.AST) -> str:
        return f"{self.path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"


@cache
def modules() -> dict[str, Module]:
    """Every module of src/pathsim by dotted name, parsed."""
    found: dict[str, Module] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        found[name] = Module(name, path, ast.parse(path.read_text(), filename=str(path)))
    return found


def _modules_under(folder: str) -> list[Module]:
    base = PACKAGE / folder
    return [m for m in modules().values() if m.path.is_relative_to(base)]


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    """The absolute name of the module ``from ... import`` reads from (relative ones resolved
    against the importing module's package)."""
    if node.level == 0:
        return node.module or ""
    package = module.name.split(".")
    if not module.is_package:
        package.pop()
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imported_names(module: Module) -> Iterator[tuple[str, ast.AST]]:
    """Every name that ``module`` may import, anywhere in it: ``import a.b`` gives ``a.b``;
    ``from a import b`` gives both ``a`` and ``a.b`` (``b`` may be a module or a name)."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            yield source, node
            for alias in node.names:
                if alias.name != "*":
                    yield f"{source}.{alias.name}", node


def import_graph() -> dict[str, set[str]]:
    """For each module of src/pathsim, the modules of src/pathsim it imports: for ``from a
    import b`` the module ``a.b`` when there is one, else ``a``."""
    known = modules()
    graph: dict[str, set[str]] = {name: set() for name in known}
    for module in known.values():
        for node in ast.walk(module.tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                source = _absolute(module, node)
                for alias in node.names:
                    submodule = f"{source}.{alias.name}"
                    targets.append(submodule if submodule in known else source)
            graph[module.name].update(t for t in targets if t in known and t != module.name)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative), each sorted, in a stable order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return sorted(components)


def a_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One shortest circle through the first module of ``component``, as a path that ends
    where it starts."""
    members = set(component)
    start = component[0]
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for child in sorted(graph[node] & members):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"{component} is not a circle")  # pragma: no cover


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert [c for c in strongly_connected(graph) if len(c) > 1] == [["a", "b", "c"]]
    assert a_cycle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_no_import_circle_among_the_modules() -> None:
    graph = import_graph()
    circles = [c for c in strongly_connected(graph) if len(c) > 1]
    described = [
        f"{' -> '.join(a_cycle(graph, c))}  (the circle's modules: {', '.join(c)})" for c in circles
    ]
    assert not circles, "import circles in src/pathsim:\n" + "\n".join(described)


def _is_cli(name: str) -> bool:
    """The command-line layer: the package pathsim.cli and the modules pathsim.cli_*."""
    return name == "pathsim.cli" or name.startswith(("pathsim.cli.", "pathsim.cli_"))


def _by_place(line: str) -> tuple[str, int, str]:
    """Sorts 'path:line: message' by path, then line number."""
    path, number, rest = line.split(":", 2)
    return path, int(number), rest


def _imports_matching(folder: str, match: Callable[[str], bool]) -> list[str]:
    """Each import statement under src/pathsim/``folder`` that imports a name ``match``
    accepts, with the shortest such name."""
    found: dict[tuple[str, int], tuple[Module, str]] = {}
    for module in _modules_under(folder):
        for name, node in imported_names(module):
            key = (module.where(node), id(node))
            if match(name) and (key not in found or len(name) < len(found[key][1])):
                found[key] = (module, name)
    lines = [
        f"{where}: {module.name} imports {name}" for (where, _), (module, name) in found.items()
    ]
    return sorted(lines, key=_by_place)


def test_show_does_not_import_the_command_line() -> None:
    found = _imports_matching("show", _is_cli)
    assert not found, "pathsim.show must not depend on the command line:\n" + "\n".join(found)


def _is_storage(name: str) -> bool:
    return name in ("pyarrow", "pathsim.atomic") or name.startswith(("pyarrow.", "pathsim.atomic."))


def test_model_does_not_import_pyarrow_or_atomic_files() -> None:
    found = _imports_matching("model", _is_storage)
    assert not found, (
        "pathsim.model must not depend on file storage (pyarrow, pathsim.atomic):\n"
        + "\n".join(found)
    )


@cache
def service_names() -> frozenset[str]:
    """The listed service names and every onward service of the shipped scenarios."""
    from pathsim.scenario import load_scenario

    shipped = {name for path in shipped_scenarios() for name in load_scenario(path).onward_services}
    return SERVICE_NAMES | shipped


def _services_in(text: str) -> list[str]:
    """The service names that ``text`` contains as whole ``_``/``.``-separated tokens."""
    tokens = re.split(r"[_.]", text)
    return [
        service
        for service in sorted(service_names())
        if any(
            tokens[i : i + len(wanted)] == wanted
            for wanted in [service.split("_")]
            for i in range(len(tokens) - len(wanted) + 1)
        )
    ]


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the constant nodes that are docstrings (module, class, function)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
        ):
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                found.add(id(first.value))
    return found


def _identifiers(node: ast.AST) -> list[str]:
    """The identifiers that ``node`` itself introduces or uses."""
    match node:
        case ast.Name(id=name) | ast.Attribute(attr=name) | ast.arg(arg=name):
            return [name]
        case ast.FunctionDef(name=name) | ast.AsyncFunctionDef(name=name) | ast.ClassDef(name=name):
            return [name]
        case ast.keyword(arg=str(name)):
            return [name]
        case ast.alias(name=name, asname=asname):
            return [name, *([asname] if asname else [])]
        case ast.ImportFrom(module=str(name)):
            return [name]
        case ast.Global(names=names) | ast.Nonlocal(names=names):
            return list(names)
        case ast.ExceptHandler(name=str(name)):
            return [name]
        case ast.MatchAs(name=str(name)) | ast.MatchStar(name=str(name)):
            return [name]
    return []


def test_experiment_names_no_service() -> None:
    found: list[str] = []
    for module in _modules_under("experiment"):
        docstrings = _docstrings(module.tree)
        for node in ast.walk(module.tree):
            texts = [(f"identifier {i!r}", i) for i in _identifiers(node)]
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
            ):
                texts.append((f"string {node.value!r}", node.value))
            for what, text in texts:
                found += [
                    f"{module.where(node)}: {what} names the service {service!r}"
                    for service in _services_in(text)
                ]
    found.sort(key=_by_place)
    assert not found, (
        "pathsim.experiment runs any scenario and must name no service:\n" + "\n".join(found)
    )


def test_simpy_private_clock_is_read_only_in_the_clock_module() -> None:
    allowed = PACKAGE / "model" / "clock.py"
    found = []
    for module in modules().values():
        if module.path == allowed:
            continue
        for node in ast.walk(module.tree):
            named = isinstance(node, ast.Attribute) and node.attr == "_now"
            by_string = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value == "_now"
            )
            if named or by_string:
                found.append(f"{module.where(node)}: {module.name} touches SimPy's _now")
    found.sort(key=_by_place)
    assert not found, (
        "SimPy's private clock (_now) belongs to pathsim.model.clock alone:\n" + "\n".join(found)
    )


def test_no_function_above_the_complexity_ceiling() -> None:
    """ruff's C901 (mccabe), the same rule and count as the lint step, with the ceiling given
    here so that this test does not depend on the lint configuration."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--isolated",
            "--target-version",
            "py311",
            "--select",
            "C901",
            "--config",
            f"lint.mccabe.max-complexity = {MAX_COMPLEXITY}",
            "--output-format",
            "concise",
            str(PACKAGE.relative_to(ROOT)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1):
        pytest.fail(f"ruff did not run: {done.stderr}")
    findings = [line for line in done.stdout.splitlines() if "C901" in line]
    assert not findings, (
        f"functions above cyclomatic complexity {MAX_COMPLEXITY}; split them:\n"
        + "\n".join(findings)
    )
    assert done.returncode == 0, done.stdout + done.stderr


def shadowed_names(folder: Path, imported: set[str]) -> list[str]:
    """The modules in ``folder`` named as a top-level module the code imports: when a file
    of that folder is run as a script (``streamlit run app.py``), the folder comes first on
    ``sys.path`` and its module is imported in place of the library."""
    return sorted(p.stem for p in folder.glob("*.py") if p.stem in imported)


def top_level_imports() -> set[str]:
    """Every top-level module imported anywhere in the package, other than pathsim itself."""
    names: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - {"pathsim"}


def test_the_shadow_finder_finds_a_shadow(tmp_path: Path) -> None:
    (tmp_path / "vidigi.py").write_text("", encoding="utf-8")
    (tmp_path / "plots.py").write_text("", encoding="utf-8")
    assert shadowed_names(tmp_path, {"vidigi", "numpy"}) == ["vidigi"]


def test_no_module_beside_the_app_shadows_a_library_it_imports() -> None:
    # The live app runs show/app.py as a script, so show/ is first on sys.path there: a
    # show/vidigi.py once made `import vidigi.animation` fail inside the app only.
    imported = top_level_imports() | set(sys.stdlib_module_names)
    assert shadowed_names(PACKAGE / "show", imported) == [], (
        "rename these modules of pathsim/show: they hide the library of the same name "
        "when the app runs"
    )
