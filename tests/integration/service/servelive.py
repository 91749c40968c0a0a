"""A real `driftline serve` process on a database of either kind, for the fuzz and canary
tests: started on a free port, its output captured to a file, stopped afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
from receiver import free_port

STARTUP_S = 120.0
"""How long serve may take to answer /api/health (the test machine is shared)."""


@contextmanager
def live_serve(
    folder: Path, env: Mapping[str, str] | None = None, port: int | None = None
) -> Iterator[tuple[str, Path]]:
    """Run `driftline db upgrade` then `driftline serve` in ``folder`` (on ``port``, else a
    free one); yield the base URL and the file holding serve's output."""
    environment = {**os.environ, "DRIFTLINE_CONFIG": str(folder / "driftline.yaml"), **(env or {})}
    command = [sys.executable, "-m", "monitor.cli"]
    upgraded = subprocess.run(
        [*command, "db", "upgrade"], cwd=folder, env=environment, capture_output=True, text=True
    )
    assert upgraded.returncode == 0, upgraded.stderr
    port = port or free_port()
    log = folder / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [*command, "serve", "--port", str(port)],
            cwd=folder,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + STARTUP_S
            while True:
                assert process.poll() is None, log.read_text()[-3000:]
                try:
                    if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "serve did not answer /api/health"
                time.sleep(0.2)
            yield base, log
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
