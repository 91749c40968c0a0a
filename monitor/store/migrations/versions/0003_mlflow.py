"""The MLflow link: model version events and the MLflow write-back outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from monitor.store.types import UtcDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "model_version_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("model_name", sa.String(length=200), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=True),
        sa.Column("old_version", sa.String(length=64), nullable=True),
        sa.Column("new_version", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("detected_by", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "detected_by IN ('poll', 'webhook')",
            name=op.f("ck_model_version_events_detected_by"),
        ),
        sa.ForeignKeyConstraint(
            ["monitor_id"],
            ["monitors.id"],
            name=op.f("fk_model_version_events_monitor_id_monitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_version_events")),
    )
    op.create_index(
        op.f("ix_model_version_events_monitor_id_at"),
        "model_version_events",
        ["monitor_id", "at"],
    )
    op.create_table(
        "mlflow_writebacks",
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("done_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["check_id"],
            ["checks.id"],
            name=op.f("fk_mlflow_writebacks_check_id_checks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("check_id", name=op.f("pk_mlflow_writebacks")),
    )
    op.create_index(
        op.f("ix_mlflow_writebacks_done_at_next_attempt_at"),
        "mlflow_writebacks",
        ["done_at", "next_attempt_at"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_mlflow_writebacks_done_at_next_attempt_at"), "mlflow_writebacks")
    op.drop_table("mlflow_writebacks")
    op.drop_index(op.f("ix_model_version_events_monitor_id_at"), "model_version_events")
    op.drop_table("model_version_events")
