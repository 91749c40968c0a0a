"""Migrations build exactly the ORM's schema, run idempotently, and old schemas are refused."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from monitor.errors import ConfigError
from monitor.store import Store, current_revision, head_revision, is_up_to_date, upgrade
from monitor.store.models import Base
from tests.ingesting import ingest

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


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
    needs = f"revision none .* needs {head_revision()}; run 'driftline db"
    with pytest.raises(ConfigError, match=needs):
        store.check_schema()
    store.close()


def test_older_revision_is_reported_out_of_date(database_url: str) -> None:
    upgrade(database_url)
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0000'"))
    engine.dispose()
    store = Store(database_url)
    needs = f"schema is at revision 0000, Driftline needs {head_revision()}"
    with pytest.raises(ConfigError, match=needs):
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


def test_records_stored_as_json_rows_move_into_batches(database_url: str) -> None:
    """Revision 0002 moves every JSON record of 0001 into Arrow batches, losing none."""
    upgrade(database_url, "0001")
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO monitors (id, name, config_json, created_at, updated_at) "
                "VALUES (1, 'credit', '{}', :t, :t)"
            ),
            {"t": T0},
        )
        connection.execute(
            sa.text(
                "INSERT INTO records (monitor_id, record_id, event_at, payload_json, received_at)"
                " VALUES (1, :id, :at, :payload, :at)"
            ),
            [
                {
                    "id": f"r{i}",
                    "at": T0 + i * MINUTE,
                    "payload": f'{{"income": {i}, "region": "n"}}',
                }
                for i in range(25)
            ],
        )
    engine.dispose()
    upgrade(database_url)
    store = Store(database_url)
    try:
        assert store.count_records("credit") == 25
        window = store.load_window("credit", T0, T0 + 10 * MINUTE)
        assert window["record_id"].tolist() == [f"r{i}" for i in range(10)]
        assert window["income"].tolist() == [float(i) for i in range(10)]
        assert ingest(store, "credit", [("r3", T0, {"income": 1.0})]) == 0
    finally:
        store.close()
