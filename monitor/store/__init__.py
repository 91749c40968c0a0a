"""Driftline's storage: the ``Store``, its domain objects and schema migrations.

Only this package imports ``sqlalchemy.orm``; everyone else calls ``Store`` and gets
frozen values back.
"""

from __future__ import annotations

from monitor.store.domain import CheckDetail, CheckStatus, CheckSummary, Monitor
from monitor.store.migrate import current_revision, head_revision, is_up_to_date, upgrade
from monitor.store.performance import DirtyWindow, WindowPerformance
from monitor.store.store import Store

__all__ = [
    "CheckDetail",
    "CheckStatus",
    "CheckSummary",
    "DirtyWindow",
    "Monitor",
    "Store",
    "WindowPerformance",
    "current_revision",
    "head_revision",
    "is_up_to_date",
    "upgrade",
]
