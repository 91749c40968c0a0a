"""Migrations build exactly the ORM's schema, run idempotently, and old schemas are refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from monitor.errors import ConfigError
from monitor.store import Store, current_revision, head_revision, is_up_to_date, upgrade
from monitor.store.models import Base


def test_migrated_schema_equals_orm_metadata(database_url: str) -> None:
    upgrade(database_url)
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_upgrade_twice_is_idempotent(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()
    assert is_up_to_date(database_url)


def test_empty_database_is_reported_out_of_date(database_url: str) -> None:
    store = Store(database_url)
    assert not is_up_to_date(database_url)
    with pytest.raises(
        ConfigError, match=rf"revision none .* needs {head_revision()}; run 'driftline db"
    ):
        store.check_schema()
    store.close()


def test_older_revision_is_reported_out_of_date(database_url: str) -> None:
    upgrade(database_url)
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0000'"))
    engine.dispose()
    store = Store(database_url)
    with pytest.raises(
        ConfigError, match=f"schema is at revision 0000, Driftline needs {head_revision()}"
    ):
        store.check_schema()
    store.close()


def test_migrated_database_passes_check_schema(database_url: str) -> None:
    upgrade(database_url)
    store = Store(database_url)
    store.check_schema()
    store.close()


def test_store_does_not_migrate_on_its_own(database_url: str) -> None:
    store = Store(database_url)
    store.close()
    assert current_revision(database_url) is None
