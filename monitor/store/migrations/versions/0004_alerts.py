"""Alerts: alert states and transitions, silences, retrain triggers, the delivery outbox.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from monitor.store.types import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _monitor_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["monitor_id"],
        ["monitors.id"],
        name=op.f(f"fk_{table}_monitor_id_monitors"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("streak", sa.Integer(), nullable=False),
        sa.Column("state_since_at", UtcDateTime(), nullable=False),
        sa.Column("last_window_end_at", UtcDateTime(), nullable=True),
        sa.Column("last_check_id", sa.Integer(), nullable=True),
        sa.Column("last_notified_at", UtcDateTime(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "state IN ('ok', 'pending', 'firing', 'resolved')", name=op.f("ck_alerts_state")
        ),
        _monitor_fk("alerts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("monitor_id", "rule", name=op.f("uq_alerts_monitor_id_rule")),
    )
    op.create_table(
        "alert_transitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=False),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=True),
        sa.Column("window_start_at", UtcDateTime(), nullable=True),
        sa.Column("window_end_at", UtcDateTime(), nullable=True),
        sa.Column("notified", sa.Boolean(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_transitions_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_transitions")),
    )
    op.create_index(
        op.f("ix_alert_transitions_alert_id_at"), "alert_transitions", ["alert_id", "at"]
    )
    op.create_table(
        "silences",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=True),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("ends_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        _monitor_fk("silences"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_silences")),
    )
    op.create_index(op.f("ix_silences_monitor_id_ends_at"), "silences", ["monitor_id", "ends_at"])
    op.create_table(
        "retrain_triggers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trigger_id", sa.String(length=64), nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("source IN ('rule', 'manual')", name=op.f("ck_retrain_triggers_source")),
        _monitor_fk("retrain_triggers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retrain_triggers")),
        sa.UniqueConstraint("trigger_id", name=op.f("uq_retrain_triggers_trigger_id")),
    )
    op.create_index(
        op.f("ix_retrain_triggers_monitor_id_created_at"),
        "retrain_triggers",
        ["monitor_id", "created_at"],
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("webhook_id", sa.String(length=64), nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("transition_id", sa.Integer(), nullable=True),
        sa.Column("trigger_id", sa.Integer(), nullable=True),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')", name=op.f("ck_deliveries_status")
        ),
        sa.CheckConstraint("kind IN ('alert', 'retrain')", name=op.f("ck_deliveries_kind")),
        _monitor_fk("deliveries"),
        sa.ForeignKeyConstraint(
            ["transition_id"],
            ["alert_transitions.id"],
            name=op.f("fk_deliveries_transition_id_alert_transitions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trigger_id"],
            ["retrain_triggers.id"],
            name=op.f("fk_deliveries_trigger_id_retrain_triggers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("webhook_id", name=op.f("uq_deliveries_webhook_id")),
    )
    op.create_index(
        op.f("ix_deliveries_status_next_attempt_at"), "deliveries", ["status", "next_attempt_at"]
    )
    op.create_index(
        op.f("ix_deliveries_monitor_id_created_at"), "deliveries", ["monitor_id", "created_at"]
    )
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("latency_s", sa.Double(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("retryable", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_delivery_attempts_delivery_id_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
        sa.UniqueConstraint(
            "delivery_id", "number", name=op.f("uq_delivery_attempts_delivery_id_number")
        ),
    )


def downgrade() -> None:
    op.drop_table("delivery_attempts")
    op.drop_index(op.f("ix_deliveries_monitor_id_created_at"), table_name="deliveries")
    op.drop_index(op.f("ix_deliveries_status_next_attempt_at"), table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index(op.f("ix_retrain_triggers_monitor_id_created_at"), table_name="retrain_triggers")
    op.drop_table("retrain_triggers")
    op.drop_index(op.f("ix_silences_monitor_id_ends_at"), table_name="silences")
    op.drop_table("silences")
    op.drop_index(op.f("ix_alert_transitions_alert_id_at"), table_name="alert_transitions")
    op.drop_table("alert_transitions")
    op.drop_table("alerts")
