from __future__ import annotations

import math

import pytest

from monitor.stats.psi import psi


def test_hand_computed_half_half_versus_quarter_three_quarters() -> None:
    # (0.25 - 0.5) ln(0.5) + (0.75 - 0.5) ln(1.5) = 0.25 ln 2 + 0.25 ln 1.5 = ln(3) / 4 (by hand).
    assert psi([50, 50], [25, 75]).statistic == pytest.approx(math.log(3.0) / 4.0, rel=1e-12)


def test_identical_proportions_give_zero() -> None:
    assert psi([1, 2, 3], [2, 4, 6]).statistic == 0.0


def test_bin_empty_in_current_uses_epsilon() -> None:
    # r = (1/2, 1/2), c = (1, 0) -> (1, eps):
    # (1 - 1/2) ln(2) + (eps - 1/2) ln(2 eps) (by hand).
    epsilon = 1e-3
    expected = 0.5 * math.log(2.0) + (epsilon - 0.5) * math.log(2.0 * epsilon)
    assert psi([5, 5], [10, 0], epsilon=epsilon).statistic == pytest.approx(expected, rel=1e-12)


def test_bin_empty_in_both_samples_contributes_zero() -> None:
    assert psi([50, 0, 50], [25, 0, 75]).statistic == pytest.approx(math.log(3.0) / 4.0, rel=1e-12)


def test_statistic_equals_effect_size_and_p_value_is_none() -> None:
    result = psi([50, 50], [25, 75])
    assert result.method == "psi"
    assert result.effect_size == result.statistic
    assert result.p_value is None
    assert (result.n_reference, result.n_current) == (100, 100)


@pytest.mark.parametrize(
    "epsilon",
    [
        pytest.param(0.0, id="zero"),
        pytest.param(-1e-4, id="negative"),
        pytest.param(1.0, id="one"),
        pytest.param(math.nan, id="nan"),
    ],
)
def test_epsilon_outside_open_unit_interval_raises(epsilon: float) -> None:
    with pytest.raises(ValueError, match="psi: epsilon"):
        psi([1, 1], [1, 1], epsilon=epsilon)


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
    with pytest.raises(ValueError, match="psi"):
        psi(reference, current)
