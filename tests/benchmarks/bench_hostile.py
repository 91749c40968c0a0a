"""Memory under hostile input: a real `driftline serve` (SQLite, token set) receives the
2 000 records x 20 new keys batch, then 20 batches that each carry the most unknown fields
allowed (api.max_unknown_fields) into one window, which is then checked. Prints the answer
times and serve's resident memory (VmRSS, and the peak VmHWM from /proc) at each step.

Run: .venv/bin/python tests/benchmarks/bench_hostile.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "service"))
from servelive import live_serve  # noqa: E402
from serving import prepare_folder  # noqa: E402

TOKEN = "bench-token"
START = datetime(2026, 3, 2, 10, tzinfo=UTC)


def _memory_mib(pid: int) -> tuple[float, float]:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def _serve_pid(port: str) -> int:
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                command = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in command and port.encode() in command:
                return int(proc.name)
    raise SystemExit("serve process not found")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        prepare_folder(folder, f"{{token: {TOKEN}}}")
        with live_serve(folder) as (base, _log):
            pid = _serve_pid(base.rsplit(":", 1)[1])
            client = httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=600
            )
            rss0, _ = _memory_mib(pid)
            batch = [
                {
                    "id": f"j{i}",
                    "timestamp": (START + timedelta(seconds=i)).isoformat(),
                    "income": 1.0,
                    **{f"junk_{i}_{k}": 1.0 for k in range(20)},
                }
                for i in range(2_000)
            ]
            started = time.perf_counter()
            response = client.post("/api/v1/monitors/credit/records", json=batch)
            rss1, peak1 = _memory_mib(pid)
            print(
                f"2 000 x 20 new keys: HTTP {response.status_code} in "
                f"{time.perf_counter() - started:.2f} s; serve RSS {rss0:.0f} -> {rss1:.0f} MiB "
                f"(peak {peak1:.0f} MiB)"
            )
            for part in range(20):
                rows = [
                    {
                        "id": f"p{part}-{i}",
                        "timestamp": (START + timedelta(seconds=i)).isoformat(),
                        "income": float(i % 100),
                        **{f"extra_{part}_{k}": "x" * 20 for k in range(50)},
                    }
                    for i in range(1_000)
                ]
                assert client.post("/api/v1/monitors/credit/records", json=rows).status_code == 200
            rss2, peak2 = _memory_mib(pid)
            started = time.perf_counter()
            check = client.post(
                "/api/v1/monitors/credit/checks",
                json={"start": START.isoformat(), "end": (START + timedelta(hours=1)).isoformat()},
            )
            rss3, peak3 = _memory_mib(pid)
            print(
                f"20 000 records with 1 000 distinct unknown fields in one window: stored, "
                f"RSS {rss2:.0f} MiB (peak {peak2:.0f}); check HTTP {check.status_code} in "
                f"{time.perf_counter() - started:.2f} s, RSS {rss3:.0f} MiB, worst case "
                f"(peak) {peak3:.0f} MiB"
            )


if __name__ == "__main__":
    main()
