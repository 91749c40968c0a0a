"""API limits and errors, on a real HTTP server on 127.0.0.1 (in a thread)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from werkzeug.serving import make_server

from monitor import build_baseline
from monitor.service.api import ApiSettings, create_app
from monitor.service.context import MonitorContext
from monitor.store import Store, upgrade


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    upgrade(url)
    store = Store(url)
    store.upsert_monitor("credit", {})
    rng = np.random.default_rng(0)
    baseline = build_baseline(
        pd.DataFrame({"income": rng.normal(size=100), "region": rng.choice(["a", "b"], 100)})
    )
    app = create_app(
        store,
        {"credit": MonitorContext("credit", baseline, window=timedelta(hours=1))},
        ApiSettings(max_request_bytes=4_096, max_batch_records=5),
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        store.close()


def _records(n: int) -> list[dict[str, object]]:
    return [
        {"id": f"r{i}", "timestamp": "2026-03-01T10:00:00Z", "income": 1.0, "region": "a"}
        for i in range(n)
    ]


def test_body_over_the_size_limit_is_413_stating_the_limit(base_url: str) -> None:
    response = httpx.post(
        f"{base_url}/api/v1/monitors/credit/records",
        content=b"x" * 5_000,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert "4096 bytes" in response.json()["error"]["message"]


def test_batch_over_the_record_limit_is_refused_stating_the_limit(base_url: str) -> None:
    response = httpx.post(f"{base_url}/api/v1/monitors/credit/records", json=_records(6))
    assert response.status_code == 413
    assert "limit of 5" in response.json()["error"]["message"]


def test_unknown_monitor_is_404_listing_the_known_ones(base_url: str) -> None:
    response = httpx.post(f"{base_url}/api/v1/monitors/nope/records", json=_records(1))
    assert response.status_code == 404
    assert "credit" in response.json()["error"]["message"]


def test_csv_batch_is_accepted(base_url: str) -> None:
    body = "id,timestamp,income,region\nc1,2026-03-01T10:00:00Z,1.5,a\nc2,2026-03-01T10:01:00Z,,b\n"
    response = httpx.post(
        f"{base_url}/api/v1/monitors/credit/records",
        content=body,
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 2


def test_labels_are_stored(base_url: str) -> None:
    httpx.post(f"{base_url}/api/v1/monitors/credit/records", json=_records(2))
    response = httpx.post(
        f"{base_url}/api/v1/monitors/credit/labels", json=[{"id": "r0", "label": 1}]
    )
    assert response.status_code == 200 and response.json()["stored"] == 1
