"""A model's raw output as the prediction column Driftline records and scores.

``positive_class`` turns a binary classifier's class probabilities (two columns, as
``predict_proba`` gives them) into the probability of the positive class. The model server
logs predictions with it (``monitor.serving.prediction_records``) and the promotion gate
scores versions with it (``monitor.engine.promotion``), so both read a model's output the
same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["positive_class"]


def positive_class(raw: Any) -> Any:
    """A binary classifier's class probabilities (two columns, as ``predict_proba`` gives
    them) as the probability of the positive (second) class; any other output unchanged.

    >>> positive_class(np.array([[0.9, 0.1], [0.3, 0.7]])).tolist()
    [0.1, 0.7]
    >>> positive_class(np.array([0, 1])).tolist()
    [0, 1]
    """
    if isinstance(raw, pd.DataFrame):
        return raw.iloc[:, 1].to_numpy() if raw.shape[1] == 2 else raw
    array = np.asarray(raw)
    if array.ndim == 2 and array.shape[1] == 2:
        return array[:, 1]
    return raw
