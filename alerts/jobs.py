"""The alerts side of the scheduler: evaluate new checks, send due deliveries.

``deliver_job`` runs every ``DELIVERY_POLL_S`` seconds in the process holding the
scheduler lease. It first evaluates any check not yet evaluated (so a crash between a
check and its evaluation loses nothing), then sends every due delivery once. Evaluation
in one process is serialised by a lock, since the check jobs also evaluate right after
storing their checks.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Final

from alerts.delivery import send_due
from alerts.outbox import evaluate_monitor
from monitor import config as cfg
from monitor.errors import DriftlineError
from monitor.store import Store

__all__ = ["DELIVERY_POLL_S", "deliver_job", "evaluate"]

_log = logging.getLogger(__name__)

DELIVERY_POLL_S: Final = 1.0
_EVALUATING: Final = threading.Lock()


def evaluate(store: Store, config: cfg.Config, monitor: str | None = None) -> int:
    """Evaluate the new checks of ``monitor`` (None: every monitor); failures are logged,
    never raised, so a broken rule never stops checks or deliveries."""
    evaluated = 0
    with _EVALUATING:
        for item in config.monitors:
            if monitor is not None and item.name != monitor:
                continue
            try:
                evaluated += evaluate_monitor(store, item)
            except DriftlineError as exc:
                _log.error("alert evaluation of %s failed: %s", item.name, exc)
    return evaluated


def deliver_job(config_path: str, database_url: str = "") -> None:
    """Evaluate pending checks, then send every due delivery (the scheduled job);
    ``database_url`` '' means driftline.yaml's (job arguments are pickled into the job
    store, and a URL may hold a password)."""
    config = cfg.load_config(config_path)
    store = Store(database_url or config.database_url)
    try:
        evaluate(store, config)
        for delivery in send_due(store, config, config_dir=Path(config_path).resolve().parent):
            _log.info(
                "delivery %s to %s/%s: %s after %d attempt(s)",
                delivery.webhook_id,
                delivery.monitor,
                delivery.channel,
                delivery.status,
                len(delivery.attempts),
            )
    finally:
        store.close()
