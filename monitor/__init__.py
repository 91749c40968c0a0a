"""Driftline: drift and model monitoring against training baselines, with MLflow at its core.

The package is layered; each subpackage imports only the ones before it
(``tests/test_layering.py`` enforces it)::

    stats < engine < store < mlflow < {service, serving} < cli      (config beside engine)

- ``stats``: pure tests, distances and corrections on numpy arrays, and their registry;
- ``engine``: values in, values out: baselines and their file, ``compare``, the DriftReport,
  quality findings, histograms, impact, performance, window arithmetic;
- ``config``: driftline.yaml;
- ``store``: the one door to Driftline's database;
- ``mlflow``: the tracking and registry link (the only importer of ``mlflow``);
- ``service``: the running service: the check job, scheduler, REST API, sources, clock;
- ``serving``: ``driftline serve-model``;
- ``cli``: the ``driftline`` command.

Loose modules: ``errors`` (one exception tree), ``redact`` and ``client`` (the Python client
of a running service). The engine's main names are re-exported here and imported on first
use, so ``import monitor`` stays cheap:

>>> from monitor import build_baseline, compare
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING, Any, Final

from monitor.errors import (
    BaselineError,
    BaselineNotFound,
    ConfigError,
    DriftlineError,
    InputError,
    SchemaMismatch,
)

if TYPE_CHECKING:
    from monitor.engine.baseline import Baseline, ColumnBaseline, build_baseline
    from monitor.engine.baseline_file import load_baseline, save_baseline
    from monitor.engine.compare import ColumnOptions, compare
    from monitor.engine.report import ColumnResult, DriftReport, QualityFinding

__all__ = [
    "Baseline",
    "BaselineError",
    "BaselineNotFound",
    "ColumnBaseline",
    "ColumnOptions",
    "ColumnResult",
    "ConfigError",
    "DriftReport",
    "DriftlineError",
    "InputError",
    "QualityFinding",
    "SchemaMismatch",
    "build_baseline",
    "compare",
    "load_baseline",
    "save_baseline",
]

__version__ = "0.1.0"

_LAZY: Final = {
    "Baseline": "monitor.engine.baseline",
    "ColumnBaseline": "monitor.engine.baseline",
    "build_baseline": "monitor.engine.baseline",
    "load_baseline": "monitor.engine.baseline_file",
    "save_baseline": "monitor.engine.baseline_file",
    "ColumnOptions": "monitor.engine.compare",
    "compare": "monitor.engine.compare",
    "ColumnResult": "monitor.engine.report",
    "DriftReport": "monitor.engine.report",
    "QualityFinding": "monitor.engine.report",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'monitor' has no attribute {name!r}")
    return getattr(_importlib.import_module(module), name)
