"""Engines for Driftline's database, and the one translation of driver errors.

SQLite connections get WAL mode, a busy timeout and (outside migrations) foreign keys;
PostgreSQL connections get a connect timeout and a pre-ping. Other dialects are refused.
"""

from __future__ import annotations

import os
from typing import Any, Final

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import StaticPool

from monitor.errors import ConfigError, StoreUnavailable

__all__ = ["DEFAULT_URL", "URL_ENV", "make_engine", "parse_url", "redacted", "unavailable"]

URL_ENV: Final = "DRIFTLINE_DATABASE_URL"
DEFAULT_URL: Final = "sqlite:///./driftline.db"
_DIALECTS: Final = ("sqlite", "postgresql")
_CONNECT_TIMEOUT_S: Final = 10
_SQLITE_BUSY_TIMEOUT_MS: Final = 10_000


def parse_url(url: str | URL | None) -> URL:
    """The database URL: ``url``, else ``$DRIFTLINE_DATABASE_URL``, else a local SQLite file."""
    if url is None:
        url = os.environ.get(URL_ENV) or DEFAULT_URL
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            "the database URL is not a SQLAlchemy URL; use e.g. sqlite:///./driftline.db or "
            "postgresql+psycopg://user:password@host:5432/driftline"
        ) from exc
    if parsed.get_backend_name() not in _DIALECTS:
        raise ConfigError(
            f"database {redacted(parsed)}: dialect {parsed.get_backend_name()!r} is not "
            f"supported, expected one of {', '.join(_DIALECTS)}; use SQLite or PostgreSQL"
        )
    return parsed


def redacted(url: URL) -> str:
    """The URL with its password masked, fit for messages and logs."""
    return url.render_as_string(hide_password=True)


def unavailable(url: URL, exc: DBAPIError) -> StoreUnavailable:
    """A StoreUnavailable for a driver error, naming the URL without its password."""
    cause = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    if url.password:
        cause = cause.replace(str(url.password), "***")
    return StoreUnavailable(
        f"database {redacted(url)} is unavailable: {cause}; check that it is running and "
        "reachable, and that its schema is current ('driftline db upgrade')"
    )


def make_engine(url: URL, *, foreign_keys: bool = True) -> Engine:
    """An engine for ``url``; ``foreign_keys=False`` for SQLite migrations (batch table copies)."""
    kwargs: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"] = {"check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
        if "connect_timeout" not in url.query:
            kwargs["connect_args"] = {"connect_timeout": _CONNECT_TIMEOUT_S}
    engine = create_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        _on_sqlite_connect(engine, foreign_keys=foreign_keys)
    return engine


def _on_sqlite_connect(engine: Engine, *, foreign_keys: bool) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        finally:
            cursor.close()
