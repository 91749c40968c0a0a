"""Reusable column types and the shared MetaData of Driftline's tables.

``UtcTimestamp`` stores aware datetimes as UTC (``timestamptz`` on PostgreSQL, an ISO string
in UTC on SQLite) and always returns aware UTC datetimes. Naive datetimes are refused: every
``*_at`` value in Driftline is aware UTC.

``SafeText`` and ``Name`` keep text storable in both databases: PostgreSQL's text types
cannot hold NUL, so a NUL in any text Driftline writes (a column name from a file source,
an error message quoting a value) is stored as U+FFFD instead of failing the write.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Final

from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import mapped_column

__all__ = [
    "NAME_LENGTH",
    "NAMING_CONVENTION",
    "BigIntPK",
    "IntPK",
    "Name",
    "SafeString",
    "SafeText",
    "UtcDateTime",
    "UtcTimestamp",
    "metadata",
]

NAME_LENGTH: Final = 200

NAMING_CONVENTION: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata: Final = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime, stored in UTC and returned as aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"naive datetime {value.isoformat()}: Driftline stores aware UTC datetimes; "
                "attach a timezone, e.g. value.replace(tzinfo=datetime.UTC)"
            )
        utc = value.astimezone(dt.UTC)
        # SQLite has no timezone type: store the UTC wall time.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _storable(value: Any) -> Any:
    return value.replace("\x00", "\ufffd") if isinstance(value, str) else value


class SafeText(TypeDecorator[str]):
    """Text without NUL (stored as U+FFFD): PostgreSQL refuses NUL in text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return _storable(value)


class SafeString(TypeDecorator[str]):
    """A bounded string without NUL (stored as U+FFFD)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return _storable(value)


IntPK = Annotated[int, mapped_column(Integer, primary_key=True, autoincrement=True)]
BigIntPK = Annotated[
    int,
    mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
]
UtcTimestamp = Annotated[dt.datetime, mapped_column(UtcDateTime())]
Name = Annotated[str, mapped_column(SafeString(NAME_LENGTH))]
