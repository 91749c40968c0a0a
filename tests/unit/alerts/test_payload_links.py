"""Notification links open the dashboard's real deep-link routes (``dashboards.links``)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from alerts.payload import dashboard_link
from dashboards.links import monitor_href, parse_window

START = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "monitor",
    [
        pytest.param("credit", id="plain"),
        pytest.param("credit risk", id="space"),
        pytest.param("a/b", id="slash"),
        pytest.param("crédit", id="non-ascii"),
    ],
)
@pytest.mark.parametrize(
    "window", [pytest.param(START, id="window"), pytest.param(None, id="no-window")]
)
def test_dashboard_link_is_the_dashboards_monitor_deep_link(
    monitor: str, window: dt.datetime | None
) -> None:
    base = "https://driftline.example.org/dashboard"
    assert dashboard_link(base + "/", monitor, window) == base + monitor_href(
        "", monitor, window=window
    )


def test_dashboard_link_round_trips_monitor_and_window_through_the_route() -> None:
    """The monitor page's route (``/monitor/<name>``) and its ``window`` parameter give
    back the monitor and the window start the alert was about."""
    link = dashboard_link("http://127.0.0.1:8050/dashboard", "credit risk", START)
    assert link is not None
    parts = urlsplit(link)
    prefix, _, name = parts.path.rpartition("/")
    assert prefix == "/dashboard/monitor" and unquote(name) == "credit risk"
    assert parse_window(parse_qs(parts.query)["window"][0]) == START
    aware_elsewhere = START.astimezone(dt.timezone(dt.timedelta(hours=2)))
    assert dashboard_link("http://h/dashboard", "credit risk", aware_elsewhere) == link.replace(
        "127.0.0.1:8050", "h"
    )


def test_no_dashboard_url_gives_no_link() -> None:
    assert dashboard_link(None, "credit", START) is None
