from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from monitor.stats.anderson import anderson_darling


def _samples(shift: float, seed: int, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=n), rng.normal(loc=shift, size=n + 7)


@pytest.mark.parametrize(
    ("shift", "seed"),
    [
        pytest.param(0.0, 1, id="no-shift"),
        pytest.param(0.4, 2, id="moderate-shift"),
        pytest.param(3.0, 3, id="large-shift-floored"),
    ],
)
def test_matches_scipy_anderson_ksamp_midrank(shift: float, seed: int) -> None:
    reference, current = _samples(shift, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected = stats.anderson_ksamp([reference, current], variant="midrank")
    result = anderson_darling(reference, current)
    assert result.statistic == pytest.approx(float(expected.statistic), rel=1e-9)
    assert result.p_value == pytest.approx(float(expected.pvalue), rel=1e-9)


def test_ties_are_handled_by_the_midrank_variant() -> None:
    reference = [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]
    current = [2.0, 2.0, 3.0, 3.0, 4.0, 4.0]
    expected = stats.anderson_ksamp([np.array(reference), np.array(current)], variant="midrank")
    result = anderson_darling(reference, current)
    assert result.statistic == pytest.approx(float(expected.statistic), rel=1e-9)


def test_identical_samples_give_p_value_capped_at_quarter_without_warning() -> None:
    sample = np.linspace(0.0, 1.0, 50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = anderson_darling(sample, sample)
    assert result.p_value == 0.25


def test_disjoint_samples_give_p_value_floored_at_one_thousandth() -> None:
    result = anderson_darling(np.arange(50.0), np.arange(50.0) + 100.0)
    assert result.p_value == 0.001


def test_result_fields() -> None:
    result = anderson_darling([1.0, 2.0, 3.0, 4.0], [11.0, 12.0, 13.0])
    assert (result.method, result.effect_size) == ("anderson", None)
    assert (result.n_reference, result.n_current) == (4, 3)
    assert type(result.statistic) is float and type(result.p_value) is float


@pytest.mark.parametrize(
    ("reference", "current"),
    [
        pytest.param([], [1.0, 2.0, 3.0, 4.0], id="empty-reference"),
        pytest.param([1.0, 2.0, 3.0], [], id="empty-current"),
        pytest.param([1.0, np.nan, 2.0], [3.0, 4.0], id="nan"),
        pytest.param([1.0, 2.0], [3.0], id="fewer-than-four-values"),
        pytest.param([5.0, 5.0], [5.0, 5.0, 5.0], id="single-distinct-value"),
        pytest.param([[1.0, 2.0]], [3.0, 4.0], id="two-dimensional"),
    ],
)
def test_invalid_samples_raise_value_error_naming_the_method(
    reference: list[float], current: list[float]
) -> None:
    with pytest.raises(ValueError, match="anderson"):
        anderson_darling(reference, current)
