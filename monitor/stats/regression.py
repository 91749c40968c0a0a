"""Regression metrics: mean absolute error, root mean squared error, MAPE and R²."""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from monitor.stats._labels import as_values, same_length

__all__ = ["mae", "mape", "r2", "rmse"]

_EPS: Final = float(np.finfo(np.float64).eps)


def _pair(
    y_true: ArrayLike, y_pred: ArrayLike, metric: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    truth = as_values(y_true, "y_true", metric)
    predicted = as_values(y_pred, "y_pred", metric)
    same_length(truth, predicted, metric)
    return truth, predicted


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Mean absolute error.

    Parameters
    ----------
    y_true, y_pred : array_like of float
        Targets and predictions, finite, one prediction per target.

    Returns
    -------
    float
        >= 0, in the target's unit.

    Notes
    -----
    .. math:: \mathrm{MAE} = \frac{1}{n} \sum_i |y_i - \hat y_i|

    References
    ----------
    .. [1] Willmott, C. J., Matsuura, K. (2005). Advantages of the mean absolute error
       (MAE) over the root mean square error (RMSE). Climate Research 30, 79–82.

    Examples
    --------
    >>> mae([1.0, 2.0, 4.0], [1.0, 3.0, 2.0])
    1.0
    """
    truth, predicted = _pair(y_true, y_pred, "mae")
    return float(np.mean(np.abs(truth - predicted)))


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Root mean squared error.

    Parameters
    ----------
    y_true, y_pred : array_like of float
        Targets and predictions.

    Returns
    -------
    float
        >= 0, in the target's unit.

    Notes
    -----
    .. math:: \mathrm{RMSE} = \sqrt{\frac{1}{n} \sum_i (y_i - \hat y_i)^2}

    References
    ----------
    .. [1] Hyndman, R. J., Koehler, A. B. (2006). Another look at measures of forecast
       accuracy. International Journal of Forecasting 22(4), 679–688.

    Examples
    --------
    >>> rmse([0.0, 0.0, 0.0, 0.0], [2.0, 2.0, 2.0, 2.0])
    2.0
    """
    truth, predicted = _pair(y_true, y_pred, "rmse")
    return float(np.sqrt(np.mean((truth - predicted) ** 2)))


def mape(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Mean absolute percentage error, as a fraction (0.1 is 10 %).

    Parameters
    ----------
    y_true, y_pred : array_like of float
        Targets and predictions.

    Returns
    -------
    float
        >= 0. Very large when a target is near 0.

    Notes
    -----
    .. math:: \mathrm{MAPE} = \frac{1}{n} \sum_i \frac{|y_i - \hat y_i|}{\max(\epsilon, |y_i|)}

    with :math:`\epsilon` the float64 machine epsilon, as scikit-learn's
    ``mean_absolute_percentage_error``: a target of exactly 0 gives a huge but finite
    term. Prefer MAE for targets that can be 0.

    References
    ----------
    .. [1] Hyndman, R. J., Koehler, A. B. (2006). Another look at measures of forecast
       accuracy. International Journal of Forecasting 22(4), 679–688.

    Examples
    --------
    >>> mape([100.0, 200.0], [110.0, 180.0])
    0.1
    """
    truth, predicted = _pair(y_true, y_pred, "mape")
    return float(np.mean(np.abs(truth - predicted) / np.maximum(np.abs(truth), _EPS)))


def r2(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Coefficient of determination R².

    Parameters
    ----------
    y_true, y_pred : array_like of float
        Targets and predictions.

    Returns
    -------
    float
        <= 1; 0 for predicting the mean, negative for worse. NaN when the targets are
        all equal (the ratio is undefined).

    Notes
    -----
    .. math:: R^2 = 1 - \frac{\sum_i (y_i - \hat y_i)^2}{\sum_i (y_i - \bar y)^2}

    References
    ----------
    .. [1] Draper, N. R., Smith, H. (1998). Applied Regression Analysis, 3rd ed. Wiley.

    Examples
    --------
    >>> r2([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    1.0
    """
    truth, predicted = _pair(y_true, y_pred, "r2")
    total = float(np.sum((truth - truth.mean()) ** 2))
    if total == 0.0:
        return float("nan")
    return float(1.0 - np.sum((truth - predicted) ** 2) / total)
