"""Turning one scored request into the ingest API's records: inputs, output, model version.

Each row of the request becomes one record: a generated ``id`` (returned to the caller so
labels can be posted later), the ``timestamp`` it was scored at, the input columns, the
prediction under the baseline's prediction column (``prediction`` when the version logged
no baseline) and ``model_version``. When the version has a Driftline baseline, inputs are
put in the baseline's types, e.g. ``"True"`` for a boolean column (a model signature that
wants strings) becomes ``true``, so the monitor's ingest accepts the record.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

import numpy as np
import pandas as pd

from monitor.engine.baseline import Baseline
from monitor.engine.predictions import positive_class

__all__ = [
    "DEFAULT_PREDICTION_COLUMN",
    "MODEL_VERSION_FIELD",
    "input_rows",
    "output_rows",
    "positive_class",
    "prediction_records",
]

DEFAULT_PREDICTION_COLUMN: Final = "prediction"
MODEL_VERSION_FIELD: Final = "model_version"
_TRUE: Final = frozenset({"true", "1", "yes"})
_FALSE: Final = frozenset({"false", "0", "no"})


def input_rows(data: Any, input_names: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The model input as one dict per row (columns named by the signature when the input
    is an unnamed array: ``input_names``, else ``x0``, ``x1``, ...).

    >>> input_rows(pd.DataFrame({"a": [1, 2]}))
    [{'a': 1}, {'a': 2}]
    >>> input_rows(np.array([[1.0, 2.0]]), ["a", "b"])
    [{'a': 1.0, 'b': 2.0}]
    """
    if isinstance(data, pd.DataFrame):
        return [{str(k): v for k, v in row.items()} for row in data.to_dict("records")]
    if isinstance(data, Mapping):
        return input_rows(pd.DataFrame({str(k): np.asarray(v) for k, v in data.items()}))
    array = np.asarray(data)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise ValueError(f"cannot log a model input of shape {array.shape} as records")
    names = list(input_names) if len(input_names) == array.shape[1] else None
    names = names or [f"x{i}" for i in range(array.shape[1])]
    return [dict(zip(names, row, strict=True)) for row in array.tolist()]


def output_rows(raw: Any, column: str) -> list[dict[str, Any]]:
    """The model output as one dict per row: a scalar under ``column``, a row of several
    values as ``column_0``, ``column_1``, ..., a DataFrame row under its own column names.

    >>> output_rows(np.array([0, 1]), "prediction")
    [{'prediction': 0}, {'prediction': 1}]
    >>> output_rows(np.array([[0.9, 0.1]]), "p")
    [{'p_0': 0.9, 'p_1': 0.1}]
    """
    if isinstance(raw, pd.DataFrame):
        return [{str(k): v for k, v in row.items()} for row in raw.to_dict("records")]
    if isinstance(raw, pd.Series):
        raw = raw.to_numpy()
    array = np.asarray(raw)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim == 1:
        return [{column: value} for value in array.tolist()]
    if array.ndim == 2:
        return [{f"{column}_{i}": value for i, value in enumerate(row)} for row in array.tolist()]
    raise ValueError(f"cannot log a model output of shape {array.shape} as records")


def _is_probability(baseline: Baseline | None, column: str) -> bool:
    """Whether the baseline's prediction column holds probabilities (numeric, in [0, 1])."""
    found = None if baseline is None else baseline.columns.get(column)
    return (
        found is not None
        and found.kind == "numeric"
        and found.minimum is not None
        and found.maximum is not None
        and 0.0 <= found.minimum
        and found.maximum <= 1.0
    )


def _conform(value: Any, kind: str) -> Any:
    """``value`` in the baseline's kind when it is a string spelling of one."""
    if not isinstance(value, str):
        return value
    if kind == "boolean":
        lowered = value.strip().lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else value
    if kind == "numeric":
        try:
            return float(value)
        except ValueError:
            return value
    return value


def prediction_records(
    data: Any,
    raw: Any,
    *,
    version: str,
    scored_at: datetime,
    baseline: Baseline | None,
    input_names: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """One ingest record per scored row (see the module docstring); raises ValueError when
    the input and output row counts differ."""
    inputs = input_rows(data, input_names)
    column = (baseline.prediction if baseline is not None else None) or DEFAULT_PREDICTION_COLUMN
    if _is_probability(baseline, column):
        raw = positive_class(raw)
    outputs = output_rows(raw, column)
    if len(inputs) != len(outputs):
        raise ValueError(f"{len(inputs)} input rows but {len(outputs)} predictions")
    kinds = {} if baseline is None else {n: c.kind for n, c in baseline.columns.items()}
    timestamp = scored_at.isoformat()
    records: list[dict[str, Any]] = []
    for row, output in zip(inputs, outputs, strict=True):
        record = {n: _conform(v, kinds[n]) if n in kinds else v for n, v in row.items()}
        record.update(output)
        record[MODEL_VERSION_FIELD] = version
        record["id"] = uuid.uuid4().hex  # an input column of that name is replaced
        record["timestamp"] = timestamp
        records.append(record)
    return records
