"""What the dashboard's app and its pages share: the settings and the page context.

Its own module so the pages need not import the app that imports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from monitor.service.extensions import RetrainAction
from monitor.store import Store

__all__ = ["DashboardSettings", "PageContext"]


@dataclass(frozen=True, slots=True)
class DashboardSettings:
    """How the dashboard is served: base path, login, refresh period, retrain action."""

    base: str = "/dashboard"
    password: str | None = None
    session_secret: str | None = None
    secure_cookies: bool | None = None
    refresh_s: float = 60.0
    sparkline_windows: int = 48
    default_windows: int = 48
    retrain: RetrainAction | None = None
    user: str = "operator"
    """Who is logged in, for the audit trail: ``dashboard:<user>``."""
    scope: Literal["read", "admin"] = "admin"
    """``read``: the pages show everything and the retrain button refuses with a message."""


@dataclass(frozen=True, slots=True)
class PageContext:
    """What the pages' layouts and callbacks share: the store and the settings."""

    store: Store
    settings: DashboardSettings

    @property
    def base(self) -> str:
        return self.settings.base
