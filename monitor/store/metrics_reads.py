"""What ``/metrics`` exports, read from the database at scrape time, mixed into
:class:`~monitor.store.Store`.

:meth:`MetricsReads.metrics_snapshot` answers in one read-only transaction with a fixed
number of grouped queries (never one per monitor or column), so a scrape costs the same
few statements whatever the number of monitors, and its size is bounded: per monitor
one last check, its ``top_k`` columns with the largest effect size, the last realised and
estimated performance, the alert state of each rule, and delivery counts per channel.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from monitor.store._base import StoreBase
from monitor.store.models import (
    AlertRow,
    CheckRow,
    ColumnResultRow,
    DeliveryAttemptRow,
    DeliveryRow,
    LabelRow,
    MonitorRow,
    PerformanceRow,
    RecordBatchRow,
)

__all__ = [
    "ChannelCounts",
    "LastCheck",
    "LastPerformance",
    "MetricsReads",
    "MetricsSnapshot",
    "MonitorMetrics",
]


def _pairs(result: Any) -> dict[Any, Any]:
    """The rows of a two-column result as a dict."""
    return {row[0]: row[1] for row in result}


@dataclass(frozen=True, slots=True)
class LastCheck:
    """The check of a monitor's latest window."""

    status: str
    window_end_at: dt.datetime
    finished_at: dt.datetime
    duration_s: float
    share_drifted: float | None
    n_drifted: int
    n_current: int | None
    top_effect_sizes: tuple[tuple[str, float], ...]
    """Up to ``top_k`` (column, effect size), the largest first."""


@dataclass(frozen=True, slots=True)
class LastPerformance:
    """A monitor's latest computed performance of one kind."""

    window_end_at: dt.datetime
    metrics: Mapping[str, float]
    label_coverage: float | None
    """Realised performance only: the share of the window's records that had a label."""


@dataclass(frozen=True, slots=True)
class ChannelCounts:
    """Deliveries to one channel of one monitor, and their attempts, as stored now."""

    monitor: str
    channel: str
    deliveries: Mapping[str, int]
    """By delivery status: pending, delivered, failed."""
    attempts_ok: int
    attempts_failed: int
    retries: int
    """Attempts after the first (attempt number 2 and later)."""


@dataclass(frozen=True, slots=True)
class MonitorMetrics:
    name: str
    records: int
    labels: int
    last_check: LastCheck | None
    realised: LastPerformance | None
    estimated: LastPerformance | None
    alerts: Mapping[str, str] = field(default_factory=dict)
    """Rule name -> alert state."""


@dataclass(frozen=True, slots=True)
class MetricsSnapshot:
    monitors: tuple[MonitorMetrics, ...]
    channels: tuple[ChannelCounts, ...]


def _latest_checks(session: Session) -> dict[int, Any]:
    newest = (
        select(CheckRow.monitor_id, func.max(CheckRow.window_end_at).label("end_at"))
        .group_by(CheckRow.monitor_id)
        .subquery()
    )
    rows = session.execute(
        select(
            CheckRow.id,
            CheckRow.monitor_id,
            CheckRow.status,
            CheckRow.window_start_at,
            CheckRow.window_end_at,
            CheckRow.started_at,
            CheckRow.finished_at,
            CheckRow.share_drifted,
            CheckRow.n_current,
        ).join(
            newest,
            and_(
                CheckRow.monitor_id == newest.c.monitor_id,
                CheckRow.window_end_at == newest.c.end_at,
            ),
        )
    ).all()
    latest: dict[int, Any] = {}
    for row in rows:  # two windows may end together (a longer backfill): the later start
        kept = latest.get(row.monitor_id)
        if kept is None or row.window_start_at > kept.window_start_at:
            latest[row.monitor_id] = row
    return latest


def _top_columns(
    session: Session, check_ids: list[int], top_k: int
) -> dict[int, list[tuple[str, float]]]:
    out: dict[int, list[tuple[str, float]]] = {}
    if top_k <= 0 or not check_ids:
        return out
    rank = (
        func.row_number()
        .over(
            partition_by=ColumnResultRow.check_id,
            order_by=(ColumnResultRow.effect_size.desc(), ColumnResultRow.column),
        )
        .label("rank")
    )
    ranked = (
        select(ColumnResultRow.check_id, ColumnResultRow.column, ColumnResultRow.effect_size, rank)
        .where(ColumnResultRow.check_id.in_(check_ids), ColumnResultRow.effect_size.is_not(None))
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.check_id, ranked.c.column, ranked.c.effect_size)
        .where(ranked.c.rank <= top_k)
        .order_by(ranked.c.check_id, ranked.c.rank)
    )
    for check_id, column, effect_size in rows:
        out.setdefault(check_id, []).append((column, float(effect_size)))
    return out


def _latest_performance(session: Session) -> dict[tuple[int, str], LastPerformance]:
    newest = (
        select(
            PerformanceRow.monitor_id,
            PerformanceRow.kind,
            func.max(PerformanceRow.window_end_at).label("end_at"),
        )
        .where(PerformanceRow.result_json.is_not(None))
        .group_by(PerformanceRow.monitor_id, PerformanceRow.kind)
        .subquery()
    )
    rows = session.execute(
        select(
            PerformanceRow.monitor_id,
            PerformanceRow.kind,
            PerformanceRow.window_end_at,
            PerformanceRow.result_json,
        ).join(
            newest,
            and_(
                PerformanceRow.monitor_id == newest.c.monitor_id,
                PerformanceRow.kind == newest.c.kind,
                PerformanceRow.window_end_at == newest.c.end_at,
            ),
        )
    )
    out: dict[tuple[int, str], LastPerformance] = {}
    for monitor_id, kind, end_at, result_json in rows:
        data = json.loads(result_json or "{}")
        metrics = {
            str(k): float(v)
            for k, v in (data.get("metrics") or {}).items()
            if isinstance(v, int | float)
        }
        coverage = None
        if kind == "realised":
            n_records = int(data.get("n_records") or 0)
            coverage = int(data.get("n_labelled") or 0) / n_records if n_records else 0.0
        out[(monitor_id, kind)] = LastPerformance(end_at, metrics, coverage)
    return out


def _channels(session: Session, names: Mapping[int, str]) -> tuple[ChannelCounts, ...]:
    by_status: dict[tuple[int, str], dict[str, int]] = {}
    for monitor_id, channel, status, count in session.execute(
        select(
            DeliveryRow.monitor_id, DeliveryRow.channel, DeliveryRow.status, func.count()
        ).group_by(DeliveryRow.monitor_id, DeliveryRow.channel, DeliveryRow.status)
    ):
        by_status.setdefault((monitor_id, channel), {})[status] = int(count)
    attempts: dict[tuple[int, str], tuple[int, int, int]] = {}
    for monitor_id, channel, ok, failed, retries in session.execute(
        select(
            DeliveryRow.monitor_id,
            DeliveryRow.channel,
            func.sum(case((DeliveryAttemptRow.ok, 1), else_=0)),
            func.sum(case((DeliveryAttemptRow.ok, 0), else_=1)),
            func.sum(case((DeliveryAttemptRow.number > 1, 1), else_=0)),
        )
        .join(DeliveryRow, DeliveryAttemptRow.delivery_id == DeliveryRow.id)
        .group_by(DeliveryRow.monitor_id, DeliveryRow.channel)
    ):
        attempts[(monitor_id, channel)] = (int(ok or 0), int(failed or 0), int(retries or 0))
    return tuple(
        ChannelCounts(
            names[key[0]],
            key[1],
            by_status.get(key, {}),
            *attempts.get(key, (0, 0, 0)),
        )
        for key in sorted(set(by_status) | set(attempts), key=lambda k: (names[k[0]], k[1]))
        if key[0] in names
    )


class MetricsReads(StoreBase):
    def metrics_snapshot(self, *, top_k: int = 10) -> MetricsSnapshot:
        """Everything ``/metrics`` exports from the database (see the module docstring)."""
        with self._session(readonly=True) as session:
            names = _pairs(session.execute(select(MonitorRow.id, MonitorRow.name)))
            checks = _latest_checks(session)
            check_ids = [row.id for row in checks.values()]
            drifted: dict[int, int] = {}
            if check_ids:
                drifted = {
                    check_id: int(count)
                    for check_id, count in session.execute(
                        select(ColumnResultRow.check_id, func.count())
                        .where(ColumnResultRow.check_id.in_(check_ids), ColumnResultRow.drifted)
                        .group_by(ColumnResultRow.check_id)
                    )
                }
            top = _top_columns(session, check_ids, top_k)
            performance = _latest_performance(session)
            records = _pairs(
                session.execute(
                    select(RecordBatchRow.monitor_id, func.sum(RecordBatchRow.n_records)).group_by(
                        RecordBatchRow.monitor_id
                    )
                )
            )
            labels = _pairs(
                session.execute(
                    select(LabelRow.monitor_id, func.count()).group_by(LabelRow.monitor_id)
                )
            )
            alerts: dict[int, dict[str, str]] = {}
            for monitor_id, rule, state in session.execute(
                select(AlertRow.monitor_id, AlertRow.rule, AlertRow.state)
            ):
                alerts.setdefault(monitor_id, {})[rule] = state
            channels = _channels(session, names)
        monitors = []
        for monitor_id, name in sorted(names.items(), key=lambda item: item[1]):
            row = checks.get(monitor_id)
            last = None
            if row is not None:
                last = LastCheck(
                    status=row.status,
                    window_end_at=row.window_end_at,
                    finished_at=row.finished_at,
                    duration_s=max((row.finished_at - row.started_at).total_seconds(), 0.0),
                    share_drifted=row.share_drifted,
                    n_drifted=drifted.get(row.id, 0),
                    n_current=row.n_current,
                    top_effect_sizes=tuple(top.get(row.id, ())),
                )
            monitors.append(
                MonitorMetrics(
                    name=name,
                    records=int(records.get(monitor_id) or 0),
                    labels=int(labels.get(monitor_id) or 0),
                    last_check=last,
                    realised=performance.get((monitor_id, "realised")),
                    estimated=performance.get((monitor_id, "estimated")),
                    alerts=alerts.get(monitor_id, {}),
                )
            )
        return MetricsSnapshot(tuple(monitors), channels)
