"""Feature importances of a fitted model, by the baseline's column names.

Works with anything exposing ``feature_importances_`` (trees, boosting) or ``coef_``
(linear models: absolute coefficients), and with a scikit-learn ``Pipeline`` whose last
step does. Encoded features (``onehot__region_north``) are summed back onto the raw column
they came from, and the result is normalised to sum to 1.

>>> class Linear:
...     feature_names_in_ = ["income", "age"]
...     coef_ = [[3.0, -1.0]]
>>> feature_importances(Linear(), ["income", "age"])
{'income': 0.75, 'age': 0.25}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["feature_importances"]


def _final_estimator(model: Any) -> tuple[Any, list[str] | None]:
    """The estimator holding the importances, and the names of the features it saw."""
    steps = getattr(model, "steps", None)
    if steps:
        estimator = steps[-1][1]
        names = None
        if len(steps) > 1:
            try:
                names = [str(n) for n in model[:-1].get_feature_names_out()]
            except (AttributeError, ValueError, TypeError):
                names = None
        return estimator, names or _names_in(estimator)
    return model, _names_in(model)


def _names_in(estimator: Any) -> list[str] | None:
    names = getattr(estimator, "feature_names_in_", None)
    return None if names is None else [str(n) for n in names]


def _raw_column(name: str, columns: Sequence[str]) -> str | None:
    """The raw column an encoded feature name came from (longest matching prefix)."""
    bare = name.split("__", 1)[1] if "__" in name else name
    if bare in columns:
        return bare
    candidates = [c for c in columns if bare.startswith(c + "_")]
    return max(candidates, key=len) if candidates else None


def feature_importances(model: Any, columns: Sequence[str]) -> dict[str, float] | None:
    """Normalised importances per column in ``columns``; None when the model has none
    or its feature names cannot be matched to the columns."""
    estimator, names = _final_estimator(model)
    raw = getattr(estimator, "feature_importances_", None)
    if raw is None:
        coef = getattr(estimator, "coef_", None)
        if coef is None:
            return None
        raw = np.abs(np.atleast_2d(np.asarray(coef, dtype=np.float64))).sum(axis=0)
    values = np.abs(np.asarray(raw, dtype=np.float64).ravel())
    if names is None or len(names) != len(values):
        return None
    totals: dict[str, float] = {}
    for name, value in zip(names, values, strict=True):
        column = _raw_column(name, columns)
        if column is not None:
            totals[column] = totals.get(column, 0.0) + float(value)
    total = sum(totals.values())
    if not totals or total <= 0:
        return None
    return {column: value / total for column, value in totals.items()}
