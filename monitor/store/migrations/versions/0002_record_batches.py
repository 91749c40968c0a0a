"""Records stored per ingested batch as Arrow tables, with a key table for idempotency.

The ``records`` table held one JSON row per record: loading a million-record window took
14 s. ``record_batches`` holds one compressed Arrow IPC table per batch and ``record_keys``
every record id. Existing records are moved, a monitor and 10 000 records at a time.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from monitor.engine.records import infer_array, records_table, table_to_bytes
from monitor.store.types import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_CHUNK = 10_000


def upgrade() -> None:
    op.create_table(
        "record_batches",
        sa.Column("id", _BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("first_event_at", UtcDateTime(), nullable=False),
        sa.Column("last_event_at", UtcDateTime(), nullable=False),
        sa.Column("n_records", sa.Integer(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["monitor_id"],
            ["monitors.id"],
            name=op.f("fk_record_batches_monitor_id_monitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_batches")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_record_batches_monitor_id_last_event_at"),
        "record_batches",
        ["monitor_id", "last_event_at"],
    )
    op.create_table(
        "record_keys",
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["monitor_id"],
            ["monitors.id"],
            name=op.f("fk_record_keys_monitor_id_monitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("monitor_id", "record_id", name=op.f("pk_record_keys")),
    )
    _move_records()
    op.drop_table("records")


def _move_records() -> None:
    """Each monitor's JSON records into batches of ``_CHUNK``, in event-time order."""
    connection = op.get_bind()
    records = sa.table(
        "records",
        sa.column("id"),
        sa.column("monitor_id"),
        sa.column("record_id"),
        sa.column("event_at", UtcDateTime()),
        sa.column("payload_json"),
        sa.column("received_at", UtcDateTime()),
    )
    batches = sa.table(
        "record_batches",
        sa.column("monitor_id"),
        sa.column("first_event_at", UtcDateTime()),
        sa.column("last_event_at", UtcDateTime()),
        sa.column("n_records"),
        sa.column("received_at", UtcDateTime()),
        sa.column("payload", sa.LargeBinary()),
    )
    keys = sa.table("record_keys", sa.column("monitor_id"), sa.column("record_id"))
    monitors = connection.execute(sa.select(records.c.monitor_id).distinct()).scalars().all()
    for monitor_id in monitors:
        result = connection.execute(
            sa.select(records)
            .where(records.c.monitor_id == monitor_id)
            .order_by(records.c.event_at, records.c.id)
            .execution_options(yield_per=_CHUNK)
        )
        for chunk in result.partitions(_CHUNK):
            payloads = [json.loads(row.payload_json) for row in chunk]
            names = dict.fromkeys(name for payload in payloads for name in payload)
            table = records_table(
                [row.record_id for row in chunk],
                [row.event_at for row in chunk],
                {name: infer_array([p.get(name) for p in payloads]) for name in names},
            )
            connection.execute(
                batches.insert().values(
                    monitor_id=monitor_id,
                    first_event_at=chunk[0].event_at,
                    last_event_at=chunk[-1].event_at,
                    n_records=len(chunk),
                    received_at=max(row.received_at for row in chunk),
                    payload=table_to_bytes(table),
                )
            )
            connection.execute(
                keys.insert(),
                [{"monitor_id": monitor_id, "record_id": row.record_id} for row in chunk],
            )


def downgrade() -> None:
    raise NotImplementedError(
        "0002 cannot be downgraded: records now live in Arrow batches; restore a backup "
        "taken before `driftline db upgrade` to go back"
    )
