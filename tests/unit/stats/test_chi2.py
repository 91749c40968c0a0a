from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from monitor.stats.chi2 import chi_square

GOLDEN = [
    pytest.param([10, 20, 30], [20, 20, 20], id="three-categories"),
    pytest.param([5, 0, 7, 100], [3, 9, 7, 80], id="four-categories-one-empty-cell"),
    pytest.param([40, 60], [55, 45], id="two-categories"),
    pytest.param([1.5, 2.5, 10.0], [3.0, 1.0, 8.0], id="fractional-counts"),
]


@pytest.mark.parametrize(("reference", "current"), GOLDEN)
def test_matches_scipy_chi2_contingency_without_correction(
    reference: list[float], current: list[float]
) -> None:
    expected = stats.chi2_contingency(np.array([reference, current]), correction=False)
    result = chi_square(reference, current)
    assert result.statistic == pytest.approx(float(expected.statistic), rel=1e-9)
    assert result.p_value == pytest.approx(float(expected.pvalue), rel=1e-9)


def test_hand_computed_two_by_two() -> None:
    # [[10, 30], [30, 10]]: every expected cell is 20, X^2 = 4 * 10^2 / 20 = 20 (by hand).
    result = chi_square([10, 30], [30, 10])
    assert result.statistic == pytest.approx(20.0, rel=1e-12)


def test_categories_empty_in_both_samples_are_dropped() -> None:
    with_empty = chi_square([10, 0, 20, 30], [20, 0, 20, 20])
    without = chi_square([10, 20, 30], [20, 20, 20])
    assert with_empty.statistic == without.statistic
    assert with_empty.p_value == without.p_value


def test_single_remaining_category_gives_statistic_zero_and_p_one() -> None:
    result = chi_square([0, 7, 0], [0, 3, 0])
    assert (result.statistic, result.p_value) == (0.0, 1.0)


def test_result_fields_are_python_scalars_with_totals() -> None:
    result = chi_square(np.array([10, 20, 30]), np.array([5, 5, 5]))
    assert result.method == "chi2"
    assert result.effect_size is None
    assert (result.n_reference, result.n_current) == (60, 15)
    assert type(result.statistic) is float and type(result.p_value) is float
    assert type(result.n_reference) is int


@pytest.mark.parametrize(
    ("reference", "current"),
    [
        pytest.param([], [], id="empty"),
        pytest.param([1, -1], [1, 1], id="negative"),
        pytest.param([1, 2, 3], [1, 2], id="mismatched-lengths"),
        pytest.param([0, 0], [1, 1], id="zero-total"),
    ],
)
def test_invalid_counts_raise_value_error_naming_the_method(
    reference: list[float], current: list[float]
) -> None:
    with pytest.raises(ValueError, match="chi2"):
        chi_square(reference, current)
