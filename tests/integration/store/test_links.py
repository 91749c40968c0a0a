"""The MLflow link's store methods on a real database (SQLite and PostgreSQL): model version
events, the write-back outbox, a window's metrics sent once across re-runs, and an alert that
starts or stops firing queueing the latest write-back again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest

from monitor import DriftReport
from monitor.errors import ConfigError
from monitor.store import AlertChange, AlertState, NewTransition, Store

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
Report = Callable[..., DriftReport]


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def timed(store: Store, database_url: str, clock: Clock) -> Iterator[Store]:
    """A store on the same database (monitor ``credit``) whose clock the test moves."""
    opened = Store(database_url, clock=clock)
    yield opened
    opened.close()


def _linked(store: Store, report: DriftReport, hour: int, version: str = "1") -> int:
    start = T0 + hour * HOUR
    return store.save_check(
        "credit",
        start,
        start + HOUR,
        report,
        started_at=start,
        finished_at=start,
        model_name="credit",
        model_version=version,
        run_id=f"run{version}",
        write_back=True,
    ).id


def _change(state: AlertState, previous: AlertState) -> AlertChange:
    transition = NewTransition(previous, state, "test", "", notified=False)
    return AlertChange("ds", "warning", state, 1, False, transition)


# -- model version events ------------------------------------------------------------------


def test_following_records_the_first_version_and_each_switch_once(
    timed: Store, clock: Clock
) -> None:
    first = timed.follow_model_version("credit", model_name="credit", version="1", run_id="r1")
    clock.now += HOUR
    same = timed.follow_model_version("credit", model_name="credit", version="1", run_id="r1")
    second = timed.follow_model_version(
        "credit", model_name="credit", version="2", run_id="r2", alias="prod", detected_by="webhook"
    )
    assert first is not None and same is None and second is not None
    assert (first.old_version, first.new_version, first.at) == (None, "1", T0)
    assert (second.old_version, second.new_version, second.alias, second.detected_by) == (
        "1",
        "2",
        "prod",
        "webhook",
    )
    current = timed.current_model_version("credit")
    assert current is not None and (current.new_version, current.run_id) == ("2", "r2")


def test_events_list_oldest_first_with_since_limit_and_newest_first(
    timed: Store, clock: Clock
) -> None:
    for version in ("1", "2", "3"):
        timed.follow_model_version("credit", model_name="credit", version=version, run_id="r")
        clock.now += HOUR
    versions = [e.new_version for e in timed.list_model_version_events("credit")]
    assert versions == ["1", "2", "3"]
    since = timed.list_model_version_events("credit", since=T0 + HOUR)
    assert [e.new_version for e in since] == ["2", "3"]
    newest = timed.list_model_version_events("credit", limit=2, newest_first=True)
    assert [e.new_version for e in newest] == ["3", "2"]
    assert timed.list_model_version_events("other") == []
    assert timed.current_model_version("other") is None


def test_follow_rejects_an_unknown_detector_and_an_unknown_monitor(store: Store) -> None:
    with pytest.raises(ConfigError, match="detected_by 'email'"):
        store.follow_model_version(
            "credit",
            model_name="m",
            version="1",
            run_id="r",
            detected_by="email",  # type: ignore[arg-type]
        )
    with pytest.raises(ConfigError, match="no monitor named 'nope'"):
        store.follow_model_version("nope", model_name="m", version="1", run_id="r")


# -- the write-back outbox -------------------------------------------------------------------


def test_only_linked_checks_are_queued_and_come_due_in_window_order(
    timed: Store, make_report: Report
) -> None:
    later = _linked(timed, make_report(), 1)
    earlier = _linked(timed, make_report(), 0)
    timed.save_check("credit", T0 + 2 * HOUR, T0 + 3 * HOUR, make_report(), started_at=T0,
                     finished_at=T0)  # fmt: skip
    due = timed.due_writebacks()
    assert [(p.check_id, p.monitor, p.attempts, p.metrics_sent_at) for p in due] == [
        (earlier, "credit", 0, None),
        (later, "credit", 0, None),
    ]
    assert timed.count_pending_writebacks() == 2
    assert [p.check_id for p in timed.due_writebacks(limit=1)] == [earlier]


def test_a_failed_write_back_waits_for_its_retry_then_is_done(
    timed: Store, clock: Clock, make_report: Report
) -> None:
    check = _linked(timed, make_report(), 0)
    timed.writeback_failed(check, "MLflow at http://x is unreachable " + "x" * 3_000,
                           retry_in=dt.timedelta(minutes=1))  # fmt: skip
    assert timed.due_writebacks() == []
    assert timed.count_pending_writebacks() == 1
    clock.now += dt.timedelta(minutes=1)
    [pending] = timed.due_writebacks()
    assert pending.attempts == 1 and pending.last_error is not None
    assert pending.last_error.startswith("MLflow at http://x") and len(pending.last_error) == 2_000
    clock.now += dt.timedelta(seconds=5)
    timed.writeback_done(check)
    assert timed.due_writebacks() == [] and timed.count_pending_writebacks() == 0


def test_a_rerun_of_a_sent_window_keeps_its_metrics_sent(
    timed: Store, clock: Clock, make_report: Report
) -> None:
    first = _linked(timed, make_report(shift=2.0), 0)
    timed.writeback_done(first)
    clock.now += HOUR
    rerun = _linked(timed, make_report(shift=0.0), 0)
    [pending] = timed.due_writebacks()
    assert (pending.check_id, pending.metrics_sent_at) == (rerun, T0)


def test_a_rerun_of_an_unsent_window_or_on_another_version_sends_its_metrics(
    timed: Store, clock: Clock, make_report: Report
) -> None:
    _linked(timed, make_report(), 0)
    _linked(timed, make_report(shift=2.0), 0)  # the first was never sent
    [pending] = timed.due_writebacks()
    assert pending.metrics_sent_at is None
    timed.writeback_done(pending.check_id)
    _linked(timed, make_report(), 0, version="2")  # another monitoring run in MLflow
    [pending] = timed.due_writebacks()
    assert pending.metrics_sent_at is None


# -- alerts and the drift_status tag --------------------------------------------------------


def _evaluate(store: Store, change: AlertChange, check_id: int, hour: int) -> None:
    start = T0 + hour * HOUR
    store.record_alert_changes(
        "credit", [change], check_id=check_id, window_start_at=start, window_end_at=start + HOUR
    )


def test_an_alert_starting_and_stopping_to_fire_queues_the_latest_write_back_again(
    timed: Store, make_report: Report
) -> None:
    _linked(timed, make_report(), 0)
    latest = _linked(timed, make_report(), 1)
    for pending in timed.due_writebacks():
        timed.writeback_done(pending.check_id)

    _evaluate(timed, _change("pending", "ok"), latest, 1)
    assert timed.count_pending_writebacks() == 0  # pending is not firing: the tag stands

    timed.writeback_done(_linked(timed, make_report(), 2))
    latest = timed.list_checks("credit", newest_first=True, limit=1)[0].id
    _evaluate(timed, _change("firing", "pending"), latest, 2)
    assert [(p.check_id, p.metrics_sent_at is not None) for p in timed.due_writebacks()] == [
        (latest, True)
    ]
    timed.writeback_done(latest)

    timed.writeback_done(_linked(timed, make_report(), 3))
    latest = timed.list_checks("credit", newest_first=True, limit=1)[0].id
    _evaluate(timed, _change("firing", "firing"), latest, 3)
    assert timed.count_pending_writebacks() == 0  # still firing: nothing changed

    timed.writeback_done(_linked(timed, make_report(), 4))
    latest = timed.list_checks("credit", newest_first=True, limit=1)[0].id
    _evaluate(timed, _change("resolved", "firing"), latest, 4)
    assert [p.check_id for p in timed.due_writebacks()] == [latest]
