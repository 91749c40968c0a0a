"""Alembic environment: Driftline's models, a connection handed in by ``monitor.store.migrate``.

``render_as_batch`` is on for SQLite, whose ALTER TABLE cannot change most things in place.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from monitor.store.models import Base

target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError(
            "Driftline's migrations run through monitor.store.migrate (driftline db upgrade), "
            "which passes the connection; the alembic command line is not configured"
        )
    _configure(connection)


# Alembic installs ``context.config`` while it runs this script; importing it elsewhere
# (a doctest collector, a layering check) does nothing.
if hasattr(context, "config"):
    _run()
