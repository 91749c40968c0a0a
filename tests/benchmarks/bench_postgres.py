"""Benchmark: HTTP ingest into PostgreSQL with one and with two ``driftline serve`` processes.

Both processes share one PostgreSQL database (``$DRIFTLINE_BENCH_POSTGRES_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/bench_driftline``; its ``public`` schema is
dropped and migrated afresh). Clients on 127.0.0.1 post ``BATCHES`` batches of ``BATCH``
records (the sample data's fields), ``CLIENTS`` at a time, round-robin across the processes.
One process holds the scheduler lease, the other serves the API only: ingest scales with
API processes because each batch is one transaction of two statements (the record keys,
then the Arrow batch row).

A second table times the store alone (``Store.add_batch`` of the same batches, one caller)
on PostgreSQL and on a SQLite file, and a third the record-key statement three ways with
psycopg directly, to see where PostgreSQL's time goes: the ``INSERT ... SELECT unnest(...)
ON CONFLICT DO NOTHING RETURNING`` the store uses (one statement per batch), ``COPY`` into
a temporary table followed by the same ``INSERT ... SELECT`` (COPY alone cannot skip known
ids or return the new ones), and the store's statement with ``synchronous_commit = off``
(what the commit's WAL flush costs). Each measurement is kept under a minute. Run it alone:

    nice -n 10 .venv/bin/python tests/benchmarks/bench_postgres.py
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
from itertools import cycle
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import sqlalchemy as sa

from monitor import build_baseline, save_baseline
from monitor.engine.ingest import validate_batch
from monitor.store import Store
from monitor.store.migrate import upgrade

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
BATCHES = 200
BATCH = 1_000
CLIENTS = 4
TOKEN = "bench-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
START = datetime(2026, 1, 5, 10, tzinfo=UTC)
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_driftline"


def _rows() -> list[dict[str, Any]]:
    frame = pd.read_csv(SAMPLE / "current_no_drift.csv").drop(columns=["record_id"])
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [{str(key): value for key, value in row.items()} for row in records]


def _batches(prefix: str, rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    step = timedelta(hours=1) / (BATCHES * BATCH)
    return [
        [
            {
                **rows[(b * BATCH + i) % len(rows)],
                "id": f"{prefix}-{b * BATCH + i:07d}",
                "timestamp": (START + (b * BATCH + i) * step).isoformat(),
            }
            for i in range(BATCH)
        ]
        for b in range(BATCHES)
    ]


def _reset(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(folder: Path, url: str) -> tuple[subprocess.Popen[bytes], str]:
    env = {
        **os.environ,
        "DRIFTLINE_CONFIG": str(folder / "driftline.yaml"),
        "DRIFTLINE_DATABASE_URL": url,
    }
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "serve", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("driftline serve did not start")


def _post_all(bases: list[str], bodies: list[bytes], offset: int) -> None:
    targets = cycle(bases[offset % len(bases) :] + bases[: offset % len(bases)])
    with httpx.Client(timeout=120) as client:
        for body, base in zip(bodies, targets, strict=False):
            response = client.post(
                f"{base}/api/v1/monitors/credit/records", content=body, headers=HEADERS
            )
            if response.status_code != 200 or response.json()["inserted"] != BATCH:
                raise SystemExit(f"ingest failed: {response.status_code} {response.text[:200]}")


def _ingest(bases: list[str], rows: list[dict[str, Any]], tag: str) -> float:
    """Records/s for BATCHES batches posted by CLIENTS clients, round-robin over ``bases``."""
    bodies = [json.dumps(batch).encode() for batch in _batches(tag, rows)]
    shares = [bodies[i::CLIENTS] for i in range(CLIENTS)]
    threads = [
        threading.Thread(target=_post_all, args=(bases, share, i)) for i, share in enumerate(shares)
    ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return BATCHES * BATCH / (time.perf_counter() - start)


def _store_rate(url: str, baseline: Any, rows: list[dict[str, Any]], tag: str) -> float:
    """Records/s of Store.add_batch alone (validated tables prepared up front)."""
    store = Store(url)
    try:
        store.upsert_monitor("credit", {})
        tables = [validate_batch(baseline, batch) for batch in _batches(tag, rows)[:100]]
        start = time.perf_counter()
        for table in tables:
            store.add_batch("credit", table)
        return len(tables) * BATCH / (time.perf_counter() - start)
    finally:
        store.close()


def _keys_rates(url: str) -> list[tuple[str, str]]:
    """Record keys of 100 batches of BATCH ids, one transaction per batch, three ways."""
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    out: list[tuple[str, str]] = []
    with psycopg.connect(conninfo) as connection:
        monitor_id = connection.execute(
            "INSERT INTO monitors (name, config_json, created_at, updated_at) "
            "VALUES ('keys', '{}', now(), now()) RETURNING id"
        ).fetchone()
        connection.commit()
        assert monitor_id is not None
        insert = (
            "INSERT INTO record_keys (monitor_id, record_id) SELECT %s, unnest(%s::text[]) "
            "ON CONFLICT DO NOTHING RETURNING record_id"
        )

        def unnest(ids: list[str]) -> int:
            return len(connection.execute(insert, (monitor_id[0], ids)).fetchall())

        def copy(ids: list[str]) -> int:
            connection.execute(
                "CREATE TEMP TABLE IF NOT EXISTS new_keys (record_id text) ON COMMIT DELETE ROWS"
            )
            with connection.cursor().copy("COPY new_keys (record_id) FROM STDIN") as target:
                for record_id in ids:
                    target.write_row((record_id,))
            return len(
                connection.execute(
                    "INSERT INTO record_keys (monitor_id, record_id) "
                    "SELECT %s, record_id FROM new_keys "
                    "ON CONFLICT DO NOTHING RETURNING record_id",
                    (monitor_id[0],),
                ).fetchall()
            )

        def unnest_async_commit(ids: list[str]) -> int:
            connection.execute("SET LOCAL synchronous_commit = off")
            return unnest(ids)

        for label, method in (
            ("INSERT ... unnest ... RETURNING (the store's)", unnest),
            ("COPY to a temp table + INSERT ... SELECT", copy),
            ("the store's, synchronous_commit = off", unnest_async_commit),
        ):
            start = time.perf_counter()
            for b in range(100):
                ids = [f"{label[:4]}-{b}-{i}" for i in range(BATCH)]
                assert method(ids) == BATCH
                connection.commit()
            rate = 100 * BATCH / (time.perf_counter() - start)
            out.append((f"record keys only, {label}", f"{rate:,.0f} records/s"))
    return out


def main() -> None:
    url = os.environ.get("DRIFTLINE_BENCH_POSTGRES_URL", DEFAULT_URL)
    rows = _rows()
    results: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        baseline = build_baseline(
            pd.read_csv(SAMPLE / "reference.csv"), target="default", prediction="predicted_proba"
        )
        save_baseline(baseline, folder / "credit.driftline")
        (folder / "driftline.yaml").write_text(
            "database_url: sqlite:///unused.db\n"
            f"api: {{token: {TOKEN}, max_event_ahead: 3650d}}\n"
            "monitors:\n"
            "  - name: credit\n"
            "    baseline: credit.driftline\n"
            "    schedule: {interval: 24h}\n"
            "    window: 1h\n"
        )
        for processes in (1, 2):
            _reset(url)
            started = [_serve(folder, url) for _ in range(processes)]
            try:
                rate = _ingest([base for _, base in started], rows, f"p{processes}")
            finally:
                for process, _ in started:
                    process.terminate()
                for process, _ in started:
                    process.wait(timeout=30)
            results.append(
                (
                    f"HTTP ingest, PostgreSQL, {processes} serve process(es), {CLIENTS} clients, "
                    f"{BATCHES} x {BATCH} records",
                    f"{rate:,.0f} records/s",
                )
            )
        _reset(url)
        results += _keys_rates(url)
        _reset(url)
        sqlite_url = f"sqlite:///{folder / 'store.db'}"
        upgrade(sqlite_url)
        for label, target in (("PostgreSQL", url), ("SQLite file", sqlite_url)):
            rate = _store_rate(target, baseline, rows, "s")
            results.append(
                (f"Store.add_batch alone, {label}, 100 x {BATCH} records", f"{rate:,.0f} records/s")
            )

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"python {platform.python_version()}, PostgreSQL on 127.0.0.1"
    )
    width = max(len(r[0]) for r in results)
    for measure, result in results:
        print(f"{measure:<{width}}  {result:>20}")


if __name__ == "__main__":
    main()
