"""``GET /api/v1/monitors/<name>/performance`` on a real store, through the Flask test
client: two checked windows, labels for some records of the first, the history with
realised vs estimated per window, label coverage, the band and the baseline's metrics."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from monitor import build_baseline
from monitor.engine.windows import Window
from monitor.service.api import create_app
from monitor.service.checks import run_check
from monitor.service.context import MonitorContext
from monitor.service.openapi import document
from monitor.service.performance import refresh_realised
from monitor.store import Store
from tests.ingesting import ingest

SAMPLE = Path(__file__).resolve().parents[3] / "sample_data"
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
N = 200


@pytest.fixture(scope="module")
def context() -> MonitorContext:
    reference = pd.read_csv(SAMPLE / "reference.csv")
    baseline = build_baseline(reference, target="default", prediction="predicted_proba")
    return MonitorContext(name="credit", baseline=baseline, window=HOUR)


def test_the_performance_history_endpoint(store: Store, context: MonitorContext) -> None:
    live = pd.read_csv(SAMPLE / "current_severe_drift.csv").head(2 * N)
    ingest(store, "credit",
        [
            (str(row["record_id"]), T0 + (i // N) * HOUR + dt.timedelta(seconds=i % N),
             {str(k): v for k, v in row.items() if k not in ("record_id", "default")})
            for i, row in enumerate(live.to_dict("records"))
        ],
    )  # fmt: skip
    for hour in range(2):
        run_check(store, context, Window(T0 + hour * HOUR, T0 + (hour + 1) * HOUR))
    labelled = live.head(50)  # 50 of the first window's 200 records
    store.add_labels(
        "credit", list(zip(labelled["record_id"], labelled["default"].tolist(), strict=True))
    )
    refresh_realised(store, context)
    client = create_app(store, {"credit": context}).test_client()

    body = client.get("/api/v1/monitors/credit/performance").get_json()
    assert body["monitor"] == "credit"
    assert set(body["baseline_metrics"]) >= {"accuracy", "f1", "roc_auc"}
    assert body["performance_source"] == "training"  # the fixture's baseline has no validation
    first, second = body["windows"]
    assert (first["window_start"], second["window_start"]) == (
        T0.isoformat(), (T0 + HOUR).isoformat(),
    )  # fmt: skip
    assert first["realised"]["label_coverage"] == 0.25
    assert first["realised"]["n_labelled"] == 50 and first["realised"]["error"] is None
    assert 0.0 <= first["realised"]["metrics"]["accuracy"] <= 1.0
    assert second["realised"]["label_coverage"] == 0.0 and second["realised"]["metrics"] == {}
    estimate = first["estimated"]
    assert estimate["method"] == "cbpe" and estimate["n_records"] == N
    assert (
        estimate["lower"]["accuracy"] <= estimate["metrics"]["accuracy"]
        <= estimate["upper"]["accuracy"]
    )  # fmt: skip

    latest = client.get("/api/v1/monitors/credit/performance?limit=1").get_json()
    assert [w["window_start"] for w in latest["windows"]] == [(T0 + HOUR).isoformat()]
    since = client.get(
        "/api/v1/monitors/credit/performance", query_string={"since": (T0 + HOUR).isoformat()}
    ).get_json()
    assert [w["window_start"] for w in since["windows"]] == [(T0 + HOUR).isoformat()]


def test_bad_queries_and_unknown_monitors_are_clear_errors(
    store: Store, context: MonitorContext
) -> None:
    client = create_app(store, {"credit": context}).test_client()
    empty = client.get("/api/v1/monitors/credit/performance")
    assert empty.status_code == 200
    assert empty.get_json() == {
        "monitor": "credit", "baseline_metrics": {}, "performance_source": None, "windows": [],
    }  # fmt: skip
    unknown = client.get("/api/v1/monitors/nope/performance")
    assert unknown.status_code == 404
    bad = client.get("/api/v1/monitors/credit/performance?limit=0")
    assert bad.status_code == 422
    message = bad.get_json()["error"]["message"]
    assert "query parameter 'limit': expected 1 to 1000, got 0" in message
    when = client.get("/api/v1/monitors/credit/performance?since=yesterday")
    assert when.status_code == 422 and "'since'" in when.get_json()["error"]["message"]


def test_the_openapi_document_describes_the_endpoint() -> None:
    path = document()["paths"]["/api/v1/monitors/{name}/performance"]["get"]
    assert {p["name"] for p in path["parameters"]} == {"name", "since", "limit"}
    schema = path["responses"]["200"]["content"]["application/json"]["schema"]
    window = schema["properties"]["windows"]["items"]["properties"]
    assert "label_coverage" in window["realised"]["properties"]
    assert {"lower", "upper"} <= set(window["estimated"]["properties"])
