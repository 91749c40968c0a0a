"""Validating a batch of live records against a baseline's schema.

A batch is accepted whole or refused whole: the first bad value stops it with a
:class:`~monitor.errors.SchemaMismatch` that names the record index, the column, the
value and the fix. Fields that the baseline does not know are kept (a check reports them
as unexpected columns).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import pandas as pd
import pyarrow as pa

from monitor.engine.baseline import Baseline
from monitor.engine.records import infer_array, numeric_array, records_table
from monitor.errors import SchemaMismatch

__all__ = [
    "ID_FIELD",
    "TIME_FIELD",
    "RecordError",
    "parse_event_time",
    "validate_batch",
]

ID_FIELD: Final = "id"
TIME_FIELD: Final = "timestamp"
_MAX_ID_LENGTH: Final = 200


class RecordError(SchemaMismatch):
    """A record of a batch does not fit the schema; carries where."""

    def __init__(self, index: int, column: str | None, message: str) -> None:
        self.index = index
        self.column = column
        where = f"record {index}" + (f", column {column!r}" if column else "")
        super().__init__(f"{where}: {message}")


def parse_event_time(value: Any) -> datetime:
    """An ISO 8601 string with a UTC offset (``Z`` allowed), or epoch seconds, as aware UTC.

    >>> parse_event_time("2026-03-01T12:00:00Z").isoformat()
    '2026-03-01T12:00:00+00:00'
    """
    if isinstance(value, bool):
        raise ValueError("expected an ISO 8601 time or epoch seconds, got a boolean")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError(f"expected epoch seconds, got {value}")
        return datetime.fromtimestamp(float(value), tz=UTC)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value.strip())
        if parsed.tzinfo is None:
            raise ValueError(
                f"time {value!r} has no UTC offset; add one, e.g. '{value}Z' or '+00:00'"
            )
        return parsed.astimezone(UTC)
    raise ValueError(f"expected an ISO 8601 time or epoch seconds, got {type(value).__name__}")


def _check_value(kind: str, value: Any) -> str | None:
    """Why ``value`` does not fit a column of ``kind``, or None when it does."""
    if value is None:
        return None
    if kind == "numeric":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expected a number or null, got {value!r}"
        return None
    if kind == "boolean":
        if not isinstance(value, bool):
            return f"expected true, false or null, got {value!r}"
        return None
    if kind == "categorical":
        if not isinstance(value, str | int) or isinstance(value, bool):
            return f"expected a category (string) or null, got {value!r}"
        return None
    return None


def _record_problem(
    record: Any, index: int, kinds: Mapping[str, str], id_field: str, time_field: str
) -> RecordError | None:
    """The first problem of one record, in field order, or None when it fits."""
    if not isinstance(record, Mapping):
        return RecordError(index, None, f"expected an object, got {type(record).__name__}")
    raw_id = record.get(id_field)
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or raw_id == "":
        return RecordError(
            index, id_field, f"every record needs an {id_field!r} (string or integer)"
        )
    if len(str(raw_id)) > _MAX_ID_LENGTH:
        return RecordError(index, id_field, f"ids are at most {_MAX_ID_LENGTH} characters")
    if time_field not in record:
        return RecordError(index, time_field, f"every record needs a {time_field!r}")
    try:
        parse_event_time(record[time_field])
    except ValueError as exc:
        return RecordError(index, time_field, str(exc))
    for name, value in record.items():
        if name in (id_field, time_field):
            continue
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        problem = _check_value(kinds.get(name, ""), value)
        if problem:
            return RecordError(index, str(name), problem)
    return None


def _first_problem(
    records: Sequence[Any], kinds: Mapping[str, str], id_field: str, time_field: str
) -> RecordError | None:
    for index, record in enumerate(records):
        problem = _record_problem(record, index, kinds, id_field, time_field)
        if problem is not None:
            return problem
    return None


class _Refused(Exception):
    """The fast path found a problem; the slow path names it."""


_NUMBER_TYPES: Final = frozenset({int, float, type(None)})
_CATEGORY_TYPES: Final = frozenset({str, int, type(None)})
_BOOLEAN_TYPES: Final = frozenset({bool, type(None)})


def _typed_column(kind: str, values: list[Any], *, checked: bool) -> pa.Array:
    """One field's values as an Arrow array for a column of ``kind``. Unless ``checked``
    (validated record by record already), raises _Refused when a value does not fit: exact
    ``type`` checks, so a bool is not a number here."""
    types = set(map(type, values))
    if float in types and kind != "numeric":  # NaN and infinities are nulls everywhere
        values = [None if type(v) is float and not math.isfinite(v) else v for v in values]
        types = set(map(type, values))
    if kind == "numeric":
        if not (checked or types <= _NUMBER_TYPES):
            raise _Refused
        return numeric_array(values)
    if kind == "boolean":
        if not (checked or types <= _BOOLEAN_TYPES):
            raise _Refused
        return pa.array(values, type=pa.bool_())
    if kind == "categorical":
        if not (checked or types <= _CATEGORY_TYPES):
            raise _Refused
        if types - {str, type(None)}:
            values = [v if v is None or type(v) is str else str(v) for v in values]
        return pa.array(values, type=pa.string())
    return infer_array(values)


def validate_batch(
    baseline: Baseline,
    records: Sequence[Any],
    *,
    max_records: int | None = None,
    id_field: str = ID_FIELD,
    time_field: str = TIME_FIELD,
) -> pa.Table:
    """Validate a batch; return it as a records table (see :mod:`monitor.engine.records`) or raise
    :class:`RecordError` for the first bad record.

    Each record is an object with ``id`` (string or integer), ``timestamp`` (see
    :func:`parse_event_time`) and the feature and prediction values by column name; a
    field the baseline does not know is kept. Repeated ids within the batch keep their
    first occurrence. Values are checked a column at a time; only a batch that fails is
    walked record by record, to name the first bad record and column.
    """
    if max_records is not None and len(records) > max_records:
        raise SchemaMismatch(
            f"batch of {len(records)} records exceeds the limit of {max_records}; "
            "split it into smaller batches"
        )
    kinds = {name: column.kind for name, column in baseline.columns.items()}
    try:
        return _table(records, kinds, id_field, time_field, checked=False)
    except (_Refused, ValueError, TypeError, KeyError, AttributeError):
        problem = _first_problem(records, kinds, id_field, time_field)
    if problem is not None:
        raise problem
    # Every record fits, in a form the exact type checks did not take (an int subclass, say).
    return _table(records, kinds, id_field, time_field, checked=True)


def _table(
    records: Sequence[Any],
    kinds: Mapping[str, str],
    id_field: str,
    time_field: str,
    *,
    checked: bool,
) -> pa.Table:
    raw_ids = [record[id_field] for record in records]
    id_types = set(map(type, raw_ids))
    if not checked:
        if not (all(type(record) is dict for record in records) and id_types <= {str, int}):
            raise _Refused
    record_ids = raw_ids if id_types == {str} else [str(v) for v in raw_ids]
    if not checked and any(len(v) > _MAX_ID_LENGTH or not v for v in record_ids):
        raise _Refused
    event_at = [parse_event_time(record[time_field]) for record in records]
    names = dict.fromkeys(name for record in records for name in record)
    names.pop(id_field, None)
    names.pop(time_field, None)
    columns = {
        str(name): _typed_column(
            kinds.get(name, ""), [record.get(name) for record in records], checked=checked
        )
        for name in names
    }
    table = records_table(record_ids, event_at, columns)
    first = pd.Index(record_ids).duplicated(keep="first")
    if first.any():
        table = table.filter(pa.array(~first))
    return table
