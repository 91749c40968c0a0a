"""Anderson–Darling k-sample test (k = 2) for a numeric column."""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from monitor.stats._result import MethodResult
from monitor.stats._validate import as_sample

__all__ = ["anderson_darling"]

_METHOD = "anderson"

# scipy warns whenever the interpolated p-value is capped at 0.25 or floored at 0.001.
_CAP_WARNING = r"p-value (capped|floored)"


def anderson_darling(reference: ArrayLike, current: ArrayLike) -> MethodResult:
    r"""Two-sample Anderson–Darling test (Scholz–Stephens k-sample, k = 2).

    Compares the distributions of a numeric column in the reference and current
    samples. Like Kolmogorov–Smirnov it is distribution-free, but it weights the
    tails more, so it is more sensitive to changes there. The midrank variant is
    used, which is valid with ties (discrete or rounded data).

    Parameters
    ----------
    reference, current : array_like of float
        1-D, finite, non-empty samples, NaN already removed; together at least 4
        values and at least 2 distinct values.

    Returns
    -------
    MethodResult
        ``method="anderson"``, ``statistic`` the normalised k-sample statistic
        :math:`T_{kN}` (can be negative), ``p_value`` in [0.001, 0.25];
        ``effect_size`` is None.

    Notes
    -----
    H0: :math:`F_{ref} = F_{cur}`.

    With the pooled sample's distinct values :math:`z_1 < \dots < z_L`, counts
    :math:`l_j`, and :math:`M_{ij}` the midrank count of sample i at or below
    :math:`z_j`, the midrank statistic of [1]_ (eq. 7) is

    .. math:: A^2_{akN} = \frac{N-1}{N} \sum_{i=1}^{k} \frac{1}{n_i} \sum_{j=1}^{L}
              \frac{l_j}{N} \frac{(N M_{ij} - n_i B_j)^2}{B_j (N - B_j) - N l_j / 4},

    standardised as :math:`T = (A^2 - (k-1)) / \sigma_N`. Computed by
    ``scipy.stats.anderson_ksamp([reference, current], variant="midrank")``.

    The p-value is interpolated from the tabulated critical values of [1]_, so it is
    capped to the range [0.001, 0.25]: p = 0.25 means "0.25 or more" and p = 0.001
    means "0.001 or less". scipy's warning about that cap is suppressed here (and
    only that warning).

    Edge cases: an empty or non-finite sample, fewer than 4 values in total, or a
    pooled sample with a single distinct value raise ValueError.

    References
    ----------
    .. [1] Scholz, F.W., Stephens, M.A. (1987). K-Sample Anderson-Darling Tests.
       Journal of the American Statistical Association 82(399), 918-924.

    Examples
    --------
    >>> result = anderson_darling([1.0, 2.0, 3.0, 4.0], [11.0, 12.0, 13.0, 14.0])
    >>> round(result.p_value, 6)
    0.010595
    """
    reference_sample = as_sample(reference, "reference", _METHOD)
    current_sample = as_sample(current, "current", _METHOD)
    total = reference_sample.size + current_sample.size
    if total < 4:
        raise ValueError(
            f"{_METHOD}: needs at least 4 values in total, got {total}; collect a larger window"
        )
    pooled = np.concatenate([reference_sample, current_sample])
    if float(pooled.min()) == float(pooled.max()):
        raise ValueError(
            f"{_METHOD}: every value equals {float(pooled[0])!r}; the test needs at least "
            "2 distinct values (use a categorical method for constant columns)"
        )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_CAP_WARNING, category=UserWarning)
        result = stats.anderson_ksamp([reference_sample, current_sample], variant="midrank")
    return MethodResult(
        method=_METHOD,
        statistic=float(result.statistic),
        p_value=float(result.pvalue),
        effect_size=None,
        n_reference=int(reference_sample.size),
        n_current=int(current_sample.size),
    )
