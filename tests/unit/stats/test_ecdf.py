"""The pooled ECDF pair shared by KS, Cramér–von Mises and Wasserstein."""

from __future__ import annotations

import numpy as np
import pytest

from monitor.stats.ecdf import EcdfPair, ecdf_pair

CASES = [
    pytest.param(8, 10, None, 1, id="small-continuous"),
    pytest.param(15, 12, 0, 2, id="small-ties-rounded"),
    pytest.param(1, 1, None, 3, id="one-value-each"),
    pytest.param(700, 500, None, 4, id="medium-continuous"),
    pytest.param(3000, 5000, 1, 5, id="medium-ties-rounded"),
    pytest.param(50, 4000, None, 6, id="unequal-sizes"),
    pytest.param(20000, 30000, 1, 7, id="large-ties-rounded"),
]


def _samples(n: int, m: int, decimals: int | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    reference, current = rng.normal(size=n), rng.normal(loc=0.2, size=m)
    if decimals is not None:
        reference, current = np.round(reference, decimals), np.round(current, decimals)
    return reference, current


def _assert_same_pair(left: EcdfPair, right: EcdfPair) -> None:
    np.testing.assert_array_equal(left.values, right.values)
    np.testing.assert_array_equal(left.reference_counts, right.reference_counts)
    np.testing.assert_array_equal(left.current_counts, right.current_counts)
    np.testing.assert_array_equal(left.difference, right.difference)
    assert (left.n_reference, left.n_current) == (right.n_reference, right.n_current)
    assert left.has_ties == right.has_ties


@pytest.mark.parametrize(("n", "m", "decimals", "seed"), CASES)
def test_counts_sum_to_the_sample_sizes(n: int, m: int, decimals: int | None, seed: int) -> None:
    pair = ecdf_pair(*_samples(n, m, decimals, seed))
    assert int(pair.reference_counts.sum()) == pair.n_reference == n
    assert int(pair.current_counts.sum()) == pair.n_current == m


@pytest.mark.parametrize(("n", "m", "decimals", "seed"), CASES)
def test_values_are_strictly_increasing(n: int, m: int, decimals: int | None, seed: int) -> None:
    pair = ecdf_pair(*_samples(n, m, decimals, seed))
    assert bool(np.all(np.diff(pair.values) > 0))


@pytest.mark.parametrize(("n", "m", "decimals", "seed"), CASES)
def test_counts_match_numpy_unique(n: int, m: int, decimals: int | None, seed: int) -> None:
    reference, current = _samples(n, m, decimals, seed)
    pair = ecdf_pair(reference, current)
    np.testing.assert_array_equal(pair.values, np.unique(np.concatenate([reference, current])))
    for sample, counts in ((reference, pair.reference_counts), (current, pair.current_counts)):
        values, expected = np.unique(sample, return_counts=True)
        np.testing.assert_array_equal(counts[np.isin(pair.values, values)], expected)
        assert int(counts[~np.isin(pair.values, values)].sum()) == 0


@pytest.mark.parametrize(("n", "m", "decimals", "seed"), CASES)
def test_sorted_and_unsorted_inputs_give_the_same_pair(
    n: int, m: int, decimals: int | None, seed: int
) -> None:
    reference, current = _samples(n, m, decimals, seed)
    unsorted = ecdf_pair(reference, current)
    presorted = ecdf_pair(np.sort(reference), np.sort(current))
    _assert_same_pair(unsorted, presorted)


@pytest.mark.parametrize(("n", "m", "decimals", "seed"), CASES)
def test_unvalidated_sorted_input_gives_the_same_pair(
    n: int, m: int, decimals: int | None, seed: int
) -> None:
    reference, current = _samples(n, m, decimals, seed)
    fast = ecdf_pair(np.sort(reference), np.sort(current), validate=False)
    _assert_same_pair(fast, ecdf_pair(reference, current))


@pytest.mark.parametrize(("n", "m", "decimals", "seed"), CASES)
def test_difference_is_reference_cdf_minus_current_cdf_ending_at_zero(
    n: int, m: int, decimals: int | None, seed: int
) -> None:
    pair = ecdf_pair(*_samples(n, m, decimals, seed))
    expected = pair.reference_cdf() - pair.current_cdf()
    np.testing.assert_allclose(pair.difference, expected, rtol=0, atol=1e-12)
    assert pair.reference_cdf()[-1] == pair.current_cdf()[-1] == 1.0
    assert abs(pair.difference[-1]) <= 1e-12  # the continuous fast path rounds


def test_has_ties_is_false_for_distinct_pooled_values() -> None:
    assert ecdf_pair([1.0, 3.0], [2.0, 4.0]).has_ties is False


@pytest.mark.parametrize(
    ("reference", "current"),
    [
        pytest.param([1.0, 1.0], [2.0], id="tie-within-reference"),
        pytest.param([1.0], [2.0, 2.0], id="tie-within-current"),
        pytest.param([1.0, 2.0], [2.0, 3.0], id="tie-across-samples"),
    ],
)
def test_has_ties_is_true_for_any_repeated_pooled_value(
    reference: list[float], current: list[float]
) -> None:
    assert ecdf_pair(reference, current).has_ties is True


def test_hand_computed_merge_with_shared_and_private_values() -> None:
    # Pooled distinct values {0, 1, 2, 5}; counts read off the inputs by hand.
    pair = ecdf_pair([2.0, 0.0, 2.0, 5.0], [1.0, 2.0])
    assert pair.values.tolist() == [0.0, 1.0, 2.0, 5.0]
    assert pair.reference_counts.tolist() == [1, 0, 2, 1]
    assert pair.current_counts.tolist() == [0, 1, 1, 0]
    # F_ref = [1/4, 1/4, 3/4, 1], F_cur = [0, 1/2, 1, 1]
    assert pair.difference.tolist() == [0.25, -0.25, -0.25, 0.0]


def test_integer_input_is_converted_to_float64_values() -> None:
    pair = ecdf_pair(np.array([3, 1, 2]), np.array([2, 4]))
    assert pair.values.dtype == np.float64
    assert pair.values.tolist() == [1.0, 2.0, 3.0, 4.0]


@pytest.mark.parametrize("argument", ["reference", "current"])
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        pytest.param([], "empty", id="empty"),
        pytest.param([1.0, float("nan")], "NaN", id="nan"),
        pytest.param([1.0, float("inf")], "infinite", id="inf"),
        pytest.param([[1.0, 2.0], [3.0, 4.0]], "1-D", id="two-dimensional"),
    ],
)
def test_invalid_input_raises_value_error_naming_function_and_argument(
    argument: str, bad: list[float], message: str
) -> None:
    good = [1.0, 2.0, 3.0]
    samples = {"reference": good, "current": good, argument: bad}
    with pytest.raises(ValueError, match=rf"^ecdf_pair: {argument} .*{message}"):
        ecdf_pair(samples["reference"], samples["current"])
