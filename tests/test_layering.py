"""Import boundaries between Driftline's packages, checked by parsing every module's imports.

The rules are STYLE.md section 1: ``monitor/stats/`` is pure (numpy, scipy and a few stdlib
modules only); ``monitor`` never reaches up into ``alerts`` or ``dashboards``; ``dashboards``
never computes statistics itself; ``monitor/mlflow.py`` (the registry and tracking link) and
``monitor/mlflow_serving.py`` (pyfunc scoring for ``driftline serve-model``, kept apart so the
monitoring service never loads ``mlflow.pyfunc``) are the only modules that import ``mlflow``.
"""

from __future__ import annotations

import ast
from pathlib import Path

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


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module a source file imports, anywhere in the file, as absolute dotted names.

    ``from a.b import c`` yields both ``a.b`` and ``a.b.c`` (``c`` may be a submodule);
    relative imports are resolved against ``module``.
    """
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
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


def _imports_of(path: Path) -> set[str]:
    return imported_modules(
        path.read_text(encoding="utf-8"), _module_name(path), path.name == "__init__.py"
    )


def stats_violations(imports: set[str]) -> set[str]:
    return {
        name
        for name in imports
        if name.split(".")[0] not in STATS_ALLOWED and not _within(name, "monitor.stats")
    }


@pytest.mark.parametrize("path", _params("monitor/stats"))
def test_stats_imports_only_numpy_scipy_and_stdlib_basics(path: Path) -> None:
    assert stats_violations(_imports_of(path)) == set()


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
    "monitor.report",
    "monitor.config",
    "monitor.errors",
    "monitor.extensions",
)


@pytest.mark.parametrize("path", _params("dashboards"))
def test_dashboards_never_import_alerts(path: Path) -> None:
    """DESIGN.md: dashboards may import monitor, plotly and dash; alerts reach it through
    ``monitor.extensions``."""
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
        "from monitor.check import compare\nimport sqlalchemy\nfrom monitor.store import Store\n"
        "from monitor import baseline\n"
    )
    assert dashboard_violations(imported_modules(source, "dashboards.queries")) == {
        "monitor.check",
        "monitor.check.compare",
        "sqlalchemy",
        "monitor",
        "monitor.baseline",
    }


MLFLOW_IMPORTERS = (ROOT / "monitor" / "mlflow.py", ROOT / "monitor" / "mlflow_serving.py")


def mlflow_imports(imports: set[str]) -> set[str]:
    return {name for name in imports if _within(name, "mlflow")}


@pytest.mark.parametrize("path", _params(*PACKAGES))
def test_only_the_mlflow_modules_import_mlflow(path: Path) -> None:
    if path in MLFLOW_IMPORTERS:
        assert mlflow_imports(_imports_of(path)), f"{path.name} is an MLflow module"
    else:
        assert mlflow_imports(_imports_of(path)) == set()


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
            "from ..check import compare",
            "monitor.stats.ks",
            {"monitor.check", "monitor.check.compare"},
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
    imports = imported_modules("import numpy\nfrom monitor.check import compare", "monitor.stats.x")
    assert stats_violations(imports) == {"monitor.check", "monitor.check.compare"}


ALERTS_FORBIDDEN = ("dashboards", "monitor.stats", "monitor.check", "monitor.service", "scipy")


@pytest.mark.parametrize("path", _params("alerts"))
def test_alerts_never_run_checks_nor_import_dashboards(path: Path) -> None:
    """Alerts read stored results (STYLE section 1): no check, statistics or dashboard code."""
    imports = _imports_of(path)
    assert {n for n in imports if any(_within(n, p) for p in ALERTS_FORBIDDEN)} == set()


@pytest.mark.parametrize("path", _params("alerts"))
def test_only_monitor_store_imports_sqlalchemy_orm(path: Path) -> None:
    assert {n for n in _imports_of(path) if _within(n, "sqlalchemy")} == set()


def test_extension_modules_are_importable_and_provide_an_extension() -> None:
    from monitor.extensions import EXTENSION_MODULES, load_extensions

    assert len(load_extensions()) == len(EXTENSION_MODULES)


# The monitoring service never loads mlflow.pyfunc: only the model server's modules may use
# the scoring module.
SERVING_IMPORTERS = frozenset({"monitor.model_server", "monitor.cli_serve_model"})


@pytest.mark.parametrize("path", _params(*PACKAGES))
def test_only_the_model_server_imports_the_scoring_module(path: Path) -> None:
    uses = {n for n in _imports_of(path) if _within(n, "monitor.mlflow_serving")}
    if _module_name(path) not in SERVING_IMPORTERS | {"monitor.mlflow_serving"}:
        assert uses == set()
