"""Benchmark: multivariate drift, Driftline beside NannyML's two multivariate calculators.

Run with ``make bench-anchors`` (after ``bench_anchors.py``), or alone with
``.venv/bin/python tests/benchmarks/bench_multivariate.py --venvs .venv-anchors [--seeds 40]``.
NannyML runs in its own venv (``.venv-anchors/nannyml``, see ``bench_anchors.py``).

The data (the case of issue 16): 10 numeric columns, ``x0``..``x5`` in three pairs with
correlation 0.9 and ``x6``..``x9`` independent, every margin standard normal. For each seed
the driver writes three Parquet files of 5 000 rows: ``reference``, ``null`` (a new draw of
the same distribution) and ``drift`` (the three pairs' correlation set to 0.0, margins
unchanged, so no column test can see it).

Each tool runs in its own subprocess over every seed, once on the null window and once on the
drift window, from the two DataFrames to the multivariate verdict:

- Driftline (``classifier`` and, when this version has it, ``pca``): ``build_baseline(reference)``
  then ``compare(baseline, window, multivariate=MultivariateOptions(method=...))``, the whole
  check (the column tests included); flagged when ``report.multivariate.drifted``. The columns
  the check flags are counted too (expected: none, in both windows).
- NannyML ``DomainClassifierCalculator`` and ``DataReconstructionDriftCalculator`` (PCA
  reconstruction error) with NannyML's workflow: ``chunk_size=1000`` (5 reference and 5
  analysis chunks), default thresholds; ``fit(reference)``, ``calculate(window)``; flagged when
  any analysis chunk alerts.

Every tool runs on one thread (``--threads``; ``OMP_NUM_THREADS``, and LightGBM's ``n_jobs``
in NannyML's otherwise default model settings, since its default ``n_jobs=-1`` ignores
``OMP_NUM_THREADS``): Driftline's classifier uses one thread anyway, and LightGBM's threads
spinning on this shared 2-core machine while other work ran made NannyML's classifier take
122–260 s per run, which measures the machine's load, not the tool.

Reported per tool: windows flagged under no change (false alarms) and under the correlation
change (power), out of the seeds, and the mean and median seconds per run (fit + calculate).
Results go to stdout as a Markdown table and to ``tests/output/bench_multivariate.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROWS = 5_000
PAIRS = 3
INDEPENDENT = 4
CORRELATION = 0.9
CHUNK_SIZE = 1_000
SEEDS = 40
TIMEOUT_S = 45 * 60
TOOLS = ("driftline-classifier", "driftline-pca", "nannyml-domain-classifier", "nannyml-pca")
VENV_OF = {"nannyml-domain-classifier": "nannyml", "nannyml-pca": "nannyml"}
RESULT_PREFIX = "BENCH-RESULT "
REPO = Path(__file__).resolve().parents[2]

# ----------------------------------------------------------------------------- worker side
# Runs inside each tool's venv: only the standard library at module level.

Runner = Callable[[Any, Any], tuple[bool, list[str]]]


def _driftline(method: str) -> tuple[Runner, dict[str, Any]]:
    import typing

    import monitor
    from monitor import build_baseline, compare
    from monitor.engine.multivariate import MultivariateMethod, MultivariateOptions

    if method not in typing.get_args(MultivariateMethod):
        raise LookupError(f"this Driftline has no multivariate method {method!r}")
    options = MultivariateOptions(method=method)  # type: ignore[arg-type]

    def run(reference: Any, window: Any) -> tuple[bool, list[str]]:
        report = compare(build_baseline(reference), window, multivariate=options)
        assert report.multivariate is not None
        return bool(report.multivariate.drifted), sorted(report.drifted_columns)

    return run, {
        "version": monitor.__version__,
        "method": f"{method}: build_baseline + compare (whole check, column tests included)",
    }


def _nannyml(kind: str) -> tuple[Runner, dict[str, Any]]:
    import nannyml

    def run(reference: Any, window: Any) -> tuple[bool, list[str]]:
        columns = list(reference.columns)
        if kind == "classifier":
            from nannyml.drift.multivariate.domain_classifier.calculator import (
                DEFAULT_LGBM_HYPERPARAMS,
            )

            # NannyML's own model settings, with LightGBM on the threads the run allows
            # (its default n_jobs=-1 ignores OMP_NUM_THREADS)
            threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
            calculator: Any = nannyml.DomainClassifierCalculator(
                feature_column_names=columns,
                chunk_size=CHUNK_SIZE,
                hyperparameters={**DEFAULT_LGBM_HYPERPARAMS, "n_jobs": threads},
            )
        else:
            calculator = nannyml.DataReconstructionDriftCalculator(
                column_names=columns, chunk_size=CHUNK_SIZE
            )
        calculator.fit(reference)
        frame = calculator.calculate(window).filter(period="analysis").to_df()
        alerts = [c for c in frame.columns if c[-1] == "alert"]
        return bool(frame[alerts].to_numpy().any()), []

    name = "DomainClassifierCalculator" if kind == "classifier" else "DataReconstructionDrift"
    return run, {
        "version": nannyml.__version__,
        "method": f"{name}Calculator, chunk_size={CHUNK_SIZE}, default thresholds; "
        "flagged when any analysis chunk alerts",
    }


_WORKERS: dict[str, Callable[[], tuple[Runner, dict[str, Any]]]] = {
    "driftline-classifier": lambda: _driftline("classifier"),
    "driftline-pca": lambda: _driftline("pca"),
    "nannyml-domain-classifier": lambda: _nannyml("classifier"),
    "nannyml-pca": lambda: _nannyml("pca"),
}


def worker(tool: str, folder: Path, seeds: int) -> None:
    """Run ``tool`` on every seed's null and drift window; print one result line."""
    import pandas as pd

    try:
        run, info = _WORKERS[tool]()
    except LookupError as exc:
        print(RESULT_PREFIX + json.dumps({"tool": tool, "unavailable": str(exc)}), flush=True)
        return
    warm = pd.read_parquet(folder / "reference-0.parquet")
    run(warm.head(1_000), warm.tail(1_000))  # lazy imports and caches are not timed
    counts = {"null": 0, "drift": 0}
    column_flags = {"null": 0, "drift": 0}
    seconds: list[float] = []
    for seed in range(seeds):
        reference = pd.read_parquet(folder / f"reference-{seed}.parquet")
        for case in ("null", "drift"):
            window = pd.read_parquet(folder / f"{case}-{seed}.parquet")
            start = time.perf_counter()
            flagged, columns = run(reference, window)
            seconds.append(time.perf_counter() - start)
            counts[case] += flagged
            column_flags[case] += bool(columns)
    result = {
        "tool": tool,
        "seeds": seeds,
        "false_alarms": counts["null"],
        "detected": counts["drift"],
        "windows_with_column_flags": column_flags,
        "mean_s": statistics.fmean(seconds),
        "median_s": statistics.median(seconds),
        "load_average_1min": os.getloadavg()[0],
        **info,
    }
    print(RESULT_PREFIX + json.dumps(result), flush=True)


# ----------------------------------------------------------------------------- driver side


def _write_data(seeds: int, folder: Path) -> None:
    import numpy as np
    import pandas as pd

    def frame(rng: np.random.Generator, correlation: float) -> pd.DataFrame:
        data: dict[str, Any] = {}
        for pair in range(PAIRS):
            first = rng.normal(size=ROWS)
            noise = rng.normal(size=ROWS)
            second = correlation * first + np.sqrt(1.0 - correlation**2) * noise
            data[f"x{2 * pair}"], data[f"x{2 * pair + 1}"] = first, second
        for i in range(INDEPENDENT):
            data[f"x{2 * PAIRS + i}"] = rng.normal(size=ROWS)
        return pd.DataFrame(data)

    for seed in range(seeds):
        rng = np.random.default_rng(10_000 + seed)
        frame(rng, CORRELATION).to_parquet(folder / f"reference-{seed}.parquet")
        frame(rng, CORRELATION).to_parquet(folder / f"null-{seed}.parquet")
        frame(rng, 0.0).to_parquet(folder / f"drift-{seed}.parquet")


def _python_for(tool: str, venvs: Path) -> tuple[Path | None, str]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_anchors import _python_for as anchor_python

    if tool.startswith("driftline"):
        return Path(sys.executable), ""
    return anchor_python(VENV_OF.get(tool, tool), venvs)


def _run_tool(tool: str, python: Path, folder: Path, seeds: int, threads: int) -> dict[str, Any]:
    command = [str(python), str(Path(__file__).resolve()), "--worker", tool, str(folder)]
    command += ["--seeds", str(seeds)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "OMP_NUM_THREADS": str(threads)}
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"tool": tool, "status": f"did not finish within {TIMEOUT_S} s"}
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX) :])
            if "unavailable" in result:
                return {"tool": tool, "status": f"skipped: {result['unavailable']}"}
            return {"status": "ok", "process_s": time.perf_counter() - start, **result}
    tail = " | ".join(done.stderr.strip().splitlines()[-3:])
    return {"tool": tool, "status": f"failed (exit {done.returncode}): {tail}"}


def _row(result: dict[str, Any], classifier_s: float | None) -> str:
    if result["status"] != "ok":
        return f"| {result['tool']} | | {result['status'].replace('|', '/')} | | | |"
    seeds = result["seeds"]
    ratio = ""
    if classifier_s and result["tool"] != "nannyml-domain-classifier":
        speedup = classifier_s / result["mean_s"]
        ratio = f" ({speedup:.0f}× faster)" if speedup >= 1 else f" ({1 / speedup:.1f}× slower)"
    columns = result["windows_with_column_flags"]
    column_note = (
        f"{columns['null']}/{seeds} null, {columns['drift']}/{seeds} drift"
        if result["tool"].startswith("driftline")
        else "n/a"
    )
    return (
        f"| {result['tool']} | {result['version']} | {result['false_alarms']}/{seeds} | "
        f"{result['detected']}/{seeds} | {result['mean_s']:.3f} s{ratio} | {column_note} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--worker", nargs=2, metavar=("TOOL", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="OpenMP threads per tool (OMP_NUM_THREADS); 1 by default, see the docstring",
    )
    parser.add_argument("--venvs", type=Path, default=REPO / ".venv-anchors")
    parser.add_argument(
        "--out", type=Path, default=REPO / "tests" / "output" / "bench_multivariate.json"
    )
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]), args.seeds)
        return
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, python {platform.python_version()}"
    print(f"machine: {machine}")
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-multivariate-") as name:
        folder = Path(name)
        _write_data(args.seeds, folder)
        for tool in (t for t in args.tools.split(",") if t):
            python, reason = _python_for(tool, args.venvs)
            if python is None:
                result = {"tool": tool, "status": f"skipped: {reason}"}
            else:
                print(f"  {tool}: {args.seeds} seeds x 2 windows ...", flush=True)
                result = _run_tool(tool, python, folder, args.seeds, args.threads)
            results.append(result)
            print(f"  {tool}: {json.dumps(result)}", flush=True)
    nannyml = next(
        (r for r in results if r["tool"] == "nannyml-domain-classifier" and r["status"] == "ok"),
        None,
    )
    print(
        f"\n{ROWS:,} reference and {ROWS:,} window rows, 10 numeric columns; drift = three "
        f"pairs' correlation {CORRELATION} -> 0.0, margins unchanged\n"
    )
    print(
        "| tool | version | false alarms (no change) | detected (correlation change) "
        "| mean time per run (vs NannyML's classifier) | windows with a column flagged |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for result in results:
        print(_row(result, nannyml["mean_s"] if nannyml else None))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": machine, "results": results}, indent=2))
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
