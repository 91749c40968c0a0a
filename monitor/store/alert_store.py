"""The alerts half of ``Store``: alert states and transitions, silences, retrain triggers and
the delivery outbox. ``Store`` inherits these methods; each is one transaction.

An alert change, its transition, its outbox rows and its retrain trigger are written in
one transaction (``record_alert_changes``), so a crash leaves either all of them or none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from monitor.errors import ConfigError
from monitor.store._alert_rows import (
    deliveries_of,
    delivery_row,
    silence_of,
    status_of,
    transition_of,
    triggers_of,
)
from monitor.store._base import StoreBase
from monitor.store._rows import aware
from monitor.store.alert_domain import (
    AlertChange,
    AlertHistory,
    AlertStatus,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    NewRetrainTrigger,
    RetrainTrigger,
    Silence,
)
from monitor.store.links import requeue_latest_writeback
from monitor.store.models import (
    AlertRow,
    AlertTransitionRow,
    DeliveryAttemptRow,
    DeliveryRow,
    MonitorRow,
    RetrainTriggerRow,
    SilenceRow,
)

__all__ = ["AlertStoreMixin"]


class AlertStoreMixin(StoreBase):
    """Alert, silence, delivery and retrain-trigger methods of ``Store``."""

    # -- alert states --------------------------------------------------------------------

    def alert_states(self, monitor: str) -> dict[str, AlertStatus]:
        """The current state of every rule of ``monitor`` that was ever evaluated."""
        with self._session(readonly=True) as session:
            rows = session.scalars(
                select(AlertRow)
                .join(MonitorRow, AlertRow.monitor_id == MonitorRow.id)
                .where(MonitorRow.name == monitor)
                .order_by(AlertRow.rule)
            )
            return {row.rule: status_of(row, monitor) for row in rows}

    def record_alert_changes(
        self,
        monitor: str,
        changes: Sequence[AlertChange],
        *,
        check_id: int,
        window_start_at: dt.datetime,
        window_end_at: dt.datetime,
    ) -> list[str]:
        """Apply the evaluation of one check: each rule's new state, its transition, its
        outbox deliveries and its retrain trigger, all in one transaction. A rule already
        evaluated on this window or a later one is left alone (evaluation is idempotent).
        Returns the rules that were applied. When a rule starts or stops firing, the MLflow
        write-back of the monitor's latest check is queued again (its ``drift_status`` tag
        says ``alerting`` while any rule fires)."""
        now = self._clock()
        window_start_at = aware("window_start_at", window_start_at)
        window_end_at = aware("window_end_at", window_end_at)
        applied: list[str] = []
        firing_changed = False
        with self._session() as session:
            monitor_id = self._monitor_id(session, monitor, lock=True)
            for change in changes:
                row = session.scalars(
                    select(AlertRow).where(
                        AlertRow.monitor_id == monitor_id, AlertRow.rule == change.rule
                    )
                ).first()
                if row is None:
                    row = AlertRow(monitor_id=monitor_id, rule=change.rule, state_since_at=now)
                    session.add(row)
                elif row.last_window_end_at is not None and row.last_window_end_at >= (
                    window_end_at
                ):
                    continue
                if row.state != change.state:
                    row.state_since_at = now
                    firing_changed |= "firing" in (row.state, change.state)
                row.severity, row.state, row.streak = change.severity, change.state, change.streak
                row.last_window_end_at, row.last_check_id = window_end_at, check_id
                row.updated_at = now
                if change.notified:
                    row.last_notified_at = now
                session.flush()
                applied.append(change.rule)
                transition_id = None
                if change.transition is not None:
                    record = AlertTransitionRow(
                        alert_id=row.id,
                        from_state=change.transition.from_state,
                        to_state=change.transition.to_state,
                        reason=change.transition.reason,
                        detail=change.transition.detail,
                        check_id=check_id,
                        window_start_at=window_start_at,
                        window_end_at=window_end_at,
                        notified=change.transition.notified,
                        at=now,
                    )
                    session.add(record)
                    session.flush()
                    transition_id = record.id
                for new in change.deliveries:
                    session.add(delivery_row(monitor_id, new, now, transition_id=transition_id))
                if change.retrain is not None:
                    self._add_trigger(session, monitor_id, change.retrain, now)
            if firing_changed:
                requeue_latest_writeback(session, monitor_id, now)
        return applied

    # -- retrain triggers ----------------------------------------------------------------

    @staticmethod
    def _add_trigger(
        session: Session, monitor_id: int, trigger: NewRetrainTrigger, now: dt.datetime
    ) -> RetrainTriggerRow | None:
        if trigger.cooldown > dt.timedelta(0):
            last = session.scalar(
                select(func.max(RetrainTriggerRow.created_at)).where(
                    RetrainTriggerRow.monitor_id == monitor_id
                )
            )
            if last is not None and now - aware("created_at", last) < trigger.cooldown:
                return None
        row = RetrainTriggerRow(
            trigger_id=trigger.trigger_id,
            monitor_id=monitor_id,
            source=trigger.source,
            rule=trigger.rule,
            reason=trigger.reason,
            requested_by=trigger.requested_by,
            created_at=now,
        )
        session.add(row)
        session.flush()
        if trigger.delivery is not None:
            session.add(delivery_row(monitor_id, trigger.delivery, now, trigger_id=row.id))
        return row

    def create_retrain_trigger(
        self, monitor: str, trigger: NewRetrainTrigger
    ) -> RetrainTrigger | None:
        """Record a retrain trigger and queue its delivery; None when still in cooldown."""
        with self._session() as session:
            monitor_id = self._monitor_id(session, monitor, lock=True)
            row = self._add_trigger(session, monitor_id, trigger, self._clock())
            if row is None:
                return None
            return self._triggers(session, [(row, monitor)])[0]

    def list_retrain_triggers(
        self,
        monitor: str | None = None,
        *,
        limit: int = 50,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[RetrainTrigger]:
        """Retrain triggers created in [since, until) (default: any time), newest first,
        with the outcome of their delivery."""
        statement = (
            select(RetrainTriggerRow, MonitorRow.name)
            .join(MonitorRow, RetrainTriggerRow.monitor_id == MonitorRow.id)
            .order_by(RetrainTriggerRow.created_at.desc(), RetrainTriggerRow.id.desc())
            .limit(limit)
        )
        if monitor is not None:
            statement = statement.where(MonitorRow.name == monitor)
        if since is not None:
            statement = statement.where(RetrainTriggerRow.created_at >= aware("since", since))
        if until is not None:
            statement = statement.where(RetrainTriggerRow.created_at < aware("until", until))
        with self._session(readonly=True) as session:
            rows = [(row, name) for row, name in session.execute(statement).all()]
            return self._triggers(session, rows)

    @staticmethod
    def _triggers(
        session: Session, rows: Sequence[tuple[RetrainTriggerRow, str]]
    ) -> list[RetrainTrigger]:
        return triggers_of(session, rows)

    # -- silences ------------------------------------------------------------------------

    def add_silence(
        self,
        monitor: str,
        *,
        rule: str | None,
        starts_at: dt.datetime,
        ends_at: dt.datetime,
        created_by: str,
        comment: str,
    ) -> Silence:
        """Mute notifications of ``rule`` (None: every rule) of ``monitor`` in [starts, ends)."""
        starts_at, ends_at = aware("starts_at", starts_at), aware("ends_at", ends_at)
        if ends_at <= starts_at:
            raise ConfigError(
                f"silence ends at {ends_at.isoformat()}, not after it starts "
                f"({starts_at.isoformat()}); give an end later than the start"
            )
        if not created_by.strip():
            raise ConfigError("a silence needs its creator (created_by); give a name")
        with self._session() as session:
            row = SilenceRow(
                monitor_id=self._monitor_id(session, monitor),
                rule=rule,
                starts_at=starts_at,
                ends_at=ends_at,
                created_by=created_by,
                comment=comment,
                created_at=self._clock(),
            )
            session.add(row)
            session.flush()
            return silence_of(row, monitor)

    def expire_silence(self, silence_id: int) -> Silence | None:
        """End silence ``silence_id`` now (if it has not ended); None if there is no such."""
        now = self._clock()
        with self._session() as session:
            found = session.execute(
                select(SilenceRow, MonitorRow.name)
                .join(MonitorRow, SilenceRow.monitor_id == MonitorRow.id)
                .where(SilenceRow.id == silence_id)
            ).first()
            if found is None:
                return None
            row, name = found
            if row.ends_at > now:
                row.ends_at = max(now, row.starts_at)
            return silence_of(row, name)

    def list_silences(
        self, monitor: str | None = None, *, active_at: dt.datetime | None = None
    ) -> list[Silence]:
        """Silences, newest first; ``active_at`` keeps those in force at that time."""
        statement = (
            select(SilenceRow, MonitorRow.name)
            .join(MonitorRow, SilenceRow.monitor_id == MonitorRow.id)
            .order_by(SilenceRow.starts_at.desc(), SilenceRow.id.desc())
        )
        if monitor is not None:
            statement = statement.where(MonitorRow.name == monitor)
        if active_at is not None:
            at = aware("active_at", active_at)
            statement = statement.where(SilenceRow.starts_at <= at, SilenceRow.ends_at > at)
        with self._session(readonly=True) as session:
            return [silence_of(row, name) for row, name in session.execute(statement).all()]

    # -- alert history -------------------------------------------------------------------

    def list_alerts(self, monitor: str, *, transitions: int = 50) -> list[AlertHistory]:
        """Every alert of ``monitor`` with its latest ``transitions`` transitions."""
        with self._session(readonly=True) as session:
            rows = session.scalars(
                select(AlertRow)
                .join(MonitorRow, AlertRow.monitor_id == MonitorRow.id)
                .where(MonitorRow.name == monitor)
                .order_by(AlertRow.rule)
            ).all()
            out = []
            for row in rows:
                found = session.scalars(
                    select(AlertTransitionRow)
                    .where(AlertTransitionRow.alert_id == row.id)
                    .order_by(AlertTransitionRow.id.desc())
                    .limit(transitions)
                )
                out.append(
                    AlertHistory(
                        status_of(row, monitor),
                        tuple(transition_of(t, monitor, row.rule) for t in found),
                    )
                )
            return out

    # -- the outbox ----------------------------------------------------------------------

    def _delivery_query(self) -> Any:
        return select(DeliveryRow, MonitorRow.name).join(
            MonitorRow, DeliveryRow.monitor_id == MonitorRow.id
        )

    def due_deliveries(self, *, limit: int = 100) -> list[Delivery]:
        """Pending deliveries whose next attempt is due now, oldest first."""
        now = self._clock()
        statement = (
            self._delivery_query()
            .where(DeliveryRow.status == "pending", DeliveryRow.next_attempt_at <= now)
            .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id)
            .limit(limit)
        )
        with self._session(readonly=True) as session:
            return deliveries_of(session, [(row, name) for row, name in session.execute(statement)])

    def claim_delivery(self, delivery_id: int, *, until: dt.datetime) -> bool:
        """Take a due delivery for sending: push its next attempt to ``until`` so no other
        sender takes it meanwhile (and a crashed sender's claim runs out). False when it is
        no longer due or no longer pending."""
        now = self._clock()
        with self._session() as session:
            result = session.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.id == delivery_id,
                    DeliveryRow.status == "pending",
                    DeliveryRow.next_attempt_at <= now,
                )
                .values(next_attempt_at=aware("until", until))
                .returning(DeliveryRow.id)
            )
            return result.first() is not None

    def record_delivery_attempt(
        self,
        delivery_id: int,
        attempt: DeliveryAttempt,
        *,
        status: DeliveryStatus,
        next_attempt_at: dt.datetime | None = None,
    ) -> Delivery:
        """Record one attempt and the delivery's resulting status (and next attempt)."""
        now = self._clock()
        with self._session() as session:
            row = session.get(DeliveryRow, delivery_id, with_for_update=True)
            if row is None:
                raise ConfigError(f"no delivery with id {delivery_id}")
            session.add(
                DeliveryAttemptRow(
                    delivery_id=delivery_id,
                    number=attempt.number,
                    started_at=attempt.started_at,
                    latency_s=attempt.latency_s,
                    status_code=attempt.status_code,
                    ok=attempt.ok,
                    retryable=attempt.retryable,
                    error=attempt.error,
                )
            )
            row.attempts = max(row.attempts, attempt.number)
            row.status = status
            row.last_error = None if attempt.ok else attempt.error
            if status == "pending":
                row.next_attempt_at = aware("next_attempt_at", next_attempt_at or now)
            else:
                row.finished_at = now
            session.flush()
            name = session.scalar(select(MonitorRow.name).where(MonitorRow.id == row.monitor_id))
            return deliveries_of(session, [(row, str(name))])[0]

    def list_deliveries(
        self,
        monitor: str | None = None,
        *,
        status: DeliveryStatus | None = None,
        limit: int = 100,
    ) -> list[Delivery]:
        """Deliveries with their attempts, newest first."""
        statement = (
            self._delivery_query()
            .order_by(DeliveryRow.created_at.desc(), DeliveryRow.id.desc())
            .limit(limit)
        )
        if monitor is not None:
            statement = statement.where(MonitorRow.name == monitor)
        if status is not None:
            statement = statement.where(DeliveryRow.status == status)
        with self._session(readonly=True) as session:
            return deliveries_of(session, [(row, name) for row, name in session.execute(statement)])

    def get_delivery(self, delivery_id: int) -> Delivery | None:
        """One delivery with its attempts, or None."""
        statement = self._delivery_query().where(DeliveryRow.id == delivery_id)
        with self._session(readonly=True) as session:
            found = [(row, name) for row, name in session.execute(statement)]
            return deliveries_of(session, found)[0] if found else None
