"""The audit trail in the store (SQLite and PostgreSQL): entries come back newest first,
filtered by monitor, with their detail; an oversized detail is refused, not stored."""

from __future__ import annotations

import pytest

from monitor.store import Store
from monitor.store.audit import MAX_DETAIL_CHARS


def test_entries_come_back_newest_first_and_filtered_by_monitor(store: Store) -> None:
    store.add_audit("ops", "silence.add", monitor="credit", request_id="r1", detail={"id": 3})
    store.add_audit("cli:ana", "monitor.add", monitor="churn", detail={"model": "models:/c@p"})
    store.add_audit("dashboard:bo", "retrain", monitor="credit", detail={"trigger_id": "rt_1"})
    every = store.list_audit()
    assert [(e.actor, e.action) for e in every] == [
        ("dashboard:bo", "retrain"),
        ("cli:ana", "monitor.add"),
        ("ops", "silence.add"),
    ]
    credit = store.list_audit("credit", limit=1)
    assert [(e.action, dict(e.detail)) for e in credit] == [("retrain", {"trigger_id": "rt_1"})]
    oldest = store.list_audit("credit")[-1]
    assert (oldest.request_id, oldest.monitor, oldest.at.tzinfo is not None) == (
        "r1",
        "credit",
        True,
    )


def test_an_oversized_detail_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="record ids, not payloads"):
        store.add_audit("ops", "retrain", detail={"body": "x" * MAX_DETAIL_CHARS})
    assert store.list_audit() == []
