"""The versioned JSON payloads Driftline sends: alert notifications and retrain requests.

Both carry ``version`` (``PAYLOAD_VERSION``); a receiver should check it. A payload is
built once, when the delivery is queued, and sent unchanged on every attempt.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final
from urllib.parse import quote, urlencode

from monitor.store import CheckDetail, CheckSummary

__all__ = [
    "PAYLOAD_VERSION",
    "TOP_COLUMNS",
    "alert_payload",
    "dashboard_link",
    "retrain_payload",
    "top_drifted",
]

PAYLOAD_VERSION: Final = "1"
TOP_COLUMNS: Final = 5


def dashboard_link(
    base_url: str | None, monitor: str, window_start_at: dt.datetime | None = None
) -> str | None:
    """The dashboard's monitor page of ``monitor`` with the window starting at
    ``window_start_at`` selected, or None without a configured ``dashboard_url``.

    ``base_url`` is where the dashboard is served (``driftline serve`` mounts it at
    ``/dashboard``); the path and query are the dashboard's deep link
    (``dashboards.links.monitor_href``, kept equal by a test):

    >>> dashboard_link("https://driftline.example.org/dashboard/", "credit risk",
    ...                dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC))
    'https://driftline.example.org/dashboard/monitor/credit%20risk?window=2026-03-02T10:00:00Z'
    """
    if base_url is None:
        return None
    link = f"{base_url.rstrip('/')}/monitor/{quote(monitor, safe='')}"
    if window_start_at is not None:
        start = window_start_at.astimezone(dt.UTC).replace(tzinfo=None).isoformat()
        link += "?" + urlencode({"window": start + "Z"}, safe=":")
    return link


def _window(summary: CheckSummary) -> dict[str, Any]:
    return {
        "start": summary.window_start_at.isoformat(),
        "end": summary.window_end_at.isoformat(),
    }


def _model(summary: CheckSummary | None) -> dict[str, Any] | None:
    if summary is None or (summary.model_name is None and summary.model_version is None):
        return None
    return {"name": summary.model_name, "version": summary.model_version}


def top_drifted(check: CheckDetail, limit: int = TOP_COLUMNS) -> list[dict[str, Any]]:
    """The drifted columns with the largest effect sizes, largest first."""
    drifted = [c for c in check.columns if c.drifted]
    drifted.sort(key=lambda c: -(c.effect_size or 0.0))
    return [
        {
            "column": c.name,
            "role": c.role,
            "method": c.method,
            "effect_method": c.effect_method,
            "effect_size": c.effect_size,
            "p_value_adjusted": c.p_value_adjusted,
        }
        for c in drifted[:limit]
    ]


def alert_payload(
    *,
    monitor: str,
    rule: Any,
    state: str,
    previous_state: str,
    notification: str,
    detail: str,
    check: CheckDetail,
    dashboard_url: str | None,
    occurred_at: dt.datetime,
) -> dict[str, Any]:
    """An alert notification (``type`` ``alert.firing``, ``alert.repeat``, ``alert.resolved``)."""
    summary = check.summary
    return {
        "version": PAYLOAD_VERSION,
        "type": f"alert.{notification}",
        "monitor": monitor,
        "model": _model(summary),
        "window": _window(summary),
        "rule": {"name": rule.name, "kind": rule.kind, "for": rule.for_},
        "state": state,
        "previous_state": previous_state,
        "severity": rule.severity,
        "reason": detail,
        "check": {
            "id": summary.id,
            "status": summary.status,
            "share_drifted": summary.share_drifted,
        },
        "drifted_columns": top_drifted(check),
        "dashboard_url": dashboard_link(dashboard_url, monitor, summary.window_start_at),
        "occurred_at": occurred_at.isoformat(),
    }


def retrain_payload(
    *,
    trigger_id: str,
    monitor: str,
    source: str,
    reason: str,
    rule: str | None,
    requested_by: str | None,
    check: CheckDetail | None,
    dashboard_url: str | None,
    occurred_at: dt.datetime,
) -> dict[str, Any]:
    """A retrain request (``type`` ``retrain.requested``); presets reshape it."""
    summary = None if check is None else check.summary
    return {
        "version": PAYLOAD_VERSION,
        "type": "retrain.requested",
        "trigger_id": trigger_id,
        "monitor": monitor,
        "source": source,
        "rule": rule,
        "reason": reason,
        "requested_by": requested_by,
        "model": _model(summary),
        "window": None if summary is None else _window(summary),
        "drifted_columns": [] if check is None else top_drifted(check),
        "dashboard_url": dashboard_link(
            dashboard_url, monitor, None if summary is None else summary.window_start_at
        ),
        "occurred_at": occurred_at.isoformat(),
    }
