"""The demo's one monitor: its names, the thresholds its retraining is built around, and
the ``driftline.yaml`` that declares it.

``make run`` (:mod:`sample_data.demo`) writes :func:`driftline_yaml` into its working
folder; the monitor ``credit`` follows ``models:/credit@production``, alerts a webhook
receiver, retrains through the MLflow Project in ``sample_data/retrain_project`` and lets
the promotion gate move the alias. :mod:`sample_data.timeline` reads the same monitor back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

__all__ = [
    "ALIAS",
    "GATE_MIN_LABELS",
    "MIN_TRAINING_ROWS",
    "MODEL",
    "MONITOR",
    "PROJECT",
    "RETRAIN_AFTER",
    "TRAINING_ROWS",
    "driftline_yaml",
]

MONITOR: Final = "credit"
MODEL: Final = "credit"
ALIAS: Final = "production"
PROJECT: Final = Path(__file__).resolve().parent / "retrain_project"
# The retraining rule waits for RETRAIN_AFTER drifting windows (the alert itself fires after
# two), so the run has four days of the new normal; the project waits until
# MIN_TRAINING_ROWS of their records are labelled and trains on the newest TRAINING_ROWS.
# Version 2's baseline is built from them: with about 2 000 rows (two days, retraining after
# the alert's two windows) it flagged credit_utilization in 6 of version 2's 30 windows;
# with 4 000, in 0 or 1 of 28.
RETRAIN_AFTER: Final = 4
MIN_TRAINING_ROWS: Final = 5_000  # the project waits for this many labelled records
TRAINING_ROWS: Final = 4_000
GATE_MIN_LABELS: Final = 500


def driftline_yaml(port: int, receiver_url: str, secret: str, workdir: Path) -> str:
    """The demo's ``driftline.yaml``: the monitor, its alert rules, its webhook channel to
    the receiver at ``receiver_url`` (signed with ``secret``) and its retraining target."""
    dashboard = f"http://127.0.0.1:{port}/dashboard"
    return f"""\
# Written by `make run` (sample_data/demo.py): the demo's one monitor.
database_url: sqlite:///./driftline.db
monitors:
  - name: {MONITOR}
    baseline: models:/{MODEL}@{ALIAS}   # follows whichever version holds the alias
    schedule: {{interval: 1s}}             # real seconds; windows follow the simulated clock
    window: 1d
    drift_share: 0.2
    # a retrained version takes the alias only when it ranks better on newer labelled records
    promote: {{alias: {ALIAS}, metric: roc_auc, min_gain: 0.0, min_labels: {GATE_MIN_LABELS}}}
    alerts:
      dashboard_url: {dashboard}
      channels:
        demo: {{kind: webhook, url: "{receiver_url}/alerts", secret: "{secret}"}}
      rules:
        - {{name: dataset-drift, kind: dataset_drift, share: 0.2, for: 2, severity: critical}}
        # retrain once the drift has lasted {RETRAIN_AFTER} windows: enough data of the change
        - {{name: sustained-drift, kind: dataset_drift, share: 0.2, for: {RETRAIN_AFTER},
            severity: warning, retrain: true}}
        - {{name: retraining, kind: retraining_outcome}}   # a run failed or was not promoted
      retrain:
        kind: mlflow_project                 # sample_data/retrain_project, through MLflow
        uri: "{PROJECT}"
        entry_point: main
        parameters: {{database_url: "sqlite:///{workdir / "driftline.db"}",
                      min_rows: {MIN_TRAINING_ROWS}, train_rows: {TRAINING_ROWS}}}
        env_manager: local
        timeout: 10m
        cooldown: 24h
      delivery: {{initial_backoff: 1s}}
"""
