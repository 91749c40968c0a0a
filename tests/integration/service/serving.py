"""Running a real `driftline serve` process for the service tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx
import pandas as pd
import pytest
import sqlalchemy as sa

from monitor import build_baseline, save_baseline

SAMPLE = Path(__file__).resolve().parents[3] / "sample_data"
COMMAND_TIMEOUT_S = 300
"""A one-shot command that runs longer is stuck (a serve that should have been refused)."""


def prepare_folder(folder: Path, api: str, *, window: str = "1h", scheduler: str = "{}") -> None:
    """A baseline of the sample reference and a driftline.yaml with one monitor, `credit`
    (1 s schedule, ``window`` windows); ``api`` and ``scheduler`` are the YAML of those
    sections."""
    reference = pd.read_csv(SAMPLE / "reference.csv")
    save_baseline(
        build_baseline(reference, target="default", prediction="predicted_proba"),
        folder / "credit.driftline",
    )
    (folder / "driftline.yaml").write_text(
        "database_url: sqlite:///./driftline.db\n"
        f"api: {api}\n"
        f"scheduler: {scheduler}\n"
        "monitors:\n"
        "  - name: credit\n"
        "    baseline: credit.driftline\n"
        "    schedule: {interval: 1s}\n"
        f"    window: {window}\n"
    )


def serve_env(folder: Path) -> dict[str, str]:
    return {**os.environ, "DRIFTLINE_CONFIG": str(folder / "driftline.yaml")}


def driftline(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one `driftline` command in ``folder`` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args],
        cwd=folder,
        env=serve_env(folder),
        capture_output=True,
        text=True,
        check=False,
        timeout=COMMAND_TIMEOUT_S,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_serve(
    folder: Path, output: IO[str] | None = None, *options: str
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `driftline serve` (with ``options``) on a free port; return it and its base URL
    once healthy."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "serve", "--port", str(port), *options],
        cwd=folder,
        env=serve_env(folder),
        stdout=output if output is not None else subprocess.DEVNULL,
        stderr=subprocess.STDOUT if output is not None else subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        if process.poll() is not None:
            pytest.fail(f"driftline serve exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    pytest.fail("driftline serve did not answer /api/health within 15 s")


def stop_serve(process: subprocess.Popen[bytes]) -> None:
    """Terminate (then kill, if it hangs) a serve process that is still running."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _next_run_at(folder: Path) -> float | None:
    """When APScheduler will next run the monitor's check job (seconds since the epoch):
    each run of the job moves it forward, so it counts runs without reading any log."""
    engine = sa.create_engine(f"sqlite:///{folder / 'driftline.db'}")
    try:
        with engine.connect() as connection:
            value = connection.execute(
                sa.text("SELECT next_run_time FROM apscheduler_jobs WHERE id = 'check:credit'")
            ).scalar()
    except sa.exc.OperationalError:
        return None  # the scheduler has not created its table yet
    finally:
        engine.dispose()
    return None if value is None else float(value)


def wait_for_job_runs(folder: Path, runs: int, timeout_s: float = 30) -> None:
    """Return once the check job has run at least ``runs`` more times (1 s schedule)."""
    deadline = time.monotonic() + timeout_s
    start = None
    while time.monotonic() < deadline:
        at = _next_run_at(folder)
        if start is None:
            start = at
        elif at is not None and at - start >= runs - 0.5:
            return
        time.sleep(0.1)
    pytest.fail(f"the check job did not run {runs} times within {timeout_s} s")
