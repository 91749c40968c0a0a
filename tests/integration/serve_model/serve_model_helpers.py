"""Helpers of the serve-model tests (imported by name, like the MLflow tests' helpers)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from flask import Flask
from waitress import wasyncore
from waitress.server import create_server

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "sample_data"))
sys.path.insert(0, str(ROOT / "tests" / "integration" / "service"))

from serving import serve_env  # noqa: E402
from train import CATEGORICAL, NUMERIC  # noqa: E402

FEATURES = NUMERIC + CATEGORICAL


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def feature_rows(n: int) -> pd.DataFrame:
    """``n`` complete rows of live features, typed as the model's signature wants."""
    frame = pd.read_csv(ROOT / "sample_data" / "current_no_drift.csv").dropna().head(n)
    out = frame[FEATURES].copy()
    out[NUMERIC] = out[NUMERIC].astype("float64")
    out["has_mortgage"] = out["has_mortgage"].astype(str)
    return out.reset_index(drop=True)


def split_body(frame: pd.DataFrame) -> dict[str, Any]:
    return {"dataframe_split": {"columns": list(frame.columns), "data": frame.values.tolist()}}


@contextmanager
def running(app: Flask) -> Iterator[str]:
    """``app`` on waitress on a free port of 127.0.0.1, in this process."""
    server: Any = create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Stop from inside the server's own loop: closing its sockets from this thread
        # races with the loop (EBADF in the trigger).
        server.task_dispatcher.shutdown(timeout=5)
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        thread.join(timeout=5)
        assert not thread.is_alive(), "waitress did not stop"


def start_serve_on(folder: Path, port: int) -> subprocess.Popen[bytes]:
    """`driftline serve` in ``folder`` on ``port`` (fixed: a restart must come back there)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "serve", "--port", str(port)],
        cwd=folder,
        env=serve_env(folder),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_healthy(process, f"http://127.0.0.1:{port}/api/health")
    return process


def start_serve_model(folder: Path, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    """`driftline serve-model ARGS` on a free port; its output goes to folder/serve-model.log."""
    port = free_port()
    unset = ("DRIFTLINE_CONFIG", "MLFLOW_TRACKING_URI")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    with open(folder / "serve-model.log", "wb") as log:  # the child keeps its own copy
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor.cli", "serve-model", *args, "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    wait_healthy(process, f"http://127.0.0.1:{port}/ping", timeout_s=60)
    return process, f"http://127.0.0.1:{port}"


def wait_healthy(process: subprocess.Popen[bytes], url: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{process.args} exited with {process.returncode}")  # reaped by poll
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    pytest.fail(f"{url} did not answer within {timeout_s} s")
