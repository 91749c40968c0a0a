"""Tumbling windows and which are due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.engine.windows import EPOCH, Window, align, anchor_for, due_windows

T0 = datetime(2026, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_align_floors_to_the_window_grid() -> None:
    assert align(T0 + timedelta(minutes=59, seconds=59), HOUR) == T0
    assert align(T0 + HOUR, HOUR) == T0 + HOUR


def test_window_due_only_after_its_grace_delay() -> None:
    """Boundary pair: exactly at end + grace it is due; a second before it is not."""
    grace = timedelta(minutes=5)
    events = {"first_event_at": T0, "last_event_at": T0 + 10 * HOUR}
    at_boundary = due_windows(length=HOUR, now=T0 + HOUR + grace, grace=grace, **events)
    before = due_windows(
        length=HOUR, now=T0 + HOUR + grace - timedelta(seconds=1), grace=grace, **events
    )
    assert at_boundary == [Window(T0, T0 + HOUR)]
    assert before == []


def test_windows_run_from_the_first_record_to_the_last_and_no_further() -> None:
    """Records from 01:30 to 03:10, checked at 10:00: windows 01, 02 and 03 only."""
    windows = due_windows(
        length=HOUR,
        now=T0 + 10 * HOUR,
        first_event_at=T0 + timedelta(hours=1, minutes=30),
        last_event_at=T0 + timedelta(hours=3, minutes=10),
    )
    assert [w.start_at for w in windows] == [T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR]


def test_a_last_record_on_a_window_boundary_opens_that_window() -> None:
    """Boundary pair: a record at exactly 03:00 belongs to [03:00, 04:00); one at
    02:59:59 does not."""
    on = due_windows(length=HOUR, now=T0 + 9 * HOUR, first_event_at=T0, last_event_at=T0 + 3 * HOUR)
    before = due_windows(
        length=HOUR,
        now=T0 + 9 * HOUR,
        first_event_at=T0,
        last_event_at=T0 + 3 * HOUR - timedelta(seconds=1),
    )
    assert on[-1].start_at == T0 + 3 * HOUR
    assert before[-1].start_at == T0 + 2 * HOUR


def test_checked_windows_are_skipped_and_a_gap_is_caught_up() -> None:
    windows = due_windows(
        length=HOUR,
        now=T0 + 5 * HOUR,
        first_event_at=T0,
        last_event_at=T0 + 4 * HOUR,
        checked={T0, T0 + 2 * HOUR},
    )
    assert [w.start_at for w in windows] == [T0 + HOUR, T0 + 3 * HOUR, T0 + 4 * HOUR]


def test_since_and_until_narrow_the_range() -> None:
    windows = due_windows(
        length=HOUR,
        now=T0 + 24 * HOUR,
        first_event_at=T0,
        last_event_at=T0 + 20 * HOUR,
        since=T0 + timedelta(hours=2, minutes=30),
        until=T0 + 5 * HOUR,
    )
    assert [w.start_at for w in windows] == [T0 + 2 * HOUR, T0 + 3 * HOUR, T0 + 4 * HOUR]


def test_since_before_the_first_record_starts_at_the_first_record() -> None:
    windows = due_windows(
        length=HOUR, now=T0 + 3 * HOUR, first_event_at=T0, last_event_at=T0, since=T0 - 99 * HOUR
    )
    assert windows == [Window(T0, T0 + HOUR)]


def test_nothing_due_without_events() -> None:
    assert (
        due_windows(length=HOUR, now=T0 + 10 * HOUR, first_event_at=None, last_event_at=None) == []
    )


def test_limit_caps_a_long_catch_up() -> None:
    windows = due_windows(
        length=HOUR, now=T0 + 100 * HOUR, first_event_at=T0, last_event_at=T0 + 90 * HOUR, limit=3
    )
    assert len(windows) == 3


def test_weekly_windows_start_on_monday() -> None:
    thursday = datetime(2026, 3, 5, 12, tzinfo=UTC)
    week = timedelta(days=7)
    windows = due_windows(
        length=week, now=thursday + 3 * week, first_event_at=thursday, last_event_at=thursday
    )
    assert [w.start_at.strftime("%A %H:%M") for w in windows] == ["Monday 00:00"]
    assert anchor_for(week).weekday() == 0 and anchor_for(HOUR) == EPOCH


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Window(datetime(2026, 1, 1), datetime(2026, 1, 2))


def test_empty_window_is_refused() -> None:
    with pytest.raises(ValueError, match="must be after start"):
        Window(T0, T0)
