"""The actions' modules import each other without a circle, and reach the backend over HTTP only."""

from __future__ import annotations

import ast
from pathlib import Path

ACTIONS = Path(__file__).resolve().parents[2] / "actions"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth of the file (an import inside a function counts too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            # `from actions import backend_api` imports the module actions.backend_api
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def actions_graph() -> dict[str, set[str]]:
    modules = {f"actions.{path.stem}": path for path in ACTIONS.glob("*.py") if path.stem != "__init__"}
    return {name: imported_modules(path) & modules.keys() for name, path in modules.items()}


def test_the_actions_import_each_other_without_a_circle() -> None:
    graph = actions_graph()
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        assert module not in path, "import circle: " + " -> ".join([*path[path.index(module) :], module])
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


def test_the_actions_never_import_the_backend_package() -> None:
    for path in ACTIONS.glob("*.py"):
        backend = {m for m in imported_modules(path) if m == "backend" or m.startswith("backend.")}
        assert not backend, f"{path.name} imports {backend}: the backend is reached over HTTP only"
