"""Read-only store calls behind the pages, shaped for the figure builders.

Every number comes from a stored result: the store selects and aggregates (timelines,
column series, the heatmap's ``GROUP BY`` per time bucket), and this module only picks,
orders and pivots what it returns. Nothing here computes a statistic or writes.

Alerts, silences, deliveries and retraining triggers are read at the end of this module,
through :class:`AlertsStore` methods that the alerts package adds to ``Store``; until it
does, those functions return empty results and :func:`alerts_available` is False.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, cast

from dashboards.links import RANGES, TimeRange, range_key
from monitor.errors import ConfigError
from monitor.report import ColumnResult, Histogram
from monitor.store import CheckDetail, CheckPoint, ColumnPoint, Store

__all__ = [
    "MAX_HEATMAP_BUCKETS",
    "AlertEntry",
    "AlertsStore",
    "HeatmapView",
    "Marker",
    "MonitorStatus",
    "OverviewEntry",
    "VersionChange",
    "alert_history",
    "alert_markers",
    "alerts_available",
    "column_histogram",
    "column_series",
    "deliveries",
    "heatmap",
    "known_monitor",
    "monitor_status",
    "open_alert_counts",
    "overview",
    "prediction_series",
    "ranked_columns",
    "resolve_range",
    "selected_check",
    "silences",
    "timeline",
    "version_changes",
]

MAX_HEATMAP_BUCKETS = 120
MonitorStatus = Literal["ok", "drifting", "alerting", "failing", "no data"]


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
    open_alerts: int


def monitor_status(last: CheckPoint | None, open_alerts: int) -> MonitorStatus:
    """The overview status: alerting when an alert is open, else from the latest check.

    >>> monitor_status(None, 0)
    'no data'
    >>> monitor_status(None, 2)
    'alerting'
    """
    if open_alerts > 0:
        return "alerting"
    if last is None or last.status in ("no_data", "insufficient_data"):
        return "no data"
    if last.status == "failed":
        return "failing"
    return "drifting" if last.status == "drifting" else "ok"


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
                status=monitor_status(last, alerts.get(name, 0)),
                last=last,
                recent=tuple(points),
                open_alerts=alerts.get(name, 0),
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
    """Columns x time buckets: the largest effect size and drifted windows per cell."""

    columns: tuple[str, ...]
    bucket_starts: tuple[dt.datetime, ...]
    bucket: dt.timedelta
    effect: tuple[tuple[float | None, ...], ...]
    drifted: tuple[tuple[int, ...], ...]
    windows: tuple[tuple[int, ...], ...]
    last_window_starts: tuple[dt.datetime | None, ...]


def resolve_range(store: Store, monitor: str, key: object) -> TimeRange:
    """The time range ``key`` ending at ``monitor``'s latest check (so a monitor that
    stopped checking still shows its last windows). Raises ConfigError for an unknown
    monitor."""
    chosen = range_key(key)
    latest = store.check_history(monitor, limit=1, newest_first=True)
    if not latest:
        return TimeRange(chosen, None, None)
    until = latest[0].window_end_at
    span = RANGES[chosen]
    return TimeRange(chosen, None if span is None else until - span, until)


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
    max_buckets: int = MAX_HEATMAP_BUCKETS,
) -> HeatmapView | None:
    """The heatmap over the windows of ``points``: one bucket per window when they fit in
    ``max_buckets``, else buckets of several windows (aggregated by the store)."""
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
    )


def selected_check(
    store: Store, monitor: str, window_start_at: dt.datetime | None, points: Sequence[CheckPoint]
) -> CheckDetail | None:
    """The check of the window starting at ``window_start_at``, else the latest in range."""
    check_id = None
    if window_start_at is not None:
        check_id = store.find_check(monitor, window_start_at)
    if check_id is None and points:
        check_id = points[-1].check_id
    return None if check_id is None else store.get_check(check_id)


def ranked_columns(detail: CheckDetail) -> list[ColumnResult]:
    """The check's columns, drifted first, then by effect size (largest first), then name."""

    def rank(result: ColumnResult) -> tuple[int, float, str]:
        effect = result.effect_size if result.effect_size is not None else -1.0
        return (0 if result.drifted else 1, -effect, result.name)

    return sorted(detail.columns, key=rank)


def prediction_series(store: Store, monitor: str, window_range: TimeRange) -> list[ColumnPoint]:
    """The prediction column's results over the range (empty without a prediction column)."""
    return store.column_history(
        monitor, role="prediction", since=window_range.since, until=window_range.until
    )


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


# -- alerts (read through the alerts package's Store methods, once they exist) --------------


class AlertsStore(Protocol):
    """The Store methods these functions use when the alerts package provides them.

    Each returns objects with the attributes named below (any extra ones are ignored):

    - ``count_open_alerts() -> Mapping[str, int]``: open (pending or firing) alerts per
      monitor name, counted in the database.
    - ``list_alerts(monitor: str | None = None, *, since=None, until=None)``: alerts with
      ``id, monitor, rule, state, changed_at, reason`` and ``transitions`` (each with
      ``state, at, reason``).
    - ``list_retrain_triggers(monitor, *, since=None, until=None)``: with
      ``created_at, status, detail``.
    - ``list_deliveries(monitor)``: with ``channel, created_at, status, attempts`` (each
      with ``number, at, status_code, latency_s, error``).
    - ``list_silences(monitor)``: with ``rule, starts_at, ends_at, reason``.
    """

    def count_open_alerts(self) -> Mapping[str, int]: ...

    def list_alerts(self, monitor: str | None = None, **kwargs: Any) -> Sequence[Any]: ...

    def list_retrain_triggers(self, monitor: str, **kwargs: Any) -> Sequence[Any]: ...

    def list_deliveries(self, monitor: str) -> Sequence[Any]: ...

    def list_silences(self, monitor: str) -> Sequence[Any]: ...


@dataclass(frozen=True, slots=True)
class Marker:
    """A point on a monitor's timeline: an alert state change or a retraining trigger."""

    at: dt.datetime
    kind: Literal["alert", "retrain"]
    label: str


@dataclass(frozen=True, slots=True)
class AlertEntry:
    """One alert with its state transitions, as the Alerts page lists it."""

    monitor: str
    rule: str
    state: str
    changed_at: dt.datetime | None
    reason: str
    transitions: tuple[tuple[str, dt.datetime | None, str], ...]


def alerts_available(store: object) -> bool:
    """Whether the store has the alerts package's methods."""
    return all(
        callable(getattr(store, name, None))
        for name in ("count_open_alerts", "list_alerts", "list_retrain_triggers")
    )


def _alerts(store: object) -> AlertsStore | None:
    return cast(AlertsStore, store) if alerts_available(store) else None


def open_alert_counts(store: object) -> dict[str, int]:
    """Open alerts per monitor name; empty while the store has no alerts."""
    alerts = _alerts(store)
    if alerts is None:
        return {}
    counts = alerts.count_open_alerts()
    return {str(name): int(count) for name, count in counts.items()}


def _text(item: object, name: str) -> str:
    value = getattr(item, name, "")
    return "" if value is None else str(value)


def _when(item: object, name: str) -> dt.datetime | None:
    value = getattr(item, name, None)
    return value if isinstance(value, dt.datetime) else None


def alert_history(store: object, monitor: str | None) -> list[AlertEntry]:
    """Alerts (of one monitor, or all) with their transitions; empty without alerts."""
    alerts = _alerts(store)
    if alerts is None:
        return []
    entries = []
    for alert in alerts.list_alerts(monitor):
        transitions = tuple(
            (_text(t, "state"), _when(t, "at"), _text(t, "reason"))
            for t in getattr(alert, "transitions", ()) or ()
        )
        entries.append(
            AlertEntry(
                monitor=_text(alert, "monitor"),
                rule=_text(alert, "rule"),
                state=_text(alert, "state"),
                changed_at=_when(alert, "changed_at"),
                reason=_text(alert, "reason"),
                transitions=transitions,
            )
        )
    return entries


def alert_markers(store: object, monitor: str, window_range: TimeRange) -> list[Marker]:
    """Alert state changes and retraining triggers of ``monitor`` in the range."""
    alerts = _alerts(store)
    if alerts is None:
        return []
    bounds = {"since": window_range.since, "until": window_range.until}
    markers = [
        Marker(at, "alert", f"{_text(alert, 'rule')}: {_text(transition, 'state')}")
        for alert in alerts.list_alerts(monitor, **bounds)
        for transition in getattr(alert, "transitions", ()) or ()
        if (at := _when(transition, "at")) is not None
    ]
    markers += [
        Marker(at, "retrain", f"retrain: {_text(trigger, 'status')}")
        for trigger in alerts.list_retrain_triggers(monitor, **bounds)
        if (at := _when(trigger, "created_at")) is not None
    ]
    return sorted(markers, key=lambda m: m.at)


def deliveries(store: object, monitor: str) -> list[dict[str, str]]:
    """Deliveries of ``monitor``'s alerts, one row per attempt; empty without alerts."""
    lister = getattr(store, "list_deliveries", None)
    if not alerts_available(store) or not callable(lister):
        return []
    rows = []
    for delivery in lister(monitor):
        for attempt in getattr(delivery, "attempts", ()) or ():
            rows.append(
                {
                    "channel": _text(delivery, "channel"),
                    "delivery": _text(delivery, "status"),
                    "attempt": _text(attempt, "number"),
                    "at": _text(attempt, "at"),
                    "status code": _text(attempt, "status_code"),
                    "latency s": _text(attempt, "latency_s"),
                    "error": _text(attempt, "error"),
                }
            )
    return rows


def silences(store: object, monitor: str) -> list[dict[str, str]]:
    """Silences of ``monitor``'s alert rules; empty without alerts."""
    lister = getattr(store, "list_silences", None)
    if not alerts_available(store) or not callable(lister):
        return []
    return [
        {name: _text(silence, name) for name in ("rule", "starts_at", "ends_at", "reason")}
        for silence in lister(monitor)
    ]


def known_monitor(store: Store, monitor: str) -> bool:
    """Whether ``monitor`` exists (pages show a message instead of failing)."""
    try:
        store.check_history(monitor, limit=0)
    except ConfigError:
        return False
    return True
