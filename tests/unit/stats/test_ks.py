"""Two-sample Kolmogorov–Smirnov: golden values from ``scipy.stats.ks_2samp``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from monitor.stats import MethodResult
from monitor.stats.ecdf import ecdf_pair
from monitor.stats.ks import ks_two_sample

# (n, m, shift of current, decimals to round both samples to (None = continuous), seed).
# scipy's method="auto" is exact while max(n, m) <= 10 000 and asymptotic above.
GOLDEN = [
    pytest.param(8, 10, 0.5, None, 1, id="small-n8-m10-exact"),
    pytest.param(5, 5, 3.0, None, 2, id="small-n5-m5-separated"),
    pytest.param(15, 12, 0.3, 0, 3, id="small-ties-rounded"),
    pytest.param(20, 20, 0.0, None, 4, id="small-n20-m20-null"),
    pytest.param(500, 700, 0.0, None, 5, id="medium-n500-m700-null"),
    pytest.param(2000, 1500, 0.1, None, 6, id="medium-n2000-m1500-shift"),
    pytest.param(3000, 5000, 0.05, 1, 7, id="medium-ties-rounded"),
    pytest.param(50, 4000, 0.3, None, 8, id="unequal-n50-m4000"),
    pytest.param(9000, 30, 0.0, None, 9, id="unequal-n9000-m30"),
    pytest.param(10000, 9000, 0.03, None, 10, id="boundary-n10000-exact"),
    pytest.param(10001, 500, 0.1, None, 11, id="boundary-n10001-asymptotic"),
    pytest.param(20000, 30000, 0.02, None, 12, id="large-n20000-m30000-asymptotic"),
    pytest.param(30000, 20000, 0.0, 1, 13, id="large-ties-asymptotic"),
]


def _samples(
    n: int, m: int, shift: float, decimals: int | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    reference, current = rng.normal(size=n), rng.normal(loc=shift, size=m)
    if decimals is not None:
        reference, current = np.round(reference, decimals), np.round(current, decimals)
    return reference, current


@pytest.mark.parametrize(("n", "m", "shift", "decimals", "seed"), GOLDEN)
def test_matches_scipy_ks_2samp(
    n: int, m: int, shift: float, decimals: int | None, seed: int
) -> None:
    reference, current = _samples(n, m, shift, decimals, seed)
    expected = stats.ks_2samp(reference, current)
    result = ks_two_sample(reference, current)
    assert result.statistic == pytest.approx(float(expected.statistic), rel=1e-9)
    assert result.p_value == pytest.approx(float(expected.pvalue), rel=1e-9)


@pytest.mark.parametrize(
    ("n", "m", "method"),
    [
        pytest.param(20, 30, "exact", id="small-exact"),
        pytest.param(10000, 400, "exact", id="n10000-exact"),
        pytest.param(10001, 400, "asymp", id="n10001-asymptotic"),
        pytest.param(20000, 30000, "asymp", id="large-asymptotic"),
    ],
)
def test_p_value_path_switches_to_asymptotic_above_10000(n: int, m: int, method: str) -> None:
    reference, current = _samples(n, m, 0.1, None, 21)
    expected = stats.ks_2samp(reference, current, method=method)
    assert ks_two_sample(reference, current).p_value == pytest.approx(
        float(expected.pvalue), rel=1e-9
    )


@pytest.mark.parametrize(
    "sample",
    [
        pytest.param(np.linspace(0.0, 1.0, 7), id="small"),
        pytest.param(np.round(np.random.default_rng(3).normal(size=500), 1), id="medium-ties"),
        pytest.param(np.random.default_rng(4).normal(size=20000), id="large-asymptotic"),
    ],
)
def test_identical_samples_give_d_zero_and_p_one(sample: np.ndarray) -> None:
    result = ks_two_sample(sample, sample.copy())
    assert (result.statistic, result.p_value) == (0.0, 1.0)


@pytest.mark.parametrize(
    "size",
    [pytest.param(5, id="n5-m5"), pytest.param(7, id="n7-m7"), pytest.param(15, id="n15-m15")],
)
def test_failed_exact_computation_falls_back_like_scipy_without_warning(size: int) -> None:
    # Equal sizes with D = 1/n: scipy's exact p overshoots 1, so ks_2samp warns and uses the
    # asymptotic p-value. ks_two_sample returns the same value and must not warn (pytest
    # turns warnings into errors).
    reference = np.zeros(size)
    current = np.append(np.zeros(size - 1), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = stats.ks_2samp(reference, current)
    result = ks_two_sample(reference, current)
    assert result.statistic == pytest.approx(1 / size, rel=1e-12)
    assert result.p_value == pytest.approx(float(expected.pvalue), rel=1e-9)


def test_completely_separated_small_samples() -> None:
    # D = 1; exact two-sided p = 2 / C(6, 3) = 0.1 (Hodges 1958: only the two extreme paths).
    result = ks_two_sample([0.0, 1.0, 2.0], [3.0, 4.0, 5.0])
    assert result.statistic == 1.0
    assert result.p_value == pytest.approx(0.1, rel=1e-12)


def test_result_is_the_ks_entry_with_python_scalars() -> None:
    reference, current = _samples(30, 40, 0.2, None, 5)
    result = ks_two_sample(reference, current)
    assert isinstance(result, MethodResult)
    assert (result.method, result.effect_size) == ("ks", None)
    assert (result.n_reference, result.n_current) == (30, 40)
    assert type(result.statistic) is float and type(result.p_value) is float


def test_precomputed_pair_gives_the_same_result() -> None:
    reference, current = _samples(300, 200, 0.2, 1, 6)
    pair = ecdf_pair(reference, current)
    assert ks_two_sample(reference, current, pair=pair) == ks_two_sample(reference, current)


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
    with pytest.raises(ValueError, match=rf"^ks_two_sample: {argument} "):
        ks_two_sample(samples["reference"], samples["current"])
