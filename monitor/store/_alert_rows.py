"""Conversions between the alerts tables' rows and domain objects; helpers receive the
session and never open one."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store._rows import json_text
from monitor.store.alert_domain import (
    AlertState,
    AlertStatus,
    AlertTransition,
    Delivery,
    DeliveryAttempt,
    DeliveryKind,
    DeliveryStatus,
    GateStatus,
    NewDelivery,
    PromotionGate,
    RetrainRun,
    RetrainTrigger,
    RunStatus,
    Silence,
)
from monitor.store.models import (
    AlertRow,
    AlertTransitionRow,
    DeliveryAttemptRow,
    DeliveryRow,
    RetrainRunRow,
    RetrainTriggerRow,
    SilenceRow,
)

__all__ = [
    "attempt_of",
    "deliveries_of",
    "delivery_row",
    "run_of",
    "silence_of",
    "status_of",
    "transition_of",
    "triggers_of",
]


def status_of(row: AlertRow, monitor: str) -> AlertStatus:
    return AlertStatus(
        monitor=monitor,
        rule=row.rule,
        severity=row.severity,
        state=cast(AlertState, row.state),
        streak=row.streak,
        state_since_at=row.state_since_at,
        last_window_end_at=row.last_window_end_at,
        last_check_id=row.last_check_id,
        last_notified_at=row.last_notified_at,
        updated_at=row.updated_at,
    )


def transition_of(row: AlertTransitionRow, monitor: str, rule: str) -> AlertTransition:
    return AlertTransition(
        id=row.id,
        monitor=monitor,
        rule=rule,
        from_state=cast(AlertState, row.from_state),
        to_state=cast(AlertState, row.to_state),
        reason=row.reason,
        detail=row.detail,
        check_id=row.check_id,
        window_start_at=row.window_start_at,
        window_end_at=row.window_end_at,
        notified=row.notified,
        at=row.at,
    )


def silence_of(row: SilenceRow, monitor: str) -> Silence:
    return Silence(
        id=row.id,
        monitor=monitor,
        rule=row.rule,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        created_by=row.created_by,
        comment=row.comment,
        created_at=row.created_at,
    )


def attempt_of(row: DeliveryAttemptRow) -> DeliveryAttempt:
    return DeliveryAttempt(
        number=row.number,
        started_at=row.started_at,
        latency_s=row.latency_s,
        status_code=row.status_code,
        ok=row.ok,
        retryable=row.retryable,
        error=row.error,
    )


def deliveries_of(session: Session, rows: Sequence[tuple[DeliveryRow, str]]) -> list[Delivery]:
    ids = [row.id for row, _ in rows]
    attempts: dict[int, list[DeliveryAttempt]] = {i: [] for i in ids}
    if ids:
        for attempt in session.scalars(
            select(DeliveryAttemptRow)
            .where(DeliveryAttemptRow.delivery_id.in_(ids))
            .order_by(DeliveryAttemptRow.delivery_id, DeliveryAttemptRow.number)
        ):
            attempts[attempt.delivery_id].append(attempt_of(attempt))
    return [
        Delivery(
            id=row.id,
            webhook_id=row.webhook_id,
            monitor=monitor,
            channel=row.channel,
            kind=cast(DeliveryKind, row.kind),
            transition_id=row.transition_id,
            trigger_id=row.trigger_id,
            payload=json.loads(row.payload_json),
            status=cast(DeliveryStatus, row.status),
            next_attempt_at=row.next_attempt_at,
            created_at=row.created_at,
            finished_at=row.finished_at,
            last_error=row.last_error,
            attempts=tuple(attempts[row.id]),
        )
        for row, monitor in rows
    ]


def delivery_row(
    monitor_id: int,
    new: NewDelivery,
    now: dt.datetime,
    *,
    transition_id: int | None = None,
    trigger_id: int | None = None,
) -> DeliveryRow:
    return DeliveryRow(
        webhook_id=new.webhook_id,
        monitor_id=monitor_id,
        channel=new.channel,
        kind=new.kind,
        transition_id=transition_id,
        trigger_id=trigger_id,
        payload_json=json_text(new.payload),
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


def run_of(row: RetrainRunRow) -> RetrainRun:
    gate = None
    if row.gate_status is not None:
        gate = PromotionGate(
            status=cast(GateStatus, row.gate_status),
            alias=row.gate_alias or "",
            metric=row.gate_metric or "",
            candidate_value=row.gate_candidate,
            current_value=row.gate_current,
            current_version=row.gate_current_version,
            n_labels=row.gate_labels,
            records_until_at=row.gate_records_until_at,
            detail=row.gate_detail or "",
            decided_at=row.gate_decided_at,
        )
    return RetrainRun(
        status=cast(RunStatus, row.status),
        detail=row.detail,
        run_id=row.run_id,
        experiment_id=row.experiment_id,
        run_url=row.run_url,
        pid=row.pid,
        labels_since_at=row.labels_since_at,
        labels_until_at=row.labels_until_at,
        created_at=row.created_at,
        started_at=row.started_at,
        ended_at=row.ended_at,
        model_name=row.model_name,
        model_version=row.model_version,
        gate=gate,
    )


def triggers_of(
    session: Session, rows: Sequence[tuple[RetrainTriggerRow, str]]
) -> list[RetrainTrigger]:
    """Retrain triggers with the outcome of their delivery and their run, if any."""
    ids = [row.id for row, _ in rows]
    outcome: dict[int, tuple[str, int, str | None]] = {}
    runs: dict[int, RetrainRun] = {}
    if ids:
        for trigger_id, status, attempts, error in session.execute(
            select(
                DeliveryRow.trigger_id,
                DeliveryRow.status,
                DeliveryRow.attempts,
                DeliveryRow.last_error,
            ).where(DeliveryRow.trigger_id.in_(ids))
        ):
            if trigger_id is not None:
                outcome[trigger_id] = (status, attempts, error)
        for run in session.scalars(select(RetrainRunRow).where(RetrainRunRow.trigger_id.in_(ids))):
            runs[run.trigger_id] = run_of(run)
    return [
        RetrainTrigger(
            id=row.id,
            trigger_id=row.trigger_id,
            monitor=name,
            source=cast(Any, row.source),
            rule=row.rule,
            reason=row.reason,
            requested_by=row.requested_by,
            created_at=row.created_at,
            outcome=cast(Any, outcome.get(row.id, ("no_delivery", 0, None))[0]),
            attempts=outcome.get(row.id, ("", 0, None))[1],
            detail=outcome.get(row.id, ("", 0, None))[2],
            run=runs.get(row.id),
        )
        for row, name in rows
    ]
