"""Concurrent ingest through monitor.client into a real `driftline serve` on SQLite.

Eight threads, each with its own Client, send 12,500 records apiece (100,000 in all, some
batches re-sent) while the scheduler checks every second and a ninth thread asks for
checks through the API; afterwards the store holds exactly 100,000 records.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from serving import SAMPLE, driftline, prepare_folder, start_serve, stop_serve

from monitor.client import Client, IngestResult
from monitor.store import Store

THREADS = 8
PER_THREAD = 12_500
TOTAL = THREADS * PER_THREAD
SPAN = timedelta(hours=48)
TOKEN = "test-token"


@dataclass(frozen=True)
class Server:
    base_url: str
    database_url: str
    log: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp_path = tmp_path_factory.mktemp("concurrent")
    prepare_folder(tmp_path, f"{{token: {TOKEN}}}")
    upgrade = driftline(tmp_path, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        process, base = start_serve(tmp_path, sink)
    try:
        yield Server(base, f"sqlite:///{tmp_path / 'driftline.db'}", log)
    finally:
        stop_serve(process)


def _records(thread: int, frame: list[dict[str, Any]], start: datetime) -> list[dict[str, Any]]:
    """Thread ``thread``'s records: interleaved with the other threads' over the whole span,
    so every thread writes into every hour the scheduler checks."""
    step = SPAN / TOTAL
    records: list[dict[str, Any]] = []
    for i in range(PER_THREAD):
        overall = i * THREADS + thread
        row = frame[overall % len(frame)]
        records.append({**row, "id": f"t{thread}-{i:05d}", "timestamp": start + overall * step})
    return records


def _ingest(server: Server, records: list[dict[str, Any]]) -> list[IngestResult]:
    with Client(server.base_url, token=TOKEN, batch_size=500, backoff_s=0.05) as client:
        return [
            client.log_records("credit", records[:7_000]),
            # re-sent: 2,000 records already stored, then 5,500 new ones
            client.log_records("credit", records[5_000:]),
            # the first batch again, whole
            client.log_records("credit", records[:500]),
        ]


def _check_now(server: Server, start: datetime, stop: threading.Event) -> list[int]:
    """Ask for checks of the first hour through the API until ``stop``; their statuses."""
    statuses: list[int] = []
    window = {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as http:
        while not stop.wait(0.2):
            response = http.post("/api/v1/monitors/credit/checks", json=window)
            statuses.append(response.status_code)
    return statuses


def test_eight_clients_ingest_100k_records_exactly_once_while_checks_run(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="monitor.client")
    reference = pd.read_csv(SAMPLE / "reference.csv").drop(columns=["record_id"])
    rows = reference.astype(object).where(reference.notna(), None).to_dict("records")
    frame = [{str(key): value for key, value in row.items()} for row in rows]
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - SPAN
    plans = [_records(thread, frame, start) for thread in range(THREADS)]

    results: dict[int, list[IngestResult]] = {}
    failures: dict[int, BaseException] = {}

    def work(thread: int) -> None:
        try:
            results[thread] = _ingest(server, plans[thread])
        except BaseException as exc:  # reported below, with the thread
            failures[thread] = exc

    stop = threading.Event()
    checks: list[list[int]] = []
    checker = threading.Thread(target=lambda: checks.append(_check_now(server, start, stop)))
    workers = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    began = time.monotonic()
    checker.start()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    stop.set()
    checker.join(timeout=60)
    elapsed = time.monotonic() - began

    log = server.log.read_text()
    assert not failures, f"ingest failed: {failures!r}\n--- serve log ---\n{log[-5_000:]}"
    assert "database is locked" not in log, log
    assert "Traceback" not in log and " ERROR " not in log, log
    retries = [r.getMessage() for r in caplog.records if r.name == "monitor.client"]
    assert retries == [], f"clients had to retry: {retries[:10]}"

    for thread in range(THREADS):
        first, resent, again = results[thread]
        assert first == IngestResult(7_000, 7_000, 0)
        assert resent == IngestResult(7_500, 5_500, 2_000)
        assert again == IngestResult(500, 0, 500)

    store = Store(server.database_url)
    try:
        assert store.count_records("credit") == TOTAL
    finally:
        store.close()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    listed = httpx.get(f"{server.base_url}/api/v1/monitors", headers=headers).json()
    assert listed["monitors"][0]["name"] == "credit"
    assert listed["monitors"][0]["records"] == TOTAL

    assert checks and checks[0] and set(checks[0]) == {200}, checks
    scheduled = httpx.get(f"{server.base_url}/api/v1/monitors/credit/checks", headers=headers)
    assert scheduled.json()["checks"], "the scheduler ran no check during the ingest"
    assert elapsed < 90, f"ingest took {elapsed:.1f} s"
