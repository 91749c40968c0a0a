"""A monitor's status: the one vocabulary that `driftline monitors list`, the API's
monitors listing, the dashboard's overview and its monitor page all show.

=================  ===========================================================
status             when
=================  ===========================================================
``alerting``       an alert of the monitor is firing (whatever the last check)
``never_checked``  no check was ever stored for the monitor
``failed``         the last check failed (source unreachable, bad baseline...)
``no_data``        the last window had no records, or too few to compare
``drift``          the last check found drift
``ok``             the last check found none
=================  ===========================================================

A pending alert has not notified anyone yet, so it does not make a monitor alerting.
"""

from __future__ import annotations

from typing import Final, Literal

from monitor.store.alert_domain import OpenAlerts

__all__ = ["MONITOR_STATUSES", "MonitorStatus", "monitor_status"]

MonitorStatus = Literal["ok", "drift", "alerting", "failed", "no_data", "never_checked"]
MONITOR_STATUSES: Final[tuple[MonitorStatus, ...]] = (
    "alerting",
    "failed",
    "drift",
    "no_data",
    "never_checked",
    "ok",
)
"""Every status, the most urgent first."""


def monitor_status(last_check: str | None, firing_alerts: int | OpenAlerts = 0) -> MonitorStatus:
    """The status of a monitor whose last check has status ``last_check`` (a stored
    check status, or None when it was never checked) and ``firing_alerts`` firing alerts.

    >>> monitor_status(None)
    'never_checked'
    >>> monitor_status("drifting")
    'drift'
    >>> monitor_status("insufficient_data")
    'no_data'
    >>> monitor_status("ok", OpenAlerts(firing=1))
    'alerting'
    >>> monitor_status("ok", OpenAlerts(pending=2))
    'ok'
    """
    firing = firing_alerts.firing if isinstance(firing_alerts, OpenAlerts) else firing_alerts
    if firing > 0:
        return "alerting"
    if last_check is None:
        return "never_checked"
    if last_check == "failed":
        return "failed"
    if last_check in ("no_data", "insufficient_data"):
        return "no_data"
    return "drift" if last_check == "drifting" else "ok"
