"""Benchmark: one drift check of 1 000 000 x 20 against a 1 000 000-row baseline.

Prints the check time beside numpy sorting every column of both frames once (the
budget the engine issue sets), plain scipy ``ks_2samp`` over the numeric columns, the
peak memory the check allocates (tracemalloc) against the size of the current frame,
the baseline file size, and the check split in its univariate part (``multivariate`` off)
and its multivariate part, each method alone on the baseline's joint sample and a sample
of the window: the domain classifier and PCA reconstruction. Run with ``make bench``.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from monitor import build_baseline, compare, save_baseline
from monitor.engine.multivariate import (
    MultivariateOptions,
    domain_classifier,
    pca_reconstruction,
)

ROWS = 1_000_000
NUMERIC = 16
CATEGORICAL = 4
REPEATS = 3
SPLIT_REPEATS = 5


def _frame(rng: np.random.Generator, shift: float) -> pd.DataFrame:
    data: dict[str, object] = {
        f"num_{i:02d}": rng.normal(shift if i < 4 else 0.0, 1.0, ROWS) for i in range(NUMERIC)
    }
    for i in range(CATEGORICAL):
        labels = np.array([f"cat_{i}_{k}" for k in range(8)])
        data[f"cat_{i}"] = pd.Categorical(rng.choice(labels, ROWS))
    return pd.DataFrame(data)


def _best(action: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def _best_interleaved(
    *actions: Callable[[], object],
) -> list[tuple[float, float]]:
    """Best wall and CPU (this process) seconds of each action, run in turns so that a
    machine's changing load falls on all of them alike."""
    best = [(float("inf"), float("inf")) for _ in actions]
    for _ in range(SPLIT_REPEATS):
        for i, action in enumerate(actions):
            wall, cpu = time.perf_counter(), time.process_time()
            action()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            best[i] = (min(best[i][0], wall), min(best[i][1], cpu))
    return best


def _sort_all(frames: tuple[pd.DataFrame, ...], *, as_strings: bool) -> None:
    for frame in frames:
        for name in frame.columns:
            column = frame[name]
            if isinstance(column.dtype, pd.CategoricalDtype):
                values = (
                    column.astype(str).to_numpy() if as_strings else column.cat.codes.to_numpy()
                )
            else:
                values = column.to_numpy()
            np.sort(values)


def main() -> None:
    rng = np.random.default_rng(2026)
    reference, current = _frame(rng, 0.0), _frame(rng, 0.2)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}"
    )
    start = time.perf_counter()
    baseline = build_baseline(reference)
    print(f"build_baseline, {ROWS} x {NUMERIC + CATEGORICAL}: {time.perf_counter() - start:.2f} s")
    with tempfile.TemporaryDirectory() as folder:
        path = save_baseline(baseline, Path(folder) / "baseline.driftline")
        print(f"baseline file: {path.stat().st_size / 2**20:.1f} MiB")

    check = _best(lambda: compare(baseline, current))
    pca = MultivariateOptions(method="pca")
    (
        (univariate, univariate_cpu),
        (multivariate, multivariate_cpu),
        (pca_wall, pca_cpu),
    ) = _best_interleaved(
        lambda: compare(baseline, current, multivariate=MultivariateOptions(method="off")),
        lambda: domain_classifier(baseline, current),
        lambda: pca_reconstruction(baseline, current, options=pca),
    )
    joint = domain_classifier(baseline, current)
    joint_pca = pca_reconstruction(baseline, current, options=pca)
    sort_codes = _best(lambda: _sort_all((reference, current), as_strings=False))
    numeric = [f"num_{i:02d}" for i in range(NUMERIC)]
    start = time.perf_counter()
    for name in numeric:
        stats.ks_2samp(reference[name].to_numpy(), current[name].to_numpy())
    scipy_ks = time.perf_counter() - start
    start = time.perf_counter()
    _sort_all((reference, current), as_strings=True)
    sort_strings = time.perf_counter() - start

    tracemalloc.start()
    report = compare(baseline, current)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    frame_bytes = int(current.memory_usage(deep=True).sum())

    print(
        f"check (compare), best of {REPEATS}: {check:.3f} s "
        f"({len(report.drifted_columns)} columns drifted)"
    )
    print(
        f"univariate part (multivariate off), best of {SPLIT_REPEATS} interleaved: "
        f"{univariate:.3f} s wall, {univariate_cpu:.3f} s CPU"
    )
    print(
        f"multivariate part (domain classifier alone, {joint.n_reference} + {joint.n_current} "
        f"rows, AUC {joint.statistic or 0.0:.3f}), best of {SPLIT_REPEATS} interleaved: "
        f"{multivariate:.3f} s wall, {multivariate_cpu:.3f} s CPU -> multivariate / "
        f"univariate = {multivariate / univariate:.2f} wall, "
        f"{multivariate_cpu / univariate_cpu:.2f} CPU"
    )
    print(
        f"multivariate part (PCA reconstruction alone, {joint_pca.n_reference} held-out + "
        f"{joint_pca.n_current} rows, error AUC {joint_pca.statistic or 0.0:.3f}, effect "
        f"{joint_pca.effect_size or 0.0:.3f}), best of {SPLIT_REPEATS} interleaved: "
        f"{pca_wall:.3f} s wall, {pca_cpu:.3f} s CPU -> PCA / classifier = "
        f"{pca_wall / multivariate:.2f} wall, {pca_cpu / multivariate_cpu:.2f} CPU; PCA / "
        f"univariate = {pca_wall / univariate:.2f} wall, {pca_cpu / univariate_cpu:.2f} CPU"
    )
    print(
        f"numpy sort of every column of both frames (categoricals as codes): {sort_codes:.3f} s"
        f"  -> check / sort = {check / sort_codes:.2f}"
    )
    print(
        f"numpy sort of every column of both frames (categoricals as strings): {sort_strings:.3f} s"
        f"  -> check / sort = {check / sort_strings:.2f}"
    )
    print(f"scipy ks_2samp over the {NUMERIC} numeric columns alone: {scipy_ks:.3f} s")
    print(
        f"peak memory allocated by the check: {peak / 2**20:.0f} MiB; current frame: "
        f"{frame_bytes / 2**20:.0f} MiB -> ratio {peak / frame_bytes:.2f}"
    )


if __name__ == "__main__":
    main()
