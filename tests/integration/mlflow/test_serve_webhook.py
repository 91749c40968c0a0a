"""`driftline serve` with ``mlflow.webhook`` configured registers Driftline's webhook on the
real `mlflow server` (the session's), and a restart updates it instead of adding another."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pandas as pd
from mlflow_helpers import ROOT, MlflowServer, train

sys.path.insert(0, str(ROOT / "tests" / "integration" / "service"))

from mlflow import MlflowClient  # noqa: E402
from serving import start_serve, stop_serve  # noqa: E402

from monitor.mlflow.tracking import WEBHOOK_EVENTS  # noqa: E402
from monitor.store import upgrade  # noqa: E402

SECRET = "a-webhook-secret-of-32-characters"


def _hooks(client: MlflowClient, name: str) -> list[tuple[str, str, str]]:
    found, token = [], None
    while True:
        page = client.list_webhooks(max_results=100, page_token=token)
        found += [(h.webhook_id, h.url, str(h.status)) for h in page if h.name == name]
        token = page.token
        if not token:
            return found


def test_serve_registers_the_webhook_once_across_restarts(
    mlflow_server: MlflowServer, reference: pd.DataFrame, tmp_path: Path
) -> None:
    model = f"credit-{uuid.uuid4().hex[:8]}"
    train(reference, mlflow_server.url, model)
    hook_name = f"driftline-{model}"
    config = tmp_path / "driftline.yaml"

    def write_config(port: int) -> None:
        config.write_text(
            "database_url: sqlite:///./driftline.db\n"
            "mlflow:\n"
            f"  tracking_uri: {mlflow_server.url}\n"
            "  webhook:\n"
            f"    url: http://127.0.0.1:{port}/api/mlflow/webhook\n"
            f"    secret: {SECRET}\n"
            f"    name: {hook_name}\n"
            "monitors:\n"
            "  - name: credit\n"
            f"    baseline: models:/{model}@production\n"
            "    schedule: {interval: 1h}\n"
        )

    write_config(18_001)
    upgrade(f"sqlite:///{tmp_path / 'driftline.db'}")  # in process: quicker than the CLI
    client = MlflowClient(mlflow_server.url, mlflow_server.url)
    assert _hooks(client, hook_name) == []
    with open(tmp_path / "serve.log", "w") as log:
        process, _ = start_serve(tmp_path, log)
        stop_serve(process)
    [(first_id, url, status)] = _hooks(client, hook_name)
    assert (url, status) == ("http://127.0.0.1:18001/api/mlflow/webhook", "ACTIVE")
    events = client.get_webhook(first_id).events
    assert sorted(f"{e.entity}.{e.action}" for e in events) == sorted(WEBHOOK_EVENTS)

    write_config(18_002)  # restarted on another port: the same webhook follows it
    with open(tmp_path / "serve.log", "a") as log:
        process, _ = start_serve(tmp_path, log)
        stop_serve(process)
    assert _hooks(client, hook_name) == [
        (first_id, "http://127.0.0.1:18002/api/mlflow/webhook", "ACTIVE")
    ]
    assert (
        f"MLflow webhook '{hook_name}' registered (id {first_id})"
        in (tmp_path / "serve.log").read_text()
    )
