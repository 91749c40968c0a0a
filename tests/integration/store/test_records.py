"""Records and labels: idempotent ingest by record id, windows by event time."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from monitor.errors import ConfigError
from monitor.store import Store
from tests.ingesting import ingest

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def _records(ids: range) -> list[tuple[str, dt.datetime, dict[str, object]]]:
    return [(f"r{i}", T0 + i * MINUTE, {"income": float(i), "region": "north"}) for i in ids]


def test_add_records_counts_only_new_ones(store: Store) -> None:
    assert ingest(store, "credit", _records(range(10))) == 10
    assert ingest(store, "credit", _records(range(5, 15))) == 5
    assert store.count_records("credit") == 15


def test_duplicate_ids_within_a_batch_are_stored_once(store: Store) -> None:
    batch = _records(range(3)) + _records(range(3))
    assert ingest(store, "credit", batch) == 3
    assert store.count_records("credit") == 3


def test_same_record_id_in_another_monitor_is_a_new_record(store: Store) -> None:
    store.upsert_monitor("fraud", {})
    ingest(store, "credit", _records(range(3)))
    assert ingest(store, "fraud", _records(range(3))) == 3


def test_empty_batch_inserts_nothing(store: Store) -> None:
    assert ingest(store, "credit", []) == 0
    assert store.count_records("credit") == 0


def test_records_for_an_unknown_monitor_are_refused(store: Store) -> None:
    with pytest.raises(ConfigError, match="no monitor named 'nope'"):
        ingest(store, "nope", _records(range(1)))


def test_load_window_returns_exactly_the_records_in_it(store: Store) -> None:
    ingest(store, "credit", _records(range(20)))
    window = store.load_window("credit", T0 + 5 * MINUTE, T0 + 10 * MINUTE)
    assert list(window.columns) == ["record_id", "event_at", "income", "region"]
    assert window["record_id"].tolist() == [f"r{i}" for i in range(5, 10)]
    assert window["income"].tolist() == [5.0, 6.0, 7.0, 8.0, 9.0]
    expected = pd.Series([T0 + i * MINUTE for i in range(5, 10)], name="event_at")
    pd.testing.assert_series_equal(window["event_at"], pd.to_datetime(expected, utc=True))


def test_event_range_spans_the_earliest_and_the_latest_record(store: Store) -> None:
    assert store.event_range("credit") is None
    ingest(store, "credit", _records(range(5, 8)) + _records(range(2, 3)))
    assert store.event_range("credit") == (T0 + 2 * MINUTE, T0 + 7 * MINUTE)


def test_empty_window_has_the_key_columns(store: Store) -> None:
    window = store.load_window("credit", T0, T0 + MINUTE)
    assert list(window.columns) == ["record_id", "event_at"]
    assert len(window) == 0


def test_labels_upsert_by_record_id(store: Store, database_url: str) -> None:
    assert store.add_labels("credit", [("r1", 0), ("r2", 1)]) == 2
    assert store.add_labels("credit", [("r2", 0), ("r3", 1), ("r3", 0)]) == 2
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT record_id, label_json FROM labels ORDER BY record_id")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("r1", "0"), ("r2", "0"), ("r3", "0")]
