"""Benchmark: peak RSS of ``driftline check`` on a big file window in one process, and of
``driftline checks run`` on a big window of ingested records.

Run with ``.venv/bin/python tests/benchmarks/bench_bigcheck.py [--rows 16000000]
[--records 2000000]``. It

1. writes ``--rows`` rows × 10 columns (8 normal numeric, 2 categorical with 8 labels) as 16
   Parquet files, builds a baseline from a 200 000-row reference, and runs
   ``driftline check --baseline B --current 'part-*.parquet' --format json`` in a child
   process (no Dask: the files are profiled one after another in that process);
2. stores ``--records`` records (the same 10 columns, all in one day) in a SQLite store in
   batches of 50 000 (``Store.add_batch``, as ingest stores them), configures one monitor
   with a 1-day window, and runs ``driftline checks run big --start T0 --end T0+1d`` in a
   child process (the window is folded batch by batch).

Peak RSS is the child's ``ru_maxrss`` (from a fresh wrapper process whose only descendant it
is). Results go to stdout and ``tests/output/bench_bigcheck.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = 10
DRIFTLINE = str(Path(sys.executable).parent / "driftline")

_WRAPPER = (
    "import resource, subprocess, sys; "
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
    "sys.stderr.write(done.stdout[-300:] + done.stderr[-2000:]); "
    "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def _frame(rng: np.random.Generator, n: int, shift: float = 0.0) -> pd.DataFrame:
    data = {f"num_{i:02d}": rng.normal(shift if i < 2 else 0.0, 1.0, n) for i in range(8)}
    labels = np.array([f"c{j}" for j in range(8)])
    for i in range(2):
        data[f"cat_{i}"] = labels[rng.integers(0, 8, n)]
    return pd.DataFrame(data)


def _child(argv: list[str], env: dict[str, str] | None = None) -> dict[str, object]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *argv],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    seconds = time.perf_counter() - started
    code, kilobytes = done.stdout.split()[-2:]
    if int(code) not in (0, 1):
        raise SystemExit(f"{argv[2:5]} failed with exit {code}: {done.stderr}")
    return {
        "seconds": seconds,
        "exit": int(code),
        "peak_rss_mb": int(kilobytes) / 1024,
        "output_tail": done.stderr[-300:],
    }


def _bench_files(root: Path, rows: int, files: int) -> dict[str, object]:
    from monitor.engine.baseline import build_baseline
    from monitor.engine.baseline_file import save_baseline

    rng = np.random.default_rng(0)
    baseline_path = save_baseline(build_baseline(_frame(rng, 200_000)), root / "b.baseline")
    per_file = rows // files
    for i in range(files):
        _frame(rng, per_file, shift=0.1).to_parquet(root / f"part-{i:02d}.parquet")
    check = [DRIFTLINE, "check", "--baseline", str(baseline_path)]
    result = _child([*check, "--current", str(root / "part-*.parquet"), "--format", "json"])
    return {"rows": per_file * files, **result}


def _bench_records(root: Path, records: int) -> dict[str, object]:
    import datetime as dt

    import pyarrow as pa

    from monitor.engine.baseline import build_baseline
    from monitor.engine.baseline_file import save_baseline
    from monitor.engine.records import EVENT_AT, EVENT_AT_TYPE, RECORD_ID
    from monitor.store import Store
    from monitor.store.migrate import upgrade

    rng = np.random.default_rng(1)
    save_baseline(build_baseline(_frame(rng, 200_000)), root / "r.baseline")
    url = f"sqlite:///{root / 'bench.db'}"
    (root / "driftline.yaml").write_text(
        f"database_url: {url}\n"
        "monitors:\n"
        "  - name: big\n"
        "    baseline: r.baseline\n"
        "    schedule: {interval: 1d}\n",
        encoding="utf-8",
    )
    upgrade(url)
    store = Store(url)
    store.upsert_monitor("big", {})
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    step = 86_000 / records  # every record inside the day [t0, t0 + 1 d)
    started = time.perf_counter()
    batch = 50_000
    for first in range(0, records, batch):
        n = min(batch, records - first)
        index = np.arange(first, first + n)
        frame = _frame(rng, n, shift=0.1)
        columns: dict[str, object] = {
            RECORD_ID: pa.array([f"r{i}" for i in index], type=pa.string()),
            EVENT_AT: pa.array(
                [t0 + dt.timedelta(seconds=float(i * step)) for i in index], type=EVENT_AT_TYPE
            ),
        }
        for name in frame.columns:
            columns[name] = pa.array(frame[name].to_numpy())
        store.add_batch("big", pa.table(columns))
    ingest_s = time.perf_counter() - started
    store.close()
    run = [DRIFTLINE, "checks", "run", "big"]
    window = ["--start", t0.isoformat(), "--end", (t0 + dt.timedelta(days=1)).isoformat()]
    result = _child([*run, *window, "--config", str(root / "driftline.yaml")])
    return {"records": records, "ingest_seconds": ingest_s, **result}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=16_000_000)
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--skip-files", action="store_true")
    args = parser.parse_args()
    results: dict[str, object] = {"load_average_start": os.getloadavg()}
    with tempfile.TemporaryDirectory() as folder:
        if not args.skip_files:
            results["check_files"] = _bench_files(Path(folder), args.rows, args.files)
            print(json.dumps(results, indent=1), flush=True)
    with tempfile.TemporaryDirectory() as folder:
        if args.records:
            results["checks_run_records"] = _bench_records(Path(folder), args.records)
    results["load_average_end"] = os.getloadavg()
    out = ROOT / "tests" / "output"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_bigcheck.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
