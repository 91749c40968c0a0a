"""Retraining runs on a real database (SQLite and PostgreSQL): one run per monitor at a time,
the run's life from launching to the gate's verdict, the latest judged retraining, the
labelled records, and the time range a retraining is given (``labels_range``)."""

from __future__ import annotations

import datetime as dt

import pytest

from alerts.channels.mlflow_project import labels_range
from monitor import DriftReport
from monitor.engine.report import ColumnResult
from monitor.errors import ConfigError
from monitor.store import NewRetrainTrigger, PromotionGate, RetrainTrigger, Store
from tests.ingesting import ingest

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _trigger(store: Store, monitor: str = "credit", n: int = 1) -> RetrainTrigger:
    created = store.create_retrain_trigger(
        monitor,
        NewRetrainTrigger(f"rt_{monitor}_{n}", "manual", None, "why", "ana", dt.timedelta(0), None),
    )
    assert created is not None
    return created


def _gate(status: str, **fields: object) -> PromotionGate:
    values: dict[str, object] = {
        "status": status, "alias": "production", "metric": "roc_auc", "candidate_value": None,
        "current_value": None, "current_version": None, "n_labels": 0, "records_until_at": None,
        "detail": "", "decided_at": None,
    }  # fmt: skip
    values.update(fields)
    return PromotionGate(**values)  # type: ignore[arg-type]


def test_a_run_goes_from_launching_to_promoted_and_every_step_is_recorded(store: Store) -> None:
    trigger = _trigger(store)
    assert store.claim_retrain_run(
        trigger.trigger_id, labels_since_at=T0, labels_until_at=T0 + 2 * DAY
    ) is None  # fmt: skip
    claimed = store.get_retrain_trigger(trigger.trigger_id)
    assert claimed is not None and claimed.run is not None
    assert (claimed.run.status, claimed.run.labels_until_at) == ("launching", T0 + 2 * DAY)
    started = store.record_run_started(
        trigger.trigger_id, run_id="abc", experiment_id="7", run_url="http://ui/#/r", pid=42
    )
    assert started.run is not None and (started.run.status, started.run.pid) == ("running", 42)
    ended = store.record_run_ended(
        trigger.trigger_id, status="finished", detail="registered credit version 2",
        model_name="credit", model_version="2",
    )  # fmt: skip
    assert ended.run is not None and ended.run.is_active is False
    waiting = store.record_gate(trigger.trigger_id, _gate("waiting", n_labels=120))
    assert waiting.run is not None and waiting.run.is_active and waiting.run.outcome == "waiting"
    decided = store.record_gate(
        trigger.trigger_id,
        _gate("promoted", candidate_value=0.84, current_value=0.8, current_version="1",
              n_labels=900, records_until_at=T0 + 4 * DAY, detail="roc_auc 0.8400 >= ...",
              decided_at=T0 + 5 * DAY),
    )  # fmt: skip
    run = decided.run
    assert run is not None and run.gate is not None and run.outcome == "promoted"
    assert (run.gate.candidate_value, run.gate.current_value) == (0.84, 0.8)
    assert run.summary() == (
        "promoted: @production -> credit version 2 (roc_auc 0.8400 for version 2 vs 0.8000 "
        "for version 1 on 900 labelled records)"
    )
    assert store.list_retrain_triggers("credit")[0] == decided


def test_one_run_per_monitor_the_second_claim_names_the_active_one(store: Store) -> None:
    store.upsert_monitor("churn", {})
    first, second, other = _trigger(store), _trigger(store, n=2), _trigger(store, "churn")
    assert (
        store.claim_retrain_run(first.trigger_id, labels_since_at=None, labels_until_at=None)
        is None
    )
    blocking = store.claim_retrain_run(
        second.trigger_id, labels_since_at=None, labels_until_at=None
    )
    assert blocking is not None and blocking.trigger_id == first.trigger_id
    found = store.get_retrain_trigger(second.trigger_id)
    assert found is not None and found.run is None  # nothing recorded for the refused one
    # another monitor is not held up
    assert (
        store.claim_retrain_run(other.trigger_id, labels_since_at=None, labels_until_at=None)
        is None
    )
    # a waiting gate still holds the monitor; its verdict frees it
    store.record_run_started(
        first.trigger_id, run_id="a", experiment_id="1", run_url=None, pid=None
    )
    store.record_run_ended(first.trigger_id, status="finished", detail="", model_version="2")
    store.record_gate(first.trigger_id, _gate("waiting"))
    assert store.claim_retrain_run(
        second.trigger_id, labels_since_at=None, labels_until_at=None
    ) is not None  # fmt: skip
    store.record_gate(first.trigger_id, _gate("not_promoted", decided_at=T0))
    assert store.claim_retrain_run(
        second.trigger_id, labels_since_at=None, labels_until_at=None
    ) is None  # fmt: skip


def test_a_released_claim_can_be_claimed_again(store: Store) -> None:
    trigger = _trigger(store)
    store.claim_retrain_run(trigger.trigger_id, labels_since_at=None, labels_until_at=None)
    store.release_retrain_run(trigger.trigger_id)
    found = store.get_retrain_trigger(trigger.trigger_id)
    assert found is not None and found.run is None
    assert (
        store.claim_retrain_run(trigger.trigger_id, labels_since_at=None, labels_until_at=None)
        is None
    )


def test_active_and_latest_judged_retraining(store: Store) -> None:
    first, second = _trigger(store), _trigger(store, n=2)
    store.claim_retrain_run(first.trigger_id, labels_since_at=None, labels_until_at=None)
    store.record_run_ended(first.trigger_id, status="failed", detail="exit 3")
    assert store.latest_ended_retrain("credit") == store.get_retrain_trigger(first.trigger_id)
    store.claim_retrain_run(second.trigger_id, labels_since_at=None, labels_until_at=None)
    assert [t.trigger_id for t in store.active_retrain_triggers("credit")] == [second.trigger_id]
    store.record_run_started(second.trigger_id, run_id="b", experiment_id="1", run_url=None, pid=1)
    store.record_run_ended(second.trigger_id, status="finished", detail="", model_version="3")
    store.record_gate(second.trigger_id, _gate("waiting"))
    latest = store.latest_ended_retrain("credit")  # a waiting gate is not judged yet
    assert latest is not None and latest.trigger_id == first.trigger_id
    judged_at = dt.datetime.now(dt.UTC)  # the store's clock: after the first one ended
    store.record_gate(second.trigger_id, _gate("not_promoted", decided_at=judged_at))
    latest = store.latest_ended_retrain("credit")
    assert latest is not None and latest.trigger_id == second.trigger_id
    assert store.active_retrain_triggers() == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param("ended-unknown", "no retrain trigger 'rt_nope'", id="unknown-trigger"),
        pytest.param("gate-before-finished", "its run is launching", id="gate-on-a-running-run"),
        pytest.param("ended-running", "a run ends as one of", id="running-is-not-an-end"),
    ],
)
def test_misuse_is_refused_with_a_message(store: Store, call: str, message: str) -> None:
    trigger = _trigger(store)
    store.claim_retrain_run(trigger.trigger_id, labels_since_at=None, labels_until_at=None)
    with pytest.raises(ConfigError, match=message):
        if call == "ended-unknown":
            store.record_run_ended("rt_nope", status="failed", detail="")
        elif call == "gate-before-finished":
            store.record_gate(trigger.trigger_id, _gate("waiting"))
        else:
            store.record_run_ended(trigger.trigger_id, status="running", detail="")  # type: ignore[arg-type]


def test_labelled_records_join_records_with_their_labels_in_the_range(store: Store) -> None:
    ingest(
        store,
        "credit",
        [(f"r{i}", T0 + i * dt.timedelta(hours=6), {"x": float(i), "y": -1}) for i in range(8)],
    )
    store.add_labels("credit", [("r1", 1), ("r2", 0), ("r5", 1), ("r7", 0), ("zz", 1)])
    found = store.labelled_records(
        "credit", T0 + dt.timedelta(hours=6), T0 + DAY * 1.5, label_column="y"
    )
    assert found["record_id"].tolist() == ["r1", "r2", "r5"]
    assert found["y"].tolist() == [1, 0, 1]  # the label replaces the field of that name
    assert found["x"].tolist() == [1.0, 2.0, 5.0]
    up_to_latest = store.labelled_records("credit", T0 + DAY)
    assert up_to_latest["record_id"].tolist() == ["r5", "r7"]
    assert store.labelled_records("credit", T0 + 10 * DAY).empty


def _check(store: Store, day: int, drifted: bool, version: str) -> None:
    column = ColumnResult("x", "numeric", "feature", "tested", effect_size=0.5, drifted=drifted)
    report = DriftReport(100, 100, (column,), (), 0.05, 0.1, 0.1, 0.5, "bh")
    store.save_check(
        "credit", T0 + day * DAY, T0 + (day + 1) * DAY, report, started_at=T0, finished_at=T0,
        model_name="credit", model_version=version,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        # (drifted, model version) per day; the range runs to the end of the last window
        pytest.param([], (None, None), id="no-check"),
        pytest.param([(False, "1"), (True, "1"), (True, "1")], (1, 3), id="from-the-drift"),
        pytest.param([(True, "1"), (False, "1"), (True, "1")], (2, 3), id="latest-drift-run"),
        pytest.param([(True, "1"), (False, "2"), (False, "2")], (1, 3), id="current-version"),
        pytest.param([(False, "1"), (False, "1")], (0, 2), id="no-drift-all-of-v1"),
    ],
)
def test_labels_range_starts_at_the_drift_or_the_serving_version(
    store: Store, days: list[tuple[bool, str]], expected: tuple[int | None, int | None]
) -> None:
    for day, (drifted, version) in enumerate(days):
        _check(store, day, drifted, version)
    since, until = labels_range(store, "credit")
    first, last = expected
    assert since == (None if first is None else T0 + first * DAY)
    assert until == (None if last is None else T0 + last * DAY)
