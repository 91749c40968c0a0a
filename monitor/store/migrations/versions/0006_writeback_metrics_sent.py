"""MLflow write-back: remember when a window's metrics reached MLflow (idempotent re-runs).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from monitor.store.types import UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mlflow_writebacks") as batch:
        batch.add_column(sa.Column("metrics_sent_at", UtcDateTime(), nullable=True))
    # Every write-back done so far sent its metrics.
    op.execute("UPDATE mlflow_writebacks SET metrics_sent_at = done_at WHERE done_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("mlflow_writebacks") as batch:
        batch.drop_column("metrics_sent_at")
