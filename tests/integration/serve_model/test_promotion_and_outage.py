"""With a real `driftline serve` on 127.0.0.1: promoting version 2 under load fails no request
and every stored record carries the version that answered it; while Driftline is down,
predictions keep succeeding and the log catches up (or counts what the bound dropped)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pandas as pd
import pytest
from conftest import Models
from serve_model_helpers import (
    feature_rows,
    free_port,
    running,
    split_body,
    start_serve_model,
    start_serve_on,
)
from serving import driftline, prepare_folder, stop_serve

from monitor.client import Client
from monitor.mlflow.follow import parse_model_uri
from monitor.mlflow.pyfunc import load_version
from monitor.mlflow.tracking import MlflowRegistry
from monitor.serving.prediction_log import PredictionLog
from monitor.serving.server import MODEL_VERSION_HEADER, RECORD_ID_HEADER, create_model_app
from monitor.serving.swap import LiveModel
from monitor.store import Store

REF = parse_model_uri("models:/credit@production")


@pytest.fixture
def driftline_folder(tmp_path: Path) -> Path:
    """A `driftline serve` folder with monitor `credit` (the sample baseline)."""
    folder = tmp_path / "driftline"
    folder.mkdir()
    prepare_folder(folder, "{}")
    assert driftline(folder, "db", "upgrade").returncode == 0
    return folder


def stored_versions(folder: Path) -> dict[str, str]:
    """record id -> model_version of every record stored for monitor `credit`."""
    store = Store(f"sqlite:///{folder / 'driftline.db'}")
    try:
        now = datetime.now(UTC)
        frame = store.load_window("credit", now - timedelta(days=1), now + timedelta(days=1))
    finally:
        store.close()
    return dict(zip(frame["record_id"], frame["model_version"], strict=True))


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_promoting_version_2_under_load_fails_nothing_and_logs_the_answering_version(
    models: Models, driftline_folder: Path
) -> None:
    port = free_port()
    serve = start_serve_on(driftline_folder, port)
    model, base = start_serve_model(
        models.folder,
        "models:/credit@production",
        "--tracking-uri", models.uri,
        "--monitor", "credit",
        "--driftline-url", f"http://127.0.0.1:{port}",
        "--poll-interval", "1s",
    )  # fmt: skip
    rows = feature_rows(200)
    answers: list[tuple[int, int, str, str]] = []  # (client, status, version, record id)
    lock = threading.Lock()
    stop = threading.Event()

    def client(number: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as http:
            i = number
            while not stop.is_set():
                response = http.post("/invocations", json=split_body(rows.iloc[[i % 200]]))
                with lock:
                    answers.append(
                        (
                            number,
                            response.status_code,
                            response.headers.get(MODEL_VERSION_HEADER, ""),
                            response.headers.get(RECORD_ID_HEADER, ""),
                        )
                    )
                i += 4

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    try:
        for thread in threads:
            thread.start()
        wait_for(lambda: sum(a[2] == "1" for a in list(answers)) >= 40, "40 answers from version 1")
        models.promote("2")
        wait_for(lambda: sum(a[2] == "2" for a in list(answers)) >= 40, "40 answers from version 2")
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert [a for a in answers if a[1] != 200] == []
        by_version = pd.Series([a[2] for a in answers]).value_counts().to_dict()
        assert set(by_version) == {"1", "2"} and min(by_version.values()) >= 20, by_version
        for number in range(4):  # each client sees 1 ... 1 2 ... 2: one switch, no way back
            seen = [a[2] for a in answers if a[0] == number]
            assert seen == sorted(seen), f"client {number} went back to version 1"
        wait_for(
            lambda: httpx.get(f"{base}/health").json()["prediction_log"]["sent"] == len(answers),
            "the prediction log to drain",
        )
        health = httpx.get(f"{base}/health").json()
        assert health["prediction_log"]["dropped"] == 0 and health["model"]["swaps"] == 1
        expected = {a[3]: a[2] for a in answers}
        assert len(expected) == len(answers)  # one fresh id per single-row request
        assert stored_versions(driftline_folder) == expected
    finally:
        stop.set()
        stop_serve(model)
        stop_serve(serve)
    assert "now serving version 2 (was 1)" in (models.folder / "serve-model.log").read_text()


@pytest.fixture
def live(models: Models) -> Iterator[LiveModel]:  # type: ignore[type-arg]
    registry = MlflowRegistry(models.uri)
    yield LiveModel(
        lambda: registry.resolve(REF).version,
        lambda version: load_version(registry, "credit", version),
    )


def test_a_driftline_outage_never_fails_predictions_and_logging_catches_up(
    live: LiveModel,
    driftline_folder: Path,  # type: ignore[type-arg]
) -> None:
    """Two servers share the traffic: one buffers everything (all records arrive once
    Driftline is back), one has a bound of 15 (its drop counter covers every missing one)."""
    port = free_port()
    serve = start_serve_on(driftline_folder, port)
    clients = [Client(f"http://127.0.0.1:{port}", max_retries=0, timeout_s=2) for _ in range(2)]
    logs = [
        PredictionLog(
            lambda batch, c=c: c.log_records("credit", batch),
            max_buffered=bound,
            batch_size=50,
            linger_s=0.05,
            backoff_s=0.1,
            max_backoff_s=0.5,
        )
        for c, bound in zip(clients, (10_000, 15), strict=True)
    ]
    rows = feature_rows(60)
    ids: list[list[str]] = [[], []]
    latencies: list[float] = []

    def predict_all(bases: list[str], frame: pd.DataFrame) -> None:
        for index in range(len(frame)):
            for which, base in enumerate(bases):
                started = time.perf_counter()
                response = httpx.post(f"{base}/invocations", json=split_body(frame.iloc[[index]]))
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
                ids[which].append(response.headers[RECORD_ID_HEADER])

    try:
        for log in logs:
            log.start()
        with (
            running(create_model_app(live, REF, logs[0])) as full,
            running(create_model_app(live, REF, logs[1])) as bounded,
        ):
            predict_all([full, bounded], rows.head(10))
            wait_for(lambda: all(log.stats.sent == 10 for log in logs), "the first records")
            stop_serve(serve)  # Driftline is down
            predict_all([full, bounded], rows.iloc[10:50])
            wait_for(lambda: logs[0].stats.failed_attempts >= 2, "a failed send")
            health = httpx.get(f"{full}/health").json()
            assert health["status"] == "degraded"
            assert health["prediction_log"]["is_connected"] is False
            assert logs[0].stats.buffered == 40 and logs[0].stats.dropped == 0
            assert logs[1].stats.buffered == 15 and logs[1].stats.dropped == 25
            serve = start_serve_on(driftline_folder, port)  # back, on the same port
            wait_for(lambda: all(log.stats.buffered == 0 for log in logs), "the log to catch up")
            assert httpx.get(f"{full}/health").json()["status"] == "ok"
        assert max(latencies) < 1.0  # not held up by a 2 s ingest timeout or retries
        stored = stored_versions(driftline_folder)
        assert set(ids[0]) <= set(stored) and logs[0].stats.sent == 50
        missing = set(ids[1]) - set(stored)
        assert len(missing) == logs[1].stats.dropped == 25
        assert logs[1].stats.sent == 25
        assert len(stored) == 75 and set(stored.values()) == {"1"}
    finally:
        for log in logs:
            log.close(timeout_s=2)
        for client in clients:
            client.close()
        stop_serve(serve)
