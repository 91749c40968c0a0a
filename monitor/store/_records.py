"""Storing and reading live records: one Arrow batch row per ingest, one key row per record.

Helpers receive the session and never open one. New record ids are found by inserting the
batch's ids into ``record_keys`` with ``ON CONFLICT DO NOTHING RETURNING``: one statement
per batch (SQLite expands a JSON array with ``json_each``, PostgreSQL an array with
``unnest``), and correct under concurrent writers because the key's uniqueness decides.
"""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import String

from monitor.engine.records import EVENT_AT, RECORD_ID, table_from_bytes, table_to_bytes
from monitor.store.models import RecordBatchRow

__all__ = ["insert_batch", "read_batches"]

_SQLITE_KEYS = text(
    "INSERT INTO record_keys (monitor_id, record_id) "
    "SELECT :monitor_id, value FROM json_each(:record_ids) WHERE true "
    "ON CONFLICT DO NOTHING RETURNING record_id"
)
_POSTGRES_KEYS = text(
    "INSERT INTO record_keys (monitor_id, record_id) "
    "SELECT :monitor_id, unnest(:record_ids) "
    "ON CONFLICT DO NOTHING RETURNING record_id"
).bindparams(bindparam("record_ids", type_=ARRAY(String())))


def _new_keys(session: Session, monitor_id: int, record_ids: list[str]) -> set[str]:
    if session.get_bind().dialect.name == "postgresql":
        result = session.execute(
            _POSTGRES_KEYS, {"monitor_id": monitor_id, "record_ids": record_ids}
        )
    else:
        result = session.execute(
            _SQLITE_KEYS, {"monitor_id": monitor_id, "record_ids": json.dumps(record_ids)}
        )
    return set(result.scalars())


def insert_batch(
    session: Session, monitor_id: int, table: pa.Table, *, received_at: dt.datetime
) -> int:
    """Store the records of ``table`` whose ids ``monitor_id`` has not stored yet, as one
    batch; returns how many that was. Repeated ids within ``table`` keep the first."""
    if table.num_rows == 0:
        return 0
    record_ids = table.column(RECORD_ID).to_pylist()
    new = _new_keys(session, monitor_id, record_ids)
    if len(new) < table.num_rows:
        keep = [False] * len(record_ids)
        for index, record_id in enumerate(record_ids):
            if record_id in new:
                keep[index] = True
                new.discard(record_id)  # a repeated id keeps its first occurrence
        table = table.filter(pa.array(keep, type=pa.bool_()))
    if table.num_rows == 0:
        return 0
    bounds = pc.min_max(table.column(EVENT_AT))
    session.add(
        RecordBatchRow(
            monitor_id=monitor_id,
            first_event_at=bounds["min"].as_py(),
            last_event_at=bounds["max"].as_py(),
            n_records=table.num_rows,
            received_at=received_at,
            payload=table_to_bytes(table),
        )
    )
    return int(table.num_rows)


def read_batches(
    session: Session, monitor_id: int, start_at: dt.datetime, end_at: dt.datetime
) -> list[pa.Table]:
    """The batches of ``monitor_id`` that may hold records with event times in
    ``[start_at, end_at)``, in the order they were stored."""
    payloads = session.scalars(
        select(RecordBatchRow.payload)
        .where(
            RecordBatchRow.monitor_id == monitor_id,
            RecordBatchRow.last_event_at >= start_at,
            RecordBatchRow.first_event_at < end_at,
        )
        .order_by(RecordBatchRow.id)
    )
    return [table_from_bytes(payload) for payload in payloads]
