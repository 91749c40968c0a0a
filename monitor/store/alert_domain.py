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
    "GateStatus",
    "NewDelivery",
    "NewRetrainTrigger",
    "NewTransition",
    "OpenAlerts",
    "PromotionGate",
    "RetrainRun",
    "RetrainTrigger",
    "RunStatus",
    "Silence",
]

AlertState = Literal["ok", "pending", "firing", "resolved"]
DeliveryStatus = Literal["pending", "delivered", "failed"]
DeliveryKind = Literal["alert", "retrain"]
RunStatus = Literal["launching", "running", "finished", "failed", "timed_out"]
GateStatus = Literal["waiting", "promoted", "not_promoted"]


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


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


@dataclass(frozen=True, slots=True)
class PromotionGate:
    """The promotion gate's verdict on a retraining run's new version (``candidate``) against
    the version holding ``alias`` (``current``): both scored with ``metric`` on ``n_labels``
    labelled records newer than the candidate's training data (event times up to
    ``records_until_at``). ``waiting`` until enough labels arrived."""

    status: GateStatus
    alias: str
    metric: str
    candidate_value: float | None
    current_value: float | None
    current_version: str | None
    n_labels: int | None
    records_until_at: dt.datetime | None
    detail: str
    decided_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class RetrainRun:
    """The MLflow Project run a retrain trigger launched (``mlflow_project`` target): its
    status, the labelled records' time range it was given, the version it registered and
    the promotion gate's verdict (None without a ``promote`` section)."""

    status: RunStatus
    detail: str | None
    run_id: str | None
    experiment_id: str | None
    run_url: str | None
    pid: int | None
    labels_since_at: dt.datetime | None
    labels_until_at: dt.datetime | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    model_name: str | None
    model_version: str | None
    gate: PromotionGate | None

    @property
    def is_active(self) -> bool:
        """Launching, running, or finished with the gate waiting for labels."""
        if self.status in ("launching", "running"):
            return True
        return self.gate is not None and self.gate.status == "waiting"

    @property
    def outcome(self) -> str:
        """One word: ``launching``, ``running``, ``waiting`` (the gate), ``promoted``,
        ``not_promoted``, ``finished`` (no gate), ``failed`` or ``timed_out``."""
        if self.status == "finished" and self.gate is not None:
            return self.gate.status
        return self.status

    def summary(self) -> str:
        """What became of the run, in one line (the CLI and the dashboard show it)."""
        run = f"run {self.run_id}" if self.run_id else "run"
        version = f"{self.model_name} version {self.model_version}" if self.model_version else None
        if self.status == "launching":
            return "launching the MLflow Project run"
        if self.status == "running":
            return f"{run} running"
        if self.status in ("failed", "timed_out"):
            word = "failed" if self.status == "failed" else "timed out"
            return f"{run} {word}: {self.detail or 'no detail'}"
        gate = self.gate
        if gate is None:
            if version is None:
                return f"{run} finished: {self.detail or 'no model version registered'}"
            return f"{run} finished: registered {version} (no promotion gate)"
        if gate.status == "waiting":
            return f"{run} registered {version}; gate waiting: {gate.detail}"
        numbers = ""
        if gate.candidate_value is not None or gate.current_value is not None:
            numbers = (
                f" ({gate.metric} {_number(gate.candidate_value)} for version "
                f"{self.model_version} vs {_number(gate.current_value)} for version "
                f"{gate.current_version or '-'} on {gate.n_labels} labelled records)"
            )
        if gate.status == "promoted":
            return f"promoted: @{gate.alias} -> {version}{numbers}"
        return f"not promoted: {gate.detail}{numbers}"


@dataclass(frozen=True, slots=True)
class RetrainTrigger:
    """A request to retrain; ``outcome`` is its delivery's status (``no_delivery`` when the
    monitor had no retrain target), ``detail`` the delivery's last error. For an MLflow
    Project target, ``run`` is the run it launched (None until it is launched)."""

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
    detail: str | None = None
    run: RetrainRun | None = None


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
