"""Pull sources: live records read from a SQL table or from CSV/Parquet files.

The alternative to pushing records through the ingest API. A source answers two
questions for the scheduler: which records fall in a window, and when the first event
was. Event times are compared as aware UTC; naive times in a source are taken as UTC.
"""

from __future__ import annotations

import glob as globbing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import pandas as pd
import sqlalchemy as sa

from monitor.engine.io import read_table
from monitor.engine.profile import Profile, ProfileSpec, empty_profile, merge, profile_of
from monitor.errors import ConfigError, InputError, StoreUnavailable
from monitor.redact import redact_url
from monitor.service.cluster import Cluster, profile_files
from monitor.service.files import (
    CHUNK_ROWS,
    event_times,
    file_event_range,
    glob_root,
)

__all__ = ["FileSource", "Source", "SqlSource"]


class Source(Protocol):
    """Where a monitor's live records come from."""

    def load_window(self, start_at: datetime, end_at: datetime) -> pd.DataFrame: ...

    def profile_window(self, start_at: datetime, end_at: datetime, spec: ProfileSpec) -> Profile:
        """The window's profile, read chunk by chunk in bounded memory."""
        ...

    def event_range(self) -> tuple[datetime, datetime] | None:
        """The event times of the first and the last record, or None without records."""
        ...

    def close(self) -> None: ...


def _as_utc(value: object) -> datetime | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    stamp = stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)
    result: datetime = stamp.to_pydatetime()
    return result


class SqlSource:
    """Rows of a SQL query on any SQLAlchemy URL, filtered by an event-time column.

    The query is wrapped as a subquery: ``SELECT * FROM (<query>) AS live WHERE
    <event_time_column> >= :start AND <event_time_column> < :end``, so the database does
    the filtering (index the column).
    """

    def __init__(self, url: str, query: str, event_time_column: str) -> None:
        self._url = url
        self._query = query.strip().rstrip(";")
        self._column = event_time_column
        self._engine = sa.create_engine(url)

    def _quoted(self) -> str:
        return str(self._engine.dialect.identifier_preparer.quote(self._column))

    def _where(self) -> str:
        return f"{redact_url(self._url)} ({self._query[:60]}...)"

    def _run(self, statement: sa.TextClause, **params: Any) -> pd.DataFrame:
        try:
            with self._engine.connect() as connection:
                return pd.read_sql(statement, connection, params=params)
        except sa.exc.DBAPIError as exc:
            raise StoreUnavailable(
                f"SQL source {self._where()}: {type(exc.orig).__name__}: {exc.orig}"
            ) from exc

    def load_window(self, start_at: datetime, end_at: datetime) -> pd.DataFrame:
        column = self._quoted()
        statement = sa.text(
            f"SELECT * FROM ({self._query}) AS live WHERE {column} >= :start AND {column} < :end"
        )
        naive = self._engine.dialect.name == "sqlite"
        start = start_at.replace(tzinfo=None) if naive else start_at
        end = end_at.replace(tzinfo=None) if naive else end_at
        frame = self._run(statement, start=start, end=end)
        if self._column not in frame.columns:
            raise ConfigError(
                f"SQL source {self._where()}: no column {self._column!r}; "
                f"columns are {list(frame.columns)}"
            )
        return frame.drop(columns=[self._column])

    def profile_window(self, start_at: datetime, end_at: datetime, spec: ProfileSpec) -> Profile:
        """The window's profile, the rows streamed from the database CHUNK_ROWS at a time."""
        column = self._quoted()
        statement = sa.text(
            f"SELECT * FROM ({self._query}) AS live WHERE {column} >= :start AND {column} < :end"
        )
        naive = self._engine.dialect.name == "sqlite"
        start = start_at.replace(tzinfo=None) if naive else start_at
        end = end_at.replace(tzinfo=None) if naive else end_at
        profile, offset = empty_profile(spec), 0
        try:
            with self._engine.connect() as connection:
                streaming = connection.execution_options(stream_results=True)
                chunks = pd.read_sql(
                    statement, streaming, params={"start": start, "end": end}, chunksize=CHUNK_ROWS
                )
                for chunk in chunks:
                    if self._column not in chunk.columns:
                        raise ConfigError(
                            f"SQL source {self._where()}: no column {self._column!r}; "
                            f"columns are {list(chunk.columns)}"
                        )
                    part = profile_of(
                        chunk.drop(columns=[self._column]), spec, stream="sql", start=offset
                    )
                    offset += len(chunk)
                    profile = merge(profile, part, known=spec.known)
        except sa.exc.DBAPIError as exc:
            raise StoreUnavailable(
                f"SQL source {self._where()}: {type(exc.orig).__name__}: {exc.orig}"
            ) from exc
        return profile

    def event_range(self) -> tuple[datetime, datetime] | None:
        column = self._quoted()
        statement = sa.text(
            f"SELECT MIN({column}) AS first, MAX({column}) AS last FROM ({self._query}) AS live"
        )
        frame = self._run(statement)
        if not len(frame):
            return None
        first, last = _as_utc(frame["first"].iloc[0]), _as_utc(frame["last"].iloc[0])
        return None if first is None or last is None else (first, last)

    def close(self) -> None:
        self._engine.dispose()


class FileSource:
    """Rows of the CSV/Parquet files matching a glob, filtered by an event-time column."""

    def __init__(
        self,
        pattern: str,
        event_time_column: str,
        file_format: Literal["csv", "parquet", "auto"] = "auto",
        base_dir: Path | None = None,
        *,
        dask: str | None = None,
    ) -> None:
        self._pattern = (
            pattern if Path(pattern).is_absolute() or base_dir is None else str(base_dir / pattern)
        )
        self._column = event_time_column
        self._format = file_format
        self._dask = dask
        self._cluster: Cluster | None = None

    def _frames(self) -> list[tuple[str, pd.DataFrame]]:
        frames = []
        for name in sorted(globbing.glob(self._pattern)):
            if self._format == "parquet":
                frame = pd.read_parquet(name)
            elif self._format == "csv":
                frame = pd.read_csv(name)
            else:
                frame = read_table(name)
            if self._column not in frame.columns:
                raise InputError(
                    f"{name!r}: no event-time column {self._column!r}; "
                    f"columns are {[str(c) for c in frame.columns]}"
                )
            frames.append((name, frame))
        return frames

    def load_window(self, start_at: datetime, end_at: datetime) -> pd.DataFrame:
        parts = []
        for name, frame in self._frames():
            times = event_times(frame[self._column], name)
            inside = (times >= pd.Timestamp(start_at)) & (times < pd.Timestamp(end_at))
            parts.append(frame.loc[inside].drop(columns=[self._column]))
        if not parts:
            return pd.DataFrame()
        return pd.concat(parts, ignore_index=True)

    def files(self) -> list[str]:
        """The files matching the glob, sorted."""
        return sorted(globbing.glob(self._pattern))

    def profile_window(self, start_at: datetime, end_at: datetime, spec: ProfileSpec) -> Profile:
        """The window's profile, each file read with a pyarrow dataset: only the baseline's
        columns, the event-time predicate pushed down (timestamp columns), CHUNK_ROWS
        rows at a time; one file per task on the Dask cluster of ``engine.dask``."""
        if self._dask is not None and self._cluster is None:
            self._cluster = Cluster(self._dask)
        return profile_files(
            self.files(),
            spec,
            self._cluster,
            event_time_column=self._column,
            start_at=start_at,
            end_at=end_at,
            declared=self._format,
            root=glob_root(self._pattern),
        )

    def event_range(self) -> tuple[datetime, datetime] | None:
        """The first and last event time over the files, reading only the event-time
        column of each, chunk by chunk."""
        ranges = [
            found
            for name in self.files()
            if (found := file_event_range(name, self._column, self._format)) is not None
        ]
        if not ranges:
            return None
        first = _as_utc(min(r[0] for r in ranges))
        last = _as_utc(max(r[1] for r in ranges))
        return None if first is None or last is None else (first, last)

    def close(self) -> None:
        """Close the Dask client of ``engine.dask`` (files are read per call)."""
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
