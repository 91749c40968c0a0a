"""Windows: tumbling, schedule-aligned [start, end) intervals of event time.

Pure functions of times; the scheduler asks which windows are due and checks them in
order, so after downtime the missed windows are caught up, not skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

__all__ = ["EPOCH", "Window", "align", "due_windows"]

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


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


def due_windows(
    *,
    length: timedelta,
    now: datetime,
    grace: timedelta = timedelta(0),
    last_end_at: datetime | None = None,
    first_event_at: datetime | None = None,
    anchor: datetime = EPOCH,
    limit: int | None = None,
) -> list[Window]:
    """Complete windows not yet checked, oldest first.

    A window [s, e) is complete once ``e + grace <= now``. Checking resumes at
    ``last_end_at`` (the end of the last checked window); a monitor never checked starts
    at the window holding its first event. With neither, nothing is due.

    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> [w.start_at.hour for w in due_windows(length=timedelta(hours=1),
    ...     now=t + timedelta(hours=3, minutes=5), grace=timedelta(minutes=10),
    ...     first_event_at=t + timedelta(minutes=30))]
    [0, 1]
    """
    if grace < timedelta(0):
        raise ValueError(f"grace must be >= 0, got {grace}")
    if last_end_at is not None:
        start = last_end_at
    elif first_event_at is not None:
        start = align(first_event_at, length, anchor=anchor)
    else:
        return []
    windows: list[Window] = []
    while start + length + grace <= now:
        windows.append(Window(start, start + length))
        if limit is not None and len(windows) >= limit:
            break
        start += length
    return windows
