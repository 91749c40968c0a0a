"""The monitor and column pages' range on a real SQLite store: the last N windows whatever
their length, moved back for a deep link to an old window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboards import queries
from dashboards.links import DEFAULT_RANGE, WINDOWS
from monitor.engine.report import ColumnResult, DriftReport
from monitor.store import Store, upgrade

T0 = dt.datetime(2025, 1, 6, tzinfo=dt.UTC)  # a Monday
WEEK = dt.timedelta(days=7)
WEEKS = 80
MISSING = (60, 61)  # weeks without a check (no records then)


def _report() -> DriftReport:
    column = ColumnResult("income", "numeric", "feature", "tested", effect_size=0.02)
    return DriftReport(100, 100, (column,), (), 0.05, 0.1, 0.1, 0.5, "bh")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """``weekly``: 80 weekly checks but two; ``empty``: never checked."""
    url = f"sqlite:///{tmp_path / 'd.db'}"
    upgrade(url)
    opened = Store(url)
    opened.upsert_monitor("weekly", {"baseline": "b.json"})
    opened.upsert_monitor("empty", {"baseline": "b.json"})
    for week in range(WEEKS):
        if week in MISSING:
            continue
        start = T0 + week * WEEK
        done = start + WEEK + dt.timedelta(minutes=1)
        opened.save_check(
            "weekly", start, start + WEEK, _report(), started_at=done, finished_at=done
        )
    yield opened
    opened.close()


def test_the_default_range_is_the_last_n_windows_whatever_their_length(store: Store) -> None:
    assert DEFAULT_RANGE == WINDOWS
    found = queries.resolve_range(store, "weekly", None, windows=48)
    end = T0 + WEEKS * WEEK
    assert (found.since, found.until, found.window) == (end - 48 * WEEK, end, WEEK)
    points = queries.timeline(store, "weekly", found)
    # 48 windows, two of them without a check
    assert len(points) == 46
    assert points[0].window_start_at == end - 48 * WEEK
    # the old default (7 days) held one weekly window
    assert len(queries.timeline(store, "weekly", queries.resolve_range(store, "weekly", "7d"))) == 1


def test_a_deep_link_to_an_old_window_moves_the_range_back_around_it(store: Store) -> None:
    old = T0 + 3 * WEEK
    found = queries.resolve_range(store, "weekly", None, windows=10, around=old)
    assert found.since is not None and found.until is not None
    assert found.since <= old < found.until and found.until - found.since == 10 * WEEK
    # near the first check, the range starts there rather than before any check
    first = queries.resolve_range(store, "weekly", None, windows=10, around=T0 + WEEK)
    assert (first.since, first.until) == (T0, T0 + 10 * WEEK)
    points = queries.timeline(store, "weekly", found)
    detail = queries.selected_check(store, "weekly", old, points)
    assert detail is not None and detail.summary.window_start_at == old
    # a time inside a window selects that window
    inside = queries.selected_check(store, "weekly", old + dt.timedelta(days=2), points)
    assert inside is not None and inside.summary.window_start_at == old
    # a window already in the default range leaves it where it is
    recent = T0 + (WEEKS - 2) * WEEK
    assert queries.resolve_range(
        store, "weekly", None, windows=10, around=recent
    ) == queries.resolve_range(store, "weekly", None, windows=10)


def test_a_monitor_never_checked_has_an_open_range(store: Store) -> None:
    found = queries.resolve_range(store, "empty", None, windows=48)
    assert (found.since, found.until, found.window) == (None, None, None)
    assert queries.timeline(store, "empty", found) == []
