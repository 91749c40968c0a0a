"""Tumbling windows and which are due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.engine.windows import Window, align, due_windows

T0 = datetime(2026, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_align_floors_to_the_window_grid() -> None:
    assert align(T0 + timedelta(minutes=59, seconds=59), HOUR) == T0
    assert align(T0 + HOUR, HOUR) == T0 + HOUR


def test_window_due_only_after_its_grace_delay() -> None:
    """Boundary pair: exactly at end + grace it is due; a second before it is not."""
    grace = timedelta(minutes=5)
    at_boundary = due_windows(length=HOUR, now=T0 + HOUR + grace, grace=grace, first_event_at=T0)
    before = due_windows(
        length=HOUR, now=T0 + HOUR + grace - timedelta(seconds=1), grace=grace, first_event_at=T0
    )
    assert at_boundary == [Window(T0, T0 + HOUR)]
    assert before == []


def test_missed_windows_are_caught_up_in_order() -> None:
    windows = due_windows(length=HOUR, now=T0 + 5 * HOUR, last_end_at=T0 + HOUR)
    assert [w.start_at for w in windows] == [T0 + i * HOUR for i in range(1, 5)]


def test_nothing_due_without_events_or_history() -> None:
    assert due_windows(length=HOUR, now=T0 + 10 * HOUR) == []


def test_limit_caps_a_long_catch_up() -> None:
    assert len(due_windows(length=HOUR, now=T0 + 100 * HOUR, first_event_at=T0, limit=3)) == 3


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Window(datetime(2026, 1, 1), datetime(2026, 1, 2))


def test_empty_window_is_refused() -> None:
    with pytest.raises(ValueError, match="must be after start"):
        Window(T0, T0)
