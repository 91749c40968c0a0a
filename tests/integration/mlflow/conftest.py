"""MLflow for the link tests: an embedded SQLite store per test, one real `mlflow server`
per session (it takes 8-18 s to start), and the demo model trained from the sample data."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from mlflow_helpers import REFERENCE, MlflowServer, free_port

from monitor.mlflow.tracking import init_tracking


@pytest.fixture(scope="session")
def reference() -> pd.DataFrame:
    """The sample training data, 5 000 rows (enough for a stable baseline, quick to fit)."""
    return pd.read_csv(REFERENCE).head(5_000)


@pytest.fixture
def embedded(tmp_path: Path) -> str:
    """A fresh embedded MLflow store beside a Driftline database in ``tmp_path``."""
    return init_tracking(f"sqlite:///{tmp_path / 'mlflow.db'}")


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """A real `mlflow server` on 127.0.0.1 with webhooks to private addresses allowed."""
    folder = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    env = {
        **os.environ,
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
        "MLFLOW_WEBHOOK_ALLOWED_SCHEMES": "http,https",
        "MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS": "true",
        "MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "MLFLOW_WEBHOOK_CACHE_TTL": "1",
    }
    env.pop("MLFLOW_TRACKING_URI", None)
    log = open(folder / "server.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable, "-m", "mlflow", "server",
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
            "--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}",
            "--artifacts-destination", str(folder / "artifacts"),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"mlflow server exited: {(folder / 'server.log').read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("mlflow server did not answer /health within 90 s")
    yield MlflowServer(url, process)
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()
