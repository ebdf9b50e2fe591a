"""The rooms call each other through their interfaces: the import graph of the project's own modules (every
import, also those inside functions) has no circle, and no arrow the layering forbids."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROOMS = ("actions", "backend", "bot", "dialects", "gateway", "languages", "privacy", "service", "voice")
# Who may not import whom: the dialogue, the gateway and speech reach the backend over HTTP only; the backend
# and the shared rooms know nothing of the dialogue or the channels.
FORBIDDEN = {
    "actions": {"backend", "gateway", "voice"},
    "bot": {"backend", "gateway", "voice", "actions"},
    "gateway": {"backend", "actions"},
    "voice": {"backend", "gateway", "actions"},
    "backend": {"actions", "bot", "gateway", "voice", "dialects"},
    "dialects": {"actions", "backend", "bot", "gateway", "voice"},
    "languages": set(ROOMS) - {"languages"},
    "privacy": {"actions", "backend", "bot", "gateway", "voice"},
    "service": {"actions", "backend", "bot", "gateway", "voice", "dialects"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for room in ROOMS
        if (ROOT / room).is_dir()
        for path in (ROOT / room).rglob("*.py")
        if "migrations" not in path.parts
    }


def imports_of(path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The project modules `path` imports (`from a.b import c` counts a.b.c when that is a module)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                yield name


def graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: set(imports_of(path, modules)) - {name} for name, path in modules.items()}


def test_no_room_imports_what_the_layering_forbids() -> None:
    wrong = [
        f"{source} -> {target}"
        for source, targets in graph().items()
        for target in targets
        if target.split(".")[0] in FORBIDDEN.get(source.split(".")[0], set())
    ]
    assert not wrong, "\n".join(sorted(wrong))


def test_the_import_graph_has_no_circle() -> None:
    edges = graph()
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            # a package's __init__ re-exporting its own modules is not a circle
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue
            if state.get(nxt) == 1:
                circles.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert not circles, "\n".join(" -> ".join(c) for c in circles)
