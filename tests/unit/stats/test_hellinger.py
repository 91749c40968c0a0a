from __future__ import annotations

import math

import pytest

from monitor.stats.hellinger import hellinger


def test_disjoint_supports_give_distance_one() -> None:
    # sum sqrt(p q) = 0, so H = sqrt(1 - 0) = 1 (definition).
    assert hellinger([3, 0, 1], [0, 5, 0]).statistic == 1.0


def test_identical_proportions_give_exactly_zero() -> None:
    assert hellinger([1, 2, 3, 7], [2, 4, 6, 14]).statistic == 0.0


def test_hand_computed_half_overlap() -> None:
    # P = (1, 0), Q = (1/2, 1/2): sum sqrt(p q) = sqrt(1/2), H = sqrt(1 - 1/sqrt(2)) (by hand).
    expected = math.sqrt(1.0 - 1.0 / math.sqrt(2.0))
    assert hellinger([4, 0], [2, 2]).statistic == pytest.approx(expected, rel=1e-12)


def test_hand_computed_quarters() -> None:
    # P = (1/4, 3/4), Q = (3/4, 1/4): sum sqrt(p q) = 2 sqrt(3) / 4,
    # so H = sqrt(1 - sqrt(3) / 2) (by hand).
    expected = math.sqrt(1.0 - math.sqrt(3.0) / 2.0)
    assert hellinger([1, 3], [3, 1]).statistic == pytest.approx(expected, rel=1e-12)


def test_statistic_equals_effect_size_and_p_value_is_none() -> None:
    result = hellinger([1, 3], [3, 1])
    assert result.method == "hellinger"
    assert result.effect_size == result.statistic
    assert result.p_value is None


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
    with pytest.raises(ValueError, match="hellinger"):
        hellinger(reference, current)
