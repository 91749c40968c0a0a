from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from monitor.stats.correction import benjamini_hochberg, bonferroni

CORRECTIONS = [
    pytest.param(benjamini_hochberg, id="bh"),
    pytest.param(bonferroni, id="bonferroni"),
]


@pytest.mark.parametrize(
    "p_values",
    [
        pytest.param([0.01, 0.04, 0.03, 0.005], id="four-small"),
        pytest.param([0.5, 0.2, 0.9, 0.01, 0.01, 0.3], id="ties"),
        pytest.param([1.0], id="single"),
        pytest.param(list(np.random.default_rng(7).uniform(size=200)), id="uniform-200"),
        pytest.param([0.0, 1e-300, 0.7, 1.0], id="extremes"),
    ],
)
def test_benjamini_hochberg_matches_scipy_false_discovery_control(p_values: list[float]) -> None:
    expected = stats.false_discovery_control(np.array(p_values), method="bh")
    np.testing.assert_allclose(benjamini_hochberg(p_values), expected, rtol=1e-9, atol=0.0)


def test_benjamini_hochberg_hand_computed() -> None:
    # Sorted 0.01, 0.03, 0.04 with m = 3: 0.03, 0.045, 0.04 -> step-up min 0.03, 0.04, 0.04
    # (Benjamini & Hochberg 1995, by hand); returned in input order.
    np.testing.assert_allclose(benjamini_hochberg([0.04, 0.01, 0.03]), [0.04, 0.03, 0.04])


def test_bonferroni_hand_computed_and_clipped_to_one() -> None:
    # m = 3: 3 * p, capped at 1 (Dunn 1961).
    np.testing.assert_allclose(bonferroni([0.01, 0.2, 0.5]), [0.03, 0.6, 1.0])


@pytest.mark.parametrize("correct", CORRECTIONS)
def test_nan_entries_stay_nan_and_are_not_counted(correct: object) -> None:
    assert callable(correct)
    adjusted = correct([0.01, math.nan, 0.02])
    assert math.isnan(adjusted[1])
    np.testing.assert_allclose(adjusted[[0, 2]], correct([0.01, 0.02]))


@pytest.mark.parametrize("correct", CORRECTIONS)
def test_all_nan_input_returns_all_nan(correct: object) -> None:
    assert callable(correct)
    assert np.isnan(correct([math.nan, math.nan])).all()


@pytest.mark.parametrize("correct", CORRECTIONS)
def test_empty_input_returns_empty_float_array(correct: object) -> None:
    assert callable(correct)
    adjusted = correct([])
    assert adjusted.shape == (0,) and adjusted.dtype == np.float64


@pytest.mark.parametrize(
    ("correct", "name"),
    [
        pytest.param(benjamini_hochberg, "benjamini_hochberg", id="bh"),
        pytest.param(bonferroni, "bonferroni", id="bonferroni"),
    ],
)
@pytest.mark.parametrize(
    "p_values",
    [
        pytest.param([0.1, -0.01], id="negative"),
        pytest.param([0.1, 1.5], id="above-one"),
        pytest.param([[0.1, 0.2]], id="two-dimensional"),
    ],
)
def test_invalid_p_values_raise_value_error_naming_the_method(
    correct: object, name: str, p_values: list[float]
) -> None:
    assert callable(correct)
    with pytest.raises(ValueError, match=name):
        correct(p_values)
