"""The write-back against the embedded MLflow store: a window's metrics are logged once
(re-runs do not add points), and the model version's ``drift_status`` says ``alerting``
while an alert of the monitor fires."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow_helpers import ROOT, train

from monitor.engine.windows import Window
from monitor.mlflow.follow import ModelFollower, parse_model_uri
from monitor.mlflow.tracking import MlflowRegistry
from monitor.mlflow.writeback import flush_writebacks
from monitor.service.checks import run_check
from monitor.service.context import MonitorContext
from monitor.service.scheduler import check_monitor_job
from monitor.store import AlertChange, NewTransition, Store, upgrade
from tests.ingesting import ingest as ingest_records

T0 = datetime(2026, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
SEVERE = ROOT / "sample_data" / "current_severe_drift.csv"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path / 'driftline.db'}"
    upgrade(url)
    opened = Store(url)
    opened.upsert_monitor("credit", {})
    yield opened
    opened.close()


def ingest(store: Store, rows: list[dict[str, object]], start: datetime, prefix: str) -> None:
    ingest_records(
        store,
        "credit",
        [(f"{prefix}-{i}", start + timedelta(seconds=i), row) for i, row in enumerate(rows)],
    )


def severe_rows(n: int) -> list[dict[str, object]]:
    frame = pd.read_csv(SEVERE).drop(columns=["record_id", "default"]).head(n)
    rows: list[dict[str, object]] = json.loads(frame.to_json(orient="records"))
    return rows


def history(client: MlflowClient, run_id: str, key: str) -> list[tuple[float, int, int]]:
    return [(m.value, m.step, m.timestamp) for m in client.get_metric_history(run_id, key)]


def test_rerunning_a_window_logs_its_metrics_once_and_refreshes_the_tag(
    embedded: str, reference: pd.DataFrame, store: Store, tmp_path: Path
) -> None:
    train(reference, embedded, "credit")
    registry = MlflowRegistry(embedded)
    follower = ModelFollower(
        "credit", parse_model_uri("models:/credit@production"), registry, tmp_path / "cache"
    )
    context = MonitorContext("credit", None, window=HOUR, model=follower)
    rows = severe_rows(600)
    ingest(store, rows[:500], T0, "a")
    window = Window(T0, T0 + HOUR)
    first = run_check(store, context, window)
    assert flush_writebacks(store, registry).sent == 1

    run_check(store, context, window)  # the same records: an identical re-run
    ingest(store, rows[500:], T0 + timedelta(minutes=30), "late")  # late records arrive
    rerun = run_check(store, context, window)
    assert (first.n_current, rerun.n_current) == (500, 600)
    assert flush_writebacks(store, registry).sent == 1  # the replaced check went, unsent
    assert store.count_pending_writebacks() == 0

    client = MlflowClient(embedded, embedded)
    run_id = registry.monitoring_run_id("credit", "credit", "1")
    assert run_id is not None
    end_s = int(window.end_at.timestamp())
    assert history(client, run_id, "n_current") == [(500.0, end_s, end_s * 1000)]
    assert [step for _, step, _ in history(client, run_id, "share_drifted")] == [end_s]
    version = client.get_model_version("credit", "1")
    assert version.tags["drift_status"] == rerun.status
    assert version.tags["driftline.drift_status_window_end"] == window.end_at.isoformat()


def _alert(store: Store, check_id: int, state: str, previous: str, hour: int) -> None:
    change = AlertChange(
        "ds", "warning", state, 1, False,  # type: ignore[arg-type]
        NewTransition(previous, state, "test", "", notified=False),  # type: ignore[arg-type]
    )  # fmt: skip
    start = T0 + hour * HOUR
    store.record_alert_changes(
        "credit", [change], check_id=check_id, window_start_at=start, window_end_at=start + HOUR
    )


def test_drift_status_is_alerting_while_an_alert_fires_and_returns_after(
    embedded: str, reference: pd.DataFrame, store: Store, tmp_path: Path
) -> None:
    train(reference, embedded, "credit")
    registry = MlflowRegistry(embedded)
    follower = ModelFollower(
        "credit", parse_model_uri("models:/credit@production"), registry, tmp_path / "cache"
    )
    context = MonitorContext("credit", None, window=HOUR, model=follower)
    rows = severe_rows(1_000)
    ingest(store, rows[:500], T0, "a")
    ingest(store, rows[500:], T0 + HOUR, "b")
    check = run_check(store, context, Window(T0, T0 + HOUR))
    assert check.status == "drifting"
    flush_writebacks(store, registry)
    client = MlflowClient(embedded, embedded)
    assert client.get_model_version("credit", "1").tags["drift_status"] == "drifting"

    _alert(store, check.id, "firing", "pending", 0)  # the alert starts firing: tag refreshed
    assert flush_writebacks(store, registry).sent == 1
    assert client.get_model_version("credit", "1").tags["drift_status"] == "alerting"

    later = run_check(store, context, Window(T0 + HOUR, T0 + 2 * HOUR))
    assert later.status == "drifting"
    assert flush_writebacks(store, registry).sent == 1  # still firing: the next check says so
    assert client.get_model_version("credit", "1").tags["drift_status"] == "alerting"

    _alert(store, later.id, "resolved", "firing", 1)  # it stops firing: tag refreshed
    assert flush_writebacks(store, registry).sent == 1
    assert client.get_model_version("credit", "1").tags["drift_status"] == "drifting"
    run_id = registry.monitoring_run_id("credit", "credit", "1")
    assert run_id is not None
    steps = [m.step for m in client.get_metric_history(run_id, "share_drifted")]
    assert sorted(steps) == [int((T0 + h * HOUR).timestamp()) for h in (1, 2)]  # one per window


def test_scheduled_check_evaluates_alerts_before_writing_alerting_back(
    reference: pd.DataFrame, tmp_path: Path
) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"  # the embedded store beside driftline.db
    train(reference, uri, "credit")
    database = f"sqlite:///{tmp_path / 'driftline.db'}"
    config = tmp_path / "driftline.yaml"
    config.write_text(
        f"database_url: {database}\n"
        "monitors:\n"
        "  - name: credit\n"
        "    baseline: models:/credit@production\n"
        "    schedule: {interval: 1h}\n"
        "    window: 1h\n"
        "    alerts:\n"
        "      rules: [{name: drift, kind: dataset_drift, share: 0.3, for: 1}]\n"
    )
    upgrade(database)
    store = Store(database)
    try:
        store.upsert_monitor("credit", {})
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - HOUR
        ingest(store, severe_rows(500), hour, "a")  # the last complete hour: one window due
        check_monitor_job(str(config), "credit", database)
        [check] = store.list_checks("credit")
        assert check.status == "drifting"
        assert store.alert_states("credit")["drift"].state == "firing"
        assert store.count_pending_writebacks() == 0
    finally:
        store.close()
    tags = MlflowClient(uri, uri).get_model_version("credit", "1").tags
    assert tags["drift_status"] == "alerting"
