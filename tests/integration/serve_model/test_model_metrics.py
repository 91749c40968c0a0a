"""``GET /metrics`` of the model server: requests, latency, the version serving and the
prediction log's queue depth and drops while Driftline is unreachable; on waitress."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from conftest import Models
from prometheus_client.parser import text_string_to_metric_families
from serve_model_helpers import feature_rows, free_port, running, split_body

from monitor.client import Client
from monitor.mlflow.follow import parse_model_uri
from monitor.mlflow.pyfunc import ServedModel, load_version
from monitor.mlflow.tracking import MlflowRegistry
from monitor.serving.prediction_log import PredictionLog
from monitor.serving.server import create_model_app
from monitor.serving.swap import LiveModel

REF = parse_model_uri("models:/credit@production")
TOKEN = "model-metrics-token"


@pytest.fixture
def live(models: Models) -> Iterator[LiveModel[ServedModel]]:
    registry = MlflowRegistry(models.uri)
    model = LiveModel(
        lambda: registry.resolve(REF).version,
        lambda version: load_version(registry, "credit", version),
        poll_interval_s=60,
    )
    model.start()
    yield model
    model.stop()


def test_metrics_count_requests_and_the_prediction_logs_drops(
    live: LiveModel[ServedModel],
) -> None:
    """Driftline is a closed port: the log keeps 3 records and drops the rest."""
    client = Client(f"http://127.0.0.1:{free_port()}", max_retries=0, timeout_s=1)
    log = PredictionLog(
        lambda batch: client.log_records("credit", batch),
        max_buffered=3,
        backoff_s=5,
        max_backoff_s=5,
    )
    log.start()
    try:
        with running(create_model_app(live, REF, log, metrics_tokens=[TOKEN])) as base:
            for _ in range(2):
                scored = httpx.post(f"{base}/invocations", json=split_body(feature_rows(4)))
                assert scored.status_code == 200, scored.text
            assert httpx.post(f"{base}/invocations", json={"rows": []}).status_code == 400
            deadline = time.monotonic() + 10
            while log.stats.is_connected:  # the sender's first attempt has failed
                assert time.monotonic() < deadline
                time.sleep(0.05)
            refused = httpx.get(f"{base}/metrics")
            scraped = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    finally:
        log.close(timeout_s=0.1)
        client.close()
    assert refused.status_code == 401
    assert scraped.status_code == 200
    found = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(scraped.text)
        for s in family.samples
    }
    assert found[("driftline_model_requests_total", (("code", "200"),))] == 2
    assert found[("driftline_model_requests_total", (("code", "400"),))] == 1
    assert found[("driftline_model_request_seconds_count", ())] == 3
    info = (("alias", "production"), ("model", "credit"), ("version", "1"))
    assert found[("driftline_model_info", info)] == 1
    assert found[("driftline_prediction_log_queue_depth", ())] == 3
    assert found[("driftline_prediction_log_capacity", ())] == 3
    assert found[("driftline_prediction_log_dropped_total", ())] == 5
    assert found[("driftline_prediction_log_connected", ())] == 0
