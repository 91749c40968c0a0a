"""Send due deliveries from the outbox, retry with backoff, record every attempt.

``send_due`` takes each pending delivery whose next attempt is due, claims it (so no
other sender takes it meanwhile; a crashed sender's claim runs out after the channel's
timeout plus ``CLAIM_MARGIN``), sends it once through its channel and records the
attempt: status (HTTP or SMTP code), latency and a redacted error. Then:

- success: ``delivered``;
- a retryable failure (timeout, refused connection, 429, 5xx, SMTP 4xx): pending again
  after ``backoff(n)``, unless the delivery is older than ``max_age`` (default 24 h):
  then ``failed``;
- any other failure: ``failed`` at once.

``backoff(n) = min(max_backoff, initial_backoff * 2**(n-1))`` scaled by a jitter factor
drawn uniformly from [0.5, 1] ("equal jitter"), so many failing deliveries do not retry
in lockstep. The delivery's ``webhook_id`` never changes: a receiver sees the same id on
every retry and can de-duplicate. Delivery is at least once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
from collections.abc import Callable
from pathlib import Path
from typing import Final

import httpx

from alerts.channels.base import Channel, SendOutcome
from alerts.channels.email import EmailSender
from alerts.channels.mlflow_project import LAUNCH_TIMEOUT, ProjectLauncher
from alerts.channels.retrain import RetrainSender
from alerts.channels.slack import SlackSender
from alerts.channels.webhook import WebhookSender
from monitor import config as cfg
from monitor.config.alerts import (
    DeliverySettings,
    EmailChannel,
    MlflowProjectTarget,
    SlackChannel,
)
from monitor.config.durations import format_duration
from monitor.store import Delivery, DeliveryAttempt, Store

__all__ = ["CLAIM_MARGIN", "backoff", "channel_for", "send_delivery", "send_due"]

_log = logging.getLogger(__name__)

CLAIM_MARGIN: Final = dt.timedelta(seconds=5)
_JITTER: Final = (0.5, 1.0)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def backoff(settings: DeliverySettings, attempt: int, rng: random.Random) -> dt.timedelta:
    """The wait after failed attempt number ``attempt`` (1-based), with jitter."""
    initial = settings.initial_backoff.total_seconds()
    ceiling = settings.max_backoff.total_seconds()
    base = min(ceiling, initial * 2 ** min(attempt - 1, 62))
    return dt.timedelta(seconds=base * rng.uniform(*_JITTER))


class _Missing:
    """A channel that is no longer configured: fails at once, saying so."""

    def __init__(self, detail: str) -> None:
        self._detail = detail

    def send(self, delivery: Delivery) -> SendOutcome:
        return SendOutcome(False, False, self._detail)


def _timeout(monitor: cfg.Monitor, name: str) -> dt.timedelta:
    alerts = monitor.alerts
    if name == "retrain" and isinstance(alerts.retrain, MlflowProjectTarget):
        return LAUNCH_TIMEOUT  # the run's own timeout is followed by alerts.retraining
    if name == "retrain" and alerts.retrain is not None:
        return alerts.retrain.timeout
    channel = alerts.channels.get(name)
    return channel.timeout if channel is not None else dt.timedelta(seconds=10)


def channel_for(
    monitor: cfg.Monitor, name: str, client: httpx.Client, clock: Callable[[], dt.datetime]
) -> Channel:
    """The sender of channel ``name`` of ``monitor`` (``retrain`` is the retrain target)."""
    alerts = monitor.alerts
    if name == "retrain":
        if alerts.retrain is None:
            return _Missing(f"monitor {monitor.name!r} has no retrain target any more")
        if isinstance(alerts.retrain, MlflowProjectTarget):
            return _Missing("an mlflow_project target is launched by ProjectLauncher")
        return RetrainSender(alerts.retrain, client, clock=clock)
    config = alerts.channels.get(name)
    if config is None:
        return _Missing(f"channel {name!r} of monitor {monitor.name!r} is no longer configured")
    if isinstance(config, SlackChannel):
        return SlackSender(config, client)
    if isinstance(config, EmailChannel):
        return EmailSender(config)
    return WebhookSender(config, client, clock=clock)


def send_delivery(
    store: Store,
    delivery: Delivery,
    channel: Channel,
    settings: DeliverySettings,
    *,
    now: Callable[[], dt.datetime] = _utc_now,
    rng: random.Random | None = None,
) -> Delivery:
    """Send one (claimed) delivery once and record the attempt and the resulting status."""
    started_at = now()
    outcome = channel.send(delivery)
    number = len(delivery.attempts) + 1
    attempt = DeliveryAttempt(
        number=number,
        started_at=started_at,
        latency_s=outcome.latency_s,
        status_code=outcome.status_code,
        ok=outcome.ok,
        retryable=outcome.retryable,
        error=None if outcome.ok else outcome.detail,
    )
    if outcome.ok:
        return store.record_delivery_attempt(delivery.id, attempt, status="delivered")
    finished_at = now()
    if outcome.retryable:
        wait = backoff(settings, number, rng or random.Random())
        if finished_at + wait - delivery.created_at <= settings.max_age:
            return store.record_delivery_attempt(
                delivery.id, attempt, status="pending", next_attempt_at=finished_at + wait
            )
        attempt = dataclasses.replace(
            attempt,
            error=f"{outcome.detail}; gave up: the next retry would pass max_age "
            f"{format_duration(settings.max_age)}",
        )
    _log.warning(
        "delivery %s (%s, %s) failed: %s",
        delivery.webhook_id,
        delivery.monitor,
        delivery.channel,
        attempt.error,
    )
    return store.record_delivery_attempt(delivery.id, attempt, status="failed")


def send_due(
    store: Store,
    config: cfg.Config,
    *,
    transport: httpx.BaseTransport | None = None,
    now: Callable[[], dt.datetime] = _utc_now,
    rng: random.Random | None = None,
    limit: int = 100,
    config_dir: Path | None = None,
) -> list[Delivery]:
    """Send every due delivery once; returns them as recorded afterwards. A retrain delivery
    of a monitor with an ``mlflow_project`` target launches its project (relative project
    folders are relative to ``config_dir``, default the working directory)."""
    due = store.due_deliveries(limit=limit)
    if not due:
        # serve runs this every second: no HTTP client (and its TLS context, tens of
        # milliseconds of CPU to load the CA bundle) when nothing is due
        return []
    monitors = {m.name: m for m in config.monitors}
    sent = []
    with httpx.Client(transport=transport, follow_redirects=False) as client:
        for delivery in due:
            monitor = monitors.get(delivery.monitor)
            if monitor is None:
                channel: Channel = _Missing(f"monitor {delivery.monitor!r} is no longer configured")
                settings = DeliverySettings()
                claim = CLAIM_MARGIN
            elif delivery.channel == "retrain" and isinstance(
                monitor.alerts.retrain, MlflowProjectTarget
            ):
                channel = ProjectLauncher(store, config, monitor, config_dir=config_dir)
                settings = monitor.alerts.delivery
                claim = LAUNCH_TIMEOUT + CLAIM_MARGIN
            else:
                channel = channel_for(monitor, delivery.channel, client, now)
                settings = monitor.alerts.delivery
                claim = _timeout(monitor, delivery.channel) + CLAIM_MARGIN
            if not store.claim_delivery(delivery.id, until=now() + claim):
                continue
            sent.append(send_delivery(store, delivery, channel, settings, now=now, rng=rng))
    return sent
