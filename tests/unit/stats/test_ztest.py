from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from monitor.stats.ztest import two_proportion_z

GOLDEN = [
    pytest.param([50, 50], [30, 70], id="balanced-vs-skewed"),
    pytest.param([900, 100], [850, 150], id="rare-true"),
    pytest.param([3, 7], [8, 2], id="small-samples"),
    pytest.param([500, 500], [500, 500], id="identical"),
]


@pytest.mark.parametrize(("reference", "current"), GOLDEN)
def test_z_squared_equals_chi2_contingency_statistic(
    reference: list[int], current: list[int]
) -> None:
    expected = stats.chi2_contingency(np.array([reference, current]), correction=False)
    result = two_proportion_z(reference, current)
    assert result.statistic**2 == pytest.approx(float(expected.statistic), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("reference", "current"), GOLDEN)
def test_p_value_equals_chi2_contingency_p_value(reference: list[int], current: list[int]) -> None:
    expected = stats.chi2_contingency(np.array([reference, current]), correction=False)
    result = two_proportion_z(reference, current)
    assert result.p_value == pytest.approx(float(expected.pvalue), rel=1e-9)


def test_hand_computed_z() -> None:
    # p_ref = 0.5, p_cur = 0.7, pooled 0.6: z = 0.2 / sqrt(0.24 * (1/100 + 1/100)) (by hand).
    result = two_proportion_z([50, 50], [30, 70])
    assert result.statistic == pytest.approx(0.2 / math.sqrt(0.0048), rel=1e-12)


def test_statistic_is_negative_when_current_proportion_falls() -> None:
    assert two_proportion_z([30, 70], [50, 50]).statistic < 0.0


@pytest.mark.parametrize(
    ("reference", "current"),
    [
        pytest.param([10, 0], [20, 0], id="all-false"),
        pytest.param([0, 10], [0, 20], id="all-true"),
    ],
)
def test_pooled_proportion_at_boundary_gives_z_zero_and_p_one(
    reference: list[int], current: list[int]
) -> None:
    result = two_proportion_z(reference, current)
    assert (result.statistic, result.p_value) == (0.0, 1.0)


def test_result_fields() -> None:
    result = two_proportion_z([50, 50], [30, 70])
    assert (result.method, result.effect_size) == ("ztest", None)
    assert (result.n_reference, result.n_current) == (100, 100)


@pytest.mark.parametrize(
    ("reference", "current", "match"),
    [
        pytest.param([], [], "ztest", id="empty"),
        pytest.param([1, -1], [1, 1], "ztest", id="negative"),
        pytest.param([1, 2], [1, 2, 3], "ztest", id="mismatched-lengths"),
        pytest.param([1, 2, 3], [1, 2, 3], "ztest: expected counts of length 2", id="length-3"),
        pytest.param([5], [5], "ztest: expected counts of length 2", id="length-1"),
    ],
)
def test_invalid_counts_raise_value_error_naming_the_method(
    reference: list[int], current: list[int], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        two_proportion_z(reference, current)
