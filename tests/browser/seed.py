"""A folder with a configured service and a store holding three days of real checks and
the alerts they raised.

Monitors: ``credit`` (72 hourly checks of samples of the sample data: no drift, then income
drift from hour 30, a quiet spell at hours 48-49, severe drift from hour 60; model version
1 then 2 from hour 36; hour 20 failed; each checked window has its CBPE estimate and its
realised performance, labelled at ``label_coverage(hour)``), ``churn`` (no checks; one
retraining by an MLflow Project run whose version 2 the promotion gate promoted, recorded
through the store as ``alerts.retraining`` records it), ``staging`` (no checks; a test adds
one), ``weekly`` (weekly windows: ``WEEKS`` checks from ``WEEKLY_START`` but none in
``WEEKLY_MISSING``, severe drift from week ``WEEKLY_DRIFT_WEEK``, no performance) and
``idle`` (never checked). Schedules run once a year, so the running service adds no check
of its own during a test.

With ``alerts`` (a :class:`AlertPeers`), ``credit`` has the rule ``prediction-drift`` (the
prediction drifted in 2 windows in a row; retrains; firing at the end), channels ``ops``
(a real local receiver that answers its first request with 503) and ``pager`` (a closed
port, its URL carrying credentials that must never be shown), a silence over hours 50-53
and a retrain target on the receiver. Each check is evaluated by the real alert evaluation
one minute after its window, and the outbox sent in rounds 10 s apart, on a simulated
clock.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from alerts.delivery import send_due
from alerts.outbox import evaluate_monitor
from monitor import Baseline, build_baseline, compare, save_baseline
from monitor import config as cfg
from monitor.engine.performance import estimated_performance, realised_performance
from monitor.store import NewRetrainTrigger, PromotionGate, Store, upgrade

SAMPLE: Final = Path(__file__).resolve().parents[2] / "sample_data"
START: Final = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
HOUR: Final = dt.timedelta(hours=1)
HOURS: Final = 72
FAILED_HOUR: Final = 20
VERSION_CHANGE_HOUR: Final = 36
QUIET_HOURS: Final = (48, 49)
SILENCED_HOURS: Final = (50, 54)
SECRET: Final = "whsec_" + base64.b64encode(b"b" * 32).decode()
PAGER_PASSWORD: Final = "hunter2-pager"
PAGER_KEY: Final = "s3cr3t-pager-key"
RULE: Final = "prediction-drift"
RUN_ID: Final = "5f0c2d9e41b84c7a9d1e3f6a7b8c9d0e"
RUN_URL: Final = f"http://127.0.0.1:5000/#/experiments/1/runs/{RUN_ID}"
DASHBOARD_URL: Final = "http://driftline.example.org/dashboard"
MONITORS: Final = ("credit", "churn", "staging", "weekly", "idle")
WEEK: Final = dt.timedelta(days=7)
WEEKLY_START: Final = dt.datetime(2025, 1, 6, tzinfo=dt.UTC)
WEEKS: Final = 60
WEEKLY_MISSING: Final = (40, 41)
WEEKLY_DRIFT_WEEK: Final = 50


def label_coverage(hour: int) -> float:
    """The share of a seeded window's records with a label: labels lag behind, so the
    latest windows have fewer, and the last six none yet."""
    return 0.5 if hour < 60 else 0.25 if hour < HOURS - 6 else 0.0


@dataclass(frozen=True)
class AlertPeers:
    """Where ``credit``'s notifications go: a receiver URL and a port nobody listens on."""

    receiver: str
    closed_port: int


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _alerts_yaml(peers: AlertPeers) -> str:
    pager = f"http://admin:{PAGER_PASSWORD}@127.0.0.1:{peers.closed_port}/page?key={PAGER_KEY}"
    return (
        "    alerts:\n"
        f"      dashboard_url: {DASHBOARD_URL}\n"
        "      channels:\n"
        f"        ops: {{kind: webhook, url: '{peers.receiver}/hook', secret: '{SECRET}'}}\n"
        f"        pager: {{kind: webhook, url: '{pager}', secret: '{SECRET}', timeout: 1}}\n"
        "      rules:\n"
        "        - {name: prediction-drift, kind: prediction_drift, for: 2,\n"
        "           severity: critical, retrain: true, repeat_interval: 1d}\n"
        f"      retrain: {{kind: webhook, url: '{peers.receiver}/retrain', secret: '{SECRET}'}}\n"
        "      delivery: {initial_backoff: 1, max_backoff: 4, max_age: 25}\n"
    )


def write_config(
    folder: Path, *, dashboard: str = "{refresh: 2s}", alerts: AlertPeers | None = None
) -> None:
    reference = pd.read_csv(SAMPLE / "reference.csv")
    baseline = build_baseline(
        reference.drop(columns=["record_id"]), target="default", prediction="predicted_proba"
    )
    save_baseline(baseline, folder / "credit.driftline")
    monitors = "".join(
        f"  - name: {name}\n"
        "    baseline: credit.driftline\n"
        "    schedule: {cron: '0 0 1 1 *'}\n"
        f"    window: {'7d' if name == 'weekly' else '1h'}\n"
        + (_alerts_yaml(alerts) if alerts and name == "credit" else "")
        for name in MONITORS
    )
    (folder / "driftline.yaml").write_text(
        "database_url: sqlite:///./driftline.db\n"
        "api: {host: 127.0.0.1}\n"
        f"dashboard: {dashboard}\n"
        f"monitors:\n{monitors}"
    )


class _Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


def seed(folder: Path) -> Store:
    """Migrate the folder's database and store the ``credit`` checks, evaluating the alerts
    configured in the folder's driftline.yaml as they come; returns the store."""
    url = f"sqlite:///{folder / 'driftline.db'}"
    upgrade(url)
    clock = _Clock()
    store = Store(url, clock=clock)
    config = cfg.load_config(folder / "driftline.yaml")
    credit = config.monitor("credit")
    rng = random.Random(3)
    for name in MONITORS:
        store.upsert_monitor(name, {"baseline": "credit.driftline"})
    reference = pd.read_csv(SAMPLE / "reference.csv").drop(columns=["record_id"])
    baseline = build_baseline(reference, target="default", prediction="predicted_proba")
    files = {
        name: pd.read_csv(SAMPLE / f"current_{name}.csv").drop(columns=["record_id"])
        for name in ("no_drift", "income_drift", "severe_drift")
    }
    if credit.alerts.rules:
        store.add_silence(
            "credit",
            rule=RULE,
            starts_at=START + SILENCED_HOURS[0] * HOUR,
            ends_at=START + SILENCED_HOURS[1] * HOUR,
            created_by="oncall",
            comment="known upstream change (seeded)",
        )
    sampler = np.random.default_rng(7)
    for hour in range(HOURS):
        start = START + hour * HOUR
        done = start + HOUR + dt.timedelta(minutes=1)
        clock.now = done
        _store_check(store, files, baseline, sampler, hour, start, done)
        if credit.alerts.rules:
            evaluate_monitor(store, credit, now=clock)
            for _ in range(4):
                send_due(store, config, now=clock, rng=rng)
                clock.now += dt.timedelta(seconds=10)
    _seed_retraining_run(store, clock)
    _seed_weekly(store, files, baseline, sampler)
    return store


def _seed_weekly(
    store: Store,
    files: dict[str, pd.DataFrame],
    baseline: Baseline,
    sampler: np.random.Generator,
) -> None:
    """``weekly``: real checks of samples (one calm and one severely drifted report, reused
    week by week), none in the weeks of ``WEEKLY_MISSING``."""
    reports = {
        name: compare(
            baseline,
            files[name].iloc[sampler.choice(len(files[name]), 400, replace=False)],
            workers=1,
        )
        for name in ("no_drift", "severe_drift")
    }
    for week in range(WEEKS):
        if week in WEEKLY_MISSING:
            continue
        start = WEEKLY_START + week * WEEK
        done = start + WEEK + dt.timedelta(minutes=5)
        store.save_check(
            "weekly",
            start,
            start + WEEK,
            reports["severe_drift" if week >= WEEKLY_DRIFT_WEEK else "no_drift"],
            started_at=done,
            finished_at=done,
            model_name="credit-default",
            model_version="1",
        )


def _seed_retraining_run(store: Store, clock: _Clock) -> None:
    """``churn``: a manual retraining whose MLflow Project run registered version 2, which
    the gate promoted (the numbers are the seed's, the steps the store's real ones)."""
    trigger = store.create_retrain_trigger(
        "churn",
        NewRetrainTrigger("rt_churn_seeded", "manual", None, "labels arrived", "ana",
                          dt.timedelta(0), None),
    )  # fmt: skip
    assert trigger is not None
    since, until = START + 30 * HOUR, START + 40 * HOUR
    store.claim_retrain_run(trigger.trigger_id, labels_since_at=since, labels_until_at=until)
    store.record_run_started(
        trigger.trigger_id, run_id=RUN_ID, experiment_id="1", run_url=RUN_URL, pid=None
    )
    clock.now += dt.timedelta(minutes=3)
    store.record_run_ended(
        trigger.trigger_id, status="finished", detail="registered churn version 2",
        model_name="churn", model_version="2",
    )  # fmt: skip
    store.record_gate(
        trigger.trigger_id,
        PromotionGate("promoted", "production", "roc_auc", 0.8665, 0.8197, "1", 522,
                      until + 10 * HOUR, "roc_auc 0.8665 >= 0.8197 + 0.0000", clock.now),
    )  # fmt: skip


def _store_check(
    store: Store,
    files: dict[str, pd.DataFrame],
    baseline: Baseline,
    sampler: np.random.Generator,
    hour: int,
    start: dt.datetime,
    done: dt.datetime,
) -> None:
    if hour == FAILED_HOUR:
        store.save_failed_check(
            "credit",
            start,
            start + HOUR,
            "ValueError: source unreachable (seeded)",
            started_at=done,
            finished_at=done,
        )
        return
    kind = "no_drift" if hour < 30 else "income_drift" if hour < 60 else "severe_drift"
    frame = files["no_drift" if hour in QUIET_HOURS else kind]
    current = frame.iloc[sampler.choice(len(frame), 400, replace=False)]
    report = compare(baseline, current, workers=1)
    store.save_check(
        "credit",
        start,
        start + HOUR,
        report,
        started_at=done,
        finished_at=done,
        model_name="credit-default",
        model_version="1" if hour < VERSION_CHANGE_HOUR else "2",
    )
    _store_performance(store, baseline, current, hour, start)


def _store_performance(
    store: Store, baseline: Baseline, current: pd.DataFrame, hour: int, start: dt.datetime
) -> None:
    """The window's performance as the service computes it, labels for the first
    ``label_coverage(hour)`` of its records (the target column of the others removed)."""
    estimate = estimated_performance(baseline, current, n_draws=50)
    assert estimate is not None
    store.save_performance("credit", start, start + HOUR, estimate)
    labelled = current.copy()
    labelled.loc[labelled.index[int(len(current) * label_coverage(hour)) :], "default"] = None
    realised = realised_performance(baseline, labelled)
    store.save_performance("credit", start, start + HOUR, realised)
