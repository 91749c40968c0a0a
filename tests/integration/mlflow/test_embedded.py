"""The MLflow link against the embedded SQLite store: baseline logging, registration,
following an alias by polling, write-back, and the CLI commands."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow_helpers import ROOT, train

from monitor.cli.main import main
from monitor.engine.windows import Window
from monitor.errors import ConfigError
from monitor.mlflow.follow import ModelFollower, parse_model_uri
from monitor.mlflow.tracking import (
    BASELINE_ARTIFACT,
    IMPORTANCES_ARTIFACT,
    MONITORING_EXPERIMENT,
    MlflowRegistry,
    ensure_experiment,
    init_tracking,
    log_baseline,
)
from monitor.mlflow.writeback import flush_writebacks
from monitor.service.checks import run_check
from monitor.service.context import MonitorContext
from monitor.store import Store, upgrade
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


def ingest(store: Store, frame: pd.DataFrame, start: datetime) -> None:
    rows = frame.drop(columns=["record_id", "default"]).head(500)
    records = [
        (f"{start.isoformat()}-{i}", start + timedelta(seconds=i), row)
        for i, row in enumerate(json.loads(rows.to_json(orient="records")))
    ]
    ingest_records(store, "credit", records)


def test_log_baseline_logs_artifact_dataset_tags_and_importances(
    embedded: str, reference: pd.DataFrame
) -> None:
    mlflow.set_tracking_uri(embedded)
    from sklearn.linear_model import LogisticRegression

    frame = reference[["age", "income", "num_late_payments", "default"]].fillna(0)
    model = LogisticRegression(max_iter=300).fit(
        frame[["age", "income", "num_late_payments"]], frame["default"]
    )
    with mlflow.start_run(experiment_id=ensure_experiment("train", embedded)) as run:
        logged = log_baseline(frame, target="default", model=model)
    client = MlflowClient(embedded)
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "driftline")}
    assert artifacts == {BASELINE_ARTIFACT, IMPORTANCES_ARTIFACT}
    stored = client.get_run(run.info.run_id)
    dataset = stored.inputs.dataset_inputs[0]
    assert dataset.dataset.name == "training"
    assert json.loads(dataset.dataset.profile)["num_rows"] == len(frame)
    assert "num_late_payments" in dataset.dataset.schema
    assert stored.data.tags["driftline.baseline"] == BASELINE_ARTIFACT
    assert stored.data.tags["driftline.target"] == "default"
    assert set(logged.feature_importances or {}) == {"age", "income", "num_late_payments"}
    assert sum((logged.feature_importances or {}).values()) == pytest.approx(1.0)


def test_log_baseline_with_validation_scores_the_held_out_rows(
    embedded: str, reference: pd.DataFrame
) -> None:
    mlflow.set_tracking_uri(embedded)
    frame = reference[["age", "income", "default"]].fillna(0)
    frame = frame.assign(proba=(frame["income"].rank(pct=True) * 0.8 + 0.1).round(3))
    train_df, valid_df = frame.iloc[:3_000], frame.iloc[3_000:]
    with mlflow.start_run(experiment_id=ensure_experiment("train", embedded)) as run:
        logged = log_baseline(train_df, target="default", prediction="proba", validation=valid_df)
        with pytest.raises(ConfigError, match="column 'age'"):
            log_baseline(
                train_df,
                target="default",
                prediction="proba",
                validation=valid_df.drop(columns="age"),
            )
    performance = logged.baseline.performance
    assert performance is not None and performance.source == "validation"
    assert performance.n_labelled == len(valid_df) and logged.baseline.n_rows == len(train_df)
    stored = MlflowClient(embedded).get_run(run.info.run_id)
    assert stored.inputs is not None
    contexts = {
        d.dataset.name: {t.key: t.value for t in d.tags}["mlflow.data.context"]
        for d in stored.inputs.dataset_inputs
    }
    assert contexts == {"training": "training", "validation": "validation"}
    assert stored.data.tags["driftline.performance_source"] == "validation"


def test_the_embedded_store_is_in_wal_mode_for_every_later_connection(
    embedded: str, tmp_path: Path
) -> None:
    """Serve, retraining runs and ``mlflow ui`` share the embedded store: it is created in
    WAL mode (stored in the file), so a fresh connection, as MLflow opens, finds WAL."""
    connection = sqlite3.connect(tmp_path / "mlflow.db")
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        connection.close()
    assert init_tracking(embedded) == embedded  # a second init finds it so and keeps it


def test_log_baseline_outside_a_run_says_how_to_give_one(embedded: str) -> None:
    mlflow.set_tracking_uri(embedded)
    with pytest.raises(ConfigError, match="inside 'with mlflow.start_run"):
        log_baseline(pd.DataFrame({"x": [1.0, 2.0]}))


def test_training_registers_a_version_with_alias_params_metrics_and_model(
    embedded: str, reference: pd.DataFrame
) -> None:
    version = train(reference, embedded, "credit")
    client = MlflowClient(embedded, embedded)
    by_alias = client.get_model_version_by_alias("credit", "production")
    assert (
        (str(by_alias.version), by_alias.run_id)
        == (version.version, version.run_id)
        == ("1", version.run_id)
    )
    run = client.get_run(version.run_id)
    assert run.data.params["C"] == "1.0" and run.data.metrics["roc_auc"] > 0.6
    assert run.data.tags["driftline.baseline"] == BASELINE_ARTIFACT
    # the demo's training passes its held-out quarter: honest performance and calibration
    assert run.data.tags["driftline.performance_source"] == "validation"
    assert Path(embedded.removeprefix("sqlite:///")).with_name("mlartifacts").is_dir()


def test_monitor_follows_the_alias_and_switches_baseline_on_promotion(
    embedded: str, reference: pd.DataFrame, store: Store, tmp_path: Path
) -> None:
    first = train(reference, embedded, "credit")
    registry = MlflowRegistry(embedded)
    follower = ModelFollower(
        "credit", parse_model_uri("models:/credit@production"), registry, tmp_path / "cache"
    )
    context = MonitorContext("credit", None, window=HOUR, model=follower)
    severe = pd.read_csv(SEVERE)
    ingest(store, severe, T0)
    ingest(store, severe.iloc[500:], T0 + HOUR)

    before = run_check(store, context, Window(T0, T0 + HOUR))
    assert (before.model_name, before.model_version, before.run_id) == ("credit", "1", first.run_id)
    assert before.status == "drifting"

    second = train(severe.head(4_000), embedded, "credit", c=0.5)  # retrained, takes the alias
    after = run_check(store, context, Window(T0 + HOUR, T0 + 2 * HOUR))
    assert (after.model_version, after.run_id) == ("2", second.run_id)
    detail = store.get_check(after.id)
    assert detail is not None and detail.report is not None
    # the new version's baseline: its training split (the other 1 000 rows score it)
    assert detail.report.n_reference == 3_000
    events = store.list_model_version_events("credit")
    assert [(e.old_version, e.new_version, e.detected_by) for e in events] == [
        (None, "1", "poll"),
        ("1", "2", "poll"),
    ]
    assert sorted(p.name for p in (tmp_path / "cache" / "credit").iterdir()) == [
        f"v1-{first.run_id}.driftline",
        f"v2-{second.run_id}.driftline",
    ]


def test_write_back_logs_metrics_at_window_end_and_tags_drift_status(
    embedded: str, reference: pd.DataFrame, store: Store, tmp_path: Path
) -> None:
    train(reference, embedded, "credit")
    registry = MlflowRegistry(embedded)
    follower = ModelFollower(
        "credit", parse_model_uri("models:/credit@production"), registry, tmp_path / "cache"
    )
    context = MonitorContext("credit", None, window=HOUR, model=follower)
    ingest(store, pd.read_csv(SEVERE), T0)
    check = run_check(store, context, Window(T0, T0 + HOUR))
    assert store.count_pending_writebacks() == 1

    result = flush_writebacks(store, registry)
    assert (result.sent, result.failed) == (1, 0)
    assert store.count_pending_writebacks() == 0
    client = MlflowClient(embedded, embedded)
    run_id = registry.monitoring_run_id("credit", "credit", "1")
    assert run_id is not None
    run = client.get_run(run_id)
    assert client.get_experiment(run.info.experiment_id).name == MONITORING_EXPERIMENT
    history = client.get_metric_history(run_id, "share_drifted")
    assert [(m.value, m.timestamp) for m in history] == [
        (pytest.approx(check.share_drifted), int((T0 + HOUR).timestamp() * 1000))
    ]
    assert "effect_size/age" in run.data.metrics and "p_value/age" in run.data.metrics
    assert "quality/errors" in run.data.metrics
    version = client.get_model_version("credit", "1")
    assert version.tags["drift_status"] == "drifting"


def test_unknown_alias_fails_the_check_with_a_reason(
    embedded: str, reference: pd.DataFrame, store: Store, tmp_path: Path
) -> None:
    train(reference, embedded, "credit")
    follower = ModelFollower(
        "credit", parse_model_uri("models:/credit@staging"), MlflowRegistry(embedded), tmp_path
    )
    ingest(store, reference, T0)
    summary = run_check(
        store, MonitorContext("credit", None, window=HOUR, model=follower), Window(T0, T0 + HOUR)
    )
    assert summary.status == "failed"
    assert "models:/credit@staging" in summary.reason and "staging" in summary.reason


def test_cli_baseline_log_logs_to_an_existing_run(
    embedded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = MlflowClient(embedded)
    run = client.create_run(ensure_experiment("cli", embedded))
    data = tmp_path / "train.csv"
    pd.read_csv(ROOT / "sample_data" / "reference.csv").head(500).to_csv(data, index=False)
    code = main(
        [
            "baseline",
            "log",
            str(data),
            "--run-id",
            run.info.run_id,
            "--tracking-uri",
            embedded,
            "--target",
            "default",
            "--ignore",
            "record_id",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert run.info.run_id in capsys.readouterr().out
    assert [a.path for a in client.list_artifacts(run.info.run_id, "driftline")] == [
        BASELINE_ARTIFACT
    ]
    assert client.get_run(run.info.run_id).data.tags["driftline.target"] == "default"


def test_cli_baseline_log_unknown_run_is_a_one_line_error(
    embedded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "train.csv"
    pd.DataFrame({"x": [1.0, 2.0, 3.0]}).to_csv(data, index=False)
    assert (
        main(["baseline", "log", str(data), "--run-id", "0" * 32, "--tracking-uri", embedded]) == 2
    )
    assert "0" * 32 in capsys.readouterr().err


def test_cli_monitors_add_appends_to_the_config_keeping_comments(
    embedded: str,
    reference: pd.DataFrame,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    train(reference, embedded, "credit")
    config = tmp_path / "driftline.yaml"
    config.write_text(
        "# my service\ndatabase_url: sqlite:///./driftline.db\nmonitors:\n"
        "  - name: old  # keep\n    baseline: old.driftline\n    schedule: {interval: 1h}\n"
    )
    monkeypatch.setenv("MLFLOW_TRACKING_URI", embedded)
    code = main(
        [
            "monitors",
            "add",
            "--model",
            "models:/credit@production",
            "--source",
            "ingest",
            "--schedule",
            "30m",
            "--config",
            str(config),
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert "now version 1" in capsys.readouterr().out
    text = config.read_text()
    assert text.startswith("# my service\n") and "- name: old  # keep" in text
    from monitor.config import load_config

    added = load_config(config).monitor("credit")
    assert added.baseline == "models:/credit@production" and added.window == timedelta(minutes=30)
