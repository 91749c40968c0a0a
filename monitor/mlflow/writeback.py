"""Check results back to MLflow: which metrics, and the outbox that retries them.

Each check of a monitor that follows a registered model is queued in the store's
``mlflow_writebacks`` outbox when it is saved. :func:`flush_writebacks` sends the due ones
in window order through a :class:`WritebackTarget` (``monitor.mlflow.tracking.MlflowRegistry``),
marks each one done, or records the error and retries later with a growing delay, so an
MLflow outage never loses a check: the store keeps it until MLflow is back.

Idempotent per window: each window's metrics are logged at the same step (the window's end
in Unix seconds) and timestamp (its end in ms) every time, and only once per model version.
MLflow keeps every point it is given and offers no way to replace or delete one: a second
point with the same key, step and timestamp but another value is stored beside the first
(mlflow/mlflow#2973), and only an identical point is dropped (its SQL store's primary key
is key, timestamp, step, value). So when a re-run replaces a check whose metrics were sent,
the store keeps ``metrics_sent_at`` and the write-back only refreshes the ``drift_status``
tag; the re-run's values are in Driftline's store (API, dashboard). A retry after a crash
between sending and marking done resends identical points, which MLflow drops.

The model version's ``drift_status`` tag: ``alerting`` while any alert of the monitor is
firing (read from the store when the write-back is sent), else ``ok`` or ``drifting`` from
the check. It is refreshed by each check's write-back and, when an alert starts or stops
firing, by the write-back of the monitor's latest check, which the store queues again.

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
from typing import Final, Protocol, runtime_checkable

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
    send_metrics: bool = True
    """False when this window's metrics already reached MLflow (only the tag is sent)."""


@runtime_checkable
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


def drift_status(detail: CheckDetail, *, alerting: bool = False) -> str | None:
    """The model version's ``drift_status`` after this check: ``alerting`` while an alert
    of the monitor fires, else ok or drifting (None when the check compared nothing)."""
    status = detail.summary.status
    if status not in ("ok", "drifting"):
        return None
    return "alerting" if alerting else status


def payload_of(
    detail: CheckDetail, *, alerting: bool = False, send_metrics: bool = True
) -> WritebackPayload | None:
    """The write-back of a stored check, or None when it is not linked to a model version;
    ``alerting``: an alert of the monitor fires; ``send_metrics``: False when the window's
    metrics already reached MLflow."""
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
        drift_status=drift_status(detail, alerting=alerting),
        send_metrics=send_metrics,
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
    alerting: dict[str, bool] = {}
    for pending in store.due_writebacks(limit=limit):
        detail = store.get_check(pending.check_id)
        if pending.monitor not in alerting:
            states = store.alert_states(pending.monitor).values()
            alerting[pending.monitor] = any(s.state == "firing" for s in states)
        payload = (
            None
            if detail is None
            else payload_of(
                detail,
                alerting=alerting[pending.monitor],
                send_metrics=pending.metrics_sent_at is None,
            )
        )
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
