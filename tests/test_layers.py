"""The layering ARCHITECTURE.md draws, held by an import scan: every import, lazy ones and
type-only ones included, points down (or sideways within a layer)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "gitmem"
MAY_IMPORT = {
    "core": {"core"},
    "importers": {"core", "importers"},
    "git": {"core", "git"},
    "store": {"core", "git", "store"},
    "derived": {"core", "git", "store", "derived"},
    "engine": {"core", "git", "store", "derived", "importers", "engine"},
    "services": {"core", "git", "store", "derived", "importers", "engine", "services"},
    "mcp": {"core", "git", "store", "derived", "importers", "engine", "services", "cli", "mcp"},
    "cli": {"core", "git", "store", "derived", "importers", "engine", "services", "mcp", "cli"},
}


def imported_packages(source: Path) -> set[str]:
    """The gitmem packages ``source`` imports (the part after ``gitmem.``)."""
    found = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
        for name in names:
            parts = name.split(".")
            if parts[0] == "gitmem" and len(parts) > 1:
                found.add(parts[1])
            elif name == "gitmem" and isinstance(node, ast.ImportFrom):
                found.update(a.name for a in node.names)
    return found


def test_every_import_points_down() -> None:
    wrong = []
    for source in sorted(PACKAGE.rglob("*.py")):
        layer = source.relative_to(PACKAGE).parts[0]
        if layer not in MAY_IMPORT:
            continue  # __init__.py, __main__.py: the entry point may use any layer
        for package in imported_packages(source) - MAY_IMPORT[layer]:
            wrong.append(f"{source.relative_to(PACKAGE)} imports gitmem.{package}")
    assert wrong == []


def test_every_module_is_in_a_layer() -> None:
    top = {p.name for p in PACKAGE.iterdir() if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())}
    assert top - set(MAY_IMPORT) == {"__init__.py", "__main__.py"}, "a new top-level module needs a layer"


def test_only_the_git_layer_runs_git_or_imports_pygit2() -> None:
    wrong = []
    for source in sorted(PACKAGE.rglob("*.py")):
        layer = source.relative_to(PACKAGE).parts[0]
        text = source.read_text(encoding="utf-8")
        if layer != "git" and ("import pygit2" in text or "run_git" in text):
            wrong.append(str(source.relative_to(PACKAGE)))
    assert wrong == []
