"""The store's side of the MLflow link: model version events and the write-back outbox.

``Store`` mixes ``ModelLinkStore`` in. A monitor that follows ``models:/name@alias`` records
an event whenever the version it checks against changes (the first resolution included),
so the dashboard can mark the switch on its time series. A check linked to a model version
is queued in ``mlflow_writebacks`` in the same transaction that saves it; the write-back job
sends it to MLflow and marks it done, or records the error and when to try again.

A window's metrics reach MLflow once per model version: when a re-run replaces a check
whose metrics were sent, the new outbox row keeps ``metrics_sent_at`` and its write-back
only refreshes the model version's ``drift_status`` tag (MLflow cannot replace a metric
point). When an alert of the monitor starts or stops firing, the write-back of the
monitor's latest linked check is queued again (in the alert change's transaction) so the
tag shows ``alerting`` or stops showing it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, cast

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from monitor.errors import ConfigError
from monitor.store._base import StoreBase
from monitor.store._rows import aware
from monitor.store.models import CheckRow, MlflowWritebackRow, ModelVersionEventRow, MonitorRow

__all__ = [
    "DetectedBy",
    "ModelLinkStore",
    "ModelVersionEvent",
    "PendingWriteback",
    "metrics_sent_at",
    "requeue_latest_writeback",
]

DetectedBy = Literal["poll", "webhook"]
_ERROR_LENGTH = 2_000


@dataclass(frozen=True, slots=True)
class ModelVersionEvent:
    """From ``at`` on, ``monitor`` checks against ``model_name`` version ``new_version``
    (``old_version`` None: the first version it followed)."""

    id: int
    monitor: str
    at: dt.datetime
    model_name: str
    alias: str | None
    old_version: str | None
    new_version: str
    run_id: str
    detected_by: DetectedBy


@dataclass(frozen=True, slots=True)
class PendingWriteback:
    """A check whose results have not reached MLflow yet."""

    check_id: int
    monitor: str
    attempts: int
    last_error: str | None
    metrics_sent_at: dt.datetime | None = None
    """Set when this window's metrics already reached MLflow: only the tag is left to send."""


def _event(row: ModelVersionEventRow, monitor: str) -> ModelVersionEvent:
    return ModelVersionEvent(
        id=row.id,
        monitor=monitor,
        at=row.at,
        model_name=row.model_name,
        alias=row.alias,
        old_version=row.old_version,
        new_version=row.new_version,
        run_id=row.run_id,
        detected_by=cast(DetectedBy, row.detected_by),
    )


class ModelLinkStore(StoreBase):
    """Store methods of the MLflow link (mixed into ``Store``)."""

    # -- model version events -------------------------------------------------------------

    def follow_model_version(
        self,
        monitor: str,
        *,
        model_name: str,
        version: str,
        run_id: str,
        alias: str | None = None,
        detected_by: DetectedBy = "poll",
        at: dt.datetime | None = None,
    ) -> ModelVersionEvent | None:
        """Record that ``monitor`` now follows ``model_name`` ``version``; returns the new
        event, or None when it already followed that version (nothing recorded)."""
        if detected_by not in ("poll", "webhook"):
            raise ConfigError(f"detected_by {detected_by!r}: expected 'poll' or 'webhook'")
        with self._session() as session:
            monitor_id = self._monitor_id(session, monitor, lock=True)
            last = session.scalars(
                select(ModelVersionEventRow)
                .where(ModelVersionEventRow.monitor_id == monitor_id)
                .order_by(ModelVersionEventRow.id.desc())
                .limit(1)
            ).first()
            if last is not None and (last.model_name, last.new_version) == (model_name, version):
                return None
            row = ModelVersionEventRow(
                monitor_id=monitor_id,
                at=self._clock() if at is None else at,
                model_name=model_name,
                alias=alias,
                old_version=None if last is None else last.new_version,
                new_version=version,
                run_id=run_id,
                detected_by=detected_by,
            )
            session.add(row)
            session.flush()
            return _event(row, monitor)

    def current_model_version(self, monitor: str) -> ModelVersionEvent | None:
        """The latest model version event of ``monitor``: the version it follows now."""
        events = self.list_model_version_events(monitor, limit=1, newest_first=True)
        return events[0] if events else None

    def list_model_version_events(
        self,
        monitor: str,
        *,
        since: dt.datetime | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[ModelVersionEvent]:
        """Model version events of ``monitor``, oldest first unless ``newest_first``;
        ``since`` keeps those at or after it (for marking a time series)."""
        statement = (
            select(ModelVersionEventRow)
            .join(MonitorRow, ModelVersionEventRow.monitor_id == MonitorRow.id)
            .where(MonitorRow.name == monitor)
            .order_by(ModelVersionEventRow.id.desc())
        )
        if since is not None:
            statement = statement.where(ModelVersionEventRow.at >= aware("since", since))
        if limit is not None:
            statement = statement.limit(limit)
        with self._session(readonly=True) as session:
            events = [_event(row, monitor) for row in session.scalars(statement)]
        return events if newest_first else events[::-1]

    # -- MLflow write-back outbox ------------------------------------------------------------

    def due_writebacks(self, *, limit: int = 100) -> list[PendingWriteback]:
        """Pending write-backs whose next attempt is due, oldest check first."""
        now = self._clock()
        statement = (
            select(MlflowWritebackRow, MonitorRow.name)
            .join(CheckRow, MlflowWritebackRow.check_id == CheckRow.id)
            .join(MonitorRow, CheckRow.monitor_id == MonitorRow.id)
            .where(MlflowWritebackRow.done_at.is_(None), MlflowWritebackRow.next_attempt_at <= now)
            .order_by(CheckRow.window_end_at, MlflowWritebackRow.check_id)
            .limit(limit)
        )
        with self._session(readonly=True) as session:
            return [
                PendingWriteback(
                    row.check_id, name, row.attempts, row.last_error, row.metrics_sent_at
                )
                for row, name in session.execute(statement)
            ]

    def count_pending_writebacks(self) -> int:
        """How many write-backs have not reached MLflow yet (due or waiting to retry)."""
        with self._session(readonly=True) as session:
            count = session.scalar(select(func.count()).where(MlflowWritebackRow.done_at.is_(None)))
            return int(count or 0)

    def writeback_done(self, check_id: int) -> None:
        """Mark the write-back of ``check_id`` as delivered (its metrics included)."""
        now = self._clock()
        with self._session() as session:
            session.execute(
                update(MlflowWritebackRow)
                .where(MlflowWritebackRow.check_id == check_id)
                .values(
                    done_at=now,
                    attempts=MlflowWritebackRow.attempts + 1,
                    last_error=None,
                    metrics_sent_at=func.coalesce(MlflowWritebackRow.metrics_sent_at, now),
                )
            )

    def writeback_failed(self, check_id: int, error: str, *, retry_in: dt.timedelta) -> None:
        """Record a failed attempt for ``check_id`` and when to try again."""
        now = self._clock()
        with self._session() as session:
            session.execute(
                update(MlflowWritebackRow)
                .where(MlflowWritebackRow.check_id == check_id)
                .values(
                    attempts=MlflowWritebackRow.attempts + 1,
                    last_error=error[:_ERROR_LENGTH],
                    next_attempt_at=now + retry_in,
                )
            )


# -- helpers of Store's transactions (they receive the session) ---------------------------


def metrics_sent_at(session: Session, check: CheckRow) -> dt.datetime | None:
    """When the metrics of ``check``'s window reached the monitoring run of its model
    version, as recorded on the check it is about to replace (None: not sent yet)."""
    if check.model_name is None or check.model_version is None:
        return None
    found = session.scalar(
        select(MlflowWritebackRow.metrics_sent_at)
        .join(CheckRow, MlflowWritebackRow.check_id == CheckRow.id)
        .where(
            CheckRow.monitor_id == check.monitor_id,
            CheckRow.window_start_at == check.window_start_at,
            CheckRow.window_end_at == check.window_end_at,
            CheckRow.model_name == check.model_name,
            CheckRow.model_version == check.model_version,
        )
    )
    return None if found is None else aware("metrics_sent_at", found)


def requeue_latest_writeback(session: Session, monitor_id: int, now: dt.datetime) -> None:
    """Queue the write-back of the monitor's latest linked check again (its tag is stale)."""
    latest = session.scalar(
        select(MlflowWritebackRow.check_id)
        .join(CheckRow, MlflowWritebackRow.check_id == CheckRow.id)
        .where(CheckRow.monitor_id == monitor_id)
        .order_by(CheckRow.window_end_at.desc(), CheckRow.id.desc())
        .limit(1)
    )
    if latest is not None:
        session.execute(
            update(MlflowWritebackRow)
            .where(MlflowWritebackRow.check_id == latest, MlflowWritebackRow.done_at.is_not(None))
            .values(done_at=None, next_attempt_at=now)
        )
