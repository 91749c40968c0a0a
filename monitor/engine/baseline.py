"""Baseline: what "normal" looks like for one model version, built once from training data.

``build_baseline`` is a pure function of a DataFrame. Per column it keeps the schema
(kind, dtype, nullability, categories, observed range) and what the checks need: a
sorted, seeded uniform sample of the values (capped), quantile bin edges with counts
over the full data, category frequencies, and the missing rate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from monitor.engine._threads import default_workers, map_columns
from monitor.engine.baseline_performance import BaselinePerformance, Task, build_performance
from monitor.errors import ConfigError

__all__ = [
    "DEFAULT_JOINT_SAMPLE_SIZE",
    "FORMAT_VERSION",
    "Baseline",
    "ColumnBaseline",
    "ColumnKind",
    "ColumnRole",
    "build_baseline",
    "check_same_schema",
    "label_counts",
    "number_label",
    "sorted_quantiles",
]

FORMAT_VERSION: Final = 3
"""2: the optional performance part; 3: the joint row sample (older files still load, and
their checks say that multivariate drift needs a rebuilt baseline)."""
DEFAULT_SAMPLE_SIZE: Final = 100_000
DEFAULT_JOINT_SAMPLE_SIZE: Final = 20_000
"""Rows in the baseline's joint sample, the reference side of multivariate drift."""
DEFAULT_BINS: Final = 10
MAX_CATEGORIES: Final = 200
DISCRETE_MAX_VALUES: Final = 20
OTHER: Final = "__other__"

ColumnKind = Literal["numeric", "categorical", "boolean", "datetime", "identifier"]
ColumnRole = Literal["feature", "target", "prediction"]


@dataclass(frozen=True, slots=True, eq=False)
class ColumnBaseline:
    """Schema and summary of one reference column.

    Numeric columns fill ``sample`` (sorted), ``mean``, ``std``, ``minimum``,
    ``maximum``, ``bin_edges`` (the interior quantile edges: bin b holds
    edges[b-1] <= x < edges[b], the outer bins are open) and ``bin_counts``; those with
    at most 20 distinct values also fill ``categories``/``category_counts`` with their
    values, so they can be compared as discrete. Categorical and boolean columns fill
    ``categories`` and ``category_counts`` (rare categories beyond the 200 most
    frequent are pooled as ``"__other__"``).
    """

    name: str
    kind: ColumnKind
    role: ColumnRole
    dtype: str
    n_rows: int
    n_missing: int
    sample: NDArray[np.float64] | None = None
    mean: float | None = None
    std: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    bin_edges: NDArray[np.float64] | None = None
    bin_counts: NDArray[np.int64] | None = None
    categories: tuple[str, ...] | None = None
    category_counts: NDArray[np.int64] | None = None

    @property
    def nullable(self) -> bool:
        return self.n_missing > 0

    @property
    def missing_rate(self) -> float:
        return self.n_missing / self.n_rows if self.n_rows else 0.0

    @property
    def is_discrete(self) -> bool:
        return self.kind == "numeric" and self.categories is not None


@dataclass(frozen=True, slots=True, eq=False)
class Baseline:
    """A model version's reference: schema and per-column summaries."""

    columns: Mapping[str, ColumnBaseline]
    n_rows: int
    target: str | None = None
    prediction: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    sample_size: int = DEFAULT_SAMPLE_SIZE
    seed: int = 0
    format_version: int = FORMAT_VERSION
    performance: BaselinePerformance | None = None
    """The model's performance on this data, when it has a target and a prediction."""
    joint_sample: pd.DataFrame | None = None
    """A uniform sample of up to ``DEFAULT_JOINT_SAMPLE_SIZE`` whole rows of the compared
    features (numeric columns as float64, categorical and boolean ones as their labels,
    missing as None): what multivariate drift compares. None in files before format 3."""

    @property
    def features(self) -> list[str]:
        return [name for name, col in self.columns.items() if col.role == "feature"]


IDENTIFIER_MIN_ROWS: Final = 50
"""Columns of at most this many non-missing values are never taken for identifiers."""
IDENTIFIER_UNIQUE_SHARE: Final = 0.99
"""A column whose distinct values are at least this share of its values is nearly all unique."""
IDENTIFIER_DENSITY: Final = 10.0
"""Nearly unique integers spanning at most this many times as many values as they have
(``max - min + 1 <= 10 n``) are a numbering (1, 2, 3, ... shuffled, or a sample of one),
not a measurement."""


def _nearly_unique(non_null: pd.Series) -> bool:
    return len(
        non_null
    ) > IDENTIFIER_MIN_ROWS and non_null.nunique() >= IDENTIFIER_UNIQUE_SHARE * len(non_null)


def _is_integer_identifier(non_null: pd.Series) -> bool:
    """A numbering: strictly increasing in row order (the order of time), or nearly all
    unique and dense. Sparse unique integers (a population, an amount in cents) stay
    numeric; random-number identifiers go in ``ignore``."""
    if len(non_null) <= IDENTIFIER_MIN_ROWS:
        return False
    values = non_null.to_numpy(dtype=np.int64)
    if bool(np.all(np.diff(values) > 0)):
        return True
    span = float(values.max()) - float(values.min()) + 1.0
    return _nearly_unique(non_null) and span <= IDENTIFIER_DENSITY * len(values)


def _looks_like_datetime(non_null: pd.Series) -> bool:
    """ISO 8601 date-times written as text (a CSV's timestamp column)."""
    head = non_null.head(100)
    if len(head) == 0 or not all(isinstance(v, str) and len(v) >= 10 for v in head):
        return False
    try:
        pd.to_datetime(head, format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        return False
    return True


def _infer_kind(series: pd.Series, *, categorical: bool) -> ColumnKind:
    """The column's kind. Identifiers (nearly all unique text; integer numberings, see
    :func:`_is_integer_identifier`) and date-times are kept in the schema and not compared."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_integer_dtype(dtype) and not categorical:
        return "identifier" if _is_integer_identifier(series.dropna()) else "numeric"
    if pd.api.types.is_numeric_dtype(dtype) and not categorical:
        return "numeric"
    non_null = series.dropna()
    if len(non_null) and set(non_null.unique()) <= {True, False} and not categorical:
        return "boolean"
    if not categorical and _looks_like_datetime(non_null):
        return "datetime"
    if not categorical and _nearly_unique(non_null):
        return "identifier"
    return "categorical"


def label_counts(series: pd.Series) -> dict[str, int]:
    """Counts of a categorical or boolean column's values, keyed by their string labels.

    Labels are ``str(value)``: ``"True"``/``"False"`` for booleans, the category itself
    for strings. Counting happens on the values (codes for a pandas Categorical), and
    only the distinct values are turned into strings.
    """
    counts: dict[str, int] = {}
    for key, count in series.value_counts(dropna=True, sort=False).items():
        if count:
            label = str(key)
            counts[label] = counts.get(label, 0) + int(count)
    return counts


def _category_counts(
    series: pd.Series, *, keep: int = MAX_CATEGORIES
) -> tuple[tuple[str, ...], NDArray[np.int64]]:
    counted = sorted(label_counts(series).items(), key=lambda item: (-item[1], item[0]))
    names = [name for name, _ in counted[:keep]]
    values = np.array([count for _, count in counted], dtype=np.int64)
    if len(counted) > keep:
        names.append(OTHER)
        values = np.append(values[:keep], values[keep:].sum())
    order = np.argsort(np.array(names, dtype=object), kind="stable")
    return tuple(names[i] for i in order), values[order].astype(np.int64)


def _numeric_profile(
    name: str,
    role: ColumnRole,
    series: pd.Series,
    rows: NDArray[np.int64] | None,
    bins: int,
) -> ColumnBaseline:
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = np.isfinite(values)
    n_missing = int(np.isnan(values).sum())
    clean = values[finite] if not finite.all() else values
    empty = ColumnBaseline(
        name,
        "numeric",
        role,
        str(series.dtype),
        len(series),
        n_missing,
        sample=np.array([], dtype=np.float64),
    )
    if clean.size == 0:
        return empty
    # One sort serves the quantiles, the bin counts and the distinct values: at 1 M rows it
    # replaced a partition around every quantile, a bisection per value and a second sort.
    ordered = np.sort(clean)
    if rows is None:  # every row is sampled: the sample is the sorted finite values
        sample = ordered
    else:
        picked = values[rows]
        sample = np.sort(picked[np.isfinite(picked)])
    edges = np.unique(sorted_quantiles(ordered, np.linspace(0.0, 1.0, bins + 1)[1:-1]))
    below = np.searchsorted(ordered, edges, side="left")  # values < each edge
    bin_counts = np.diff(np.concatenate(([0], below, [ordered.size]))).astype(np.int64)
    categories: tuple[str, ...] | None = None
    category_counts: NDArray[np.int64] | None = None
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    if starts.size <= DISCRETE_MAX_VALUES:
        categories = tuple(number_label(v) for v in ordered[starts])
        category_counts = np.diff(np.append(starts, ordered.size)).astype(np.int64)
    return replace(
        empty,
        sample=sample,
        mean=float(clean.mean()),
        std=float(clean.std()),
        minimum=float(clean.min()),
        maximum=float(clean.max()),
        bin_edges=edges.astype(np.float64),
        bin_counts=bin_counts,
        categories=categories,
        category_counts=category_counts,
    )


def sorted_quantiles(ordered: NDArray[np.float64], q: NDArray[np.float64]) -> NDArray[np.float64]:
    """``np.quantile(values, q)`` (its default method, ``"linear"``) read off ``ordered``,
    the values already sorted, with numpy's own arithmetic so the result is the same to the
    last bit (a property test checks it), without numpy's partition around every quantile.

    With n values, quantile q sits at the virtual index i = (n − 1)·q, between the order
    statistics a = x₍⌊i⌋₎ and b = x₍⌊i⌋₊₁₎ at γ = i − ⌊i⌋: a + (b − a)·γ, or b − (b − a)·(1 − γ)
    when γ ≥ 0.5 (numpy's ``_lerp``, exact at both ends).
    """
    virtual = (ordered.size - 1) * q
    previous = np.floor(virtual)
    following = previous + 1
    last = virtual >= ordered.size - 1
    previous[last] = following[last] = -1
    low, high = previous.astype(np.intp), following.astype(np.intp)
    gamma = virtual - low
    a, b = ordered[low], ordered[high]
    difference = b - a
    result = a + difference * gamma
    np.subtract(b, difference * (1 - gamma), out=result, where=gamma >= 0.5)
    return result


def number_label(value: float) -> str:
    """A stable label for a discrete numeric value (``3`` not ``3.0``)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def build_baseline(
    df: pd.DataFrame,
    *,
    target: str | None = None,
    prediction: str | None = None,
    categorical: Iterable[str] = (),
    ignore: Iterable[str] = (),
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    bins: int = DEFAULT_BINS,
    seed: int = 0,
    task: Task | None = None,
    threshold: float = 0.5,
    feature_importances: Mapping[str, float] | None = None,
    joint_sample_size: int = DEFAULT_JOINT_SAMPLE_SIZE,
    validation: pd.DataFrame | None = None,
    workers: int | None = None,
) -> Baseline:
    """Build the baseline of a reference DataFrame.

    Parameters
    ----------
    df : DataFrame
        The training (reference) data, one row per record.
    target, prediction : str, optional
        Names of the label and model-output columns; compared like features and
        reported separately as target and prediction drift.
    categorical : iterable of str
        Columns to treat as categorical even when numeric (codes, ids of a group).
    ignore : iterable of str
        Columns left out of the baseline (record ids, timestamps you do not monitor).
    sample_size : int
        Cap on the per-column reference sample (default 100 000); the sample is a
        seeded uniform draw of rows, shared by all columns.
    bins : int
        Number of reference-quantile bins kept for PSI and histograms (default 10).
    seed : int
        Seed of the sample draw; the same data and seed give the same baseline.
    task : {"binary", "multiclass", "regression"}, optional
        The model's task, inferred from the target when not given; with ``threshold``
        (binary probabilities) and ``feature_importances`` (from the model), used for
        the baseline's performance part, built when both ``target`` and ``prediction``
        are given (:func:`monitor.engine.baseline_performance.build_performance`).
    joint_sample_size : int
        Cap on the joint row sample of the compared features (default 20 000), a seeded
        uniform draw of whole rows kept for multivariate drift.
    validation : DataFrame, optional
        Held-out data the model was not trained on, with the training data's columns:
        the performance part (metrics and the CBPE calibration) is computed on it
        (``performance.source == "validation"``). Without it they come from ``df``,
        which the model has seen, and are optimistic (``source == "training"``). The
        drift profiles always come from ``df``.
    workers : int, optional
        Threads that profile the numeric columns (each sorts its values once); default
        the CPUs, at most 8.

    Raises
    ------
    ConfigError
        When a named column is absent, a parameter is out of range, or ``validation``
        does not have the training data's schema (the error names the column).
    """
    if sample_size < 2:
        raise ConfigError(f"sample_size must be >= 2, got {sample_size}")
    if bins < 2:
        raise ConfigError(f"bins must be >= 2, got {bins}")
    if joint_sample_size < 2:
        raise ConfigError(f"joint_sample_size must be >= 2, got {joint_sample_size}")
    categorical_set, ignore_set = set(categorical), set(ignore)
    for option, names in (
        ("target", [target] if target else []),
        ("prediction", [prediction] if prediction else []),
        ("categorical", sorted(categorical_set)),
        ("ignore", sorted(ignore_set)),
    ):
        absent = [n for n in names if n not in df.columns]
        if absent:
            raise ConfigError(
                f"{option}: column(s) {absent} not in the data; "
                f"available columns: {[str(c) for c in df.columns]}"
            )
    if validation is not None:
        check_same_schema(df, validation, ignore=ignore_set)
    n_rows = len(df)
    rng = np.random.default_rng(seed)
    rows = (
        np.sort(rng.choice(n_rows, size=sample_size, replace=False))
        if n_rows > sample_size
        else None
    )
    kept: list[tuple[str, pd.Series, ColumnRole, ColumnKind]] = []
    for raw_name in df.columns:
        name = str(raw_name)
        if name in ignore_set:
            continue
        series = df[raw_name]
        role: ColumnRole = (
            "target" if name == target else "prediction" if name == prediction else "feature"
        )
        kept.append((name, series, role, _infer_kind(series, categorical=name in categorical_set)))
    numeric = [(name, series, role) for name, series, role, kind in kept if kind == "numeric"]
    profiled = {
        column.name: column
        for column in map_columns(
            lambda item: _numeric_profile(item[0], item[2], item[1], rows, bins),
            numeric,
            default_workers() if workers is None else workers,
        )
    }
    columns: dict[str, ColumnBaseline] = {}
    for name, series, role, kind in kept:
        n_missing = int(series.isna().sum())
        if kind == "numeric":
            columns[name] = profiled[name]
        elif kind in ("categorical", "boolean"):
            cats, counts = _category_counts(series)
            columns[name] = ColumnBaseline(
                name,
                kind,
                role,
                str(series.dtype),
                n_rows,
                n_missing,
                categories=cats,
                category_counts=counts,
            )
        else:
            columns[name] = ColumnBaseline(name, kind, role, str(series.dtype), n_rows, n_missing)
    performance = None
    if target is not None and prediction is not None:
        features = [
            name
            for name, col in columns.items()
            if col.role == "feature" and col.kind not in ("datetime", "identifier")
        ]
        performance = build_performance(
            df if validation is None else validation,
            target,
            prediction,
            features,
            task=task,
            threshold=threshold,
            seed=seed,
            feature_importances=feature_importances,
            source="training" if validation is None else "validation",
        )
    return Baseline(
        columns=columns,
        n_rows=n_rows,
        target=target,
        prediction=prediction,
        sample_size=sample_size,
        seed=seed,
        performance=performance,
        joint_sample=_joint_sample(df, columns, joint_sample_size, seed),
    )


def _dtype_family(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    return "text"


def check_same_schema(
    training: pd.DataFrame, validation: pd.DataFrame, *, ignore: Iterable[str] = ()
) -> None:
    """Refuse validation data whose columns or column types differ from the training
    data's (ignored columns aside); integers and floats are both numeric, and a column
    that is empty in either frame is not compared by type.

    Raises
    ------
    ConfigError
        Naming the first column that is absent, extra, or of another type.
    """
    skip = set(ignore)
    train = [str(c) for c in training.columns if str(c) not in skip]
    held = [str(c) for c in validation.columns if str(c) not in skip]
    absent = [c for c in train if c not in held]
    if absent:
        raise ConfigError(
            f"validation data: column {absent[0]!r} of the training data is missing; "
            "validation data needs the training data's columns"
        )
    extra = [c for c in held if c not in train]
    if extra:
        raise ConfigError(
            f"validation data: column {extra[0]!r} is not in the training data; drop it "
            "or pass it in --ignore"
        )
    by_name = {str(c): c for c in validation.columns}
    for raw in training.columns:
        name = str(raw)
        if name in skip:
            continue
        left, right = training[raw], validation[by_name[name]]
        if left.isna().all() or right.isna().all():
            continue
        if _dtype_family(left) != _dtype_family(right):
            raise ConfigError(
                f"validation data: column {name!r} is {_dtype_family(right)} "
                f"({right.dtype}) but {_dtype_family(left)} ({left.dtype}) in the training data"
            )


def joint_labels(series: pd.Series) -> NDArray[np.object_]:
    """A categorical or boolean column's values as the labels the baseline counts
    (``str(value)``, as :func:`label_counts`), missing values as None."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        # one str() per category instead of one per row; code -1 (missing) takes the None
        # appended at the end of the lookup table
        table = np.array([str(c) for c in series.cat.categories] + [None], dtype=object)
        return table[series.cat.codes.to_numpy()]
    values = series.to_numpy(dtype=object)
    missing = pd.isna(series).to_numpy()
    return np.array(
        [None if gone else str(v) for v, gone in zip(values, missing, strict=True)], dtype=object
    )


def _joint_sample(
    df: pd.DataFrame, columns: Mapping[str, ColumnBaseline], size: int, seed: int
) -> pd.DataFrame:
    """A uniform sample of whole rows of the compared features (its own seeded stream, so
    the per-column samples do not change with it)."""
    names = [
        name
        for name, column in columns.items()
        if column.role == "feature" and column.kind in ("numeric", "categorical", "boolean")
    ]
    by_name = {str(c): c for c in df.columns}
    n_rows = len(df)
    rows = (
        np.sort(np.random.default_rng([seed, 2]).choice(n_rows, size=size, replace=False))
        if n_rows > size
        else np.arange(n_rows)
    )
    data: dict[str, Any] = {}
    for name in names:
        series = df[by_name[name]].iloc[rows]
        if columns[name].kind == "numeric":
            data[name] = series.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            data[name] = joint_labels(series)
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)))


def column_to_dict(column: ColumnBaseline) -> dict[str, Any]:
    """The JSON-able part of a column (the sample is stored separately as binary)."""
    return {
        "name": column.name,
        "kind": column.kind,
        "role": column.role,
        "dtype": column.dtype,
        "n_rows": column.n_rows,
        "n_missing": column.n_missing,
        "mean": column.mean,
        "std": column.std,
        "minimum": column.minimum,
        "maximum": column.maximum,
        "bin_edges": None if column.bin_edges is None else column.bin_edges.tolist(),
        "bin_counts": None if column.bin_counts is None else column.bin_counts.tolist(),
        "categories": None if column.categories is None else list(column.categories),
        "category_counts": (
            None if column.category_counts is None else column.category_counts.tolist()
        ),
    }
