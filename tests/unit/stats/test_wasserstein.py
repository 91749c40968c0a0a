"""Wasserstein distance: golden values from ``scipy.stats.wasserstein_distance``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from monitor.stats import MethodResult
from monitor.stats.ecdf import ecdf_pair
from monitor.stats.wasserstein import wasserstein

# (n, m, shift of current, decimals to round both samples to (None = continuous), seed).
GOLDEN = [
    pytest.param(8, 10, 0.5, None, 1, id="small-n8-m10"),
    pytest.param(5, 5, 3.0, None, 2, id="small-n5-m5-separated"),
    pytest.param(15, 12, 0.3, 0, 3, id="small-ties-rounded"),
    pytest.param(1, 1, 1.0, None, 4, id="one-value-each"),
    pytest.param(500, 700, 0.0, None, 5, id="medium-n500-m700-null"),
    pytest.param(2000, 1500, 0.1, None, 6, id="medium-n2000-m1500-shift"),
    pytest.param(3000, 5000, 0.05, 1, 7, id="medium-ties-rounded"),
    pytest.param(50, 4000, 0.3, None, 8, id="unequal-n50-m4000"),
    pytest.param(20000, 30000, 0.02, None, 9, id="large-n20000-m30000"),
    pytest.param(30000, 20000, 0.0, 1, 10, id="large-ties"),
]


def _samples(
    n: int, m: int, shift: float, decimals: int | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    reference, current = rng.normal(size=n), rng.normal(loc=shift, scale=1.5, size=m)
    if decimals is not None:
        reference, current = np.round(reference, decimals), np.round(current, decimals)
    return reference, current


@pytest.mark.parametrize(("n", "m", "shift", "decimals", "seed"), GOLDEN)
def test_matches_scipy_wasserstein_distance(
    n: int, m: int, shift: float, decimals: int | None, seed: int
) -> None:
    reference, current = _samples(n, m, shift, decimals, seed)
    expected = stats.wasserstein_distance(reference, current)
    assert wasserstein(reference, current).statistic == pytest.approx(float(expected), rel=1e-9)


@pytest.mark.parametrize(("n", "m", "shift", "decimals", "seed"), GOLDEN[4:])
def test_default_effect_size_is_distance_over_population_sd_of_reference(
    n: int, m: int, shift: float, decimals: int | None, seed: int
) -> None:
    reference, current = _samples(n, m, shift, decimals, seed)
    expected = stats.wasserstein_distance(reference, current) / np.std(reference, ddof=0)
    assert wasserstein(reference, current).effect_size == pytest.approx(float(expected), rel=1e-9)


def test_explicit_scale_divides_the_distance() -> None:
    reference, current = _samples(200, 300, 0.4, None, 11)
    result = wasserstein(reference, current, scale=2.5)
    assert result.effect_size == pytest.approx(result.statistic / 2.5, rel=1e-12)


def test_shift_of_small_sample_by_hand() -> None:
    # Every point moves by 1, so W = 1 (by hand); population sd of [0, 1, 2] is sqrt(2/3).
    result = wasserstein([0.0, 1.0, 2.0], [1.0, 2.0, 3.0])
    assert result.statistic == pytest.approx(1.0, rel=1e-12)
    assert result.effect_size == pytest.approx(1.0 / math.sqrt(2.0 / 3.0), rel=1e-12)


@pytest.mark.parametrize(
    "sample",
    [
        pytest.param(np.linspace(0.0, 1.0, 7), id="small"),
        pytest.param(np.round(np.random.default_rng(3).normal(size=500), 1), id="medium-ties"),
        pytest.param(np.random.default_rng(4).normal(size=20000), id="large"),
    ],
)
def test_identical_samples_give_distance_and_effect_zero(sample: np.ndarray) -> None:
    result = wasserstein(sample, sample.copy())
    assert (result.statistic, result.effect_size) == (0.0, 0.0)


def test_scale_zero_gives_effect_zero_for_identical_samples() -> None:
    result = wasserstein([3.0, 3.0, 3.0], [3.0, 3.0], scale=0.0)
    assert (result.statistic, result.effect_size) == (0.0, 0.0)


def test_scale_zero_gives_infinite_effect_for_different_samples() -> None:
    result = wasserstein([1.0, 2.0], [1.0, 5.0], scale=0.0)
    assert result.statistic > 0
    assert result.effect_size == math.inf


def test_constant_reference_defaults_to_scale_zero() -> None:
    # The population sd of a constant reference is 0: effect 0 without a shift, inf with one.
    assert wasserstein([2.0, 2.0], [2.0]).effect_size == 0.0
    assert wasserstein([2.0, 2.0], [2.5]).effect_size == math.inf


def test_infinite_effect_round_trips_through_to_dict() -> None:
    result = wasserstein([2.0, 2.0], [2.5])
    assert MethodResult.from_dict(result.to_dict()) == result


@pytest.mark.parametrize(
    "scale",
    [
        pytest.param(-1.0, id="negative"),
        pytest.param(-1e-300, id="tiny-negative"),
        pytest.param(math.nan, id="nan"),
        pytest.param(math.inf, id="inf"),
    ],
)
def test_invalid_scale_raises_value_error_naming_the_method(scale: float) -> None:
    with pytest.raises(ValueError, match=r"^wasserstein: scale must be finite and >= 0"):
        wasserstein([1.0, 2.0], [2.0, 3.0], scale=scale)


def test_result_is_the_wasserstein_entry_without_p_value() -> None:
    reference, current = _samples(30, 40, 0.2, None, 5)
    result = wasserstein(reference, current)
    assert isinstance(result, MethodResult)
    assert (result.method, result.p_value) == ("wasserstein", None)
    assert (result.n_reference, result.n_current) == (30, 40)
    assert type(result.statistic) is float and type(result.effect_size) is float


def test_precomputed_pair_gives_the_same_result() -> None:
    reference, current = _samples(300, 200, 0.2, 1, 6)
    pair = ecdf_pair(reference, current)
    assert wasserstein(reference, current, pair=pair) == wasserstein(reference, current)


@pytest.mark.parametrize("argument", ["reference", "current"])
@pytest.mark.parametrize(
    "bad",
    [
        pytest.param([], id="empty"),
        pytest.param([1.0, float("nan")], id="nan"),
        pytest.param([[1.0, 2.0], [3.0, 4.0]], id="two-dimensional"),
    ],
)
def test_invalid_input_raises_value_error_naming_the_method(argument: str, bad: list) -> None:
    good = [1.0, 2.0, 3.0]
    samples = {"reference": good, "current": good, argument: bad}
    with pytest.raises(ValueError, match=rf"^wasserstein: {argument} "):
        wasserstein(samples["reference"], samples["current"])
