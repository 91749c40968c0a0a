"""The promotion gate's decision (``monitor.engine.promotion``): one row per line of the
module's table, boundaries in pairs; and a version's score computed by the engine's metrics."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from monitor.engine.baseline import build_baseline
from monitor.engine.promotion import decide_promotion, scored_performance
from monitor.errors import ConfigError
from monitor.stats import roc_auc

NAN = math.nan


@pytest.mark.parametrize(
    ("candidate", "current", "min_gain", "n_labels", "promote", "reason"),
    [
        # too few labelled records: checked first, whatever the numbers
        pytest.param(0.9, 0.5, 0.0, 499, False, "too few labelled records: 499 < min_labels 500",
                     id="labels-one-short"),
        pytest.param(0.9, 0.5, 0.0, 500, True, "roc_auc 0.9000 >= 0.5000 + 0.0000",
                     id="labels-exactly-enough"),
        # a candidate that cannot be scored never takes the alias
        pytest.param(NAN, 0.5, 0.0, 900, False, "candidate's roc_auc is not computable",
                     id="candidate-nan"),
        # nothing holds the alias yet: the candidate takes it
        pytest.param(0.6, None, 0.05, 900, True, "no version held the alias before",
                     id="no-current"),
        pytest.param(0.6, NAN, 0.0, 900, False, "current version's roc_auc is not computable",
                     id="current-nan"),
        # candidate >= current + min_gain, in pairs around the bar
        pytest.param(0.78, 0.78, 0.0, 900, True, "0.7800 >= 0.7800 + 0.0000", id="equal-gain-0"),
        pytest.param(0.7799, 0.78, 0.0, 900, False, "0.7799 < 0.7800 + 0.0000", id="just-below"),
        pytest.param(0.80, 0.78, 0.02, 900, True, ">= 0.7800 + 0.0200", id="exactly-the-gain"),
        pytest.param(0.7999, 0.78, 0.02, 900, False, "< 0.7800 + 0.0200", id="short-of-gain"),
        pytest.param(0.77, 0.78, -0.01, 900, True, ">= 0.7800 + -0.0100", id="negative-gain"),
    ],
)  # fmt: skip
def test_decide_promotion_follows_its_table(
    candidate: float,
    current: float | None,
    min_gain: float,
    n_labels: int,
    promote: bool,
    reason: str,
) -> None:
    decision = decide_promotion(
        metric="roc_auc",
        candidate=candidate,
        current=current,
        min_gain=min_gain,
        n_labels=n_labels,
        min_labels=500,
    )
    assert decision.promote is promote
    assert reason in decision.reason


def _baseline() -> object:
    rng = np.random.default_rng(3)
    x = rng.normal(size=400)
    y = (rng.random(400) < 1 / (1 + np.exp(-2 * x))).astype(int)
    frame = pd.DataFrame({"x": x, "y": y, "p": 1 / (1 + np.exp(-2 * x))})
    return build_baseline(frame, target="y", prediction="p")


def test_a_versions_score_is_the_engines_roc_auc_of_its_own_predictions() -> None:
    """Class probabilities are read as the positive class's, as the model server does, and
    scored with monitor.stats.roc_auc; the records' own prediction column is ignored."""
    baseline = _baseline()
    rng = np.random.default_rng(4)
    records = pd.DataFrame({"record_id": [f"r{i}" for i in range(300)],
                            "x": rng.normal(size=300), "y": rng.integers(0, 2, 300),
                            "p": 0.5})  # fmt: skip
    positive = rng.random(300)
    proba = np.column_stack([1 - positive, positive])
    result = scored_performance(baseline, records, proba)  # type: ignore[arg-type]
    assert result.n_labelled == 300
    assert result.metrics["roc_auc"] == pytest.approx(roc_auc(records["y"], positive), abs=1e-12)


def test_predictions_that_do_not_match_the_records_are_refused() -> None:
    records = pd.DataFrame({"record_id": ["a", "b"], "x": [0.0, 1.0], "y": [0, 1]})
    with pytest.raises(ValueError, match=r"shape \(3,\) for 2 records"):
        scored_performance(_baseline(), records, np.array([0.1, 0.2, 0.3]))  # type: ignore[arg-type]


def test_a_baseline_without_performance_cannot_be_scored() -> None:
    baseline = build_baseline(pd.DataFrame({"x": np.arange(50.0)}))
    records = pd.DataFrame({"record_id": ["a"], "x": [1.0]})
    with pytest.raises(ConfigError, match="no performance part"):
        scored_performance(baseline, records, np.array([0.5]))
