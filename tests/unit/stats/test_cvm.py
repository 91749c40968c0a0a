"""Two-sample Cramér–von Mises: golden values from ``scipy.stats.cramervonmises_2samp``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from monitor.stats import MethodResult
from monitor.stats.cvm import cramer_von_mises
from monitor.stats.ecdf import ecdf_pair

# Untied samples: (n, m, shift of current, seed). scipy's method="auto" is exact while
# max(n, m) <= 20 and asymptotic above.
GOLDEN = [
    pytest.param(8, 10, 0.5, 1, id="small-n8-m10-exact"),
    pytest.param(5, 5, 3.0, 2, id="small-n5-m5-separated"),
    pytest.param(20, 20, 0.0, 4, id="small-n20-m20-exact-boundary"),
    pytest.param(21, 20, 0.0, 5, id="n21-m20-asymptotic-boundary"),
    pytest.param(500, 700, 0.0, 6, id="medium-n500-m700-null"),
    pytest.param(2000, 1500, 0.1, 7, id="medium-n2000-m1500-shift"),
    pytest.param(50, 4000, 0.3, 9, id="unequal-n50-m4000"),
    pytest.param(20000, 30000, 0.02, 11, id="large-n20000-m30000"),
]


def _samples(
    n: int, m: int, shift: float, decimals: int | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    reference, current = rng.normal(size=n), rng.normal(loc=shift, size=m)
    if decimals is not None:
        reference, current = np.round(reference, decimals), np.round(current, decimals)
    return reference, current


# Tied samples (both rounded to `decimals`): (n, m, shift, decimals, seed). These deliberately
# differ from scipy's midrank statistic (see the Notes of cramer_von_mises).
TIED = [
    pytest.param(15, 12, 0.3, 0, 3, id="small-ties-rounded-asymptotic"),
    pytest.param(3000, 5000, 0.05, 1, 8, id="medium-ties-rounded"),
    pytest.param(4000, 30, 0.0, 0, 10, id="unequal-ties-n4000-m30"),
    pytest.param(30000, 20000, 0.0, 1, 12, id="large-ties"),
    pytest.param(20000, 30000, 0.03, 1, 13, id="large-ties-shift"),
]


def _ecdf_form(reference: np.ndarray, current: np.ndarray) -> float:
    """T = n m / N² Σ_j (F_ref(z_j) − F_cur(z_j))² over all N pooled observations (Anderson
    1962, eq. 2), computed independently of monitor.stats.ecdf."""
    n, m = reference.size, current.size
    pooled = np.concatenate([reference, current])
    gap = np.searchsorted(np.sort(reference), pooled, side="right") / n
    gap -= np.searchsorted(np.sort(current), pooled, side="right") / m
    return float(n * m / (n + m) ** 2 * np.sum(gap * gap))


def _asymptotic_p_value(t: float, n: int, m: int) -> float:
    """scipy's asymptotic p-value for T (Anderson 1962, eqs. 11, 14, 15; scipy's private
    ``_cdf_cvm_inf``, the limiting distribution of Csörgő & Faraway 1996)."""
    from scipy.stats import _hypotests

    k, total = n * m, n + m
    expected = (1 + 1 / total) / 6
    variance = (total + 1) * (4 * k * total - 3 * (n**2 + m**2) - 2 * k) / (45 * total**2 * 4 * k)
    normalised = 1 / 6 + (t - expected) / np.sqrt(45 * variance)
    if normalised < 0.003:
        return 1.0
    return max(0.0, 1.0 - float(_hypotests._cdf_cvm_inf(normalised)))


@pytest.mark.parametrize(("n", "m", "shift", "seed"), GOLDEN)
def test_matches_scipy_cramervonmises_2samp_without_ties(
    n: int, m: int, shift: float, seed: int
) -> None:
    reference, current = _samples(n, m, shift, None, seed)
    expected = stats.cramervonmises_2samp(reference, current)
    result = cramer_von_mises(reference, current)
    assert result.statistic == pytest.approx(float(expected.statistic), rel=1e-9)
    assert result.p_value == pytest.approx(float(expected.pvalue), rel=1e-9)


@pytest.mark.parametrize(("n", "m", "shift", "seed"), GOLDEN)
def test_ecdf_form_reference_agrees_with_scipy_without_ties(
    n: int, m: int, shift: float, seed: int
) -> None:
    """Sanity check of the independent formula used for the tied golden values."""
    reference, current = _samples(n, m, shift, None, seed)
    expected = stats.cramervonmises_2samp(reference, current)
    assert _ecdf_form(reference, current) == pytest.approx(float(expected.statistic), rel=1e-9)


@pytest.mark.parametrize(("n", "m", "shift", "decimals", "seed"), TIED)
def test_ties_use_the_ecdf_form_and_the_asymptotic_p_value(
    n: int, m: int, shift: float, decimals: int, seed: int
) -> None:
    reference, current = _samples(n, m, shift, decimals, seed)
    result = cramer_von_mises(reference, current)
    expected = _ecdf_form(reference, current)
    assert result.statistic == pytest.approx(expected, rel=1e-9)
    assert result.p_value == pytest.approx(_asymptotic_p_value(expected, n, m), rel=1e-9)


@pytest.mark.parametrize(
    "sample",
    [
        pytest.param(np.linspace(0.0, 1.0, 7), id="small"),
        pytest.param(np.round(np.random.default_rng(3).normal(size=500), 1), id="medium-ties"),
        pytest.param(np.random.default_rng(4).normal(size=20000), id="large"),
    ],
)
def test_identical_samples_give_t_zero_and_p_one(sample: np.ndarray) -> None:
    # Every value is shared by both samples, so the ECDF gap (and T) is 0 everywhere.
    result = cramer_von_mises(sample, sample.copy())
    assert (result.statistic, result.p_value) == (0.0, 1.0)


def test_four_against_four_completely_separated() -> None:
    # By hand (Anderson 1962, eq. 9): ranks 1..4 vs 5..8, U = 4·0 + 4·(4·4²) = 256,
    # T = 256 / (4·4·8) − (4·16 − 1) / (6·8) = 2 − 1.3125 = 0.6875. Exact p: only the two
    # fully separated arrangements of C(8, 4) = 70 reach T, so p = 2/70.
    result = cramer_von_mises([0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0])
    assert result.statistic == pytest.approx(0.6875, rel=1e-12)
    assert result.p_value == pytest.approx(2 / 70, rel=1e-9)


def test_result_is_the_cvm_entry_with_python_scalars() -> None:
    reference, current = _samples(30, 40, 0.2, None, 5)
    result = cramer_von_mises(reference, current)
    assert isinstance(result, MethodResult)
    assert (result.method, result.effect_size) == ("cvm", None)
    assert (result.n_reference, result.n_current) == (30, 40)
    assert type(result.statistic) is float and type(result.p_value) is float


@pytest.mark.parametrize(
    "decimals", [pytest.param(None, id="continuous"), pytest.param(1, id="ties")]
)
def test_precomputed_pair_gives_the_same_result(decimals: int | None) -> None:
    reference, current = _samples(300, 200, 0.2, decimals, 6)
    pair = ecdf_pair(reference, current)
    assert cramer_von_mises(reference, current, pair=pair) == cramer_von_mises(reference, current)


@pytest.mark.parametrize(
    ("reference", "current"),
    [
        pytest.param([1.0], [1.0, 2.0, 3.0], id="one-reference-value"),
        pytest.param([1.0, 2.0, 3.0], [2.0], id="one-current-value"),
    ],
)
def test_fewer_than_two_values_raises_value_error_naming_the_method(
    reference: list[float], current: list[float]
) -> None:
    with pytest.raises(ValueError, match=r"^cramer_von_mises: .*at least 2"):
        cramer_von_mises(reference, current)


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
    with pytest.raises(ValueError, match=rf"^cramer_von_mises: {argument} "):
        cramer_von_mises(samples["reference"], samples["current"])
