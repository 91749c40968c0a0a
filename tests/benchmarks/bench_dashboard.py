"""Benchmark: dashboard server time on a year of hourly checks.

Seeds a SQLite store with 5 monitors x 8 760 hourly checks x 50 columns (2.19 million
column results, each check with a stored report of realistic size) using bulk inserts, then
times the server side of each page exactly as the browser asks for it: Dash's
``_dash-update-component`` requests for the page layout and the page's data callback,
through Flask's test client (no network, no browser). Targets: the overview and a monitor
page each under 1 s. Run with ``make bench``.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from dashboards import DashboardSettings, mount_dashboard
from monitor.service.api import create_app
from monitor.store import Store, upgrade

MONITORS = 5
CHECKS = 365 * 24
COLUMNS = 50
BINS = 10
TARGET_S = 1.0
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
REPEATS = 5


def _stamp(value: dt.datetime) -> str:
    """SQLAlchemy's SQLite storage of an aware UTC datetime (UTC wall time, microseconds)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _report_json(columns: list[str], rng: np.random.Generator) -> str:
    """A stored report of the size a real 50-column check writes (histograms included)."""
    body: dict[str, Any] = {}
    for name in columns:
        counts = rng.integers(0, 500, BINS).tolist()
        body[name] = {
            "kind": "numeric",
            "role": "feature",
            "status": "tested",
            "method": "cvm",
            "statistic": 0.5,
            "p_value": 0.01,
            "p_value_adjusted": 0.02,
            "effect_method": "wasserstein",
            "effect_size": 0.12,
            "psi": 0.03,
            "alpha": 0.05,
            "delta": 0.1,
            "drifted": True,
            "n_reference": 20000,
            "n_current": 5000,
            "detail": "",
            "histogram": {
                "labels": [f"bin {i}" for i in range(BINS)],
                "reference": counts,
                "current": counts,
                "edges": [float(i) for i in range(BINS - 1)],
            },
        }
    return json.dumps(
        {
            "format_version": 1,
            "n_reference": 20000,
            "n_current": 5000,
            "drift_share": 0.5,
            "columns": body,
            "quality": [],
        },
        separators=(",", ":"),
    )


def seed(path: Path) -> float:
    url = f"sqlite:///{path}"
    upgrade(url)
    store = Store(url)
    for m in range(MONITORS):
        store.upsert_monitor(f"model-{m}", {"baseline": f"models:/model-{m}@production"})
    store.close()
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    columns = [f"feature_{c:02d}" for c in range(COLUMNS)]
    report = _report_json(columns, rng)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    check_id = 0
    for m in range(MONITORS):
        monitor_id = connection.execute(
            "SELECT id FROM monitors WHERE name = ?", (f"model-{m}",)
        ).fetchone()[0]
        checks, results = [], []
        drift_from = CHECKS - 24 * (10 + 5 * m)
        for h in range(CHECKS):
            check_id += 1
            start = START + dt.timedelta(hours=h)
            drifting = h >= drift_from
            effects = rng.gamma(2.0, 0.02, COLUMNS) + (0.15 if drifting else 0.0) * (
                np.arange(COLUMNS) < 20
            )
            drifted = effects >= 0.1
            share = float(drifted.mean())
            version = "1" if h < CHECKS // 2 else "2"
            checks.append(
                (
                    check_id,
                    monitor_id,
                    _stamp(start),
                    _stamp(start + dt.timedelta(hours=1)),
                    "drifting" if share >= 0.5 else "ok",
                    f"{int(drifted.sum())} of 50 drifted",
                    _stamp(start),
                    _stamp(start),
                    f"model-{m}",
                    version,
                    None,
                    20000,
                    5000,
                    share,
                    share >= 0.5,
                    report,
                )
            )
            results.extend(
                (
                    check_id,
                    columns[c],
                    "numeric",
                    "feature",
                    "tested",
                    "cvm",
                    0.5,
                    0.01,
                    0.02,
                    "wasserstein",
                    float(effects[c]),
                    0.01,
                    0.05,
                    0.1,
                    bool(drifted[c]),
                    20000,
                    5000,
                    "",
                )
                for c in range(COLUMNS)
            )
        connection.executemany(
            "INSERT INTO checks (id, monitor_id, window_start_at, window_end_at, status, reason,"
            " started_at, finished_at, model_name, model_version, run_id, n_reference,"
            " n_current, share_drifted, dataset_drift, report_json)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            checks,
        )
        connection.executemany(
            'INSERT INTO column_results (check_id, "column", kind, role, status, method,'
            " statistic, p_value, p_value_adjusted, effect_method, effect_size, psi, alpha,"
            " delta, drifted, n_reference, n_current, detail)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            results,
        )
        connection.commit()
    connection.execute("ANALYZE")
    connection.close()
    return time.perf_counter() - started


def _payload(dependency: dict[str, Any], values: dict[str, Any], changed: str) -> dict[str, Any]:
    output = dependency["output"]
    parts = output.strip(".").split("...") if output.startswith("..") else [output]
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]} for part in parts]

    def filled(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**item, "value": values.get(f"{item['id']}.{item['property']}")} for item in items]

    return {
        "output": output,
        "outputs": outputs if output.startswith("..") else outputs[0],
        "inputs": filled(dependency["inputs"]),
        "state": filled(dependency.get("state", [])),
        "changedPropIds": [changed],
    }


def _time(client: Any, payload: dict[str, Any]) -> list[float]:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        response = client.post("/dashboard/_dash-update-component", json=payload)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"callback failed: {response.status_code} {response.text[:500]}")
    return times


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        seed_s = seed(path)
        store = Store(f"sqlite:///{path}")
        points = store.check_history("model-0", limit=1, newest_first=True)
        assert points[0].window_start_at == START + dt.timedelta(hours=CHECKS - 1), points[0]
        server = create_app(store, {})
        mount_dashboard(server, store, DashboardSettings(refresh_s=0))
        client = server.test_client()
        client.get("/dashboard/")
        dependencies = client.get("/dashboard/_dash-dependencies").get_json()

        def dependency(output_part: str) -> dict[str, Any]:
            return next(d for d in dependencies if output_part in d["output"])

        size_mb = path.stat().st_size / 1e6
        print(f"dashboard benchmark ({platform.python_version()}, {platform.machine()}):")
        print(
            f"  seeded {MONITORS} monitors x {CHECKS} hourly checks x {COLUMNS} columns = "
            f"{MONITORS * CHECKS * COLUMNS:,} column results in {seed_s:.1f} s ({size_mb:,.0f} MB)"
        )
        router = dependency("_pages_content.children")
        cases = [
            (
                "overview page layout",
                router,
                {"_pages_location.pathname": "/dashboard/", "_pages_location.search": ""},
                "_pages_location.pathname",
            ),
            (
                "overview data",
                dependency("overview-table.children"),
                {"overview-params.data": {}},
                "overview-params.data",
            ),
        ]
        for key in ("7d", "30d", "1y"):
            cases.append(
                (
                    f"monitor page data, range {key}",
                    dependency("monitor-summary.children"),
                    {"monitor-params.data": {"monitor": "model-0", "range": key, "window": None}},
                    "monitor-params.data",
                )
            )
        cases.append(
            (
                "column page data, range 1y",
                dependency("column-summary.children"),
                {
                    "column-params.data": {
                        "monitor": "model-0",
                        "column": "feature_03",
                        "range": "1y",
                        "window": None,
                    }
                },
                "column-params.data",
            )
        )
        failed = False
        for name, dep, values, changed in cases:
            times = _time(client, _payload(dep, values, changed))
            median = statistics.median(times)
            verdict = "ok" if median < TARGET_S else "OVER TARGET"
            if median >= TARGET_S and (name.startswith("overview") or "7d" in name):
                failed = True
            print(
                f"  {name:<32} median {median * 1000:7.0f} ms  first {times[0] * 1000:7.0f} ms"
                f"  max {max(times) * 1000:7.0f} ms  [{verdict}, target < {TARGET_S:.0f} s]"
            )
        store.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
