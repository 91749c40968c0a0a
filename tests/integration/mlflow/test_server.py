"""The MLflow link against a real `mlflow server` (started once per session): a promotion
reaches the monitor by a signed webhook, and an MLflow outage loses no check."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pandas as pd
import pytest
from flask import Flask
from mlflow import MlflowClient
from mlflow.webhooks.delivery import _generate_hmac_signature
from mlflow_helpers import ROOT, MlflowServer, train
from werkzeug.serving import make_server

from monitor.engine.windows import Window
from monitor.mlflow.follow import ModelFollower, parse_model_uri
from monitor.mlflow.tracking import MlflowRegistry
from monitor.mlflow.webhook import WEBHOOK_PATH, add_webhook_route, sign
from monitor.mlflow.writeback import flush_writebacks
from monitor.service.checks import run_check
from monitor.service.context import MonitorContext
from monitor.store import Store, upgrade
from tests.ingesting import ingest as ingest_records

T0 = datetime(2026, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
SECRET = "a-webhook-secret-of-32-characters"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path / 'driftline.db'}"
    upgrade(url)
    opened = Store(url)
    opened.upsert_monitor("credit", {})
    yield opened
    opened.close()


def ingest(store: Store, start: datetime, offset: int = 0) -> None:
    frame = pd.read_csv(ROOT / "sample_data" / "current_no_drift.csv").iloc[offset : offset + 300]
    rows = json.loads(frame.drop(columns=["record_id", "default"]).to_json(orient="records"))
    ingest_records(
        store,
        "credit",
        [(f"{start.isoformat()}-{i}", start + timedelta(seconds=i), r) for i, r in enumerate(rows)],
    )


def serve_in_thread(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_our_signature_is_mlflows() -> None:
    body = json.dumps({"entity": "model_version_alias", "action": "created", "data": {}})
    assert sign(SECRET, "d-1", "1700000000", body) == _generate_hmac_signature(
        SECRET, "d-1", "1700000000", body
    )


def test_promotion_reaches_the_monitor_by_webhook_before_the_next_check(
    mlflow_server: MlflowServer, reference: pd.DataFrame, store: Store, tmp_path: Path
) -> None:
    name = f"credit-{uuid.uuid4().hex[:8]}"
    first = train(reference, mlflow_server.url, name)
    registry = MlflowRegistry(mlflow_server.url)
    follower = ModelFollower(
        "credit", parse_model_uri(f"models:/{name}@production"), registry, tmp_path / "cache"
    )
    context = MonitorContext("credit", None, window=HOUR, model=follower)
    ingest(store, T0)
    ingest(store, T0 + HOUR, offset=300)
    assert run_check(store, context, Window(T0, T0 + HOUR)).model_version == "1"

    app = Flask("webhook-test")
    add_webhook_route(app, secret=SECRET, followers={"credit": follower}, store=store)
    for base in serve_in_thread(app):
        registry.ensure_webhook(f"{base}{WEBHOOK_PATH}", SECRET, name=f"driftline-{name}")
        time.sleep(1.5)  # the server caches its webhook list for MLFLOW_WEBHOOK_CACHE_TTL=1 s
        second = train(reference.iloc[1_000:], mlflow_server.url, name, c=0.3)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            event = store.current_model_version("credit")
            if event is not None and event.new_version == "2":
                break
            time.sleep(0.2)
        events = store.list_model_version_events("credit")
        assert [(e.old_version, e.new_version, e.detected_by) for e in events] == [
            (None, "1", "poll"),
            ("1", "2", "webhook"),
        ]
        assert events[-1].run_id == second.run_id
    after = run_check(store, context, Window(T0 + HOUR, T0 + 2 * HOUR))
    assert (after.model_version, after.run_id) == ("2", second.run_id) != ("1", first.run_id)


def test_webhook_with_a_bad_signature_is_refused(store: Store, tmp_path: Path) -> None:
    app = Flask("webhook-test")
    add_webhook_route(app, secret=SECRET, followers={}, store=store)
    body = json.dumps({"entity": "model_version_alias", "action": "created", "data": {"name": "x"}})
    now = str(int(time.time()))
    for base in serve_in_thread(app):
        forged = sign("another-secret-of-enough-length", "d-1", now, body)
        headers = {"X-MLflow-Delivery-Id": "d-1", "X-MLflow-Timestamp": now}
        refused = httpx.post(
            f"{base}{WEBHOOK_PATH}", content=body, headers={**headers, "X-MLflow-Signature": forged}
        )
        assert refused.status_code == 401
        assert "does not match" in refused.json()["error"]["message"]
        stale = str(int(time.time()) - 3_600)
        old = httpx.post(
            f"{base}{WEBHOOK_PATH}",
            content=body,
            headers={
                "X-MLflow-Delivery-Id": "d-1",
                "X-MLflow-Timestamp": stale,
                "X-MLflow-Signature": sign(SECRET, "d-1", stale, body),
            },
        )
        assert old.status_code == 401 and "away from now" in old.json()["error"]["message"]
        good = httpx.post(
            f"{base}{WEBHOOK_PATH}",
            content=body,
            headers={**headers, "X-MLflow-Signature": sign(SECRET, "d-1", now, body)},
        )
        assert good.status_code == 200 and good.json()["monitors"] == {}


class SwitchableProxy:
    """A TCP proxy to the MLflow server that can refuse connections ("MLflow is down")."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.is_down = False
        self.open: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.is_down:
                client.close()
                continue
            client.settimeout(None)
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65_536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def go_down(self) -> None:
        """Refuse new connections and cut the open ones (MLflow's client keeps them alive)."""
        self.is_down = True
        for connection in self.open:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.open.clear()

    def close(self) -> None:
        self._stop = True
        self.go_down()
        self.listener.close()


def test_mlflow_outage_checks_continue_and_write_back_catches_up(
    mlflow_server: MlflowServer, reference: pd.DataFrame, store: Store, tmp_path: Path
) -> None:
    name = f"credit-{uuid.uuid4().hex[:8]}"
    train(reference, mlflow_server.url, name)
    proxy = SwitchableProxy(int(mlflow_server.url.rsplit(":", 1)[1]))
    registry = MlflowRegistry(f"http://127.0.0.1:{proxy.port}")
    follower = ModelFollower(
        "credit", parse_model_uri(f"models:/{name}@production"), registry, tmp_path / "cache"
    )
    context = MonitorContext("credit", None, window=HOUR, model=follower)
    for hour in range(4):
        ingest(store, T0 + hour * HOUR, offset=300 * hour)
    windows = [Window(T0 + h * HOUR, T0 + (h + 1) * HOUR) for h in range(4)]
    try:
        assert run_check(store, context, windows[0]).model_version == "1"
        assert flush_writebacks(store, registry).sent == 1

        proxy.go_down()  # MLflow unreachable for two windows
        during = [run_check(store, context, w) for w in windows[1:3]]
        assert [(c.status, c.model_version) for c in during] == [("ok", "1"), ("ok", "1")]
        assert flush_writebacks(store, registry).failed == 1
        assert store.count_pending_writebacks() == 2

        proxy.is_down = False  # back: the retry sends what waited, in window order
        run_check(store, context, windows[3])
        store._clock = lambda: datetime.now(UTC) + timedelta(hours=1)  # past the retry delay
        assert flush_writebacks(store, registry).sent == 3
        assert store.count_pending_writebacks() == 0
    finally:
        proxy.close()
    client = MlflowClient(mlflow_server.url, mlflow_server.url)
    run_id = MlflowRegistry(mlflow_server.url).monitoring_run_id("credit", name, "1")
    assert run_id is not None
    history = client.get_metric_history(run_id, "share_drifted")
    assert sorted(m.timestamp for m in history) == [
        int(w.end_at.timestamp() * 1000) for w in windows
    ]
    assert client.get_model_version(name, "1").tags["drift_status"] == "ok"
