from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import distance

from monitor.stats.jensen_shannon import jensen_shannon


@pytest.mark.parametrize(
    ("reference", "current"),
    [
        pytest.param([10, 20, 30], [20, 20, 20], id="three-categories"),
        pytest.param([5, 0, 7, 100], [3, 9, 0, 80], id="empty-cells"),
        pytest.param([1, 1], [1, 3], id="two-categories"),
        pytest.param([0.2, 0.3, 0.5], [0.5, 0.3, 0.2], id="proportions"),
    ],
)
def test_matches_scipy_jensenshannon_base_2(reference: list[float], current: list[float]) -> None:
    expected = distance.jensenshannon(np.array(reference), np.array(current), base=2)
    result = jensen_shannon(reference, current)
    assert result.statistic == pytest.approx(float(expected), rel=1e-9)


def test_disjoint_supports_give_distance_one() -> None:
    # M = (P + Q) / 2 puts 1/2 on each support: each KL is log2(2) = 1, so JSD = 1 (Lin 1991).
    assert jensen_shannon([3, 0, 1], [0, 5, 0]).statistic == pytest.approx(1.0, abs=1e-15)


def test_identical_proportions_give_distance_zero() -> None:
    assert jensen_shannon([1, 2, 3], [2, 4, 6]).statistic == 0.0


def test_hand_computed_half_overlap() -> None:
    # P = (1, 0), Q = (1/2, 1/2), M = (3/4, 1/4):
    # KL(P||M) = log2(4/3), KL(Q||M) = 1/2 log2(2/3) + 1/2 log2(2); JSD^2 = their mean (by hand).
    js2 = 0.5 * np.log2(4 / 3) + 0.5 * (0.5 * np.log2(2 / 3) + 0.5 * np.log2(2.0))
    assert jensen_shannon([4, 0], [2, 2]).statistic == pytest.approx(float(np.sqrt(js2)), rel=1e-12)


def test_statistic_equals_effect_size_and_p_value_is_none() -> None:
    result = jensen_shannon([10, 20, 30], [20, 20, 20])
    assert result.method == "jsd"
    assert result.effect_size == result.statistic
    assert result.p_value is None
    assert (result.n_reference, result.n_current) == (60, 60)


@pytest.mark.parametrize(
    ("reference", "current"),
    [
        pytest.param([], [], id="empty"),
        pytest.param([1, -1], [1, 1], id="negative"),
        pytest.param([1, 2, 3], [1, 2], id="mismatched-lengths"),
    ],
)
def test_invalid_counts_raise_value_error_naming_the_method(
    reference: list[float], current: list[float]
) -> None:
    with pytest.raises(ValueError, match="jsd"):
        jensen_shannon(reference, current)
