"""`driftline serve` as a real process on 127.0.0.1: ingest -> scheduled check -> API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from monitor import build_baseline, save_baseline

SAMPLE = Path(__file__).resolve().parents[3] / "sample_data"
HOUR_START = datetime(2026, 1, 5, 10, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _driftline(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DRIFTLINE_CONFIG": str(cwd / "driftline.yaml")},
    )


def _records(name: str, start: datetime, rows: int) -> list[dict[str, Any]]:
    frame = pd.read_csv(SAMPLE / name).head(rows).rename(columns={"record_id": "id"})
    frame["timestamp"] = [(start + timedelta(seconds=i)).isoformat() for i in range(len(frame))]
    records: list[dict[str, Any]] = (
        frame.astype(object).where(frame.notna(), None).to_dict("records")
    )
    return records


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp_path = tmp_path_factory.mktemp("serve")
    reference = pd.read_csv(SAMPLE / "reference.csv")
    save_baseline(
        build_baseline(reference, target="default", prediction="predicted_proba"),
        tmp_path / "credit.driftline",
    )
    (tmp_path / "driftline.yaml").write_text(
        "database_url: sqlite:///./driftline.db\n"
        "api: {token: test-token}\n"
        "monitors:\n"
        "  - name: credit\n"
        "    baseline: credit.driftline\n"
        "    schedule: {interval: 1s}\n"
        "    window: 1h\n"
    )
    refused = _driftline("serve", cwd=tmp_path)
    assert refused.returncode == 2 and "driftline db upgrade" in refused.stderr
    assert _driftline("db", "upgrade", cwd=tmp_path).returncode == 0
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env={**os.environ, "DRIFTLINE_CONFIG": str(tmp_path / "driftline.yaml")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("driftline serve did not answer /api/health within 10 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_ingested_drift_is_checked_by_the_scheduler_and_served(server: str) -> None:
    headers = {"Authorization": "Bearer test-token"}
    records = _records("current_income_drift.csv", HOUR_START, 1_500)
    response = httpx.post(f"{server}/api/v1/monitors/credit/records", json=records, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 1_500

    check: dict[str, Any] | None = None
    for _ in range(150):
        checks = httpx.get(f"{server}/api/v1/monitors/credit/checks", headers=headers).json()
        found = [c for c in checks["checks"] if c["window_start_at"] == HOUR_START.isoformat()]
        if found:
            check = found[0]
            break
        time.sleep(0.2)
    assert check is not None, "no scheduled check of the ingested hour within 30 s"
    assert check["n_current"] == 1_500
    detail = httpx.get(f"{server}/api/v1/checks/{check['id']}", headers=headers).json()
    assert detail["columns"]["income"]["drifted"] is True
    assert detail["columns"]["region"]["drifted"] is False


def test_api_requires_the_token_but_health_does_not(server: str) -> None:
    assert httpx.get(f"{server}/api/health").status_code == 200
    unauthorised = httpx.get(f"{server}/api/v1/monitors")
    assert unauthorised.status_code == 401
    assert unauthorised.json()["error"]["code"] == "unauthorised"


def test_bad_batch_is_refused_whole_naming_record_and_column(server: str) -> None:
    headers = {"Authorization": "Bearer test-token"}
    records = _records("current_no_drift.csv", HOUR_START + timedelta(days=1), 3)
    records[2]["income"] = "lots"
    response = httpx.post(f"{server}/api/v1/monitors/credit/records", json=records, headers=headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["index"], error["column"]) == (2, "income")
    good = httpx.post(f"{server}/api/v1/monitors/credit/records", json=records[:2], headers=headers)
    assert good.json()["inserted"] == 2, "the refused batch must not have stored records 0-1"


def test_openapi_document_lists_the_endpoints(server: str) -> None:
    document = httpx.get(f"{server}/api/openapi.json").json()
    assert "/api/v1/monitors/{name}/records" in document["paths"]
