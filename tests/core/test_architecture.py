"""The seams between features (issue 16), read from the source with ast, no imports run.

- no import cycles among portal modules, counting imports inside functions too;
- no feature imports another feature's route modules (shared helpers live in portal/core);
- no module over MAX_LINES lines;
- portal.providers (the provider clients) imports neither flask nor portal.reviews.
"""

from __future__ import annotations

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "portal"
MAX_LINES = 400
# Modules still over MAX_LINES, with the length they may not exceed; the list may only shrink.
OVERSIZED: dict[str, int] = {}


def _modules() -> dict[str, tuple[Path, bool]]:
    modules = {}
    for path in PORTAL.rglob("*.py"):
        parts = list(path.relative_to(PORTAL.parent).with_suffix("").parts)
        package = parts[-1] == "__init__"
        if package:
            parts = parts[:-1]
        modules[".".join(parts)] = (path, package)
    return modules


MODULES = _modules()


def _known(name: str) -> str | None:
    """The module an import names: itself, or the nearest package that exists."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> set[str]:
    """Every portal module `module` imports, at the top or inside functions (not TYPE_CHECKING)."""
    path, package = MODULES[module]
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
                continue
            if isinstance(node, ast.Import):
                found.update(filter(None, (_known(a.name) for a in node.names)))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = module.split(".") if package else module.split(".")[:-1]
                    parent = parent[: len(parent) - node.level + 1]
                    base = ".".join([*parent, base] if base else parent)
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    found.add(full if full in MODULES else _known(base) or "")
            for field in ("body", "orelse", "finalbody", "handlers"):
                children = getattr(node, field, None)
                if isinstance(children, list):
                    visit(children)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return {name for name in found if name.startswith("portal") and name != module}


GRAPH = {module: _imports(module) for module in MODULES}


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []
    for root in sorted(GRAPH):
        if root in index:
            continue
        work = [(root, iter(sorted(GRAPH[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(GRAPH.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def _feature(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


def _is_route_module(module: str) -> bool:
    return any(part == "routes" or part.startswith("routes_") for part in module.split(".")[2:])


def test_no_import_cycles():
    assert _cycles() == []


def test_cycle_finder_sees_a_cycle():
    """The check can fail: two modules that import each other are one component."""
    GRAPH["portal.x_a"], GRAPH["portal.x_b"] = {"portal.x_b"}, {"portal.x_a"}
    try:
        assert ["portal.x_a", "portal.x_b"] in _cycles()
    finally:
        del GRAPH["portal.x_a"], GRAPH["portal.x_b"]


def test_no_feature_imports_another_features_route_modules():
    crossing = sorted(
        (module, target)
        for module, targets in GRAPH.items()
        for target in targets
        if module != "portal" and _is_route_module(target) and _feature(target) != _feature(module)
    )
    assert crossing == []


def test_modules_stay_small():
    lengths = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, (p, _) in MODULES.items()}
    too_long = {
        module: lines
        for module, lines in lengths.items()
        if lines > max(MAX_LINES, OVERSIZED.get(module, 0))
    }
    assert too_long == {}
    assert all(lengths.get(module, 0) > MAX_LINES for module in OVERSIZED), "shrink OVERSIZED"


def _reachable(start: set[str]) -> set[str]:
    """Every portal module the `start` modules import, directly or through others."""
    seen, todo = set(start), list(start)
    while todo:
        for child in GRAPH.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def _external_imports(module: str) -> set[str]:
    """Names of every module `module` imports itself (absolute imports, any depth)."""
    tree = ast.parse(MODULES[module][0].read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module)
    return names


def test_providers_import_neither_flask_nor_reviews():
    """The provider clients run in worker threads without an app: no flask import of their own
    (Flask-Babel's lazy strings resolve without an app context), and nothing that leads to
    portal.reviews, whose models and settings need the app."""
    providers = {m for m in MODULES if m == "portal.providers" or m.startswith("portal.providers.")}
    assert "portal.providers.transport" in providers
    flask = sorted(
        (module, name)
        for module in providers
        for name in _external_imports(module)
        if name == "flask" or name.startswith("flask.")
    )
    assert flask == []
    reviews = sorted(m for m in _reachable(providers) if m.split(".")[:2] == ["portal", "reviews"])
    assert reviews == []
    # Nor through a shared helper: no portal module they reach imports flask itself.
    indirect = sorted(
        module
        for module in _reachable(providers) - providers
        if any(name == "flask" or name.startswith("flask.") for name in _external_imports(module))
    )
    assert indirect == []
