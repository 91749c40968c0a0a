"""The Prometheus rules and the Grafana dashboard against a real Prometheus scraping a
real ``driftline serve``: every PromQL expression in ``deploy/`` must return data.

Debian's ``/usr/bin/prometheus`` (``make`` installs it beside chromium) runs on 127.0.0.1
with a temporary storage folder and a 1 s scrape interval, scraping ``/metrics`` with the
scrape token. The test waits until Prometheus has scraped a few times (polling its API),
then sends each expression to ``/api/v1/query``. Grafana variables are given the values a
user picking "All" gets (``$monitor`` is ``.+``, ``$__rate_interval`` one minute), and an
alerting rule's comparison is asked with ``bool`` so it returns every series it compares
(0 or 1) instead of only those that fire now.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
import yaml
from receiver import free_port
from servelive import live_serve

from monitor import build_baseline, save_baseline

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "deploy" / "prometheus" / "rules.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "driftline.json"
PROMETHEUS = Path("/usr/bin/prometheus")
PROMTOOL = Path("/usr/bin/promtool")
TOKEN = "api-token-for-prometheus"
SCRAPE_TOKEN = "scrape-token-for-prometheus"
GRAFANA_VARIABLES = {"$monitor": ".+", "$__rate_interval": "1m", "$__interval": "15s"}
WAIT_S = 60.0


def rule_expressions() -> list[tuple[str, str]]:
    """(rule name, expression) of every rule; alerting comparisons asked with ``bool``."""
    out = []
    for group in yaml.safe_load(RULES.read_text())["groups"]:
        for rule in group["rules"]:
            name = rule.get("alert") or rule["record"]
            expr = with_bool(rule["expr"]) if "alert" in rule else rule["expr"]
            out.append((name, expr))
    return out


def dashboard_expressions() -> list[tuple[str, str]]:
    """(panel title, expression) of every query in the dashboard, variables filled in."""
    dashboard = json.loads(DASHBOARD.read_text())
    out = []
    for variable in dashboard["templating"]["list"]:
        query = variable.get("query")
        if isinstance(query, dict):
            found = re.fullmatch(r"label_values\((.+),\s*\w+\)", query["query"])
            assert found, f"variable {variable['name']}: expected label_values(metric, label)"
            out.append((f"variable {variable['name']}", found.group(1)))
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for name, value in GRAFANA_VARIABLES.items():
                expr = expr.replace(name, value)
            assert "$" not in expr, f"{panel['title']}: unknown variable in {expr}"
            out.append((panel["title"], expr))
    return out


def with_bool(expr: str) -> str:
    """``a > 3`` -> ``a > bool 3``, outside label matchers and brackets."""
    out, depth, i = [], 0, 0
    while i < len(expr):
        char = expr[i]
        depth += char in "{[" and 1 or (char in "}]" and -1 or 0)
        operator = next(
            (op for op in ("==", "!=", ">=", "<=", ">", "<") if expr.startswith(op, i)), None
        )
        if (
            depth == 0
            and operator is not None
            and not expr[i + len(operator) :].lstrip().startswith("bool")
        ):
            out.append(f"{operator} bool")
            i += len(operator)
            continue
        out.append(char)
        i += 1
    return "".join(out)


def test_with_bool_leaves_label_matchers_alone() -> None:
    assert with_bool('a{x="y"} == 1') == 'a{x="y"} == bool 1'
    assert with_bool("rate(b[5m]) > 0.1") == "rate(b[5m]) > bool 0.1"


@pytest.mark.skipif(not PROMTOOL.exists(), reason="/usr/bin/promtool is missing (make installs it)")
def test_promtool_accepts_the_rules() -> None:
    checked = subprocess.run(
        [str(PROMTOOL), "check", "rules", str(RULES)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout


def _folder(folder: Path, hook_port: int) -> None:
    rng = np.random.default_rng(3)
    n = 400
    reference = pd.DataFrame(
        {
            "income": rng.normal(50, 10, n),
            "region": rng.choice(["north", "south"], n),
            "default": rng.integers(0, 2, n),
        }
    )
    reference["predicted_proba"] = np.clip(
        reference["default"] * 0.6 + rng.uniform(0, 0.4, n), 0, 1
    )
    baseline = build_baseline(reference, target="default", prediction="predicted_proba")
    save_baseline(baseline, folder / "credit.driftline")
    (folder / "driftline.yaml").write_text(
        f"database_url: 'sqlite:///{folder / 'driftline.db'}'\n"
        f"api: {{token: {TOKEN}}}\n"
        f"metrics: {{token: {SCRAPE_TOKEN}}}\n"
        "monitors:\n"
        "  - name: credit\n"
        "    baseline: credit.driftline\n"
        "    schedule: {interval: 1h}\n"
        "    window: 1h\n"
        "    min_rows: 5\n"
        "    target: default\n"
        "    prediction: predicted_proba\n"
        "    alerts:\n"
        "      channels:\n"
        f"        ops: {{kind: webhook, url: 'http://127.0.0.1:{hook_port}/hook',"
        " secret: 'whsec_cHJvbWV0aGV1cy10ZXN0LXdlYmhvb2stc2VjcmV0ISE=', timeout: 1}\n"
        "      rules:\n"
        "        - {name: drift, kind: dataset_drift, share: 0.3}\n"
    )


def _feed(base: str) -> None:
    """Drifted records with labels in the last complete hour, a refused batch, a check."""
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    rng = np.random.default_rng(5)
    records = [
        {
            "id": f"r{i}",
            "timestamp": (start + timedelta(seconds=10 * i)).isoformat(),
            "income": float(rng.normal(90, 10)),
            "region": "north",
            "predicted_proba": float(rng.uniform()),
        }
        for i in range(200)
    ]
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        assert client.post("/api/v1/monitors/credit/records", json=records).status_code == 200
        labels = [{"id": f"r{i}", "label": i % 2} for i in range(0, 200, 2)]
        assert client.post("/api/v1/monitors/credit/labels", json=labels).status_code == 200
        assert client.post("/api/v1/monitors/credit/records", json=[{"x": 1}]).status_code == 422
        window = {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
        checked = client.post("/api/v1/monitors/credit/checks", json=window)
        assert checked.status_code == 200, checked.text


@contextmanager
def _prometheus(folder: Path, target: str) -> Iterator[str]:
    port = free_port()
    (folder / "prometheus.yml").write_text(
        yaml.safe_dump(
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(RULES)],
                "scrape_configs": [
                    {
                        "job_name": "driftline",
                        "authorization": {"type": "Bearer", "credentials": SCRAPE_TOKEN},
                        "static_configs": [{"targets": [target]}],
                    }
                ],
            }
        )
    )
    log = (folder / "prometheus.log").open("w")
    process = subprocess.Popen(
        [
            str(PROMETHEUS),
            f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={folder / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _query(prometheus: str, expr: str) -> list[Any]:
    answer = httpx.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=10)
    body = answer.json()
    assert answer.status_code == 200 and body["status"] == "success", (expr, body)
    result = body["data"]["result"]
    return result if isinstance(result, list) else [result]


def _wait_for_scrapes(prometheus: str, folder: Path, count: int = 2) -> None:
    """Until Prometheus holds ``count`` scrapes taken after the check (what ``rate`` and
    ``delta`` need), from a serve whose database answered."""
    deadline = time.monotonic() + WAIT_S
    scrapes = 'count_over_time(driftline_monitor_check_status{status="drifting"}[1m])'
    while True:
        try:
            found = _query(prometheus, scrapes)
            up = _query(prometheus, "driftline_up")
            if found and float(found[0]["value"][1]) >= count and float(up[0]["value"][1]) == 1:
                return
        except (httpx.TransportError, ValueError):
            pass
        assert time.monotonic() < deadline, (folder / "prometheus.log").read_text()[-3000:]
        time.sleep(0.25)


@pytest.mark.skipif(
    not PROMETHEUS.exists(), reason="/usr/bin/prometheus is missing (make installs it)"
)
def test_every_dashboard_and_rule_expression_returns_data(tmp_path: Path) -> None:
    _folder(tmp_path, free_port())
    port = free_port()
    # Prometheus starts first (its scrapes fail until serve answers): both start together
    with _prometheus(tmp_path, f"127.0.0.1:{port}") as prometheus:
        with live_serve(tmp_path, port=port) as (base, _log):
            _feed(base)
            _wait_for_scrapes(prometheus, tmp_path)
            empty = [
                f"{where}: {expr}"
                for where, expr in [*dashboard_expressions(), *rule_expressions()]
                if not _query(prometheus, expr)
            ]
            rules = httpx.get(f"{prometheus}/api/v1/rules", timeout=10).json()
    assert empty == []
    health = {r["name"]: r["health"] for g in rules["data"]["groups"] for r in g["rules"]}
    assert len(health) == len(rule_expressions())
    assert set(health.values()) <= {"ok", "unknown"}, health
