"""Benchmark: the service's ingest and window load.

(a) HTTP ingest into SQLite: ``driftline serve`` as a subprocess, 200 batches of 1 000
records (the sample data's fields) posted by one client, then by 4 concurrent clients;
records/s against a target of 50 000/s. (b) ``Store.load_window`` of a 1 000 000-record
window into a DataFrame (target < 5 s) and ``compare`` on it. Run with ``make bench``.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from monitor import build_baseline, compare, save_baseline
from monitor.store import Store
from monitor.store.migrate import upgrade
from tests.ingesting import ingest

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
BATCHES = 200
BATCH = 1_000
CLIENTS = 4
WINDOW_ROWS = 1_000_000
INGEST_TARGET = 50_000.0
LOAD_TARGET = 5.0
HEADERS = {"Authorization": "Bearer bench-token", "Content-Type": "application/json"}
START = datetime(2026, 1, 5, 10, tzinfo=UTC)


def _rows() -> list[dict[str, Any]]:
    frame = pd.read_csv(SAMPLE / "current_no_drift.csv").drop(columns=["record_id"])
    rows: list[dict[str, Any]] = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return rows


def _batches(prefix: str, rows: list[dict[str, Any]]) -> list[bytes]:
    """``BATCHES`` JSON bodies of ``BATCH`` records, encoded up front (not timed)."""
    step = timedelta(hours=1) / (BATCHES * BATCH)
    bodies = []
    for b in range(BATCHES):
        batch = []
        for i in range(BATCH):
            n = b * BATCH + i
            batch.append(
                {
                    **rows[n % len(rows)],
                    "id": f"{prefix}-{n:07d}",
                    "timestamp": (START + n * step).isoformat(),
                }
            )
        bodies.append(json.dumps(batch).encode())
    return bodies


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    (folder / "driftline.yaml").write_text(
        "database_url: sqlite:///./driftline.db\n"
        "api: {token: bench-token}\n"
        "monitors:\n"
        "  - name: credit\n"
        "    baseline: credit.driftline\n"
        "    schedule: {interval: 24h}\n"
        "    window: 1h\n"
    )
    env = {**os.environ, "DRIFTLINE_CONFIG": str(folder / "driftline.yaml")}
    subprocess.run(
        [sys.executable, "-m", "monitor.cli", "db", "upgrade"], cwd=folder, env=env, check=True
    )
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "serve", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("driftline serve did not start")


def _post_all(base: str, bodies: list[bytes]) -> None:
    url = f"{base}/api/v1/monitors/credit/records"
    with httpx.Client(timeout=120) as client:
        for body in bodies:
            response = client.post(url, content=body, headers=HEADERS)
            if response.status_code != 200 or response.json()["inserted"] != BATCH:
                raise SystemExit(f"ingest failed: {response.status_code} {response.text[:200]}")


def _ingest(base: str, clients: int, rows: list[dict[str, Any]], tag: str) -> float:
    """Records/s for BATCHES batches split over ``clients`` concurrent clients."""
    bodies = _batches(tag, rows)
    shares = [bodies[i::clients] for i in range(clients)]
    threads = [threading.Thread(target=_post_all, args=(base, share)) for share in shares]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return BATCHES * BATCH / (time.perf_counter() - start)


def _fill(store: Store, rows: list[dict[str, Any]]) -> float:
    """Store WINDOW_ROWS records in one hour through Store.add_records; returns records/s."""
    step = timedelta(hours=1) / WINDOW_ROWS
    chunk = 50_000
    start = time.perf_counter()
    for first in range(0, WINDOW_ROWS, chunk):
        ingest(
            store,
            "credit",
            [
                (f"w-{n:07d}", START + n * step, rows[n % len(rows)])
                for n in range(first, min(first + chunk, WINDOW_ROWS))
            ],
        )
    return WINDOW_ROWS / (time.perf_counter() - start)


def main() -> None:
    rows = _rows()
    results: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        baseline = build_baseline(
            pd.read_csv(SAMPLE / "reference.csv"), target="default", prediction="predicted_proba"
        )
        save_baseline(baseline, folder / "credit.driftline")

        process, base = _serve(folder)
        try:
            single = _ingest(base, 1, rows, "one")
            several = _ingest(base, CLIENTS, rows, "four")
        finally:
            process.terminate()
            process.wait(timeout=30)
        for label, rate in (("1 client", single), (f"{CLIENTS} clients", several)):
            results.append(
                (
                    f"HTTP ingest, {BATCHES} x {BATCH} records, {label}",
                    f"{rate:,.0f} records/s",
                    f">= {INGEST_TARGET:,.0f}/s",
                    "ok" if rate >= INGEST_TARGET else "MISSED",
                )
            )

        store = Store(f"sqlite:///{folder / 'window.db'}")
        try:
            upgrade(f"sqlite:///{folder / 'window.db'}")
            store.upsert_monitor("credit", {})
            fill_rate = _fill(store, rows)
            results.append(
                (
                    f"Store.add_records, {WINDOW_ROWS:,} records (50 000 a call)",
                    f"{fill_rate:,.0f} records/s",
                    "-",
                    "",
                )
            )
            start = time.perf_counter()
            frame = store.load_window("credit", START, START + timedelta(hours=1))
            load = time.perf_counter() - start
            assert len(frame) == WINDOW_ROWS, len(frame)
            results.append(
                (
                    f"Store.load_window, {WINDOW_ROWS:,} records -> DataFrame",
                    f"{load:.2f} s",
                    f"< {LOAD_TARGET:.0f} s",
                    "ok" if load < LOAD_TARGET else "MISSED",
                )
            )
            current = frame.drop(columns=["record_id", "event_at"])
            start = time.perf_counter()
            report = compare(baseline, current)
            results.append(
                (
                    f"compare on the {WINDOW_ROWS:,}-record window",
                    f"{time.perf_counter() - start:.2f} s",
                    "-",
                    f"{len(report.drifted_columns)} drifted",
                )
            )
        finally:
            store.close()

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"python {platform.python_version()}, pandas {pd.__version__}, SQLite file"
    )
    width = max(len(r[0]) for r in results)
    print(f"{'measure':<{width}}  {'result':>20}  {'target':>12}  verdict")
    for measure, result, target, verdict in results:
        print(f"{measure:<{width}}  {result:>20}  {target:>12}  {verdict}")


if __name__ == "__main__":
    main()
