"""Invariants of the count-based methods and the multiple-testing corrections."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from monitor.stats.chi2 import chi_square
from monitor.stats.correction import benjamini_hochberg, bonferroni
from monitor.stats.hellinger import hellinger
from monitor.stats.jensen_shannon import jensen_shannon
from monitor.stats.psi import psi
from monitor.stats.ztest import two_proportion_z

_count = st.integers(min_value=0, max_value=10_000)


@st.composite
def _count_pairs(draw: st.DrawFn, min_size: int = 1, max_size: int = 12) -> tuple[list[int], ...]:
    size = draw(st.integers(min_value=min_size, max_value=max_size))
    pair = []
    for _ in range(2):
        counts = draw(st.lists(_count, min_size=size, max_size=size))
        counts[draw(st.integers(0, size - 1))] += 1  # positive total
        pair.append(counts)
    return tuple(pair)


_counts = st.lists(_count, min_size=1, max_size=12).filter(lambda c: sum(c) > 0)
_p_values = st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=50)
_alpha = st.floats(min_value=0.0, max_value=1.0)


@given(_counts)
def test_chi2_identical_counts_give_statistic_zero_and_p_one(counts: list[int]) -> None:
    result = chi_square(counts, counts)
    assert result.statistic == 0.0
    assert result.p_value == 1.0


@given(_counts)
def test_distances_of_identical_counts_are_zero(counts: list[int]) -> None:
    assert jensen_shannon(counts, counts).statistic == 0.0
    assert hellinger(counts, counts).statistic == 0.0
    assert psi(counts, counts).statistic == 0.0


@given(_count_pairs())
def test_jensen_shannon_is_symmetric(pair: tuple[list[int], ...]) -> None:
    reference, current = pair
    forward = jensen_shannon(reference, current).statistic
    backward = jensen_shannon(current, reference).statistic
    assert np.isclose(forward, backward, rtol=1e-12, atol=1e-15)


@given(_count_pairs())
def test_hellinger_is_symmetric(pair: tuple[list[int], ...]) -> None:
    reference, current = pair
    assert hellinger(reference, current).statistic == hellinger(current, reference).statistic


@given(_count_pairs())
def test_distances_lie_in_unit_interval(pair: tuple[list[int], ...]) -> None:
    reference, current = pair
    assert 0.0 <= jensen_shannon(reference, current).statistic <= 1.0
    assert 0.0 <= hellinger(reference, current).statistic <= 1.0


@given(_count_pairs())
def test_chi2_p_value_lies_in_unit_interval(pair: tuple[list[int], ...]) -> None:
    p_value = chi_square(*pair).p_value
    assert p_value is not None and 0.0 <= p_value <= 1.0


@given(_count_pairs(min_size=2, max_size=2))
def test_ztest_p_value_lies_in_unit_interval(pair: tuple[list[int], ...]) -> None:
    p_value = two_proportion_z(*pair).p_value
    assert p_value is not None and 0.0 <= p_value <= 1.0


@given(_count_pairs(), st.floats(min_value=1e-12, max_value=0.5))
def test_psi_is_non_negative(pair: tuple[list[int], ...], epsilon: float) -> None:
    assert psi(*pair, epsilon=epsilon).statistic >= 0.0


@given(_p_values, _alpha)
def test_bh_rejects_at_least_what_bonferroni_rejects(p_values: list[float], alpha: float) -> None:
    rejected_bh = benjamini_hochberg(p_values) <= alpha
    rejected_bonferroni = bonferroni(p_values) <= alpha
    assert not (rejected_bonferroni & ~rejected_bh).any()


@given(_p_values, _alpha, _alpha)
def test_bh_rejections_grow_with_alpha(p_values: list[float], alpha: float, other: float) -> None:
    low, high = sorted((alpha, other))
    adjusted = benjamini_hochberg(p_values)
    assert not ((adjusted <= low) & ~(adjusted <= high)).any()


@given(_p_values)
def test_bh_adjusted_at_most_bonferroni_adjusted(p_values: list[float]) -> None:
    assert (benjamini_hochberg(p_values) <= bonferroni(p_values)).all()


@given(_p_values)
def test_adjusted_p_values_lie_between_raw_and_one(p_values: list[float]) -> None:
    raw = np.asarray(p_values)
    for adjusted in (benjamini_hochberg(p_values), bonferroni(p_values)):
        assert ((adjusted >= raw) & (adjusted <= 1.0)).all()
