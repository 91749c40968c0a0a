"""The read-only history the dashboard reads: timelines, column series and the heatmap."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from monitor import DriftReport
from monitor.errors import ConfigError
from monitor.store import Store

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def _save(store: Store, report: DriftReport, hour: int, version: str | None = "1") -> None:
    start = T0 + hour * HOUR
    store.save_check(
        "credit",
        start,
        start + HOUR,
        report,
        started_at=start + HOUR,
        finished_at=start + HOUR,
        model_name="credit-model",
        model_version=version,
    )


@pytest.fixture
def history(store: Store, make_report: Callable[..., DriftReport]) -> Store:
    """Six hourly checks: hours 0-2 without drift on version 1, hours 3-5 with income
    shifted by 2 standard deviations on version 2."""
    calm, shifted = make_report(0.0, seed=1), make_report(2.0, seed=2)
    for hour in range(6):
        _save(store, shifted if hour >= 3 else calm, hour, "2" if hour >= 3 else "1")
    return store


def test_check_history_is_oldest_first_with_versions_and_shares(history: Store) -> None:
    points = history.check_history("credit")
    assert [p.window_start_at for p in points] == [T0 + h * HOUR for h in range(6)]
    assert [p.model_version for p in points] == ["1", "1", "1", "2", "2", "2"]
    assert all(p.share_drifted is not None for p in points)
    assert points[-1].share_drifted is not None and points[-1].share_drifted > 0


def test_check_history_limit_keeps_the_latest_and_range_is_half_open(history: Store) -> None:
    latest = history.check_history("credit", limit=2, newest_first=True)
    assert [p.window_start_at for p in latest] == [T0 + 5 * HOUR, T0 + 4 * HOUR]
    ranged = history.check_history("credit", since=T0 + HOUR, until=T0 + 3 * HOUR)
    assert [p.window_start_at for p in ranged] == [T0 + HOUR, T0 + 2 * HOUR]


def test_latest_check_history_covers_every_monitor(history: Store) -> None:
    history.upsert_monitor("empty", {})
    latest = history.latest_check_history(3)
    assert sorted(latest) == ["credit", "empty"]
    assert [p.window_start_at for p in latest["credit"]] == [T0 + h * HOUR for h in (3, 4, 5)]
    assert latest["empty"] == []


def test_column_history_of_one_column_follows_its_stored_results(history: Store) -> None:
    points = history.column_history("credit", column="income")
    assert len(points) == 6
    assert {p.column for p in points} == {"income"}
    assert [p.drifted for p in points] == [False, False, False, True, True, True]
    detail = history.get_check(points[4].check_id)
    assert detail is not None
    stored = next(c for c in detail.columns if c.name == "income")
    assert (points[4].effect_size, points[4].drifted) == (stored.effect_size, stored.drifted)


def test_column_heatmap_groups_windows_into_buckets_in_the_database(history: Store) -> None:
    cells = history.column_heatmap(
        "credit", since=T0, until=T0 + 6 * HOUR, bucket=dt.timedelta(hours=3)
    )
    income = {c.bucket: c for c in cells if c.column == "income"}
    assert sorted(income) == [0, 1]
    assert (income[0].n_windows, income[0].n_drifted) == (3, 0)
    assert (income[1].n_windows, income[1].n_drifted) == (3, 3)
    assert income[1].last_window_start_at == T0 + 5 * HOUR
    effects = [p.effect_size for p in history.column_history("credit", column="income")]
    assert income[1].max_effect_size == pytest.approx(max(e for e in effects[3:] if e is not None))
    assert {c.column for c in cells} == {"income", "age", "region"}


def test_column_heatmap_with_one_window_per_bucket_matches_each_check(history: Store) -> None:
    cells = history.column_heatmap("credit", since=T0 + 2 * HOUR, until=T0 + 4 * HOUR, bucket=HOUR)
    assert sorted({c.bucket for c in cells}) == [0, 1]
    assert all(c.n_windows == 1 for c in cells)


def test_find_check_by_window_start(history: Store) -> None:
    found = history.find_check("credit", T0 + 4 * HOUR)
    assert found is not None
    detail = history.get_check(found)
    assert detail is not None and detail.summary.window_start_at == T0 + 4 * HOUR
    assert history.find_check("credit", T0 + 40 * HOUR) is None


def test_stored_report_holds_each_column_histogram(history: Store) -> None:
    check_id = history.find_check("credit", T0)
    assert check_id is not None
    detail = history.get_check(check_id)
    assert detail is not None and detail.report is not None
    income = detail.report.column("income").histogram
    region = detail.report.column("region").histogram
    assert income is not None and region is not None and income.edges is not None
    assert len(income.labels) == len(income.edges) + 1
    assert sum(income.current) == detail.report.column("income").n_current
    assert sorted(region.labels) == ["north", "south"]


def test_history_of_an_unknown_monitor_is_a_config_error(store: Store) -> None:
    with pytest.raises(ConfigError, match="no monitor named 'nope'"):
        store.check_history("nope")
