"""Multivariate drift by a domain classifier: its AUC test against scipy and scikit-learn,
the joint sample in the baseline file, the insufficient-data reasons, and the report, JSON,
table and command line."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu
from sklearn.metrics import roc_auc_score

from monitor.cli.main import main
from monitor.engine.baseline import FORMAT_VERSION, build_baseline
from monitor.engine.baseline_file import load_baseline, save_baseline
from monitor.engine.compare import compare
from monitor.engine.multivariate import MultivariateOptions, auc_test, domain_classifier
from monitor.engine.report import DriftReport, MultivariateResult
from monitor.errors import ConfigError
from tests.unit.engine._correlated import pairs as _pairs


@pytest.mark.parametrize(
    "scores",
    [
        pytest.param(np.random.default_rng(1).normal(size=300), id="continuous"),
        pytest.param(np.random.default_rng(2).integers(0, 5, 300).astype(float), id="ties"),
    ],
)
def test_auc_test_equals_scikit_learn_and_scipy(scores: np.ndarray) -> None:
    """AUC = roc_auc_score; p = mannwhitneyu(asymptotic, greater, continuity) on the scores."""
    labels = np.random.default_rng(3).random(300) < 0.4
    scores = scores + 0.3 * labels
    auc, p_value = auc_test(scores, labels)
    assert auc == pytest.approx(roc_auc_score(labels, scores), rel=1e-12)
    expected = mannwhitneyu(
        scores[labels], scores[~labels], alternative="greater", method="asymptotic"
    ).pvalue
    assert p_value == pytest.approx(expected, rel=1e-9)


def test_lost_correlation_is_multivariate_drift_with_no_column_flagged() -> None:
    rng = np.random.default_rng(0)
    report = compare(_pairs(rng, 3_000, 0.9), _pairs(rng, 3_000, 0.0))
    joint = report.multivariate
    assert joint is not None and joint.status == "tested" and joint.drifted
    assert joint.statistic is not None and joint.statistic > 0.8
    assert joint.effect_size == pytest.approx(joint.statistic - 0.5)
    assert joint.p_value is not None and joint.p_value < 1e-10
    assert set(joint.top_columns[:4]) == {"a", "b", "c", "d"}
    assert "noise" not in joint.top_columns[:4] and "region" not in joint.top_columns[:4]
    assert report.drifted_columns == []
    status, reason = report.verdict()
    assert status == "drifting" and "joint distribution drifted" in reason


def test_no_change_is_not_multivariate_drift() -> None:
    rng = np.random.default_rng(1)
    joint = compare(_pairs(rng, 3_000, 0.9), _pairs(rng, 3_000, 0.9)).multivariate
    assert joint is not None and joint.status == "tested" and not joint.drifted
    assert joint.statistic is not None and abs(joint.statistic - 0.5) < 0.05


def test_a_significant_joint_shift_below_the_threshold_is_watch() -> None:
    """A 0.05-sd shift of all five numeric columns at n = 20 000: AUC about 0.53, p tiny."""
    rng = np.random.default_rng(2)
    reference, current = _pairs(rng, 20_000, 0.0), _pairs(rng, 20_000, 0.0)
    current[["a", "b", "c", "d", "noise"]] += 0.05
    joint = domain_classifier(build_baseline(reference), current)
    assert joint.p_value is not None and joint.p_value < 0.05
    assert joint.effect_size is not None and joint.effect_size < 0.05
    assert (joint.verdict, joint.drifted) == ("watch", False)
    assert domain_classifier(
        build_baseline(reference), current, options=MultivariateOptions(threshold=0.0)
    ).drifted


def test_the_baseline_keeps_a_joint_sample_of_up_to_k_whole_rows(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    frame = _pairs(rng, 500, 0.9).assign(record_no=np.arange(500), label=rng.random(500))
    frame.loc[3, "region"] = None
    baseline = build_baseline(frame, target="label", joint_sample_size=200)
    joint = baseline.joint_sample
    assert joint is not None and len(joint) == 200
    assert list(joint.columns) == ["a", "b", "c", "d", "noise", "region"]  # features only
    rows = frame.set_index("a").loc[joint["a"]]
    assert np.array_equal(rows["b"].to_numpy(), joint["b"].to_numpy())  # whole rows
    loaded = load_baseline(save_baseline(baseline, tmp_path / "b.driftline"))
    assert loaded.format_version == FORMAT_VERSION == 3
    assert loaded.joint_sample is not None
    pd.testing.assert_frame_equal(loaded.joint_sample, joint, check_dtype=False)


def test_an_older_baseline_file_loads_and_says_to_rebuild(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    old = replace(build_baseline(_pairs(rng, 300, 0.9)), format_version=2, joint_sample=None)
    loaded = load_baseline(save_baseline(old, tmp_path / "old.driftline"))
    joint = compare(loaded, _pairs(rng, 300, 0.9)).multivariate
    assert joint is not None and joint.status == "insufficient_data" and not joint.drifted
    assert "format 2" in joint.reason and "rebuild" in joint.reason


@pytest.mark.parametrize(
    ("columns", "rows", "needle"),
    [
        pytest.param(["a"], 300, "needs at least 2", id="one-column"),
        pytest.param(["a", "b"], 30, "at least 50 on each side", id="thirty-rows"),
    ],
)
def test_too_few_columns_or_rows_is_insufficient_data(
    columns: list[str], rows: int, needle: str
) -> None:
    rng = np.random.default_rng(5)
    baseline = build_baseline(_pairs(rng, 300, 0.9)[columns])
    joint = compare(baseline, _pairs(rng, rows, 0.9)[columns]).multivariate
    assert joint is not None and joint.status == "insufficient_data" and needle in joint.reason
    assert joint.verdict is None and not joint.drifted


def test_off_skips_it() -> None:
    rng = np.random.default_rng(6)
    joint = compare(
        _pairs(rng, 300, 0.9), _pairs(rng, 300, 0.0), multivariate=MultivariateOptions("off")
    ).multivariate
    assert joint is not None and joint.status == "off" and not joint.drifted


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"threshold": 0.6}, id="threshold-above-half"),
        pytest.param({"method": "lda"}, id="unknown-method"),
        pytest.param({"folds": 1}, id="one-fold"),
        pytest.param({"method": "pca", "threshold": -0.1}, id="pca-threshold-negative"),
        pytest.param({"method": "pca", "threshold": float("inf")}, id="pca-threshold-inf"),
        pytest.param({"explained_variance": 1.0}, id="explained-variance-one"),
    ],
)
def test_options_are_validated_by_name(bad: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match="multivariate"):
        MultivariateOptions(**bad)  # type: ignore[arg-type]


def test_the_report_round_trips_its_multivariate_part() -> None:
    rng = np.random.default_rng(7)
    report = compare(_pairs(rng, 1_000, 0.9), _pairs(rng, 1_000, 0.0))
    data = json.loads(json.dumps(report.to_dict()))
    again = DriftReport.from_dict(data)
    assert again.multivariate == report.multivariate
    assert MultivariateResult.from_dict(data["multivariate"]) == report.multivariate


def test_cli_json_and_table_show_it_and_exit_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(8)
    _pairs(rng, 2_000, 0.9).to_csv(tmp_path / "reference.csv", index=False)
    _pairs(rng, 2_000, 0.0).to_csv(tmp_path / "current.csv", index=False)
    args = ["check", "--reference", str(tmp_path / "reference.csv")]
    args += ["--current", str(tmp_path / "current.csv")]
    assert main([*args, "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    joint = out["multivariate"]
    assert {"drifted", "method", "statistic", "p_value", "effect_size", "threshold",
            "top_columns"} <= set(joint)  # fmt: skip
    assert joint["drifted"] is True and joint["method"] == "classifier"
    assert joint["threshold"] == 0.05 and out["drifted_columns"] == []
    assert main(args) == 1
    table = capsys.readouterr().out
    assert "multivariate (classifier): DRIFT: AUC" in table
    assert main([*args, "--multivariate", "off"]) == 0
    capsys.readouterr()
    assert main([*args, "--multivariate-threshold", "0.7"]) == 2
    assert "threshold must be in [0, 0.5]" in capsys.readouterr().err
