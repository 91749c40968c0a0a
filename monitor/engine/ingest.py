"""Validating a batch of live records against a baseline's schema.

A batch is accepted whole or refused whole: the first bad value stops it with a
:class:`~monitor.errors.SchemaMismatch` that names the record index, the column, the
value and the fix. Fields that the baseline does not know are kept (a check reports them
as unexpected columns), up to ``max_unknown_fields`` distinct ones per batch: a batch with
more is refused naming the first field over the limit, before any column is built, so a
batch of junk keys costs one pass over its keys.

Names and ids are text a person reads and a database stores: a field name or an id with a
control character (NUL, CR, LF, ESC, DEL...) or a lone surrogate is refused, and so is a
field name over :data:`MAX_NAME_LENGTH` characters. String values must be valid Unicode
(no lone surrogates). Event times must parse and, when the caller gives bounds, fall
inside them (:class:`EventTimeBounds`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import pandas as pd
import pyarrow as pa

from monitor.engine.baseline import Baseline
from monitor.engine.records import infer_array, numeric_array, records_table
from monitor.errors import SchemaMismatch

__all__ = [
    "DEFAULT_MAX_UNKNOWN_FIELDS",
    "ID_FIELD",
    "MAX_NAME_LENGTH",
    "TIME_FIELD",
    "EventTimeBounds",
    "RecordError",
    "id_problem",
    "name_problem",
    "parse_event_time",
    "text_problem",
    "validate_batch",
]

ID_FIELD: Final = "id"
TIME_FIELD: Final = "timestamp"
_MAX_ID_LENGTH: Final = 200
MAX_NAME_LENGTH: Final = 200
"""The longest field name accepted (the store keeps column names in 200 characters)."""
DEFAULT_MAX_UNKNOWN_FIELDS: Final = 50
"""Distinct fields the baseline does not know, accepted per batch (``api.max_unknown_fields``)."""
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE: Final = re.compile(r"[\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    r"""Why ``text`` cannot be stored as a name or an id, or None.

    >>> text_problem("income"), text_problem("in\x00come")
    (None, 'contains the control character U+0000')
    """
    found = _CONTROL.search(text)
    if found:
        return f"contains the control character U+{ord(found.group()):04X}"
    found = _SURROGATE.search(text)
    if found:
        return f"contains a lone surrogate U+{ord(found.group()):04X} (not valid Unicode)"
    return None


def name_problem(name: Any) -> str | None:
    """Why ``name`` cannot be a field name, or None."""
    if not isinstance(name, str) or not name:
        return "field names are non-empty strings"
    if len(name) > MAX_NAME_LENGTH:
        return f"field names are at most {MAX_NAME_LENGTH} characters (got {len(name)})"
    problem = text_problem(name)
    return None if problem is None else f"the field name {problem}; rename the field"


@dataclass(frozen=True, slots=True)
class EventTimeBounds:
    """The event times a batch may hold: ``not_before <= t <= not_after``. The ingest API
    sets them from the service clock and the monitor's baseline (``api.max_event_ahead``,
    ``api.max_event_age``), so one record stamped 1970 or 2999 cannot open decades of
    empty windows."""

    not_before: datetime
    not_after: datetime
    hint: str = ""

    def problem(self, at: datetime) -> str | None:
        if self.not_before <= at <= self.not_after:
            return None
        return (
            f"event time {at.isoformat()} is outside the accepted range "
            f"{self.not_before.isoformat()} .. {self.not_after.isoformat()}"
            + (f"; {self.hint}" if self.hint else "")
        )


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
        try:
            if not math.isfinite(value):
                raise ValueError(f"expected epoch seconds, got {value}")
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            shown = str(value) if len(str(value)) <= 30 else str(value)[:27] + "..."
            raise ValueError(
                f"epoch seconds {shown} are out of range; send seconds since 1970-01-01 UTC "
                "(years 1-9999)"
            ) from None
    if isinstance(value, str):
        shown = repr(value) if len(value) <= 40 else repr(value[:37] + "...")
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"time {shown} is not ISO 8601; send e.g. '2026-03-01T12:00:00Z'"
            ) from None
        if parsed.tzinfo is None:
            raise ValueError(f"time {shown} has no UTC offset; add one, e.g. 'Z' or '+00:00'")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValueError(f"time {shown} is out of range in UTC (years 1-9999)") from None
    raise ValueError(f"expected an ISO 8601 time or epoch seconds, got {type(value).__name__}")


_MAX_INT: Final = 2**53


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_value(kind: str, value: Any) -> str | None:
    """Why ``value`` does not fit a column of ``kind``, or None when it does."""
    if value is None:
        return None
    if isinstance(value, str) and _SURROGATE.search(value):
        return "the value holds a lone surrogate (not valid Unicode)"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_INT:
        return "integers are at most 2**53 in magnitude; send the number as a float or a string"
    if kind == "numeric":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expected a number or null, got {_shown(value)}"
        return None
    if kind == "boolean":
        if not isinstance(value, bool):
            return f"expected true, false or null, got {_shown(value)}"
        return None
    if kind == "categorical":
        if not isinstance(value, str | int) or isinstance(value, bool):
            return f"expected a category (string) or null, got {_shown(value)}"
        return None
    return None


def id_problem(raw_id: Any, id_field: str = ID_FIELD) -> str | None:
    """Why ``raw_id`` cannot be a record id, or None."""
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or raw_id == "":
        return f"every record needs an {id_field!r} (string or integer)"
    if isinstance(raw_id, int) and abs(raw_id) > _MAX_INT:
        return f"integer ids are at most 2**53 in magnitude; send {id_field!r} as a string"
    text = str(raw_id)
    if len(text) > _MAX_ID_LENGTH:
        return f"ids are at most {_MAX_ID_LENGTH} characters"
    problem = text_problem(text)
    return None if problem is None else f"the id {problem}"


def _record_problem(
    record: Any,
    index: int,
    kinds: Mapping[str, str],
    id_field: str,
    time_field: str,
    bounds: EventTimeBounds | None = None,
) -> RecordError | None:
    """The first problem of one record, in field order, or None when it fits."""
    if not isinstance(record, Mapping):
        return RecordError(index, None, f"expected an object, got {type(record).__name__}")
    problem = id_problem(record.get(id_field), id_field)
    if problem is not None:
        return RecordError(index, id_field, problem)
    if time_field not in record:
        return RecordError(index, time_field, f"every record needs a {time_field!r}")
    try:
        at = parse_event_time(record[time_field])
    except ValueError as exc:
        return RecordError(index, time_field, str(exc))
    if bounds is not None and (outside := bounds.problem(at)) is not None:
        return RecordError(index, time_field, outside)
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
    records: Sequence[Any],
    kinds: Mapping[str, str],
    id_field: str,
    time_field: str,
    bounds: EventTimeBounds | None,
) -> RecordError | None:
    for index, record in enumerate(records):
        problem = _record_problem(record, index, kinds, id_field, time_field, bounds)
        if problem is not None:
            return problem
    return None


def _check_names(records: Sequence[Any], known: Mapping[str, str], max_unknown: int | None) -> None:
    """Refuse the first bad field name, or the first unknown field over ``max_unknown``
    distinct ones, in one pass over the keys (before any column is built)."""
    seen: set[Any] = set()
    unknown = 0
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise RecordError(index, None, f"expected an object, got {type(record).__name__}")
        for name in record:
            if name in seen:
                continue
            problem = name_problem(name)
            if problem is not None:
                shown = name[:MAX_NAME_LENGTH] if isinstance(name, str) else None
                raise RecordError(index, _printable(shown), problem)
            seen.add(name)
            if name in known:
                continue
            unknown += 1
            if max_unknown is not None and unknown > max_unknown:
                raise RecordError(
                    index,
                    name,
                    f"the batch has more than {max_unknown} fields the baseline does not "
                    f"know (api.max_unknown_fields); send only the baseline's columns, or "
                    "raise the limit",
                )


def _printable(name: str | None) -> str | None:
    """``name`` with control characters and surrogates shown as escapes."""
    if name is None:
        return None
    return _SURROGATE.sub(
        lambda m: f"\\u{ord(m.group()):04x}",
        _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", name),
    )


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
    if (
        not checked
        and str in types
        and any(type(v) is str and _SURROGATE.search(v) for v in values)
    ):
        raise _Refused
    if not checked and int in types and any(type(v) is int and abs(v) > _MAX_INT for v in values):
        raise _Refused
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
    max_unknown_fields: int | None = DEFAULT_MAX_UNKNOWN_FIELDS,
    event_times: EventTimeBounds | None = None,
    id_field: str = ID_FIELD,
    time_field: str = TIME_FIELD,
) -> pa.Table:
    """Validate a batch; return it as a records table (see :mod:`monitor.engine.records`) or raise
    :class:`RecordError` for the first bad record.

    Each record is an object with ``id`` (string or integer), ``timestamp`` (see
    :func:`parse_event_time`, within ``event_times`` when given) and the feature and
    prediction values by column name; a field the baseline does not know is kept, up to
    ``max_unknown_fields`` distinct ones per batch (None: no limit). Repeated ids within
    the batch keep their first occurrence. Values are checked a column at a time; only a
    batch that fails is walked record by record, to name the first bad record and column.
    """
    if max_records is not None and len(records) > max_records:
        raise SchemaMismatch(
            f"batch of {len(records)} records exceeds the limit of {max_records}; "
            "split it into smaller batches"
        )
    kinds = {name: column.kind for name, column in baseline.columns.items()}
    _check_names(records, {**kinds, id_field: "", time_field: ""}, max_unknown_fields)
    try:
        return _table(records, kinds, id_field, time_field, event_times, checked=False)
    except (_Refused, ValueError, TypeError, KeyError, AttributeError, OverflowError):
        problem = _first_problem(records, kinds, id_field, time_field, event_times)
    if problem is not None:
        raise problem
    # Every record fits, in a form the exact type checks did not take (an int subclass, say).
    return _table(records, kinds, id_field, time_field, event_times, checked=True)


def _table(
    records: Sequence[Any],
    kinds: Mapping[str, str],
    id_field: str,
    time_field: str,
    bounds: EventTimeBounds | None,
    *,
    checked: bool,
) -> pa.Table:
    raw_ids = [record[id_field] for record in records]
    id_types = set(map(type, raw_ids))
    if not checked:
        if not (all(type(record) is dict for record in records) and id_types <= {str, int}):
            raise _Refused
        if int in id_types and any(type(v) is int and abs(v) > _MAX_INT for v in raw_ids):
            raise _Refused
    record_ids = raw_ids if id_types == {str} else [str(v) for v in raw_ids]
    if not checked and any(
        len(v) > _MAX_ID_LENGTH or not v or _CONTROL.search(v) or _SURROGATE.search(v)
        for v in record_ids
    ):
        raise _Refused
    event_at = [parse_event_time(record[time_field]) for record in records]
    if bounds is not None and event_at:
        if min(event_at) < bounds.not_before or max(event_at) > bounds.not_after:
            raise _Refused
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
