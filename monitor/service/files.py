"""Reading CSV/Parquet files for profiles: one file, batch by batch, with pyarrow datasets.

Used by the files source (one process) and by :mod:`monitor.service.cluster` (one task
per file on a Dask cluster).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from monitor.engine.profile import Profile, ProfileSpec, empty_profile, merge, profile_of
from monitor.errors import InputError

__all__ = ["CHUNK_ROWS", "event_times", "file_format", "profile_file"]

CHUNK_ROWS: Final = 65_536
"""Rows read at a time when a window is profiled from files or SQL."""


def event_times(column: pd.Series, where: str) -> pd.Series:
    try:
        times = pd.to_datetime(column, utc=True)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{where}: event times cannot be read as timestamps ({exc})") from exc
    return times


def file_format(name: str, declared: str = "auto") -> Literal["csv", "parquet"]:
    """The format of a data file: the declared one, else from its suffix."""
    if declared in ("csv", "parquet"):
        return declared  # type: ignore[return-value]
    suffix = Path(name).suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix == ".csv":
        return "csv"
    raise InputError(f"{name!r}: cannot tell the format from {suffix!r}; use .csv or .parquet")


def _time_filter(
    field_type: pa.DataType, column: str, start_at: datetime, end_at: datetime
) -> ds.Expression | None:
    """The event-time predicate for a timestamp column (None for other types: filtered
    after reading)."""
    if not pa.types.is_timestamp(field_type):
        return None
    tz = getattr(field_type, "tz", None)
    start = start_at if tz else start_at.astimezone(UTC).replace(tzinfo=None)
    end = end_at if tz else end_at.astimezone(UTC).replace(tzinfo=None)
    target = field_type if tz else pa.timestamp("us")
    field = ds.field(column)
    if not tz:
        field = field.cast(target)
    return (field >= pa.scalar(start, type=target)) & (field < pa.scalar(end, type=target))


def profile_file(
    name: str,
    event_time_column: str | None,
    start_at: datetime | None,
    end_at: datetime | None,
    spec: ProfileSpec,
    declared: str = "auto",
) -> Profile:
    """The profile of one CSV/Parquet file (of its rows in ``[start_at, end_at)`` when an
    event-time column is given), read batch by batch; InputError names the file."""
    try:
        dataset = ds.dataset(name, format=file_format(name, declared))
        schema = dataset.schema
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{name!r}: cannot be read ({type(exc).__name__}: {exc})") from exc
    if event_time_column is not None and event_time_column not in schema.names:
        raise InputError(
            f"{name!r}: no event-time column {event_time_column!r}; columns are {schema.names}"
        )
    wanted = [c for c in schema.names if c in spec.columns and c != event_time_column]
    timed = event_time_column is not None and start_at is not None and end_at is not None
    predicate = None
    if timed:
        assert event_time_column is not None and start_at is not None and end_at is not None
        predicate = _time_filter(
            schema.field(event_time_column).type, event_time_column, start_at, end_at
        )
        if predicate is None:
            wanted.append(event_time_column)
    profile, offset = empty_profile(spec), 0
    try:
        scanner = dataset.scanner(columns=wanted, filter=predicate, batch_size=CHUNK_ROWS)
        for batch in scanner.to_batches():
            frame = batch.to_pandas()
            if timed and predicate is None:
                assert event_time_column is not None and start_at is not None
                assert end_at is not None
                times = event_times(frame[event_time_column], name)
                inside = (times >= pd.Timestamp(start_at)) & (times < pd.Timestamp(end_at))
                frame = frame.loc[inside].drop(columns=[event_time_column])
            part = profile_of(frame, spec, stream=name, start=offset)
            offset += len(frame)
            profile = merge(profile, part, known=spec.known)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{name!r}: cannot be read ({type(exc).__name__}: {exc})") from exc
    others = frozenset(schema.names) - {event_time_column}
    return replace(profile, names=profile.names | others)
