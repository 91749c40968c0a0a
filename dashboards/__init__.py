"""The Driftline dashboard: a Dash app mounted on the API's Flask server.

Pages read stored results through ``dashboards.queries`` and draw them with the pure
builders in ``dashboards.figures``; nothing here computes a statistic.
"""

from __future__ import annotations

from dashboards.app import DashboardSettings, RetrainAction, mount, mount_dashboard

__all__ = ["DashboardSettings", "RetrainAction", "mount", "mount_dashboard"]
