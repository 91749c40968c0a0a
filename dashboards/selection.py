"""What the monitor and column pages read first from their URL: the monitor, its range,
the range's checks, the selected window and what to tell the reader about the link.

``select(context, params)`` never raises for a bad link: an unknown monitor, a window
that is not a date, or a window without a check each become a sentence in ``problems``
(or ``unknown``), shown on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dashboards import queries
from dashboards.components import fmt_time
from dashboards.figures import Frame
from dashboards.links import TimeRange, parse_window, window_problem
from monitor.store import CheckDetail, CheckPoint, MonitorStatus, OpenAlerts, monitor_status

if TYPE_CHECKING:
    from dashboards.context import PageContext

__all__ = ["Selection", "select"]


@dataclass(frozen=True, slots=True)
class Selection:
    """A page's monitor, range, checks and selected check; ``status`` is the monitor's
    (the one vocabulary); ``problems`` what was wrong with the link; ``empty`` why the
    range has no check (None when it has)."""

    monitor: str
    range: TimeRange
    points: tuple[CheckPoint, ...]
    detail: CheckDetail | None
    status: MonitorStatus
    frame: Frame
    problems: tuple[str, ...]
    empty: str | None


def select(context: PageContext, params: dict[str, Any]) -> Selection | str:
    """The page's selection, or the one-line reason there is none (unknown monitor)."""
    store = context.store
    monitor = str(params.get("monitor") or "")
    if not queries.known_monitor(store, monitor):
        return f"No monitor named {monitor!r}: check the link, or open the overview."
    raw = params.get("window")
    asked = parse_window(raw)
    problems: list[str] = []
    problem = window_problem(raw)
    if problem is not None:
        problems.append(problem[0].upper() + problem[1:] + "; showing the latest window.")
    key, windows = params.get("range"), context.settings.default_windows
    window_range = queries.resolve_range(store, monitor, key, windows=windows, around=asked)
    points = tuple(queries.timeline(store, monitor, window_range))
    detail = queries.selected_check(store, monitor, asked, points)
    held = (
        asked is not None
        and detail is not None
        and detail.summary.window_start_at <= asked < detail.summary.window_end_at
    )
    if asked is not None and not held:
        # No check holds the link's window: the range it would have had, as if unasked.
        window_range = queries.resolve_range(store, monitor, key, windows=windows)
        points = tuple(queries.timeline(store, monitor, window_range))
        detail = queries.selected_check(store, monitor, None, points)
        shown = (
            f"showing the latest window, starting {fmt_time(detail.summary.window_start_at)}"
            if detail is not None
            else "it has no check yet"
        )
        problems.append(f"No check of {monitor!r} for a window holding {fmt_time(asked)}; {shown}.")
    latest = store.check_history(monitor, limit=1, newest_first=True)
    alerts = store.count_open_alerts().get(monitor, OpenAlerts())
    status = monitor_status(latest[0].status if latest else None, alerts)
    empty = None
    if not latest:
        empty = (
            f"{monitor!r} has never been checked: its first check runs once its first "
            "window closes (or run `driftline checks run`)."
        )
    elif not points:
        empty = "No checks in this range."
    frame = Frame(
        window_range.since,
        window_range.until,
        window_range.window,
        detail.summary.window_start_at if detail is not None else None,
    )
    return Selection(monitor, window_range, points, detail, status, frame, tuple(problems), empty)
