"""Isotonic calibration: equal to scikit-learn's IsotonicRegression, storable, clamped."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression

from monitor.stats.calibration import IsotonicMap, fit_isotonic


@pytest.mark.parametrize("seed", [1, 2, 3], ids=lambda s: f"seed-{s}")
def test_map_equals_scikit_learn_isotonic_regression_with_clipping(seed: int) -> None:
    rng = np.random.default_rng(seed)
    scores = np.round(rng.uniform(size=3000), 3)  # ties are pooled, as scikit-learn does
    labels = (rng.uniform(size=3000) < scores**2).astype(np.int64)
    reference = IsotonicRegression(out_of_bounds="clip").fit(scores, labels)
    grid = np.linspace(-0.2, 1.2, 2001)
    assert np.allclose(fit_isotonic(scores, labels).apply(grid), reference.predict(grid))


def test_only_block_ends_are_kept_as_knots() -> None:
    calibration = fit_isotonic([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0, 0, 0, 1, 1, 1])
    assert calibration.knots == (0.1, 0.3, 0.4, 0.6)
    assert calibration.values == (0.0, 0.0, 1.0, 1.0)


def test_scores_outside_the_fitted_range_get_the_end_values() -> None:
    calibration = fit_isotonic([0.2, 0.4, 0.6, 0.8], [0, 0, 1, 1])
    assert calibration.apply([-5.0, 5.0]).tolist() == [0.0, 1.0]


def test_round_trips_through_to_dict() -> None:
    calibration = fit_isotonic([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1])
    data = calibration.to_dict()
    assert data["format_version"] == 1
    assert IsotonicMap.from_dict(data) == calibration


def test_from_dict_names_missing_keys() -> None:
    with pytest.raises(ValueError, match=r"missing keys \['values'\]"):
        IsotonicMap.from_dict({"knots": [0.0]})


def test_labels_other_than_zero_and_one_are_refused() -> None:
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        fit_isotonic([0.1, 0.2], [0, 2])


def test_unsorted_knots_are_refused() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        IsotonicMap((0.5, 0.1), (0.0, 1.0))
