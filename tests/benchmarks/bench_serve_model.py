"""Benchmark: ``driftline serve-model`` beside ``mlflow models serve``, single-row requests.

The demo model (scikit-learn pipeline, ``sample_data/train.py``, 5 000 training rows) is
registered in an embedded MLflow store as ``models:/credit@production``. Each server runs as
its own process, one at a time, and gets the same pre-encoded single-row
``dataframe_split`` bodies: first from 1 client (latency), then from 4 concurrent clients
(throughput), ``SECONDS`` each after a warm-up. Measured: requests/s, p50 and p99 latency.

Servers: serve-model on waitress with logging off and on (to a real ``driftline serve``,
monitor ``credit``), serve-model on Flask's development server with logging on, and
``mlflow models serve --env-manager local`` (MLflow's FastAPI scoring server on uvicorn).
Run with ``make bench``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "sample_data"))
sys.path.insert(0, str(ROOT / "tests" / "integration" / "service"))

from serving import prepare_folder, serve_env, start_serve, stop_serve  # noqa: E402
from train import CATEGORICAL, NUMERIC, train_and_register  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
WARMUP = 50
CLIENTS = 4


@dataclass(frozen=True)
class Result:
    server: str
    clients: int
    requests: int
    per_s: float
    p50_ms: float
    p99_ms: float
    failed: int


def _bodies() -> list[bytes]:
    frame = pd.read_csv(ROOT / "sample_data" / "current_no_drift.csv").dropna().head(500)
    features = frame[NUMERIC + CATEGORICAL].copy()
    features[NUMERIC] = features[NUMERIC].astype("float64")
    features["has_mortgage"] = features["has_mortgage"].astype(str)
    columns = list(features.columns)
    out = []
    for row in features.itertuples(index=False):
        body = {"dataframe_split": {"columns": columns, "data": [list(row)]}}
        out.append(json.dumps(body).encode())
    return out


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(
    command: list[str], cwd: Path, env: dict[str, str], ping: str
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{command} exited with {process.returncode}")
        try:
            if httpx.get(ping, timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{command} did not answer {ping}")


def _load(base: str, bodies: list[bytes], clients: int, name: str) -> Result:
    headers = {"Content-Type": "application/json"}
    with httpx.Client(base_url=base, timeout=30) as http:
        for body in bodies[:WARMUP]:
            http.post("/invocations", content=body, headers=headers).raise_for_status()
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failed = [0] * clients
    stop_at = time.perf_counter() + SECONDS

    def client(number: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as http:
            i = number
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                response = http.post(
                    "/invocations", content=bodies[i % len(bodies)], headers=headers
                )
                latencies[number].append(time.perf_counter() - started)
                failed[number] += response.status_code != 200
                i += clients

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    every = np.array([x for one in latencies for x in one]) * 1000
    return Result(
        name,
        clients,
        len(every),
        len(every) / elapsed,
        float(np.percentile(every, 50)),
        float(np.percentile(every, 99)),
        sum(failed),
    )


def main() -> None:
    bodies = _bodies()
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        models = folder / "models"
        models.mkdir()
        uri = f"sqlite:///{models / 'mlflow.db'}"
        frame = pd.read_csv(ROOT / "sample_data" / "reference.csv").head(5_000)
        train_and_register(frame, model_name="credit", tracking_uri=uri)
        monitor_folder = folder / "driftline"
        monitor_folder.mkdir()
        prepare_folder(monitor_folder, "{}")
        subprocess.run(
            [sys.executable, "-m", "monitor.cli", "db", "upgrade"],
            cwd=monitor_folder,
            env=serve_env(monitor_folder),
            check=True,
            capture_output=True,
        )
        serve, driftline_url = start_serve(monitor_folder)
        env = {k: v for k, v in os.environ.items() if k != "DRIFTLINE_CONFIG"}
        env["MLFLOW_TRACKING_URI"] = uri
        env["MLFLOW_DISABLE_TELEMETRY"] = "true"
        # mlflow models serve runs `uvicorn` by name: the venv's bin must be on PATH
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        serve_model = [sys.executable, "-m", "monitor.cli", "serve-model"]
        logging_on = ["--monitor", "credit", "--driftline-url", driftline_url]
        servers = {
            "serve-model, waitress, logging off": serve_model + ["models:/credit@production"],
            "serve-model, waitress, logging on": serve_model
            + ["models:/credit@production", *logging_on],
            "serve-model, Flask dev server, logging on": serve_model
            + ["models:/credit@production", *logging_on, "--server", "werkzeug"],
            "mlflow models serve (uvicorn)": [
                sys.executable,
                "-m",
                "mlflow",
                "models",
                "serve",
                "-m",
                "models:/credit@production",
                "--env-manager",
                "local",
                "--host",
                "127.0.0.1",
            ],  # fmt: skip
        }
        try:
            for label, command in servers.items():
                port = _free_port()
                base = f"http://127.0.0.1:{port}"
                process = _start([*command, "--port", str(port)], models, env, f"{base}/ping")
                try:
                    for clients in (1, CLIENTS):
                        results.append(_load(base, bodies, clients, label))
                        print(_row(results[-1]), flush=True)
                    if "logging on" in label:
                        _drained(base, sum(r.requests for r in results[-2:]) + 2 * WARMUP)
                finally:
                    stop_serve(process)
        finally:
            stop_serve(serve)
    print()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.processor() or ''}"
          f" Python {platform.python_version()}; load average {os.getloadavg()[0]:.1f}; "
          f"{SECONDS:.0f} s per run")  # fmt: skip
    print("| server | clients | requests/s | p50 ms | p99 ms | failed |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for result in results:
        print(_row(result))


def _drained(base: str, expected: int) -> None:
    """Check that the log delivered every prediction (the benchmark measured real logging)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        log = httpx.get(f"{base}/health").json()["prediction_log"]
        if log["buffered"] == 0 and log["sent"] + log["dropped"] >= expected:
            print(f"  logged: {log['sent']} sent, {log['dropped']} dropped", flush=True)
            return
        time.sleep(0.5)
    raise SystemExit(f"the prediction log did not drain: {log}")


def _row(result: Result) -> str:
    return (
        f"| {result.server} | {result.clients} | {result.per_s:,.0f} | {result.p50_ms:.1f} | "
        f"{result.p99_ms:.1f} | {result.failed} |"
    )


if __name__ == "__main__":
    main()
