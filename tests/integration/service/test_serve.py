"""`driftline serve` as a real process on 127.0.0.1: ingest -> scheduled check -> API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pandas as pd
import pytest
from serving import SAMPLE, driftline, prepare_folder, start_serve, stop_serve

from monitor.store import upgrade

HOUR_START = datetime(2026, 1, 5, 10, tzinfo=UTC)


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
    prepare_folder(tmp_path, "{token: test-token}")
    # a database at an older revision is refused with the command that fixes it (an empty
    # one would be created at the latest schema, so serve would start)
    upgrade(f"sqlite:///{tmp_path / 'driftline.db'}", "0006")
    refused = driftline(tmp_path, "serve", "--port", "0")
    assert refused.returncode == 2 and "driftline db upgrade" in refused.stderr
    assert driftline(tmp_path, "db", "upgrade").returncode == 0
    process, base = start_serve(tmp_path)
    try:
        yield base
    finally:
        stop_serve(process)


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
