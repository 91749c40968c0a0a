"""Fault test: ``driftline serve`` is SIGKILLed while its scheduler is checking windows.

Nothing ingested may be lost, no check may be half written (a check row without its
column results), and after a restart every complete window is checked exactly once, with
the record counts of the ingested hours.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from serving import SAMPLE, driftline, prepare_folder, start_serve, stop_serve
from sqlalchemy import create_engine, text

from monitor.engine.windows import align

HOURS = 6
PER_HOUR = 2_500
WINDOW = timedelta(hours=1)
HEADERS = {"Authorization": "Bearer test-token"}
LEASE_TTL_S = 10
"""The scheduler lease of these serves (``scheduler.lease_ttl``; 60 s by default): a second
serve takes a killed one's lease over at most this plus a third of it later."""


def _records(hour_starts: list[datetime]) -> tuple[list[dict[str, Any]], dict[datetime, int]]:
    """``PER_HOUR`` sample rows in each hour, spread over it; with the count per hour."""
    frame = pd.read_csv(SAMPLE / "current_no_drift.csv").drop(columns=["record_id"])
    rows: list[dict[str, Any]] = frame.astype(object).where(frame.notna(), None).to_dict("records")
    step = WINDOW / PER_HOUR
    records: list[dict[str, Any]] = []
    for hour, start in enumerate(hour_starts):
        for i in range(PER_HOUR):
            row = rows[(hour * PER_HOUR + i) % len(rows)]
            records.append(
                {**row, "id": f"h{hour}-{i:05d}", "timestamp": (start + i * step).isoformat()}
            )
    return records, dict.fromkeys(hour_starts, PER_HOUR)


def _count_checks(database: Path) -> int:
    # A plain read-only connection: it must never block the server's writes.
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as connection:
        return int(connection.execute("SELECT count(*) FROM checks").fetchone()[0])


def _utc(value: Any) -> datetime:
    """A timestamp as SQLite stores it (UTC wall time) as an aware datetime."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    prepare_folder(
        tmp_path,
        "{token: test-token, max_batch_records: 20000, max_request_bytes: 33554432}",
        scheduler=f"{{lease_ttl: {LEASE_TTL_S}s}}",
    )
    upgrade = driftline(tmp_path, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    yield tmp_path


def test_sigkill_during_checks_loses_nothing_and_restart_checks_each_window_once(
    folder: Path,
) -> None:
    database = folder / "driftline.db"
    current_hour = align(datetime.now(UTC), WINDOW)
    hour_starts = [current_hour - (HOURS - k) * WINDOW for k in range(HOURS)]
    records, per_hour = _records(hour_starts)

    process, base = start_serve(folder)
    try:
        # One batch, one transaction: the scheduler sees all of it or none of it, so no
        # window is checked before its records are in.
        response = httpx.post(
            f"{base}/api/v1/monitors/credit/records", json=records, headers=HEADERS, timeout=60
        )
        assert response.status_code == 200, response.text
        assert response.json()["inserted"] == len(records)

        # Kill while the scheduler is part way through the due windows.
        deadline = time.monotonic() + 30
        seen = 0
        while time.monotonic() < deadline:
            seen = _count_checks(database)
            if seen >= 1:
                break
            time.sleep(0.002)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        stop_serve(process)
    assert 1 <= seen < HOURS, (
        f"{seen} check(s) when the process was killed; the kill should land mid-catch-up"
    )

    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            keys = connection.execute(text("SELECT count(*) FROM record_keys")).scalar_one()
            stored = connection.execute(
                text("SELECT sum(n_records) FROM record_batches")
            ).scalar_one()
            assert keys == stored == len(records), "ingested records were lost by the crash"
            partial = connection.execute(
                text(
                    "SELECT c.id, c.status FROM checks c "
                    "WHERE c.status IN ('ok', 'drifting') AND NOT EXISTS "
                    "(SELECT 1 FROM column_results r WHERE r.check_id = c.id)"
                )
            ).all()
            assert partial == [], f"checks without their column results: {partial}"
            orphans = connection.execute(
                text(
                    "SELECT count(*) FROM column_results r "
                    "WHERE NOT EXISTS (SELECT 1 FROM checks c WHERE c.id = r.check_id)"
                )
            ).scalar_one()
            assert orphans == 0, "column results of a check that was never saved"
            killed_at = connection.execute(text("SELECT count(*) FROM checks")).scalar_one()
            assert killed_at < HOURS, "the kill landed after the catch-up had finished"
            # The killed process still holds the scheduler lease; a restarted serve takes
            # over once it expires (the takeover is the next test's). To keep this test
            # short, expire the dead holder's lease now.
            connection.execute(
                text("UPDATE scheduler_leases SET expires_at = '2000-01-01 00:00:00.000000'")
            )
            connection.commit()

        process, base = start_serve(folder)
        try:
            deadline = time.monotonic() + 30
            while True:
                expected = []
                start = hour_starts[0]
                while start + WINDOW <= datetime.now(UTC):
                    expected.append(start)
                    start += WINDOW
                with engine.connect() as connection:
                    rows = connection.execute(
                        text(
                            "SELECT window_start_at, count(*), max(status), max(n_current) "
                            "FROM checks GROUP BY window_start_at ORDER BY window_start_at"
                        )
                    ).all()
                checked = {_utc(row[0]): row for row in rows}
                if set(expected) <= set(checked) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert sorted(checked) == expected, "every complete window checked, none extra"
            assert all(row[1] == 1 for row in rows), f"a window checked twice: {rows}"
            for start, count in per_hour.items():
                _, _, status, n_current = checked[start]
                assert status in ("ok", "drifting"), (start, status)
                assert n_current == count, f"window {start}: n_current {n_current} != {count}"
            listed = httpx.get(f"{base}/api/v1/monitors/credit/checks", headers=HEADERS).json()
            assert len(listed["checks"]) == len(expected)
        finally:
            stop_serve(process)
    finally:
        engine.dispose()


def _lease_holder(database: Path) -> str | None:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as connection:
        row = connection.execute("SELECT holder FROM scheduler_leases").fetchone()
    return None if row is None else str(row[0])


def test_second_serve_takes_over_the_scheduler_when_the_first_dies(folder: Path) -> None:
    """Two `serve` on one database: the second runs the API only until the first is
    killed, then takes the expired lease and checks the windows itself."""
    database = folder / "driftline.db"
    first, _ = start_serve(folder)
    for _ in range(100):
        if _lease_holder(database) == f"{socket.gethostname()}:{first.pid}":
            break
        time.sleep(0.1)
    else:
        stop_serve(first)
        pytest.fail("the first serve never took the scheduler lease")
    second, base = start_serve(folder)
    try:
        assert _lease_holder(database) == f"{socket.gethostname()}:{first.pid}"
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        hour = (datetime.now(UTC) - 3 * WINDOW).replace(minute=0, second=0, microsecond=0)
        records, _ = _records([hour])
        response = httpx.post(
            f"{base}/api/v1/monitors/credit/records", json=records, headers=HEADERS, timeout=60
        )
        assert response.status_code == 200, response.text
        # the dead holder's lease lasts LEASE_TTL_S; the second serve retries every third
        # of it, then catches the window up (a generous deadline for a busy machine)
        deadline = time.monotonic() + LEASE_TTL_S * 4 / 3 + 60
        while time.monotonic() < deadline and _count_checks(database) == 0:
            time.sleep(0.5)
        assert _count_checks(database) > 0, "no check ran after the first serve died"
        assert _lease_holder(database) == f"{socket.gethostname()}:{second.pid}"
    finally:
        stop_serve(second)
        if first.poll() is None:
            first.kill()
