"""Deep links: the URL of every view holds its monitor, column, window and time range.

``/dashboard/monitor/credit?window=2026-01-05T10:00:00Z`` opens the monitor page of
``credit`` over its last N windows (``dashboard.default_windows``, whatever the window
length), moved back in time if needed so that the window starting at 10:00 is in it, and
selected; ``range=7d`` (``24h``, ``30d``, ``90d``, ``1y``, ``all``) asks for a span of time
instead. ``/dashboard/column/credit/income?...`` the same for one column. An alert's link is
built with :func:`column_href` or :func:`monitor_href`.

>>> monitor_href("/dashboard", "credit", range_key="30d")
'/dashboard/monitor/credit?range=30d'
>>> monitor_href("/dashboard", "credit", range_key="windows")
'/dashboard/monitor/credit'
>>> window_param(parse_window("2026-01-05T10:00:00Z"))
'2026-01-05T10:00:00Z'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, urlencode

__all__ = [
    "DEFAULT_RANGE",
    "RANGES",
    "WINDOWS",
    "TimeRange",
    "alerts_href",
    "column_href",
    "monitor_href",
    "overview_href",
    "parse_window",
    "range_key",
    "range_label",
    "window_param",
    "window_problem",
]

WINDOWS: Final = "windows"
"""The range key of the monitor's last N windows (the default)."""
RANGES: Final[dict[str, dt.timedelta | None]] = {
    WINDOWS: None,
    "24h": dt.timedelta(days=1),
    "7d": dt.timedelta(days=7),
    "30d": dt.timedelta(days=30),
    "90d": dt.timedelta(days=90),
    "1y": dt.timedelta(days=365),
    "all": None,
}
DEFAULT_RANGE: Final = WINDOWS


@dataclass(frozen=True, slots=True)
class TimeRange:
    """Windows starting in [since, until); ``since`` None means from the first check.
    ``window`` is the monitor's window length (None before its first check)."""

    key: str
    since: dt.datetime | None
    until: dt.datetime | None
    window: dt.timedelta | None = None


def range_key(value: object) -> str:
    """A known range key from a URL parameter; anything else is the default."""
    return value if isinstance(value, str) and value in RANGES else DEFAULT_RANGE


def parse_window(value: object) -> dt.datetime | None:
    """A window start from a URL parameter (ISO 8601, UTC), or None if absent or invalid
    (:func:`window_problem` says why).

    >>> parse_window("2026-01-05T10:00:00Z").isoformat()
    '2026-01-05T10:00:00+00:00'
    >>> parse_window("yesterday") is None
    True
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def window_problem(value: object) -> str | None:
    """Why a link's ``window=`` value cannot be read, or None when it is absent or valid.

    >>> window_problem("2026-13-01").split(";")[0]
    "the link's window '2026-13-01' is not a date and time"
    """
    if value is None or value == "" or parse_window(value) is not None:
        return None
    shown = str(value)
    shown = shown if len(shown) <= 40 else shown[:40] + "..."
    return (
        f"the link's window {shown!r} is not a date and time; expected ISO 8601 in UTC "
        "such as 2026-01-05T10:00:00Z"
    )


def range_label(key: str, windows: int) -> str:
    """The range selector's label of ``key``.

    >>> range_label("windows", 48), range_label("7d", 48)
    ('last 48 windows', '7d')
    """
    return f"last {windows} windows" if key == WINDOWS else key


def window_param(value: dt.datetime) -> str:
    """A window start as it appears in a URL: ISO 8601 in UTC with ``Z``."""
    text = value.astimezone(dt.UTC).replace(tzinfo=None).isoformat()
    return text + "Z"


def _query(key: str | None, window: dt.datetime | None, **extra: str | None) -> str:
    params: dict[str, str] = {}
    if key and key != DEFAULT_RANGE:
        params["range"] = key
    if window is not None:
        params["window"] = window_param(window)
    params.update({k: v for k, v in extra.items() if v})
    return ("?" + urlencode(params, safe=":")) if params else ""


def overview_href(base: str) -> str:
    return base + "/"


def monitor_href(
    base: str,
    monitor: str,
    *,
    range_key: str | None = None,
    window: dt.datetime | None = None,
) -> str:
    return f"{base}/monitor/{quote(monitor, safe='')}" + _query(range_key, window)


def column_href(
    base: str,
    monitor: str,
    column: str,
    *,
    range_key: str | None = None,
    window: dt.datetime | None = None,
) -> str:
    path = f"{base}/column/{quote(monitor, safe='')}/{quote(column, safe='')}"
    return path + _query(range_key, window)


def alerts_href(base: str, monitor: str | None = None) -> str:
    return f"{base}/alerts" + _query(None, None, monitor=monitor)
