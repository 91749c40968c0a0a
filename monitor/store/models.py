"""ORM rows of Driftline's database; only ``monitor.store`` sees them.

Tables: ``monitors``; ``checks`` keyed by (monitor, window start, window end) with their
``column_results`` and ``quality_findings``; ingested ``record_batches`` (Arrow tables) with
the ``record_keys`` that keep ingest idempotent; ``labels`` keyed by (monitor, record id);
``scheduler_leases`` so one scheduler runs per database; the alerts tables: ``alerts`` (one
state per monitor and rule) with their ``alert_transitions``, ``silences``,
``retrain_triggers`` (with the ``retrain_runs`` of an MLflow Project target and their
promotion gate), and the outbox ``deliveries`` with their ``delivery_attempts``;
``model_version_events`` (which registered model version a monitor follows, and when that
changed) and ``mlflow_writebacks`` (checks whose results still have to reach MLflow);
``performance_results`` per window, with ``window_members`` and ``performance_dirty`` for
labels that arrive later; ``audit_events``, who changed what (the actor is a token's name,
never the token). Every change here needs an Alembic migration in
``migrations/versions``; a test compares the two.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

from sqlalchemy import (
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    LargeBinary,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from monitor.store.types import (
    BigIntPK,
    IntPK,
    Name,
    SafeString,
    SafeText,
    UtcTimestamp,
    metadata,
)

__all__ = [
    "ALERT_STATES",
    "CHECK_STATUSES",
    "DELIVERY_STATUSES",
    "GATE_STATUSES",
    "PERFORMANCE_KINDS",
    "RUN_STATUSES",
    "AlertRow",
    "AlertTransitionRow",
    "AuditRow",
    "Base",
    "CheckRow",
    "ColumnResultRow",
    "DeliveryAttemptRow",
    "DeliveryRow",
    "LabelRow",
    "MlflowWritebackRow",
    "ModelVersionEventRow",
    "MonitorRow",
    "PerformanceDirtyRow",
    "PerformanceRow",
    "QualityFindingRow",
    "RecordBatchRow",
    "RecordKeyRow",
    "RetrainRunRow",
    "RetrainTriggerRow",
    "SchedulerLeaseRow",
    "SilenceRow",
    "WindowMemberRow",
]

CHECK_STATUSES: Final = ("ok", "drifting", "failed", "insufficient_data", "no_data")
ALERT_STATES: Final = ("ok", "pending", "firing", "resolved")
DELIVERY_STATUSES: Final = ("pending", "delivered", "failed")

_SHORT: Final = 64
RUN_STATUSES: Final = ("launching", "running", "finished", "failed", "timed_out")
GATE_STATUSES: Final = ("waiting", "promoted", "not_promoted")
PERFORMANCE_KINDS: Final = ("realised", "estimated")


class Base(DeclarativeBase):
    metadata = metadata
    # Explicit, so SQLAlchemy 2.0 and 2.1 agree: a float is a double everywhere.
    type_annotation_map: ClassVar[dict[Any, Any]] = {float: Double()}


class MonitorRow(Base):
    __tablename__ = "monitors"

    id: Mapped[IntPK]
    name: Mapped[Name] = mapped_column(unique=True)
    config_json: Mapped[str] = mapped_column(SafeText)
    created_at: Mapped[UtcTimestamp]
    updated_at: Mapped[UtcTimestamp]


class CheckRow(Base):
    __tablename__ = "checks"
    __table_args__ = (
        UniqueConstraint("monitor_id", "window_start_at", "window_end_at"),
        Index(None, "monitor_id", "window_end_at"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in CHECK_STATUSES) + ")", name="status"
        ),
        # Never reuse the id of a replaced check (SQLite would otherwise take max(id) + 1).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[IntPK]
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    window_start_at: Mapped[UtcTimestamp]
    window_end_at: Mapped[UtcTimestamp]
    status: Mapped[str] = mapped_column(SafeString(32))
    reason: Mapped[str] = mapped_column(SafeText)
    started_at: Mapped[UtcTimestamp]
    finished_at: Mapped[UtcTimestamp]
    model_name: Mapped[Name | None]
    model_version: Mapped[str | None] = mapped_column(SafeString(_SHORT))
    run_id: Mapped[str | None] = mapped_column(SafeString(_SHORT))
    n_reference: Mapped[int | None]
    n_current: Mapped[int | None]
    share_drifted: Mapped[float | None]
    dataset_drift: Mapped[bool | None]
    report_json: Mapped[str | None] = mapped_column(SafeText)


class ColumnResultRow(Base):
    __tablename__ = "column_results"
    __table_args__ = (
        UniqueConstraint("check_id", "column"),
        Index(None, "check_id"),
    )

    id: Mapped[IntPK]
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"))
    column: Mapped[Name]
    kind: Mapped[str] = mapped_column(SafeString(32))
    role: Mapped[str] = mapped_column(SafeString(32))
    status: Mapped[str] = mapped_column(SafeString(32))
    method: Mapped[str | None] = mapped_column(SafeString(_SHORT))
    statistic: Mapped[float | None]
    p_value: Mapped[float | None]
    p_value_adjusted: Mapped[float | None]
    effect_method: Mapped[str | None] = mapped_column(SafeString(_SHORT))
    effect_size: Mapped[float | None]
    psi: Mapped[float | None]
    alpha: Mapped[float]
    delta: Mapped[float]
    drifted: Mapped[bool]
    n_reference: Mapped[int]
    n_current: Mapped[int]
    detail: Mapped[str] = mapped_column(SafeText)


class QualityFindingRow(Base):
    __tablename__ = "quality_findings"
    __table_args__ = (Index(None, "check_id"),)

    id: Mapped[IntPK]
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(SafeString(_SHORT))
    column: Mapped[Name | None]
    message: Mapped[str] = mapped_column(SafeText)
    value: Mapped[float | None]
    severity: Mapped[str] = mapped_column(SafeString(16))


class RecordBatchRow(Base):
    """One ingested batch: its new records as a compressed Arrow IPC table
    (:mod:`monitor.engine.records`), with the event-time range that windows select it by."""

    __tablename__ = "record_batches"
    __table_args__ = (
        Index(None, "monitor_id", "last_event_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[BigIntPK]
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    first_event_at: Mapped[UtcTimestamp]
    last_event_at: Mapped[UtcTimestamp]
    n_records: Mapped[int]
    received_at: Mapped[UtcTimestamp]
    payload: Mapped[bytes] = mapped_column(LargeBinary)


class RecordKeyRow(Base):
    """Every record id a monitor has stored, so that re-sent records are ignored."""

    __tablename__ = "record_keys"

    monitor_id: Mapped[int] = mapped_column(
        ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    )
    record_id: Mapped[Name] = mapped_column(primary_key=True)


class LabelRow(Base):
    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("monitor_id", "record_id"),)

    id: Mapped[BigIntPK]
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    record_id: Mapped[Name]
    label_json: Mapped[str] = mapped_column(SafeText)
    received_at: Mapped[UtcTimestamp]


class SchedulerLeaseRow(Base):
    __tablename__ = "scheduler_leases"

    name: Mapped[Name] = mapped_column(primary_key=True)
    holder: Mapped[Name]
    expires_at: Mapped[UtcTimestamp]


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class AlertRow(Base):
    """The current state of one rule of one monitor; ``last_window_end_at`` is the end of
    the last window it was evaluated on (each window is evaluated once)."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("monitor_id", "rule"),
        CheckConstraint(_in("state", ALERT_STATES), name="state"),
    )

    id: Mapped[IntPK]
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    rule: Mapped[Name]
    severity: Mapped[str] = mapped_column(SafeString(16))
    state: Mapped[str] = mapped_column(SafeString(16))
    streak: Mapped[int]
    state_since_at: Mapped[UtcTimestamp]
    last_window_end_at: Mapped[UtcTimestamp | None]
    last_check_id: Mapped[int | None]
    last_notified_at: Mapped[UtcTimestamp | None]
    updated_at: Mapped[UtcTimestamp]


class AlertTransitionRow(Base):
    """One change of an alert's state (or a repeat notification), with its reason."""

    __tablename__ = "alert_transitions"
    __table_args__ = (Index(None, "alert_id", "at"),)

    id: Mapped[IntPK]
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    from_state: Mapped[str] = mapped_column(SafeString(16))
    to_state: Mapped[str] = mapped_column(SafeString(16))
    reason: Mapped[str] = mapped_column(SafeString(32))
    detail: Mapped[str] = mapped_column(SafeText)
    check_id: Mapped[int | None]
    window_start_at: Mapped[UtcTimestamp | None]
    window_end_at: Mapped[UtcTimestamp | None]
    notified: Mapped[bool]
    at: Mapped[UtcTimestamp]


class SilenceRow(Base):
    """Mutes notifications of one rule (or all, ``rule`` NULL) of a monitor in [starts, ends)."""

    __tablename__ = "silences"
    __table_args__ = (Index(None, "monitor_id", "ends_at"),)

    id: Mapped[IntPK]
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    rule: Mapped[Name | None]
    starts_at: Mapped[UtcTimestamp]
    ends_at: Mapped[UtcTimestamp]
    created_by: Mapped[Name]
    comment: Mapped[str] = mapped_column(SafeText)
    created_at: Mapped[UtcTimestamp]


class RetrainTriggerRow(Base):
    """A request to retrain a monitor's model, by a rule or by hand."""

    __tablename__ = "retrain_triggers"
    __table_args__ = (
        UniqueConstraint("trigger_id"),
        Index(None, "monitor_id", "created_at"),
        CheckConstraint(_in("source", ("rule", "manual")), name="source"),
    )

    id: Mapped[IntPK]
    trigger_id: Mapped[str] = mapped_column(SafeString(_SHORT))
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(SafeString(16))
    rule: Mapped[Name | None]
    reason: Mapped[str] = mapped_column(SafeText)
    requested_by: Mapped[Name | None]
    created_at: Mapped[UtcTimestamp]


class RetrainRunRow(Base):
    """The MLflow Project run a retrain trigger launched (``mlflow_project`` target), what it
    registered, and the promotion gate's decision on it. One row per trigger."""

    __tablename__ = "retrain_runs"
    __table_args__ = (
        Index(None, "monitor_id", "status"),
        CheckConstraint(_in("status", RUN_STATUSES), name="status"),
        CheckConstraint(_in("gate_status", GATE_STATUSES), name="gate_status"),
    )

    trigger_id: Mapped[int] = mapped_column(
        ForeignKey("retrain_triggers.id", ondelete="CASCADE"), primary_key=True
    )
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(SafeString(16))
    detail: Mapped[str | None] = mapped_column(SafeText)
    run_id: Mapped[str | None] = mapped_column(SafeString(_SHORT))
    experiment_id: Mapped[str | None] = mapped_column(SafeString(_SHORT))
    run_url: Mapped[str | None] = mapped_column(SafeText)
    pid: Mapped[int | None]
    labels_since_at: Mapped[UtcTimestamp | None]
    labels_until_at: Mapped[UtcTimestamp | None]
    created_at: Mapped[UtcTimestamp]
    started_at: Mapped[UtcTimestamp | None]
    ended_at: Mapped[UtcTimestamp | None]
    model_name: Mapped[Name | None]
    model_version: Mapped[str | None] = mapped_column(SafeString(_SHORT))
    gate_status: Mapped[str | None] = mapped_column(SafeString(16))
    gate_alias: Mapped[Name | None]
    gate_metric: Mapped[str | None] = mapped_column(SafeString(32))
    gate_candidate: Mapped[float | None]
    gate_current: Mapped[float | None]
    gate_current_version: Mapped[str | None] = mapped_column(SafeString(_SHORT))
    gate_labels: Mapped[int | None]
    gate_records_until_at: Mapped[UtcTimestamp | None]
    gate_detail: Mapped[str | None] = mapped_column(SafeText)
    gate_decided_at: Mapped[UtcTimestamp | None]


class DeliveryRow(Base):
    """The outbox: one notification to one channel, written with the change that caused it.
    ``webhook_id`` is fixed at creation, so every retry carries the same id."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id"),
        Index(None, "status", "next_attempt_at"),
        Index(None, "monitor_id", "created_at"),
        CheckConstraint(_in("status", DELIVERY_STATUSES), name="status"),
        CheckConstraint(_in("kind", ("alert", "retrain")), name="kind"),
    )

    id: Mapped[IntPK]
    webhook_id: Mapped[str] = mapped_column(SafeString(_SHORT))
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    channel: Mapped[Name]
    kind: Mapped[str] = mapped_column(SafeString(16))
    transition_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_transitions.id", ondelete="CASCADE")
    )
    trigger_id: Mapped[int | None] = mapped_column(
        ForeignKey("retrain_triggers.id", ondelete="CASCADE")
    )
    payload_json: Mapped[str] = mapped_column(SafeText)
    status: Mapped[str] = mapped_column(SafeString(16))
    attempts: Mapped[int]
    next_attempt_at: Mapped[UtcTimestamp]
    created_at: Mapped[UtcTimestamp]
    finished_at: Mapped[UtcTimestamp | None]
    last_error: Mapped[str | None] = mapped_column(SafeText)


class DeliveryAttemptRow(Base):
    """One try at sending a delivery: HTTP status (or SMTP code), latency, redacted error."""

    __tablename__ = "delivery_attempts"
    __table_args__ = (UniqueConstraint("delivery_id", "number"),)

    id: Mapped[IntPK]
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    number: Mapped[int]
    started_at: Mapped[UtcTimestamp]
    latency_s: Mapped[float]
    status_code: Mapped[int | None]
    ok: Mapped[bool]
    retryable: Mapped[bool]
    error: Mapped[str | None] = mapped_column(SafeText)


class ModelVersionEventRow(Base):
    """A monitor started following a registered model version (first resolution or a switch)."""

    __tablename__ = "model_version_events"
    __table_args__ = (
        Index(None, "monitor_id", "at"),
        CheckConstraint("detected_by IN ('poll', 'webhook')", name="detected_by"),
    )

    id: Mapped[IntPK]
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    at: Mapped[UtcTimestamp]
    model_name: Mapped[Name]
    alias: Mapped[str | None] = mapped_column(SafeString(_SHORT))
    old_version: Mapped[str | None] = mapped_column(SafeString(_SHORT))
    new_version: Mapped[str] = mapped_column(SafeString(_SHORT))
    run_id: Mapped[str] = mapped_column(SafeString(_SHORT))
    detected_by: Mapped[str] = mapped_column(SafeString(16))


class MlflowWritebackRow(Base):
    """The outbox of MLflow write-backs: one row per check linked to a model version."""

    __tablename__ = "mlflow_writebacks"
    __table_args__ = (Index(None, "done_at", "next_attempt_at"),)

    check_id: Mapped[int] = mapped_column(
        ForeignKey("checks.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[UtcTimestamp]
    attempts: Mapped[int]
    next_attempt_at: Mapped[UtcTimestamp]
    last_error: Mapped[str | None] = mapped_column(SafeText)
    done_at: Mapped[UtcTimestamp | None]
    metrics_sent_at: Mapped[UtcTimestamp | None]
    """When this window's metrics reached MLflow (kept when a re-run replaces the check, so
    the window's metrics are logged once; the drift_status tag is still refreshed)."""


class PerformanceRow(Base):
    """A window's realised or estimated performance (``result_json``), or why computing it
    failed (``reason``); keyed by window, not by check, so re-running a check keeps it."""

    __tablename__ = "performance_results"
    __table_args__ = (
        UniqueConstraint("monitor_id", "window_start_at", "window_end_at", "kind"),
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in PERFORMANCE_KINDS) + ")", name="kind"
        ),
    )

    id: Mapped[BigIntPK]
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    window_start_at: Mapped[UtcTimestamp]
    window_end_at: Mapped[UtcTimestamp]
    kind: Mapped[str] = mapped_column(SafeString(16))
    n_records: Mapped[int]
    n_labelled: Mapped[int | None]
    result_json: Mapped[str | None] = mapped_column(SafeText)
    reason: Mapped[str | None] = mapped_column(SafeText)
    computed_at: Mapped[UtcTimestamp]


class WindowMemberRow(Base):
    """Which checked window each record id fell in, so that a label arriving later marks
    that window's realised performance for recomputation."""

    __tablename__ = "window_members"
    __table_args__ = (Index(None, "monitor_id", "window_start_at", "window_end_at"),)

    monitor_id: Mapped[int] = mapped_column(
        ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    )
    record_id: Mapped[Name] = mapped_column(primary_key=True)
    window_start_at: Mapped[UtcTimestamp]
    window_end_at: Mapped[UtcTimestamp]


class PerformanceDirtyRow(Base):
    """A window whose labels changed since its realised performance was computed;
    ``generation`` grows with every change, so a recompute clears only what it saw."""

    __tablename__ = "performance_dirty"

    monitor_id: Mapped[int] = mapped_column(
        ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    )
    window_start_at: Mapped[UtcTimestamp] = mapped_column(primary_key=True)
    window_end_at: Mapped[UtcTimestamp] = mapped_column(primary_key=True)
    generation: Mapped[int]
    marked_at: Mapped[UtcTimestamp]


class AuditRow(Base):
    """One state change made by a person or a client: who (``actor``: a token's name,
    ``dashboard:<user>`` or ``cli:<os user>``), what (``action``), on which monitor, when,
    in which request, and a small JSON detail that holds no secret. The monitor is kept by
    name, so the trail outlives a monitor removed from the configuration."""

    __tablename__ = "audit_events"
    __table_args__ = (Index(None, "at"), Index(None, "monitor", "at"))

    id: Mapped[IntPK]
    at: Mapped[UtcTimestamp]
    actor: Mapped[Name]
    action: Mapped[str] = mapped_column(SafeString(64))
    monitor: Mapped[Name | None]
    request_id: Mapped[str | None] = mapped_column(SafeString(64))
    detail_json: Mapped[str] = mapped_column(SafeText)
