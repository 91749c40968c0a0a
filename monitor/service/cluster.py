"""Profiling file sets on a Dask cluster: one profile per file (partition), merged.

``--dask ADDRESS`` (``driftline baseline build`` and ``driftline check``) and
``engine: {dask: ADDRESS}`` (a monitor with a files source) come here. ADDRESS is a
scheduler address (``tcp://host:8786``) or ``local`` for a LocalCluster on this machine.
Without a cluster the same functions run in this process, file after file, so the two paths
give the same profiles and baselines (the tests hold them to it).

Needs the ``dask`` extra (``pip install 'driftline[dask]'``); imported lazily.
"""

from __future__ import annotations

import glob as globbing
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
from numpy.typing import NDArray

from monitor.engine.baseline import (
    DISCRETE_MAX_VALUES,
    MAX_CATEGORIES,
    OTHER,
    Baseline,
    ColumnBaseline,
    build_baseline,
    label_counts,
    number_label,
)
from monitor.engine.io import read_table
from monitor.engine.profile import (
    KEY,
    Profile,
    ProfileSpec,
    empty_profile,
    merge,
    row_keys,
)
from monitor.errors import ConfigError, DriftlineError, InputError
from monitor.service.files import file_format, file_streams, profile_file

__all__ = [
    "Cluster",
    "baseline_of_files",
    "check_schemas",
    "connect",
    "files_of",
    "profile_files",
]

_FILE: Final = "__file__"
_ROW: Final = "__row__"
_CONNECT_TIMEOUT: Final = "5s"
_POLL: Final = 1.0
"""Seconds between looks at the cluster while waiting for a task."""
_NO_WORKERS_WAIT: Final = 10.0
"""Seconds a profile waits for a scheduler with no worker before it gives up."""
_MAX_LABELS: Final = 10_000
"""Distinct labels of a column counted exactly while building a baseline; more are pooled."""


class Cluster:
    """A Dask client (and its LocalCluster for ``local``); a context manager."""

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ConfigError(
                "--dask needs the dask extra: pip install 'driftline[dask]'"
            ) from None
        self.address = address
        self._cluster: Any = None
        try:
            if address == "local":
                self._cluster = LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=min(os.cpu_count() or 1, 4),
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    # the scheduler's HTTP server (health, metrics): 127.0.0.1, any free port
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                )
                self.client: Any = Client(self._cluster)  # type: ignore[no-untyped-call]
            else:
                self.client = Client(  # type: ignore[no-untyped-call]
                    address, timeout=_CONNECT_TIMEOUT
                )
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConfigError(
                f"--dask {address}: cannot reach a Dask scheduler there "
                f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                "start one ('dask scheduler') or use --dask local"
            ) from None

    def map(self, fn: Callable[..., Any], items: Sequence[Any], *args: Any) -> Iterable[Any]:
        """``fn(item, *args)`` for each item, run on the workers in parallel; the results
        are fetched in the items' order (each stays on its worker until then), so merges
        happen in the same order as in one process."""
        futures = [self.client.submit(fn, item, *args, pure=False) for item in items]
        try:
            for future in futures:
                yield self._result(future)
        finally:
            for future in futures:
                future.release()

    def _result(self, future: Any) -> Any:
        """The future's result; one clear error, never a hang, when the cluster fails: a
        worker that dies mid-task has its task run again elsewhere (by Dask), but with no
        worker left for ``_NO_WORKERS_WAIT`` seconds, or the scheduler gone, this gives up."""
        without_workers = 0.0
        while True:
            try:
                return future.result(timeout=_POLL)
            except TimeoutError:
                pass
            except DriftlineError:
                raise  # bad input found on a worker: its own one-line message
            except Exception as exc:  # KilledWorker, CancelledError, lost connection
                raise ConfigError(
                    f"--dask {self.address}: the cluster failed while profiling "
                    f"({type(exc).__name__}: {_first_line(exc)}); check the scheduler "
                    "and workers (their logs), then run again"
                ) from None
            try:
                workers = len(self.client.scheduler_info().get("workers", {}))
            except Exception as exc:  # the scheduler went away
                raise ConfigError(
                    f"--dask {self.address}: lost the scheduler while profiling "
                    f"({type(exc).__name__}: {_first_line(exc)}); restart it and run again"
                ) from None
            without_workers = 0.0 if workers else without_workers + _POLL
            if without_workers >= _NO_WORKERS_WAIT:
                raise ConfigError(
                    f"--dask {self.address}: the scheduler has had no worker for "
                    f"{_NO_WORKERS_WAIT:.0f} s while profiling; start workers "
                    "('dask worker ADDRESS') and run again"
                )

    @property
    def n_workers(self) -> int:
        """The workers the scheduler knows now (at least 1)."""
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else ""


def connect(address: str | None) -> Cluster | None:
    """The cluster at ``address`` (``local`` for a LocalCluster), or None for no address."""
    return None if address is None else Cluster(address)


def _run(
    cluster: Cluster | None, fn: Callable[..., Any], items: Sequence[Any], *args: Any
) -> Iterable[Any]:
    if cluster is None:
        return (fn(item, *args) for item in items)
    return cluster.map(fn, items, *args)


def files_of(pattern: str) -> list[str]:
    """The files matching ``pattern``, sorted; InputError when none does."""
    found = sorted(p for p in globbing.glob(pattern) if os.path.isfile(p))
    if not found:
        raise InputError(f"{pattern!r}: no file matches; check the glob (quote it in a shell)")
    return found


def _numeric(kind: pa.DataType) -> bool:
    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind))


def check_schemas(files: Sequence[str]) -> None:
    """InputError naming the file and the column when the files' schemas disagree with
    the first file's (a column missing or extra, or of another type; integers and floats
    agree), or when a file cannot be read."""
    first: pa.Schema | None = None
    for name in files:
        try:
            schema = ds.dataset(name, format=file_format(name)).schema
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"{name!r}: cannot be read ({type(exc).__name__}: {exc})") from exc
        if first is None:
            first = schema
            continue
        for column in first.names:
            if column not in schema.names:
                raise InputError(
                    f"{name!r}: no column {column!r}, which {files[0]!r} has; "
                    "every file must have the same columns"
                )
        for column in schema.names:
            if column not in first.names:
                raise InputError(
                    f"{name!r}: column {column!r} is not in {files[0]!r}; "
                    "every file must have the same columns"
                )
            a, b = first.field(column).type, schema.field(column).type
            if a != b and not (_numeric(a) and _numeric(b)) and not pa.types.is_null(a):
                if not pa.types.is_null(b):
                    raise InputError(
                        f"{name!r}: column {column!r} is {b}, but {a} in {files[0]!r}; "
                        "every file must give a column the same type"
                    )


def _profile_group(
    files: Sequence[tuple[str, str]],
    event_time_column: str | None,
    start_at: datetime | None,
    end_at: datetime | None,
    spec: ProfileSpec,
    declared: str,
) -> Profile:
    """The merged profile of a few (file, stream) pairs, on one worker (one sample travels
    back)."""
    profile = empty_profile(spec)
    for name, stream in files:
        part = profile_file(name, event_time_column, start_at, end_at, spec, declared, stream)
        profile = merge(profile, part, known=spec.known)
    return profile


def profile_files(
    files: Sequence[str],
    spec: ProfileSpec,
    cluster: Cluster | None = None,
    *,
    event_time_column: str | None = None,
    start_at: datetime | None = None,
    end_at: datetime | None = None,
    declared: str = "auto",
    root: str | None = None,
) -> Profile:
    """The merged profile of ``files`` (of their rows in ``[start_at, end_at)`` with an
    event-time column), on ``cluster`` or in this process. On a cluster the files are
    split into two groups per worker, each group profiled file by file and merged on its
    worker, so only a few samples travel back. Profiles merge exactly in any order, so
    the result is the same as in one process. Each file's rows are keyed by its path
    relative to ``root`` (the glob's folder; :func:`~monitor.service.files.file_streams`),
    so the same files give the same profile wherever they are."""
    named = list(zip(files, file_streams(files, root), strict=True))
    groups = [named]
    if cluster is not None:
        n_groups = min(len(named), 2 * cluster.n_workers)
        groups = [named[i::n_groups] for i in range(n_groups)]
    profile = empty_profile(spec)
    for part in _run(
        cluster, _profile_group, groups, event_time_column, start_at, end_at, spec, declared
    ):
        profile = merge(profile, part, known=spec.known)
    return profile


# --- baselines from files ------------------------------------------------------------------


@dataclass(slots=True)
class _ColumnStats:
    """Exact, mergeable statistics of one column over the rows seen so far."""

    n_missing: int = 0
    n: int = 0  # finite numeric values
    mean: float = 0.0
    m2: float = 0.0
    minimum: float = np.inf
    maximum: float = -np.inf
    distinct: dict[float, int] | None = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)

    def merge(self, other: _ColumnStats) -> _ColumnStats:
        n = self.n + other.n
        mean, m2 = self.mean, self.m2
        if other.n:
            delta = other.mean - self.mean
            mean = self.mean + delta * other.n / n
            m2 = self.m2 + other.m2 + delta**2 * self.n * other.n / n
        distinct = None
        if self.distinct is not None and other.distinct is not None:
            distinct = dict(self.distinct)
            for value, count in other.distinct.items():
                distinct[value] = distinct.get(value, 0) + count
            if len(distinct) > DISCRETE_MAX_VALUES:
                distinct = None
        labels = dict(self.labels)
        for label, count in other.labels.items():
            labels[label] = labels.get(label, 0) + count
        return _ColumnStats(
            self.n_missing + other.n_missing,
            n,
            mean,
            m2,
            min(self.minimum, other.minimum),
            max(self.maximum, other.maximum),
            distinct,
            _pooled(labels),
        )


def _pooled(labels: dict[str, int]) -> dict[str, int]:
    if len(labels) <= _MAX_LABELS:
        return labels
    ranked = sorted(labels.items(), key=lambda item: (-item[1], item[0]))
    kept = dict(ranked[: _MAX_LABELS - 1])
    kept[OTHER] = kept.get(OTHER, 0) + sum(count for _, count in ranked[_MAX_LABELS - 1 :])
    return kept


@dataclass(slots=True)
class _Part:
    n_rows: int
    sample: pd.DataFrame
    stats: dict[str, _ColumnStats]


def _column_stats(series: pd.Series) -> _ColumnStats:
    stats = _ColumnStats(n_missing=int(series.isna().sum()))
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        clean = values[np.isfinite(values)]
        if clean.size:
            stats.n = int(clean.size)
            stats.mean = float(clean.mean())
            stats.m2 = float(((clean - stats.mean) ** 2).sum())
            stats.minimum, stats.maximum = float(clean.min()), float(clean.max())
            distinct, counts = np.unique(clean, return_counts=True)
            stats.distinct = (
                {float(v): int(c) for v, c in zip(distinct, counts, strict=True)}
                if distinct.size <= DISCRETE_MAX_VALUES
                else None
            )
    else:
        stats.labels = _pooled(label_counts(series))
    return stats


def _baseline_part(index_and_name: tuple[int, str], sample_size: int, seed: int) -> _Part:
    index, name = index_and_name
    frame = read_table(name)
    keys = row_keys(len(frame), seed=seed, stream=f"baseline-file-{index}")
    stats = {str(c): _column_stats(frame[c]) for c in frame.columns}
    sample = frame.assign(
        **{_FILE: np.full(len(frame), index), _ROW: np.arange(len(frame)), KEY: keys}
    )
    if len(sample) > sample_size:
        sample = sample.iloc[np.sort(np.argpartition(keys, sample_size - 1)[:sample_size])]
    return _Part(len(frame), sample.reset_index(drop=True), stats)


def _merge_parts(a: _Part, b: _Part, sample_size: int) -> _Part:
    sample = pd.concat([a.sample, b.sample], ignore_index=True)
    if len(sample) > sample_size:
        keys = sample[KEY].to_numpy(dtype=np.uint64)
        sample = sample.iloc[np.sort(np.argpartition(keys, sample_size - 1)[:sample_size])]
    stats = dict(a.stats)
    for column, other in b.stats.items():
        stats[column] = stats[column].merge(other) if column in stats else other
    return _Part(a.n_rows + b.n_rows, sample.reset_index(drop=True), stats)


def _bin_counts_part(name: str, edges: dict[str, NDArray[np.float64]]) -> dict[str, Any]:
    frame = read_table(name)
    counts: dict[str, Any] = {}
    for column, cut in edges.items():
        values = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
        clean = values[np.isfinite(values)]
        counts[column] = np.bincount(
            np.searchsorted(cut, clean, side="right"), minlength=cut.size + 1
        ).astype(np.int64)
    return counts


def _category_summary(labels: dict[str, int]) -> tuple[tuple[str, ...], Any]:
    ranked = sorted(labels.items(), key=lambda item: (-item[1], item[0]))
    names = [name for name, _ in ranked[:MAX_CATEGORIES]]
    values = np.array([count for _, count in ranked], dtype=np.int64)
    if len(ranked) > MAX_CATEGORIES:
        names.append(OTHER)
        values = np.append(values[:MAX_CATEGORIES], values[MAX_CATEGORIES:].sum())
    order = np.argsort(np.array(names, dtype=object), kind="stable")
    return tuple(names[i] for i in order), values[order].astype(np.int64)


def _exact_column(column: ColumnBaseline, stats: _ColumnStats, n_rows: int) -> ColumnBaseline:
    fixed = replace(column, n_rows=n_rows, n_missing=stats.n_missing)
    if column.kind == "numeric" and stats.n:
        categories = category_counts = None
        if stats.distinct is not None:
            ordered = sorted(stats.distinct.items())
            categories = tuple(number_label(v) for v, _ in ordered)
            category_counts = np.array([c for _, c in ordered], dtype=np.int64)
        return replace(
            fixed,
            mean=stats.mean,
            std=float(np.sqrt(stats.m2 / stats.n)),
            minimum=stats.minimum,
            maximum=stats.maximum,
            categories=categories,
            category_counts=category_counts,
        )
    if column.kind in ("categorical", "boolean") and stats.labels:
        categories, counts = _category_summary(stats.labels)
        return replace(fixed, categories=categories, category_counts=counts)
    return fixed


def baseline_of_files(
    files: Sequence[str],
    cluster: Cluster | None = None,
    *,
    sample_size: int = 100_000,
    seed: int = 0,
    **options: Any,
) -> Baseline:
    """The baseline of the rows of ``files`` (read in sorted order), each file summarised
    on ``cluster`` (or in this process) and the summaries merged: exact counts, moments,
    ranges and categories, and a bottom-k uniform sample of ``sample_size`` whole rows.
    Up to ``sample_size`` rows in all it is exactly ``build_baseline`` of the concatenated
    files; above, quantile bin edges (and the performance part) come from the sample and
    the bin counts from a second pass over every file. ``options`` go to ``build_baseline``.
    """
    check_schemas(files)
    merged: _Part | None = None
    indexed = list(enumerate(files))
    for part in _run(cluster, _baseline_part, indexed, sample_size, seed):
        merged = part if merged is None else _merge_parts(merged, part, sample_size)
    assert merged is not None
    rows = merged.sample.sort_values([_FILE, _ROW], kind="stable")
    frame = rows.drop(columns=[_FILE, _ROW, KEY]).reset_index(drop=True)
    baseline = build_baseline(frame, sample_size=sample_size, seed=seed, **options)
    if merged.n_rows <= sample_size:
        return baseline
    columns = {
        name: _exact_column(column, merged.stats[name], merged.n_rows)
        for name, column in baseline.columns.items()
    }
    edges: dict[str, NDArray[np.float64]] = {
        name: column.bin_edges
        for name, column in columns.items()
        if column.kind == "numeric" and column.bin_edges is not None
    }
    totals: dict[str, Any] = {}
    for counts in _run(cluster, _bin_counts_part, list(files), edges):
        for name, value in counts.items():
            totals[name] = value if name not in totals else totals[name] + value
    columns = {
        name: replace(column, bin_counts=totals[name]) if name in totals else column
        for name, column in columns.items()
    }
    return replace(baseline, columns=columns, n_rows=merged.n_rows)
