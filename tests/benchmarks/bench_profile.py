"""Benchmark: profiling throughput on one process and on a 2-worker Dask LocalCluster, and the
peak RSS of ``driftline check --dask`` on a big window.

Run with ``.venv/bin/python tests/benchmarks/bench_profile.py [--rows 4000000]`` (the
``dask`` extra installed). It writes 16 Parquet files holding ``--rows`` rows × 10 columns
(8 normal numeric, 2 categorical with 8 labels) into a temporary folder, builds a baseline
from a 200 000-row reference, then:

1. profiles the 16 files in this process (``profile_files`` without a cluster), timed;
2. profiles them on a ``LocalCluster(processes=True, n_workers=2, threads_per_worker=1)``,
   twice, both timed (the cluster's start is not; the first run includes the workers'
   imports of Driftline, pandas and pyarrow);
3. runs ``driftline check --baseline B --current 'part-*.parquet' --dask local --format json``
   in a subprocess and reads its peak RSS (``ru_maxrss`` of the child), and the same check
   of one 4 M-row Parquet file without ``--dask`` (the whole frame in memory) for contrast.

Throughput is cells per second (rows × 10 / seconds). Results go to stdout as Markdown and to
``tests/output/bench_profile.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from bench_bigcheck import _child, _frame  # the same data and the same peak-RSS wrapper

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = 10


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--files", type=int, default=16)
    args = parser.parse_args()

    from distributed import LocalCluster

    from monitor.engine.baseline import build_baseline
    from monitor.engine.baseline_file import save_baseline
    from monitor.engine.profile import profile_spec
    from monitor.service.cluster import Cluster, files_of, profile_files

    rng = np.random.default_rng(0)
    results: dict[str, object] = {"rows": args.rows, "columns": COLUMNS, "files": args.files}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        baseline = build_baseline(_frame(rng, 200_000))
        baseline_path = save_baseline(baseline, root / "b.baseline")
        per_file = args.rows // args.files
        for i in range(args.files):
            _frame(rng, per_file, shift=0.1).to_parquet(root / f"part-{i:02d}.parquet")
        files = files_of(str(root / "part-*.parquet"))
        spec = profile_spec(baseline)
        cells = per_file * args.files * COLUMNS

        started = time.perf_counter()
        one = profile_files(files, spec)
        one_s = time.perf_counter() - started
        cluster = LocalCluster(
            processes=True,
            n_workers=2,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
            # the scheduler's HTTP server (health, metrics): 127.0.0.1, any free port
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        )
        try:
            with Cluster(cluster.scheduler_address) as client:
                started = time.perf_counter()
                two = profile_files(files, spec, client)
                cold_s = time.perf_counter() - started
                started = time.perf_counter()  # again, the workers' imports done
                two = profile_files(files, spec, client)
                two_s = time.perf_counter() - started
        finally:
            cluster.close()
        assert one.n_rows == two.n_rows == per_file * args.files
        results["one_process"] = {"seconds": one_s, "cells_per_s": cells / one_s}
        results["dask_2_workers_first_run"] = {"seconds": cold_s, "cells_per_s": cells / cold_s}
        results["dask_2_workers"] = {"seconds": two_s, "cells_per_s": cells / two_s}

        driftline = [sys.executable, "-m", "monitor.cli.main"]
        check = [*driftline, "check", "--baseline", str(baseline_path), "--format", "json"]
        results["check_dask_local"] = _child(
            [*check, "--current", str(root / "part-*.parquet"), "--dask", "local"]
        )
        whole = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        whole.to_parquet(root / "whole.parquet")
        del whole
        results["check_one_file_in_memory"] = _child(
            [*check, "--current", str(root / "whole.parquet")]
        )

    out = ROOT / "tests" / "output"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_profile.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"{args.rows:,} rows x {COLUMNS} columns in {args.files} Parquet files\n")
    print("| run | seconds | throughput / peak RSS |")
    print("|---|---:|---:|")
    for key in ("one_process", "dask_2_workers_first_run", "dask_2_workers"):
        row = results[key]
        assert isinstance(row, dict)
        print(
            f"| profile, {key} | {row['seconds']:.1f} | {row['cells_per_s'] / 1e6:.1f} M cells/s |"
        )
    for key in ("check_dask_local", "check_one_file_in_memory"):
        row = results[key]
        assert isinstance(row, dict)
        print(f"| driftline check, {key} | {row['seconds']:.1f} | {row['peak_rss_mb']:.0f} MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
