"""ORM rows of Driftline's database; only ``monitor.store`` sees them.

Tables: ``monitors``; ``checks`` keyed by (monitor, window start, window end) with their
``column_results`` and ``quality_findings``; ingested ``records`` and ``labels`` keyed by
(monitor, record id); ``scheduler_leases`` so one scheduler runs per database;
``model_version_events`` (which registered model version a monitor follows, and when
that changed) and ``mlflow_writebacks`` (checks whose results still have to reach MLflow).
Every change here needs an Alembic migration in ``migrations/versions``; a test compares the two.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

from sqlalchemy import CheckConstraint, Double, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from monitor.store.types import BigIntPK, IntPK, Name, UtcTimestamp, metadata

__all__ = [
    "CHECK_STATUSES",
    "Base",
    "CheckRow",
    "ColumnResultRow",
    "LabelRow",
    "MlflowWritebackRow",
    "ModelVersionEventRow",
    "MonitorRow",
    "QualityFindingRow",
    "RecordRow",
    "SchedulerLeaseRow",
]

CHECK_STATUSES: Final = ("ok", "drifting", "failed", "insufficient_data", "no_data")

_SHORT: Final = 64


class Base(DeclarativeBase):
    metadata = metadata
    # Explicit, so SQLAlchemy 2.0 and 2.1 agree: a float is a double everywhere.
    type_annotation_map: ClassVar[dict[Any, Any]] = {float: Double()}


class MonitorRow(Base):
    __tablename__ = "monitors"

    id: Mapped[IntPK]
    name: Mapped[Name] = mapped_column(unique=True)
    config_json: Mapped[str] = mapped_column(Text)
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
    status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    started_at: Mapped[UtcTimestamp]
    finished_at: Mapped[UtcTimestamp]
    model_name: Mapped[Name | None]
    model_version: Mapped[str | None] = mapped_column(String(_SHORT))
    run_id: Mapped[str | None] = mapped_column(String(_SHORT))
    n_reference: Mapped[int | None]
    n_current: Mapped[int | None]
    share_drifted: Mapped[float | None]
    dataset_drift: Mapped[bool | None]
    report_json: Mapped[str | None] = mapped_column(Text)


class ColumnResultRow(Base):
    __tablename__ = "column_results"
    __table_args__ = (
        UniqueConstraint("check_id", "column"),
        Index(None, "check_id"),
    )

    id: Mapped[IntPK]
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"))
    column: Mapped[Name]
    kind: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    method: Mapped[str | None] = mapped_column(String(_SHORT))
    statistic: Mapped[float | None]
    p_value: Mapped[float | None]
    p_value_adjusted: Mapped[float | None]
    effect_method: Mapped[str | None] = mapped_column(String(_SHORT))
    effect_size: Mapped[float | None]
    psi: Mapped[float | None]
    alpha: Mapped[float]
    delta: Mapped[float]
    drifted: Mapped[bool]
    n_reference: Mapped[int]
    n_current: Mapped[int]
    detail: Mapped[str] = mapped_column(Text)


class QualityFindingRow(Base):
    __tablename__ = "quality_findings"
    __table_args__ = (Index(None, "check_id"),)

    id: Mapped[IntPK]
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(_SHORT))
    column: Mapped[Name | None]
    message: Mapped[str] = mapped_column(Text)
    value: Mapped[float | None]
    severity: Mapped[str] = mapped_column(String(16))


class RecordRow(Base):
    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("monitor_id", "record_id"),
        Index(None, "monitor_id", "event_at"),
    )

    id: Mapped[BigIntPK]
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    record_id: Mapped[Name]
    event_at: Mapped[UtcTimestamp]
    payload_json: Mapped[str] = mapped_column(Text)
    received_at: Mapped[UtcTimestamp]


class LabelRow(Base):
    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("monitor_id", "record_id"),)

    id: Mapped[BigIntPK]
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    record_id: Mapped[Name]
    label_json: Mapped[str] = mapped_column(Text)
    received_at: Mapped[UtcTimestamp]


class SchedulerLeaseRow(Base):
    __tablename__ = "scheduler_leases"

    name: Mapped[Name] = mapped_column(primary_key=True)
    holder: Mapped[Name]
    expires_at: Mapped[UtcTimestamp]


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
    alias: Mapped[str | None] = mapped_column(String(_SHORT))
    old_version: Mapped[str | None] = mapped_column(String(_SHORT))
    new_version: Mapped[str] = mapped_column(String(_SHORT))
    run_id: Mapped[str] = mapped_column(String(_SHORT))
    detected_by: Mapped[str] = mapped_column(String(16))


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
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[UtcTimestamp | None]
