"""Data-quality findings of a current window against the baseline's schema.

Each function inspects one thing and returns a QualityFinding (or None when all is
well); the check collects them into the DriftReport.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from monitor.engine.baseline import Baseline, ColumnBaseline
from monitor.engine.report import QualityFinding

__all__ = [
    "MISSING_RATE_TOLERANCE",
    "UNEXPECTED_NAMED",
    "as_float",
    "constant",
    "dtype_mismatch",
    "empty_window",
    "infinite_values",
    "missing_column",
    "missing_rate_change",
    "missing_rate_jump",
    "out_of_range",
    "out_of_range_counts",
    "unexpected_columns",
    "unseen_categories",
]

MISSING_RATE_TOLERANCE: Final = 0.05
"""A missing-rate change of at least this much (absolute) is reported."""


def as_float(series: pd.Series) -> tuple[NDArray[np.float64], int]:
    """The column as float64 (NaN for missing) and how many present values were unreadable."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan), 0
    converted = pd.to_numeric(series, errors="coerce")
    unreadable = int((converted.isna() & series.notna()).sum())
    return converted.to_numpy(dtype=np.float64, na_value=np.nan), unreadable


def missing_column(name: str) -> QualityFinding:
    return QualityFinding(
        "missing_column",
        name,
        f"column {name!r} is in the baseline but not in the current data; "
        "send it, or rebuild the baseline without it",
        severity="error",
    )


UNEXPECTED_NAMED: Final = 20
"""Unexpected columns named one finding each; the rest are counted in one more finding."""


def unexpected_columns(
    baseline: Baseline, current: pd.DataFrame | Iterable[str], also: Iterable[str] = ()
) -> list[QualityFinding]:
    """A finding per column of ``current`` (or name in ``also``: fields left out when the
    window was read) that the baseline does not know; the first ``UNEXPECTED_NAMED`` by
    name are named, the others counted in one finding, so junk fields cannot grow a check."""
    seen = current.columns if isinstance(current, pd.DataFrame) else current
    names = {str(c) for c in seen} | {str(c) for c in also}
    extra = sorted(name for name in names if name not in baseline.columns)
    findings = [
        QualityFinding(
            "unexpected_column",
            name,
            f"column {name!r} is not in the baseline and was not checked",
            severity="info",
        )
        for name in extra[:UNEXPECTED_NAMED]
    ]
    if len(extra) > UNEXPECTED_NAMED:
        findings.append(
            QualityFinding(
                "unexpected_column",
                None,
                f"{len(extra)} columns in all are not in the baseline and were not checked; "
                f"{len(extra) - UNEXPECTED_NAMED} more beyond the {UNEXPECTED_NAMED} named",
                value=float(len(extra)),
                severity="info",
            )
        )
    return findings


def dtype_mismatch(column: ColumnBaseline, unreadable: int, n: int) -> QualityFinding:
    return QualityFinding(
        "dtype_mismatch",
        column.name,
        f"column {column.name!r}: expected numeric ({column.dtype}), {unreadable} of {n} "
        "values are not numbers; fix the producer or rebuild the baseline with this column "
        "as categorical",
        value=unreadable / n if n else None,
        severity="error",
    )


def infinite_values(name: str, count: int, n: int) -> QualityFinding:
    return QualityFinding(
        "infinite_values",
        name,
        f"column {name!r}: {count} of {n} values are infinite; they are left out of the test",
        value=count / n,
    )


def missing_rate_jump(column: ColumnBaseline, series: pd.Series) -> QualityFinding | None:
    return missing_rate_change(column, int(series.isna().sum()), len(series))


def missing_rate_change(column: ColumnBaseline, n_missing: int, n: int) -> QualityFinding | None:
    """A finding when ``n_missing`` of ``n`` values missing differs from the baseline's rate."""
    if n == 0:
        return None
    rate = n_missing / n
    if abs(rate - column.missing_rate) < MISSING_RATE_TOLERANCE:
        return None
    return QualityFinding(
        "missing_rate_change",
        column.name,
        f"column {column.name!r}: {rate:.1%} missing in this window against "
        f"{column.missing_rate:.1%} in the baseline",
        value=rate - column.missing_rate,
    )


def out_of_range(column: ColumnBaseline, ordered: NDArray[np.float64]) -> QualityFinding | None:
    """Share of the (sorted, finite) current values outside the baseline's range."""
    if column.minimum is None or column.maximum is None:
        return None
    below = int(np.searchsorted(ordered, column.minimum, side="left"))
    above = ordered.size - int(np.searchsorted(ordered, column.maximum, side="right"))
    return out_of_range_counts(column, below + above, ordered.size)


def out_of_range_counts(column: ColumnBaseline, outside: int, n: int) -> QualityFinding | None:
    """The out-of-range finding for ``outside`` of ``n`` finite values (None when 0)."""
    if column.minimum is None or column.maximum is None:
        return None
    if outside == 0:
        return None
    share = outside / n
    return QualityFinding(
        "out_of_range",
        column.name,
        f"column {column.name!r}: {share:.2%} of values lie outside the baseline range "
        f"[{column.minimum:g}, {column.maximum:g}]",
        value=share,
    )


def unseen_categories(
    name: str, unseen: list[str], counts: NDArray[np.float64], n: int
) -> QualityFinding:
    share = float(counts.sum()) / n
    shown = ", ".join(repr(c) for c in unseen[:5]) + (" ..." if len(unseen) > 5 else "")
    return QualityFinding(
        "unseen_categories",
        name,
        f"column {name!r}: {len(unseen)} value(s) not seen in the baseline ({shown}), "
        f"{share:.2%} of the window",
        value=share,
    )


def constant(name: str) -> QualityFinding:
    return QualityFinding(
        "constant_column",
        name,
        f"column {name!r} is constant in the baseline and in this window",
        severity="info",
    )


def empty_window() -> QualityFinding:
    return QualityFinding(
        "empty_window",
        None,
        "the current window has no rows; nothing was tested",
        severity="error",
    )
