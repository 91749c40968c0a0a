"""Fault test: ``driftline serve`` is SIGKILLed after an alert transition is committed and
while its webhook is being sent. After a restart the delivery is sent again with the same
``webhook-id`` (at least once), and nothing is lost or duplicated in the store."""

from __future__ import annotations

import base64
import os
import signal
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import httpx
from receiver import Receiver, running_receiver
from serving import driftline, prepare_folder, start_serve, stop_serve
from standardwebhooks.webhooks import Webhook
from test_alerts_e2e import HEADERS, HOUR, check, records, state

from monitor.engine.windows import align

SECRET = "whsec_" + base64.b64encode(b"driftline-crash-webhook-secret-b").decode()


def _rows(database: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as connection:
        return connection.execute(sql).fetchall()


def test_sigkill_between_transition_and_send_still_delivers_once_restarted(
    tmp_path: Path,
) -> None:
    prepare_folder(tmp_path, "{token: t0ken}")
    database = tmp_path / "driftline.db"
    hour = align(datetime.now(UTC), HOUR) - 2 * HOUR
    with running_receiver(Receiver(hold_first={"/hook"})) as receiver:
        text = (tmp_path / "driftline.yaml").read_text().replace("interval: 1s", "interval: 1h")
        (tmp_path / "driftline.yaml").write_text(
            text
            + "    alerts:\n"
            + f'      channels: {{ops: {{kind: webhook, url: "{receiver.url}/hook", '
            + f'secret: "{SECRET}", timeout: 2}}}}\n'
            + "      rules: [{name: drift, kind: dataset_drift, share: 0.3}]\n"
            + "      delivery: {initial_backoff: 0.2, max_backoff: 1}\n"
        )
        assert driftline(tmp_path, "db", "upgrade").returncode == 0
        process, base = start_serve(tmp_path)
        try:
            batch = records("current_severe_drift.csv", 0, hour)
            response = httpx.post(
                f"{base}/api/v1/monitors/credit/records", json=batch, headers=HEADERS, timeout=60
            )
            assert response.status_code == 200, response.text
            check(base, hour)
            assert state(base) == "firing"
            # The delivery job has sent the webhook; the receiver holds it unanswered.
            receiver.wait_for(lambda: len(receiver.on("/hook")) == 1)
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        finally:
            stop_serve(process)

        committed = _rows(database, "SELECT status, attempts, webhook_id FROM deliveries")
        assert [(status, attempts) for status, attempts, _ in committed] == [("pending", 0)]
        webhook_id = committed[0][2]
        assert receiver.on("/hook")[0].headers["webhook-id"] == webhook_id
        receiver.release()  # answers a sender that is gone
        # The dead process still holds the scheduler lease (60 s); expire it to keep this short.
        with sqlite3.connect(database) as connection:
            connection.execute("UPDATE scheduler_leases SET expires_at = '2000-01-01 00:00:00'")

        process, base = start_serve(tmp_path)
        try:
            # Resent once the crashed sender's claim runs out (timeout 2 s + 5 s margin).
            receiver.wait_for(lambda: len(receiver.on("/hook")) >= 2, timeout=40)
            receiver.wait_for(
                lambda: _rows(database, "SELECT status FROM deliveries") == [("delivered",)],
                timeout=10,
                what="the delivery to be recorded as delivered",
            )
        finally:
            stop_serve(process)

    hook = receiver.on("/hook")
    assert {r.headers["webhook-id"] for r in hook} == {webhook_id}
    for request in hook:
        assert Webhook(SECRET).verify(request.body, request.headers)["state"] == "firing"
    assert _rows(database, "SELECT count(*) FROM deliveries") == [(1,)]
    assert _rows(database, "SELECT to_state FROM alert_transitions") == [("firing",)]
    attempts = _rows(database, "SELECT number, status_code, ok FROM delivery_attempts")
    assert attempts == [(1, 200, 1)]  # the killed attempt never completed, so never recorded
