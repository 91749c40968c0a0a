"""Checks: saved per window, replaced on re-run, failures recorded, read back whole."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from monitor import DriftReport
from monitor.errors import ConfigError
from monitor.store import Store

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
Report = Callable[..., DriftReport]


def _save(store: Store, report: DriftReport, start: dt.datetime, **model: str) -> int:
    summary = store.save_check(
        "credit",
        start,
        start + HOUR,
        report,
        started_at=start + 2 * HOUR,
        finished_at=start + 2 * HOUR + dt.timedelta(seconds=3),
        **model,
    )
    return summary.id


def test_saved_check_reads_back_with_its_columns(store: Store, make_report: Report) -> None:
    report = make_report(shift=2.0)
    summary = store.save_check(
        "credit", T0, T0 + HOUR, report, started_at=T0, finished_at=T0, model_version="3"
    )
    assert summary.status == "drifting"
    assert "income" in summary.reason
    detail = store.get_check(summary.id)
    assert detail is not None
    assert detail.summary == summary
    assert detail.columns == report.columns
    assert detail.quality == report.quality
    assert detail.report is not None and detail.report.n_current == report.n_current


def test_saving_the_same_window_twice_replaces_the_check(store: Store, make_report: Report) -> None:
    first = _save(store, make_report(2.0), T0)
    second = _save(store, make_report(0.0), T0, model_version="4")
    checks = store.list_checks("credit")
    assert [c.id for c in checks] == [second]
    assert checks[0].status == "ok"
    assert checks[0].model_version == "4"
    assert store.get_check(first) is None


def test_replaced_check_leaves_no_old_column_results(
    store: Store, make_report: Report, database_url: str
) -> None:
    _save(store, make_report(2.0), T0)
    store.save_failed_check("credit", T0, T0 + HOUR, "boom", started_at=T0, finished_at=T0)
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        counts = [
            connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("checks", "column_results", "quality_findings")
        ]
    engine.dispose()
    assert counts == [1, 0, 0]


def test_failed_check_is_recorded_with_its_reason(store: Store) -> None:
    summary = store.save_failed_check(
        "credit", T0, T0 + HOUR, "baseline not found", started_at=T0, finished_at=T0 + HOUR
    )
    assert summary.status == "failed"
    assert summary.reason == "baseline not found"
    assert summary.share_drifted is None and summary.n_current is None
    detail = store.get_check(summary.id)
    assert detail is not None and detail.report is None


def test_list_checks_orders_by_window_and_keeps_the_latest(
    store: Store, make_report: Report
) -> None:
    starts = [T0 + 3 * HOUR, T0, T0 + HOUR, T0 + 2 * HOUR]
    for start in starts:
        _save(store, make_report(), start)
    listed = [c.window_start_at for c in store.list_checks("credit")]
    assert listed == sorted(starts)
    assert [c.window_start_at for c in store.list_checks("credit", limit=2)] == sorted(starts)[2:]
    assert [c.window_start_at for c in store.list_checks("credit", since=T0 + HOUR)] == sorted(
        starts
    )[1:]


def test_newest_first_lists_the_latest_check_first(store: Store, make_report: Report) -> None:
    for start in (T0, T0 + HOUR, T0 + 2 * HOUR):
        _save(store, make_report(), start)
    newest = store.list_checks("credit", limit=1, newest_first=True)
    assert [c.window_start_at for c in newest] == [T0 + 2 * HOUR]


def test_skipped_check_records_its_status_and_replaces(store: Store, make_report: Report) -> None:
    _save(store, make_report(), T0)
    summary = store.save_skipped_check(
        "credit",
        T0,
        T0 + HOUR,
        status="insufficient_data",
        reason="3 record(s) in the window; at least 50 are needed",
        started_at=T0,
        finished_at=T0,
    )
    assert summary.status == "insufficient_data"
    assert [c.id for c in store.list_checks("credit")] == [summary.id]


def test_datetimes_come_back_aware_utc(store: Store) -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    summary = store.save_failed_check(
        "credit",
        T0.astimezone(paris),
        T0 + HOUR,
        "x",
        started_at=T0,
        finished_at=T0,
    )
    (stored,) = store.list_checks("credit")
    assert stored.window_start_at == T0 and stored.window_start_at.tzinfo == dt.UTC
    assert stored.id == summary.id


def test_last_checked_window_end(store: Store, make_report: Report) -> None:
    assert store.last_checked_window_end("credit") is None
    _save(store, make_report(), T0)
    _save(store, make_report(), T0 + HOUR)
    assert store.last_checked_window_end("credit") == T0 + 2 * HOUR


def test_check_for_an_unknown_monitor_is_refused(store: Store) -> None:
    with pytest.raises(ConfigError, match="no monitor named 'nope'"):
        store.save_failed_check("nope", T0, T0 + HOUR, "x", started_at=T0, finished_at=T0)


def test_naive_window_is_refused(store: Store) -> None:
    with pytest.raises(ConfigError, match="window_start_at .* is naive"):
        store.save_failed_check(
            "credit", T0.replace(tzinfo=None), T0 + HOUR, "x", started_at=T0, finished_at=T0
        )


def test_upsert_monitor_replaces_its_config(store: Store) -> None:
    created = store.get_monitor("credit")
    updated = store.upsert_monitor("credit", {"window": "1d"})
    assert created is not None and updated.id == created.id
    assert updated.config == {"window": "1d"}
    assert [m.name for m in store.list_monitors()] == ["credit"]
    assert store.get_monitor("missing") is None
