"""`driftline serve --clock file:PATH`: windows are checked in simulated time, on a real serve."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from serving import driftline, prepare_folder, start_serve, stop_serve, wait_for_job_runs

from monitor.client import Client
from monitor.service.clock import FileClock
from sample_data.live import generate_live


def _checks(base: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{base}/api/v1/monitors/credit/checks", timeout=10).json()
    return sorted(answer["checks"], key=lambda c: c["window_start_at"])


def _wait_for_checks(base: str, count: int, timeout_s: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        checks = _checks(base)
        if len(checks) >= count:
            return checks
        time.sleep(0.2)
    pytest.fail(f"fewer than {count} check(s) within {timeout_s} s: {_checks(base)}")


def test_serve_refuses_a_clock_file_it_cannot_read(tmp_path: Path) -> None:
    prepare_folder(tmp_path, "{}")
    refused = driftline(tmp_path, "serve", "--clock", "file:no-such-clock")
    assert refused.returncode == 2
    assert "no-such-clock" in refused.stderr and "cannot read it" in refused.stderr


def test_a_window_is_checked_only_once_the_simulated_clock_passes_its_end(
    tmp_path: Path,
) -> None:
    # two days of traffic are sent while the simulated clock still reads their start
    prepare_folder(tmp_path, "{max_event_ahead: 3d}", window="1d")
    assert driftline(tmp_path, "db", "upgrade").returncode == 0
    traffic = generate_live(days=2)
    clock = FileClock(tmp_path / "clock")
    clock.set(traffic.start_at)
    process, base = start_serve(tmp_path, None, "--clock", f"file:{clock.path}")
    try:
        with Client(base) as client:
            client.log_records("credit", traffic.records)
        wait_for_job_runs(tmp_path, 3)  # the real clock says both days are long over
        assert _checks(base) == []

        first_end = traffic.start_at + timedelta(days=1)
        clock.set(first_end + timedelta(hours=1))
        [first] = _wait_for_checks(base, 1)
        assert first["window_end_at"] == first_end.isoformat()
        assert first["n_current"] == len(traffic.between(traffic.start_at, first_end))
        # the check took its times from the simulated clock too
        assert first["started_at"] == (first_end + timedelta(hours=1)).isoformat()
        wait_for_job_runs(tmp_path, 2)  # later runs check nothing more
        assert len(_checks(base)) == 1

        clock.set(traffic.end_at)
        checks = _wait_for_checks(base, 2)
        assert [c["window_start_at"] for c in checks] == [
            traffic.start_at.isoformat(),
            first_end.isoformat(),
        ]
    finally:
        stop_serve(process)
