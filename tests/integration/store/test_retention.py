"""``Store.prune``: the one prune of the retention job and ``driftline records prune``, on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from monitor.cli import main
from monitor.engine.records import records_table
from monitor.engine.report import DriftReport
from monitor.serving.prediction_records import MODEL_VERSION_FIELD
from monitor.store import (
    AlertChange,
    DeliveryAttempt,
    NewDelivery,
    NewTransition,
    PruneCuts,
    PruneRefused,
    Store,
    upgrade,
)
from monitor.store.retention import PREDICTION_LOG_FIELD

T0 = datetime(2026, 3, 1, tzinfo=UTC)
EMPTY = DriftReport(0, 0, (), (), 0.05, 0.1, 0.1, 0.5, "bh")


def _add_hour(store: Store, hour: int, n: int, *, prefix: str = "r", log: bool = False) -> None:
    """``n`` records with event times in hour ``hour`` after T0, as batches of 1000."""
    for first in range(0, n, 1000):
        size = min(1000, n - first)
        ids = [f"{prefix}{hour}-{first + i}" for i in range(size)]
        times = [T0 + timedelta(hours=hour, seconds=i) for i in range(size)]
        columns = {"income": pa.array([1.0] * size)}
        if log:
            columns[MODEL_VERSION_FIELD] = pa.array(["3"] * size)
        store.add_batch("credit", records_table(ids, times, columns))


def _check_until(store: Store, hours: int) -> None:
    for hour in range(hours):
        store.save_check(
            "credit",
            T0 + timedelta(hours=hour),
            T0 + timedelta(hours=hour + 1),
            EMPTY,
            started_at=T0,
            finished_at=T0,
        )


def test_prune_removes_checked_records_in_bounded_transactions_and_keeps_checks(
    store: Store,
) -> None:
    for hour in range(3):
        _add_hour(store, hour, 4000)
    _check_until(store, 3)
    result = store.prune(PruneCuts(records=T0 + timedelta(hours=2)), batch_rows=2500)
    assert (result.records, result.record_batches) == (8000, 8)
    assert result.transactions == 4  # two batches of 1000 records per transaction of <= 2500
    assert store.count_records("credit") == 4000
    assert len(store.list_checks("credit")) == 3
    # the pruned ids are forgotten: sending one again stores it again
    table = records_table(["r0-0"], [T0], {"income": pa.array([2.0])})
    assert store.add_batch("credit", table) == 1


def test_prune_refuses_records_a_window_not_checked_yet_needs(store: Store) -> None:
    for hour in range(3):
        _add_hour(store, hour, 10)
    _check_until(store, 1)
    with pytest.raises(PruneRefused, match=r"not checked yet.*last checked window ends"):
        store.prune(PruneCuts(records=T0 + timedelta(hours=2)))
    assert store.count_records("credit") == 30


def test_the_job_mode_keeps_what_unchecked_windows_need(store: Store) -> None:
    for hour in range(3):
        _add_hour(store, hour, 10)
    _check_until(store, 1)
    result = store.prune(PruneCuts(records=T0 + timedelta(hours=3)), pending="keep")
    assert result.records == 10
    assert result.kept_for_pending == {"credit": T0 + timedelta(hours=1)}
    assert store.count_records("credit") == 20


def test_a_monitor_never_checked_keeps_every_record(store: Store) -> None:
    _add_hour(store, 0, 10)
    with pytest.raises(PruneRefused, match="has no check yet"):
        store.prune(PruneCuts(records=T0 + timedelta(hours=5)))
    assert store.prune(PruneCuts(records=T0 + timedelta(hours=5)), pending="keep").records == 0
    assert store.count_records("credit") == 10


def test_a_cut_in_the_future_is_refused(store: Store) -> None:
    future = datetime.now(UTC) + timedelta(days=1)
    with pytest.raises(Exception, match="in the future"):
        store.prune(PruneCuts(records=future))


def test_prediction_logs_have_their_own_cut(store: Store) -> None:
    _add_hour(store, 0, 10, prefix="p", log=True)
    _add_hour(store, 0, 10, prefix="r")
    _check_until(store, 1)
    result = store.prune(PruneCuts(prediction_logs=T0 + timedelta(hours=1)))
    assert (result.prediction_logs, result.records) == (10, 0)
    assert store.count_records("credit") == 10


def test_labels_go_by_the_time_they_were_received(database_url: str) -> None:
    upgrade(database_url)
    old = Store(database_url, clock=lambda: T0)
    old.upsert_monitor("credit", {})
    _add_hour(old, 0, 20)
    old.add_labels("credit", [(f"r0-{i}", 1) for i in range(10)])
    old.close()
    new = Store(database_url, clock=lambda: T0 + timedelta(days=30))
    new.add_labels("credit", [(f"r0-{i}", 0) for i in range(10, 20)])
    result = new.prune(PruneCuts(labels=T0 + timedelta(days=1)), batch_rows=4)
    assert (result.labels, result.transactions) == (10, 3)
    assert len(new.load_labels("credit", [f"r0-{i}" for i in range(20)])) == 10
    new.close()


def test_the_prediction_log_field_is_the_one_serve_model_writes() -> None:
    assert PREDICTION_LOG_FIELD == MODEL_VERSION_FIELD


def _config(folder: Path, database_url: str) -> Path:
    path = folder / "driftline.yaml"
    path.write_text(
        f"database_url: '{database_url}'\n"
        "monitors:\n"
        "  - {name: credit, baseline: b.driftline, schedule: {interval: 1h}, window: 1h}\n"
    )
    return path


def test_the_command_prunes_and_refuses_with_the_reason(
    store: Store, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for hour in range(3):
        _add_hour(store, hour, 10)
    _check_until(store, 2)
    path = str(_config(tmp_path, database_url))
    refused = main(["records", "prune", "--before", "2026-03-01T03:00:00Z", "--config", path])
    assert refused == 2
    assert "not checked yet" in capsys.readouterr().err
    done = main(["records", "prune", "--before", "2026-03-01T02:00:00Z", "--config", path])
    assert done == 0
    assert "removed 20 record(s)" in capsys.readouterr().out
    future = main(["records", "prune", "--before", "2999-01-01T00:00:00Z", "--config", path])
    assert future == 2
    assert "in the future" in capsys.readouterr().err


def test_records_of_a_window_waiting_for_its_performance_are_kept(store: Store) -> None:
    """A label arrived for a checked window: its realised performance is recomputed from its
    records at the next check, so they stay."""
    for hour in range(3):
        _add_hour(store, hour, 10)
    _check_until(store, 3)
    window = (T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    store.save_window_members("credit", *window, [f"r1-{i}" for i in range(10)])
    store.add_labels("credit", [("r1-3", 1)])
    with pytest.raises(PruneRefused, match="waits for its realised performance"):
        store.prune(PruneCuts(records=T0 + timedelta(hours=3)))
    kept = store.prune(PruneCuts(records=T0 + timedelta(hours=3)), pending="keep")
    assert (kept.records, kept.kept_for_pending) == (10, {"credit": window[0]})


def _deliveries(store: Store) -> list[int]:
    """Two deliveries of one firing: ``ops`` failed after two attempts, ``team`` still
    pending after one; every attempt started at T0."""
    _check_until(store, 1)
    check = store.list_checks("credit")[0]
    change = AlertChange(
        rule="ds", severity="warning", state="firing", streak=1, notified=True,
        transition=NewTransition("ok", "firing", "for_reached", "x", True),
        deliveries=(
            NewDelivery("ops", "alert", "msg_ops", {"version": "1"}),
            NewDelivery("team", "alert", "msg_team", {"version": "1"}),
        ),
    )  # fmt: skip
    store.record_alert_changes(
        "credit", [change], check_id=check.id,
        window_start_at=check.window_start_at, window_end_at=check.window_end_at,
    )  # fmt: skip
    ops, team = sorted(store.list_deliveries("credit"), key=lambda d: d.channel)
    for number, status in ((1, "pending"), (2, "failed")):
        attempt = DeliveryAttempt(number, T0, 0.1, 503, False, True, "503")
        store.record_delivery_attempt(ops.id, attempt, status=status, next_attempt_at=T0)
    attempt = DeliveryAttempt(1, T0, 0.1, None, False, True, "refused")
    store.record_delivery_attempt(team.id, attempt, status="pending", next_attempt_at=T0)
    return [ops.id, team.id]


def test_attempts_of_finished_deliveries_go_and_pending_ones_stay(store: Store) -> None:
    ops, team = _deliveries(store)
    result = store.prune(PruneCuts(delivery_attempts=T0 + timedelta(hours=1)))
    assert result.delivery_attempts == 2
    found = store.get_delivery(ops)
    assert found is not None and found.attempts == () and found.status == "failed"
    pending = store.get_delivery(team)
    assert pending is not None and len(pending.attempts) == 1


def test_the_metrics_snapshot_counts_deliveries_attempts_and_retries(store: Store) -> None:
    _deliveries(store)
    snapshot = store.metrics_snapshot(top_k=3)
    counts = {c.channel: c for c in snapshot.channels}
    assert counts["ops"].deliveries == {"failed": 1}
    assert (counts["ops"].attempts_ok, counts["ops"].attempts_failed, counts["ops"].retries) == (
        0,
        2,
        1,
    )
    assert counts["team"].deliveries == {"pending": 1}
    [monitor] = snapshot.monitors
    assert monitor.alerts == {"ds": "firing"}
