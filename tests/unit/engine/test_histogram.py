"""Per-window histograms stored with each check: counts on the baseline's bins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitor import compare
from monitor.engine.histogram import MAX_UNSEEN, OTHER_UNSEEN, category_histogram, numeric_histogram
from monitor.engine.report import Histogram


def test_numeric_bins_follow_the_baseline_rule_lower_edge_inclusive() -> None:
    histogram = numeric_histogram(
        np.array([1.0, 2.0]), np.array([1, 1, 1]), np.array([0.0, 1.0, 1.5, 2.0, 2.0])
    )
    assert histogram.current == (1, 2, 2)
    assert histogram.labels == ("< 1", "[1, 2)", ">= 2")


def test_large_edges_are_labelled_without_exponents() -> None:
    histogram = numeric_histogram(np.array([23_460.4]), np.array([1, 1]), np.array([1.0]))
    assert histogram.labels == ("< 23,460", ">= 23,460")


def test_unseen_categories_beyond_the_cap_are_pooled() -> None:
    counts = {f"new{i:02d}": 100 - i for i in range(MAX_UNSEEN + 3)}
    histogram = category_histogram(("a",), np.array([5]), {"a": 1, **counts})
    assert len(histogram.labels) == 1 + MAX_UNSEEN + 1
    assert histogram.labels[-1] == OTHER_UNSEEN
    assert histogram.current[-1] == sum(sorted(counts.values())[:3])
    assert histogram.reference == (5,) + (0,) * (MAX_UNSEEN + 1)


def test_a_check_stores_histograms_that_count_every_current_value() -> None:
    rng = np.random.default_rng(3)
    reference = pd.DataFrame({"x": rng.normal(0, 1, 2000), "c": rng.choice(["a", "b"], 2000)})
    current = pd.DataFrame({"x": rng.normal(1, 1, 300), "c": rng.choice(["a", "z"], 300)})
    report = compare(reference, current, categorical=["c"])
    x, c = report.column("x"), report.column("c")
    assert x.histogram is not None and c.histogram is not None
    assert sum(x.histogram.current) == 300 and sum(x.histogram.reference) == 2000
    assert x.histogram.edges is not None and len(x.histogram.labels) == len(x.histogram.edges) + 1
    assert c.histogram.labels == ("a", "b", "z")
    stored = report.to_dict()["columns"]["x"]["histogram"]
    assert Histogram.from_dict(stored) == x.histogram


def test_from_dict_names_missing_keys_and_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match=r"missing \['current'\]"):
        Histogram.from_dict({"labels": [], "reference": []})
    with pytest.raises(ValueError, match="2 labels, 1 reference and 2 current"):
        Histogram.from_dict({"labels": ["a", "b"], "reference": [1], "current": [1, 2]})
