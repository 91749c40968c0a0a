"""Removing old rows, mixed into :class:`~monitor.store.Store`: the one prune that the
scheduled retention job and ``driftline records prune`` both call.

What goes, and by which time:

=================  ==========================================================================
records            record batches whose last event time is before the cut, with their
                   record ids (``record_keys``) and window memberships
prediction_logs    the same, for batches logged by ``serve-model`` (they carry the
                   ``model_version`` field)
labels             labels received before the cut
delivery_attempts  attempts of finished (delivered or failed) deliveries started before it
=================  ==========================================================================

Check results (checks, column results, performance) are always kept. Each transaction
removes a bounded amount: up to ``batch_rows`` records (or one record batch, whichever is
more), labels or attempts, so a large prune never holds one long transaction.

Records a window that is not checked yet needs are never removed: a monitor's records
are safe to remove only before the end of its last checked window (and before any checked
window whose realised performance waits to be recomputed because labels arrived). A cut
past that is refused (:class:`PruneRefused`, with the reason) or, with ``pending="keep"`` (the
scheduled job), lowered to that end. A cut in the future is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeVar

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from monitor.engine.records import RECORD_ID, table_from_bytes
from monitor.errors import ConfigError
from monitor.store._base import StoreBase
from monitor.store._rows import aware
from monitor.store.models import (
    CheckRow,
    DeliveryAttemptRow,
    DeliveryRow,
    LabelRow,
    MonitorRow,
    PerformanceDirtyRow,
    RecordBatchRow,
    RecordKeyRow,
    WindowMemberRow,
)

__all__ = [
    "DEFAULT_BATCH_ROWS",
    "PREDICTION_LOG_FIELD",
    "PruneCuts",
    "PruneRefused",
    "PruneResult",
    "RetentionStore",
]

DEFAULT_BATCH_ROWS: Final = 10_000
PREDICTION_LOG_FIELD: Final = "model_version"
"""The field every record ``serve-model`` logs carries (``monitor.serving`` sets it; a test
keeps the two equal)."""
_IN_CHUNK: Final = 1_000
_T = TypeVar("_T")
"""Ids per ``IN (...)`` list (well under SQLite's and PostgreSQL's parameter limits)."""

Pending = Literal["refuse", "keep"]


def _pairs(result: Any) -> dict[Any, Any]:
    """The rows of a two-column result as a dict."""
    return {row[0]: row[1] for row in result}


class PruneRefused(ConfigError):
    """A prune would remove records that a window not checked yet needs."""


@dataclass(frozen=True, slots=True)
class PruneCuts:
    """Remove rows of each kind from before its time; None keeps that kind."""

    records: dt.datetime | None = None
    prediction_logs: dt.datetime | None = None
    labels: dt.datetime | None = None
    delivery_attempts: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class PruneResult:
    records: int = 0
    prediction_logs: int = 0
    record_batches: int = 0
    labels: int = 0
    delivery_attempts: int = 0
    transactions: int = 0
    kept_for_pending: dict[str, dt.datetime] = field(default_factory=dict)
    """Monitors whose records cut was lowered to their last checked window's end."""

    def describe(self) -> str:
        text = (
            f"removed {self.records} record(s) and {self.prediction_logs} prediction log "
            f"record(s) in {self.record_batches} batch(es), {self.labels} label(s), "
            f"{self.delivery_attempts} delivery attempt(s) in {self.transactions} "
            "transaction(s)"
        )
        for name, until in sorted(self.kept_for_pending.items()):
            text += f"; {name}: records from {until.isoformat()} on kept for unchecked windows"
        return text


def _chunks(items: Sequence[_T]) -> list[Sequence[_T]]:
    return [items[i : i + _IN_CHUNK] for i in range(0, len(items), _IN_CHUNK)]


@dataclass
class _Tally:
    records: int = 0
    prediction_logs: int = 0
    batches: int = 0
    labels: int = 0
    attempts: int = 0
    transactions: int = 0


class RetentionStore(StoreBase):
    def prune(
        self,
        cuts: PruneCuts,
        *,
        monitor: str | None = None,
        pending: Pending = "refuse",
        batch_rows: int = DEFAULT_BATCH_ROWS,
    ) -> PruneResult:
        """Remove what ``cuts`` names (see the module docstring), of ``monitor`` or of every
        monitor; returns what was removed."""
        if batch_rows < 1:
            raise ConfigError(f"batch_rows must be at least 1, got {batch_rows}")
        now = self._clock()
        given = {
            name: aware(name, value)
            for name, value in (
                ("records", cuts.records),
                ("prediction_logs", cuts.prediction_logs),
                ("labels", cuts.labels),
                ("delivery_attempts", cuts.delivery_attempts),
            )
            if value is not None
        }
        for name, value in given.items():
            if value > now:
                raise ConfigError(
                    f"{name}: --before {value.isoformat()} is in the future (now "
                    f"{now.isoformat()}); give a time in the past"
                )
        with self._session(readonly=True) as session:
            if monitor is None:
                ids = _pairs(session.execute(select(MonitorRow.id, MonitorRow.name)))
            else:
                ids = {self._monitor_id(session, monitor): monitor}
        tally = _Tally()
        kept: dict[str, dt.datetime] = {}
        record_cuts = (given.get("records"), given.get("prediction_logs"))
        if any(cut is not None for cut in record_cuts):
            plans = {}
            for monitor_id, name in sorted(ids.items(), key=lambda item: item[1]):
                lowered = self._safe_cuts(monitor_id, name, record_cuts, pending)
                if lowered[2] is not None:
                    kept[name] = lowered[2]
                plans[monitor_id] = lowered[:2]
            for monitor_id, (records_cut, logs_cut) in plans.items():
                self._prune_records(monitor_id, records_cut, logs_cut, batch_rows, tally)
        if "labels" in given:
            self._prune_labels(given["labels"], ids, batch_rows, tally)
        if "delivery_attempts" in given:
            self._prune_attempts(given["delivery_attempts"], ids, batch_rows, tally)
        return PruneResult(
            records=tally.records,
            prediction_logs=tally.prediction_logs,
            record_batches=tally.batches,
            labels=tally.labels,
            delivery_attempts=tally.attempts,
            transactions=tally.transactions,
            kept_for_pending=kept,
        )

    def _safe_cuts(
        self,
        monitor_id: int,
        name: str,
        cuts: tuple[dt.datetime | None, dt.datetime | None],
        pending: Pending,
    ) -> tuple[dt.datetime | None, dt.datetime | None, dt.datetime | None]:
        """The records and prediction-log cuts of one monitor, lowered (or refused) so no
        record of a window not checked yet goes, nor one of a checked window whose realised
        performance waits to be recomputed (labels arrived); the third value is the bound
        applied."""
        latest = max(cut for cut in cuts if cut is not None)
        with self._session(readonly=True) as session:
            checked = session.scalar(
                select(func.max(CheckRow.window_end_at)).where(CheckRow.monitor_id == monitor_id)
            )
            dirty = session.scalar(
                select(func.min(PerformanceDirtyRow.window_start_at)).where(
                    PerformanceDirtyRow.monitor_id == monitor_id
                )
            )
            checked_until = None if checked is None else _as_datetime(checked)
            dirty_from = None if dirty is None else _as_datetime(dirty)
            bound = checked_until
            if dirty_from is not None and (bound is None or dirty_from < bound):
                bound = dirty_from
            needed = select(func.min(RecordBatchRow.last_event_at)).where(
                RecordBatchRow.monitor_id == monitor_id, RecordBatchRow.last_event_at < latest
            )
            if bound is not None:
                needed = needed.where(RecordBatchRow.last_event_at >= bound)
            first_needed = session.scalar(needed)
        if first_needed is None:
            return cuts[0], cuts[1], None
        if pending == "refuse":
            if checked_until is None:
                why = "it has no check yet"
            elif dirty_from is not None and bound == dirty_from:
                why = (
                    f"the window from {dirty_from.isoformat()} waits for its realised performance "
                    "to be recomputed"
                )
            else:
                why = f"its last checked window ends {checked_until.isoformat()}"
            hint = f"give --before at most {bound.isoformat()}, or " if bound else ""
            raise PruneRefused(
                f"monitor {name!r}: records before {latest.isoformat()} include records of "
                f"windows not checked yet ({why}); {hint}run 'driftline checks run {name}' "
                "first"
            )
        if bound is None:
            return None, None, _as_datetime(first_needed)
        return (
            None if cuts[0] is None else min(cuts[0], bound),
            None if cuts[1] is None else min(cuts[1], bound),
            bound,
        )

    def _prune_records(
        self,
        monitor_id: int,
        records_cut: dt.datetime | None,
        logs_cut: dt.datetime | None,
        batch_rows: int,
        tally: _Tally,
    ) -> None:
        cuts = [cut for cut in (records_cut, logs_cut) if cut is not None]
        if not cuts:
            return
        widest = max(cuts)
        after_id = 0
        while True:
            with self._session() as session:
                candidates = session.execute(
                    select(
                        RecordBatchRow.id, RecordBatchRow.n_records, RecordBatchRow.last_event_at
                    )
                    .where(
                        RecordBatchRow.monitor_id == monitor_id,
                        RecordBatchRow.last_event_at < widest,
                        RecordBatchRow.id > after_id,
                    )
                    .order_by(RecordBatchRow.id)
                    .limit(batch_rows)
                ).all()
                if not candidates:
                    return
                chosen: list[int] = []
                total = 0
                for batch_id, n_records, _ in candidates:
                    if chosen and total + n_records > batch_rows:
                        break
                    chosen.append(batch_id)
                    total += n_records
                after_id = chosen[-1]
                ends = {batch_id: last for batch_id, _, last in candidates}
                removed = self._remove_batches(
                    session, monitor_id, chosen, ends, records_cut, logs_cut
                )
                tally.records += removed[0]
                tally.prediction_logs += removed[1]
                tally.batches += removed[2]
                tally.transactions += 1

    @staticmethod
    def _remove_batches(
        session: Session,
        monitor_id: int,
        batch_ids: list[int],
        ends: dict[int, dt.datetime],
        records_cut: dt.datetime | None,
        logs_cut: dt.datetime | None,
    ) -> tuple[int, int, int]:
        records = logs = 0
        gone_batches: list[int] = []
        gone_ids: list[str] = []
        payloads = session.execute(
            select(RecordBatchRow.id, RecordBatchRow.payload).where(
                RecordBatchRow.id.in_(batch_ids)
            )
        )
        for batch_id, payload in payloads:
            table = table_from_bytes(payload)
            is_log = PREDICTION_LOG_FIELD in table.column_names
            cut = logs_cut if is_log else records_cut
            if cut is None or not aware("last_event_at", ends[batch_id]) < cut:
                continue
            gone_batches.append(batch_id)
            gone_ids.extend(str(i) for i in table.column(RECORD_ID).to_pylist())
            if is_log:
                logs += table.num_rows
            else:
                records += table.num_rows
        for chunk in _chunks(gone_ids):
            session.execute(
                delete(RecordKeyRow).where(
                    RecordKeyRow.monitor_id == monitor_id, RecordKeyRow.record_id.in_(chunk)
                )
            )
            session.execute(
                delete(WindowMemberRow).where(
                    WindowMemberRow.monitor_id == monitor_id, WindowMemberRow.record_id.in_(chunk)
                )
            )
        if gone_batches:
            session.execute(delete(RecordBatchRow).where(RecordBatchRow.id.in_(gone_batches)))
        return records, logs, len(gone_batches)

    def _prune_labels(
        self, cut: dt.datetime, ids: dict[int, str], batch_rows: int, tally: _Tally
    ) -> None:
        query = (
            select(LabelRow.id)
            .where(LabelRow.received_at < cut, LabelRow.monitor_id.in_(list(ids)))
            .order_by(LabelRow.id)
        )
        rows, transactions = self._delete_in_batches(query, LabelRow, batch_rows)
        tally.labels += rows
        tally.transactions += transactions

    def _prune_attempts(
        self, cut: dt.datetime, ids: dict[int, str], batch_rows: int, tally: _Tally
    ) -> None:
        query = (
            select(DeliveryAttemptRow.id)
            .join(DeliveryRow, DeliveryAttemptRow.delivery_id == DeliveryRow.id)
            .where(
                DeliveryAttemptRow.started_at < cut,
                DeliveryRow.status != "pending",
                DeliveryRow.monitor_id.in_(list(ids)),
            )
            .order_by(DeliveryAttemptRow.id)
        )
        rows, transactions = self._delete_in_batches(query, DeliveryAttemptRow, batch_rows)
        tally.attempts += rows
        tally.transactions += transactions

    def _delete_in_batches(
        self, query: Select[int], row: type[LabelRow | DeliveryAttemptRow], batch_rows: int
    ) -> tuple[int, int]:
        """Delete the rows whose ids ``query`` selects, oldest first, at most ``batch_rows``
        per transaction; returns (rows deleted, transactions)."""
        rows = transactions = 0
        while True:
            with self._session() as session:
                chosen = list(session.scalars(query.limit(batch_rows)))
                if not chosen:
                    return rows, transactions
                for chunk in _chunks(chosen):
                    session.execute(delete(row).where(row.id.in_(chunk)))
            rows += len(chosen)
            transactions += 1


def _as_datetime(value: object) -> dt.datetime:
    """``max()``/``min()`` of a timestamp column: a datetime (PostgreSQL) or the stored
    text (SQLite, naive UTC)."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
