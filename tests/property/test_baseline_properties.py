"""A baseline's numeric summary read off one sort equals numpy's own computation to the bit:
the quantile edges equal ``np.quantile``'s, the bin counts a bisection of every value, the
discrete values ``np.unique``'s."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from monitor.engine.baseline import (
    DEFAULT_BINS,
    DISCRETE_MAX_VALUES,
    build_baseline,
    joint_labels,
    number_label,
    sorted_quantiles,
)

_finite = st.floats(
    allow_nan=False, allow_infinity=False, width=64, min_value=-1e12, max_value=1e12
)
_values = hnp.arrays(np.float64, st.integers(1, 400), elements=_finite)
# ties and few distinct values, as in discrete numeric columns
_discrete = hnp.arrays(
    np.float64, st.integers(1, 400), elements=st.sampled_from([-2.0, 0.0, 0.5, 3.0, 1e9])
)
_levels = st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=1, max_size=50)


@settings(max_examples=300, deadline=None)
@given(values=st.one_of(_values, _discrete), levels=_levels)
def test_sorted_quantiles_equal_numpy_quantile_bit_for_bit(
    values: np.ndarray, levels: list[float]
) -> None:
    q = np.array(levels, dtype=np.float64)
    expected = np.quantile(values, q)
    assert np.array_equal(sorted_quantiles(np.sort(values), q), expected)


@settings(max_examples=150, deadline=None)
@given(values=st.one_of(_values, _discrete))
def test_numeric_column_summary_equals_the_direct_computation(values: np.ndarray) -> None:
    column = build_baseline(pd.DataFrame({"x": values, "y": np.zeros(values.size)})).columns["x"]
    edges = np.unique(np.quantile(values, np.linspace(0.0, 1.0, DEFAULT_BINS + 1)[1:-1]))
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=edges.size + 1)
    assert column.bin_edges is not None and column.bin_counts is not None
    assert np.array_equal(column.bin_edges, edges)
    assert np.array_equal(column.bin_counts, counts)
    distinct, distinct_counts = np.unique(values, return_counts=True)
    if distinct.size <= DISCRETE_MAX_VALUES:
        assert column.categories == tuple(number_label(v) for v in distinct)
        assert column.category_counts is not None
        assert np.array_equal(column.category_counts, distinct_counts)
    else:
        assert column.categories is None


@settings(max_examples=100, deadline=None)
@given(
    labels=st.lists(
        st.one_of(st.none(), st.sampled_from(["a", "b", "née", "1", "True"]), st.integers(0, 3)),
        min_size=0,
        max_size=60,
    )
)
def test_joint_labels_of_a_categorical_equal_those_of_its_values(labels: list[object]) -> None:
    """A pandas Categorical is labelled through its categories (one ``str`` per category),
    and gives the labels its plain values give, missing values as None."""
    plain = pd.Series([v if v is None else str(v) for v in labels], dtype=object)
    typed = plain.astype("category")
    assert list(joint_labels(typed)) == list(joint_labels(plain))
    assert [v is None for v in joint_labels(typed)] == [v is None for v in labels]
