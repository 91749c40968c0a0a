"""Secret canaries (issue 14, defect 3): every kind of secret configured as a unique string,
deliveries that succeed, fail for good and are retried against receivers on 127.0.0.1 that
echo what they were sent (an HTTP receiver, an SMTP server that wants the password); no
canary, nor a form of it a request carries (base64 of basic auth, the webhook key), may
appear in a log line, an API response, a dashboard page as Chromium renders it (and every
callback answer behind it), a stored row of any table or the scheduler's job-store pickles.
On SQLite and PostgreSQL (with a role and password made for the test)."""

from __future__ import annotations

import base64
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
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
from playwright.sync_api import Response, expect, sync_playwright
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
        "slack_gone_path",
        "smtp_password",
        "jenkins_token",
        "jenkins_api_token",
        "github_token",
        "gitlab_token",
        "database_password",
        "session_secret",
        "dashboard_password",
    )
}
# the webhook secret's key part is base64: a canary that is base64 itself
_WEBHOOK_KEY = f"canary{RUN}webhook-secret-bytes"
CANARIES["webhook_secret"] = base64.b64encode(_WEBHOOK_KEY.encode()).decode()
SMTP_USER = "driftline"
JENKINS_USER = "bot"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# What a request carries in place of a secret: decoding it gives the secret back.
ENCODED = {
    "webhook key": _WEBHOOK_KEY,
    "jenkins basic auth": _b64(f"{JENKINS_USER}:{CANARIES['jenkins_api_token']}"),
    "smtp AUTH PLAIN": _b64(f"\0{SMTP_USER}\0{CANARIES['smtp_password']}"),
    "smtp AUTH LOGIN": _b64(CANARIES["smtp_password"]),
}
HOUR = timedelta(hours=1)
START = datetime(2026, 3, 2, 10, tzinfo=UTC)
CHROMIUM = Path("/usr/bin/chromium")
FAILS_BEFORE_SUCCESS = 2
"""Each HTTP path answers 503 this many times before 200 (paths under /gone: 410 always)."""

DELIVERED = {
    ("credit", "ops"),  # webhook, signed with the webhook secret
    ("credit", "team"),  # Slack, the URL is the secret
    ("credit", "oncall"),  # e-mail, SMTP AUTH with the password
    ("credit", "retrain"),  # Jenkins: ?token= and basic auth with the API token
    ("github", "retrain"),  # Bearer token
    ("gitlab", "retrain"),  # token form field
}
FAILED = {("credit", "gone")}  # Slack answers 410 for a removed webhook: failed at once
DASHBOARD_PAGES = (
    ("/dashboard/", "#overview-monitors"),
    ("/dashboard/monitor/credit", "#monitor-columns-table"),
    ("/dashboard/column/credit/income", "#column-method"),
    ("/dashboard/alerts?monitor=credit", "#alerts-deliveries-table"),
    ("/dashboard/alerts?monitor=github", "#alerts-triggers-table"),
    ("/dashboard/alerts?monitor=gitlab", "#alerts-triggers-table"),
)


@contextmanager
def echoing_receiver() -> Iterator[tuple[str, list[str]]]:
    """An HTTP receiver that answers each request with the request (path, query, the
    Authorization header, all headers, body) echoed back: 410 under ``/gone``, else 503
    for the first ``FAILS_BEFORE_SUCCESS`` requests of a path, then 200."""
    seen: list[str] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            # credentials first: only the first 200 characters of an answer are recorded
            credentials = self.headers.get("authorization")
            echo = f"{self.path} {credentials} {dict(self.headers)} {body.decode(errors='replace')}"
            with lock:
                count = sum(1 for s in seen if s.split(" ", 1)[0] == self.path)
                seen.append(echo)
            if self.path.startswith("/gone/"):
                status = 410
            else:
                status = 503 if count < FAILS_BEFORE_SUCCESS else 200
            data = echo.encode()
            self.send_response(status)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
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
        gone: {{kind: slack, url: "{hooks}/gone/services/T0/{c["slack_gone_path"]}"}}
        oncall: {{kind: email, host: 127.0.0.1, port: {smtp_port}, from: d@example.org,
                  to: [o@example.org], username: {SMTP_USER}, password: {c["smtp_password"]}}}
      rules:
        - {{name: drift, kind: dataset_drift, share: 0.3, for: 1, retrain: true}}
      retrain: {{kind: jenkins, url: "{hooks}/jenkins", job: retrain, token: {c["jenkins_token"]},
                username: {JENKINS_USER}, api_token: {c["jenkins_api_token"]}}}
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
    """An hour of the severely drifted sample (6 of its columns drifted): the dataset drift
    rule (share 0.3) fires on its window."""
    frame = pd.read_csv(SAMPLE / "current_severe_drift.csv").drop(columns=["record_id"]).head(300)
    rows: list[dict[str, Any]] = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [
        {**row, "id": f"c{i}", "timestamp": (START + i * HOUR / 300).isoformat()}
        for i, row in enumerate(rows)
    ]


def _wait(done: Callable[[], bool], what: Callable[[], str], timeout: float = 180) -> None:
    """Poll ``done`` until it holds; past ``timeout`` fail with ``what()`` (the state seen)."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting: {what()}"
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


def _dashboard_texts(base: str) -> list[str]:
    """Every dashboard page as Chromium renders it after logging in through the form, and
    the body of every answer the browser received from the server on the way."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium")
    texts: list[str] = []
    answers: list[Response] = []
    read = 0

    def read_answers() -> None:
        # before the next navigation: Chromium forgets the bodies of a page left behind
        nonlocal read
        for answer in answers[read:]:
            if answer.ok:
                texts.append(answer.body().decode(errors="replace"))
        read = len(answers)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(60_000)
            page.on("response", lambda answer: answers.append(answer))
            page.goto(f"{base}/dashboard/login")
            texts.append(page.content())
            read_answers()
            page.fill("#password", CANARIES["dashboard_password"])
            page.click("#login")
            expect(page.locator("#overview-monitors")).to_be_visible(timeout=60_000)
            page.wait_for_load_state("networkidle")
            read_answers()
            for path, ready in DASHBOARD_PAGES:
                page.goto(base + path)
                expect(page.locator(ready)).to_be_visible(timeout=60_000)
                page.wait_for_load_state("networkidle")
                if path == "/dashboard/alerts?monitor=credit":
                    deliveries = page.locator("#alerts-deliveries-table")
                    # the errors recorded for the failed attempts are on the page
                    expect(deliveries).to_contain_text("HTTP 410")
                    expect(deliveries).to_contain_text("HTTP 503")
                texts.append(page.content())
                read_answers()
        finally:
            browser.close()
    callbacks = [a for a in answers if "_dash-update-component" in a.url and a.ok]
    assert callbacks, "the dashboard answered no callback"
    return texts


@pytest.mark.parametrize("kind", KINDS)
def test_no_canary_leaks_anywhere(tmp_path: Path, kind: str) -> None:
    seen: list[str] = []
    with (
        canary_database(kind, tmp_path) as url,
        echoing_receiver() as (hooks, echoed),
        running_smtp((SMTP_USER, CANARIES["smtp_password"]), fail_first=1) as (smtp, mail),
    ):
        prepare_folder(tmp_path, "{}")
        (tmp_path / "driftline.yaml").write_text(_config(url, hooks, smtp))
        with live_serve(tmp_path) as (base, log):
            headers = {"Authorization": f"Bearer {CANARIES['api_token']}"}
            with httpx.Client(base_url=base, headers=headers, timeout=30) as api:
                ingested = api.post("/api/v1/monitors/credit/records", json=_records())
                assert ingested.status_code == 200, ingested.text
                seen.append(ingested.text)
                for name in ("github", "gitlab"):
                    response = api.post(
                        f"/api/v1/monitors/{name}/retrain", json={"reason": "canary test"}
                    )
                    assert response.status_code == 202, response.text
                    seen.append(response.text)

                found: list[dict[str, Any]] = []

                def settled() -> bool:
                    found[:] = [
                        delivery
                        for name in ("credit", "github", "gitlab")
                        for delivery in api.get(f"/api/v1/monitors/{name}/deliveries").json()[
                            "deliveries"
                        ]
                    ]
                    status = {(d["monitor"], d["channel"]): d["status"] for d in found}
                    return (
                        all(status.get(key) == "delivered" for key in DELIVERED)
                        and all(status.get(key) == "failed" for key in FAILED)
                        and len(mail) >= 1
                    )

                def state() -> str:
                    return (
                        repr(
                            [
                                (d["monitor"], d["channel"], d["status"], len(d["attempts"]))
                                for d in found
                            ]
                        )
                        + f"; mail received: {len(mail)}; serve log tail:\n"
                        + log.read_text()[-3000:]
                    )

                _wait(settled, state)
                # every delivered one failed first (503, or SMTP 451) and was retried
                for delivery in found:
                    key = (delivery["monitor"], delivery["channel"])
                    attempts = delivery["attempts"]
                    if key in DELIVERED:
                        assert len(attempts) >= 2 and attempts[0]["error"], (key, attempts)
                        assert attempts[-1]["ok"], (key, attempts)
                    elif key in FAILED:
                        assert attempts[-1]["status_code"] == 410, (key, attempts)
                paths = {
                    "/api/health",
                    "/api/openapi.json",
                    "/api/v1/monitors",
                    "/api/v1/monitors/credit/checks",
                    "/api/v1/monitors/credit/performance",
                    *(f"/api/v1/monitors/{n}" for n in ("credit", "github", "gitlab")),
                    *(
                        f"/api/v1/monitors/{n}/{what}"
                        for n in ("credit", "github", "gitlab")
                        for what in ("deliveries", "alerts", "retrain", "silences")
                    ),
                    *(f"/api/v1/deliveries/{d['id']}" for d in found),
                }
                checks = api.get("/api/v1/monitors/credit/checks").json()
                paths |= {f"/api/v1/checks/{c['id']}" for c in checks["checks"]}
                for path in sorted(paths):
                    response = api.get(path)
                    assert response.status_code == 200, (path, response.text)
                    seen.append(response.text)
            seen += _dashboard_texts(base)
            seen.append(log.read_text())
        logged = log.read_text()  # the shutdown lines too
        stored = _stored_text(url)
        seen += [logged, stored]
    # what was searched holds what could leak: the failed delivery's echoed error in the
    # log, the scheduler's pickled jobs in the stored rows
    assert "(credit, gone) failed: HTTP 410" in logged
    assert "check:credit" in stored
    assert mail, "the SMTP server received no mail"
    assert any(e.startswith("/gone/") for e in echoed), "the failing channel was never tried"
    everything = "\n".join(seen)
    secrets = {**CANARIES, **ENCODED}
    leaked = {name: value for name, value in secrets.items() if value in everything}
    assert leaked == {}, {
        name: everything[max(0, everything.find(v) - 300) : everything.find(v) + 100]
        for name, v in leaked.items()
    }
