"""``GET /metrics`` of ``driftline serve``: what it exports, who may read it, and that it
answers while the database is down; on a real HTTP server, SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
from flask import Flask
from inprocess import NOW, TOKEN, records, serving, write_folder
from prometheus_client.parser import text_string_to_metric_families
from receiver import free_port
from werkzeug.serving import make_server

from monitor import build_baseline
from monitor import config as cfg
from monitor.engine.report import ColumnResult, DriftReport
from monitor.service.api import ApiSettings, create_app
from monitor.service.context import MonitorContext
from monitor.service.metrics import mount_metrics
from monitor.store import Store, upgrade

SCRAPE_TOKEN = "scrape-only-token-123"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    """Every sample of an exposition, keyed by name and labels."""
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def value(
    found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return found[(name, frozenset(labels.items()))]


def test_metrics_export_the_last_check_and_ingest_counts(tmp_path: Path, database_url: str) -> None:
    write_folder(tmp_path, database_url, extra=f"metrics: {{token: {SCRAPE_TOKEN}}}\n")
    with serving(tmp_path, database_url) as served, served.client() as client:
        start = NOW - timedelta(hours=2)
        drifted = [{**r, "income": r["income"] + 40} for r in records(200, start)]
        assert client.post("/api/v1/monitors/credit/records", json=drifted).status_code == 200
        bad = client.post("/api/v1/monitors/credit/records", json=[{"id": "x"}])
        assert bad.status_code == 422
        window = {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
        assert client.post("/api/v1/monitors/credit/checks", json=window).status_code == 200
        scraped = httpx.get(
            f"{served.url}/metrics", headers={"Authorization": f"Bearer {SCRAPE_TOKEN}"}
        )
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = samples(scraped.text)
    assert value(found, "driftline_up") == 1.0
    assert value(found, "driftline_monitor_check_status", monitor="credit", status="drifting") == 1
    assert value(found, "driftline_monitor_check_status", monitor="credit", status="ok") == 0
    assert value(found, "driftline_monitor_drifted_columns", monitor="credit") == 1
    assert value(found, "driftline_monitor_drift_share", monitor="credit") == 0.5
    assert value(found, "driftline_monitor_window_records", monitor="credit") == 200
    end = (start + timedelta(hours=1)).timestamp()
    assert (
        value(found, "driftline_monitor_last_window_end_timestamp_seconds", monitor="credit") == end
    )
    assert value(found, "driftline_column_effect_size", monitor="credit", column="income") > 1
    assert value(found, "driftline_records_ingested_total", monitor="credit") == 200
    assert value(found, "driftline_monitor_records_stored", monitor="credit") == 200
    assert (
        value(found, "driftline_ingest_refused_total", kind="records", code="invalid_record") == 1
    )


def test_metrics_answer_only_the_api_or_scrape_token(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'driftline.db'}"
    write_folder(tmp_path, database_url, extra=f"metrics: {{token: {SCRAPE_TOKEN}}}\n")
    with serving(tmp_path, database_url) as served:

        def status(token: str | None) -> int:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return httpx.get(f"{served.url}/metrics", headers=headers).status_code

        assert (status(None), status("wrong"), status(TOKEN), status(SCRAPE_TOKEN)) == (
            401,
            401,
            200,
            200,
        )
        # the scrape token is for /metrics only
        refused = httpx.get(
            f"{served.url}/api/v1/monitors", headers={"Authorization": f"Bearer {SCRAPE_TOKEN}"}
        )
        assert refused.status_code == 401


def _config(names: list[str]) -> cfg.Config:
    monitors = [
        {"name": n, "baseline": "b", "schedule": {"interval": "1h"}, "window": "1h"} for n in names
    ]
    return cfg.Config.model_validate({"monitors": monitors})


def _baseline_context(name: str) -> MonitorContext:
    rng = np.random.default_rng(0)
    baseline = build_baseline(pd.DataFrame({"income": rng.normal(size=50)}))
    return MonitorContext(name, baseline, window=timedelta(hours=1))


@contextmanager
def _http(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_a_scrape_while_the_database_is_down_answers_200_with_up_0() -> None:
    """Nothing listens on the port: every store call fails, the scrape does not."""
    store = Store(f"postgresql+psycopg://driftline@127.0.0.1:{free_port()}/none")
    config = cfg.Config.model_validate(
        {
            "monitors": [
                {"name": "credit", "baseline": "b", "schedule": {"interval": "1h"}, "window": "1h"}
            ]
        }
    )
    contexts = {"credit": _baseline_context("credit")}
    app = create_app(store, contexts, ApiSettings())
    mount_metrics(app, store, lambda: config, contexts)
    with _http(app) as url:
        scraped = httpx.get(f"{url}/metrics", timeout=30)
    store.close()
    assert scraped.status_code == 200
    found = samples(scraped.text)
    assert value(found, "driftline_up") == 0.0
    assert value(found, "driftline_monitors") == 1.0


MAX_SERIES = 1_500
"""The bound stated in docs/operations.md for 50 monitors of 200 columns (measured: 1 153):
13 series per checked monitor plus its top-k (10) columns, whatever the number of columns;
one series per column would be 10 000."""


def _report(n_columns: int, seed: int) -> DriftReport:
    rng = np.random.default_rng(seed)
    columns = tuple(
        ColumnResult(
            name=f"feature_{i:03d}",
            kind="numeric",
            role="feature",
            status="tested",
            method="ks",
            statistic=float(rng.uniform()),
            p_value=float(rng.uniform()),
            effect_method="wasserstein_norm",
            effect_size=float(rng.uniform()),
            drifted=bool(i % 7 == 0),
            n_reference=100,
            n_current=100,
        )
        for i in range(n_columns)
    )
    return DriftReport(100, 100, columns, (), 0.05, 0.1, 0.1, 0.5, "bh")


def test_fifty_monitors_of_two_hundred_columns_stay_under_the_series_bound(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'big.db'}"
    upgrade(url)
    store = Store(url)
    names = [f"monitor_{i:02d}" for i in range(50)]
    end = datetime(2026, 3, 1, tzinfo=UTC)
    for index, name in enumerate(names):
        store.upsert_monitor(name, {})
        for hours in (2, 1):  # two checked windows each: only the last is exported
            store.save_check(
                name,
                end - timedelta(hours=hours),
                end - timedelta(hours=hours - 1),
                _report(200, index * 10 + hours),
                started_at=end,
                finished_at=end + timedelta(seconds=3),
            )
    config = _config(names)
    contexts = {n: _baseline_context(n) for n in names}
    app = create_app(store, contexts, ApiSettings())
    mount_metrics(app, store, lambda: config, contexts)
    with _http(app) as base:
        scraped = httpx.get(f"{base}/metrics", timeout=30)
    store.close()
    found = samples(scraped.text)
    assert value(found, "driftline_up") == 1.0
    effect = [key for key in found if key[0] == "driftline_column_effect_size"]
    assert len(effect) == 50 * 10
    assert len(found) < MAX_SERIES, len(found)
