"""Baseline performance, realised and estimated performance of a window, impact ranking."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from monitor import Baseline, build_baseline, compare, load_baseline, save_baseline
from monitor.engine.baseline_performance import BaselinePerformance, build_performance
from monitor.engine.performance import estimated_performance, realised_performance
from monitor.engine.performance_report import EstimatedPerformance, RealisedPerformance
from monitor.errors import ConfigError

SAMPLE = Path(__file__).resolve().parents[3] / "sample_data"


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "reference.csv")


@pytest.fixture(scope="module")
def baseline(reference: pd.DataFrame) -> Baseline:
    return build_baseline(reference, target="default", prediction="predicted_proba")


def test_baseline_metrics_equal_scikit_learn_on_the_reference(
    baseline: Baseline, reference: pd.DataFrame
) -> None:
    performance = baseline.performance
    assert performance is not None
    assert (performance.task, performance.prediction_kind, performance.classes) == (
        "binary",
        "probability",
        ("0", "1"),
    )
    y, p = reference["default"], reference["predicted_proba"]
    assert performance.metrics["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p), rel=1e-12)
    assert performance.metrics["accuracy"] == pytest.approx(skm.accuracy_score(y, p >= 0.5))
    assert performance.metrics["brier"] == pytest.approx(skm.brier_score_loss(y, p), rel=1e-12)
    assert set(performance.mutual_information) == set(baseline.features) - {"record_id"}


def test_performance_round_trips_through_the_baseline_file(
    baseline: Baseline, tmp_path: Path
) -> None:
    loaded = load_baseline(save_baseline(baseline, tmp_path / "b.driftline"))
    assert loaded.performance is not None
    assert loaded.performance.to_dict() == baseline.performance.to_dict()


def test_a_format_1_baseline_file_still_loads_without_performance(
    baseline: Baseline, tmp_path: Path
) -> None:
    path = save_baseline(baseline, tmp_path / "b.driftline")
    old = tmp_path / "old.driftline"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(old, "w") as target:
        for item in source.namelist():
            data = source.read(item)
            if item == "baseline.json":
                manifest = json.loads(data)
                manifest["format_version"] = 1
                del manifest["performance"]
                data = json.dumps(manifest).encode()
            target.writestr(item, data)
    loaded = load_baseline(old)
    assert loaded.performance is None and loaded.target == "default"


def test_multiclass_labels_and_regression_are_inferred() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=200), "y": rng.choice(["a", "b", "c"], 200)})
    frame["pred"] = np.where(rng.uniform(size=200) < 0.7, frame["y"], "a")
    multiclass = build_performance(frame, "y", "pred", ["x"])
    assert (multiclass.task, multiclass.classes) == ("multiclass", ("a", "b", "c"))
    assert multiclass.metrics["f1"] == pytest.approx(
        skm.f1_score(frame["y"], frame["pred"], average="macro")
    )
    frame["amount"] = rng.lognormal(size=200)
    frame["guess"] = frame["amount"] * 1.1
    regression = build_performance(frame, "amount", "guess", ["x"])
    assert regression.task == "regression"
    assert regression.metrics["mape"] == pytest.approx(0.1)


def test_a_single_class_target_is_refused_naming_it() -> None:
    frame = pd.DataFrame({"y": [1, 1, 1], "p": [0.2, 0.4, 0.9]})
    with pytest.raises(ConfigError, match="target 'y': binary classification needs exactly 2"):
        build_performance(frame, "y", "p", [], task="binary")


def test_realised_performance_joins_labels_by_record_id_and_reports_coverage(
    baseline: Baseline,
) -> None:
    window = pd.read_csv(SAMPLE / "current_no_drift.csv").head(1000)
    labels = {
        rid: int(y) for rid, y in zip(window["record_id"][:30], window["default"][:30], strict=True)
    }
    labels["unknown-id"] = 1  # a label for a record outside the window is ignored
    realised = realised_performance(baseline, window.drop(columns=["default"]), labels)
    assert (realised.n_records, realised.n_labelled) == (1000, 30)
    assert realised.label_coverage == pytest.approx(0.03)
    assert realised.detail == "30 of 1000 records labelled (3.0%)"
    head = window.head(30)
    expected = skm.accuracy_score(head["default"], head["predicted_proba"] >= 0.5)
    assert realised.metrics["accuracy"] == pytest.approx(expected)
    assert RealisedPerformance.from_dict(realised.to_dict()).to_dict() == realised.to_dict()


def test_labels_outside_the_classes_are_counted_and_left_out(baseline: Baseline) -> None:
    window = pd.read_csv(SAMPLE / "current_no_drift.csv").head(10)
    labels = {rid: "maybe" for rid in window["record_id"][:4]}
    realised = realised_performance(baseline, window.drop(columns=["default"]), labels)
    assert (realised.n_labelled, realised.n_unusable_labels) == (0, 4)
    assert "4 label(s) not a baseline class" in realised.detail


@pytest.mark.parametrize(
    "name", ["current_no_drift", "current_income_drift", "current_severe_drift"]
)
def test_cbpe_on_the_sample_data_is_within_its_band_of_the_realised_value(
    baseline: Baseline, name: str
) -> None:
    window = pd.read_csv(SAMPLE / f"{name}.csv")
    realised = realised_performance(baseline, window)
    estimated = estimated_performance(baseline, window.drop(columns=["default"]))
    assert estimated is not None
    for key in ("accuracy", "precision", "recall", "f1", "roc_auc"):
        low, high = estimated.estimate.lower[key], estimated.estimate.upper[key]
        assert low <= realised.metrics[key] <= high, (key, low, realised.metrics[key], high)
    assert EstimatedPerformance.from_dict(estimated.to_dict()).to_dict() == estimated.to_dict()


def test_cbpe_sees_the_accuracy_drop_of_the_severe_drift_before_labels(baseline: Baseline) -> None:
    window = pd.read_csv(SAMPLE / "current_severe_drift.csv").drop(columns=["default"])
    estimated = estimated_performance(baseline, window)
    assert estimated is not None
    assert estimated.estimate.upper["accuracy"] < baseline.performance.metrics["accuracy"] - 0.05


def test_target_drift_is_flagged_on_the_severe_drift_labels(baseline: Baseline) -> None:
    severe = realised_performance(baseline, pd.read_csv(SAMPLE / "current_severe_drift.csv"))
    calm = realised_performance(baseline, pd.read_csv(SAMPLE / "current_no_drift.csv"))
    assert severe.target_drift is not None and severe.target_drift.drifted
    assert calm.target_drift is not None and not calm.target_drift.drifted


def test_report_ranks_tested_features_by_importance_times_effect_size(baseline: Baseline) -> None:
    report = compare(baseline, pd.read_csv(SAMPLE / "current_income_drift.csv"))
    impacts = {c.name: c for c in report.impact}
    assert [c.impact for c in report.impact] == sorted(
        (c.impact for c in report.impact), reverse=True
    )
    income = impacts["income"]
    assert income.source == "mutual_information"
    assert income.impact == pytest.approx(income.importance * income.effect_size)
    assert set(report.drifted_by_impact) == {c for c in report.drifted_columns if c in impacts}
    assert report.to_dict()["impact"][0]["name"] == report.impact[0].name


def test_model_importances_take_precedence_over_mutual_information(reference: pd.DataFrame) -> None:
    baseline = build_baseline(
        reference,
        target="default",
        prediction="predicted_proba",
        feature_importances={"region": 3.0, "income": 1.0},
    )
    report = compare(baseline, pd.read_csv(SAMPLE / "current_severe_drift.csv"))
    region = next(c for c in report.impact if c.name == "region")
    assert (region.source, region.importance, region.importance_rank) == ("model", 0.75, 1)
    age = next(c for c in report.impact if c.name == "age")
    assert age.importance == 0.0


def test_a_baseline_without_performance_has_an_empty_impact_ranking(
    reference: pd.DataFrame,
) -> None:
    report = compare(build_baseline(reference), pd.read_csv(SAMPLE / "current_no_drift.csv"))
    assert report.impact == ()


def test_baseline_performance_from_dict_names_missing_keys() -> None:
    with pytest.raises(ValueError, match=r"missing keys \['task'"):
        BaselinePerformance.from_dict({})
