"""driftline.yaml is live: a running `driftline serve` takes monitors added or changed in the
file without a restart, and refuses an invalid change while the old configuration runs on."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from serving import prepare_folder, start_serve, stop_serve, wait_for_job_runs

from sample_data.live import generate_live

SECOND_MONITOR = (
    "  - name: second\n"
    "    baseline: credit.driftline\n"
    "    schedule: {interval: 1h}\n"
    "    window: 1h\n"
)


def _records(n: int = 20) -> list[dict[str, Any]]:
    frame = generate_live(days=1).records.head(n)
    rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", date_format="iso"))
    return rows


def _post(base: str, monitor: str) -> httpx.Response:
    return httpx.post(f"{base}/api/v1/monitors/{monitor}/records", json=_records(), timeout=10)


def _eventually(condition: Callable[[], bool], what: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.1)


def test_a_monitor_added_while_serve_runs_accepts_records_without_a_restart(
    tmp_path: Path,
) -> None:
    prepare_folder(tmp_path, "{}")
    with (tmp_path / "serve.log").open("w") as log:
        process, base = start_serve(tmp_path, log)
        try:
            refused = _post(base, "second")
            assert refused.status_code == 404
            assert refused.json()["error"]["code"] == "unknown_monitor"
            config = tmp_path / "driftline.yaml"
            config.write_text(config.read_text() + SECOND_MONITOR)
            added = time.monotonic()
            _eventually(lambda: _post(base, "second").status_code == 200, "ingest for 'second'")
            took = time.monotonic() - added
            assert process.poll() is None  # the same process: no restart
            names = [m["name"] for m in httpx.get(f"{base}/api/v1/monitors").json()["monitors"]]
            assert names == ["credit", "second"]
        finally:
            stop_serve(process)
    assert took < 10
    assert "reloaded: +second" in (tmp_path / "serve.log").read_text()


def test_an_invalid_change_is_refused_and_the_running_configuration_stays(
    tmp_path: Path,
) -> None:
    prepare_folder(tmp_path, "{}")
    config = tmp_path / "driftline.yaml"
    good = config.read_text()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process, base = start_serve(tmp_path, log)
        try:
            config.write_text(good + SECOND_MONITOR.replace("window: 1h", "window: -1h"))
            _eventually(lambda: "change refused" in log_path.read_text(), "the refusal")
            refusal = log_path.read_text().partition("change refused")[2]
            assert "monitors[1].window" in refusal  # the usual message names the field
            assert _post(base, "credit").status_code == 200  # the old configuration runs on
            assert _post(base, "second").status_code == 404
            config.write_text(good + SECOND_MONITOR)  # the fix is taken as usual
            _eventually(lambda: _post(base, "second").status_code == 200, "ingest after the fix")
        finally:
            stop_serve(process)


def test_serve_logs_nothing_on_idle_scheduler_ticks(tmp_path: Path) -> None:
    """One line per check or error: ten runs of a 1 s check job with nothing due add no line."""
    prepare_folder(tmp_path, "{}")
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process, _ = start_serve(tmp_path, log)
        try:
            wait_for_job_runs(tmp_path, 2)  # the scheduler runs; start-up lines are written
            before = log_path.read_text().splitlines()
            wait_for_job_runs(tmp_path, 10)
            after = log_path.read_text().splitlines()
        finally:
            stop_serve(process)
    assert any("scheduler started" in line for line in before)
    assert after[len(before) :] == []
