"""Every ``__all__`` is accurate, sorted and complete (httpx's ``test_exported_members``)."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("monitor", "alerts", "dashboards")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _declares_all(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(target, ast.Name) and target.id == "__all__"
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
    )


_WITH_ALL = [
    _module_name(path)
    for package in PACKAGES
    for path in sorted((ROOT / package).rglob("*.py"))
    if _declares_all(path)
]
_INITS = [
    _module_name(path)
    for package in PACKAGES
    for path in sorted((ROOT / package).rglob("__init__.py"))
]


def _natural(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _isort_style(name: str) -> tuple[int, list[object]]:
    """ruff RUF022's order: SCREAMING_CASE, then CamelCase, then the rest, each naturally."""
    if name.isupper():
        group = 0
    elif name[:1].isupper():
        group = 1
    else:
        group = 2
    return group, _natural(name)


def test_every_package_init_declares_all() -> None:
    assert set(_INITS) <= set(_WITH_ALL)
    assert {"monitor", "monitor.stats", "alerts", "dashboards"} <= set(_INITS)


@pytest.mark.parametrize("module_name", _WITH_ALL)
def test_every_name_in_all_exists(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert [name for name in module.__all__ if not hasattr(module, name)] == []


@pytest.mark.parametrize("module_name", _WITH_ALL)
def test_all_is_unique(module_name: str) -> None:
    names = list(importlib.import_module(module_name).__all__)
    assert len(names) == len(set(names))


@pytest.mark.parametrize("module_name", _WITH_ALL)
def test_all_is_sorted(module_name: str) -> None:
    # Both plain and isort-style (RUF022) order occur in the code base; each module must use one.
    names = list(importlib.import_module(module_name).__all__)
    assert names in (sorted(names), sorted(names, key=_isort_style))


def _public_names_bound_in(path: Path) -> set[str]:
    """Public names an ``__init__`` imports or defines at top level."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            if isinstance(node, ast.ImportFrom) and node.module in ("__future__", "typing"):
                continue
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {name for name in names if not name.startswith("_")}


@pytest.mark.parametrize("module_name", _INITS)
def test_every_public_name_of_a_package_init_is_exported(module_name: str) -> None:
    path = ROOT.joinpath(*module_name.split("."), "__init__.py")
    module = importlib.import_module(module_name)
    assert _public_names_bound_in(path) - set(module.__all__) == set()


@pytest.mark.parametrize("module_name", ["monitor", "monitor.stats"])
def test_public_classes_and_functions_of_the_package_are_exported(module_name: str) -> None:
    # httpx style, restricted to classes and functions: submodules become attributes of
    # their package on import and are not part of the interface.
    module = importlib.import_module(module_name)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (isinstance(value, type) or callable(value))
        and getattr(value, "__module__", "").startswith(module_name.split(".")[0])
    }
    assert public - set(module.__all__) == set()
