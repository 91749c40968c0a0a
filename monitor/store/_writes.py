"""Dialect-specific upserts (SQLite and PostgreSQL share ON CONFLICT); helpers receive the
session and never open one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, delete, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from monitor.store.models import SchedulerLeaseRow

__all__ = ["acquire_lease", "insert_keyed", "release_lease", "upsert"]


def upsert(session: Session, table: Any) -> Any:
    """A dialect INSERT for ``table`` supporting ``on_conflict_do_*`` and ``excluded``."""
    assert isinstance(table, Table)
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_keyed(
    session: Session, table: Any, values: list[dict[str, Any]], *, update: Sequence[str]
) -> int:
    """INSERT rows keyed by (monitor_id, record_id): on conflict do nothing, or update the
    ``update`` columns. Returns how many rows were inserted or updated."""
    if not values:
        return 0
    statement = upsert(session, table)
    keys = ["monitor_id", "record_id"]
    if update:
        set_ = {name: statement.excluded[name] for name in update}
        statement = statement.on_conflict_do_update(index_elements=keys, set_=set_)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    result = session.execute(statement.returning(table.c.id), values)
    return len(result.all())


def acquire_lease(
    session: Session, name: str, holder: str, *, now: dt.datetime, ttl: dt.timedelta
) -> bool:
    """Take or renew lease ``name`` for ``holder`` until ``now + ttl``; False when another
    holder's lease has not expired yet. Atomic: one INSERT ... ON CONFLICT DO UPDATE WHERE."""
    table = SchedulerLeaseRow.__table__
    statement = upsert(session, table).values(name=name, holder=holder, expires_at=now + ttl)
    statement = statement.on_conflict_do_update(
        index_elements=["name"],
        set_={"holder": statement.excluded.holder, "expires_at": statement.excluded.expires_at},
        where=or_(table.c.holder == holder, table.c.expires_at <= now),
    )
    return session.execute(statement.returning(table.c.name)).first() is not None


def release_lease(session: Session, name: str, holder: str) -> None:
    """Give up lease ``name`` if ``holder`` holds it."""
    session.execute(
        delete(SchedulerLeaseRow).where(
            SchedulerLeaseRow.name == name, SchedulerLeaseRow.holder == holder
        )
    )
