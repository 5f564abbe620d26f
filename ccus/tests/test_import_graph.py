"""The project's own modules import each other in one direction, never in a circle.

Read from the source with `ast` (nothing is imported): every import statement counts,
also one inside a function or under `if TYPE_CHECKING`, and `from package import name`
counts as importing the module `package.name` when that is a module, and the module
that defines `name` when the package only re-exports it (so `from outreach.models
import CallTask` is an import of the calls wing's models). Tests, migrations and the
bench are left out. The rules are those of ARCHITECTURE.md:

- no import cycle anywhere;
- ccus (the ground floor) imports no app; registrations imports neither renewals nor
  outreach; renewals does not import outreach;
- inside outreach the wings (calls, postcards, lists, reports) import the core, never
  the reverse; the scan asks the calls wing for first call tasks through one function;
- imports of the project's modules sit at the top of a module, not inside a function
  (AppConfig.ready in `apps.py` aside: Django's hook for what needs every app loaded).

Admin modules (`admin.py`, `admin_*.py`) are the composition layer, like views, and may
import any room; so may `outreach.models`, which gathers every room's models for Django,
and the management commands, which are entry points.
"""

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("ccus", "registrations", "renewals", "outreach")
WINGS = ("calls", "postcards", "lists", "reports")
LEFT_OUT = {"tests", "migrations", "__pycache__"}
# (importer, imported module) → the only names it may import across a boundary.
ALLOWED = {("outreach.scan", "outreach.calls.services"): {"call_tasks_create"}}


@dataclass
class Module:
    name: str
    path: Path
    is_package: bool
    tree: ast.Module


@dataclass
class Graph:
    modules: dict[str, Module]
    # importer → imported → names imported (empty for `import x`)
    edges: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    # importer → (line, imported) of imports inside a function
    nested: dict[str, list[tuple[int, str]]] = field(default_factory=dict)


def find_modules(root: Path, apps: Iterable[str]) -> dict[str, Module]:
    modules = {}
    for app in apps:
        for path in sorted((root / app).rglob("*.py")):
            relative = path.relative_to(root)
            if LEFT_OUT.intersection(relative.parts):
                continue
            parts = list(relative.with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            name = ".".join(parts)
            modules[name] = Module(name, path, is_package, ast.parse(path.read_text(encoding="utf-8")))
    return modules


def _owner(name: str, modules: dict) -> str | None:
    """The module a dotted name lives in: itself, or the closest enclosing module."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _base(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    parts = package.split(".")
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def _reexports(module: Module, modules: dict) -> dict[str, str]:
    """name → project module it comes from, for the names a package's __init__ imports."""
    found = {}
    if module.is_package:
        for node in module.tree.body:
            if isinstance(node, ast.ImportFrom):
                source = _owner(_base(module, node), modules)
                for alias in node.names:
                    if source:
                        found[alias.asname or alias.name] = source
    return found


def _targets(module: Module, node, modules: dict, reexports: dict) -> list[tuple[str, str]]:
    """(imported module, name) pairs of one import statement."""
    if isinstance(node, ast.Import):
        return [(owner, "") for alias in node.names if (owner := _owner(alias.name, modules))]
    base = _base(module, node)
    pairs = []
    for alias in node.names:
        whole = f"{base}.{alias.name}"
        if whole in modules:
            pairs.append((whole, ""))
            continue
        owner = _owner(base, modules)
        if owner:
            pairs.append((owner, alias.name))
            if source := reexports.get(owner, {}).get(alias.name):
                pairs.append((source, alias.name))
    return pairs


def build_graph(root: Path = ROOT, apps: Iterable[str] = APPS) -> Graph:
    modules = find_modules(root, apps)
    graph = Graph(modules)
    reexports = {name: _reexports(module, modules) for name, module in modules.items()}
    for name, module in modules.items():
        edges = graph.edges.setdefault(name, {})
        functions = [n for n in ast.walk(module.tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        inside = {id(n) for function in functions for n in ast.walk(function) if n is not function}
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target, imported in _targets(module, node, modules, reexports):
                if target == name or name.startswith(target + "."):
                    continue  # itself, or its own package
                edges.setdefault(target, set())
                if imported:
                    edges[target].add(imported)
                if id(node) in inside and (node.lineno, target) not in graph.nested.get(name, []):
                    graph.nested.setdefault(name, []).append((node.lineno, target))
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for following in graph.edges.get(node, {}):
            if following not in index:
                visit(following)
                low[node] = min(low[node], low[following])
            elif following in on_stack:
                low[node] = min(low[node], index[following])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph.edges):
        if node not in index:
            visit(node)
    return found


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def is_composition(name: str) -> bool:
    last = name.rpartition(".")[2]
    return (
        last == "admin"
        or last.startswith("admin_")
        or name == "outreach.models"
        or _within(name, "outreach.management")
    )


def wing_of(name: str) -> str | None:
    for wing in WINGS:
        if _within(name, f"outreach.{wing}") or name == f"outreach.models.{wing}":
            return wing
    return None


def arrows(graph: Graph, source: str, targets: Iterable[str], *, composition_may: bool = True) -> list[str]:
    """Imports from the package `source` into any of `targets`, the composition layer aside unless
    `composition_may` is false."""
    found = []
    for importer, imported in sorted(graph.edges.items()):
        if not _within(importer, source) or (composition_may and is_composition(importer)):
            continue
        for target in sorted(imported):
            if any(_within(target, t) for t in targets):
                found.append(f"{importer} imports {target}")
    return found


def core_to_wing(graph: Graph) -> list[str]:
    found = []
    for importer, imported in sorted(graph.edges.items()):
        if not _within(importer, "outreach") or wing_of(importer) or is_composition(importer):
            continue
        for target, names in sorted(imported.items()):
            if not wing_of(target):
                continue
            allowed = ALLOWED.get((importer, target))
            if allowed is not None and names and names <= allowed:
                continue
            found.append(f"{importer} imports {target} ({', '.join(sorted(names)) or 'the module'})")
    return found


def nested_imports(graph: Graph) -> list[str]:
    return [
        f"{importer}:{line} imports {target} inside a function"
        for importer, found in sorted(graph.nested.items())
        if importer.rpartition(".")[2] != "apps"
        for line, target in found
    ]


GRAPH = build_graph()


def test_the_project_has_no_import_cycle():
    assert cycles(GRAPH) == []


def test_ccus_imports_no_app():
    # The ground floor has no composition layer: not even its admin helpers import an app.
    assert arrows(GRAPH, "ccus", ["registrations", "renewals", "outreach"], composition_may=False) == []


def test_registrations_imports_neither_renewals_nor_outreach():
    assert arrows(GRAPH, "registrations", ["renewals", "outreach"]) == []


def test_renewals_does_not_import_outreach():
    assert arrows(GRAPH, "renewals", ["outreach"]) == []


def test_the_outreach_core_imports_no_wing():
    assert core_to_wing(GRAPH) == []


def test_the_projects_modules_are_imported_at_the_top_of_a_module():
    assert nested_imports(GRAPH) == []


def test_every_wing_is_a_package_with_its_own_tests():
    for wing in WINGS:
        assert f"outreach.{wing}" in GRAPH.modules
        assert (ROOT / "outreach" / wing / "tests" / "__init__.py").is_file()
        assert f"outreach.models.{wing}" in GRAPH.modules


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checker_sees_a_cycle_held_together_by_an_import_inside_a_function(tmp_path):
    _write(
        tmp_path,
        {
            "outreach/__init__.py": "",
            "outreach/services.py": "def send():\n    from outreach.tasks import send_task\n",
            "outreach/tasks.py": "from outreach import services\n",
        },
    )
    graph = build_graph(tmp_path, ["outreach"])
    assert cycles(graph) == [["outreach.services", "outreach.tasks"]]
    assert nested_imports(graph) == ["outreach.services:2 imports outreach.tasks inside a function"]


def test_the_checker_follows_a_model_re_exported_from_a_wing(tmp_path):
    _write(
        tmp_path,
        {
            "outreach/__init__.py": "",
            "outreach/models/__init__.py": "from outreach.models.calls import CallTask\n",
            "outreach/models/calls.py": "",
            "outreach/scan.py": "from outreach.models import CallTask\n",
            "outreach/admin.py": "from outreach.models import CallTask\n",
            "ccus/__init__.py": "",
            "ccus/health.py": "from outreach import scan\n",
        },
    )
    graph = build_graph(tmp_path, ["ccus", "outreach"])
    assert core_to_wing(graph) == ["outreach.scan imports outreach.models.calls (CallTask)"]
    assert arrows(graph, "ccus", ["outreach"]) == ["ccus.health imports outreach.scan"]
