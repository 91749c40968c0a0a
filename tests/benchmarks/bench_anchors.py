"""Benchmark: Driftline beside Evidently, NannyML, Alibi Detect and whylogs, measured in one run.

Run with ``make bench-anchors``: it installs each anchor into its own venv under
``.venv-anchors/<tool>`` (pins in ``tests/benchmarks/anchors/<tool>.txt``; never project
dependencies) and runs this script with the project venv's python.

For each size (default 100 000 and 1 000 000 rows) the data is generated once, as in
``bench_check.py``: a reference and a current frame of 20 columns (16 normal numeric, 4
categorical with 8 labels), with the mean of ``num_00``..``num_03`` shifted by 0.2 sd in the
current frame. Both frames are written as Parquet into a temporary folder, and every tool
reads the same two files in its own subprocess (Driftline with the project venv's python,
each anchor with its venv's python), with a time limit per run (``--timeout``, 15 min).

In each subprocess: import the tool, read both Parquet files, run the tool once on the first
2 000 rows of each frame (a warm-up, so lazy imports and caches are not timed), reset the
process's peak-RSS mark (``/proc/self/clear_refs``), then time the tool's standard drift
check on all 20 columns, with its defaults, from the two DataFrames to the per-column drift
decisions; best of up to 3 runs, but no further run once 60 s have been spent (so a slow tool
is timed once):

- Driftline: ``monitor.compare(reference_frame, current_frame)`` (builds the baseline from the
  reference frame, then checks); ``compare(baseline, current)`` alone is reported beside it.
  ``driftline`` is the default check (column tests plus the multivariate domain classifier on
  the joint samples); ``driftline-univariate`` is ``multivariate=off``, the column tests only,
  which is what every anchor below computes: the ratios are taken against it. For it the
  worker also times ``profile_of(current, baseline)`` alone (profiling throughput) and the
  numpy sort floor: ``np.sort`` of each of the 20 current columns once (numeric values as
  float64, categories as codes), the least an exact two-sample test on all rows must do.
- Evidently: ``Report([DataDriftPreset()]).run(current, reference)`` and ``snapshot.dict()``.
- NannyML: ``UnivariateDriftCalculator`` (KS for numeric, chi2 for categorical,
  ``chunk_number=1``): ``fit(reference)``, ``calculate(current)``, ``to_df()``.
- Alibi Detect: ``TabularDrift(x_reference, p_val=0.05, categories_per_feature=...)`` (KS for
  numeric, chi2 for categorical) and ``predict(x_current)``. Turning the frames into the
  float array it needs (categoricals as integer codes) is included, and also reported alone
  (``prepare_s``).
- NannyML again with ``chunk_number=10`` (``nannyml-10-chunks``): with one chunk its default
  thresholds (mean ± 3 sd of the reference chunks' statistic) collapse to the single reference
  value, so the one-chunk run flags every numeric column with a nonzero KS statistic.
- whylogs: ``why.log(pandas=...)`` of both frames and ``calculate_drift_scores`` with defaults
  (KS on the numeric sketches, chi-square on the categorical counts); ``why.log`` of the
  current frame is also timed alone (whylogs' profiling throughput, beside Driftline's).

Reported per run: seconds, the process's peak RSS during the timed step and its RSS just before
it (frames loaded), and which columns the tool flagged (expected: exactly num_00..num_03).
Results go to stdout as a Markdown table and to ``tests/output/bench_anchors.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROWS = (100_000, 1_000_000)
NUMERIC = 16
CATEGORICAL = 4
SHIFTED = [f"num_{i:02d}" for i in range(4)]
WARMUP_ROWS = 2_000
TIMEOUT_S = 15 * 60
REPEATS = 3
REPEAT_BUDGET_S = 60.0
TOOLS = (
    "driftline",
    "driftline-univariate",
    "evidently",
    "nannyml",
    "nannyml-10-chunks",
    "alibi-detect",
    "whylogs",
)
VENV_OF = {"nannyml-10-chunks": "nannyml"}
RESULT_PREFIX = "BENCH-RESULT "
REPO = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------- worker side
# Runs inside each tool's venv: only the standard library at module level.


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _timed(action: Callable[[], Any]) -> tuple[Any, float, float, float, int]:
    """Run ``action`` up to REPEATS times, stopping once REPEAT_BUDGET_S has been spent.

    Returns (its last result, best seconds, RSS before in MiB, peak RSS over the runs in MiB,
    number of runs). Best-of-n because the machine may be shared; slow tools get one run.
    """
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    before = _status_kib("VmRSS") / 1024
    best, spent, runs, result = float("inf"), 0.0, 0, None
    while runs < REPEATS and (runs == 0 or spent < REPEAT_BUDGET_S):
        start = time.perf_counter()
        result = action()
        seconds = time.perf_counter() - start
        best, spent, runs = min(best, seconds), spent + seconds, runs + 1
    return result, best, before, _status_kib("VmHWM") / 1024, runs


def _driftline(
    reference: Any, current: Any, *, multivariate: str = "classifier"
) -> tuple[Callable[[Any, Any], list[str]], dict[str, Any]]:
    import monitor
    from monitor import build_baseline
    from monitor import compare as compare_default
    from monitor.engine.multivariate import MultivariateOptions

    options = MultivariateOptions(method=multivariate)  # type: ignore[arg-type]

    def compare(ref: Any, cur: Any) -> Any:
        return compare_default(ref, cur, multivariate=options)

    def run(ref: Any, cur: Any) -> list[str]:
        return sorted(compare(ref, cur).drifted_columns)

    import numpy as np

    from monitor.engine.profile import profile_of

    baseline = build_baseline(reference)
    _, check_s, _, _, _ = _timed(lambda: compare(baseline, current))
    _, profile_s, _, _, _ = _timed(lambda: profile_of(current, baseline))
    # The numpy sort floor: sorting every column of the current frame once (numeric values as
    # float64, categories as their integer codes), the least an exact-ECDF check must do.
    columns = [
        np.ascontiguousarray(
            current[c].cat.codes.to_numpy(np.float64)
            if str(current[c].dtype) == "category"
            else current[c].to_numpy(np.float64)
        )
        for c in current.columns
    ]
    _, sort_s, _, _, _ = _timed(lambda: [np.sort(values) for values in columns])
    return run, {
        "version": monitor.__version__,
        "method": "cvm (numeric) / chi2 (categorical), BH-adjusted, with effect-size tolerance"
        + (
            "; plus the multivariate domain classifier (the default)"
            if multivariate != "off"
            else "; --multivariate off (column tests only, like every anchor)"
        ),
        "check_only_s": check_s,
        "profile_s": profile_s,
        "sort_floor_s": sort_s,
    }


def _evidently(
    reference: Any, current: Any
) -> tuple[Callable[[Any, Any], list[str]], dict[str, Any]]:
    import evidently
    from evidently import Report
    from evidently.presets import DataDriftPreset

    methods: dict[str, str] = {}

    def run(ref: Any, cur: Any) -> list[str]:
        snapshot = Report([DataDriftPreset()]).run(cur, ref)
        flagged = []
        for metric in snapshot.dict()["metrics"]:
            config = metric["config"]
            if not config.get("type", "").endswith("ValueDrift"):
                continue
            method, threshold, value = config["method"], config["threshold"], metric["value"]
            methods[config["column"]] = method
            # p-value tests drift below the threshold, distances at or above it.
            drifted = value < threshold if "p_value" in method else value >= threshold
            if drifted:
                flagged.append(config["column"])
        return sorted(flagged)

    return run, {"version": evidently.__version__, "methods": methods}


def _nannyml(
    reference: Any, current: Any, *, chunks: int = 1
) -> tuple[Callable[[Any, Any], list[str]], dict[str, Any]]:
    import nannyml

    def run(ref: Any, cur: Any) -> list[str]:
        calculator = nannyml.UnivariateDriftCalculator(
            column_names=list(ref.columns),
            continuous_methods=["kolmogorov_smirnov"],
            categorical_methods=["chi2"],
            chunk_number=chunks,
        )
        calculator.fit(ref)
        frame = calculator.calculate(cur).filter(period="analysis").to_df()
        return sorted(
            {
                column
                for column, _method, field in frame.columns
                if field == "alert" and bool(frame[(column, _method, field)].any())
            }
        )

    return run, {
        "version": nannyml.__version__,
        "method": f"kolmogorov_smirnov (numeric), chi2 (categorical), chunk_number={chunks}"
        + ("; a column counts as flagged when any chunk alerts" if chunks > 1 else ""),
    }


def _alibi_detect(
    reference: Any, current: Any
) -> tuple[Callable[[Any, Any], list[str]], dict[str, Any]]:
    import alibi_detect
    import numpy as np
    from alibi_detect.cd import TabularDrift

    columns = list(reference.columns)
    categorical = [i for i, c in enumerate(columns) if str(reference[c].dtype) == "category"]

    def to_array(frame: Any) -> Any:
        out = np.empty((len(frame), len(columns)), dtype=np.float64)
        for i, name in enumerate(columns):
            column = frame[name]
            if i in categorical:
                labels = sorted(set(reference[name].cat.categories) | set(column.cat.categories))
                out[:, i] = column.cat.set_categories(labels).cat.codes.to_numpy()
            else:
                out[:, i] = column.to_numpy()
        return out

    info: dict[str, Any] = {
        "version": alibi_detect.__version__,
        "method": "KS (numeric), chi2 (categorical), Bonferroni (predict's default)",
    }

    def run(ref: Any, cur: Any) -> list[str]:
        start = time.perf_counter()
        x_reference, x_current = to_array(ref), to_array(cur)
        info["prepare_s"] = time.perf_counter() - start
        detector = TabularDrift(
            x_reference, p_val=0.05, categories_per_feature={i: None for i in categorical}
        )
        data = detector.predict(x_current)["data"]
        threshold = data["threshold"]
        return sorted(columns[i] for i, p in enumerate(data["p_val"]) if p < threshold)

    return run, info


def _whylogs(
    reference: Any, current: Any
) -> tuple[Callable[[Any, Any], list[str]], dict[str, Any]]:
    import whylogs
    from whylogs.viz.drift.column_drift_algorithms import calculate_drift_scores

    possible: list[str] = []
    profile_times: list[float] = []

    def run(ref: Any, cur: Any) -> list[str]:
        start = time.perf_counter()
        current_view = whylogs.log(pandas=cur).view()
        profile_times.append(time.perf_counter() - start)
        reference_view = whylogs.log(pandas=ref).view()
        scores = calculate_drift_scores(
            target_view=current_view, reference_view=reference_view, with_thresholds=True
        )
        possible[:] = sorted(
            c for c, s in scores.items() if s and s["drift_category"] == "POSSIBLE_DRIFT"
        )
        return sorted(c for c, s in scores.items() if s and s["drift_category"] == "DRIFT")

    return run, {
        "version": whylogs.__version__,
        "method": "KS on KLL sketches (numeric), chi-square (categorical); DRIFT counted",
        "possible_drift": possible,
        "profile_times_s": profile_times,
    }


_WORKERS = {
    "driftline": _driftline,
    "driftline-univariate": lambda reference, current: _driftline(
        reference, current, multivariate="off"
    ),
    "evidently": _evidently,
    "nannyml": _nannyml,
    "nannyml-10-chunks": lambda reference, current: _nannyml(reference, current, chunks=10),
    "alibi-detect": _alibi_detect,
    "whylogs": _whylogs,
}


def worker(tool: str, folder: Path) -> None:
    """Time one tool on ``folder``'s reference.parquet and current.parquet; print the result."""
    start = time.perf_counter()
    import numpy
    import pandas as pd

    reference = pd.read_parquet(folder / "reference.parquet")
    current = pd.read_parquet(folder / "current.parquet")
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    run, info = _WORKERS[tool](reference, current)
    run(reference.head(WARMUP_ROWS), current.head(WARMUP_ROWS))
    setup_s = time.perf_counter() - start
    load_before = os.getloadavg()[0]
    flagged, seconds, rss_before, rss_peak, runs = _timed(lambda: run(reference, current))
    result = {
        "tool": tool,
        "rows": len(current),
        "seconds": seconds,
        "runs": runs,
        "load_average_1min": [load_before, os.getloadavg()[0]],
        "rss_before_mib": rss_before,
        "rss_peak_mib": rss_peak,
        "flagged": flagged,
        "load_s": load_s,
        "setup_s": setup_s,
        "pandas": pd.__version__,
        "numpy": numpy.__version__,
        **info,
    }
    print(RESULT_PREFIX + json.dumps(result), flush=True)


# ----------------------------------------------------------------------------- driver side


def _write_data(rows: int, folder: Path) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(2026)

    def frame(shift: float) -> pd.DataFrame:
        data: dict[str, object] = {
            f"num_{i:02d}": rng.normal(shift if i < 4 else 0.0, 1.0, rows) for i in range(NUMERIC)
        }
        for i in range(CATEGORICAL):
            labels = np.array([f"cat_{i}_{k}" for k in range(8)])
            data[f"cat_{i}"] = pd.Categorical(rng.choice(labels, rows))
        return pd.DataFrame(data)

    frame(0.0).to_parquet(folder / "reference.parquet")
    frame(0.2).to_parquet(folder / "current.parquet")


def _python_for(tool: str, venvs: Path) -> tuple[Path | None, str]:
    """The python to run ``tool`` with, or None and the reason it cannot run."""
    if tool.startswith("driftline"):
        return Path(sys.executable), ""
    tool = VENV_OF.get(tool, tool)
    python = venvs / tool / "bin" / "python"
    if (venvs / tool / ".installed-stamp").exists() and python.exists():
        return python, ""
    log = venvs / f"{tool}.install.log"
    if not log.exists():
        return None, f"not installed: no {venvs / tool} (run `make anchors`)"
    lines = [
        line
        for line in log.read_text(errors="replace").splitlines()
        if line.strip() and not line.startswith("WARNING: Location")
    ]
    errors = [line for line in lines if line.startswith("ERROR")] or lines[-3:]
    return None, "could not be installed: " + " | ".join(errors[-3:])


def _run_tool(tool: str, python: Path, folder: Path, timeout_s: float) -> dict[str, Any]:
    command = [str(python), str(Path(__file__).resolve()), "--worker", tool, str(folder)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return {"tool": tool, "status": f"did not finish within {timeout_s:.0f} s"}
    wall_s = time.perf_counter() - start
    for line in stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return {"status": "ok", "process_s": wall_s, **json.loads(line[len(RESULT_PREFIX) :])}
    tail = " | ".join(stderr.strip().splitlines()[-3:])
    return {"tool": tool, "status": f"failed (exit {process.returncode}): {tail}"}


def _ratio(value: float) -> str:
    return f"{value:.1f}×" if value < 10 else f"{value:.0f}×"


def _row(result: dict[str, Any], driftline_s: float | None) -> str:
    tool = result["tool"]
    if result["status"] != "ok":
        return f"| {tool} | | {result['status'].replace('|', '/')} | | | | |"
    flagged = set(result["flagged"])
    missed = sorted(set(SHIFTED) - flagged)
    false = sorted(flagged - set(SHIFTED))
    ratio = "" if not driftline_s else _ratio(result["seconds"] / driftline_s)
    growth = result["rss_peak_mib"] - result["rss_before_mib"]
    found = f"{len(flagged & set(SHIFTED))}/4" + (
        f" (missed {', '.join(missed)})" if missed else ""
    )
    return (
        f"| {tool} | {result['version']} | {result['seconds']:.2f} s | {ratio} | "
        f"{result['rss_peak_mib']:.0f} MiB (+{growth:.0f}) | "
        f"{found} | {len(false)}{' (' + ', '.join(false) + ')' if false else ''} |"
    )


def _print_profiles(results: list[dict[str, Any]]) -> None:
    """The second table: profiling throughput (one process; whylogs' ``why.log`` of the
    current frame beside Driftline's ``profile_of``) and the check against a prebuilt
    baseline as a multiple of the numpy sort floor."""
    cells = NUMERIC + CATEGORICAL
    print(
        "\n| rows | Driftline profile | whylogs profile | Driftline check (prebuilt baseline) "
        "| numpy sort floor | check / sort floor |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for rows in sorted({r["rows"] for r in results}):
        ok = {r["tool"]: r for r in results if r["rows"] == rows and r["status"] == "ok"}
        driftline, whylogs = ok.get("driftline-univariate"), ok.get("whylogs")
        if driftline is None:
            continue
        rate = rows * cells / driftline["profile_s"] / 1e6
        why = "not run"
        if whylogs and whylogs.get("profile_times_s", [])[1:]:
            why_s = min(whylogs["profile_times_s"][1:])  # the first is the warm-up's
            why = f"{why_s:.2f} s ({rows * cells / why_s / 1e6:.1f} M cells/s)"
        print(
            f"| {rows:,} | {driftline['profile_s']:.2f} s ({rate:.1f} M cells/s) | {why} | "
            f"{driftline['check_only_s']:.3f} s | {driftline['sort_floor_s']:.3f} s | "
            f"{driftline['check_only_s'] / driftline['sort_floor_s']:.2f}× |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--worker", nargs=2, metavar=("TOOL", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--rows", default=",".join(str(r) for r in ROWS))
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--venvs", type=Path, default=REPO / ".venv-anchors")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds per tool run")
    parser.add_argument(
        "--out", type=Path, default=REPO / "tests" / "output" / "bench_anchors.json"
    )
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]))
        return

    import numpy as np
    import pandas as pd

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.machine(),
    )
    memory_gib = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30
    machine = (
        f"{cpu}, {os.cpu_count()} CPUs, {memory_gib:.0f} GiB RAM, "
        f"python {platform.python_version()}; data written with numpy {np.__version__}, "
        f"pandas {pd.__version__}"
    )
    print(f"machine: {machine}")
    tools = [t for t in args.tools.split(",") if t]
    results: list[dict[str, Any]] = []
    for rows in (int(r) for r in args.rows.split(",")):
        with tempfile.TemporaryDirectory(prefix="bench-anchors-") as name:
            folder = Path(name)
            _write_data(rows, folder)
            print(
                f"\n{rows:,} rows x {NUMERIC + CATEGORICAL} columns, reference and current",
                flush=True,
            )
            for tool in tools:
                python, reason = _python_for(tool, args.venvs)
                if python is None:
                    result = {"tool": tool, "status": f"skipped: {reason}"}
                else:
                    result = _run_tool(tool, python, folder, args.timeout)
                result["rows"] = rows
                results.append(result)
                print(f"  {tool}: {json.dumps(result)}", flush=True)
    print(
        "\n| tool | version | time | vs Driftline (column tests) | peak RSS (+ over loaded frames) "
        "| shifted found | false flags |"
    )
    for rows in sorted({r["rows"] for r in results}):
        sized = [r for r in results if r["rows"] == rows]
        driftline = next(
            (r for r in sized if r["tool"] == "driftline-univariate" and r["status"] == "ok"),
            None,
        )
        print(f"| **{rows:,} rows** | | | | | | |")
        for result in sized:
            print(_row(result, driftline["seconds"] if driftline else None))
    _print_profiles(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": machine, "results": results}, indent=2))
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
