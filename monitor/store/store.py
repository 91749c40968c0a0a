"""``Store``: the one door to Driftline's database.

Each public method is one transaction and returns domain objects (``monitor.store.domain``).
Driver errors become ``StoreUnavailable`` here, with the URL's password masked. ``Store``
never migrates: ``check_schema`` tells ``serve`` to refuse an old schema, and
``driftline db upgrade`` (``monitor.store.migrate.upgrade``) brings it up to date.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
import pyarrow as pa
from sqlalchemy import delete, func, select

from monitor.engine.records import EVENT_AT, RECORD_ID, window_frame
from monitor.engine.report import ColumnResult, DriftReport, QualityFinding
from monitor.errors import ConfigError
from monitor.store._records import insert_batch, iter_batches, missing_keys, read_batches
from monitor.store._rows import (
    aware,
    check_row,
    column_result,
    column_result_row,
    json_text,
    monitor_of,
    quality_finding,
    quality_finding_row,
    summary_of,
    with_histogram,
)
from monitor.store._writes import acquire_lease, insert_keyed, release_lease, upsert
from monitor.store.alert_reads import AlertReads
from monitor.store.alert_store import AlertStoreMixin
from monitor.store.audit import AuditStore
from monitor.store.domain import CheckDetail, CheckSummary, Monitor
from monitor.store.history import HistoryReads
from monitor.store.links import ModelLinkStore, metrics_sent_at
from monitor.store.metrics_reads import MetricsReads
from monitor.store.migrate import head_revision, revision_of
from monitor.store.models import (
    CheckRow,
    ColumnResultRow,
    LabelRow,
    MlflowWritebackRow,
    MonitorRow,
    QualityFindingRow,
    RecordBatchRow,
)
from monitor.store.performance import PerformanceStore, changed_labels, mark_dirty
from monitor.store.retention import RetentionStore
from monitor.store.retrain_runs import RetrainRunStore

if TYPE_CHECKING:  # imported where used: the profile code loads scipy (through the baseline),
    # which commands that never fold a window (``driftline monitors list``) need not wait for
    from monitor.engine.profile import Profile, ProfileSpec

__all__ = ["Store"]


class Store(
    AlertStoreMixin,
    AlertReads,
    AuditStore,
    HistoryReads,
    MetricsReads,
    ModelLinkStore,
    PerformanceStore,
    RetentionStore,
    RetrainRunStore,
):
    """Driftline's database at ``url`` (default ``$DRIFTLINE_DATABASE_URL``, else
    ``sqlite:///./driftline.db``). Creating one does not connect; the first call does.
    The alerts methods (states, silences, the delivery outbox, retrain triggers) come from
    ``AlertStoreMixin``, the dashboard's alert reads from ``AlertReads``."""

    # -- schema --------------------------------------------------------------------------

    def check_schema(self) -> None:
        """Raise ConfigError unless the schema is at the revision this Driftline needs."""
        with self._session(readonly=True) as session:
            current = revision_of(session.connection())
        needed = head_revision()
        if current != needed:
            shown = current if current is not None else "none (empty database)"
            raise ConfigError(
                f"database schema is at revision {shown}, Driftline needs {needed}; "
                "run 'driftline db upgrade'"
            )

    # -- monitors ------------------------------------------------------------------------

    def upsert_monitor(self, name: str, config: dict[str, Any]) -> Monitor:
        """Create the monitor ``name`` or replace its config."""
        now, config_json = self._clock(), json_text(config)
        with self._session() as session:
            statement = (
                upsert(session, MonitorRow.__table__)
                .values(name=name, config_json=config_json, created_at=now, updated_at=now)
                .on_conflict_do_update(
                    index_elements=["name"], set_={"config_json": config_json, "updated_at": now}
                )
            )
            session.execute(statement)
            row = session.scalars(select(MonitorRow).where(MonitorRow.name == name)).one()
            return monitor_of(row)

    def get_monitor(self, name: str) -> Monitor | None:
        """The monitor ``name``, or None."""
        with self._session(readonly=True) as session:
            row = session.scalars(select(MonitorRow).where(MonitorRow.name == name)).first()
            return None if row is None else monitor_of(row)

    def list_monitors(self) -> list[Monitor]:
        """Every monitor, by name."""
        with self._session(readonly=True) as session:
            rows = session.scalars(select(MonitorRow).order_by(MonitorRow.name))
            return [monitor_of(row) for row in rows]

    # -- checks --------------------------------------------------------------------------

    def save_check(
        self,
        monitor: str,
        window_start_at: dt.datetime,
        window_end_at: dt.datetime,
        report: DriftReport,
        *,
        started_at: dt.datetime,
        finished_at: dt.datetime,
        model_name: str | None = None,
        model_version: str | None = None,
        run_id: str | None = None,
        write_back: bool = False,
    ) -> CheckSummary:
        """Record the check of one window, replacing any earlier check of the same window;
        ``write_back`` queues its results for MLflow in the same transaction."""
        status, reason = report.verdict()
        row = check_row(
            window_start_at=aware("window_start_at", window_start_at),
            window_end_at=aware("window_end_at", window_end_at),
            status=status,
            reason=reason,
            started_at=aware("started_at", started_at),
            finished_at=aware("finished_at", finished_at),
            model_name=model_name,
            model_version=model_version,
            run_id=run_id,
            report=report,
        )
        return self._replace_check(
            monitor, row, report.columns, report.quality, write_back=write_back
        )

    def save_failed_check(
        self,
        monitor: str,
        window_start_at: dt.datetime,
        window_end_at: dt.datetime,
        reason: str,
        *,
        started_at: dt.datetime,
        finished_at: dt.datetime,
    ) -> CheckSummary:
        """Record that checking one window failed, and why; replaces an earlier check."""
        row = check_row(
            window_start_at=aware("window_start_at", window_start_at),
            window_end_at=aware("window_end_at", window_end_at),
            status="failed",
            reason=reason,
            started_at=aware("started_at", started_at),
            finished_at=aware("finished_at", finished_at),
        )
        return self._replace_check(monitor, row, (), ())

    def save_skipped_check(
        self,
        monitor: str,
        window_start_at: dt.datetime,
        window_end_at: dt.datetime,
        *,
        status: Literal["no_data", "insufficient_data"],
        reason: str,
        started_at: dt.datetime,
        finished_at: dt.datetime,
    ) -> CheckSummary:
        """Record that a window had too few records to compare; replaces an earlier check."""
        if status not in ("no_data", "insufficient_data"):
            raise ConfigError(
                f"status {status!r} is not a skipped-check status; "
                "expected 'no_data' or 'insufficient_data'"
            )
        row = check_row(
            window_start_at=aware("window_start_at", window_start_at),
            window_end_at=aware("window_end_at", window_end_at),
            status=status,
            reason=reason,
            started_at=aware("started_at", started_at),
            finished_at=aware("finished_at", finished_at),
        )
        return self._replace_check(monitor, row, (), ())

    def _replace_check(
        self,
        monitor: str,
        row: CheckRow,
        columns: Sequence[ColumnResult],
        quality: Sequence[QualityFinding],
        *,
        write_back: bool = False,
    ) -> CheckSummary:
        with self._session() as session:
            # Locking the monitor serialises concurrent saves of its checks (PostgreSQL).
            row.monitor_id = self._monitor_id(session, monitor, lock=True)
            sent_at = metrics_sent_at(session, row) if write_back else None
            session.execute(
                delete(CheckRow).where(
                    CheckRow.monitor_id == row.monitor_id,
                    CheckRow.window_start_at == row.window_start_at,
                    CheckRow.window_end_at == row.window_end_at,
                )
            )
            session.add(row)
            session.flush()
            session.add_all(column_result_row(row.id, c) for c in columns)
            session.add_all(quality_finding_row(row.id, q) for q in quality)
            if write_back:
                now = self._clock()
                session.add(
                    MlflowWritebackRow(
                        check_id=row.id,
                        created_at=now,
                        attempts=0,
                        next_attempt_at=now,
                        metrics_sent_at=sent_at,
                    )
                )
            return summary_of(row, monitor)

    def list_checks(
        self,
        monitor: str,
        *,
        since: dt.datetime | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[CheckSummary]:
        """Checks of ``monitor`` by window start, oldest first unless ``newest_first``;
        ``since`` keeps windows starting at or after it, ``limit`` keeps the latest
        ``limit`` of them."""
        statement = (
            select(CheckRow)
            .join(MonitorRow, CheckRow.monitor_id == MonitorRow.id)
            .where(MonitorRow.name == monitor)
            .order_by(CheckRow.window_start_at.desc(), CheckRow.window_end_at.desc())
        )
        if since is not None:
            statement = statement.where(CheckRow.window_start_at >= aware("since", since))
        if limit is not None:
            if limit < 0:
                raise ConfigError(f"limit {limit} is negative; pass 0 or more, or None for all")
            statement = statement.limit(limit)
        with self._session(readonly=True) as session:
            rows = session.scalars(statement).all()
            ordered = rows if newest_first else list(reversed(rows))
            return [summary_of(row, monitor) for row in ordered]

    def get_check(self, check_id: int) -> CheckDetail | None:
        """The check ``check_id`` with its column results and quality findings, or None."""
        with self._session(readonly=True) as session:
            found = session.execute(
                select(CheckRow, MonitorRow.name)
                .join(MonitorRow, CheckRow.monitor_id == MonitorRow.id)
                .where(CheckRow.id == check_id)
            ).first()
            if found is None:
                return None
            row, name = found
            columns = session.scalars(
                select(ColumnResultRow)
                .where(ColumnResultRow.check_id == check_id)
                .order_by(ColumnResultRow.id)
            )
            quality = session.scalars(
                select(QualityFindingRow)
                .where(QualityFindingRow.check_id == check_id)
                .order_by(QualityFindingRow.id)
            )
            stored_report = None if row.report_json is None else json.loads(row.report_json)
            report = None if stored_report is None else DriftReport.from_dict(stored_report)
            stored = stored_report.get("columns") if stored_report else None
            return CheckDetail(
                summary=summary_of(row, name),
                columns=tuple(with_histogram(column_result(c), stored) for c in columns),
                quality=tuple(quality_finding(q) for q in quality),
                report=report,
            )

    def last_checked_window_end(self, monitor: str) -> dt.datetime | None:
        """The latest window end checked for ``monitor`` (failed checks count), or None."""
        with self._session(readonly=True) as session:
            return session.scalar(
                select(func.max(CheckRow.window_end_at))
                .join(MonitorRow, CheckRow.monitor_id == MonitorRow.id)
                .where(MonitorRow.name == monitor)
            )

    def checked_window_starts(self, monitor: str) -> set[dt.datetime]:
        """The window starts of every stored check of ``monitor`` (failed ones included)."""
        with self._session(readonly=True) as session:
            return set(
                session.scalars(
                    select(CheckRow.window_start_at)
                    .join(MonitorRow, CheckRow.monitor_id == MonitorRow.id)
                    .where(MonitorRow.name == monitor)
                )
            )

    # -- scheduler lease ----------------------------------------------------------------

    def acquire_lease(self, name: str, holder: str, ttl: dt.timedelta) -> bool:
        """Take or renew lease ``name`` for ``holder`` for ``ttl``; False while another holder's
        lease is live. One scheduler per database holds the ``scheduler`` lease."""
        if ttl <= dt.timedelta(0):
            raise ConfigError(f"lease ttl {ttl} is not positive; pass a positive timedelta")
        with self._session() as session:
            return acquire_lease(session, name, holder, now=self._clock(), ttl=ttl)

    def release_lease(self, name: str, holder: str) -> None:
        """Give up lease ``name`` if ``holder`` holds it."""
        with self._session() as session:
            release_lease(session, name, holder)

    # -- records and labels --------------------------------------------------------------

    def add_batch(self, monitor: str, table: pa.Table) -> int:
        """Store a records table (:mod:`monitor.engine.records`, e.g. from
        :func:`monitor.engine.ingest.validate_batch`) in one transaction; returns how many of its
        records were new."""
        with self._session() as session:
            monitor_id = self._monitor_id(session, monitor)
            return insert_batch(session, monitor_id, table, received_at=self._clock())

    def add_labels(self, monitor: str, labels: Sequence[tuple[str, Any]]) -> int:
        """Store or replace the label of each record id; returns how many were written.
        Checked windows holding a record whose label is new or changed are marked for their
        realised performance to be recomputed (:mod:`monitor.store.performance`)."""
        now = self._clock()
        latest = {record_id: json_text(label) for record_id, label in labels}  # last one wins
        values = [
            {"record_id": record_id, "label_json": text, "received_at": now}
            for record_id, text in latest.items()
        ]
        with self._session() as session:
            monitor_id = self._monitor_id(session, monitor)
            changed = changed_labels(session, monitor_id, latest)
            for value in values:
                value["monitor_id"] = monitor_id
            written = insert_keyed(
                session, LabelRow.__table__, values, update=("label_json", "received_at")
            )
            mark_dirty(session, monitor_id, changed, now=now)
            return written

    def unknown_record_ids(self, monitor: str, record_ids: Sequence[str]) -> list[str]:
        """The ids among ``record_ids`` that ``monitor`` has no record of, in their order."""
        with self._session(readonly=True) as session:
            monitor_id = self._monitor_id(session, monitor)
            return missing_keys(session, monitor_id, record_ids)

    def event_range(self, monitor: str) -> tuple[dt.datetime, dt.datetime] | None:
        """The event times of the earliest and the latest record of ``monitor``, or None
        when it has none."""
        with self._session(readonly=True) as session:
            row = session.execute(
                select(
                    func.min(RecordBatchRow.first_event_at), func.max(RecordBatchRow.last_event_at)
                )
                .join(MonitorRow, RecordBatchRow.monitor_id == MonitorRow.id)
                .where(MonitorRow.name == monitor)
            ).one()
        first, last = row
        return None if first is None or last is None else (first, last)

    def count_records(self, monitor: str) -> int:
        """How many records ``monitor`` has."""
        with self._session(readonly=True) as session:
            count = session.scalar(
                select(func.sum(RecordBatchRow.n_records))
                .join(MonitorRow, RecordBatchRow.monitor_id == MonitorRow.id)
                .where(MonitorRow.name == monitor)
            )
            return int(count or 0)

    def labelled_records(
        self,
        monitor: str,
        since: dt.datetime,
        until: dt.datetime | None = None,
        *,
        label_column: str = "label",
    ) -> pd.DataFrame:
        """The records of ``monitor`` with ``since <= event_at < until`` (None: up to the
        latest) that have a label, by event time: ``record_id``, ``event_at``, the fields,
        and the label in ``label_column`` (replacing a field of that name). The one join of
        records with their labels by record id: the promotion gate reads it, and so can
        training code (the demo's retraining project)."""
        since = aware("since", since)
        if until is None:
            found = self.event_range(monitor)
            if found is None or found[1] < since:
                return _no_labelled_records(label_column)
            until = found[1] + dt.timedelta(microseconds=1)
        until = aware("until", until)
        with self._session(readonly=True) as session:
            monitor_id = self._monitor_id(session, monitor)
            tables, _ = read_batches(session, monitor_id, since, until)
        frame = window_frame(tables, since, until)
        if frame.empty:
            return _no_labelled_records(label_column)
        labels = self.load_labels(monitor, frame[RECORD_ID].astype(str))
        kept = frame[frame[RECORD_ID].astype(str).isin(labels)].copy()
        kept[label_column] = [labels[str(r)] for r in kept[RECORD_ID]]
        return kept.reset_index(drop=True)

    def load_window(
        self,
        monitor: str,
        start_at: dt.datetime,
        end_at: dt.datetime,
        *,
        columns: Collection[str] | None = None,
    ) -> pd.DataFrame:
        """The records of ``monitor`` with ``start_at <= event_at < end_at``, by event time:
        columns ``record_id``, ``event_at`` (UTC), then the payload fields.

        With ``columns``, only those fields are read into the frame (each stored batch is
        cut to them as it is read, so fields a client added cost no memory); the names
        of the other fields are in ``frame.attrs["unexpected_columns"]``, sorted."""
        start_at, end_at = aware("start_at", start_at), aware("end_at", end_at)
        with self._session(readonly=True) as session:
            monitor_id = self._monitor_id(session, monitor)
            tables, others = read_batches(session, monitor_id, start_at, end_at, columns=columns)
        frame = window_frame(tables, start_at, end_at)
        if columns is not None:
            frame.attrs["unexpected_columns"] = sorted(others)
        return frame

    def profile_window(
        self, monitor: str, start_at: dt.datetime, end_at: dt.datetime, spec: ProfileSpec
    ) -> Profile:
        """The profile of the records of ``monitor`` with ``start_at <= event_at < end_at``,
        folded batch by batch (memory: one stored batch plus the profile, whatever the
        window's size). Each row's sample key is a hash of its record id, so the sample
        does not depend on how records were batched. Fields the baseline does not know
        are in the profile's ``names``."""
        from monitor.engine.profile import empty_profile, keys_of_ids, merge, profile_of

        start_at, end_at = aware("start_at", start_at), aware("end_at", end_at)
        others: set[str] = set()
        profile = empty_profile(spec)
        with self._session(readonly=True) as session:
            monitor_id = self._monitor_id(session, monitor)
            for table in iter_batches(
                session, monitor_id, start_at, end_at, columns=spec.columns, others=others, fetch=2
            ):
                frame = window_frame([table], start_at, end_at)
                if not len(frame):
                    continue
                keys = keys_of_ids(frame[RECORD_ID].astype(str).to_numpy(), seed=spec.seed)
                part = profile_of(frame.drop(columns=[RECORD_ID, EVENT_AT]), spec, keys=keys)
                profile = merge(profile, part, known=spec.known)
        return replace(profile, names=profile.names | frozenset(others))


def _no_labelled_records(label_column: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            RECORD_ID: pd.Series([], dtype=object),
            EVENT_AT: pd.Series([], dtype="datetime64[us, UTC]"),
            label_column: pd.Series([], dtype=object),
        }
    )
