"""The pure parts of the MLflow link: model URIs, signatures, importances, metrics, config."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitor import compare
from monitor.config import load_config
from monitor.engine.importances import feature_importances
from monitor.errors import ConfigError
from monitor.mlflow.follow import ModelRef, parse_model_uri
from monitor.mlflow.webhook import sign, verify_signature
from monitor.mlflow.writeback import check_metrics, drift_status, payload_of
from monitor.store import CheckDetail, CheckSummary


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        pytest.param("models:/credit@production", ModelRef("credit", "production"), id="alias"),
        pytest.param("models:/credit/3", ModelRef("credit", None, "3"), id="version"),
    ],
)
def test_model_uri_parses(uri: str, expected: ModelRef) -> None:
    assert parse_model_uri(uri) == expected
    assert parse_model_uri(uri).uri == uri


def test_bad_model_uri_names_the_expected_forms() -> None:
    with pytest.raises(ConfigError, match=r"models:/<name>@<alias>"):
        parse_model_uri("models:/credit")


def test_signature_verifies_and_rejects_tampering() -> None:
    body = '{"entity": "model_version_alias"}'
    good = sign("secret-secret-secret", "d", "1000", body)
    kwargs = {"delivery_id": "d", "timestamp": "1000", "now_s": 1010.0}
    assert verify_signature("secret-secret-secret", body=body, signature=good, **kwargs) is None
    tampered = verify_signature("secret-secret-secret", body=body + " ", signature=good, **kwargs)
    assert tampered is not None and "does not match" in tampered
    missing = verify_signature("secret-secret-secret", body=body, signature="", **kwargs)
    assert missing is not None and "missing" in missing


def test_importances_of_a_pipeline_are_summed_onto_raw_columns() -> None:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"income": rng.normal(size=300), "region": rng.choice(["n", "s"], 300)})
    target = (frame["income"] > 0).astype(int)
    features = ColumnTransformer(
        [("num", "passthrough", ["income"]), ("cat", OneHotEncoder(), ["region"])]
    )
    model = Pipeline(
        [("f", features), ("m", RandomForestClassifier(n_estimators=5, random_state=0))]
    )
    model.fit(frame, target)
    found = feature_importances(model, ["income", "region"])
    assert found is not None and set(found) == {"income", "region"}
    assert sum(found.values()) == pytest.approx(1.0) and found["income"] > found["region"]


def test_model_without_importances_gives_none() -> None:
    assert feature_importances(object(), ["income"]) is None


def test_check_metrics_cover_drift_effect_sizes_p_values_and_quality() -> None:
    rng = np.random.default_rng(1)
    reference = pd.DataFrame({"income": rng.normal(0, 1, 500), "age": rng.normal(0, 1, 500)})
    current = pd.DataFrame({"income": rng.normal(2, 1, 500), "age": rng.normal(0, 1, 500)})
    report = compare(reference, current)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    summary = CheckSummary(
        1, "m", at, at, "drifting", "", report.share_drifted, report.dataset_drift, 500,
        "credit", "1", "r", at, at,
    )  # fmt: skip
    detail = CheckDetail(summary, report.columns, report.quality, report.to_dict())
    metrics = check_metrics(detail)
    assert metrics["share_drifted"] == pytest.approx(0.5)
    assert metrics["drifted/income"] == 1.0 and metrics["drifted/age"] == 0.0
    assert {"effect_size/income", "p_value/income", "quality/errors"} <= set(metrics)
    assert drift_status(detail) == "drifting"


def _detail(status: str) -> CheckDetail:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    summary = CheckSummary(
        7, "m", at, at, status, "", None, None, None, "credit", "2", "r", at, at,
    )  # fmt: skip
    return CheckDetail(summary, (), (), None)


@pytest.mark.parametrize(
    ("status", "alerting", "expected"),
    [
        pytest.param("ok", False, "ok", id="ok"),
        pytest.param("drifting", False, "drifting", id="drifting"),
        pytest.param("ok", True, "alerting", id="ok-while-an-alert-fires"),
        pytest.param("drifting", True, "alerting", id="drifting-while-an-alert-fires"),
        pytest.param("failed", True, None, id="failed-check-leaves-the-tag"),
        pytest.param("no_data", False, None, id="empty-window-leaves-the-tag"),
    ],
)
def test_drift_status_is_alerting_while_an_alert_fires(
    status: str, alerting: bool, expected: str | None
) -> None:
    assert drift_status(_detail(status), alerting=alerting) == expected


def test_payload_carries_whether_the_window_metrics_are_still_to_send() -> None:
    fresh = payload_of(_detail("ok"))
    sent = payload_of(_detail("drifting"), alerting=True, send_metrics=False)
    assert fresh is not None and sent is not None
    assert (fresh.send_metrics, fresh.drift_status) == (True, "ok")
    assert (sent.send_metrics, sent.drift_status, sent.model_version) == (False, "alerting", "2")


def test_mlflow_config_section_validates_the_webhook(tmp_path: Path) -> None:
    path = tmp_path / "driftline.yaml"
    path.write_text(
        "mlflow:\n  tracking_uri: http://127.0.0.1:5000\n"
        "  webhook: {url: 'http://127.0.0.1:8050/api/mlflow/webhook', secret: short}\n"
    )
    with pytest.raises(ConfigError, match=r"mlflow\.webhook\.secret") as error:
        load_config(path, {})
    assert "short" not in str(error.value)
    path.write_text(
        "mlflow:\n  webhook: {url: 'http://127.0.0.1:8050/api/mlflow/webhook', "
        "secret: '${SECRET}'}\n  writeback_interval: 10s\n"
    )
    config = load_config(path, {"SECRET": "x" * 20})
    assert config.mlflow.webhook is not None
    assert config.mlflow.webhook.secret.get_secret_value() == "x" * 20
    assert config.mlflow.writeback_interval.total_seconds() == 10
