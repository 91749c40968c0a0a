"""Retraining through real MLflow Project runs on the embedded store (local backend, local
environment), followed and judged by the promotion gate.

One module-scoped world launches every run at once, each for its own monitor (they run in
parallel; the slowest takes about 20 s here), then polls ``follow_retraining`` until none
is active. The project is ``retrain_project/``: ``main`` trains a logistic regression on the
labelled records Driftline gives it (``quality: worse`` flips the labels), ``fail`` exits 3,
``slow`` sleeps, ``no_model`` registers nothing.

The data: ``y`` depends on ``x1`` for the first six days; from day 6 on ``x2`` shifts and
``y`` depends on ``x2`` as well, so version 1 (trained on days 0-5) loses ranking power that a
model retrained on days 6-9 has. Days 10-13 are the gate's records (labelled, newer than
any training data).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import pytest
from flask import Flask
from mlflow import MlflowClient

from alerts import api
from alerts.delivery import send_due
from alerts.outbox import evaluate_monitor
from alerts.retraining import follow_retraining
from alerts.trigger import request_retrain
from monitor import compare
from monitor import config as cfg
from monitor.cli.main import main as cli_main
from monitor.config.alerts import Promotion
from monitor.mlflow.gate import judge_candidate
from monitor.mlflow.projects import reap_children
from monitor.mlflow.tracking import MlflowRegistry, ensure_experiment, init_tracking
from monitor.store import RetrainTrigger, Store, upgrade
from tests.ingesting import ingest

PROJECT = Path(__file__).resolve().parent / "retrain_project"
START = datetime(2026, 3, 2, tzinfo=UTC)
DAY = timedelta(days=1)
PER_DAY = 300
DRIFT_DAY, CHECKED_DAYS, DAYS = 6, 10, 14
UI = "http://127.0.0.1:5999"
WITH_DATA = ("good", "worse", "sparse")

_spec = importlib.util.spec_from_file_location("candidate", PROJECT / "candidate.py")
assert _spec is not None and _spec.loader is not None
candidate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(candidate)


def _traffic(seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = PER_DAY * DAYS
    day = np.repeat(np.arange(DAYS), PER_DAY)
    drifted = day >= DRIFT_DAY
    x1 = rng.normal(0.0, 1.0, n)
    x2 = rng.normal(np.where(drifted, 1.0, 0.0), 1.0)
    logit = np.where(drifted, 1.5 * x1 + 2.5 * (x2 - 1.0), 2.0 * x1)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    at = [START + DAY * int(d) + timedelta(seconds=int(s)) for d, s in zip(
        day, rng.integers(0, 86_400, n), strict=True
    )]  # fmt: skip
    return pd.DataFrame(
        {"record_id": [f"r{i:05d}" for i in range(n)], "event_at": at, "x1": x1, "x2": x2,
         "y": y, "day": day}
    )  # fmt: skip


def _monitor(name: str, model: str, target: str, promote: str = "") -> str:
    return f"""\
  - name: {name}
    baseline: models:/{model}@production
    schedule: {{interval: 1d}}
    window: 1d{promote}
    alerts:
      rules: [{{name: retraining, kind: retraining_outcome}}]
      retrain: {target}
"""


@dataclass
class World:
    store: Store
    config: cfg.Config
    config_path: Path
    tracking_uri: str
    registry: MlflowRegistry
    triggers: dict[str, RetrainTrigger]
    blocked: Any
    elapsed_s: float


def _target(entry: str, *parameters: str, timeout: str = "5m") -> str:
    given = ", ".join(parameters)
    return (
        f"{{kind: mlflow_project, uri: retrain_project, entry_point: {entry}, "
        f"parameters: {{{given}}}, timeout: {timeout}}}"
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("retraining")
    (folder / "retrain_project").symlink_to(PROJECT, target_is_directory=True)
    database_url = f"sqlite:///{folder / 'driftline.db'}"
    tracking_uri = init_tracking(f"sqlite:///{folder / 'mlflow.db'}")
    upgrade(database_url)
    db = f"database_url: '{database_url}'"
    gate = "\n    promote: {metric: roc_auc, min_gain: 0.0, min_labels: 500}"
    sparse = "\n    promote: {metric: roc_auc, min_labels: 100000, label_wait: 1s}"
    monitors = {
        "good": _monitor("good", "churn_good", _target("main", db, "model_name: churn_good"), gate),
        "worse": _monitor(
            "worse", "churn_worse", _target("main", db, "model_name: churn_worse",
                                            "quality: worse"), gate,
        ),
        "sparse": _monitor(
            "sparse", "churn_sparse", _target("main", db, "model_name: churn_sparse"), sparse
        ),
        "failing": _monitor("failing", "churn_failing", _target("fail"), gate),
        "slow": _monitor("slow", "churn_slow", _target("slow", timeout="3s"), gate),
        "silent": _monitor("silent", "churn_silent", _target("no_model"), gate),
        "missing": _monitor("missing", "churn_good", "{kind: mlflow_project, uri: no/such/dir}"),
        "no_entry": _monitor(
            "no_entry", "churn_good", "{kind: mlflow_project, uri: retrain_project, entry_point: "
            "evaluate}",
        ),
        "undeclared": _monitor(
            "undeclared", "churn_good", _target("fail", "learning_rate: 0.1")
        ),
    }  # fmt: skip
    config_path = folder / "driftline.yaml"
    config_path.write_text(
        f"database_url: {database_url}\nmlflow: {{tracking_uri: '{tracking_uri}', "
        f"ui_url: '{UI}'}}\nmonitors:\n" + "".join(monitors.values())
    )
    config = cfg.load_config(config_path)
    store = Store(database_url)
    registry = MlflowRegistry(tracking_uri)
    traffic = _traffic()
    stable = traffic[traffic["day"] < DRIFT_DAY]
    with mlflow.start_run(experiment_id=ensure_experiment("version-1", tracking_uri)):
        first = candidate.fit_and_register(stable, "churn_good")  # version 1, in this process
    v1 = registry.client.get_model_version("churn_good", first)
    for name in monitors:
        model = config.monitor(name).model_name
        assert model is not None
        if model != "churn_good":
            registry.client.create_registered_model(model)
            registry.client.create_model_version(model, v1.source, run_id=v1.run_id)
        registry.move_alias(model, "production", "1")
        store.upsert_monitor(name, {})
        if name not in WITH_DATA:
            continue  # fails or ends before it reads records
        ingest(
            store,
            name,
            [(r.record_id, r.event_at.to_pydatetime(), {"x1": r.x1, "x2": r.x2})
             for r in traffic.itertuples()],
        )  # fmt: skip
        labels = zip(traffic["record_id"], traffic["y"].tolist(), strict=True)
        store.add_labels(name, list(labels))
        reference = stable[["x1", "x2"]]
        for day in range(CHECKED_DAYS):
            window = traffic[traffic["day"] == day][["x1", "x2"]]
            store.save_check(
                name, START + DAY * day, START + DAY * (day + 1),
                compare(reference, window, drift_share=0.5),
                started_at=START, finished_at=START, model_name=model, model_version="1",
            )  # fmt: skip
    started = time.monotonic()
    triggers = {
        name: request_retrain(store, config.monitor(name), reason=f"test {name}")
        for name in monitors
    }
    send_due(store, config, config_dir=folder)
    second = request_retrain(store, config.monitor("good"), reason="again, while running")
    send_due(store, config, config_dir=folder)
    blocked = store.get_retrain_trigger(second.trigger_id)
    deadline = time.monotonic() + 300
    while store.active_retrain_triggers() and time.monotonic() < deadline:
        follow_retraining(store, config, registry=registry)
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    found = {name: store.get_retrain_trigger(t.trigger_id) for name, t in triggers.items()}
    assert all(t is not None for t in found.values())
    yield World(
        store, config, config_path, tracking_uri, registry,
        {k: v for k, v in found.items() if v is not None}, blocked, elapsed,
    )  # fmt: skip
    reap_children(wait_s=30)
    store.close()


def _alive(pid: int) -> bool:
    try:
        return bool(Path(f"/proc/{pid}/cmdline").read_bytes())  # a zombie's is empty
    except OSError:
        return False


def _run(world: World, name: str) -> Any:
    run = world.triggers[name].run
    assert run is not None, f"{name}: {world.triggers[name]}"
    return run


def test_every_run_ended_within_the_deadline(world: World) -> None:
    assert world.store.active_retrain_triggers() == []
    assert world.elapsed_s < 300


def test_a_successful_run_registers_a_version_that_the_gate_promotes(world: World) -> None:
    run = _run(world, "good")
    assert (run.status, run.model_name, run.model_version) == ("finished", "churn_good", "2")
    gate = run.gate
    assert gate is not None and gate.status == "promoted", gate
    assert gate.current_version == "1" and gate.n_labels is not None and gate.n_labels >= 500
    assert gate.candidate_value > gate.current_value  # type: ignore[operator]
    assert world.registry.alias_version("churn_good", "production") == "2"
    mlflow_run = MlflowClient(world.tracking_uri).get_run(run.run_id)
    assert mlflow_run.info.status == "FINISHED"
    assert mlflow_run.data.tags["driftline.monitor"] == "good"
    assert mlflow_run.data.tags["driftline.trigger"] == world.triggers["good"].trigger_id
    # Driftline's parameters reached the entry point (it declares them)
    assert mlflow_run.data.params["driftline_labels_since"] == run.labels_since_at.isoformat()
    assert run.labels_since_at == START + DAY * DRIFT_DAY
    assert run.labels_until_at == START + DAY * CHECKED_DAYS
    assert run.run_url == f"{UI}/#/experiments/{run.experiment_id}/runs/{run.run_id}"


def test_the_gate_scored_records_newer_than_the_training_range(world: World) -> None:
    run = _run(world, "good")
    assert run.gate.records_until_at >= START + DAY * (DAYS - 1)
    assert run.gate.n_labels == PER_DAY * (DAYS - CHECKED_DAYS)
    mlflow_run = MlflowClient(world.tracking_uri).get_run(run.run_id)
    trained_rows = float(mlflow_run.data.metrics["rows"])
    assert trained_rows == PER_DAY * (CHECKED_DAYS - DRIFT_DAY)


def test_a_worse_candidate_is_not_promoted_and_both_numbers_are_recorded(world: World) -> None:
    run = _run(world, "worse")
    assert (run.status, run.model_version) == ("finished", "2")
    gate = run.gate
    assert gate is not None and gate.status == "not_promoted"
    assert gate.candidate_value is not None and gate.current_value is not None
    assert gate.candidate_value < 0.5 < gate.current_value
    assert f"{gate.candidate_value:.4f} < {gate.current_value:.4f}" in gate.detail
    assert world.registry.alias_version("churn_worse", "production") == "1"  # v1 serves on


def test_a_failing_project_is_recorded_as_failed(world: World) -> None:
    run = _run(world, "failing")
    assert run.status == "failed" and "FAILED" in run.detail
    assert MlflowClient(world.tracking_uri).get_run(run.run_id).info.status == "FAILED"
    assert world.registry.alias_version("churn_failing", "production") == "1"


def test_a_run_past_its_timeout_is_stopped_and_recorded_as_timed_out(world: World) -> None:
    run = _run(world, "slow")
    assert run.status == "timed_out" and "timeout of 3s" in run.detail
    assert "stopped" in run.detail
    assert MlflowClient(world.tracking_uri).get_run(run.run_id).info.status == "KILLED"
    assert run.pid is not None and not _alive(run.pid)


def test_a_run_that_registers_no_version_is_not_promoted(world: World) -> None:
    run = _run(world, "silent")
    assert run.status == "finished" and run.model_version is None
    assert run.gate is not None and run.gate.status == "not_promoted"
    assert "registered no version of model 'churn_silent'" in run.gate.detail


def test_too_few_labelled_records_end_not_promoted_after_the_label_wait(world: World) -> None:
    run = _run(world, "sparse")
    assert run.model_version == "2" and run.gate is not None
    assert run.gate.status == "not_promoted"
    assert run.gate.detail.startswith("too few labelled records: 1200 of 100000")
    assert world.registry.alias_version("churn_sparse", "production") == "1"


@pytest.mark.parametrize(
    ("monitor", "expected"),
    [
        pytest.param("missing", "no/such/dir: no such folder", id="project-uri-does-not-exist"),
        pytest.param("no_entry", "Could not find evaluate among entry points", id="entry-point"),
        pytest.param(
            "undeclared", "does not declare parameter(s) ['learning_rate']", id="undeclared"
        ),
    ],
)
def test_a_project_that_cannot_run_fails_at_launch_with_its_reason(
    world: World, monitor: str, expected: str
) -> None:
    trigger = world.triggers[monitor]
    assert trigger.outcome == "failed" and expected in (trigger.detail or "")
    run = _run(world, monitor)
    assert run.status == "failed" and run.run_id is None and expected in run.detail


def test_one_run_per_monitor_at_a_time(world: World) -> None:
    assert world.blocked is not None and world.blocked.outcome == "failed"
    assert world.blocked.run is None
    assert f"retraining {world.triggers['good'].trigger_id} of monitor good is still" in (
        world.blocked.detail
    )


def test_retrain_list_shows_run_status_version_numbers_and_link(world: World) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli_main(["retrain", "list", "good", "--config", str(world.config_path)])
    text = out.getvalue()
    run = _run(world, "good")
    assert code == 0
    assert "run: promoted: @production -> churn_good version 2 (roc_auc" in text
    assert run.run_url in text and "vs" in text and "version 1 on 1200 labelled records" in text
    assert "test worse" not in text  # only the monitor asked for


def test_api_lists_triggers_with_their_run_and_gate(world: World) -> None:
    app = Flask(__name__)
    app.register_blueprint(api.blueprint(world.store, world.config))
    answer = app.test_client().get("/api/v1/monitors/worse/retrain")
    assert answer.status_code == 200
    first = answer.get_json()["triggers"][0]
    assert first["run"]["status"] == "finished"
    assert first["run"]["gate"]["status"] == "not_promoted"
    assert first["run"]["gate"]["candidate_value"] < first["run"]["gate"]["current_value"]


def test_a_retraining_outcome_rule_fires_on_not_promoted_and_stays_ok_on_promoted(
    world: World,
) -> None:
    traffic = _traffic()
    window = traffic[traffic["day"] == CHECKED_DAYS][["x1", "x2"]]
    reference = traffic[traffic["day"] < DRIFT_DAY][["x1", "x2"]]
    for name in ("good", "worse"):
        world.store.save_check(
            name, START + DAY * CHECKED_DAYS, START + DAY * (CHECKED_DAYS + 1),
            compare(reference, window, drift_share=0.5), started_at=START, finished_at=START,
        )  # fmt: skip
        evaluate_monitor(world.store, world.config.monitor(name))
    worse = world.store.list_alerts("worse")[0]
    assert worse.status.state == "firing"
    assert "not promoted: roc_auc" in worse.transitions[0].detail
    assert world.store.list_alerts("good")[0].status.state == "ok"


def test_the_gate_waits_for_labels_until_told_to_give_up(world: World) -> None:
    since = START + DAY * CHECKED_DAYS
    promotion = Promotion(min_labels=5_000)
    kwargs: dict[str, Any] = {
        "monitor": "good", "model_name": "churn_good", "alias": "production",
        "candidate": "2", "since": since, "promotion": promotion,
    }  # fmt: skip
    waiting = judge_candidate(world.registry, world.store, **kwargs)
    assert (waiting.status, waiting.n_labels) == ("waiting", 1200)
    given_up = judge_candidate(world.registry, world.store, give_up=True, **kwargs)
    assert given_up.status == "not_promoted" and "1200 of 5000" in given_up.detail
