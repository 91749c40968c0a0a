"""Alerts on a real database (SQLite and PostgreSQL): evaluation writes states, transitions
and outbox rows together; delivery retries with one webhook id and records every attempt."""

from __future__ import annotations

import base64
import datetime as dt
import random
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from sqlalchemy.exc import IntegrityError
from standardwebhooks.webhooks import Webhook

from alerts.delivery import send_due
from alerts.outbox import evaluate_monitor
from alerts.trigger import request_retrain
from monitor import DriftReport, compare
from monitor import config as cfg
from monitor.store import AlertChange, NewDelivery, NewTransition, Store

SECRET = "whsec_" + base64.b64encode(b"s" * 32).decode()
START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def _config(**alerts: Any) -> cfg.Config:
    section = {
        "channels": {
            "ops": {"kind": "webhook", "url": "http://127.0.0.1:9/hook", "secret": SECRET}
        },
        "rules": [{"name": "ds", "kind": "dataset_drift", "share": 0.3, "for": 2}],
        "delivery": {"initial_backoff": 1, "max_backoff": 4, "max_age": "1h"},
        **alerts,
    }
    return cfg.Config.model_validate(
        {
            "monitors": [
                {"name": "credit", "baseline": "b.json", "schedule": {"interval": "1h"},
                 "alerts": section}
            ]
        }
    )  # fmt: skip


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def timed(store: Store, database_url: str, clock: Clock) -> Iterator[Store]:
    """A store on the same database whose clock the test moves."""
    opened = Store(database_url, clock=clock)
    yield opened
    opened.close()


def _save(store: Store, hour: int, report: DriftReport) -> None:
    start = START + hour * HOUR
    store.save_check("credit", start, start + HOUR, report, started_at=start, finished_at=start)


def test_firing_after_for_windows_queues_one_delivery_per_channel(
    timed: Store, make_report: Callable[..., DriftReport]
) -> None:
    config = _config()
    monitor = config.monitors[0]
    _save(timed, 0, make_report(shift=3.0))
    assert evaluate_monitor(timed, monitor) == 1
    assert timed.alert_states("credit")["ds"].state == "pending"
    assert timed.list_deliveries("credit") == []
    _save(timed, 1, make_report(shift=3.0, seed=1))
    evaluate_monitor(timed, monitor)
    assert timed.alert_states("credit")["ds"].state == "firing"
    [history] = timed.list_alerts("credit")
    assert [(t.from_state, t.to_state, t.reason) for t in history.transitions] == [
        ("pending", "firing", "for_reached"),
        ("ok", "pending", "condition_met"),
    ]
    [delivery] = timed.list_deliveries("credit")
    assert delivery.channel == "ops" and delivery.transition_id == history.transitions[0].id
    assert delivery.payload["state"] == "firing" and delivery.payload["version"] == "1"
    assert delivery.payload["drifted_columns"][0]["column"] == "income"


def test_evaluating_again_changes_nothing(
    timed: Store, make_report: Callable[..., DriftReport]
) -> None:
    monitor = _config().monitors[0]
    for hour in range(3):
        _save(timed, hour, make_report(shift=3.0, seed=hour))
    assert evaluate_monitor(timed, monitor) == 3
    assert evaluate_monitor(timed, monitor) == 0
    assert len(timed.list_alerts("credit")[0].transitions) == 2
    assert len(timed.list_deliveries("credit")) == 1


def test_alert_change_and_its_outbox_row_commit_together(
    timed: Store, make_report: Callable[..., DriftReport]
) -> None:
    """A failing outbox insert (duplicate webhook id) rolls back the state change too."""
    _save(timed, 0, make_report())
    check = timed.list_checks("credit")[0]
    change = AlertChange(
        rule="ds", severity="warning", state="firing", streak=1, notified=True,
        transition=NewTransition("ok", "firing", "for_reached", "x", True),
        deliveries=(NewDelivery("ops", "alert", "msg_same", {"version": "1"}),) * 2,
    )  # fmt: skip
    with pytest.raises(IntegrityError):
        timed.record_alert_changes(
            "credit", [change], check_id=check.id,
            window_start_at=check.window_start_at, window_end_at=check.window_end_at,
        )  # fmt: skip
    assert timed.alert_states("credit") == {}
    assert timed.list_deliveries("credit") == []


def test_a_silence_mutes_the_notification_but_records_the_transition(
    timed: Store, clock: Clock, make_report: Callable[..., DriftReport]
) -> None:
    monitor = _config(rules=[{"name": "ds", "kind": "dataset_drift", "share": 0.3}]).monitors[0]
    timed.add_silence(
        "credit", rule="ds", starts_at=clock.now - HOUR, ends_at=clock.now + HOUR,
        created_by="ana", comment="migration",
    )  # fmt: skip
    _save(timed, 0, make_report(shift=3.0))
    evaluate_monitor(timed, monitor, now=clock)
    [history] = timed.list_alerts("credit")
    assert history.status.state == "firing"
    assert "muted by a silence" in history.transitions[0].detail
    assert not history.transitions[0].notified
    assert timed.list_deliveries("credit") == []
    assert [s.created_by for s in timed.list_silences("credit", active_at=clock.now)] == ["ana"]


def test_retrain_rule_triggers_once_within_the_cooldown(
    timed: Store, make_report: Callable[..., DriftReport]
) -> None:
    config = _config(
        rules=[{"name": "ds", "kind": "dataset_drift", "share": 0.3, "retrain": True}],
        retrain={"kind": "webhook", "url": "http://127.0.0.1:9/rt", "secret": SECRET,
                 "cooldown": "1d"},
    )  # fmt: skip
    monitor = config.monitors[0]
    # fires, resolves, fires again: two firings, one retraining
    for hour, shift in enumerate([3.0, 0.0, 0.0, 3.0]):
        _save(timed, hour, make_report(shift=shift, seed=hour))
    evaluate_monitor(timed, monitor)
    firings = [t for t in timed.list_alerts("credit")[0].transitions if t.to_state == "firing"]
    assert len(firings) == 2
    [trigger] = timed.list_retrain_triggers("credit")
    assert (trigger.source, trigger.rule, trigger.outcome) == ("rule", "ds", "pending")
    retrain = [d for d in timed.list_deliveries("credit") if d.kind == "retrain"]
    assert len(retrain) == 1 and retrain[0].payload["trigger_id"] == trigger.trigger_id


def test_manual_retrain_ignores_the_cooldown(timed: Store) -> None:
    monitor = _config(
        retrain={"kind": "webhook", "url": "http://127.0.0.1:9/rt", "secret": SECRET}
    ).monitors[0]
    first = request_retrain(timed, monitor, reason="new data", requested_by="ana")
    second = request_retrain(timed, monitor, reason="again", requested_by="ana")
    assert first.trigger_id != second.trigger_id
    assert [t.reason for t in timed.list_retrain_triggers("credit")] == ["again", "new data"]


def _queue_one(timed: Store, make_report: Callable[..., DriftReport], config: cfg.Config) -> None:
    _save(timed, 0, make_report(shift=3.0))
    _save(timed, 1, make_report(shift=3.0, seed=1))
    evaluate_monitor(timed, config.monitors[0])


def test_retries_keep_one_webhook_id_and_record_every_attempt(
    timed: Store, clock: Clock, make_report: Callable[..., DriftReport]
) -> None:
    config = _config()
    _queue_one(timed, make_report, config)
    seen: list[httpx.Request] = []
    answers = iter([503, 429, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(next(answers))

    transport = httpx.MockTransport(handler)
    for _ in range(3):
        send_due(timed, config, transport=transport, now=clock, rng=random.Random(0))
        clock.now += dt.timedelta(seconds=10)  # past any backoff (max_backoff 4 s)
    [delivery] = timed.list_deliveries("credit")
    assert delivery.status == "delivered"
    assert [a.status_code for a in delivery.attempts] == [503, 429, 200]
    assert [a.retryable for a in delivery.attempts] == [True, True, False]
    assert {r.headers["webhook-id"] for r in seen} == {delivery.webhook_id}
    for request in seen:
        Webhook(SECRET).verify(request.content, dict(request.headers))


def test_backoff_is_respected_between_attempts(
    timed: Store, clock: Clock, make_report: Callable[..., DriftReport]
) -> None:
    config = _config()
    _queue_one(timed, make_report, config)
    transport = httpx.MockTransport(lambda request: httpx.Response(500))
    send_due(timed, config, transport=transport, now=clock)
    assert send_due(timed, config, transport=transport, now=clock) == []  # not due yet
    [delivery] = timed.list_deliveries("credit")
    wait = (delivery.next_attempt_at - clock.now).total_seconds()
    assert 0.5 <= wait <= 1.0  # initial_backoff 1 s with jitter in [0.5, 1]


def test_other_4xx_fails_at_once(
    timed: Store, clock: Clock, make_report: Callable[..., DriftReport]
) -> None:
    config = _config()
    _queue_one(timed, make_report, config)
    transport = httpx.MockTransport(lambda request: httpx.Response(410, text="gone"))
    [delivery] = send_due(timed, config, transport=transport, now=clock)
    assert delivery.status == "failed" and len(delivery.attempts) == 1
    assert delivery.last_error == "HTTP 410 Gone: gone"


def test_gives_up_after_max_age(
    timed: Store, clock: Clock, make_report: Callable[..., DriftReport]
) -> None:
    config = _config()
    _queue_one(timed, make_report, config)
    transport = httpx.MockTransport(lambda request: httpx.Response(503))
    send_due(timed, config, transport=transport, now=clock)
    clock.now += dt.timedelta(minutes=59, seconds=59)  # max_age 1h: the next retry passes it
    [delivery] = send_due(timed, config, transport=transport, now=clock)
    assert delivery.status == "failed" and len(delivery.attempts) == 2
    assert delivery.last_error is not None and "gave up" in delivery.last_error


def test_nothing_due_opens_no_http_client(
    timed: Store,
    clock: Clock,
    make_report: Callable[..., DriftReport],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """serve runs the delivery job every second: with nothing due it builds no client (each
    loads the CA bundle into a TLS context)."""
    config = _config()
    _queue_one(timed, make_report, config)
    transport = httpx.MockTransport(lambda request: httpx.Response(500))
    send_due(timed, config, transport=transport, now=clock)  # its retry is not due yet
    opened: list[object] = []
    real_client = httpx.Client

    def counting_client(*args: Any, **kwargs: Any) -> httpx.Client:
        opened.append(kwargs)
        return real_client(*args, **kwargs)

    monkeypatch.setattr(httpx, "Client", counting_client)
    assert send_due(timed, config, transport=transport, now=clock) == []
    assert opened == []
    clock.now += dt.timedelta(seconds=10)  # now it is due: one client sends it
    [delivery] = send_due(timed, config, transport=transport, now=clock)
    assert len(opened) == 1 and len(delivery.attempts) == 2


def test_a_claimed_delivery_is_not_taken_twice(
    timed: Store, clock: Clock, make_report: Callable[..., DriftReport]
) -> None:
    _queue_one(timed, make_report, _config())
    [due] = timed.due_deliveries()
    assert timed.claim_delivery(due.id, until=clock.now + HOUR)
    assert not timed.claim_delivery(due.id, until=clock.now + HOUR)
    assert timed.due_deliveries() == []


def test_prediction_drift_reason_in_the_payload_names_the_evidence(timed: Store) -> None:
    """The stored reason of a prediction_drift alert (what the webhook, the Alerts page and
    `driftline alerts list` show) says why, and never ends in empty parentheses."""
    rng = np.random.default_rng(7)

    def frame(shift: float) -> pd.DataFrame:
        return pd.DataFrame(
            {"income": rng.normal(50, 10, 400), "proba": rng.normal(0.3 + shift, 0.1, 400)}
        )

    report = compare(frame(0.0), frame(0.3), prediction="proba")
    assert report.prediction_drift is True
    rules = [{"name": "pred", "kind": "prediction_drift", "for": 1}]
    monitor = _config(rules=rules).monitors[0]
    _save(timed, 0, report)
    evaluate_monitor(timed, monitor)
    [delivery] = timed.list_deliveries("credit")
    reason = delivery.payload["reason"]
    assert reason.startswith("prediction 'proba' drifted (cvm p (adj.) ")
    assert "wasserstein" in reason and "()" not in reason
    [history] = timed.list_alerts("credit")
    assert history.transitions[0].detail == reason
