"""Scoped tokens and the audit trail on the whole ``driftline serve`` app (issue 18): the
route → scope table covers every route of the OpenAPI document; an ``ingest`` token sends
records and labels and nothing else; a ``read`` token reads and changes nothing; every
state change leaves an audit entry naming its actor (SQLite and PostgreSQL), and no token
reaches the trail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from inprocess import NOW, TOKEN, Served, records, serving, write_folder

from monitor.cli.main import main
from monitor.service.access import ROUTE_SCOPES, cli_actor, route_key
from monitor.store import Store, create_if_empty

INGEST = "ingest-token-0123456789"
READ = "read-token-0123456789ab"
ADMIN = "admin-token-0123456789a"
TOKENS = (
    "tokens: ["
    f"{{name: model-server, token: {INGEST}, scopes: [ingest]}}, "
    f"{{name: grafana, token: {READ}, scopes: [read]}}, "
    f"{{name: ops, token: {ADMIN}, scopes: [admin]}}]"
)
START = NOW - timedelta(hours=2)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    url = f"sqlite:///{tmp_path / 'driftline.db'}"
    write_folder(tmp_path, url, api=TOKENS)
    with serving(tmp_path, url) as app:
        yield app


def _operations(app: Served) -> list[tuple[str, str]]:
    """(METHOD, path) of every operation the OpenAPI document lists behind a token, the
    records route first (labels name its records)."""
    document = httpx.get(f"{app.url}/api/openapi.json").json()
    found = [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if operation.get("security") != []
    ]
    return sorted(found, key=lambda op: not op[1].endswith("/records"))


def _call(client: httpx.Client, method: str, path: str) -> httpx.Response:
    url = path.replace("{name}", "credit").replace("{id}", "1")
    if path.endswith("/records"):
        return client.request(method, url, json=records(5, START))
    if path.endswith("/labels"):
        return client.request(method, url, json=[{"id": "r0", "label": 1}])
    return client.request(method, url, json={})


def test_every_route_of_the_openapi_document_and_of_the_app_has_a_scope(served: Served) -> None:
    """A route missing from the table would silently need admin: the table names all."""
    table = {route_key(m, p) for m, p in ROUTE_SCOPES}
    operations = _operations(served)
    assert len(operations) >= 15
    assert [op for op in operations if route_key(*op) not in table] == []
    rules = [
        (method, rule.rule)
        for rule in served.service.app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    ]
    assert [r for r in rules if route_key(*r) not in table] == []
    document = httpx.get(f"{served.url}/api/openapi.json").json()
    retrain = document["paths"]["/api/v1/monitors/{name}/retrain"]["post"]
    assert retrain["x-driftline-scope"] == "admin" and "403" in retrain["responses"]


def test_an_ingest_token_sends_records_and_labels_and_every_other_route_answers_403(
    served: Served,
) -> None:
    with served.client(token=INGEST) as client:
        for method, path in _operations(served):
            response = _call(client, method, path)
            needed = ROUTE_SCOPES[(method, path)]
            if needed == "ingest":
                assert response.status_code == 200, (method, path, response.text)
                continue
            assert response.status_code == 403, (method, path, response.text)
            error = response.json()["error"]
            assert error["code"] == "forbidden"
            assert error["message"].endswith(f"needs scope {needed!r}"), error
            assert "model-server" in error["message"] and INGEST not in error["message"]
    assert served.service.store.count_records("credit") == 5


def test_a_read_token_gets_every_route_and_changes_nothing(served: Served) -> None:
    with served.client() as admin:
        assert _call(admin, "POST", "/api/v1/monitors/{name}/records").status_code == 200
    store = served.service.store
    before = (store.list_silences("credit"), store.list_retrain_triggers("credit"))
    with served.client(token=READ) as client:
        for method, path in _operations(served):
            response = _call(client, method, path)
            if method == "GET":
                assert response.status_code not in (401, 403), (path, response.text)
            else:
                assert response.status_code == 403, (method, path, response.text)
                needed = ROUTE_SCOPES[(method, path)]
                assert f"needs scope {needed!r}" in response.json()["error"]["message"]
    assert (store.list_silences("credit"), store.list_retrain_triggers("credit")) == before
    assert store.list_audit() == []


def test_a_wrong_token_is_401_and_metrics_answers_a_read_token_but_not_an_ingest_one(
    served: Served,
) -> None:
    with served.client(token="not-a-configured-token") as client:
        assert client.get("/api/v1/monitors").status_code == 401
    with served.client(token=READ) as client:
        assert client.get("/metrics").status_code == 200
    with served.client(token=INGEST) as client:
        assert client.get("/metrics").status_code == 401


def test_a_reloaded_configuration_rotates_the_tokens(served: Served) -> None:
    """A token removed from driftline.yaml stops working at the reload, a new one starts."""
    config = served.folder / "driftline.yaml"
    rotated = "read-token-rotated-0123456789"
    config.write_text(config.read_text().replace(READ, rotated))
    assert served.service.reload()
    with served.client(token=READ) as client:
        assert client.get("/api/v1/monitors").status_code == 401
    with served.client(token=rotated) as client:
        assert client.get("/api/v1/monitors").status_code == 200
        assert client.post("/api/v1/monitors/credit/silences", json={}).status_code == 403


def _state_changes(client: httpx.Client) -> dict[str, Any]:
    """A silence added and expired, a retrain request, a check run now: the ids."""
    headers = {"X-Request-Id": "req-silence-1"}
    silence = client.post(
        "/api/v1/monitors/credit/silences",
        json={"duration": "2h", "comment": "maintenance", "created_by": "ana"},
        headers=headers,
    )
    assert silence.status_code == 201, silence.text
    assert silence.headers["X-Request-Id"] == "req-silence-1"
    expired = client.delete(f"/api/v1/silences/{silence.json()['id']}")
    assert expired.status_code == 200, expired.text
    retrain = client.post("/api/v1/monitors/credit/retrain", json={"reason": "income drifted"})
    assert retrain.status_code == 202, retrain.text
    window = {"start": START.isoformat(), "end": (START + timedelta(hours=1)).isoformat()}
    check = client.post("/api/v1/monitors/credit/checks", json=window)
    assert check.status_code == 200, check.text
    return {"silence": silence.json()["id"], "trigger": retrain.json()["trigger_id"]}


def test_the_audit_trail_records_each_state_change_with_its_actor(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write_folder(tmp_path, database_url, api=TOKENS)
    with serving(tmp_path, database_url) as app:
        with app.client(token=INGEST) as client:
            assert client.post("/api/v1/monitors/credit/records", json=records(20, START))
        with app.client(token=ADMIN) as client:
            ids = _state_changes(client)
        with app.client() as client:  # api.token: the admin token named "default"
            assert client.delete(f"/api/v1/silences/{ids['silence']}").status_code == 200
        config = str(tmp_path / "driftline.yaml")
        assert (
            main(
                ["silences", "add", "credit", "--duration", "1h", "--by", "ana", "--config", config]
            )
            == 0
        )
        backfill = ["checks", "backfill", "credit", "--since", START.isoformat()]
        clock = f"file:{tmp_path / 'clock'}"
        assert main([*backfill, "--clock", clock, "--config", config]) == 0
        with app.client(token=READ) as client:
            response = client.get("/api/v1/audit", params={"monitor": "credit"})
        assert response.status_code == 200, response.text
        events = response.json()["events"]
        trail = [(e["actor"], e["action"]) for e in reversed(events)]
        assert trail == [
            ("ops", "silence.add"),
            ("ops", "silence.expire"),
            ("ops", "retrain"),
            ("ops", "check.run"),
            ("default", "silence.expire"),
            (cli_actor(), "silence.add"),
            (cli_actor(), "check.backfill"),
        ]
        assert events[0]["detail"]["since"] == START.isoformat()
        assert events[0]["detail"]["windows"] >= 1
        first = events[-1]
        assert first["request_id"] == "req-silence-1" and first["monitor"] == "credit"
        assert first["detail"]["id"] == ids["silence"]
        assert first["detail"]["comment"] == "maintenance"
        assert events[-3]["detail"]["trigger_id"] == ids["trigger"]
        assert all(e["request_id"] for e in events[2:])  # API requests; the CLI has none
        assert [e["request_id"] for e in events[:2]] == [None, None]
        capsys.readouterr()
        assert main(["audit", "list", "--monitor", "credit", "--config", config]) == 0
        listed = capsys.readouterr().out
        assert "ops" in listed and "check.run" in listed and cli_actor() in listed
        store = Store(database_url)
        try:
            stored = json.dumps([e.to_dict() for e in store.list_audit()])
        finally:
            store.close()
        for secret in (INGEST, READ, ADMIN, TOKEN):
            assert secret not in stored and secret not in listed


def test_monitors_add_is_audited_when_the_database_exists_and_creates_none_otherwise(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'driftline.db'}"
    config = tmp_path / "driftline.yaml"
    config.write_text(f"database_url: '{url}'\n")
    add = ["monitors", "add", "--no-verify", "--config", str(config), "--model"]
    assert main([*add, "models:/churn@production"]) == 0
    assert not (tmp_path / "driftline.db").exists()  # no database: nothing to record in
    create_if_empty(url)
    assert main([*add, "models:/credit@production"]) == 0
    store = Store(url)
    try:
        entries = store.list_audit()
    finally:
        store.close()
    assert [(e.actor, e.action, e.monitor) for e in entries] == [
        (cli_actor(), "monitor.add", "credit")
    ]
    assert entries[0].detail["model"] == "models:/credit@production"
