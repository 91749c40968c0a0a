"""Reading CSV/Parquet files for profiles: one file, batch by batch, with pyarrow datasets.

Used by the files source (one process) and by :mod:`monitor.service.cluster` (one task
per file on a Dask cluster).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import pandas as pd
import pyarrow as pa
import pyarrow.csv
import pyarrow.dataset as ds

from monitor.engine.profile import Profile, ProfileSpec, empty_profile, merge, profile_of
from monitor.errors import InputError

__all__ = [
    "CHUNK_ROWS",
    "event_times",
    "file_event_range",
    "file_format",
    "file_streams",
    "glob_root",
    "profile_file",
]

CHUNK_ROWS: Final = 65_536
"""Rows read at a time when a window is profiled from files or SQL."""


def event_times(column: pd.Series, where: str) -> pd.Series:
    try:
        times = pd.to_datetime(column, utc=True)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{where}: event times cannot be read as timestamps ({exc})") from exc
    return times


def glob_root(pattern: str) -> str:
    """The folder a glob searches from: its leading path components without a wildcard
    (``/lake/day=*/part-*.parquet`` → ``/lake``; a plain file name → its folder)."""
    parts = Path(pattern).parts
    fixed: list[str] = []
    for part in parts[:-1]:
        if any(ch in part for ch in "*?["):
            break
        fixed.append(part)
    return str(Path(*fixed)) if fixed else "."


def file_streams(files: Sequence[str], root: str | None = None) -> list[str]:
    """Each file's sample stream: its path relative to ``root`` (the glob's folder; default
    the files' deepest common folder), with ``/`` separators.

    A row's sampling key hashes its stream and position, so the stream must name the file
    the same way wherever the data lives: with the absolute path, the same files copied to
    another folder drew another sample and a check could change its verdict. Relative
    to the glob's folder, a file keeps its stream as other files come and go, and two
    partitions' ``part-0.parquet`` keep different ones."""
    if not files:
        return []
    base = (
        root
        if root is not None
        else os.path.commonpath([os.path.dirname(os.path.abspath(name)) for name in files])
    )
    return [
        Path(os.path.relpath(os.path.abspath(name), os.path.abspath(base))).as_posix()
        for name in files
    ]


def file_format(name: str, declared: str = "auto") -> ds.FileFormat:
    """The pyarrow dataset format of a data file: the declared one (``csv``, ``parquet``),
    else from its name (``.parquet``/``.pq``, ``.csv``/``.csv.gz``, ``.tsv``), as
    :func:`monitor.engine.io.read_table` reads them."""
    lowered = name.lower()
    if declared == "parquet" or (declared == "auto" and lowered.endswith((".parquet", ".pq"))):
        return ds.ParquetFileFormat()
    if lowered.endswith(".tsv"):
        return ds.CsvFileFormat(parse_options=pa.csv.ParseOptions(delimiter="\t"))
    if declared == "csv" or lowered.endswith((".csv", ".csv.gz")):
        return ds.CsvFileFormat()
    raise InputError(
        f"{name!r}: unknown file type {Path(name).suffix!r}; "
        "use .csv, .csv.gz, .tsv, .parquet or .pq"
    )


def file_event_range(
    name: str, column: str, declared: str = "auto"
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and last event time of one file (None without any), reading only the
    event-time column, CHUNK_ROWS rows at a time; InputError names the file."""
    try:
        dataset = ds.dataset(name, format=file_format(name, declared))
        if column not in dataset.schema.names:
            raise InputError(
                f"{name!r}: no event-time column {column!r}; columns are {dataset.schema.names}"
            )
        first: pd.Timestamp | None = None
        last: pd.Timestamp | None = None
        for batch in dataset.scanner(columns=[column], batch_size=CHUNK_ROWS).to_batches():
            times = event_times(batch.column(0).to_pandas(), name).dropna()
            if len(times):
                low, high = times.min(), times.max()
                first = low if first is None else min(first, low)
                last = high if last is None else max(last, high)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{name!r}: cannot be read ({type(exc).__name__}: {exc})") from exc
    return None if first is None or last is None else (first, last)


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


def _fold(
    frames: Iterable[pd.DataFrame],
    spec: ProfileSpec,
    name: str,
    stream: str,
    event_time_column: str | None,
    start_at: datetime | None,
    end_at: datetime | None,
    predicate: ds.Expression | None,
) -> Profile:
    """The merged profile of ``frames`` (the rows in the window when the time filter was not
    pushed down)."""
    profile, offset = empty_profile(spec), 0
    for chunk in frames:
        frame = chunk
        if event_time_column is not None and start_at is not None and end_at is not None:
            if predicate is None:
                times = event_times(frame[event_time_column], name)
                inside = (times >= pd.Timestamp(start_at)) & (times < pd.Timestamp(end_at))
                frame = frame.loc[inside].drop(columns=[event_time_column])
        part = profile_of(frame, spec, stream=stream, start=offset)
        offset += len(frame)
        profile = merge(profile, part, known=spec.known)
    return profile


def profile_file(
    name: str,
    event_time_column: str | None,
    start_at: datetime | None,
    end_at: datetime | None,
    spec: ProfileSpec,
    declared: str = "auto",
    stream: str | None = None,
) -> Profile:
    """The profile of one CSV/Parquet file (of its rows in ``[start_at, end_at)`` when an
    event-time column is given), read batch by batch; InputError names the file.
    ``stream`` names the file in its rows' sampling keys (:func:`file_streams`; default
    its base name)."""
    stream = stream if stream is not None else Path(name).name
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
    frames: Iterator[pd.DataFrame] = (
        batch.to_pandas()
        for batch in dataset.scanner(
            columns=wanted, filter=predicate, batch_size=CHUNK_ROWS
        ).to_batches()
    )
    try:
        profile = _fold(frames, spec, name, stream, event_time_column, start_at, end_at, predicate)
    except pa.ArrowInvalid:
        if not isinstance(dataset.format, ds.CsvFileFormat):
            raise InputError(
                f"{name!r}: cannot be read (a value does not fit its column)"
            ) from None
        # a CSV column whose type changes past the first block (a number column with text
        # further down): read it as pandas does, in chunks, so the check reports the values
        columns = [*wanted, *([event_time_column] if predicate is not None else [])]
        try:
            chunks = pd.read_csv(
                name,
                usecols=columns,
                chunksize=CHUNK_ROWS,
                sep="\t" if name.lower().endswith(".tsv") else ",",
            )
            profile = _fold(chunks, spec, name, stream, event_time_column, start_at, end_at, None)
        except (ValueError, OSError, pd.errors.ParserError) as exc:
            raise InputError(f"{name!r}: cannot be read ({exc})") from exc
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{name!r}: cannot be read ({type(exc).__name__}: {exc})") from exc
    others = frozenset(schema.names) - {event_time_column}
    return replace(profile, names=profile.names | others)
