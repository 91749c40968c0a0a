"""The model server answers like `mlflow.pyfunc` for every MLflow request format, follows the
alias by webhook, and keeps serving when a promoted version fails to load."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import mlflow.pyfunc
import pandas as pd
import pytest
from conftest import Models
from serve_model_helpers import feature_rows, running, split_body

from monitor.mlflow.follow import parse_model_uri
from monitor.mlflow.pyfunc import ServedModel, load_version
from monitor.mlflow.tracking import MlflowRegistry
from monitor.mlflow.webhook import WEBHOOK_PATH, sign
from monitor.serving.server import MODEL_VERSION_HEADER, create_model_app
from monitor.serving.swap import LiveModel

SECRET = "a-webhook-secret-of-32-characters"
REF = parse_model_uri("models:/credit@production")


@pytest.fixture
def live(models: Models) -> Iterator[LiveModel[ServedModel]]:
    registry = MlflowRegistry(models.uri)
    model = LiveModel(
        lambda: registry.resolve(REF).version,
        lambda version: load_version(registry, "credit", version),
        poll_interval_s=60,  # only the webhook or refresh() moves it in these tests
    )
    model.start()
    yield model
    model.stop()


def _bodies(frame: pd.DataFrame) -> dict[str, tuple[str, Any]]:
    records = json.loads(frame.to_json(orient="records"))
    return {
        "dataframe_split": ("application/json", json.dumps(split_body(frame))),
        "dataframe_records": ("application/json", json.dumps({"dataframe_records": records})),
        "instances": ("application/json", json.dumps({"instances": records})),
        "inputs": ("application/json", json.dumps({"inputs": frame.to_dict(orient="list")})),
        "csv": ("text/csv", frame.to_csv(index=False)),
    }


@pytest.mark.parametrize(
    "form", ["dataframe_split", "dataframe_records", "instances", "inputs", "csv"]
)
def test_predictions_match_pyfunc_called_directly(
    live: LiveModel[ServedModel], models: Models, form: str
) -> None:
    frame = feature_rows(20)
    expected = mlflow.pyfunc.load_model("models:/credit/1").predict(frame)
    content_type, body = _bodies(frame)[form]
    with running(create_model_app(live, REF)) as base:
        response = httpx.post(
            f"{base}/invocations", content=body, headers={"Content-Type": content_type}
        )
    assert response.status_code == 200, response.text
    assert response.json() == {"predictions": expected.tolist()}
    assert response.headers[MODEL_VERSION_HEADER] == "1"


def test_a_bad_request_gets_mlflows_error_json(live: LiveModel[ServedModel]) -> None:
    with running(create_model_app(live, REF)) as base:
        wrong_key = httpx.post(f"{base}/invocations", json={"rows": []})
        wrong_type = httpx.post(
            f"{base}/invocations", content="x", headers={"Content-Type": "text/plain"}
        )
        missing_column = httpx.post(
            f"{base}/invocations", json=split_body(feature_rows(1).drop(columns=["income"]))
        )
    assert wrong_key.status_code == 400 and wrong_key.json()["error_code"] == "BAD_REQUEST"
    assert "dataframe_split" in wrong_key.json()["message"]
    assert wrong_type.status_code == 415
    assert missing_column.status_code == 400 and "income" in missing_column.json()["message"]


def test_version_and_ping_name_the_serving_version(live: LiveModel[ServedModel]) -> None:
    with running(create_model_app(live, REF)) as base:
        assert httpx.get(f"{base}/ping").status_code == 200
        version = httpx.get(f"{base}/version").json()
    assert (version["model"], version["alias"], version["version"]) == ("credit", "production", "1")


def _delivery(body: str) -> dict[str, str]:
    delivery, timestamp = str(uuid.uuid4()), str(int(time.time()))
    return {
        "Content-Type": "application/json",
        "X-MLflow-Delivery-Id": delivery,
        "X-MLflow-Timestamp": timestamp,
        "X-MLflow-Signature": sign(SECRET, delivery, timestamp, body),
    }


def test_a_signed_webhook_swaps_in_the_promoted_version_at_once(
    live: LiveModel[ServedModel], models: Models
) -> None:
    body = json.dumps(
        {
            "entity": "model_version_alias",
            "action": "created",
            "data": {"name": "credit", "alias": "production", "version": "2"},
        }
    )
    with running(create_model_app(live, REF, webhook_secret=SECRET)) as base:
        models.promote("2")
        forged = httpx.post(f"{base}{WEBHOOK_PATH}", content=body, headers={
            **_delivery(body), "X-MLflow-Signature": "v1,forged"})  # fmt: skip
        assert forged.status_code == 401
        time.sleep(0.3)
        assert live.current.version == "1"  # polling is 60 s: only the webhook moves it
        answer = httpx.post(f"{base}{WEBHOOK_PATH}", content=body, headers=_delivery(body))
        assert answer.status_code == 200 and answer.json()["refreshing"] is True
        deadline = time.monotonic() + 20
        while live.current.version != "2":
            assert time.monotonic() < deadline, "the webhook did not swap version 2 in"
            time.sleep(0.05)
        response = httpx.post(f"{base}/invocations", json=split_body(feature_rows(1)))
    assert response.headers[MODEL_VERSION_HEADER] == "2"


def test_a_version_that_fails_to_load_is_not_swapped_in_and_health_says_why(
    live: LiveModel[ServedModel], models: Models
) -> None:
    models.promote("3")
    assert live.refresh() is False
    with running(create_model_app(live, REF)) as base:
        health = httpx.get(f"{base}/health").json()
        response = httpx.post(f"{base}/invocations", json=split_body(feature_rows(2)))
    assert response.status_code == 200 and response.headers[MODEL_VERSION_HEADER] == "1"
    assert health["status"] == "degraded" and health["model"]["version"] == "1"
    failure = health["model"]["last_failure"]
    assert failure["version"] == "3" and "artifacts are broken" in failure["message"]
