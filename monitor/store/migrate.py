"""Schema migrations, configured in code: no alembic.ini, scripts from this package.

>>> from monitor.store.migrate import head_revision
>>> head_revision()
'0009'
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection
from sqlalchemy.exc import DBAPIError

from monitor.store._engine import make_engine, parse_url, unavailable

__all__ = [
    "create_if_empty",
    "current_revision",
    "head_revision",
    "is_up_to_date",
    "revision_of",
    "upgrade",
]

_SCRIPTS: Final = Path(__file__).with_name("migrations")


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The revision this version of Driftline needs."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migration scripts in {_SCRIPTS}")
    return head


def upgrade(url: str | URL | None = None, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision``; running it again does nothing."""
    parsed = parse_url(url)
    engine = make_engine(parsed, foreign_keys=False)
    try:
        with engine.begin() as connection:
            command.upgrade(_config(connection), revision)
    except DBAPIError as exc:
        raise unavailable(parsed, exc) from exc
    finally:
        engine.dispose()


def revision_of(connection: Connection) -> str | None:
    """The revision stamped in the database behind ``connection`` (None when empty)."""
    return MigrationContext.configure(connection).get_current_revision()


def current_revision(url: str | URL | None = None) -> str | None:
    """The revision the database at ``url`` is at, or None when it has no schema yet."""
    parsed = parse_url(url)
    engine = make_engine(parsed)
    try:
        with engine.connect() as connection:
            return revision_of(connection)
    except DBAPIError as exc:
        raise unavailable(parsed, exc) from exc
    finally:
        engine.dispose()


def is_up_to_date(url: str | URL | None = None) -> bool:
    """Whether the database at ``url`` is at the revision this Driftline needs."""
    return current_revision(url) == head_revision()


def create_if_empty(url: str | URL | None = None) -> bool:
    """Create the schema of a database that has none yet (True), so every command works
    from driftline.yaml alone; a database with a schema is left as it is (False): moving it
    to a newer revision is ``driftline db upgrade``'s job, and ``Store.check_schema`` says so.
    """
    if current_revision(url) is not None:
        return False
    upgrade(url)
    return True
