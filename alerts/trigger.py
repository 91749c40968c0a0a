"""Retraining by hand: ``POST /api/v1/monitors/<name>/retrain`` and ``driftline retrain``.

A manual trigger ignores the cooldown (a person asked for it). Its delivery goes to the
monitor's retrain target through the outbox like any other; without a target the
trigger is recorded with no delivery, so the request is never silently lost.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from alerts.outbox import new_webhook_id
from alerts.payload import retrain_payload
from monitor import config as cfg
from monitor.errors import ConfigError
from monitor.store import NewDelivery, NewRetrainTrigger, RetrainTrigger, Store

__all__ = ["request_retrain"]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def request_retrain(
    store: Store,
    monitor: cfg.Monitor,
    *,
    reason: str,
    requested_by: str | None = None,
    now: Callable[[], dt.datetime] = _utc_now,
) -> RetrainTrigger:
    """Record a manual retrain trigger of ``monitor`` and queue its delivery."""
    if not reason.strip():
        raise ConfigError("a retrain request needs a reason; pass --reason (or 'reason')")
    latest = store.list_checks(monitor.name, limit=1, newest_first=True)
    check = store.get_check(latest[0].id) if latest else None
    trigger_id = f"rt_{uuid.uuid4().hex}"
    delivery = None
    if monitor.alerts.retrain is not None:
        payload = retrain_payload(
            trigger_id=trigger_id,
            monitor=monitor.name,
            source="manual",
            reason=reason,
            rule=None,
            requested_by=requested_by,
            check=check,
            dashboard_url=monitor.alerts.dashboard_url,
            occurred_at=now(),
        )
        delivery = NewDelivery("retrain", "retrain", new_webhook_id(), payload)
    created = store.create_retrain_trigger(
        monitor.name,
        NewRetrainTrigger(
            trigger_id=trigger_id,
            source="manual",
            rule=None,
            reason=reason,
            requested_by=requested_by,
            cooldown=dt.timedelta(0),
            delivery=delivery,
        ),
    )
    assert created is not None  # no cooldown for a manual trigger
    return created
