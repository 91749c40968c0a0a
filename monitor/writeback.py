"""Check results back to MLflow: which metrics, and the outbox that retries them.

Each check of a monitor that follows a registered model is queued in the store's
``mlflow_writebacks`` outbox when it is saved. :func:`flush_writebacks` sends the due ones
in window order through a :class:`WritebackTarget` (``monitor.mlflow.MlflowRegistry``),
marks each one done, or records the error and retries later with a growing delay, so an
MLflow outage never loses a check: the store keeps it until MLflow is back.

Metrics (logged at the window's end; keys are MLflow-safe): ``share_drifted``,
``dataset_drift`` (0/1), ``n_current``, ``drifted_columns``; per tested column
``effect_size/<column>``, ``p_value/<column>`` and ``drifted/<column>``; per quality
finding kind ``quality/<kind>``, and ``quality/errors`` / ``quality/warnings``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Protocol

from monitor.errors import DriftlineError
from monitor.store import CheckDetail, Store

__all__ = [
    "WritebackPayload",
    "WritebackResult",
    "WritebackTarget",
    "check_metrics",
    "drift_status",
    "flush_writebacks",
    "payload_of",
]

_log = logging.getLogger(__name__)
_UNSAFE: Final = re.compile(r"[^A-Za-z0-9_\-. /]")
_MAX_DELAY: Final = dt.timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class WritebackPayload:
    """What one check writes to MLflow."""

    check_id: int
    monitor: str
    model_name: str
    model_version: str
    model_run_id: str
    window_end_at: dt.datetime
    metrics: Mapping[str, float]
    drift_status: str | None


class WritebackTarget(Protocol):
    def write_back(self, item: WritebackPayload) -> str:
        """Write ``item``; return the monitoring run's id; RegistryUnavailable on failure."""
        ...


@dataclass(frozen=True, slots=True)
class WritebackResult:
    sent: int
    failed: int


def _key(name: str) -> str:
    return _UNSAFE.sub("_", name)


def check_metrics(detail: CheckDetail) -> dict[str, float]:
    """The metrics of one check (see the module docstring)."""
    summary = detail.summary
    metrics: dict[str, float] = {}
    if summary.share_drifted is not None:
        metrics["share_drifted"] = float(summary.share_drifted)
    if summary.dataset_drift is not None:
        metrics["dataset_drift"] = float(summary.dataset_drift)
    if summary.n_current is not None:
        metrics["n_current"] = float(summary.n_current)
    tested = [c for c in detail.columns if c.status == "tested"]
    metrics["drifted_columns"] = float(sum(c.drifted for c in tested))
    for column in tested:
        name = _key(column.name)
        if column.effect_size is not None:
            metrics[f"effect_size/{name}"] = float(column.effect_size)
        if column.p_value is not None:
            metrics[f"p_value/{name}"] = float(column.p_value)
        metrics[f"drifted/{name}"] = float(column.drifted)
    kinds: dict[str, int] = {}
    for finding in detail.quality:
        kinds[finding.kind] = kinds.get(finding.kind, 0) + 1
    for kind, count in kinds.items():
        metrics[f"quality/{_key(kind)}"] = float(count)
    metrics["quality/errors"] = float(sum(f.severity == "error" for f in detail.quality))
    metrics["quality/warnings"] = float(sum(f.severity == "warning" for f in detail.quality))
    return metrics


def drift_status(detail: CheckDetail) -> str | None:
    """The model version's ``drift_status`` after this check: ok or drifting (None when the
    check compared nothing)."""
    status = detail.summary.status
    return status if status in ("ok", "drifting") else None


def payload_of(detail: CheckDetail) -> WritebackPayload | None:
    """The write-back of a stored check, or None when it is not linked to a model version."""
    s = detail.summary
    if s.model_name is None or s.model_version is None or s.run_id is None:
        return None
    return WritebackPayload(
        check_id=s.id,
        monitor=s.monitor,
        model_name=s.model_name,
        model_version=s.model_version,
        model_run_id=s.run_id,
        window_end_at=s.window_end_at,
        metrics=check_metrics(detail),
        drift_status=drift_status(detail),
    )


def _delay(attempts: int, base: dt.timedelta) -> dt.timedelta:
    return min(base * (1 << min(attempts, 10)), _MAX_DELAY)


def flush_writebacks(
    store: Store,
    target: WritebackTarget,
    *,
    limit: int = 500,
    retry_in: dt.timedelta = dt.timedelta(seconds=30),
) -> WritebackResult:
    """Send the due write-backs in window order. After the first failure the rest wait for
    the next flush (MLflow is likely down); each failure is recorded on its row."""
    sent = failed = 0
    for pending in store.due_writebacks(limit=limit):
        detail = store.get_check(pending.check_id)
        payload = None if detail is None else payload_of(detail)
        if payload is None:
            store.writeback_done(pending.check_id)  # nothing to send
            continue
        try:
            target.write_back(payload)
        except DriftlineError as exc:
            failed += 1
            store.writeback_failed(
                pending.check_id, str(exc), retry_in=_delay(pending.attempts, retry_in)
            )
            _log.warning("MLflow write-back of check %d failed: %s", pending.check_id, exc)
            break
        store.writeback_done(pending.check_id)
        sent += 1
    return WritebackResult(sent, failed)
