"""End to end on 127.0.0.1 with a real ``driftline serve``: drift injected into live records,
checks, the rule pending then firing, a signed webhook verified with the published secret
(while the receiver is down for its first attempts), Slack text, e-mail through a real SMTP
server, the retraining webhook; then drift removed and the resolved notification."""

from __future__ import annotations

import base64
import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from receiver import Receiver, running_receiver, running_smtp
from serving import SAMPLE, driftline, prepare_folder, start_serve, stop_serve
from standardwebhooks.webhooks import Webhook

from monitor.engine.windows import align

SECRET = "whsec_" + base64.b64encode(b"driftline-e2e-webhook-secret-32b").decode()
RETRAIN_SECRET = "whsec_" + base64.b64encode(b"driftline-e2e-retrain-secret-32b").decode()
HOUR = timedelta(hours=1)
PER_HOUR = 300
FAIL_FIRST = 2


def alerts_yaml(base: str, smtp_port: int) -> str:
    """The monitor's alerts section (appended under the `credit` monitor)."""
    return f"""\
    alerts:
      dashboard_url: http://127.0.0.1:8050/dashboard
      channels:
        ops: {{kind: webhook, url: "{base}/hook", secret: "${{OPS_SECRET}}", timeout: 2}}
        team: {{kind: slack, url: "{base}/slack"}}
        oncall: {{kind: email, host: 127.0.0.1, port: {smtp_port}, from: driftline@example.org,
                  to: [oncall@example.org]}}
      rules:
        - {{name: dataset-drift, kind: dataset_drift, share: 0.3, for: 2, severity: critical,
            retrain: true}}
      retrain: {{kind: webhook, url: "{base}/retrain", secret: "{RETRAIN_SECRET}", cooldown: 1d}}
      delivery: {{initial_backoff: 0.2, max_backoff: 1, max_age: 1h}}
"""


def records(file: str, hour: int, start: datetime) -> list[dict[str, Any]]:
    frame = pd.read_csv(SAMPLE / file).drop(columns=["record_id"]).head(PER_HOUR)
    rows: list[dict[str, Any]] = frame.astype(object).where(frame.notna(), None).to_dict("records")
    step = HOUR / PER_HOUR
    return [
        {**row, "id": f"h{hour}-{i}", "timestamp": (start + i * step).isoformat()}
        for i, row in enumerate(rows)
    ]


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    prepare_folder(tmp_path, "{token: t0ken}")
    yield tmp_path


def configure(folder: Path, receiver: Receiver, smtp_port: int) -> None:
    text = (folder / "driftline.yaml").read_text().replace("interval: 1s", "interval: 1h")
    (folder / "driftline.yaml").write_text(text + alerts_yaml(receiver.url, smtp_port))
    upgrade = driftline(folder, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr


HEADERS = {"Authorization": "Bearer t0ken"}


def check(base: str, start: datetime) -> None:
    response = httpx.post(
        f"{base}/api/v1/monitors/credit/checks",
        json={"start": start.isoformat(), "end": (start + HOUR).isoformat()},
        headers=HEADERS,
        timeout=60,
    )
    assert response.status_code == 200, response.text


def state(base: str) -> str:
    alerts = httpx.get(f"{base}/api/v1/monitors/credit/alerts", headers=HEADERS).json()
    return str(alerts["alerts"][0]["status"]["state"])


def test_drift_fires_signed_webhook_then_resolves(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPS_SECRET", SECRET)
    hours = [align(datetime.now(UTC), HOUR) - (6 - k) * HOUR for k in range(5)]
    files = ["current_severe_drift.csv"] * 3 + ["current_no_drift.csv"] * 2
    with (
        running_receiver(Receiver(fail_first={"/hook": FAIL_FIRST})) as receiver,
        running_smtp() as (smtp_port, mail),
    ):
        configure(folder, receiver, smtp_port)
        process, base = start_serve(folder)
        try:
            batch = [
                r
                for k, (f, h) in enumerate(zip(files, hours, strict=True))
                for r in records(f, k, h)
            ]
            response = httpx.post(
                f"{base}/api/v1/monitors/credit/records", json=batch, headers=HEADERS, timeout=60
            )
            assert response.status_code == 200, response.text

            check(base, hours[0])
            assert state(base) == "pending"  # for: 2 -> one drifted window only pends
            check(base, hours[1])
            assert state(base) == "firing"

            receiver.wait_for(lambda: any(r.status == 200 for r in receiver.on("/hook")))
            hook = receiver.on("/hook")
            assert [r.status for r in hook] == [503] * FAIL_FIRST + [200]
            assert len({r.headers["webhook-id"] for r in hook}) == 1  # one id across retries
            payload = Webhook(SECRET).verify(hook[-1].body, hook[-1].headers)
            assert payload["version"] == "1" and payload["type"] == "alert.firing"
            assert (payload["monitor"], payload["state"], payload["severity"]) == (
                "credit",
                "firing",
                "critical",
            )
            assert payload["window"]["start"] == hours[1].isoformat()
            assert payload["drifted_columns"] and payload["drifted_columns"][0]["effect_size"] > 0
            link = "http://127.0.0.1:8050/dashboard/monitor/credit?window=" + (
                hours[1].strftime("%Y-%m-%dT%H:%M:%SZ")
            )
            assert payload["dashboard_url"] == link

            receiver.wait_for(lambda: bool(receiver.on("/slack") and receiver.on("/retrain")))
            slack = json.loads(receiver.on("/slack")[0].body)["text"]
            assert "FIRING critical: credit / dataset-drift" in slack
            assert f"<{link}|" in slack
            retrain = Webhook(RETRAIN_SECRET).verify(
                receiver.on("/retrain")[0].body, receiver.on("/retrain")[0].headers
            )
            assert retrain["type"] == "retrain.requested" and retrain["rule"] == "dataset-drift"

            receiver.wait_for(lambda: len(mail) == 1, what="e-mail")
            message = message_from_bytes(mail[0][2])
            assert mail[0][1] == ["oncall@example.org"]
            assert "FIRING critical: credit / dataset-drift" in str(message["Subject"])

            deliveries = httpx.get(
                f"{base}/api/v1/monitors/credit/deliveries", headers=HEADERS
            ).json()["deliveries"]
            ops = [d for d in deliveries if d["channel"] == "ops"]
            assert [a["status_code"] for a in ops[0]["attempts"]] == [503] * FAIL_FIRST + [200]
            assert ops[0]["webhook_id"] == hook[0].headers["webhook-id"]
            assert all(a["latency_s"] >= 0 for a in ops[0]["attempts"])
            assert SECRET not in json.dumps(deliveries)

            check(base, hours[2])  # still drifting: firing, no repeat before 4h
            check(base, hours[3])  # drift removed
            assert state(base) == "resolved"
            receiver.wait_for(
                lambda: len([r for r in receiver.on("/hook") if r.status == 200]) == 2
            )
            resolved = Webhook(SECRET).verify(
                receiver.on("/hook")[-1].body, receiver.on("/hook")[-1].headers
            )
            assert (resolved["type"], resolved["state"]) == ("alert.resolved", "resolved")
            check(base, hours[4])
            assert state(base) == "ok"

            manual = driftline(folder, "retrain", "credit", "--reason", "new labels", "--by", "ana")
            assert manual.returncode == 0, manual.stdout + manual.stderr
            # the command sends it at once unless the running service's delivery job claimed
            # it first; either way it is delivered exactly once
            assert (
                "delivered to the webhook target" in manual.stdout
                or "the running service retries it" in manual.stdout
            ), manual.stdout
            receiver.wait_for(lambda: len(receiver.on("/retrain")) == 2)
            deadline = time.monotonic() + 30  # the outcome is stored once the answer is read
            while True:
                listed = driftline(folder, "retrain", "list")
                assert listed.returncode == 0, listed.stderr
                if listed.stdout.count("delivered") == 2 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert listed.stdout.count("delivered") == 2 and "manual" in listed.stdout
            assert len(receiver.on("/retrain")) == 2
        finally:
            stop_serve(process)

    with sqlite3.connect(folder / "driftline.db") as connection:
        transitions = connection.execute(
            "SELECT from_state, to_state, reason FROM alert_transitions ORDER BY id"
        ).fetchall()
    assert transitions == [
        ("ok", "pending", "condition_met"),
        ("pending", "firing", "for_reached"),
        ("firing", "resolved", "resolved"),
        ("resolved", "ok", "stayed_clear"),
    ]
