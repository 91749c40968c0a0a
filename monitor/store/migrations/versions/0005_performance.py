"""Model performance: realised and estimated performance per window, which window each
record fell in, and the windows whose labels changed since their last computation.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from monitor.store.types import UtcDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _monitor_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["monitor_id"],
        ["monitors.id"],
        name=op.f(f"fk_{table}_monitor_id_monitors"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "performance_results",
        sa.Column("id", _BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("window_start_at", UtcDateTime(), nullable=False),
        sa.Column("window_end_at", UtcDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("n_records", sa.Integer(), nullable=False),
        sa.Column("n_labelled", sa.Integer(), nullable=True),
        sa.Column("result_json", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("computed_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('realised', 'estimated')", name=op.f("ck_performance_results_kind")
        ),
        _monitor_fk("performance_results"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_results")),
        sa.UniqueConstraint(
            "monitor_id",
            "window_start_at",
            "window_end_at",
            "kind",
            name=op.f("uq_performance_results_monitor_id_window_start_at_window_end_at_kind"),
        ),
    )
    op.create_table(
        "window_members",
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("window_start_at", UtcDateTime(), nullable=False),
        sa.Column("window_end_at", UtcDateTime(), nullable=False),
        _monitor_fk("window_members"),
        sa.PrimaryKeyConstraint("monitor_id", "record_id", name=op.f("pk_window_members")),
    )
    op.create_index(
        op.f("ix_window_members_monitor_id_window_start_at_window_end_at"),
        "window_members",
        ["monitor_id", "window_start_at", "window_end_at"],
    )
    op.create_table(
        "performance_dirty",
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("window_start_at", UtcDateTime(), nullable=False),
        sa.Column("window_end_at", UtcDateTime(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("marked_at", UtcDateTime(), nullable=False),
        _monitor_fk("performance_dirty"),
        sa.PrimaryKeyConstraint(
            "monitor_id", "window_start_at", "window_end_at", name=op.f("pk_performance_dirty")
        ),
    )


def downgrade() -> None:
    op.drop_table("performance_dirty")
    op.drop_index(
        op.f("ix_window_members_monitor_id_window_start_at_window_end_at"),
        table_name="window_members",
    )
    op.drop_table("window_members")
    op.drop_table("performance_results")
