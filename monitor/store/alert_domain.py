"""What the store returns about alerts, silences, deliveries and retrain triggers, and the
values ``alerts`` hands it to write. Small frozen values, never ORM rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "AlertChange",
    "AlertHistory",
    "AlertState",
    "AlertStatus",
    "AlertTransition",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryKind",
    "DeliveryStatus",
    "NewDelivery",
    "NewRetrainTrigger",
    "NewTransition",
    "OpenAlerts",
    "RetrainTrigger",
    "Silence",
]

AlertState = Literal["ok", "pending", "firing", "resolved"]
DeliveryStatus = Literal["pending", "delivered", "failed"]
DeliveryKind = Literal["alert", "retrain"]


@dataclass(frozen=True, slots=True)
class AlertStatus:
    """The current state of one rule of one monitor."""

    monitor: str
    rule: str
    severity: str
    state: AlertState
    streak: int
    """Consecutive evaluated windows in which the rule's condition held."""
    state_since_at: dt.datetime
    last_window_end_at: dt.datetime | None
    last_check_id: int | None
    last_notified_at: dt.datetime | None
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class AlertTransition:
    """One recorded change of an alert (``firing -> firing`` is a repeat notification)."""

    id: int
    monitor: str
    rule: str
    from_state: AlertState
    to_state: AlertState
    reason: str
    detail: str
    check_id: int | None
    window_start_at: dt.datetime | None
    window_end_at: dt.datetime | None
    notified: bool
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class AlertHistory:
    """An alert's state and its transitions, newest first."""

    status: AlertStatus
    transitions: tuple[AlertTransition, ...]


@dataclass(frozen=True, slots=True)
class Silence:
    """Mutes notifications of ``rule`` (None: every rule) of ``monitor`` in [starts, ends)."""

    id: int
    monitor: str
    rule: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    created_by: str
    comment: str
    created_at: dt.datetime

    def is_active(self, at: dt.datetime) -> bool:
        return self.starts_at <= at < self.ends_at

    def matches(self, rule: str) -> bool:
        return self.rule is None or self.rule == rule


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One try at sending a delivery. ``status_code`` is the HTTP status (or SMTP reply
    code); None when no answer came (timeout, connection refused)."""

    number: int
    started_at: dt.datetime
    latency_s: float
    status_code: int | None
    ok: bool
    retryable: bool
    error: str | None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One notification to one channel, with every attempt so far (oldest first)."""

    id: int
    webhook_id: str
    monitor: str
    channel: str
    kind: DeliveryKind
    transition_id: int | None
    trigger_id: int | None
    payload: Mapping[str, Any]
    status: DeliveryStatus
    next_attempt_at: dt.datetime
    created_at: dt.datetime
    finished_at: dt.datetime | None
    last_error: str | None
    attempts: tuple[DeliveryAttempt, ...]


@dataclass(frozen=True, slots=True)
class RetrainTrigger:
    """A request to retrain; ``outcome`` is its delivery's status (``no_delivery`` when the
    monitor had no retrain target)."""

    id: int
    trigger_id: str
    monitor: str
    source: Literal["rule", "manual"]
    rule: str | None
    reason: str
    requested_by: str | None
    created_at: dt.datetime
    outcome: Literal["pending", "delivered", "failed", "no_delivery"]
    attempts: int


# ---------------------------------------------------------------- written by ``alerts``


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """An outbox row to write: ``payload`` is sent as is on every attempt."""

    channel: str
    kind: DeliveryKind
    webhook_id: str
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class NewTransition:
    from_state: AlertState
    to_state: AlertState
    reason: str
    detail: str
    notified: bool


@dataclass(frozen=True, slots=True)
class NewRetrainTrigger:
    """A retrain trigger to write with its delivery; skipped (by the store, in the same
    transaction) when the monitor's previous trigger is younger than ``cooldown``."""

    trigger_id: str
    source: Literal["rule", "manual"]
    rule: str | None
    reason: str
    requested_by: str | None
    cooldown: dt.timedelta
    delivery: NewDelivery | None


@dataclass(frozen=True, slots=True)
class AlertChange:
    """The outcome of evaluating one rule on one check: the new state, the transition to
    record (if any), the notifications to queue and the retrain trigger to create."""

    rule: str
    severity: str
    state: AlertState
    streak: int
    notified: bool
    transition: NewTransition | None
    deliveries: tuple[NewDelivery, ...] = ()
    retrain: NewRetrainTrigger | None = None


# ---------------------------------------------------------------- read by the dashboard


@dataclass(frozen=True, slots=True)
class OpenAlerts:
    """How many alerts of one monitor are open: ``firing`` (notified) and ``pending``
    (condition holding, ``for`` not reached yet)."""

    firing: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.firing + self.pending
