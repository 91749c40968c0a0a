"""Windows: tumbling, schedule-aligned [start, end) intervals of event time.

Pure functions of times; the scheduler asks which windows are due and checks them in
order, so after downtime the missed windows are caught up, not skipped.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

__all__ = ["EPOCH", "MONDAY", "Window", "align", "anchor_for", "due_windows"]

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
MONDAY: Final = datetime(1970, 1, 5, tzinfo=UTC)


@dataclass(frozen=True, slots=True, order=True)
class Window:
    """The records whose event time falls in [start_at, end_at)."""

    start_at: datetime
    end_at: datetime

    def __post_init__(self) -> None:
        for name, value in (("start_at", self.start_at), ("end_at", self.end_at)):
            if value.tzinfo is None:
                raise ValueError(f"Window.{name} must be timezone-aware, got {value!r}")
        if self.end_at <= self.start_at:
            raise ValueError(
                f"Window end {self.end_at.isoformat()} must be after start "
                f"{self.start_at.isoformat()}"
            )


def align(moment: datetime, length: timedelta, *, anchor: datetime = EPOCH) -> datetime:
    """The start of the window of ``length`` (aligned on ``anchor``) containing ``moment``."""
    if length <= timedelta(0):
        raise ValueError(f"window length must be positive, got {length}")
    if moment.tzinfo is None:
        raise ValueError(f"moment must be timezone-aware, got {moment!r}")
    steps = (moment - anchor) // length
    return anchor + steps * length


def anchor_for(length: timedelta) -> datetime:
    """The grid windows of ``length`` are aligned on: Monday 1970-01-05 for whole weeks (a
    weekly window runs Monday to Monday, UTC), else the epoch."""
    return MONDAY if length % timedelta(days=7) == timedelta(0) else EPOCH


def due_windows(
    *,
    length: timedelta,
    now: datetime,
    first_event_at: datetime | None,
    last_event_at: datetime | None,
    grace: timedelta = timedelta(0),
    checked: Collection[datetime] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[Window]:
    """The complete windows that hold data and have no check yet, oldest first.

    Windows are aligned on :func:`anchor_for` and run from the one holding the first event
    to the one holding the last: none before the data starts, none after it ends (a window
    after the last record is checked once a later record arrives). A window [s, e) is
    complete once ``e + grace <= now``; ``checked`` holds the starts of windows already
    checked, which are skipped (so a window missed in the middle is still caught up).
    ``since`` and ``until`` narrow the range to windows with ``s >= align(since)`` and
    ``e <= until``; ``limit`` caps a long catch-up. Without events, nothing is due.

    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> [w.start_at.hour for w in due_windows(length=timedelta(hours=1),
    ...     now=t + timedelta(hours=5, minutes=5), grace=timedelta(minutes=10),
    ...     first_event_at=t + timedelta(minutes=30), last_event_at=t + timedelta(hours=2))]
    [0, 1, 2]
    """
    if grace < timedelta(0):
        raise ValueError(f"grace must be >= 0, got {grace}")
    if first_event_at is None or last_event_at is None:
        return []
    anchor = anchor_for(length)
    start = align(first_event_at, length, anchor=anchor)
    if since is not None:
        start = max(start, align(since, length, anchor=anchor))
    done = set(checked)
    windows: list[Window] = []
    while start <= last_event_at and start + length + grace <= now:
        if until is not None and start + length > until:
            break
        if start not in done:
            windows.append(Window(start, start + length))
            if limit is not None and len(windows) >= limit:
                break
        start += length
    return windows
