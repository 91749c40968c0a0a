"""Benchmark: retention on PostgreSQL with millions of stored records, while serve ingests.

It creates its own database (``bench_retention`` on 127.0.0.1:5432, user postgres, dropped
and created afresh; ``--admin-url`` and ``--database`` change that), migrates it, and fills
``--records`` records of one monitor spread evenly over ``--days`` days ending now.

The fill goes through the store's own write path, ``Store.add_batch`` (one transaction per
batch: the record keys with ``INSERT ... unnest ... ON CONFLICT DO NOTHING``, then the Arrow
batch row), with ``--batch`` records per batch (default 10 000, the prune's
``batch_rows``). Each batch is the sample data's rows as ``validate_batch`` turns them into
a records table, repeated, with fresh record ids and event times, so the stored rows are the
ones an HTTP ingest of the same records would store; only the JSON parsing is skipped.

One check is saved for the window that ends at day 95 (``save_skipped_check``, status
``no_data``), so days 95 to ``--days`` are windows not checked yet. The benchmark holds
the scheduler lease, so serve runs the API only and never checks those windows itself. The
monitor has no target, so no ``window_members`` rows exist (a monitor with labels keeps one
per checked record, and the prune deletes those too). The database is then analysed
(``ANALYZE``), as autovacuum would long have done for a store filled over months;
``--skip-analyze`` leaves it without statistics.

Then a real ``driftline serve`` starts on the database, and a client posts batches of
``--ingest-batch`` records (event time now), ``--ingest-rate`` requests a second (10 by
default, one at a time), timing each request. After
``--warmup`` seconds, ``driftline records prune --before <day 90> --monitor credit`` runs
as its own process (the store's one prune, as the retention job calls it). The resident
memory (VmRSS) of serve and of the prune process is sampled every 0.5 s. It reports the
records deleted, the prune's duration, deletes per second, transactions, serve's RSS
during the prune and ingest latency p50/p99 before and during the prune, and then verifies:

- every record of the unchecked days (95 on) and every record ingested live is still there;
- no record before day 90 is left except in a batch that reaches past the cut;
- a second prune, up to now, is refused (exit 2): it would remove unchecked records.

Run it alone (it takes the machine's disk and both cores for minutes):

    nice -n 10 .venv/bin/python tests/benchmarks/bench_retention.py --records 10000000
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import socket
import statistics
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
import pyarrow as pa
import sqlalchemy as sa

from monitor import build_baseline, save_baseline
from monitor.engine.ingest import validate_batch
from monitor.engine.records import EVENT_AT, EVENT_AT_TYPE, RECORD_ID
from monitor.service.scheduler import LEASE_NAME
from monitor.store import Store
from monitor.store.migrate import upgrade

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
TOKEN = "bench-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
MONITOR = "credit"
CUT_DAY = 90
CHECKED_DAY = 95
SAMPLE_EVERY = 0.5


def _sample_rows() -> list[dict[str, Any]]:
    frame = pd.read_csv(SAMPLE / "current_no_drift.csv").drop(columns=["record_id"])
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [{str(key): value for key, value in row.items()} for row in records]


def _reset_database(admin_url: str, name: str) -> str:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    return url


def _template(baseline: Any, rows: list[dict[str, Any]], size: int) -> pa.Table:
    """``size`` sample rows as ``validate_batch`` makes them (ids and times replaced later)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    batch = [
        {
            **rows[i % len(rows)],
            "id": f"t{i}",
            "timestamp": (start + timedelta(seconds=i)).isoformat(),
        }
        for i in range(min(size, 1_000))
    ]
    table = validate_batch(baseline, batch)
    while table.num_rows < size:
        table = pa.concat_tables([table, table])
    return table.slice(0, size).combine_chunks()


def _fill(store: Store, template: pa.Table, total: int, first: datetime, step: timedelta) -> float:
    """Store ``total`` records (ids ``r000000000``..., event time ``first + i * step``) in
    batches of ``template.num_rows``; returns records/s."""
    size = template.num_rows
    id_index = template.column_names.index(RECORD_ID)
    at_index = template.column_names.index(EVENT_AT)
    first_us = int(first.timestamp() * 1_000_000)
    step_us = step / timedelta(microseconds=1)
    started = time.perf_counter()
    for offset in range(0, total, size):
        n = min(size, total - offset)
        table = template.slice(0, n)
        ids = pa.array([f"r{i:09d}" for i in range(offset, offset + n)], type=pa.string())
        times = pa.array(
            [first_us + int(i * step_us) for i in range(offset, offset + n)], type=pa.int64()
        ).cast(EVENT_AT_TYPE)
        table = table.set_column(id_index, RECORD_ID, ids)
        table = table.set_column(at_index, EVENT_AT, times)
        if store.add_batch(MONITOR, table) != n:
            raise SystemExit(f"fill: batch at {offset} was not stored whole")
        done = offset + n
        if done % (size * 100) == 0 or done == total:
            rate = done / (time.perf_counter() - started)
            print(f"  filled {done:,} records ({rate:,.0f}/s)", flush=True)
    return total / (time.perf_counter() - started)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class _Sampler(threading.Thread):
    """VmRSS of some processes every SAMPLE_EVERY seconds: (time, name, KiB)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.pids: dict[str, int] = {}
        self.samples: list[tuple[float, str, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            now = time.perf_counter()
            for name, pid in list(self.pids.items()):
                rss = _rss_kib(pid)
                if rss is not None:
                    self.samples.append((now, name, rss))
            self.stop.wait(SAMPLE_EVERY)

    def between(self, name: str, start: float, end: float) -> list[int]:
        return [rss for at, who, rss in self.samples if who == name and start <= at <= end]


class _Ingest(threading.Thread):
    """Posts batches of live records (event time now), ``rate`` requests a second at most
    (one at a time): (time, seconds) of each."""

    def __init__(self, base: str, rows: list[dict[str, Any]], size: int, rate: float) -> None:
        super().__init__(daemon=True)
        self.base, self.rows, self.size = base, rows, size
        self.period = 1 / rate
        self.latencies: list[tuple[float, float]] = []
        self.sent = 0
        self.failures: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=120) as client:
            n = 0
            while not self.stop.is_set():
                at = datetime.now(UTC).isoformat()
                body = [
                    {
                        **self.rows[(n + i) % len(self.rows)],
                        "id": f"live-{n + i:09d}",
                        "timestamp": at,
                    }
                    for i in range(self.size)
                ]
                start = time.perf_counter()
                response = client.post(
                    f"{self.base}/api/v1/monitors/{MONITOR}/records", json=body, headers=HEADERS
                )
                end = time.perf_counter()
                if response.status_code != 200 or response.json()["inserted"] != self.size:
                    self.failures.append(f"{response.status_code} {response.text[:200]}")
                else:
                    self.latencies.append((end, end - start))
                    self.sent += self.size
                n += self.size
                self.stop.wait(max(0.0, self.period - (time.perf_counter() - start)))

    def between(self, start: float, end: float) -> list[float]:
        return [seconds for at, seconds in self.latencies if start <= at <= end]


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _latency(values: list[float]) -> str:
    if not values:
        return "no requests"
    return (
        f"p50 {_quantile(values, 0.5) * 1000:,.0f} ms, "
        f"p99 {_quantile(values, 0.99) * 1000:,.0f} ms "
        f"(mean {statistics.fmean(values) * 1000:,.0f} ms, {len(values)} requests)"
    )


def _cli(env: dict[str, str], folder: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", *args],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--batch", type=int, default=10_000, help="records per stored batch")
    parser.add_argument("--ingest-batch", type=int, default=100, help="records per live request")
    parser.add_argument(
        "--ingest-rate", type=float, default=10.0, help="live requests per second at most"
    )
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds of ingest before prune")
    parser.add_argument(
        "--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--database", default="bench_retention")
    parser.add_argument(
        "--skip-analyze", action="store_true", help="prune without ANALYZE after the fill"
    )
    args = parser.parse_args()
    if args.days <= CHECKED_DAY:
        raise SystemExit(f"--days must be more than {CHECKED_DAY}")

    rows = _sample_rows()
    now = datetime.now(UTC).replace(microsecond=0)
    first = now - timedelta(days=args.days)
    step = timedelta(days=args.days) / args.records

    def day(number: int) -> datetime:
        return first + timedelta(days=number)

    results: list[tuple[str, str]] = [
        (
            "machine",
            f"{platform.platform()}, {os.cpu_count()} cores (shared), Python "
            f"{platform.python_version()}",
        ),
    ]
    url = _reset_database(args.admin_url, args.database)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        baseline = build_baseline(
            pd.read_csv(SAMPLE / "reference.csv"), target="default", prediction="predicted_proba"
        )
        baseline_path = folder / "credit.driftline"
        save_baseline(baseline, baseline_path)
        (folder / "driftline.yaml").write_text(
            "database_url: sqlite:///unused.db\n"
            f"api: {{token: {TOKEN}, max_event_ahead: 1d}}\n"
            "monitors:\n"
            f"  - name: {MONITOR}\n"
            "    baseline: credit.driftline\n"
            "    schedule: {interval: 24h}\n"
            "    window: 1h\n"
        )
        store = Store(url)
        engine = sa.create_engine(url)
        sampler = _Sampler()
        serve: subprocess.Popen[str] | None = None
        ingest: _Ingest | None = None
        try:
            store.upsert_monitor(MONITOR, {})
            # Held for the whole run, so serve never starts its scheduler (no checks).
            if not store.acquire_lease(LEASE_NAME, "bench-retention", timedelta(hours=6)):
                raise SystemExit("could not take the scheduler lease")
            template = _template(baseline, rows, args.batch)
            print(f"filling {args.records:,} records over {args.days} days ...", flush=True)
            load_fill = _loadavg()
            fill_rate = _fill(store, template, args.records, first, step)
            results.append(
                (
                    "fill (Store.add_batch)",
                    f"{args.records:,} records in batches of {args.batch:,}: {fill_rate:,.0f} "
                    f"records/s (load average at start {load_fill})",
                )
            )
            checked_end = day(CHECKED_DAY)
            store.save_skipped_check(
                MONITOR,
                checked_end - timedelta(hours=1),
                checked_end,
                status="no_data",
                reason="benchmark: the last checked window",
                started_at=now,
                finished_at=now,
            )
            if not args.skip_analyze:
                # A store filled over 100 days has long been analysed by autovacuum; one
                # filled in a minute has not, and without statistics PostgreSQL plans the
                # prune's key deletes as a scan of all the monitor's keys (docs/operations.md).
                with engine.begin() as connection:
                    connection.execute(sa.text("ANALYZE"))
            with engine.connect() as connection:
                size = connection.execute(
                    sa.text("SELECT pg_size_pretty(pg_database_size(current_database()))")
                ).scalar()
            results.append(
                (
                    "database size after fill",
                    f"{size} ({'no ANALYZE' if args.skip_analyze else 'then ANALYZE'})",
                )
            )

            env = {
                **os.environ,
                "DRIFTLINE_CONFIG": str(folder / "driftline.yaml"),
                "DRIFTLINE_DATABASE_URL": url,
            }
            port = _free_port()
            serve = subprocess.Popen(
                [sys.executable, "-m", "monitor.cli", "serve", "--port", str(port)],
                cwd=folder,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            base = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            else:
                raise SystemExit("driftline serve did not start")
            sampler.pids["serve"] = serve.pid
            sampler.start()
            ingest = _Ingest(base, rows, args.ingest_batch, args.ingest_rate)
            ingest.start()
            warm_start = time.perf_counter()
            time.sleep(args.warmup)

            cut = day(CUT_DAY)
            load_before = _loadavg()
            prune_start = time.perf_counter()
            prune = _cli(
                env, folder, "records", "prune", "--before", cut.isoformat(), "--monitor", MONITOR
            )
            sampler.pids["prune"] = prune.pid
            output, _ = prune.communicate()
            prune_end = time.perf_counter()
            load_during = _loadavg()
            time.sleep(2)
            ingest.stop.set()
            ingest.join()
            sampler.stop.set()
            sampler.join()
            if prune.returncode != 0:
                raise SystemExit(f"prune failed ({prune.returncode}): {output}")
            if ingest.failures:
                raise SystemExit(f"ingest failed: {ingest.failures[:3]}")

            match = re.search(
                r"removed (\d+) record\(s\) .* in (\d+) batch\(es\), .* in (\d+) transaction\(s\)",
                output,
            )
            if match is None:
                raise SystemExit(f"unexpected prune output: {output}")
            deleted, batches, transactions = (int(g) for g in match.groups())
            seconds = prune_end - prune_start
            serve_rss = sampler.between("serve", prune_start, prune_end)
            serve_before = sampler.between("serve", warm_start, prune_start)
            prune_rss = sampler.between("prune", prune_start, prune_end)
            results += [
                (
                    "prune",
                    f"--before day {CUT_DAY} ({cut.isoformat()}), last checked window "
                    f"ends day {CHECKED_DAY}",
                ),
                ("records deleted", f"{deleted:,} in {batches:,} stored batches"),
                ("prune duration", f"{seconds:,.1f} s (the whole CLI process)"),
                ("deletes per second", f"{deleted / seconds:,.0f} records/s"),
                ("prune transactions", f"{transactions:,}"),
                ("load average before / right after the prune", f"{load_before} / {load_during}"),
                (
                    "serve RSS before the prune",
                    f"{min(serve_before) / 1024:,.0f}-{max(serve_before) / 1024:,.0f} MiB"
                    if serve_before
                    else "no samples",
                ),
                (
                    "serve RSS during the prune",
                    f"min {min(serve_rss) / 1024:,.0f} MiB, max {max(serve_rss) / 1024:,.0f} MiB "
                    f"({len(serve_rss)} samples)"
                    if serve_rss
                    else "no samples",
                ),
                (
                    "prune process RSS",
                    f"max {max(prune_rss) / 1024:,.0f} MiB ({len(prune_rss)} samples)"
                    if prune_rss
                    else "no samples",
                ),
                (
                    f"ingest latency before the prune ({args.ingest_batch} records/request, "
                    f"{args.ingest_rate:g}/s at most)",
                    _latency(ingest.between(warm_start, prune_start)),
                ),
                (
                    "ingest latency during the prune",
                    _latency(ingest.between(prune_start, prune_end)),
                ),
                ("records ingested live during the run", f"{ingest.sent:,}"),
            ]

            # Nothing a pending check needs is gone.
            pending_from = -(-args.records * CHECKED_DAY // args.days)  # first id of day 95
            with engine.connect() as connection:
                kept_pending = connection.execute(
                    sa.text(
                        "SELECT count(*) FROM record_keys WHERE record_id >= :low "
                        "AND record_id LIKE 'r%'"
                    ),
                    {"low": f"r{pending_from:09d}"},
                ).scalar_one()
                live = connection.execute(
                    sa.text("SELECT count(*) FROM record_keys WHERE record_id LIKE 'live-%'")
                ).scalar_one()
                stored_after_checked = connection.execute(
                    sa.text(
                        "SELECT coalesce(sum(n_records), 0) FROM record_batches "
                        "WHERE last_event_at >= :at"
                    ),
                    {"at": checked_end},
                ).scalar_one()
                left_before_cut = connection.execute(
                    sa.text("SELECT count(*) FROM record_batches WHERE last_event_at < :cut"),
                    {"cut": cut},
                ).scalar_one()
            total_after = store.count_records(MONITOR)
            expected_pending = args.records - pending_from
            if kept_pending != expected_pending:
                raise SystemExit(f"pending records lost: {kept_pending} of {expected_pending}")
            if live != ingest.sent:
                raise SystemExit(f"live records lost: {live} of {ingest.sent}")
            if stored_after_checked < expected_pending + ingest.sent:
                raise SystemExit("batches of unchecked windows were removed")
            if left_before_cut:
                raise SystemExit(f"{left_before_cut} batch(es) wholly before the cut were kept")
            if total_after != args.records - deleted + ingest.sent:
                raise SystemExit(f"count after prune {total_after} does not add up")
            refused = _cli(
                env,
                folder,
                "records",
                "prune",
                "--before",
                (datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
                "--monitor",
                MONITOR,
            )
            refused_output, _ = refused.communicate()
            if refused.returncode != 2 or "not checked yet" not in refused_output:
                raise SystemExit(f"prune past the checked window was not refused: {refused_output}")
            results += [
                (
                    "verified",
                    f"all {expected_pending:,} records from day {CHECKED_DAY} (unchecked) and all "
                    f"{ingest.sent:,} live records kept; no batch wholly before day {CUT_DAY} "
                    f"left; {total_after:,} records stored after; a prune up to now "
                    "refused (exit 2)",
                ),
            ]
        finally:
            if ingest is not None:
                ingest.stop.set()
            sampler.stop.set()
            if serve is not None:
                serve.terminate()
                serve.wait(timeout=30)
            store.release_lease(LEASE_NAME, "bench-retention")
            store.close()
            engine.dispose()
    width = max(len(label) for label, _ in results)
    print()
    for label, value in results:
        print(f"{label.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
