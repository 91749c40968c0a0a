"""The demo's webhook receiver: verifies Driftline's signed webhooks and keeps what arrived.

One small HTTP server on 127.0.0.1 with two paths: ``/alerts`` takes alert notifications
and ``/retrain`` takes retraining triggers. Each request is verified the Standard Webhooks
way, exactly as the README shows a receiver doing it: HMAC-SHA256 with the channel's secret
over ``webhook-id.webhook-timestamp.body``, compared in constant time, timestamp within
five minutes. A request that fails verification is answered 401 and kept apart, so the demo
(and its test) can say that every webhook it acted on was genuine.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final

__all__ = ["Received", "WebhookReceiver", "new_secret", "verify"]

_TOLERANCE_S: Final = 5 * 60


def new_secret() -> str:
    """A fresh Standard Webhooks secret, ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None
) -> bool:
    """Whether ``body`` with ``headers`` was signed with ``secret`` in the last five minutes."""
    webhook_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (webhook_id and timestamp.isdigit() and signatures):
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > _TOLERANCE_S:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(expected, candidate.partition(",")[2])
        for candidate in signatures.split()
        if candidate.startswith("v1,")
    )


@dataclass(frozen=True, slots=True)
class Received:
    """One verified webhook: its path, id and JSON payload."""

    path: str
    webhook_id: str
    payload: dict[str, Any]


@dataclass
class WebhookReceiver:
    """A webhook receiver on ``127.0.0.1:port`` (0: a free port) for ``secret``.

    ``on_retrain`` is called, in the server's thread, with each verified retraining trigger.
    """

    secret: str
    port: int = 0
    on_retrain: Callable[[Received], None] | None = None
    received: list[Received] = field(default_factory=list)
    refused: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the receiver first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if self.path not in ("/alerts", "/retrain"):
                    self.send_error(404)
                    return
                if not verify(receiver.secret, headers, body):
                    with receiver._lock:
                        receiver.refused += 1
                    self.send_error(401, "signature does not verify")
                    return
                item = Received(self.path, headers["webhook-id"], json.loads(body))
                with receiver._lock:
                    seen = any(r.webhook_id == item.webhook_id for r in receiver.received)
                    if not seen:  # a retry of a delivery already taken: acknowledge only
                        receiver.received.append(item)
                self.send_response(204)
                self.end_headers()
                if not seen and item.path == "/retrain" and receiver.on_retrain is not None:
                    receiver.on_retrain(item)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the demo prints its own timeline

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def of(self, path: str) -> list[Received]:
        """The verified webhooks that arrived at ``path``, in order."""
        with self._lock:
            return [r for r in self.received if r.path == path]
