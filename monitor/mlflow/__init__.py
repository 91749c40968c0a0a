"""The tracking and registry link to MLflow, Driftline's registry core.

The only package that imports ``mlflow`` (``tests/test_layering.py``):

- ``tracking``: :func:`log_baseline` on the training side; :class:`MlflowRegistry` (resolve
  ``models:/name@alias``, download a version's baseline, write results back, register the
  webhook); the embedded store. Importing it turns MLflow's telemetry off.
- ``follow``: following an alias (:class:`ModelFollower`) behind a ``Registry`` Protocol,
  so following never needs ``mlflow`` itself.
- ``webhook``: MLflow's registry webhook, received.
- ``writeback``: check results back to MLflow through an outbox.
- ``configured``: the link as driftline.yaml configures it (registry, followers, jobs).
- ``pyfunc``: scoring with the pyfunc flavour, for ``driftline serve-model`` and the gate.
- ``projects``: retraining runs, launched through MLflow's Projects API and followed.
- ``gate``: the promotion gate: score a retrained version and the current one on recent
  labelled records, and move the alias (:meth:`MlflowRegistry.move_alias`) when it wins.

``from monitor.mlflow import log_baseline`` works; ``mlflow`` (about 2 s to import) is
loaded only when one of ``tracking``'s names is first used.
"""

from __future__ import annotations

import importlib as _importlib
import os as _os
from typing import TYPE_CHECKING, Any

_os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

if TYPE_CHECKING:
    from monitor.mlflow.tracking import (
        BASELINE_ARTIFACT,
        EMBEDDED_ARTIFACTS,
        EMBEDDED_DATABASE,
        IMPORTANCES_ARTIFACT,
        MONITORING_EXPERIMENT,
        WEBHOOK_EVENTS,
        LoggedBaseline,
        MlflowRegistry,
        embedded_tracking_uri,
        ensure_experiment,
        init_tracking,
        log_baseline,
        resolve_tracking_uri,
        state_dir,
    )

__all__ = [
    "BASELINE_ARTIFACT",
    "EMBEDDED_ARTIFACTS",
    "EMBEDDED_DATABASE",
    "IMPORTANCES_ARTIFACT",
    "MONITORING_EXPERIMENT",
    "WEBHOOK_EVENTS",
    "LoggedBaseline",
    "MlflowRegistry",
    "embedded_tracking_uri",
    "ensure_experiment",
    "init_tracking",
    "log_baseline",
    "resolve_tracking_uri",
    "state_dir",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(_importlib.import_module("monitor.mlflow.tracking"), name)
    raise AttributeError(f"module 'monitor.mlflow' has no attribute {name!r}")
