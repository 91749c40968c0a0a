"""Evaluate a monitor's new checks against its rules and queue what must be sent.

``evaluate_monitor`` reads the checks stored since the rules' last evaluated window (it
never runs a check), decides each rule's next state with ``alerts.rules.next_state`` and
writes, per check and in one transaction, the new states, their transitions and the
outbox rows (``deliveries``) of the notifications and retrain triggers they cause. The
delivery job (``alerts.delivery``) sends the outbox later; a crash in between loses
nothing, because the rows are already committed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from alerts.conditions import PERFORMANCE_CONDITIONS, RETRAINING_CONDITIONS, evaluate
from alerts.payload import alert_payload, retrain_payload
from alerts.realised import awaiting_labels
from alerts.rules import Notify, RuleState, next_state
from monitor import config as cfg
from monitor.store import (
    AlertChange,
    AlertStatus,
    CheckDetail,
    NewDelivery,
    NewRetrainTrigger,
    NewTransition,
    RetrainTrigger,
    Silence,
    Store,
    WindowPerformance,
)

__all__ = ["EVALUATION_LIMIT", "evaluate_monitor", "new_webhook_id", "plan_check"]

EVALUATION_LIMIT: Final = 100
"""At most this many of the latest checks are evaluated at once (after a long outage)."""


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_webhook_id() -> str:
    """A unique message id, fixed for a delivery's every attempt (Standard Webhooks)."""
    return f"msg_{uuid.uuid4().hex}"


def _channels(monitor: cfg.Monitor, rule: Any) -> list[str]:
    names = rule.channels if rule.channels is not None else monitor.alerts.channels
    return sorted(names)


def _retrain(
    monitor: cfg.Monitor,
    rule: Any,
    detail: str,
    check: CheckDetail,
    now: dt.datetime,
    new_id: Callable[[], str],
) -> NewRetrainTrigger | None:
    target = monitor.alerts.retrain
    if not rule.retrain or target is None:
        return None
    trigger_id = f"rt_{uuid.uuid4().hex}"
    reason = f"rule {rule.name} fired: {detail}"
    payload = retrain_payload(
        trigger_id=trigger_id,
        monitor=monitor.name,
        source="rule",
        reason=reason,
        rule=rule.name,
        requested_by=None,
        check=check,
        dashboard_url=monitor.alerts.dashboard_url,
        occurred_at=now,
    )
    return NewRetrainTrigger(
        trigger_id=trigger_id,
        source="rule",
        rule=rule.name,
        reason=reason,
        requested_by=None,
        cooldown=target.cooldown,
        delivery=NewDelivery("retrain", "retrain", new_id(), payload),
    )


def plan_check(
    monitor: cfg.Monitor,
    check: CheckDetail,
    states: Mapping[str, AlertStatus],
    silences: Sequence[Silence],
    *,
    now: dt.datetime,
    new_id: Callable[[], str] = new_webhook_id,
    performance: WindowPerformance | None = None,
    waiting: frozenset[str] = frozenset(),
    retraining: RetrainTrigger | None = None,
) -> list[AlertChange]:
    """What evaluating ``check`` changes for each rule not yet evaluated on its window;
    ``performance`` is the window's stored performance (for ``performance_drop`` rules),
    ``retraining`` the latest judged retraining (for ``retraining_outcome`` rules); the
    rules named in ``waiting`` are left alone (they wait for labels)."""
    changes = []
    end = check.summary.window_end_at
    for rule in monitor.alerts.rules:
        if rule.name in waiting:
            continue
        status = states.get(rule.name)
        if status is not None and status.last_window_end_at is not None:
            if status.last_window_end_at >= end:
                continue
        previous = (
            RuleState(status.state, status.streak, status.last_notified_at)
            if status is not None
            else RuleState()
        )
        outcome = evaluate(rule, check, performance, retraining)
        silenced = any(s.is_active(now) and s.matches(rule.name) for s in silences)
        step = next_state(previous, outcome, rule, now=now, silenced=silenced)
        detail = outcome.detail + ("; notification muted by a silence" if step.muted else "")
        transition = None
        if step.reason is not None:
            transition = NewTransition(
                from_state=previous.state,
                to_state=step.state,
                reason=step.reason.value,
                detail=detail,
                notified=step.notify is not None,
            )
        deliveries: tuple[NewDelivery, ...] = ()
        if step.notify is not None:
            payload = alert_payload(
                monitor=monitor.name,
                rule=rule,
                state=step.state,
                previous_state=previous.state,
                notification=step.notify.value,
                detail=outcome.detail,
                check=check,
                dashboard_url=monitor.alerts.dashboard_url,
                occurred_at=now,
            )
            deliveries = tuple(
                NewDelivery(name, "alert", new_id(), payload) for name in _channels(monitor, rule)
            )
        retrain = None
        if step.notify is Notify.FIRING:
            retrain = _retrain(monitor, rule, outcome.detail, check, now, new_id)
        changes.append(
            AlertChange(
                rule=rule.name,
                severity=rule.severity,
                state=step.state,
                streak=step.streak,
                notified=step.notify is not None,
                transition=transition,
                deliveries=deliveries,
                retrain=retrain,
            )
        )
    return changes


def _due(states: Mapping[str, AlertStatus], rule: Any, end: dt.datetime) -> bool:
    status = states.get(rule.name)
    mark = None if status is None else status.last_window_end_at
    return mark is None or mark < end


def evaluate_monitor(
    store: Store,
    monitor: cfg.Monitor,
    *,
    now: Callable[[], dt.datetime] = _utc_now,
    new_id: Callable[[], str] = new_webhook_id,
) -> int:
    """Evaluate every stored check of ``monitor`` newer than its rules' last evaluated
    window, oldest first; returns how many checks were evaluated. Idempotent.

    A rule on realised performance (``alerts.realised``) stops at its first window still
    waiting for labels; later evaluations (after labels arrive) resume from there."""
    rules = monitor.alerts.rules
    if not rules:
        return 0
    states = store.alert_states(monitor.name)
    marks = [states[r.name].last_window_end_at if r.name in states else None for r in rules]
    since = None if any(m is None for m in marks) else min(m for m in marks if m is not None)
    recent = store.list_checks(monitor.name, limit=EVALUATION_LIMIT, newest_first=True)
    pending = [c for c in reversed(recent) if since is None or c.window_end_at > since]
    wants_performance = any(rule.kind in PERFORMANCE_CONDITIONS for rule in rules)
    retraining = (
        store.latest_ended_retrain(monitor.name)
        if pending and any(rule.kind in RETRAINING_CONDITIONS for rule in rules)
        else None
    )
    waiting: set[str] = set()  # realised rules held at an earlier window of this run
    evaluated = 0
    for summary in pending:
        end = summary.window_end_at
        due = [r for r in rules if r.name not in waiting and _due(states, r, end)]
        if not due:
            continue
        at = now()
        performance = (
            store.get_performance(monitor.name, summary.window_start_at, end)
            if wants_performance
            else None
        )
        waiting |= {r.name for r in due if awaiting_labels(r, performance, end, at)}
        if all(r.name in waiting for r in due):
            continue
        check = store.get_check(summary.id)
        if check is None:  # replaced by a re-run meanwhile; its replacement is evaluated next
            continue
        silences = store.list_silences(monitor.name, active_at=at)
        changes = plan_check(
            monitor,
            check,
            states,
            silences,
            now=at,
            new_id=new_id,
            performance=performance,
            waiting=frozenset(waiting),
            retraining=retraining,
        )
        if changes:
            store.record_alert_changes(
                monitor.name,
                changes,
                check_id=summary.id,
                window_start_at=summary.window_start_at,
                window_end_at=end,
            )
            evaluated += 1
            states = store.alert_states(monitor.name)
    return evaluated
