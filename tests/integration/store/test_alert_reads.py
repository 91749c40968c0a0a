"""The dashboard's alert reads on a real database (SQLite and PostgreSQL): open alerts counted
per monitor and state, transitions and retrain triggers filtered by time in SQL, one
trigger by id."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from monitor import DriftReport
from monitor.errors import ConfigError
from monitor.store import (
    AlertChange,
    AlertState,
    NewRetrainTrigger,
    NewTransition,
    OpenAlerts,
    Store,
)

START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def _change(rule: str, before: AlertState, after: AlertState) -> AlertChange:
    transition = NewTransition(before, after, "condition_met", f"{rule} {after}", False)
    return AlertChange(rule, "warning", after, 1, False, transition)


def _apply(
    store: Store,
    monitor: str,
    hour: int,
    report: DriftReport,
    *changes: AlertChange,
) -> None:
    start = START + hour * HOUR
    summary = store.save_check(
        monitor, start, start + HOUR, report, started_at=start, finished_at=start
    )
    store.record_alert_changes(
        monitor, changes, check_id=summary.id, window_start_at=start, window_end_at=start + HOUR
    )


def _trigger(name: str) -> NewRetrainTrigger:
    return NewRetrainTrigger(name, "manual", None, "by hand", "ana", dt.timedelta(0), None)


def test_count_open_alerts_groups_by_monitor_and_state(
    store: Store, make_report: Callable[..., DriftReport]
) -> None:
    store.upsert_monitor("churn", {})
    store.upsert_monitor("quiet", {})
    report = make_report()
    _apply(
        store,
        "credit",
        0,
        report,
        _change("a", "ok", "firing"),
        _change("b", "ok", "firing"),
        _change("c", "ok", "pending"),
        _change("d", "firing", "resolved"),
    )
    _apply(store, "churn", 0, report, _change("a", "ok", "pending"))
    _apply(store, "quiet", 0, report, _change("a", "firing", "resolved"))
    assert store.count_open_alerts() == {
        "credit": OpenAlerts(firing=2, pending=1),
        "churn": OpenAlerts(pending=1),
    }


def test_list_alert_transitions_filters_on_the_window_start_and_orders_oldest_first(
    store: Store, make_report: Callable[..., DriftReport]
) -> None:
    report = make_report()
    for hour, (before, after) in enumerate(
        [("ok", "pending"), ("pending", "firing"), ("firing", "resolved"), ("resolved", "ok")]
    ):
        _apply(store, "credit", hour, report, _change("ds", before, after))
    found = store.list_alert_transitions("credit", since=START + HOUR, until=START + 3 * HOUR)
    assert [(t.window_start_at, t.to_state) for t in found] == [
        (START + HOUR, "firing"),
        (START + 2 * HOUR, "resolved"),
    ]
    assert found[0].rule == "ds" and found[0].monitor == "credit"
    assert [t.to_state for t in store.list_alert_transitions("credit")] == [
        "pending",
        "firing",
        "resolved",
        "ok",
    ]
    assert [t.to_state for t in store.list_alert_transitions("credit", limit=2)] == [
        "resolved",
        "ok",
    ]
    assert store.list_alert_transitions("nobody") == []


def test_list_retrain_triggers_filters_on_creation_time_and_get_finds_one(
    database_url: str, store: Store
) -> None:
    now = [START]
    timed = Store(database_url, clock=lambda: now[0])
    try:
        for hour in range(4):
            now[0] = START + hour * HOUR
            timed.create_retrain_trigger("credit", _trigger(f"rt_{hour}"))
        found = timed.list_retrain_triggers("credit", since=START + HOUR, until=START + 3 * HOUR)
        assert [t.trigger_id for t in found] == ["rt_2", "rt_1"]
        assert [t.trigger_id for t in timed.list_retrain_triggers("credit")] == [
            "rt_3",
            "rt_2",
            "rt_1",
            "rt_0",
        ]
        one = timed.get_retrain_trigger("rt_1")
        assert one is not None
        assert (one.monitor, one.requested_by, one.outcome) == ("credit", "ana", "no_delivery")
        assert timed.get_retrain_trigger("rt_missing") is None
    finally:
        timed.close()


def test_time_filters_refuse_naive_datetimes(store: Store) -> None:
    with pytest.raises(ConfigError, match="since .* is naive"):
        store.list_alert_transitions("credit", since=dt.datetime(2026, 3, 1))
    with pytest.raises(ConfigError, match="until .* is naive"):
        store.list_retrain_triggers("credit", until=dt.datetime(2026, 3, 1))
