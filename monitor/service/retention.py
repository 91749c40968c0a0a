"""The retention job: ``retention`` of driftline.yaml applied on a schedule.

It calls the store's one prune (``Store.prune``, which ``driftline records prune`` calls
too) with each configured age counted back from now. Records of windows not checked yet
are kept (``pending="keep"``): the job lowers a monitor's cut to the end of its last
checked window and logs that, where the command refuses.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from monitor import config as cfg
from monitor.errors import ConfigError, DriftlineError
from monitor.store import PruneCuts, PruneResult, Store

__all__ = ["retention_cuts", "retention_job"]

_log = logging.getLogger(__name__)


def retention_cuts(retention: cfg.RetentionConfig, now: dt.datetime) -> PruneCuts:
    """The cut of each kind: now minus its age; prediction logs default to the records' age."""

    def before(age: dt.timedelta | None) -> dt.datetime | None:
        return None if age is None else now - age

    return PruneCuts(
        records=before(retention.records),
        prediction_logs=before(retention.prediction_logs or retention.records),
        labels=before(retention.labels),
        delivery_attempts=before(retention.delivery_attempts),
    )


def retention_job(
    config_path: str,
    database_url: str = "",
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> PruneResult | None:
    """Apply driftline.yaml's ``retention`` once; ``database_url`` '' means the file's."""
    try:
        config = cfg.load_config(config_path)
    except ConfigError as exc:
        _log.error("retention: nothing pruned: %s", exc)
        return None
    if config.retention.is_empty:
        return None
    store = Store(database_url or config.database_url)
    try:
        result = store.prune(retention_cuts(config.retention, now()), pending="keep")
    except DriftlineError as exc:
        _log.error("retention: nothing more pruned: %s", exc)
        return None
    finally:
        store.close()
    if result.transactions or result.kept_for_pending:
        _log.info("retention: %s", result.describe())
    return result
