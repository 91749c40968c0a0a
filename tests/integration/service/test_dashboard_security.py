"""The dashboard and the service's edges against an attacker (issue 14, defects 6 and 8):
a token protects the dashboard, logins are throttled, logout ends a session for good,
cookies are Secure behind https, no static folder, only allowed Host names, and an MLflow
webhook delivery cannot be replayed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from flask import Flask
from inprocess import TOKEN, Served, serving, write_folder

from dashboards.auth import MAX_FAILURES
from monitor.mlflow.webhook import WEBHOOK_PATH, add_webhook_route, sign
from monitor.store import Store, upgrade


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    """serve with a token and no dashboard password, started in a folder that holds a
    ``static/`` folder with a file in it."""
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "private.txt").write_text("not for the web")
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'driftline.db'}"
    write_folder(tmp_path, url)
    with serving(tmp_path, url) as app:
        yield app


def _login(client: httpx.Client, password: str) -> httpx.Response:
    return client.post("/dashboard/login", data={"password": password, "next": "/dashboard/"})


def test_d6_with_a_token_set_the_dashboard_needs_it(served: Served) -> None:
    with httpx.Client(base_url=served.url) as client:
        update = client.post("/dashboard/_dash-update-component", json={"output": "x"})
        layout = client.get("/dashboard/_dash-layout")
        page = client.get("/dashboard/")
        assert (update.status_code, layout.status_code, page.status_code) == (401, 401, 302)
        assert _login(client, "wrong").status_code == 200
        assert _login(client, TOKEN).status_code == 302
        assert client.get("/dashboard/_dash-layout").status_code == 200


def test_d8_wrong_passwords_are_throttled(served: Served) -> None:
    with httpx.Client(base_url=served.url) as client:
        answers = [_login(client, f"guess-{i}").status_code for i in range(MAX_FAILURES + 1)]
        right = _login(client, TOKEN)
    assert answers == [200] * MAX_FAILURES + [429]
    assert right.status_code == 429 and int(right.headers["Retry-After"]) >= 1


def test_d8_logout_is_a_post_and_ends_the_session_even_for_a_copied_cookie(
    served: Served,
) -> None:
    with httpx.Client(base_url=served.url) as client:
        assert _login(client, TOKEN).status_code == 302
        copied = dict(client.cookies)
        client.get("/dashboard/logout")  # a link or an <img> cannot log anyone out
        assert client.get("/dashboard/_dash-layout").status_code == 200
        assert client.post("/dashboard/logout").status_code == 303
    with httpx.Client(base_url=served.url, cookies=copied) as replayed:
        assert replayed.get("/dashboard/_dash-layout").status_code == 401


def test_d8_the_session_cookie_is_secure_on_https_or_when_configured(served: Served) -> None:
    over_https = served.service.app.test_client()
    response = over_https.post(
        "/dashboard/login",
        data={"password": TOKEN},
        base_url="https://localhost",
    )
    assert "Secure" in response.headers["Set-Cookie"]
    with httpx.Client(base_url=served.url) as plain:
        assert "Secure" not in _login(plain, TOKEN).headers["set-cookie"]


def test_d8_secure_cookies_can_be_forced_for_a_tls_proxy(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'driftline.db'}"
    write_folder(tmp_path, url, extra="dashboard: {secure_cookies: true}\n")
    with serving(tmp_path, url) as app, httpx.Client(base_url=app.url) as client:
        assert "Secure" in _login(client, TOKEN).headers["set-cookie"]


def test_d8_no_static_folder_of_the_working_directory_is_served(served: Served) -> None:
    with httpx.Client(base_url=served.url) as client:
        response = client.get("/static/private.txt")
    assert response.status_code == 404
    assert "not for the web" not in response.text


def test_d8_only_allowed_host_names_are_served(served: Served) -> None:
    port = served.url.rsplit(":", 1)[1]
    with httpx.Client(base_url=served.url) as client:
        rebound = client.get("/api/health", headers={"Host": f"attacker.example:{port}"})
        local = client.get("/api/health", headers={"Host": f"localhost:{port}"})
        page = client.get("/dashboard/login", headers={"Host": "attacker.example"})
    assert rebound.status_code == 421 and "api.allowed_hosts" in rebound.text
    assert local.status_code == 200
    assert page.status_code == 421


def test_d8_cr_lf_in_the_login_next_never_reaches_a_header(served: Served) -> None:
    with httpx.Client(base_url=served.url) as client:
        form = client.get("/dashboard/login", params={"next": "/dashboard/\r\nSet-Cookie: x=1"})
        login = client.post(
            "/dashboard/login",
            data={"password": TOKEN, "next": "/dashboard/\r\nSet-Cookie: x=1"},
        )
    assert form.status_code == 200 and "Set-Cookie" not in form.text
    assert login.status_code == 302
    assert login.headers["location"] == "/dashboard/"
    assert "x" not in {cookie for cookie in login.cookies}


def test_d8_a_replayed_mlflow_webhook_delivery_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    upgrade(url)
    store = Store(url)
    app = Flask("webhook-test")
    secret = "s3cret-webhook-key-0123456789"
    add_webhook_route(app, secret=secret, followers={}, store=store)
    body = json.dumps({"entity": "model_version_alias", "action": "created", "data": {"name": "m"}})
    stamp = str(int(time.time()))
    headers = {
        "X-MLflow-Delivery-Id": "delivery-1",
        "X-MLflow-Timestamp": stamp,
        "X-MLflow-Signature": sign(secret, "delivery-1", stamp, body),
        "Content-Type": "application/json",
    }
    client = app.test_client()
    try:
        first = client.post(WEBHOOK_PATH, data=body, headers=headers)
        replay = client.post(WEBHOOK_PATH, data=body, headers=headers)
    finally:
        store.close()
    assert first.status_code == 200
    assert replay.status_code == 409
    assert "replay" in replay.get_json()["error"]["message"]
