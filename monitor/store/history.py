"""Read-only history of checks for the dashboard: light rows and aggregates over windows.

Each function receives an open session (``Store`` opens it) and returns frozen values.
They select only the columns they need and aggregate in the database: the heatmap groups
column results into time buckets with ``GROUP BY``, so a year of hourly checks is never
loaded into Python. ``report_json`` is never loaded whole: the multivariate history has
the database extract its ``multivariate`` part.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import JSON, BigInteger, Integer, Text, and_, case, extract, func, not_, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from monitor.engine.report import ColumnResult, MultivariateResult, Verdict
from monitor.errors import ConfigError
from monitor.store._base import StoreBase
from monitor.store._rows import aware
from monitor.store.domain import CheckStatus
from monitor.store.models import CheckRow, ColumnResultRow, MonitorRow

__all__ = [
    "CheckPoint",
    "ColumnPoint",
    "HeatmapCell",
    "HistoryReads",
    "MultivariatePoint",
    "check_points",
    "column_points",
    "find_check_id",
    "heatmap_cells",
    "multivariate_points",
]


@dataclass(frozen=True, slots=True)
class CheckPoint:
    """One check on a timeline: its window, verdict and model version, without detail."""

    check_id: int
    window_start_at: dt.datetime
    window_end_at: dt.datetime
    status: CheckStatus
    reason: str
    share_drifted: float | None
    n_current: int | None
    model_name: str | None
    model_version: str | None
    finished_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ColumnPoint:
    """One column's result in one check, for its effect size over time."""

    check_id: int
    window_start_at: dt.datetime
    window_end_at: dt.datetime
    column: str
    role: str
    status: str
    method: str | None
    effect_method: str | None
    effect_size: float | None
    p_value_adjusted: float | None
    delta: float
    drifted: bool
    model_version: str | None
    alpha: float = 0.05

    @property
    def verdict(self) -> Verdict | None:
        """``drift``, ``watch`` or ``ok`` (None when not tested), by the engine's rule
        (:attr:`monitor.engine.report.ColumnResult.verdict`)."""
        return ColumnResult(
            self.column,
            "",
            self.role,
            cast(Any, self.status),
            p_value_adjusted=self.p_value_adjusted,
            effect_size=self.effect_size,
            alpha=self.alpha,
            delta=self.delta,
            drifted=self.drifted,
        ).verdict


@dataclass(frozen=True, slots=True)
class HeatmapCell:
    """Column results of one column over one time bucket of windows.

    ``bucket`` counts buckets of the requested length from the requested origin;
    ``max_effect_size`` is the largest effect size in it (None when no window was
    tested), ``n_drifted`` how many of its ``n_windows`` windows flagged the column, and
    ``last_window_start_at`` the start of its latest window (to open that check).
    """

    bucket: int
    column: str
    max_effect_size: float | None
    n_windows: int
    n_drifted: int
    last_window_start_at: dt.datetime
    n_watch: int = 0


@dataclass(frozen=True, slots=True)
class MultivariatePoint:
    """One check's multivariate (classifier or PCA) result, for its effect over time;
    ``result`` is None for a check without one (failed, or stored before it existed)."""

    check_id: int
    window_start_at: dt.datetime
    window_end_at: dt.datetime
    result: MultivariateResult | None


def _in_range(statement: Any, since: dt.datetime | None, until: dt.datetime | None) -> Any:
    """``statement`` (a select over checks) limited to windows starting in [since, until)."""
    if since is not None:
        statement = statement.where(CheckRow.window_start_at >= since)
    if until is not None:
        statement = statement.where(CheckRow.window_start_at < until)
    return statement


def _rows(session: Session, statement: Any) -> list[Any]:
    return list(session.execute(statement))


def check_points(
    session: Session,
    monitor_id: int,
    *,
    since: dt.datetime | None,
    until: dt.datetime | None,
    limit: int | None,
    newest_first: bool,
) -> list[CheckPoint]:
    """Checks of one monitor by window start (the latest ``limit`` when given)."""
    statement = _in_range(
        select(
            CheckRow.id,
            CheckRow.window_start_at,
            CheckRow.window_end_at,
            CheckRow.status,
            CheckRow.reason,
            CheckRow.share_drifted,
            CheckRow.n_current,
            CheckRow.model_name,
            CheckRow.model_version,
            CheckRow.finished_at,
        )
        .where(CheckRow.monitor_id == monitor_id)
        .order_by(CheckRow.window_start_at.desc(), CheckRow.window_end_at.desc()),
        since,
        until,
    )
    if limit is not None:
        statement = statement.limit(limit)
    points = [
        CheckPoint(
            check_id=row[0],
            window_start_at=row[1],
            window_end_at=row[2],
            status=cast(CheckStatus, row[3]),
            reason=row[4],
            share_drifted=row[5],
            n_current=row[6],
            model_name=row[7],
            model_version=row[8],
            finished_at=row[9],
        )
        for row in _rows(session, statement)
    ]
    return points if newest_first else points[::-1]


def column_points(
    session: Session,
    monitor_id: int,
    *,
    column: str | None,
    role: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> list[ColumnPoint]:
    """One column's results (by name, or every column of ``role``), oldest window first."""
    statement = (
        select(
            CheckRow.id,
            CheckRow.window_start_at,
            CheckRow.window_end_at,
            ColumnResultRow.column,
            ColumnResultRow.role,
            ColumnResultRow.status,
            ColumnResultRow.method,
            ColumnResultRow.effect_method,
            ColumnResultRow.effect_size,
            ColumnResultRow.p_value_adjusted,
            ColumnResultRow.delta,
            ColumnResultRow.drifted,
            CheckRow.model_version,
            ColumnResultRow.alpha,
        )
        .join(ColumnResultRow, ColumnResultRow.check_id == CheckRow.id)
        .where(CheckRow.monitor_id == monitor_id)
        .order_by(CheckRow.window_start_at, CheckRow.window_end_at, ColumnResultRow.column)
    )
    if column is not None:
        statement = statement.where(ColumnResultRow.column == column)
    if role is not None:
        statement = statement.where(ColumnResultRow.role == role)
    return [
        ColumnPoint(
            check_id=row[0],
            window_start_at=row[1],
            window_end_at=row[2],
            column=row[3],
            role=row[4],
            status=row[5],
            method=row[6],
            effect_method=row[7],
            effect_size=row[8],
            p_value_adjusted=row[9],
            delta=row[10],
            drifted=bool(row[11]),
            model_version=row[12],
            alpha=float(row[13]),
        )
        for row in _rows(session, _in_range(statement, since, until))
    ]


def _epoch_seconds(session: Session) -> Any:
    """``checks.window_start_at`` as whole seconds since 1970, in this database's dialect."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite keeps the UTC wall time as text; strftime('%s') reads it as UTC.
        return sql_cast(func.strftime("%s", CheckRow.window_start_at), Integer)
    return sql_cast(extract("epoch", CheckRow.window_start_at), BigInteger)


# ``watch`` (:attr:`ColumnResult.verdict`) in SQL: significant at a level that is on, not
# drifted. tests/integration/store checks that both agree.
_WATCH = and_(
    ColumnResultRow.status == "tested",
    not_(ColumnResultRow.drifted),
    ColumnResultRow.alpha < 1.0,
    ColumnResultRow.p_value_adjusted < ColumnResultRow.alpha,
)


def heatmap_cells(
    session: Session,
    monitor_id: int,
    *,
    since: dt.datetime,
    until: dt.datetime,
    bucket_s: int,
) -> list[HeatmapCell]:
    """Column results of windows starting in [since, until), grouped per column into
    buckets of ``bucket_s`` seconds counted from ``since`` (aggregated in the database)."""
    origin = int(since.timestamp())
    bucket = ((_epoch_seconds(session) - origin) // bucket_s).label("bucket")
    statement = _in_range(
        select(
            bucket,
            ColumnResultRow.column,
            func.max(ColumnResultRow.effect_size),
            func.count(),
            func.sum(case((ColumnResultRow.drifted, 1), else_=0)),
            func.max(CheckRow.window_start_at),
            func.sum(case((_WATCH, 1), else_=0)),
        )
        .join(ColumnResultRow, ColumnResultRow.check_id == CheckRow.id)
        .where(CheckRow.monitor_id == monitor_id)
        .group_by(bucket, ColumnResultRow.column)
        .order_by(bucket, ColumnResultRow.column),
        since,
        until,
    )
    return [
        HeatmapCell(
            bucket=int(row[0]),
            column=row[1],
            max_effect_size=None if row[2] is None else float(row[2]),
            n_windows=int(row[3]),
            n_drifted=int(row[4] or 0),
            last_window_start_at=row[5],
            n_watch=int(row[6] or 0),
        )
        for row in _rows(session, statement)
    ]


def _multivariate_json(session: Session) -> Any:
    """The ``multivariate`` part of ``checks.report_json`` as JSON text, extracted by the
    database (the report, with its histograms, never leaves it)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.json_extract(CheckRow.report_json, "$.multivariate")
    return sql_cast(sql_cast(CheckRow.report_json, JSON)["multivariate"], Text)


def multivariate_points(
    session: Session,
    monitor_id: int,
    *,
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> list[MultivariatePoint]:
    """The multivariate result of each check with a window starting in [since, until),
    oldest first."""
    statement = _in_range(
        select(
            CheckRow.id,
            CheckRow.window_start_at,
            CheckRow.window_end_at,
            _multivariate_json(session),
        )
        .where(CheckRow.monitor_id == monitor_id)
        .order_by(CheckRow.window_start_at, CheckRow.window_end_at),
        since,
        until,
    )
    points = []
    for row in _rows(session, statement):
        found = json.loads(row[3]) if isinstance(row[3], str) else row[3]
        result = MultivariateResult.from_dict(found) if isinstance(found, dict) else None
        points.append(MultivariatePoint(row[0], row[1], row[2], result))
    return points


def find_check_id(session: Session, monitor_id: int, window_start_at: dt.datetime) -> int | None:
    """The id of the check of the window starting at ``window_start_at`` (the latest-ending
    one if several), or None."""
    return session.scalar(
        select(CheckRow.id)
        .where(CheckRow.monitor_id == monitor_id, CheckRow.window_start_at == window_start_at)
        .order_by(CheckRow.window_end_at.desc())
        .limit(1)
    )


class HistoryReads(StoreBase):
    """The history methods of ``Store`` (mixed in); each is one read-only transaction."""

    def check_history(
        self,
        monitor: str,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[CheckPoint]:
        """Light timeline points of ``monitor``'s checks with windows starting in
        [since, until), oldest first unless ``newest_first``; ``limit`` keeps the latest."""
        with self._session(readonly=True) as session:
            return check_points(
                session,
                self._monitor_id(session, monitor),
                since=None if since is None else aware("since", since),
                until=None if until is None else aware("until", until),
                limit=limit,
                newest_first=newest_first,
            )

    def latest_check_history(self, limit: int) -> dict[str, list[CheckPoint]]:
        """For every monitor (by name), its latest ``limit`` checks, oldest first."""
        with self._session(readonly=True) as session:
            monitors = session.execute(select(MonitorRow.name, MonitorRow.id).order_by("name"))
            return {
                name: check_points(
                    session, monitor_id, since=None, until=None, limit=limit, newest_first=False
                )
                for name, monitor_id in monitors.all()
            }

    def column_history(
        self,
        monitor: str,
        *,
        column: str | None = None,
        role: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[ColumnPoint]:
        """Results of one column (or of every column with ``role``) over windows starting in
        [since, until), oldest first."""
        with self._session(readonly=True) as session:
            return column_points(
                session,
                self._monitor_id(session, monitor),
                column=column,
                role=role,
                since=None if since is None else aware("since", since),
                until=None if until is None else aware("until", until),
            )

    def column_heatmap(
        self, monitor: str, *, since: dt.datetime, until: dt.datetime, bucket: dt.timedelta
    ) -> list[HeatmapCell]:
        """Column results of windows starting in [since, until), aggregated per column into
        buckets of length ``bucket`` counted from ``since``."""
        bucket_s = int(bucket.total_seconds())
        if bucket_s < 1:
            raise ConfigError(f"heatmap bucket {bucket} is shorter than 1 s; pass 1 s or more")
        with self._session(readonly=True) as session:
            return heatmap_cells(
                session,
                self._monitor_id(session, monitor),
                since=aware("since", since),
                until=aware("until", until),
                bucket_s=bucket_s,
            )

    def multivariate_history(
        self,
        monitor: str,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[MultivariatePoint]:
        """Each check's multivariate result over windows starting in [since, until), oldest
        first."""
        with self._session(readonly=True) as session:
            return multivariate_points(
                session,
                self._monitor_id(session, monitor),
                since=None if since is None else aware("since", since),
                until=None if until is None else aware("until", until),
            )

    def find_check(self, monitor: str, window_start_at: dt.datetime) -> int | None:
        """The id of ``monitor``'s check of the window starting at ``window_start_at``."""
        with self._session(readonly=True) as session:
            return find_check_id(
                session,
                self._monitor_id(session, monitor),
                aware("window_start_at", window_start_at),
            )
