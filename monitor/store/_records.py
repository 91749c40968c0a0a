"""Storing and reading live records: one Arrow batch row per ingest, one key row per record.

Helpers receive the session and never open one. New record ids are found by inserting the
batch's ids into ``record_keys`` with ``ON CONFLICT DO NOTHING RETURNING``: one statement
per batch (SQLite expands a JSON array with ``json_each``, PostgreSQL an array with
``unnest``), and correct under concurrent writers because the key's uniqueness decides.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterator, Sequence
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import String

from monitor.engine.records import EVENT_AT, RECORD_ID, table_from_bytes, table_to_bytes
from monitor.store.models import RecordBatchRow, RecordKeyRow

_FETCH: Final = 20
"""Batch rows fetched from the database at a time while a window is read."""

__all__ = ["insert_batch", "iter_batches", "missing_keys", "read_batches"]

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


def iter_batches(
    session: Session,
    monitor_id: int,
    start_at: dt.datetime,
    end_at: dt.datetime,
    *,
    columns: Collection[str] | None = None,
    others: set[str] | None = None,
    fetch: int = _FETCH,
) -> Iterator[pa.Table]:
    """The batches of ``monitor_id`` that may hold records with event times in
    ``[start_at, end_at)``, one at a time in the order they were stored (rows are fetched
    a few at a time). With ``columns``, each batch is cut to ``record_id``, ``event_at``
    and those fields as soon as it is read; the names left out are added to ``others``.
    ``fetch`` batch rows are buffered at a time."""
    # the ids first (small), then ``fetch`` payloads per query: drivers buffer a streamed
    # result differently (SQLite's grows), a page of ids bounds what any of them holds
    ids = session.scalars(
        select(RecordBatchRow.id)
        .where(
            RecordBatchRow.monitor_id == monitor_id,
            RecordBatchRow.last_event_at >= start_at,
            RecordBatchRow.first_event_at < end_at,
        )
        .order_by(RecordBatchRow.id)
    ).all()
    for first in range(0, len(ids), fetch):
        page = ids[first : first + fetch]
        payloads = session.scalars(
            select(RecordBatchRow.payload)
            .where(RecordBatchRow.id.in_(page))
            .order_by(RecordBatchRow.id)
        ).all()
        yield from _cut(payloads, columns, others)


def _cut(
    payloads: Sequence[bytes], columns: Collection[str] | None, others: set[str] | None
) -> Iterator[pa.Table]:
    """Each payload as a table, cut to ``columns`` (see :func:`iter_batches`)."""
    for payload in payloads:
        table = table_from_bytes(payload)
        if columns is not None:
            keep = [
                name
                for name in table.column_names
                if name in (RECORD_ID, EVENT_AT) or name in columns
            ]
            if others is not None:
                others.update(name for name in table.column_names if name not in keep)
            table = table.select(keep)
        yield table


def read_batches(
    session: Session,
    monitor_id: int,
    start_at: dt.datetime,
    end_at: dt.datetime,
    *,
    columns: Collection[str] | None = None,
) -> tuple[list[pa.Table], set[str]]:
    """:func:`iter_batches` as a list, and the names of the fields left out, so the memory
    a window takes depends on its records and ``columns``, never on fields a client added."""
    others: set[str] = set()
    tables = list(
        iter_batches(session, monitor_id, start_at, end_at, columns=columns, others=others)
    )
    return tables, others


def missing_keys(session: Session, monitor_id: int, record_ids: Sequence[str]) -> list[str]:
    """The ids among ``record_ids`` that ``monitor_id`` has no record of, in their order."""
    found: set[str] = set()
    unique = list(dict.fromkeys(record_ids))
    for start in range(0, len(unique), _FETCH * 50):
        chunk = unique[start : start + _FETCH * 50]
        found.update(
            session.scalars(
                select(RecordKeyRow.record_id).where(
                    RecordKeyRow.monitor_id == monitor_id, RecordKeyRow.record_id.in_(chunk)
                )
            )
        )
    return [record_id for record_id in unique if record_id not in found]
