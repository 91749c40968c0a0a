"""Import boundaries between Driftline's packages, checked by parsing every module's imports.

DESIGN.md's layering, over every module, functions' local imports included::

    stats < engine < store < mlflow < {service, serving} < cli      (config beside engine)

A subpackage imports only the subpackages its row of ``ALLOWED`` names (and itself); the
loose modules ``errors`` and ``redact`` import nothing of Driftline and everyone may use
them; ``service`` and ``serving`` never import each other. There is no import cycle among
Driftline's modules (imports under ``if TYPE_CHECKING:`` never run, so they may point at a
module that imports back, but never upward). ``monitor`` never imports ``alerts`` or
``dashboards``: they reach the service through entry points. ``mlflow`` is imported only
inside ``monitor/mlflow/``; ``monitor.mlflow.pyfunc`` (which loads ``mlflow.pyfunc``) only by
the model server and the promotion gate.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path
from typing import Final

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("monitor", "alerts", "dashboards")

STATS_ALLOWED = frozenset(
    {
        "numpy",
        "scipy",
        "__future__",
        "dataclasses",
        "typing",
        "collections",
        "math",
        "types",
        "warnings",
    }
)

# What each part of ``monitor`` may import from ``monitor`` besides itself and the base.
BASE: Final = frozenset({"errors", "redact"})
ALLOWED: Final[dict[str, frozenset[str]]] = {
    "errors": frozenset(),
    "redact": frozenset(),
    "stats": frozenset(),
    "engine": frozenset({"stats"}),
    "config": frozenset({"stats", "engine"}),
    "store": frozenset({"stats", "engine"}),
    "mlflow": frozenset({"stats", "engine", "config", "store"}),
    "client": frozenset(),
    "service": frozenset({"stats", "engine", "config", "store", "mlflow"}),
    "serving": frozenset({"stats", "engine", "config", "mlflow", "client"}),
    "cli": frozenset(
        {"stats", "engine", "config", "store", "mlflow", "service", "serving", "client"}
    ),
}
MAX_LOOSE_MODULES: Final = 8


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST, *, runtime_only: bool) -> Iterable[ast.Import | ast.ImportFrom]:
    """Every import statement in ``tree``, anywhere; with ``runtime_only`` not those under
    ``if TYPE_CHECKING:``."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        if runtime_only and isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def imported_modules(
    source: str, module: str, is_package: bool = False, *, runtime_only: bool = False
) -> set[str]:
    """Every module a source file imports, anywhere in the file, as absolute dotted names.

    ``from a.b import c`` yields both ``a.b`` and ``a.b.c`` (``c`` may be a submodule);
    relative imports are resolved against ``module``.
    """
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in _import_nodes(ast.parse(source), runtime_only=runtime_only):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        else:
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _sources(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def _params(*packages: str) -> list[object]:
    return [
        pytest.param(path, id=path.relative_to(ROOT).as_posix()) for path in _sources(*packages)
    ]


def _imports_of(path: Path, *, runtime_only: bool = False) -> set[str]:
    return imported_modules(
        path.read_text(encoding="utf-8"),
        _module_name(path),
        path.name == "__init__.py",
        runtime_only=runtime_only,
    )


def part_of(module: str) -> str | None:
    """The layer a ``monitor`` module belongs to (``monitor.engine.x`` -> ``engine``); None
    for the ``monitor`` package itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "monitor" else None


def layering_violations(module: str, imports: set[str]) -> set[str]:
    """The imports of ``module`` that point upward or sideways in DESIGN.md's order."""
    part = part_of(module)
    if part is None:  # the monitor package: lazy re-exports of the engine's names
        return set()
    allowed = ALLOWED[part] | BASE | {part}
    return {
        name
        for name in imports
        if _within(name, "monitor") and name != "monitor" and part_of(name) not in allowed
    }


_KNOWN_MODULES: Final = frozenset(_module_name(path) for path in _sources(*PACKAGES))


def _resolve(name: str) -> str | None:
    """The Driftline module an imported name stands for (``a.b.func`` -> ``a.b``)."""
    while name:
        if name in _KNOWN_MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph(runtime_only: bool = True) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in _sources(*PACKAGES):
        module = _module_name(path)
        names = _imports_of(path, runtime_only=runtime_only)
        # ``from package import submodule`` is an edge to the submodule, not the package
        targets = {_resolve(n) for n in names if not any(m.startswith(n + ".") for m in names)}
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` as a path that starts and ends on the same module."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


@pytest.mark.parametrize("path", _params("monitor"))
def test_monitor_imports_only_downward(path: Path) -> None:
    module = _module_name(path)
    assert layering_violations(module, _imports_of(path)) == set()


def test_every_monitor_module_is_in_a_known_part() -> None:
    parts = {part_of(_module_name(p)) for p in _sources("monitor")} - {None}
    assert parts <= set(ALLOWED), f"add {parts - set(ALLOWED)} to ALLOWED in its place"


def test_few_modules_stay_loose_in_monitor() -> None:
    loose = sorted(p.name for p in (ROOT / "monitor").glob("*.py"))
    assert len(loose) <= MAX_LOOSE_MODULES, loose


def test_no_import_cycle_among_driftline_modules() -> None:
    assert find_cycle(import_graph()) is None


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        pytest.param(
            "monitor.engine.compare",
            "from monitor.store import Store",
            {"monitor.store", "monitor.store.Store"},
            id="engine-imports-store",
        ),
        pytest.param(
            "monitor.service.api",
            "def f():\n    from monitor.serving.server import app\n",
            {"monitor.serving.server", "monitor.serving.server.app"},
            id="service-imports-serving-locally",
        ),
        pytest.param(
            "monitor.store.models",
            "from monitor import config as cfg",
            {"monitor.config"},
            id="store-imports-config",
        ),
        pytest.param(
            "monitor.engine.io",
            "from monitor.errors import InputError\nfrom monitor.stats import ks",
            set(),
            id="engine-imports-stats-and-errors",
        ),
        pytest.param(
            "monitor.mlflow.tracking",
            "if TYPE_CHECKING:\n    from monitor.cli.main import main\n",
            {"monitor.cli.main", "monitor.cli.main.main"},
            id="type-only-import-upward",
        ),
    ],
)
def test_layering_rule_flags_upward_and_sideways_imports(
    module: str, source: str, expected: set[str]
) -> None:
    assert layering_violations(module, imported_modules(source, module)) == expected


def test_cycle_finder_reports_a_cycle_and_passes_a_dag() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_type_checking_imports_are_left_out_of_the_runtime_graph() -> None:
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a.b\nimport c\n"
    assert imported_modules(source, "x", runtime_only=True) == {
        "typing",
        "typing.TYPE_CHECKING",
        "c",
    }
    assert "a.b" in imported_modules(source, "x")


@pytest.mark.parametrize("path", _params("monitor/stats"))
def test_stats_imports_only_numpy_scipy_and_stdlib_basics(path: Path) -> None:
    assert stats_violations(_imports_of(path)) == set()


def stats_violations(imports: set[str]) -> set[str]:
    return {
        name
        for name in imports
        if name.split(".")[0] not in STATS_ALLOWED and not _within(name, "monitor.stats")
    }


@pytest.mark.parametrize("path", _params("monitor"))
def test_monitor_never_imports_alerts_or_dashboards(path: Path) -> None:
    imports = _imports_of(path)
    assert {n for n in imports if _within(n, "alerts") or _within(n, "dashboards")} == set()


@pytest.mark.parametrize("path", _params("dashboards"))
def test_dashboards_never_import_monitor_stats_or_scipy(path: Path) -> None:
    imports = _imports_of(path)
    assert {n for n in imports if _within(n, "monitor.stats") or _within(n, "scipy")} == set()


@pytest.mark.parametrize("path", _params(*PACKAGES))
def test_product_never_imports_the_sample_data(path: Path) -> None:
    """sample_data/ (the demo's data, replay and model) uses Driftline, never the reverse."""
    assert {n for n in _imports_of(path) if _within(n, "sample_data")} == set()


# The dashboard reads stored results through the Store and draws them: from ``monitor`` it
# may use only the store, the report types, the configuration and the errors, and the
# extensions' typed hooks (the "Retrain now" action, without importing ``alerts``).
DASHBOARD_MONITOR_ALLOWED = (
    "monitor.store",
    "monitor.engine.report",
    "monitor.engine.performance_report",
    "monitor.config",
    "monitor.errors",
    "monitor.service.extensions",
)


@pytest.mark.parametrize("path", _params("dashboards"))
def test_dashboards_never_import_alerts(path: Path) -> None:
    """DESIGN.md: dashboards may import monitor, plotly and dash; alerts reach it through
    ``monitor.service.extensions``."""
    assert {n for n in _imports_of(path) if _within(n, "alerts")} == set()


def dashboard_violations(imports: set[str]) -> set[str]:
    return {
        name
        for name in imports
        if (
            (_within(name, "monitor") and name != "monitor")
            and not any(_within(name, allowed) for allowed in DASHBOARD_MONITOR_ALLOWED)
        )
        or name == "monitor"
        or _within(name, "sqlalchemy")
        or _within(name, "numpy")
        or _within(name, "pandas")
    }


@pytest.mark.parametrize("path", _params("dashboards"))
def test_dashboards_read_only_store_and_report_types_never_the_database(path: Path) -> None:
    assert dashboard_violations(_imports_of(path)) == set()


def test_dashboard_rule_flags_engine_and_database_imports() -> None:
    source = (
        "from monitor.engine.compare import compare\nimport sqlalchemy\n"
        "from monitor.store import Store\nfrom monitor import baseline\n"
    )
    assert dashboard_violations(imported_modules(source, "dashboards.queries")) == {
        "monitor.engine.compare",
        "monitor.engine.compare.compare",
        "sqlalchemy",
        "monitor",
        "monitor.baseline",
    }


def _in_mlflow_package(path: Path) -> bool:
    return path.is_relative_to(ROOT / "monitor" / "mlflow")


def mlflow_imports(imports: set[str]) -> set[str]:
    return {name for name in imports if _within(name, "mlflow")}


@pytest.mark.parametrize("path", _params(*PACKAGES))
def test_only_the_mlflow_package_imports_mlflow(path: Path) -> None:
    if not _in_mlflow_package(path):
        assert mlflow_imports(_imports_of(path)) == set()


def test_the_mlflow_package_is_where_mlflow_is_imported() -> None:
    importers = [p.name for p in _sources("monitor/mlflow") if mlflow_imports(_imports_of(p))]
    assert sorted(importers) == ["projects.py", "pyfunc.py", "tracking.py"]


def test_mlflow_rule_tells_the_package_from_monitor_mlflow() -> None:
    assert mlflow_imports(imported_modules("import mlflow.sklearn", "monitor.x")) == {
        "mlflow.sklearn"
    }
    assert mlflow_imports(imported_modules("from monitor.mlflow import x", "monitor.y")) == set()


def test_every_package_has_sources_to_check() -> None:
    for package in PACKAGES:
        assert (ROOT / package / "__init__.py").is_file()
    assert len(_sources("monitor/stats")) >= 10


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        pytest.param("import pandas as pd", "monitor.stats.ks", {"pandas"}, id="import"),
        pytest.param(
            "from monitor import stats",
            "dashboards.figures",
            {"monitor", "monitor.stats"},
            id="from-package-import-submodule",
        ),
        pytest.param(
            "from ..engine import compare",
            "monitor.stats.ks",
            {"monitor.engine", "monitor.engine.compare"},
            id="relative-parent",
        ),
        pytest.param(
            "from . import _result",
            "monitor.stats.ks",
            {"monitor.stats", "monitor.stats._result"},
            id="relative-sibling",
        ),
        pytest.param(
            "def f():\n    import logging\n", "monitor.stats.ks", {"logging"}, id="nested-import"
        ),
    ],
)
def test_import_parser_resolves_absolute_names(
    source: str, module: str, expected: set[str]
) -> None:
    assert imported_modules(source, module) == expected


def test_stats_rule_flags_a_forbidden_import() -> None:
    imports = imported_modules(
        "import numpy\nfrom monitor.engine.compare import compare", "monitor.stats.x"
    )
    assert stats_violations(imports) == {"monitor.engine.compare", "monitor.engine.compare.compare"}


ALERTS_FORBIDDEN = (
    "dashboards",
    "monitor.stats",
    "monitor.engine.compare",
    "monitor.service.checks",
    "scipy",
)


@pytest.mark.parametrize("path", _params("alerts"))
def test_alerts_never_run_checks_nor_import_dashboards(path: Path) -> None:
    """Alerts read stored results (STYLE section 1): no check, statistics or dashboard code."""
    imports = _imports_of(path)
    assert {n for n in imports if any(_within(n, p) for p in ALERTS_FORBIDDEN)} == set()


@pytest.mark.parametrize("path", _params("alerts"))
def test_only_monitor_store_imports_sqlalchemy_orm(path: Path) -> None:
    assert {n for n in _imports_of(path) if _within(n, "sqlalchemy")} == set()


def test_extensions_are_installed_entry_points_that_provide_an_extension() -> None:
    from importlib.metadata import entry_points

    from monitor.service.extensions import EXTENSION_GROUP, load_extensions

    assert len(load_extensions()) == len(entry_points(group=EXTENSION_GROUP)) >= 1


# The monitoring service never loads mlflow.pyfunc at start: only the model server's modules
# and the promotion gate (which scores a retrained version once its run has finished, from a
# job that imports it then) may use the scoring module.
SERVING_IMPORTERS = frozenset(
    {"monitor.serving.server", "monitor.serving.command", "monitor.mlflow.gate"}
)


@pytest.mark.parametrize("path", _params(*PACKAGES))
def test_only_the_model_server_imports_the_scoring_module(path: Path) -> None:
    uses = {n for n in _imports_of(path) if _within(n, "monitor.mlflow.pyfunc")}
    if _module_name(path) not in SERVING_IMPORTERS | {"monitor.mlflow.pyfunc"}:
        assert uses == set()
