"""Live records as Arrow tables: the one form a batch takes from ingest to the store and back.

A batch of live records is a :class:`pyarrow.Table` whose first two columns are
``record_id`` (string) and ``event_at`` (timestamp, microseconds, UTC), followed by one
column per field in the order the fields first appear. The store keeps each ingested batch
as one compressed Arrow IPC blob, so a window of a million records is read back as a few
hundred blobs rather than a million rows.

Fields are typed by what they hold: numbers become ``float64`` (a null or a non-finite
number is null), booleans ``bool``, strings ``string``; a field mixing kinds is kept as the
JSON text of each value.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "EVENT_AT",
    "EVENT_AT_TYPE",
    "RECORD_ID",
    "infer_array",
    "numeric_array",
    "records_table",
    "table_from_bytes",
    "table_to_bytes",
    "window_frame",
]

RECORD_ID: Final = "record_id"
EVENT_AT: Final = "event_at"
EVENT_AT_TYPE: Final = pa.timestamp("us", tz="UTC")
_COMPRESSION: Final = "zstd"


def numeric_array(values: Sequence[Any]) -> pa.Array:
    """Numbers (or None) as ``float64``; NaN and infinities become null."""
    floats = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
    return pa.array(floats, type=pa.float64(), from_pandas=True)  # NaN -> null


def _json_text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def infer_array(values: Sequence[Any]) -> pa.Array:
    """A column of Python values as an Arrow array typed by what it holds.

    >>> infer_array([1, 2.5, None]).type
    DataType(double)
    >>> infer_array(["a", None]).type
    DataType(string)
    >>> infer_array([1, "a"]).to_pylist()
    ['1', '"a"']
    """
    kinds = {type(v) for v in values if v is not None}
    if not kinds:
        return pa.nulls(len(values), type=pa.null())
    if kinds <= {int, float} or kinds <= {int, float, np.float64, np.int64}:
        return numeric_array(values)
    if kinds == {bool} or kinds == {np.bool_}:
        return pa.array([None if v is None else bool(v) for v in values], type=pa.bool_())
    if kinds == {str}:
        return pa.array(values, type=pa.string())
    return pa.array([None if v is None else _json_text(v) for v in values], type=pa.string())


def records_table(
    record_ids: Sequence[str],
    event_at: Sequence[dt.datetime] | pa.Array,
    columns: Mapping[str, pa.Array],
) -> pa.Table:
    """A batch table from its ids, aware event times and typed field columns."""
    times = event_at if isinstance(event_at, pa.Array) else pa.array(event_at, type=EVENT_AT_TYPE)
    arrays = [pa.array(record_ids, type=pa.string()), times.cast(EVENT_AT_TYPE)]
    names = [RECORD_ID, EVENT_AT]
    for name, array in columns.items():
        if name in (RECORD_ID, EVENT_AT):
            continue  # the key columns come from the record itself, never from a field
        names.append(name)
        arrays.append(array)
    return pa.Table.from_arrays(arrays, names=names)


def table_to_bytes(table: pa.Table) -> bytes:
    """``table`` as one zstd-compressed Arrow IPC stream."""
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression=_COMPRESSION)
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def table_from_bytes(data: bytes) -> pa.Table:
    """The table :func:`table_to_bytes` wrote."""
    with pa.ipc.open_stream(pa.py_buffer(data)) as reader:
        return reader.read_all()


def _unify(tables: list[pa.Table]) -> list[pa.Table]:
    """Tables whose same-named fields disagree on type get those fields as JSON text."""
    types: dict[str, set[pa.DataType]] = {}
    for table in tables:
        for field in table.schema:
            if not pa.types.is_null(field.type):
                types.setdefault(field.name, set()).add(field.type)
    clashing = {name for name, seen in types.items() if len(seen) > 1}
    if not clashing:
        return tables
    unified = []
    for table in tables:
        for name in clashing & set(table.column_names):
            column = table.column(name).to_pylist()
            text = pa.array([None if v is None else _json_text(v) for v in column], pa.string())
            table = table.set_column(table.column_names.index(name), name, text)
        unified.append(table)
    return unified


def window_frame(
    tables: Iterable[pa.Table], start_at: dt.datetime, end_at: dt.datetime
) -> pd.DataFrame:
    """The records of ``tables`` with ``start_at <= event_at < end_at`` as one DataFrame,
    sorted by event time (ties keep their stored order): ``record_id``, ``event_at`` (UTC),
    then the fields in order of first appearance."""
    start = pa.scalar(start_at, type=EVENT_AT_TYPE)
    end = pa.scalar(end_at, type=EVENT_AT_TYPE)
    kept = []
    for table in tables:
        times = table.column(EVENT_AT)
        mask = pc.and_(pc.greater_equal(times, start), pc.less(times, end))
        selected = table.filter(mask)
        if selected.num_rows:
            kept.append(selected)
    if not kept:
        return pd.DataFrame(
            {
                RECORD_ID: pd.Series([], dtype=object),
                EVENT_AT: pd.Series([], dtype="datetime64[us, UTC]"),
            }
        )
    table = pa.concat_tables(_unify(kept), promote_options="default")
    order = pc.sort_indices(table, sort_keys=[(EVENT_AT, "ascending")])  # stable
    frame: pd.DataFrame = table.take(order).to_pandas()
    return frame
