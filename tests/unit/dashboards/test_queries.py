"""Pure parts of the queries and links: status, version changes, deep-link round trips."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboards import links, queries
from monitor.store import MONITOR_STATUSES, CheckPoint, OpenAlerts, monitor_status

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def _point(hour: int, status: str = "ok", version: str | None = "1") -> CheckPoint:
    start = T0 + hour * HOUR
    return CheckPoint(hour, start, start + HOUR, status, "", 0.0, 1, None, version, start)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "alerts", "expected"),
    [
        pytest.param("ok", OpenAlerts(), "ok", id="ok"),
        pytest.param("drifting", OpenAlerts(), "drift", id="drifting"),
        pytest.param("failed", OpenAlerts(), "failed", id="failed-check"),
        pytest.param("insufficient_data", OpenAlerts(), "no_data", id="insufficient-data"),
        pytest.param("no_data", OpenAlerts(), "no_data", id="no-data"),
        pytest.param(None, OpenAlerts(), "never_checked", id="never-checked"),
        pytest.param(None, OpenAlerts(firing=1), "alerting", id="firing-without-a-check"),
        pytest.param("ok", OpenAlerts(firing=1), "alerting", id="firing-alert-wins"),
        pytest.param("failed", OpenAlerts(firing=1), "alerting", id="firing-beats-failed"),
        pytest.param("drifting", OpenAlerts(pending=2), "drift", id="pending-is-not-alerting"),
    ],
)
def test_monitor_status(status: str | None, alerts: OpenAlerts, expected: str) -> None:
    assert monitor_status(status, alerts) == expected
    assert monitor_status(status, alerts.firing) == expected
    assert expected in MONITOR_STATUSES


def test_version_changes_skip_checks_without_a_version() -> None:
    points = [_point(0), _point(1, "failed", None), _point(2, version="2"), _point(3, version="2")]
    changes = queries.version_changes(points)
    assert [(c.at, c.previous, c.current) for c in changes] == [(T0 + 2 * HOUR, "1", "2")]


def test_deep_links_round_trip_the_window_and_keep_the_range() -> None:
    start = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
    href = links.column_href("/dashboard", "credit", "annual income", range_key="30d", window=start)
    assert href == "/dashboard/column/credit/annual%20income?range=30d&window=2026-01-05T10:00:00Z"
    assert links.parse_window("2026-01-05T10:00:00Z") == start
    assert links.parse_window("2026-01-05T11:00:00+01:00") == start
    assert links.parse_window("yesterday") is None
    assert links.range_key("nonsense") == links.DEFAULT_RANGE
