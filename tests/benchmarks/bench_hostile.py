"""Memory under hostile input: a real `driftline serve` (SQLite, token set, default limits)
receives the 2 000 records x 20 new keys batch, then 20 batches that each carry the most
unknown fields allowed (api.max_unknown_fields), then the largest request the documented
limits allow (api.max_batch_records records, that many unknown fields, a body just under
api.max_request_bytes), alone and then on every waitress thread at once (api.threads), all
into one window, which is then checked. Prints the answer times and serve's resident memory
(VmRSS, and the peak VmHWM from /proc) at each step.

Run: .venv/bin/python tests/benchmarks/bench_hostile.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "service"))
from servelive import live_serve  # noqa: E402
from serving import SAMPLE, prepare_folder  # noqa: E402

from monitor.config.model import ApiConfig  # noqa: E402

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


def _largest_body(tag: str, limits: ApiConfig) -> bytes:
    """``limits.max_batch_records`` sample records (every baseline column) in one window,
    each with the ``limits.max_unknown_fields`` unknown fields (short names, so that all
    fit) padded so that the JSON body is just under ``limits.max_request_bytes``."""
    import pandas as pd

    frame = pd.read_csv(SAMPLE / "current_no_drift.csv").drop(columns=["record_id"])
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    count, unknown = limits.max_batch_records, limits.max_unknown_fields

    def body(pad: int) -> bytes:
        records = [
            {
                **rows[i % len(rows)],
                "id": f"{tag}-{i}",
                "timestamp": (START + timedelta(seconds=i % 3600)).isoformat(),
                **{f"u{k}": "x" * pad for k in range(unknown)},
            }
            for i in range(count)
        ]
        return json.dumps(records).encode()

    bare = len(body(0))
    assert bare <= limits.max_request_bytes, f"{bare} bytes without padding"
    pad = max(0, (int(limits.max_request_bytes * 0.99) - bare) // (count * unknown))
    data = body(pad)
    assert len(data) <= limits.max_request_bytes, len(data)
    return data


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
            print(
                f"20 x 1 000 records with {ApiConfig().max_unknown_fields} unknown fields "
                f"each: stored, RSS {rss2:.0f} MiB (peak {peak2:.0f} MiB)"
            )
            limits = ApiConfig()
            largest = [_largest_body(f"max{n}", limits) for n in range(limits.threads + 1)]

            def post(data: bytes) -> tuple[int, float]:
                began = time.perf_counter()
                answer = client.post(
                    "/api/v1/monitors/credit/records",
                    content=data,
                    headers={"Content-Type": "application/json"},
                )
                assert answer.status_code == 200, answer.text[:500]
                return answer.status_code, time.perf_counter() - began

            status, took = post(largest[0])
            rss3, peak3 = _memory_mib(pid)
            print(
                f"largest request within the limits ({limits.max_batch_records} records, "
                f"{limits.max_unknown_fields} unknown fields, {len(largest[0]) / 2**20:.2f} MiB "
                f"body): HTTP {status} in {took:.2f} s; RSS {rss3:.0f} MiB (peak {peak3:.0f} MiB)"
            )
            with ThreadPoolExecutor(limits.threads) as pool:
                began = time.perf_counter()
                answers = list(pool.map(post, largest[1:]))
                wall = time.perf_counter() - began
            rss4, peak4 = _memory_mib(pid)
            print(
                f"{limits.threads} such requests at once (api.threads): all HTTP "
                f"{sorted({a[0] for a in answers})} in {wall:.2f} s (slowest "
                f"{max(a[1] for a in answers):.2f} s); RSS {rss4:.0f} MiB (peak {peak4:.0f} MiB)"
            )
            stored = 20_000 + (limits.threads + 1) * limits.max_batch_records
            started = time.perf_counter()
            check = client.post(
                "/api/v1/monitors/credit/checks",
                json={"start": START.isoformat(), "end": (START + timedelta(hours=1)).isoformat()},
            )
            rss5, peak5 = _memory_mib(pid)
            print(
                f"check of the window ({stored} records, "
                f"{20 * limits.max_unknown_fields + limits.max_unknown_fields} distinct unknown "
                f"fields): HTTP {check.status_code} in {time.perf_counter() - started:.2f} s, "
                f"RSS {rss5:.0f} MiB; worst case (serve's peak RSS over the run) {peak5:.0f} MiB"
            )


if __name__ == "__main__":
    main()
