"""Driftline's engine: baselines, drift checks and their reports.

>>> from monitor import build_baseline, compare
"""

from __future__ import annotations

from monitor.baseline import Baseline, ColumnBaseline, build_baseline
from monitor.baseline_file import load_baseline, save_baseline
from monitor.check import ColumnOptions, compare
from monitor.errors import (
    BaselineError,
    BaselineNotFound,
    ConfigError,
    DriftlineError,
    InputError,
    SchemaMismatch,
)
from monitor.report import ColumnResult, DriftReport, QualityFinding

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
