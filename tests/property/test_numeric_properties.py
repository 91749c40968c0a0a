"""Invariants of the ECDF-based methods for numeric columns (KS, Cramér–von Mises, Wasserstein)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from monitor.stats.cvm import cramer_von_mises
from monitor.stats.ks import ks_two_sample
from monitor.stats.wasserstein import wasserstein

# Moderate magnitudes keep the floating-point error of sums and shifts far below 1e-9.
_value = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_subnormal=False)
_sample = st.lists(_value, min_size=1, max_size=40)
_sample_of_two = st.lists(_value, min_size=2, max_size=40)

_examples = settings(max_examples=60, deadline=None)


@_examples
@given(_sample)
def test_identical_samples_give_ks_zero_p_one_and_wasserstein_zero(sample: list[float]) -> None:
    ks = ks_two_sample(sample, list(sample))
    assert (ks.statistic, ks.p_value) == (0.0, 1.0)
    distance = wasserstein(sample, list(sample))
    assert (distance.statistic, distance.effect_size) == (0.0, 0.0)


@_examples
@given(_sample, _sample)
def test_ks_statistic_is_symmetric_in_reference_and_current(
    reference: list[float], current: list[float]
) -> None:
    forward = ks_two_sample(reference, current)
    backward = ks_two_sample(current, reference)
    # Equal up to rounding: the continuous fast path forms F_ref − F_cur as k·(1/n + 1/m) − j/m.
    assert forward.statistic == pytest.approx(backward.statistic, rel=1e-12, abs=1e-15)


@_examples
@given(_sample, _sample)
def test_wasserstein_distance_is_symmetric_in_reference_and_current(
    reference: list[float], current: list[float]
) -> None:
    forward = wasserstein(reference, current)
    backward = wasserstein(current, reference)
    assert forward.statistic == pytest.approx(backward.statistic, rel=1e-12, abs=1e-12)


@_examples
@given(_sample, st.floats(min_value=-1e3, max_value=1e3, allow_subnormal=False))
def test_shift_by_c_gives_wasserstein_abs_c(sample: list[float], c: float) -> None:
    reference = np.array(sample)
    result = wasserstein(reference, reference + c)
    assert result.statistic == pytest.approx(abs(c), rel=1e-9, abs=1e-9)


@_examples
@given(
    _sample_of_two,
    _sample,
    st.floats(min_value=1e-2, max_value=1e2),
    st.floats(min_value=-1e3, max_value=1e3, allow_subnormal=False),
)
def test_normalised_effect_ignores_a_shared_affine_rescaling(
    reference: list[float], current: list[float], a: float, b: float
) -> None:
    ref, cur = np.array(reference), np.array(current)
    # A spread too small against the magnitudes in a*x + b is lost to rounding there:
    # keep the rounding error (about eps * magnitude / rescaled spread) below 1e-11.
    spread = float(np.std(ref))
    magnitude = abs(b) + a * max(float(np.max(np.abs(ref))), float(np.max(np.abs(cur))), 1.0)
    assume(spread > 0 and np.finfo(float).eps * magnitude / (a * spread) < 1e-11)
    original = wasserstein(ref, cur).effect_size
    rescaled = wasserstein(a * ref + b, a * cur + b).effect_size
    assert rescaled == pytest.approx(original, rel=1e-9, abs=1e-9)


@_examples
@given(_sample, _sample)
def test_ks_p_value_lies_in_unit_interval(reference: list[float], current: list[float]) -> None:
    p_value = ks_two_sample(reference, current).p_value
    assert p_value is not None and 0.0 <= p_value <= 1.0


@_examples
@given(_sample_of_two, _sample_of_two)
def test_cvm_p_value_lies_in_unit_interval(reference: list[float], current: list[float]) -> None:
    p_value = cramer_von_mises(reference, current).p_value
    assert p_value is not None and 0.0 <= p_value <= 1.0


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=21, max_value=300), st.integers(min_value=0, max_value=2**32 - 1))
def test_cvm_asymptotic_p_value_lies_in_unit_interval(size: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    reference, current = rng.normal(size=size), rng.normal(loc=rng.uniform(-2, 2), size=size + 5)
    p_value = cramer_von_mises(reference, current).p_value
    assert p_value is not None and 0.0 <= p_value <= 1.0
