"""Profile: a mergeable summary of a table, what a check needs of a window.

A profile is taken against a baseline (its *spec*: which columns, their kinds, the fine
histogram edges). Per column it keeps the row count, the missing, unreadable and
non-finite counts, the finite minimum and maximum; for numeric columns a fine histogram
on fixed edges taken from the baseline (about 1 000 reference-quantile edges, the
baseline's own bin edges and its range, geometric edges beyond it, open tails) and, for
the baseline's discrete columns, exact value counts; for categorical and boolean columns
exact label counts (the baseline's categories always, at most :data:`MAX_UNSEEN` others
chosen by a hash of the label, the rest pooled as ``"__other__"``). Beside the columns it
keeps ONE joint uniform sample of up to ``k`` whole rows, chosen by bottom-k on a per-row
pseudo-random 64-bit key (:func:`row_keys`: a hash of a seed, a stream name and the row's
position in it).

``merge(a, b)`` is associative and commutative and the profile of a concatenation equals
the merge of the profiles of its parts (exactly, given the rows' keys), so a window can be
profiled batch by batch, file by file or partition by partition on a cluster, in memory
bounded by ``k`` rows plus the histograms.

Serialised by :func:`save_profile` as a ZIP (``profile.json`` and the sample as Arrow IPC)
with a format version; :func:`load_profile` refuses any other version.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import reduce
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc
from numpy.typing import NDArray

from monitor.engine._threads import map_columns
from monitor.engine.baseline import OTHER, Baseline, ColumnBaseline, label_counts
from monitor.errors import ConfigError, InputError

__all__ = [
    "DEFAULT_SAMPLE_ROWS",
    "FINE_BINS",
    "KEY",
    "MAX_UNSEEN",
    "MAX_VALUE_COUNTS",
    "PROFILE_FORMAT_VERSION",
    "ColumnProfile",
    "ColumnSpec",
    "Profile",
    "ProfileSpec",
    "empty_profile",
    "keys_of_ids",
    "load_profile",
    "merge",
    "merge_all",
    "profile_of",
    "profile_spec",
    "row_keys",
    "save_profile",
]

PROFILE_FORMAT_VERSION: Final = 1
DEFAULT_SAMPLE_ROWS: Final = 100_000
FINE_BINS: Final = 1_000
MAX_VALUE_COUNTS: Final = 1_000
"""Exact value counts of a discrete numeric column are kept up to this many distinct values."""
MAX_UNSEEN: Final = 1_000
"""Categories absent from the baseline kept exactly; more are pooled as ``"__other__"``."""
KEY: Final = "__key__"
"""The sample's column holding each row's 64-bit key."""

_MAGIC: Final = "driftline-profile"
_MANIFEST: Final = "profile.json"
_SAMPLE: Final = "sample.arrow"
_SAMPLED_KINDS: Final = ("numeric", "categorical", "boolean")
_MASK64: Final = (1 << 64) - 1


# --- keys -------------------------------------------------------------------------------


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def _splitmix64(values: NDArray[np.uint64]) -> NDArray[np.uint64]:
    with np.errstate(over="ignore"):
        z = values + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def row_keys(n: int, *, seed: int = 0, stream: str = "", start: int = 0) -> NDArray[np.uint64]:
    """The 64-bit keys of rows ``start .. start + n - 1`` of ``stream`` (a file name, a
    partition, a window): a splitmix64 hash of the seed, the stream and the position, so
    they are uniform, independent across streams and the same on every machine."""
    base = _hash64(f"{seed}\x00{stream}")
    positions = np.arange(start, start + n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return _splitmix64(positions ^ np.uint64(base))


def keys_of_ids(ids: NDArray[Any], *, seed: int = 0) -> NDArray[np.uint64]:
    """The 64-bit keys of rows identified by ``ids`` (record ids): a hash of the seed and
    the id, so a row's key does not depend on the batch or file it came in."""
    hashed = pd.util.hash_array(np.asarray(ids, dtype=object), categorize=False)
    with np.errstate(over="ignore"):
        return _splitmix64(hashed ^ np.uint64(_hash64(f"{seed}\x00ids")))


# --- spec -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class ColumnSpec:
    """How one baseline column is profiled."""

    name: str
    kind: str
    edges: NDArray[np.float64] | None = None
    """Fine histogram edges (numeric): bin b holds edges[b-1] <= x < edges[b]."""
    discrete: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class ProfileSpec:
    """What a profile of data checked against one baseline keeps."""

    columns: Mapping[str, ColumnSpec]
    known: Mapping[str, frozenset[str]]
    """The baseline's categories per categorical/boolean column (always kept exactly)."""
    k: int = DEFAULT_SAMPLE_ROWS
    seed: int = 0
    max_unseen: int = MAX_UNSEEN

    @property
    def sampled(self) -> list[str]:
        return [n for n, c in self.columns.items() if c.kind in _SAMPLED_KINDS]


def _sorted_quantiles(sample: NDArray[np.float64], bins: int) -> NDArray[np.float64]:
    """The ``bins - 1`` interior quantiles of ``sample`` (linear interpolation, as
    ``np.quantile``), read off the sorted sample instead of one partition per quantile."""
    ordered = sample if bool(np.all(sample[1:] >= sample[:-1])) else np.sort(sample)
    position = np.linspace(0.0, 1.0, bins + 1)[1:-1] * (ordered.size - 1)
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, ordered.size - 1)
    fraction = position - low
    return ordered[low] + fraction * (ordered[high] - ordered[low])


def fine_edges(column: ColumnBaseline, bins: int = FINE_BINS) -> NDArray[np.float64]:
    """The fine edges of a numeric baseline column: ``bins`` quantiles of its reference
    sample, its coarse bin edges and its range (minimum, and just above the maximum), so
    coarse histograms and out-of-range counts follow exactly from the fine counts, and
    geometrically widening edges beyond the range so far tails keep their shape."""
    parts: list[NDArray[np.float64]] = []
    if column.sample is not None and column.sample.size:
        parts.append(_sorted_quantiles(column.sample, bins))
    if column.bin_edges is not None:
        parts.append(column.bin_edges)
    if column.minimum is not None and column.maximum is not None:
        parts.append(np.array([column.minimum, np.nextafter(column.maximum, np.inf)]))
        # tails outside the reference range: widths doubling every two edges, from an
        # eighth of the reference spread to a million times it
        spread = column.std or (column.maximum - column.minimum) or 1.0
        steps = spread * np.exp2(np.arange(-6, 41) / 2.0)
        parts += [column.minimum - steps, column.maximum + steps]
    if not parts:
        return np.array([], dtype=np.float64)
    edges = np.unique(np.concatenate(parts).astype(np.float64))
    return edges[np.isfinite(edges)]


def profile_spec(
    baseline: Baseline, *, k: int = DEFAULT_SAMPLE_ROWS, seed: int = 0, bins: int = FINE_BINS
) -> ProfileSpec:
    """The spec of profiles checked against ``baseline`` (a pure function of it)."""
    if k < 2:
        raise ConfigError(f"sample rows k must be >= 2, got {k}")
    columns: dict[str, ColumnSpec] = {}
    known: dict[str, frozenset[str]] = {}
    for name, column in baseline.columns.items():
        if column.kind == "numeric":
            columns[name] = ColumnSpec(
                name, "numeric", fine_edges(column, bins), column.is_discrete
            )
        else:
            columns[name] = ColumnSpec(name, column.kind)
            if column.categories is not None:
                known[name] = frozenset(column.categories)
    return ProfileSpec(columns, known, k, seed)


# --- the profile ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class ColumnProfile:
    """Counts of one column over the profiled rows (see the module docstring)."""

    name: str
    kind: str
    n_rows: int
    n_missing: int
    n_unreadable: int = 0
    n_infinite: int = 0
    n_finite: int = 0
    minimum: float | None = None
    maximum: float | None = None
    edges: NDArray[np.float64] | None = None
    counts: NDArray[np.int64] | None = None
    values: Mapping[float, int] | None = None
    """Exact counts of a discrete numeric column's values; None past MAX_VALUE_COUNTS."""
    categories: Mapping[str, int] | None = None
    """Label counts of a categorical/boolean column (``"__other__"`` holds pooled ones)."""
    ordered: NDArray[np.float64] | None = None
    """A numeric column's finite values, sorted; kept only by :func:`profile_of` when its
    sample holds every row, never serialised or merged. The check of a complete window
    reads its exact test's values from here instead of sorting the sample column again
    (the same values: the sample is every row)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "n_rows": self.n_rows,
            "n_missing": self.n_missing,
            "n_unreadable": self.n_unreadable,
            "n_infinite": self.n_infinite,
            "n_finite": self.n_finite,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "edges": None if self.edges is None else self.edges.tolist(),
            "counts": None if self.counts is None else self.counts.tolist(),
            "values": None if self.values is None else [[v, c] for v, c in self.values.items()],
            "categories": None if self.categories is None else dict(self.categories),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnProfile:
        values = data.get("values")
        edges, counts = data.get("edges"), data.get("counts")
        categories = data.get("categories")
        return cls(
            name=str(data["name"]),
            kind=str(data["kind"]),
            n_rows=int(data["n_rows"]),
            n_missing=int(data["n_missing"]),
            n_unreadable=int(data["n_unreadable"]),
            n_infinite=int(data["n_infinite"]),
            n_finite=int(data["n_finite"]),
            minimum=data.get("minimum"),
            maximum=data.get("maximum"),
            edges=None if edges is None else np.asarray(edges, dtype=np.float64),
            counts=None if counts is None else np.asarray(counts, dtype=np.int64),
            values=None if values is None else {float(v): int(c) for v, c in values},
            categories=(
                None if categories is None else {str(k): int(v) for k, v in categories.items()}
            ),
        )


@dataclass(frozen=True, slots=True, eq=False)
class Profile:
    """The mergeable summary of a table checked against one baseline."""

    n_rows: int
    columns: Mapping[str, ColumnProfile]
    sample: pd.DataFrame
    """Up to ``k`` whole rows (the sampled columns and ``__key__``), sorted by key."""
    k: int = DEFAULT_SAMPLE_ROWS
    seed: int = 0
    names: frozenset[str] = field(default_factory=frozenset)
    """Every column name seen in the profiled data (unexpected ones are reported)."""
    max_unseen: int = MAX_UNSEEN
    format_version: int = PROFILE_FORMAT_VERSION

    @property
    def complete(self) -> bool:
        """True when the sample holds every profiled row (at most ``k`` of them)."""
        return len(self.sample) == self.n_rows


def _empty_column(spec: ColumnSpec, n_rows: int) -> ColumnProfile:
    """A column absent from ``n_rows`` rows: all of them missing (as a concatenation has it)."""
    if spec.kind == "numeric":
        edges = spec.edges if spec.edges is not None else np.array([], dtype=np.float64)
        return ColumnProfile(
            spec.name,
            spec.kind,
            n_rows,
            n_rows,
            edges=edges,
            counts=np.zeros(edges.size + 1, dtype=np.int64),
            values={} if spec.discrete else None,
        )
    if spec.kind in ("categorical", "boolean"):
        return ColumnProfile(spec.name, spec.kind, n_rows, n_rows, categories={})
    return ColumnProfile(spec.name, spec.kind, n_rows, n_rows)


def _numeric_column(spec: ColumnSpec, series: pd.Series, keep_sorted: bool) -> ColumnProfile:
    from monitor.engine.quality import as_float

    values, unreadable = as_float(series)
    clean = np.sort(values[np.isfinite(values)])  # sorted: the edges are found by bisection
    edges = spec.edges if spec.edges is not None else np.array([], dtype=np.float64)
    below = np.searchsorted(clean, edges, side="left")  # values < each edge
    counts = np.diff(np.concatenate(([0], below, [clean.size]))).astype(np.int64)
    exact: dict[float, int] | None = None
    if spec.discrete:
        distinct, distinct_counts = np.unique(clean, return_counts=True)
        if distinct.size <= MAX_VALUE_COUNTS:
            exact = {float(v): int(c) for v, c in zip(distinct, distinct_counts, strict=True)}
    return ColumnProfile(
        spec.name,
        spec.kind,
        len(series),
        int(series.isna().sum()),
        n_unreadable=unreadable,
        n_infinite=int(np.isinf(values).sum()),
        n_finite=int(clean.size),
        minimum=float(clean[0]) if clean.size else None,
        maximum=float(clean[-1]) if clean.size else None,
        edges=edges,
        counts=counts,
        values=exact,
        ordered=clean if keep_sorted else None,
    )


def _bounded(counts: Mapping[str, int], known: frozenset[str], limit: int) -> dict[str, int]:
    """``counts`` with at most ``limit`` labels outside ``known`` (the smallest label
    hashes), the others' counts pooled under ``"__other__"``: a rule that depends only on
    the set of labels, so merging stays associative."""
    unseen = [label for label in counts if label not in known and label != OTHER]
    if len(unseen) <= limit:
        return dict(counts)
    unseen.sort(key=lambda label: (_hash64(label), label))
    dropped = unseen[limit:]
    gone = set(dropped)
    kept = {label: count for label, count in counts.items() if label not in gone}
    kept[OTHER] = kept.get(OTHER, 0) + sum(counts[label] for label in dropped)
    return kept


def profile_of(
    frame: pd.DataFrame,
    baseline: Baseline | ProfileSpec,
    *,
    keys: NDArray[np.uint64] | None = None,
    stream: str = "",
    start: int = 0,
    k: int | None = None,
    seed: int | None = None,
    workers: int = 1,
) -> Profile:
    """The profile of ``frame`` checked against ``baseline`` (or its spec).

    ``keys`` are the rows' 64-bit sample keys; by default :func:`row_keys` of the rows'
    positions ``start ..`` in ``stream``. Give each batch, file or partition its own
    stream (or consecutive ``start``\\ s) so that merged samples stay uniform.
    ``workers`` threads profile the numeric columns (each sorts its values); 1 by default,
    because batches, files and partitions are profiled side by side already.
    """
    spec = baseline if isinstance(baseline, ProfileSpec) else profile_spec(baseline)
    if k is not None or seed is not None:
        spec = replace(spec, k=spec.k if k is None else k, seed=spec.seed if seed is None else seed)
    n_rows = len(frame)
    if keys is None:
        keys = row_keys(n_rows, seed=spec.seed, stream=stream, start=start)
    elif len(keys) != n_rows:
        raise InputError(f"profile: {len(keys)} keys for {n_rows} rows; give one key per row")
    names = {str(c) for c in frame.columns}
    numeric = [(c, frame[n]) for n, c in spec.columns.items() if n in names and c.kind == "numeric"]
    complete = n_rows <= spec.k
    profiled = {
        column.name: column
        for column in map_columns(
            lambda item: _numeric_column(item[0], item[1], complete), numeric, workers
        )
    }
    columns: dict[str, ColumnProfile] = {}
    for name, column_spec in spec.columns.items():
        if name not in names:
            continue
        if column_spec.kind == "numeric":
            columns[name] = profiled[name]
            continue
        series = frame[name]
        if column_spec.kind in ("categorical", "boolean"):
            counts = _bounded(
                label_counts(series), spec.known.get(name, frozenset()), spec.max_unseen
            )
            columns[name] = ColumnProfile(
                name, column_spec.kind, n_rows, int(series.isna().sum()), categories=counts
            )
        else:
            columns[name] = ColumnProfile(name, column_spec.kind, n_rows, int(series.isna().sum()))
    sampled = [n for n in spec.sampled if n in names]
    sample = _bottom_k(frame[sampled].assign(**{KEY: np.asarray(keys, dtype=np.uint64)}), spec.k)
    return Profile(n_rows, columns, sample, spec.k, spec.seed, frozenset(names), spec.max_unseen)


def empty_profile(baseline: Baseline | ProfileSpec) -> Profile:
    """The profile of no rows (the identity of :func:`merge`)."""
    spec = baseline if isinstance(baseline, ProfileSpec) else profile_spec(baseline)
    empty = pd.DataFrame({KEY: np.array([], dtype=np.uint64)})
    return Profile(0, {}, empty, spec.k, spec.seed, frozenset(), spec.max_unseen)


def _bottom_k(sample: pd.DataFrame, k: int) -> pd.DataFrame:
    keys = sample[KEY].to_numpy(dtype=np.uint64)
    if len(keys) > k:
        chosen = np.argpartition(keys, k - 1)[:k]
        sample = sample.iloc[chosen]
        keys = keys[chosen]
    order = np.argsort(keys, kind="stable")
    ordered = [c for c in sorted(sample.columns) if c != KEY] + [KEY]
    return sample.iloc[order][ordered].reset_index(drop=True)


# --- merge ------------------------------------------------------------------------------


def _merge_values(
    a: Mapping[float, int] | None, b: Mapping[float, int] | None
) -> dict[float, int] | None:
    if a is None or b is None:
        return None
    merged = dict(a)
    for value, count in b.items():
        merged[value] = merged.get(value, 0) + count
    return merged if len(merged) <= MAX_VALUE_COUNTS else None


def _merge_categories(
    a: Mapping[str, int], b: Mapping[str, int], known: frozenset[str], limit: int
) -> dict[str, int]:
    merged = dict(a)
    for label, count in b.items():
        merged[label] = merged.get(label, 0) + count
    return _bounded(merged, known, limit)


def _pick(x: float | None, y: float | None, fn: Any) -> float | None:
    if x is None:
        return y
    if y is None:
        return x
    return float(fn(x, y))


def _merge_column(
    a: ColumnProfile, b: ColumnProfile, known: frozenset[str], limit: int
) -> ColumnProfile:
    if a.kind != b.kind:
        raise ConfigError(
            f"profiles disagree on column {a.name!r}: {a.kind} and {b.kind}; "
            "profile both parts against the same baseline"
        )
    counts = None
    if a.counts is not None and b.counts is not None:
        if a.edges is None or b.edges is None or not np.array_equal(a.edges, b.edges):
            raise ConfigError(
                f"profiles of column {a.name!r} have different histogram edges; "
                "profile both parts against the same baseline"
            )
        counts = a.counts + b.counts
    categories = None
    if a.categories is not None and b.categories is not None:
        categories = _merge_categories(a.categories, b.categories, known, limit)
    return ColumnProfile(
        a.name,
        a.kind,
        a.n_rows + b.n_rows,
        a.n_missing + b.n_missing,
        n_unreadable=a.n_unreadable + b.n_unreadable,
        n_infinite=a.n_infinite + b.n_infinite,
        n_finite=a.n_finite + b.n_finite,
        minimum=_pick(a.minimum, b.minimum, min),
        maximum=_pick(a.maximum, b.maximum, max),
        edges=a.edges,
        counts=counts,
        values=_merge_values(a.values, b.values),
        categories=categories,
    )


def _spec_of_column(column: ColumnProfile) -> ColumnSpec:
    return ColumnSpec(column.name, column.kind, column.edges, column.values is not None)


def merge(a: Profile, b: Profile, *, known: Mapping[str, frozenset[str]] | None = None) -> Profile:
    """The profile of the rows of ``a`` and ``b`` together (associative, commutative).

    ``known`` are the baseline's categories (:attr:`ProfileSpec.known`); they only matter
    once a column has more than MAX_UNSEEN labels outside them.
    """
    if (a.k, a.seed, a.max_unseen) != (b.k, b.seed, b.max_unseen):
        raise ConfigError(
            f"profiles with different settings (k {a.k} and {b.k}, seed {a.seed} and "
            f"{b.seed}, max_unseen {a.max_unseen} and {b.max_unseen}) cannot be merged; "
            "profile every part with the same settings"
        )
    known = known or {}
    columns: dict[str, ColumnProfile] = {}
    for name in sorted(set(a.columns) | set(b.columns)):
        left, right = a.columns.get(name), b.columns.get(name)
        if left is None:
            assert right is not None
            left = _empty_column(_spec_of_column(right), a.n_rows)
        if right is None:
            right = _empty_column(_spec_of_column(left), b.n_rows)
        columns[name] = _merge_column(left, right, known.get(name, frozenset()), a.max_unseen)
    union = sorted({str(c) for c in a.sample.columns} | {str(c) for c in b.sample.columns})
    parts = [
        s if len(s.columns) == len(union) else s.reindex(columns=union)
        for s in _within_bottom_k(a.sample, b.sample, a.k)
        if len(s)
    ]
    if not parts:
        sample = (a.sample if len(a.sample.columns) == len(union) else b.sample).reindex(
            columns=union
        )
    elif len(parts) == 1:
        sample = parts[0]
    else:
        sample = pd.concat(parts, ignore_index=True, sort=True)
    sample = _bottom_k(sample, a.k)
    return Profile(
        a.n_rows + b.n_rows,
        columns,
        sample,
        a.k,
        a.seed,
        a.names | b.names,
        a.max_unseen,
    )


def _within_bottom_k(a: pd.DataFrame, b: pd.DataFrame, k: int) -> tuple[pd.DataFrame, ...]:
    """``a`` and ``b`` without rows that cannot be among the k smallest keys of both: a
    full sample's largest key bounds the other's rows (what the merge keeps is unchanged)."""
    kept = [a, b]
    for mine, other in ((0, 1), (1, 0)):
        if len(kept[mine]) >= k and len(kept[other]):
            bound = kept[mine][KEY].to_numpy(dtype=np.uint64).max()
            keys = kept[other][KEY].to_numpy(dtype=np.uint64)
            if keys.max() > bound:
                kept[other] = kept[other][keys <= bound]
    return tuple(kept)


def merge_all(
    profiles: Iterable[Profile], baseline: Baseline | ProfileSpec | None = None
) -> Profile:
    """All ``profiles`` merged (the empty profile of ``baseline`` when there are none)."""
    items = list(profiles)
    known = None
    if baseline is not None:
        spec = baseline if isinstance(baseline, ProfileSpec) else profile_spec(baseline)
        known = spec.known
        if not items:
            return empty_profile(spec)
    if not items:
        raise ConfigError("merge_all: no profiles and no baseline to make an empty one")
    return reduce(lambda x, y: merge(x, y, known=known), items)


# --- file -------------------------------------------------------------------------------


def _arrow_safe(sample: pd.DataFrame) -> pa.Table:
    try:
        return pa.Table.from_pandas(sample, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        mixed = {
            c: sample[c].map(lambda v: None if pd.isna(v) else str(v))
            for c in sample.columns
            if sample[c].dtype == object
        }
        return pa.Table.from_pandas(sample.assign(**mixed), preserve_index=False)


def save_profile(profile: Profile, path: str | Path) -> Path:
    """Write ``profile`` to ``path`` (a ZIP: ``profile.json`` and ``sample.arrow``)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    manifest = {
        "magic": _MAGIC,
        "format_version": profile.format_version,
        "n_rows": profile.n_rows,
        "k": profile.k,
        "seed": profile.seed,
        "max_unseen": profile.max_unseen,
        "names": sorted(profile.names),
        "columns": [column.to_dict() for column in profile.columns.values()],
    }
    buffer = io.BytesIO()
    table = _arrow_safe(profile.sample)
    with ipc.new_file(buffer, table.schema) as writer:
        writer.write_table(table)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_MANIFEST, json.dumps(manifest))
        archive.writestr(_SAMPLE, buffer.getvalue())
    partial.replace(target)
    return target


_REBUILD: Final = "profile the data again with this Driftline (profile_of, then save_profile)"


def load_profile(path: str | Path) -> Profile:
    """Read a profile written by :func:`save_profile`; InputError names the file and the
    fix when it is missing, corrupt or of another format version."""
    source = Path(path)
    if not source.is_file():
        raise InputError(f"profile file {str(source)!r} not found; {_REBUILD}")
    try:
        with zipfile.ZipFile(source) as archive:
            manifest = json.loads(archive.read(_MANIFEST))
            if not isinstance(manifest, dict) or manifest.get("magic") != _MAGIC:
                raise InputError(f"{str(source)!r} is not a Driftline profile; {_REBUILD}")
            version = manifest.get("format_version")
            if version != PROFILE_FORMAT_VERSION:
                raise InputError(
                    f"profile file {str(source)!r} has format_version {version!r}, but this "
                    f"Driftline reads format_version {PROFILE_FORMAT_VERSION}; {_REBUILD}"
                )
            with archive.open(_SAMPLE) as member:
                table = ipc.open_file(io.BytesIO(member.read())).read_all()
        columns = {c["name"]: ColumnProfile.from_dict(c) for c in manifest["columns"]}
        return Profile(
            int(manifest["n_rows"]),
            columns,
            table.to_pandas(),
            int(manifest["k"]),
            int(manifest["seed"]),
            frozenset(manifest["names"]),
            int(manifest["max_unseen"]),
        )
    except InputError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, pa.ArrowException) as exc:
        raise InputError(
            f"profile file {str(source)!r} is corrupt ({type(exc).__name__}: {exc}); {_REBUILD}"
        ) from exc
