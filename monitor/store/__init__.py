"""Driftline's storage: the ``Store``, its domain objects and schema migrations.

Only this package imports ``sqlalchemy.orm``; everyone else calls ``Store`` and gets
frozen values back.
"""

from __future__ import annotations

from monitor.store.alert_domain import (
    AlertChange,
    AlertHistory,
    AlertState,
    AlertStatus,
    AlertTransition,
    Delivery,
    DeliveryAttempt,
    DeliveryKind,
    DeliveryStatus,
    GateStatus,
    NewDelivery,
    NewRetrainTrigger,
    NewTransition,
    OpenAlerts,
    PromotionGate,
    RetrainRun,
    RetrainTrigger,
    RunStatus,
    Silence,
)
from monitor.store.audit import AuditEntry
from monitor.store.domain import CheckDetail, CheckStatus, CheckSummary, Monitor
from monitor.store.history import CheckPoint, ColumnPoint, HeatmapCell, MultivariatePoint
from monitor.store.links import DetectedBy, ModelVersionEvent, PendingWriteback
from monitor.store.metrics_reads import (
    ChannelCounts,
    LastCheck,
    LastPerformance,
    MetricsSnapshot,
    MonitorMetrics,
)
from monitor.store.migrate import (
    create_if_empty,
    current_revision,
    head_revision,
    is_up_to_date,
    upgrade,
)
from monitor.store.performance import DirtyWindow, WindowPerformance
from monitor.store.retention import PruneCuts, PruneRefused, PruneResult
from monitor.store.status import MONITOR_STATUSES, MonitorStatus, monitor_status
from monitor.store.store import Store

__all__ = [
    "MONITOR_STATUSES",
    "AlertChange",
    "AlertHistory",
    "AlertState",
    "AlertStatus",
    "AlertTransition",
    "AuditEntry",
    "ChannelCounts",
    "CheckDetail",
    "CheckPoint",
    "CheckStatus",
    "CheckSummary",
    "ColumnPoint",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryKind",
    "DeliveryStatus",
    "DetectedBy",
    "DirtyWindow",
    "GateStatus",
    "HeatmapCell",
    "LastCheck",
    "LastPerformance",
    "MetricsSnapshot",
    "ModelVersionEvent",
    "Monitor",
    "MonitorMetrics",
    "MonitorStatus",
    "MultivariatePoint",
    "NewDelivery",
    "NewRetrainTrigger",
    "NewTransition",
    "OpenAlerts",
    "PendingWriteback",
    "PromotionGate",
    "PruneCuts",
    "PruneRefused",
    "PruneResult",
    "RetrainRun",
    "RetrainTrigger",
    "RunStatus",
    "Silence",
    "Store",
    "WindowPerformance",
    "create_if_empty",
    "current_revision",
    "head_revision",
    "is_up_to_date",
    "monitor_status",
    "upgrade",
]
