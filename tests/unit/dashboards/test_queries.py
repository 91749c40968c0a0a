"""Pure parts of the queries and links: status, version changes, alerts feature detection,
deep-link round trips."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from dashboards import links, queries
from dashboards.links import TimeRange
from monitor.store import CheckPoint

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def _point(hour: int, status: str = "ok", version: str | None = "1") -> CheckPoint:
    start = T0 + hour * HOUR
    return CheckPoint(hour, start, start + HOUR, status, "", 0.0, 1, None, version, start)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "open_alerts", "expected"),
    [
        pytest.param("ok", 0, "ok", id="ok"),
        pytest.param("drifting", 0, "drifting", id="drifting"),
        pytest.param("failed", 0, "failing", id="failed-check"),
        pytest.param("insufficient_data", 0, "no data", id="insufficient-data"),
        pytest.param("no_data", 0, "no data", id="no-data"),
        pytest.param("ok", 1, "alerting", id="open-alert-wins"),
    ],
)
def test_monitor_status(status: str, open_alerts: int, expected: str) -> None:
    assert queries.monitor_status(_point(0, status), open_alerts) == expected


def test_version_changes_skip_checks_without_a_version() -> None:
    points = [_point(0), _point(1, "failed", None), _point(2, version="2"), _point(3, version="2")]
    changes = queries.version_changes(points)
    assert [(c.at, c.previous, c.current) for c in changes] == [(T0 + 2 * HOUR, "1", "2")]


@dataclass
class _Transition:
    state: str
    at: dt.datetime
    reason: str = ""


@dataclass
class _Alert:
    monitor: str
    rule: str
    state: str
    changed_at: dt.datetime
    reason: str
    transitions: list[_Transition] = field(default_factory=list)


@dataclass
class _Trigger:
    created_at: dt.datetime
    status: str


class _StoreWithAlerts:
    """Stands in for the alerts package's Store methods, which are not in this branch."""

    def count_open_alerts(self) -> dict[str, int]:
        return {"credit": 2}

    def list_alerts(self, monitor: str | None = None, **_: Any) -> list[_Alert]:
        return [
            _Alert(
                "credit",
                "share",
                "firing",
                T0 + HOUR,
                "share 0.6 >= 0.5",
                [_Transition("pending", T0), _Transition("firing", T0 + HOUR)],
            )
        ]

    def list_retrain_triggers(self, monitor: str, **_: Any) -> list[_Trigger]:
        return [_Trigger(T0 + 2 * HOUR, "sent")]


def test_alert_queries_are_empty_without_the_alerts_store_methods() -> None:
    plain = object()
    assert not queries.alerts_available(plain)
    assert queries.open_alert_counts(plain) == {}
    assert queries.alert_history(plain, "credit") == []
    assert queries.alert_markers(plain, "credit", TimeRange("7d", None, None)) == []
    assert queries.deliveries(plain, "credit") == [] and queries.silences(plain, "credit") == []


def test_alert_queries_read_the_alerts_store_methods_when_present() -> None:
    store = _StoreWithAlerts()
    assert queries.alerts_available(store)
    assert queries.open_alert_counts(store) == {"credit": 2}
    history = queries.alert_history(store, "credit")
    assert [(a.rule, a.state) for a in history] == [("share", "firing")]
    assert [t[0] for t in history[0].transitions] == ["pending", "firing"]
    markers = queries.alert_markers(store, "credit", TimeRange("7d", None, None))
    assert [(m.kind, m.label) for m in markers] == [
        ("alert", "share: pending"),
        ("alert", "share: firing"),
        ("retrain", "retrain: sent"),
    ]


def test_deep_links_round_trip_the_window_and_keep_the_range() -> None:
    start = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
    href = links.column_href("/dashboard", "credit", "annual income", range_key="30d", window=start)
    assert href == "/dashboard/column/credit/annual%20income?range=30d&window=2026-01-05T10:00:00Z"
    assert links.parse_window("2026-01-05T10:00:00Z") == start
    assert links.parse_window("2026-01-05T11:00:00+01:00") == start
    assert links.parse_window("yesterday") is None
    assert links.range_key("nonsense") == links.DEFAULT_RANGE
