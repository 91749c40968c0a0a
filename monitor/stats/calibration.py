"""Isotonic calibration of probability scores, kept as a storable piecewise-linear map."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import isotonic_regression

from monitor.stats._labels import as_classes, as_values, same_length

__all__ = ["IsotonicMap", "fit_isotonic"]

FORMAT_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class IsotonicMap:
    """A non-decreasing piecewise-linear map from scores to calibrated probabilities.

    ``knots`` are increasing scores and ``values`` the calibrated probability at each;
    between knots the map interpolates linearly, outside them it is constant (the first
    or last value), as scikit-learn's ``IsotonicRegression(out_of_bounds="clip")``.
    """

    knots: tuple[float, ...]
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.knots) == 0 or len(self.knots) != len(self.values):
            raise ValueError(
                f"IsotonicMap: need as many values as knots (at least one), got "
                f"{len(self.knots)} knots and {len(self.values)} values"
            )
        if any(b <= a for a, b in zip(self.knots, self.knots[1:], strict=False)):
            raise ValueError("IsotonicMap: knots must be strictly increasing")

    def apply(self, scores: ArrayLike) -> NDArray[np.float64]:
        """Calibrated probabilities of ``scores`` (any shape, float64)."""
        return np.interp(np.asarray(scores, dtype=np.float64), self.knots, self.values)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "method": "isotonic",
            "knots": list(self.knots),
            "values": list(self.values),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IsotonicMap:
        missing = [key for key in ("knots", "values") if key not in data]
        if missing:
            raise ValueError(f"IsotonicMap.from_dict: missing keys {missing}")
        version = data.get("format_version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise ValueError(
                f"IsotonicMap.from_dict: format_version {version!r} is not supported; "
                f"expected {FORMAT_VERSION}"
            )
        return cls(tuple(float(v) for v in data["knots"]), tuple(float(v) for v in data["values"]))


def fit_isotonic(scores: ArrayLike, labels: ArrayLike) -> IsotonicMap:
    r"""Fit an isotonic calibration map from scores to P(label = 1).

    Parameters
    ----------
    scores : array_like of float
        The model's scores (usually its predicted probabilities), finite.
    labels : array_like of int
        The outcomes, 0 or 1, one per score.

    Returns
    -------
    IsotonicMap
        The fitted map; only the ends of each constant block are kept as knots, so a
        map fitted on a million records holds a few hundred knots.

    Notes
    -----
    Pool-adjacent-violators: with the distinct scores :math:`s_1 < \dots < s_m`, the
    mean label :math:`\bar y_j` and count :math:`w_j` at each, find the
    non-decreasing :math:`f` minimising

    .. math:: \sum_j w_j (\bar y_j - f_j)^2 \quad \text{s.t.} \quad f_1 \le \dots \le f_m

    (``scipy.optimize.isotonic_regression``), then interpolate linearly between the
    knots :math:`(s_j, f_j)`. A score below :math:`s_1` or above :math:`s_m` gets
    :math:`f_1` or :math:`f_m`.

    References
    ----------
    .. [1] Zadrozny, B., Elkan, C. (2002). Transforming classifier scores into accurate
       multiclass probability estimates. KDD '02, 694–699.
    .. [2] Barlow, R. E., Bartholomew, D. J., Bremner, J. M., Brunk, H. D. (1972).
       Statistical Inference under Order Restrictions. Wiley.

    Examples
    --------
    >>> calibration = fit_isotonic([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1])
    >>> calibration.apply([0.1, 0.25, 0.4]).tolist()
    [0.0, 0.5, 1.0]
    """
    values = as_values(scores, "scores", "fit_isotonic")
    outcomes = as_classes(labels, "labels", "fit_isotonic")
    same_length(values, outcomes, "fit_isotonic")
    if bool((outcomes > 1).any()):
        raise ValueError("fit_isotonic: labels must be 0 or 1")
    distinct, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    means = np.bincount(inverse, weights=outcomes.astype(np.float64)) / counts
    fitted = np.clip(isotonic_regression(means, weights=counts.astype(np.float64)).x, 0.0, 1.0)
    keep = np.ones(distinct.size, dtype=bool)
    if distinct.size > 2:
        same_before = fitted[1:-1] == fitted[:-2]
        same_after = fitted[1:-1] == fitted[2:]
        keep[1:-1] = ~(same_before & same_after)
    return IsotonicMap(
        tuple(float(v) for v in distinct[keep]), tuple(float(v) for v in fitted[keep])
    )
