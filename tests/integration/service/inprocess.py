"""The whole `driftline serve` app (API, extensions, dashboard) on waitress in a thread, on
a real database, with a simulated clock: what the hostile-input tests attack."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

from monitor import build_baseline, save_baseline
from monitor.service.server import ServeOptions, Service
from monitor.store import upgrade

TOKEN = "hostile-test-token"
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


@dataclass
class Served:
    url: str
    service: Service
    folder: Path

    def client(self, *, token: str | None = TOKEN) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def write_folder(folder: Path, database_url: str, extra: str = "", api: str = "") -> None:
    """A numeric ``income`` and a categorical ``region`` baseline and a driftline.yaml with
    one monitor, ``credit`` (hourly windows); ``api`` adds keys to the api section."""
    rng = np.random.default_rng(0)
    reference = pd.DataFrame(
        {"income": rng.normal(50, 10, 500), "region": rng.choice(["north", "south"], 500)}
    )
    save_baseline(build_baseline(reference), folder / "credit.driftline")
    (folder / "clock").write_text(NOW.isoformat())
    (folder / "driftline.yaml").write_text(
        f"database_url: '{database_url}'\n"
        f"api: {{token: {TOKEN}{', ' + api if api else ''}}}\n"
        f"{extra}"
        "monitors:\n"
        "  - name: credit\n"
        "    baseline: credit.driftline\n"
        "    schedule: {interval: 1h}\n"
        "    min_rows: 5\n"
    )


def records(n: int, start: datetime, *, prefix: str = "r", **extra: Any) -> list[dict[str, Any]]:
    rng = np.random.default_rng(1)
    return [
        {
            "id": f"{prefix}{i}",
            "timestamp": (start + (i % 3000) * pd.Timedelta(seconds=1)).isoformat(),
            "income": float(rng.normal(50, 10)),
            "region": "north" if i % 2 else "south",
            **extra,
        }
        for i in range(n)
    ]


@contextmanager
def serving(folder: Path, database_url: str) -> Iterator[Served]:
    """Serve the app of ``folder``'s driftline.yaml (migrated first) until the block ends."""
    from waitress.server import create_server

    upgrade(database_url)
    service = Service(folder / "driftline.yaml", ServeOptions(clock=f"file:{folder / 'clock'}"))
    server: Any = create_server(
        service.app,
        host="127.0.0.1",
        port=0,
        threads=4,
        **service.waitress_options(),
    )
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except OSError:
            # close() from this thread can shut a socket while the loop selects on it (EBADF)
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.effective_port}", service, folder)
    finally:
        stopping.set()
        server.close()
        thread.join(timeout=10)
        service.store.close()
