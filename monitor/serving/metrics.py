"""``GET /metrics`` of ``driftline serve-model``: Prometheus' text exposition format.

Everything here belongs to this one process, so plain in-process metrics are the truth:

``driftline_model_requests_total{code}``
    ``/invocations`` requests by HTTP status.
``driftline_model_request_seconds``
    A histogram of ``/invocations`` latency (scoring and building the log records).
``driftline_model_info{model, alias, version}``
    1 for the version answering now (one series; a swap replaces it), with
    ``driftline_model_swaps_total`` and ``driftline_model_load_failing`` (1 while the
    newest version failed to load and the previous one still answers).
``driftline_prediction_log_queue_depth`` / ``_capacity``
    Records waiting to be sent to Driftline, and the bound of that buffer.
``driftline_prediction_log_{sent,dropped,rejected}_total``
    Records delivered, dropped because the buffer was full, and refused by Driftline.
``driftline_prediction_log_connected``
    0 while Driftline cannot be reached.

The route answers ``api.token`` (or ``$DRIFTLINE_API_TOKEN``) and ``metrics.token`` as
``Authorization: Bearer <token>``; with none configured it is open, like the scoring routes.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Collection, Iterator
from typing import Any, Final

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from monitor.mlflow.follow import ModelRef
from monitor.serving.prediction_log import PredictionLog
from monitor.serving.swap import LiveModel

__all__ = ["LATENCY_BUCKETS_S", "METRICS_PATH", "mount_model_metrics"]

METRICS_PATH: Final = "/metrics"
_CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS_S: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_SCORING_ENDPOINT: Final = "invocations"


class _ModelCollector(Collector):
    def __init__(self, live: LiveModel[Any], ref: ModelRef, log: PredictionLog | None) -> None:
        self.live, self.ref, self.log = live, ref, log

    def collect(self) -> Iterator[Metric]:
        status = self.live.status
        info = GaugeMetricFamily(
            "driftline_model_info",
            "The model version answering requests now (value 1)",
            labels=["model", "alias", "version"],
        )
        info.add_metric([self.ref.name, self.ref.alias or "", status.version], 1.0)
        yield info
        swaps = CounterMetricFamily(
            "driftline_model_swaps", "Times a new version took over from the previous one"
        )
        swaps.add_metric([], float(status.swaps))
        yield swaps
        failing = GaugeMetricFamily(
            "driftline_model_load_failing",
            "1 while the newest version failed to load (the previous one still answers)",
        )
        failing.add_metric([], 0.0 if status.last_failure is None else 1.0)
        yield failing
        if self.log is None:
            return
        stats = self.log.stats
        for name, doc, value in (
            ("queue_depth", "Prediction records waiting to be sent", stats.buffered),
            ("capacity", "The bound of the prediction log's buffer", self.log.max_buffered),
            ("connected", "0 while Driftline cannot be reached", int(stats.is_connected)),
        ):
            gauge = GaugeMetricFamily(f"driftline_prediction_log_{name}", doc)
            gauge.add_metric([], float(value))
            yield gauge
        for name, doc, value in (
            ("sent", "Prediction records Driftline stored", stats.sent),
            ("dropped", "Prediction records dropped: the buffer was full", stats.dropped),
            ("rejected", "Prediction records Driftline refused (4xx)", stats.rejected),
        ):
            counter = CounterMetricFamily(f"driftline_prediction_log_{name}", doc)
            counter.add_metric([], float(value))
            yield counter


def _authorised(tokens: Collection[str]) -> bool:
    header = request.headers.get("Authorization", "")
    given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    return any(hmac.compare_digest(given.encode(), token.encode()) for token in tokens)


def mount_model_metrics(
    app: Flask,
    live: LiveModel[Any],
    ref: ModelRef,
    log: PredictionLog | None,
    tokens: Collection[str] = (),
) -> CollectorRegistry:
    """Add ``GET /metrics`` and the request metrics to the model ``app``; returns the app's
    own registry (never the global one)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ModelCollector(live, ref, log))
    requests = Counter(
        "driftline_model_requests", "Scoring requests by HTTP status", ["code"], registry=registry
    )
    latency = Histogram(
        "driftline_model_request_seconds",
        "Scoring request latency",
        buckets=LATENCY_BUCKETS_S,
        registry=registry,
    )
    allowed = [token for token in tokens if token]

    @app.before_request
    def _start_clock() -> None:
        if request.endpoint == _SCORING_ENDPOINT:
            g.driftline_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.pop("driftline_started", None)
        if started is not None:
            latency.observe(time.perf_counter() - started)
            requests.labels(str(response.status_code)).inc()
        return response

    @app.get(METRICS_PATH)
    def metrics() -> Response:
        if allowed and not _authorised(allowed):
            return Response(
                '{"error_code": "UNAUTHENTICATED", "message": '
                "\"send 'Authorization: Bearer <token>' (api.token or metrics.token)\"}",
                status=401,
                mimetype="application/json",
            )
        return Response(generate_latest(registry), content_type=_CONTENT_TYPE)

    return registry
