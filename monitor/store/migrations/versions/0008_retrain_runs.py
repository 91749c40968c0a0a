"""Retrain runs: the MLflow Project run of a retrain trigger and its promotion gate.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from monitor.store.types import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retrain_runs",
        sa.Column("trigger_id", sa.Integer(), nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("experiment_id", sa.String(length=64), nullable=True),
        sa.Column("run_url", sa.Text(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("labels_since_at", UtcDateTime(), nullable=True),
        sa.Column("labels_until_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.Column("model_name", sa.String(length=200), nullable=True),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        sa.Column("gate_status", sa.String(length=16), nullable=True),
        sa.Column("gate_alias", sa.String(length=200), nullable=True),
        sa.Column("gate_metric", sa.String(length=32), nullable=True),
        sa.Column("gate_candidate", sa.Double(), nullable=True),
        sa.Column("gate_current", sa.Double(), nullable=True),
        sa.Column("gate_current_version", sa.String(length=64), nullable=True),
        sa.Column("gate_labels", sa.Integer(), nullable=True),
        sa.Column("gate_records_until_at", UtcDateTime(), nullable=True),
        sa.Column("gate_detail", sa.Text(), nullable=True),
        sa.Column("gate_decided_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('launching', 'running', 'finished', 'failed', 'timed_out')",
            name=op.f("ck_retrain_runs_status"),
        ),
        sa.CheckConstraint(
            "gate_status IN ('waiting', 'promoted', 'not_promoted')",
            name=op.f("ck_retrain_runs_gate_status"),
        ),
        sa.ForeignKeyConstraint(
            ["monitor_id"],
            ["monitors.id"],
            name=op.f("fk_retrain_runs_monitor_id_monitors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trigger_id"],
            ["retrain_triggers.id"],
            name=op.f("fk_retrain_runs_trigger_id_retrain_triggers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("trigger_id", name=op.f("pk_retrain_runs")),
    )
    op.create_index(
        op.f("ix_retrain_runs_monitor_id_status"), "retrain_runs", ["monitor_id", "status"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_retrain_runs_monitor_id_status"), table_name="retrain_runs")
    op.drop_table("retrain_runs")
