"""Read-only store calls behind the pages, shaped for the figure builders.

Every number comes from a stored result: the store selects and aggregates (timelines,
column series, the heatmap's ``GROUP BY`` per time bucket), and this module only picks,
orders and pivots what it returns. Nothing here computes a statistic or writes.

Alerts, silences, deliveries and retraining triggers are read at the end of this module
through the alert methods of ``Store`` (open alerts counted with ``GROUP BY``, the
timeline's transitions and triggers filtered by time in SQL).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from dashboards.links import RANGES, WINDOWS, TimeRange, range_key
from monitor.engine.report import ColumnResult, Histogram
from monitor.errors import ConfigError
from monitor.store import (
    AlertHistory,
    AlertTransition,
    AuditEntry,
    CheckDetail,
    CheckPoint,
    ColumnPoint,
    Delivery,
    MonitorStatus,
    MultivariatePoint,
    OpenAlerts,
    RetrainTrigger,
    Silence,
    Store,
    monitor_status,
)

__all__ = [
    "MAX_HEATMAP_BUCKETS",
    "MAX_TRIGGER_MARKERS",
    "HeatmapView",
    "Marker",
    "MonitorStatus",
    "OverviewEntry",
    "VersionChange",
    "alert_history",
    "alert_markers",
    "column_deltas",
    "column_histogram",
    "column_series",
    "deliveries",
    "heatmap",
    "known_monitor",
    "monitor_status",
    "multivariate_series",
    "open_alert_counts",
    "overview",
    "prediction_series",
    "ranked_columns",
    "resolve_range",
    "retrain_triggers",
    "selected_check",
    "silences",
    "timeline",
    "transitions",
    "version_changes",
]

MAX_HEATMAP_BUCKETS = 120
MAX_TRIGGER_MARKERS: Final = 500


# -- overview ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OverviewEntry:
    """One monitor on the overview."""

    name: str
    model: str
    version: str | None
    status: MonitorStatus
    last: CheckPoint | None
    recent: tuple[CheckPoint, ...]
    alerts: OpenAlerts


def overview(store: Store, *, windows: int) -> list[OverviewEntry]:
    """Every monitor with its latest ``windows`` checks, model, status and open alerts."""
    recent = store.latest_check_history(windows)
    baselines = {m.name: str(m.config.get("baseline", "")) for m in store.list_monitors()}
    alerts = open_alert_counts(store)
    entries = []
    for name, points in recent.items():
        last = points[-1] if points else None
        versioned = [p for p in points if p.model_version is not None or p.model_name]
        model_point = versioned[-1] if versioned else None
        model = (model_point.model_name if model_point else None) or baselines.get(name) or "-"
        entries.append(
            OverviewEntry(
                name=name,
                model=model,
                version=model_point.model_version if model_point else None,
                status=monitor_status(
                    last.status if last else None, alerts.get(name, OpenAlerts())
                ),
                last=last,
                recent=tuple(points),
                alerts=alerts.get(name, OpenAlerts()),
            )
        )
    return entries


# -- one monitor ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VersionChange:
    """The model version changed between two consecutive checks."""

    at: dt.datetime
    previous: str
    current: str


@dataclass(frozen=True, slots=True)
class HeatmapView:
    """Columns x time buckets: the largest effect size, drifted windows and ``watch``
    windows (significant, effect below δ) per cell, and each column's tolerance δ
    (``deltas``, None where unknown) that the colour is read against: ``relative`` is the
    effect size divided by δ, so one colour means the same in every view."""

    columns: tuple[str, ...]
    bucket_starts: tuple[dt.datetime, ...]
    bucket: dt.timedelta
    effect: tuple[tuple[float | None, ...], ...]
    drifted: tuple[tuple[int, ...], ...]
    windows: tuple[tuple[int, ...], ...]
    last_window_starts: tuple[dt.datetime | None, ...]
    deltas: tuple[float | None, ...] = ()
    watch: tuple[tuple[int, ...], ...] = ()

    @property
    def relative(self) -> tuple[tuple[float | None, ...], ...]:
        """Effect size / δ per cell (None where not tested; a column without a positive δ
        reads 0 when it did not drift, 1 when it did)."""
        deltas = self.deltas or (None,) * len(self.columns)
        out = []
        for row, drifted, delta in zip(self.effect, self.drifted, deltas, strict=True):
            cells: list[float | None] = []
            for effect, count in zip(row, drifted, strict=True):
                if effect is None:
                    cells.append(None)
                elif delta is not None and delta > 0:
                    cells.append(effect / delta)
                else:
                    cells.append(1.0 if count else 0.0)
            out.append(tuple(cells))
        return tuple(out)


def resolve_range(
    store: Store,
    monitor: str,
    key: object,
    *,
    windows: int = 48,
    around: dt.datetime | None = None,
) -> TimeRange:
    """The range ``key`` ending at ``monitor``'s latest check (so a monitor that stopped
    checking still shows its last windows): its last ``windows`` windows (the window
    length is the latest check's) or a span of time. With ``around`` (a deep link's window
    start) outside it, the range keeps its length and moves back to hold that window near
    its middle. Raises ConfigError for an unknown monitor."""
    chosen = range_key(key)
    latest = store.check_history(monitor, limit=1, newest_first=True)
    if not latest:
        return TimeRange(chosen, None, None)
    last = latest[0]
    length = max(last.window_end_at - last.window_start_at, dt.timedelta(seconds=1))
    until = last.window_end_at
    span = length * max(windows, 1) if chosen == WINDOWS else RANGES[chosen]
    if span is None:
        return TimeRange(chosen, None, until, length)
    since = until - span
    if around is not None and around < since:
        since = around - (length * (max(windows, 1) // 2) if chosen == WINDOWS else span / 2)
        until = since + span
        if not store.check_history(monitor, until=since, limit=1):
            # nothing before it: start at the first check instead of showing empty time
            first = store.check_history(monitor, since=since, until=until)
            if first:
                since = first[0].window_start_at
                until = min(since + span, last.window_end_at)
    return TimeRange(chosen, since, until, length)


def timeline(store: Store, monitor: str, window_range: TimeRange) -> list[CheckPoint]:
    return store.check_history(monitor, since=window_range.since, until=window_range.until)


def version_changes(points: Sequence[CheckPoint]) -> list[VersionChange]:
    """Where the model version differs from the last known one (checks without a
    version, such as failed ones, are skipped)."""
    changes: list[VersionChange] = []
    known: str | None = None
    for point in points:
        if point.model_version is None:
            continue
        if known is not None and point.model_version != known:
            changes.append(VersionChange(point.window_start_at, known, point.model_version))
        known = point.model_version
    return changes


def heatmap(
    store: Store,
    monitor: str,
    points: Sequence[CheckPoint],
    *,
    deltas: Mapping[str, float] | None = None,
    max_buckets: int = MAX_HEATMAP_BUCKETS,
) -> HeatmapView | None:
    """The heatmap over the windows of ``points``: one bucket per window when they fit in
    ``max_buckets``, else buckets of several windows (aggregated by the store); ``deltas``
    are the columns' tolerances (see :func:`column_deltas`)."""
    if not points:
        return None
    first, last = points[0], points[-1]
    window = max(last.window_end_at - last.window_start_at, dt.timedelta(seconds=1))
    span = last.window_end_at - first.window_start_at
    per_bucket = max(1, math.ceil(span / window / max_buckets))
    bucket = window * per_bucket
    cells = store.column_heatmap(
        monitor, since=first.window_start_at, until=last.window_end_at, bucket=bucket
    )
    if not cells:
        return None
    n_buckets = max(c.bucket for c in cells) + 1
    by_column: dict[str, dict[int, Any]] = {}
    last_starts: list[dt.datetime | None] = [None] * n_buckets
    for cell in cells:
        by_column.setdefault(cell.column, {})[cell.bucket] = cell
        seen = last_starts[cell.bucket]
        if seen is None or cell.last_window_start_at > seen:
            last_starts[cell.bucket] = cell.last_window_start_at
    # Most often drifted first, then by name: the columns to look at are on top.
    columns = sorted(by_column, key=lambda c: (-sum(x.n_drifted for x in by_column[c].values()), c))

    def row(column: str, field: str, missing: Any) -> tuple[Any, ...]:
        found = by_column[column]
        return tuple(getattr(found[b], field) if b in found else missing for b in range(n_buckets))

    return HeatmapView(
        columns=tuple(columns),
        bucket_starts=tuple(first.window_start_at + b * bucket for b in range(n_buckets)),
        bucket=bucket,
        effect=tuple(row(c, "max_effect_size", None) for c in columns),
        drifted=tuple(row(c, "n_drifted", 0) for c in columns),
        windows=tuple(row(c, "n_windows", 0) for c in columns),
        last_window_starts=tuple(last_starts),
        deltas=tuple((deltas or {}).get(c) for c in columns),
        watch=tuple(row(c, "n_watch", 0) for c in columns),
    )


def column_deltas(
    store: Store, points: Sequence[CheckPoint], detail: CheckDetail | None = None
) -> dict[str, float]:
    """Each column's tolerance δ, from ``detail`` when it has column results, else from
    the latest check of ``points`` that has."""
    if detail is not None and detail.columns:
        return {c.name: c.delta for c in detail.columns}
    for point in reversed(points):
        if point.status in ("ok", "drifting"):
            found = store.get_check(point.check_id)
            if found is not None and found.columns:
                return {c.name: c.delta for c in found.columns}
    return {}


def selected_check(
    store: Store, monitor: str, window_start_at: dt.datetime | None, points: Sequence[CheckPoint]
) -> CheckDetail | None:
    """The check of the window starting at ``window_start_at`` (or, among ``points``, the
    one whose window holds it), else the latest in range."""
    check_id = None
    if window_start_at is not None:
        check_id = store.find_check(monitor, window_start_at)
        if check_id is None:
            holding = [p for p in points if p.window_start_at <= window_start_at < p.window_end_at]
            check_id = holding[-1].check_id if holding else None
    if check_id is None and points:
        check_id = points[-1].check_id
    return None if check_id is None else store.get_check(check_id)


_VERDICT_RANK: Final = {"drift": 0, "watch": 1, "ok": 2}


def ranked_columns(detail: CheckDetail) -> list[ColumnResult]:
    """The check's columns: drifted first, then on watch, then the rest; within each by
    effect size (largest first), then name."""

    def rank(result: ColumnResult) -> tuple[int, float, str]:
        effect = result.effect_size if result.effect_size is not None else -1.0
        return (_VERDICT_RANK.get(result.verdict or "", 3), -effect, result.name)

    return sorted(detail.columns, key=rank)


def prediction_series(store: Store, monitor: str, window_range: TimeRange) -> list[ColumnPoint]:
    """The prediction column's results over the range (empty without a prediction column)."""
    return store.column_history(
        monitor, role="prediction", since=window_range.since, until=window_range.until
    )


def multivariate_series(
    store: Store, monitor: str, window_range: TimeRange
) -> list[MultivariatePoint]:
    """Each check's stored multivariate (classifier or PCA) result over the range."""
    return store.multivariate_history(monitor, since=window_range.since, until=window_range.until)


def column_series(
    store: Store, monitor: str, column: str, window_range: TimeRange
) -> list[ColumnPoint]:
    return store.column_history(
        monitor, column=column, since=window_range.since, until=window_range.until
    )


def column_histogram(detail: CheckDetail, column: str) -> Histogram | None:
    """The column's stored histogram in this check, or None (failed check, column not
    compared, or a check stored before histograms were kept)."""
    found = next((c for c in detail.columns if c.name == column), None)
    return None if found is None else found.histogram


# -- alerts ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Marker:
    """A point on a monitor's timeline, on the windows' clock: an alert transition
    (placed at the start of the window whose check caused it; ``state`` is the state it
    went to) or a retraining trigger (placed at the start of the latest window checked
    when it was requested: the check that led to it)."""

    at: dt.datetime
    kind: Literal["alert", "retrain"]
    label: str
    state: str | None = None


def open_alert_counts(store: Store) -> dict[str, OpenAlerts]:
    """Open (firing or pending) alerts per monitor name, counted by the database."""
    return store.count_open_alerts()


def alert_markers(
    store: Store, monitor: str, window_range: TimeRange, points: Sequence[CheckPoint] = ()
) -> list[Marker]:
    """Alert transitions of the windows in the range and the retraining triggers requested
    while they were checked, by window. Every marker sits on the windows' clock (a window
    start), never at the wall-clock time it happened (shown in its hover text): a
    transition at its check's window, a trigger (or a transition without a window) at the
    latest window whose check had finished when it happened. Needs ``points``, the checks
    of the range, oldest first."""
    if not points:
        return []
    transitions = store.list_alert_transitions(
        monitor, since=window_range.since, until=window_range.until
    )
    finished = sorted((p.finished_at, p.window_start_at) for p in points)
    first_start = points[0].window_start_at

    def on_window(at: dt.datetime) -> dt.datetime | None:
        index = bisect.bisect_right(finished, (at, dt.datetime.max.replace(tzinfo=dt.UTC)))
        return max(finished[index - 1][1], first_start) if index else None

    markers = []
    for t in transitions:
        at = t.window_start_at or on_window(t.at)
        if at is not None:
            label = f"{t.rule}: {t.from_state} → {t.to_state} ({t.reason}) at {_hover_time(t.at)}"
            markers.append(Marker(at, "alert", label, t.to_state))
    # Triggers from when the range's first check finished until the next check after the
    # range finished (or for good, when the range ends at the latest check).
    last = points[-1]
    length = last.window_end_at - last.window_start_at
    after = store.check_history(
        monitor, since=last.window_end_at, until=last.window_end_at + length
    )
    until = after[0].finished_at if after else None
    if until is None:
        newest = store.check_history(monitor, limit=1, newest_first=True)
        if newest and newest[0].check_id != last.check_id:
            until = last.finished_at + length
    triggers = store.list_retrain_triggers(
        monitor, since=finished[0][0], until=until, limit=MAX_TRIGGER_MARKERS
    )
    for trigger in triggers:
        at = on_window(trigger.created_at)
        if at is None:
            continue
        outcome = trigger.outcome if trigger.run is None else trigger.run.outcome
        markers.append(
            Marker(
                at,
                "retrain",
                f"retraining ({trigger.rule or trigger.requested_by or trigger.source}): "
                f"{outcome}, requested {_hover_time(trigger.created_at)}",
            )
        )
    return sorted(markers, key=lambda m: m.at)


def _hover_time(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def alert_history(store: Store, monitor: str) -> list[AlertHistory]:
    """Every alert of ``monitor``: its current state and its transitions, newest first."""
    return store.list_alerts(monitor)


def transitions(history: Sequence[AlertHistory]) -> list[AlertTransition]:
    """The transitions of all of ``history``'s alerts in one list, newest first."""
    found = [t for alert in history for t in alert.transitions]
    return sorted(found, key=lambda t: (t.at, t.id), reverse=True)


def deliveries(store: Store, monitor: str, *, limit: int = 100) -> list[Delivery]:
    """The latest deliveries of ``monitor`` (notifications and retrain requests), newest
    first, each with every attempt."""
    return store.list_deliveries(monitor, limit=limit)


def silences(store: Store, monitor: str) -> list[Silence]:
    """Silences of ``monitor``'s alert rules, newest first."""
    return store.list_silences(monitor)


def retrain_triggers(store: Store, monitor: str, *, limit: int = 50) -> list[RetrainTrigger]:
    """The latest retraining triggers of ``monitor`` with their outcome, newest first."""
    return store.list_retrain_triggers(monitor, limit=limit)


def audit_events(store: Store, monitor: str, *, limit: int = 50) -> list[AuditEntry]:
    """The latest audit entries of ``monitor`` (who changed what), newest first."""
    return store.list_audit(monitor, limit=limit)


def known_monitor(store: Store, monitor: str) -> bool:
    """Whether ``monitor`` exists (pages show a message instead of failing)."""
    try:
        store.check_history(monitor, limit=0)
    except ConfigError:
        return False
    return True
