"""Validating a batch of live records against a baseline's schema.

A batch is accepted whole or refused whole: the first bad value stops it with a
:class:`~monitor.errors.SchemaMismatch` that names the record index, the column, the
value and the fix. Fields that the baseline does not know are kept (a check reports them
as unexpected columns).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from monitor.baseline import Baseline
from monitor.errors import SchemaMismatch

__all__ = [
    "ID_FIELD",
    "TIME_FIELD",
    "LiveRecord",
    "RecordError",
    "parse_event_time",
    "validate_batch",
]

ID_FIELD: Final = "id"
TIME_FIELD: Final = "timestamp"
_MAX_ID_LENGTH: Final = 200


@dataclass(frozen=True, slots=True)
class LiveRecord:
    """One validated live record: its id, aware-UTC event time and values."""

    record_id: str
    event_at: datetime
    values: dict[str, Any]


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


def validate_batch(
    baseline: Baseline,
    records: Sequence[Any],
    *,
    max_records: int | None = None,
    id_field: str = ID_FIELD,
    time_field: str = TIME_FIELD,
) -> list[LiveRecord]:
    """Validate a batch; return its records or raise :class:`RecordError` for the first bad one.

    Each record is an object with ``id`` (string or integer), ``timestamp`` (see
    :func:`parse_event_time`) and the feature and prediction values by column name.
    Repeated ids within the batch keep their first occurrence.
    """
    if max_records is not None and len(records) > max_records:
        raise SchemaMismatch(
            f"batch of {len(records)} records exceeds the limit of {max_records}; "
            "split it into smaller batches"
        )
    kinds = {name: column.kind for name, column in baseline.columns.items()}
    accepted: list[LiveRecord] = []
    seen: set[str] = set()
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise RecordError(index, None, f"expected an object, got {type(record).__name__}")
        raw_id = record.get(id_field)
        if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or raw_id == "":
            raise RecordError(
                index, id_field, f"every record needs an {id_field!r} (string or integer)"
            )
        record_id = str(raw_id)
        if len(record_id) > _MAX_ID_LENGTH:
            raise RecordError(index, id_field, f"ids are at most {_MAX_ID_LENGTH} characters")
        if time_field not in record:
            raise RecordError(index, time_field, f"every record needs a {time_field!r}")
        try:
            event_at = parse_event_time(record[time_field])
        except ValueError as exc:
            raise RecordError(index, time_field, str(exc)) from None
        values: dict[str, Any] = {}
        for name, value in record.items():
            if name in (id_field, time_field):
                continue
            if isinstance(value, float) and not math.isfinite(value):
                value = None
            problem = _check_value(kinds.get(name, ""), value)
            if problem:
                raise RecordError(index, str(name), problem)
            values[str(name)] = value
        if record_id in seen:
            continue
        seen.add(record_id)
        accepted.append(LiveRecord(record_id, event_at, values))
    return accepted
