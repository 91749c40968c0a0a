"""A realised performance_drop rule with labels that arrive after the checks: it waits at
its first window without enough labels, then evaluates its windows in window order, each
once, as their labels arrive (``alerts.realised``); past ``label_wait`` a window counts as
unknown."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from alerts import jobs
from alerts.outbox import evaluate_monitor
from monitor import build_baseline
from monitor import config as cfg
from monitor.engine.windows import Window
from monitor.service.checks import run_check
from monitor.service.context import MonitorContext
from monitor.service.performance import refresh_realised
from monitor.store import Store
from tests.ingesting import ingest

SAMPLE = Path(__file__).resolve().parents[3] / "sample_data"
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
N = 200


@pytest.fixture(scope="module")
def context() -> MonitorContext:
    reference = pd.read_csv(SAMPLE / "reference.csv")
    baseline = build_baseline(reference, target="default", prediction="predicted_proba")
    return MonitorContext(name="credit", baseline=baseline, window=HOUR)


def _config(rule: dict[str, object]) -> cfg.Config:
    return cfg.Config.model_validate(
        {
            "monitors": [
                {"name": "credit", "baseline": "b.json", "schedule": {"interval": "1h"},
                 "alerts": {"rules": [rule]}}
            ]
        }
    )  # fmt: skip


def _check_two_windows(store: Store, context: MonitorContext) -> list[list[tuple[str, int]]]:
    """Two checked windows without labels; returns each window's wrong labels (the
    opposite of the model's prediction, so realised accuracy is 0)."""
    live = pd.read_csv(SAMPLE / "current_severe_drift.csv").head(2 * N)
    records: list[tuple[str, dt.datetime, dict[str, object]]] = []
    wrong: list[list[tuple[str, int]]] = [[], []]
    for index, row in enumerate(live.drop(columns=["default"]).to_dict("records")):
        at = T0 + (index // N) * HOUR + dt.timedelta(seconds=index % N)
        payload = {str(k): v for k, v in row.items() if k != "record_id"}
        records.append((str(row["record_id"]), at, payload))
        wrong[index // N].append((str(row["record_id"]), int(row["predicted_proba"] < 0.5)))
    ingest(store, "credit", records)
    for start in (T0, T0 + HOUR):
        run_check(store, context, Window(start, start + HOUR))
    return wrong


def _transitions(store: Store, rule: str) -> list[tuple[str, str, str, dt.datetime]]:
    found = [a for a in store.list_alerts("credit") if a.status.rule == rule]
    if not found:
        return []
    return [
        (t.from_state, t.to_state, t.reason, t.window_end_at)
        for t in sorted(found[0].transitions, key=lambda t: t.id)
    ]


def test_a_realised_rule_fires_once_the_delayed_labels_arrive(
    store: Store, context: MonitorContext
) -> None:
    wrong = _check_two_windows(store, context)
    rule = {"name": "labels", "kind": "performance_drop", "source": "realised",
            "below": 0.5, "for": 2}  # fmt: skip
    config = _config(rule)
    monitor = config.monitors[0]
    day_later = lambda: T0 + dt.timedelta(days=1)  # noqa: E731 - well within label_wait (7d)
    # No label yet: the rule waits at its first window; nothing is recorded.
    assert evaluate_monitor(store, monitor, now=day_later) == 0
    assert "labels" not in store.alert_states("credit")
    # The second window's labels come first: the rule still waits for the first window.
    store.add_labels("credit", wrong[1])
    assert refresh_realised(store, context) == [Window(T0 + HOUR, T0 + 2 * HOUR)]
    assert evaluate_monitor(store, monitor, now=day_later) == 0
    assert _transitions(store, "labels") == []
    # The first window's labels: both windows are judged, in window order, once each.
    store.add_labels("credit", wrong[0])
    assert refresh_realised(store, context) == [Window(T0, T0 + HOUR)]
    assert jobs.evaluate(store, config) == 2  # the delivery job's periodic evaluation
    assert _transitions(store, "labels") == [
        ("ok", "pending", "condition_met", T0 + HOUR),
        ("pending", "firing", "for_reached", T0 + 2 * HOUR),
    ]
    status = store.alert_states("credit")["labels"]
    assert (status.state, status.streak, status.last_window_end_at) == (
        "firing", 2, T0 + 2 * HOUR
    )  # fmt: skip
    # Evaluating again (or after the same labels again) judges no window twice.
    store.add_labels("credit", wrong[0] + wrong[1])
    refresh_realised(store, context)
    assert evaluate_monitor(store, monitor, now=day_later) == 0
    assert len(_transitions(store, "labels")) == 2


def test_a_window_without_labels_counts_as_unknown_once_label_wait_has_passed(
    store: Store, context: MonitorContext
) -> None:
    _check_two_windows(store, context)
    rule = {"name": "labels", "kind": "performance_drop", "source": "realised",
            "below": 0.5, "label_wait": "2h"}  # fmt: skip
    monitor = _config(rule).monitors[0]
    first_end = T0 + HOUR
    just_before = first_end + 2 * HOUR - dt.timedelta(seconds=1)
    assert evaluate_monitor(store, monitor, now=lambda: just_before) == 0
    assert "labels" not in store.alert_states("credit")
    # At exactly label_wait the first window is judged unknown and the rule moves past it;
    # the second window (1h younger) still waits.
    assert evaluate_monitor(store, monitor, now=lambda: first_end + 2 * HOUR) == 1
    status = store.alert_states("credit")["labels"]
    assert (status.state, status.streak, status.last_window_end_at) == ("ok", 0, first_end)
    assert _transitions(store, "labels") == []
