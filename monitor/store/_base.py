"""``StoreBase``: what every part of ``Store`` shares: the engine, one transaction per call
and the lookup of a monitor's id. ``Store`` and its mixins (alerts, history, the MLflow link,
performance) all derive from it, so each piece is defined once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import URL, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import ConfigError
from monitor.store._engine import make_engine, parse_url, redacted, unavailable
from monitor.store._rows import utc_now
from monitor.store.models import MonitorRow

__all__ = ["StoreBase"]


class StoreBase:
    """Driftline's database at ``url`` (default ``$DRIFTLINE_DATABASE_URL``, else
    ``sqlite:///./driftline.db``). Creating one does not connect; the first call does."""

    def __init__(
        self, url: str | URL | None = None, *, clock: Callable[[], dt.datetime] = utc_now
    ) -> None:
        self._url = parse_url(url)
        self._engine = make_engine(self._url)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._clock = clock

    @property
    def url(self) -> str:
        """The database URL with its password masked."""
        return redacted(self._url)

    def close(self) -> None:
        """Close the pooled connections."""
        self._engine.dispose()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    @contextmanager
    def _session(self, *, readonly: bool = False) -> Iterator[Session]:
        """One transaction: commit on success (reads roll back), roll back on error."""
        try:
            with self._sessions() as session, session.begin():
                if readonly and self._engine.dialect.name == "postgresql":
                    session.execute(text("SET TRANSACTION READ ONLY"))
                yield session
                if readonly:
                    session.rollback()
        except IntegrityError:
            raise
        except DBAPIError as exc:
            raise unavailable(self._url, exc) from exc

    @staticmethod
    def _monitor_id(session: Session, name: str, *, lock: bool = False) -> int:
        statement = select(MonitorRow.id).where(MonitorRow.name == name)
        if lock:
            statement = statement.with_for_update()
        found = session.scalar(statement)
        if found is None:
            raise ConfigError(
                f"no monitor named {name!r}; add it to driftline.yaml ('driftline monitors add')"
            )
        return found
