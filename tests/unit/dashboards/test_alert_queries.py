"""The dashboard's alert queries on a real SQLite store, filled by the real alert evaluation
(``alerts.outbox.evaluate_monitor``) over stored checks and a real manual retrain request."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from alerts.extension import extension
from alerts.outbox import evaluate_monitor
from alerts.trigger import request_retrain
from dashboards import queries
from dashboards.links import TimeRange
from dashboards.pages.alerts import trigger_outcome
from monitor import config as cfg
from monitor.engine.report import ColumnResult, DriftReport
from monitor.errors import ConfigError
from monitor.store import OpenAlerts, PromotionGate, RetrainRun, RetrainTrigger, Store, upgrade

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
# Hour by hour: does the income column drift? (rule: share >= 0.5 for 2 windows)
DRIFT = (False, True, True, True, False, False, True, True)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


def _report(drifted: bool) -> DriftReport:
    column = ColumnResult(
        "income", "numeric", "feature", "tested", effect_size=0.5 if drifted else 0.01,
        drifted=drifted,
    )  # fmt: skip
    return DriftReport(100, 100, (column,), (), 0.05, 0.1, 0.1, 0.5, "bh")


def _monitor() -> cfg.Monitor:
    alerts = {
        "channels": {"ops": {"kind": "webhook", "url": "http://127.0.0.1:9/h", "secret": SECRET}},
        "rules": [{"name": "ds", "kind": "dataset_drift", "share": 0.5, "for": 2,
                   "retrain": True, "repeat_interval": "1d"}],
        "retrain": {"kind": "webhook", "url": "http://127.0.0.1:9/rt", "secret": SECRET},
    }  # fmt: skip
    config = cfg.Config.model_validate(
        {"monitors": [{"name": "credit", "baseline": "b.json", "schedule": {"interval": "1h"},
                       "alerts": alerts}]}
    )  # fmt: skip
    return config.monitors[0]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """``credit`` with eight hourly checks, each evaluated one minute after its window."""
    url = f"sqlite:///{tmp_path / 'd.db'}"
    upgrade(url)
    clock = Clock()
    opened = Store(url, clock=clock)
    opened.upsert_monitor("credit", {"baseline": "b.json"})
    opened.upsert_monitor("churn", {"baseline": "b.json"})
    monitor = _monitor()
    for hour, drifted in enumerate(DRIFT):
        start = T0 + hour * HOUR
        clock.now = start + HOUR + dt.timedelta(minutes=1)
        opened.save_check(
            "credit", start, start + HOUR, _report(drifted), started_at=clock.now,
            finished_at=clock.now,
        )  # fmt: skip
        evaluate_monitor(opened, monitor, now=clock)
    clock.now += dt.timedelta(minutes=5)
    request_retrain(opened, monitor, reason="new labels", requested_by="ana", now=clock)
    yield opened
    opened.close()


def test_open_alert_counts_and_overview_status_come_from_the_evaluated_alerts(
    store: Store,
) -> None:
    assert queries.open_alert_counts(store) == {"credit": OpenAlerts(firing=1)}
    entries = {e.name: e for e in queries.overview(store, windows=4)}
    assert entries["credit"].status == "alerting"
    assert entries["credit"].alerts == OpenAlerts(firing=1)
    assert entries["churn"].alerts == OpenAlerts() and entries["churn"].status == "never_checked"


def test_alert_markers_place_each_transition_at_its_window_and_triggers_when_requested(
    store: Store,
) -> None:
    window_range = queries.resolve_range(store, "credit", "all")
    points = queries.timeline(store, "credit", window_range)
    markers = queries.alert_markers(store, "credit", window_range, points)
    alerts = [(m.at, m.state) for m in markers if m.kind == "alert"]
    assert alerts == [
        (T0 + 1 * HOUR, "pending"),
        (T0 + 2 * HOUR, "firing"),
        (T0 + 4 * HOUR, "resolved"),
        (T0 + 5 * HOUR, "ok"),
        (T0 + 6 * HOUR, "pending"),
        (T0 + 7 * HOUR, "firing"),
    ]
    retrains = [m for m in markers if m.kind == "retrain"]
    # On the windows' clock: the rule's trigger at the window whose check made the alert
    # fire (the second is held back by the 24h cooldown), and the manual one requested after
    # the latest check at that latest window; the hover text keeps the wall-clock time.
    assert [m.at for m in retrains] == [T0 + 2 * HOUR, T0 + 7 * HOUR]
    assert "2026-03-01 03:01 UTC" in retrains[0].label
    assert "ana" in retrains[1].label and "pending" in retrains[1].label


def test_alert_markers_keep_to_the_time_range(store: Store) -> None:
    window_range = TimeRange("custom", T0 + 3 * HOUR, T0 + 6 * HOUR)
    points = queries.timeline(store, "credit", window_range)
    markers = queries.alert_markers(store, "credit", window_range, points)
    assert [(m.at, m.state) for m in markers if m.kind == "alert"] == [
        (T0 + 4 * HOUR, "resolved"),
        (T0 + 5 * HOUR, "ok"),
    ]
    # The rule's trigger belongs to window 2 (before the range), the manual one to window 7
    # (after it).
    assert [m for m in markers if m.kind == "retrain"] == []
    later = TimeRange("custom", T0 + 2 * HOUR, T0 + 3 * HOUR)
    markers = queries.alert_markers(
        store, "credit", later, queries.timeline(store, "credit", later)
    )
    assert [(m.kind, m.at) for m in markers if m.kind == "retrain"] == [("retrain", T0 + 2 * HOUR)]


def test_alerts_page_reads_transitions_deliveries_and_triggers(store: Store) -> None:
    history = queries.alert_history(store, "credit")
    assert [(a.status.rule, a.status.state) for a in history] == [("ds", "firing")]
    found = queries.transitions(history)
    assert [t.to_state for t in found] == [
        "firing",
        "pending",
        "ok",
        "resolved",
        "firing",
        "pending",
    ]
    assert found[0].reason == "for_reached" and "share of drifted features" in found[0].detail
    deliveries = queries.deliveries(store, "credit")
    # ops: firing, resolved, firing; retrain: the rule's trigger and the manual one.
    assert sorted(d.channel for d in deliveries) == ["ops", "ops", "ops", "retrain", "retrain"]
    triggers = queries.retrain_triggers(store, "credit")
    assert [(t.source, t.outcome) for t in triggers] == [("manual", "pending"), ("rule", "pending")]
    assert queries.silences(store, "credit") == []


def test_the_alerts_extensions_retrain_action_is_the_retrain_apis_code_path(
    store: Store,
) -> None:
    """What the dashboard's "Retrain now" calls: a manual trigger, by "dashboard", queued
    for the retrain target; an unknown monitor is refused with its name."""
    config = cfg.Config.model_validate({"monitors": [_monitor().model_dump(by_alias=True)]})
    action = extension().retrain_action(store, config)
    trigger = action("credit", "labels arrived")
    assert (trigger.source, trigger.requested_by, trigger.reason) == (
        "manual",
        "dashboard",
        "labels arrived",
    )
    assert trigger.outcome == "pending"
    assert store.get_retrain_trigger(trigger.trigger_id) == trigger
    with pytest.raises(ConfigError, match="no monitor 'nope'"):
        action("nope", "x")


@pytest.mark.parametrize(
    ("outcome", "attempts", "expected"),
    [
        pytest.param("pending", 0, "queued for the retrain target", id="queued"),
        pytest.param("pending", 2, "2 attempt(s) so far", id="retrying"),
        pytest.param("delivered", 1, "delivered to the retrain target", id="delivered"),
        pytest.param("failed", 3, "failed after 3 attempt(s)", id="failed"),
        pytest.param("no_delivery", 0, "no retrain target", id="no-target"),
    ],
)
def test_trigger_outcome_says_what_became_of_a_trigger(
    outcome: str, attempts: int, expected: str
) -> None:
    trigger = RetrainTrigger(
        1,
        "rt_1",
        "credit",
        "manual",
        None,
        "r",
        "ana",
        T0,
        outcome,
        attempts,  # type: ignore[arg-type]
    )
    assert expected in trigger_outcome(trigger)


def test_trigger_outcome_of_an_mlflow_project_run_is_its_summary_with_the_gates_numbers() -> None:
    gate = PromotionGate(
        "not_promoted", "production", "roc_auc", 0.7, 0.8, "1", 600, T0,
        "roc_auc 0.7000 < 0.8000 + 0.0000 of the current version", T0,
    )  # fmt: skip
    run = RetrainRun(
        "finished", "registered credit version 2", "abc", "1", "http://ui/#/experiments/1/runs/abc",
        7, T0, T0, T0, T0, T0, "credit", "2", gate,
    )  # fmt: skip
    trigger = RetrainTrigger(
        1, "rt_1", "credit", "rule", "ds", "r", None, T0, "delivered", 1, run=run
    )
    assert trigger_outcome(trigger) == (
        "not promoted: roc_auc 0.7000 < 0.8000 + 0.0000 of the current version (roc_auc 0.7000 "
        "for version 2 vs 0.8000 for version 1 on 600 labelled records)"
    )
    failed = RetrainTrigger(
        2, "rt_2", "credit", "manual", None, "r", "ana", T0, "failed", 1,
        detail="MLflow Project /x: no such folder",
    )  # fmt: skip
    assert trigger_outcome(failed) == (
        "delivery failed after 1 attempt(s): MLflow Project /x: no such folder"
    )
