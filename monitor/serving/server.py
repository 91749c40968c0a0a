"""The model server's HTTP app: MLflow's scoring protocol plus version, health and logging.

Routes (``create_model_app``):

``POST /invocations``
    MLflow's request formats (``dataframe_split``, ``dataframe_records``, ``instances``,
    ``inputs`` as JSON, or ``text/csv``) answered with ``{"predictions": [...]}`` like
    ``mlflow models serve``. The version that answered is in ``X-Driftline-Model-Version``;
    the generated record ids, one per row and comma-separated, in ``X-Driftline-Record-Id``
    (post labels for them later). A bad request gets MLflow's error JSON
    ``{"error_code": "BAD_REQUEST", "message": ...}``.
``GET /ping``
    200 once a model is loaded (it is before the server listens).
``GET /version``
    The model name, the alias, the version serving now and its training run.
``GET /health``
    The model status (swaps, the last version that failed to load and why) and the
    prediction log's counters (buffered, sent, dropped, rejected). ``status`` is ``ok``, or
    ``degraded`` while a new version failed to load or Driftline cannot be reached; the
    HTTP status stays 200 because predictions are still answered.
``GET /metrics``
    Prometheus metrics (:mod:`monitor.serving.metrics`): requests, latency, the version
    serving, the prediction log's queue depth and drops.
``POST /api/mlflow/webhook``
    MLflow's signed webhook (only with a secret): an alias change of this model wakes the
    alias check at once (:mod:`monitor.mlflow.webhook` verifies the signature).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Any, Final

from flask import Flask, Response, jsonify, request

from monitor.mlflow.follow import ModelRef
from monitor.mlflow.pyfunc import (
    InvocationError,
    ServedModel,
    parse_request,
    predict,
    predictions_json,
)
from monitor.mlflow.webhook import WEBHOOK_PATH, verify_signature
from monitor.serving.metrics import mount_model_metrics
from monitor.serving.prediction_log import PredictionLog
from monitor.serving.prediction_records import prediction_records
from monitor.serving.swap import LiveModel

__all__ = ["MODEL_VERSION_HEADER", "RECORD_ID_HEADER", "create_model_app"]

_log = logging.getLogger(__name__)

RECORD_ID_HEADER: Final = "X-Driftline-Record-Id"
MODEL_VERSION_HEADER: Final = "X-Driftline-Model-Version"


def _mlflow_error(message: str, status: int) -> Response:
    code = "BAD_REQUEST" if status == 400 else "UNSUPPORTED_MEDIA_TYPE"
    body = json.dumps({"error_code": code, "message": message})
    return Response(body, status=status, mimetype="application/json")


def create_model_app(
    live: LiveModel[ServedModel],
    ref: ModelRef,
    log: PredictionLog | None = None,
    *,
    webhook_secret: str | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    metrics_tokens: Collection[str] = (),
) -> Flask:
    """The app serving ``live`` (following ``ref``); records go to ``log`` when given.
    ``/metrics`` answers a bearer token among ``metrics_tokens`` (open when empty)."""
    app = Flask("driftline-serve-model")
    mount_model_metrics(app, live, ref, log, metrics_tokens)
    unlogged = [0]
    unlogged_lock = threading.Lock()

    @app.post("/invocations")
    def invocations() -> Response:
        served = live.current  # this request's version, whatever swaps meanwhile
        try:
            data = parse_request(served, request.get_data(), request.content_type or "")
            raw = predict(served, data)
        except InvocationError as exc:
            return _mlflow_error(str(exc), exc.status)
        response = Response(predictions_json(raw), mimetype="application/json")
        response.headers[MODEL_VERSION_HEADER] = served.version
        if log is not None:
            try:
                records = prediction_records(
                    data,
                    raw,
                    version=served.version,
                    scored_at=now(),
                    baseline=served.baseline,
                    input_names=_input_names(served),
                )
            except (ValueError, TypeError) as exc:
                with unlogged_lock:
                    unlogged[0] += 1
                _log.warning("prediction not logged: %s", exc)
            else:
                log.add(records)
                response.headers[RECORD_ID_HEADER] = ",".join(r["id"] for r in records)
        return response

    @app.get("/ping")
    def ping() -> Response:
        return Response("\n", status=200, mimetype="application/json")

    @app.get("/version")
    def version() -> Response:
        served = live.current
        return jsonify(
            {
                "model": served.name,
                "alias": ref.alias,
                "model_uri": ref.uri,
                "version": served.version,
                "run_id": served.run_id,
            }
        )

    @app.get("/health")
    def health() -> Response:
        status = live.status
        out: dict[str, Any] = {
            "model": {
                "model_uri": ref.uri,
                "version": status.version,
                "loaded_at": status.loaded_at_s,
                "swaps": status.swaps,
                "last_refresh_at": status.last_refresh_at_s,
                "last_failure": status.last_failure.to_dict() if status.last_failure else None,
            },
            "prediction_log": None,
        }
        degraded = status.last_failure is not None
        if log is not None:
            stats = log.stats
            with unlogged_lock:
                out["prediction_log"] = {**stats.to_dict(), "unloggable": unlogged[0]}
            degraded = degraded or not stats.is_connected
        out["status"] = "degraded" if degraded else "ok"
        return jsonify(out)

    if webhook_secret is not None:
        _add_webhook(app, live, ref, webhook_secret)
    return app


def _input_names(served: ServedModel) -> list[str]:
    schema = served.input_schema
    if schema is None or not schema.has_input_names():
        return []
    return [str(name) for name in schema.input_names()]


def _add_webhook(app: Flask, live: LiveModel[ServedModel], ref: ModelRef, secret: str) -> None:
    @app.post(WEBHOOK_PATH)
    def mlflow_webhook() -> tuple[Response, int]:
        body = request.get_data(as_text=True)
        refused = verify_signature(
            secret,
            delivery_id=request.headers.get("X-MLflow-Delivery-Id", ""),
            timestamp=request.headers.get("X-MLflow-Timestamp", ""),
            body=body,
            signature=request.headers.get("X-MLflow-Signature", ""),
        )
        if refused is not None:
            _log.warning("MLflow webhook delivery refused: %s", refused)
            return jsonify({"error": {"code": "bad_signature", "message": refused}}), 401
        try:
            payload = json.loads(body)
            event = f"{payload['entity']}.{payload['action']}"
            data = payload["data"]
            name = str(data["name"])
        except (ValueError, KeyError, TypeError) as exc:
            message = f"expected MLflow's webhook JSON with entity, action and data.name: {exc}"
            return jsonify({"error": {"code": "bad_request", "message": message}}), 400
        alias = data.get("alias") if event.startswith("model_version_alias") else None
        concerned = name == ref.name and (alias is None or alias == ref.alias)
        if concerned:
            live.wake()
        return jsonify({"event": event, "model": name, "refreshing": concerned}), 200
