"""The house's import rules hold (docs/architecture.md, "Import layers").

- The import-linter contracts of pyproject.toml are kept: intake above actions above
  mediation above tickets above the shared modules, pure parsers, complaints never importing
  the reputation watch.
- No import cycle between modules of the project, lazy imports inside functions included.
  The one exception is a Celery task module's body importing the service of its own package
  that the task runs (the service imports the task to queue it).
- Imports inside functions are only in those task modules.
- No module uses another module's private (underscore) name.

Each rule fails on the first module that breaks it, naming it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parent.parent
PACKAGES = (
    "complaints",
    "customers",
    "accounts",
    "trustsafety",
    "legal",
    "leads",
    "billing",
    "campaigns",
    "retention",
)


def _modules() -> list[tuple[str, Path]]:
    found = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found.append((".".join(parts), path))
    return found


def _is_task_module(module: str) -> bool:
    return module.rsplit(".", 1)[-1] == "tasks"


def _own_package(module: str, imported: str) -> bool:
    package = module.rsplit(".", 1)[0]
    return imported.startswith(package + ".")


def test_the_import_linter_contracts_are_kept() -> None:
    """``lint-imports`` as ``make lint`` runs it: every contract of pyproject.toml kept."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run(
        [str(lint_imports), "--no-cache", "--no-logo", str(REPO / "pyproject.toml")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_no_import_cycle_between_modules() -> None:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        if module.split(".")[0] not in PACKAGES or ".migrations" in module:
            continue
        targets = set()
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.split(".")[0] not in PACKAGES or ".migrations" in imported:
                continue
            if _is_task_module(module) and _own_package(module, imported):
                continue  # a task body runs the service that queued it
            targets.add(imported)
        edges[module] = targets
    cycles = _cycles(edges)
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def test_imports_inside_functions_are_only_in_task_modules() -> None:
    lazy = []
    for module, path in _modules():
        if _is_task_module(module):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if module.endswith(".apps") and node.name == "ready":
                continue  # Django's start-up hook: the app registry is ready only there
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and inner.module:
                    names = [inner.module]
                elif isinstance(inner, ast.Import):
                    names = [alias.name for alias in inner.names]
                else:
                    continue
                if any(name.split(".")[0] in PACKAGES for name in names):
                    lazy.append(f"{module}:{inner.lineno}")
    assert lazy == []


def test_no_module_uses_another_modules_private_name() -> None:
    modules = dict(_modules())
    offenders = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text())
        bound: dict[str, str] = {}  # local name -> project module it names
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.split(".")[0] not in PACKAGES:
                    continue
                for alias in node.names:
                    if _private(alias.name):
                        offenders.append(f"{module}: from {node.module} import {alias.name}")
                    full = f"{node.module}.{alias.name}"
                    if full in modules:
                        bound[alias.asname or alias.name] = full
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in modules and alias.asname:
                        bound[alias.asname] = alias.name
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and _private(node.attr)
                and isinstance(node.value, ast.Name)
                and node.value.id in bound
            ):
                offenders.append(f"{module}:{node.lineno}: {node.value.id}.{node.attr}")
    assert offenders == []


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")
