"""The generic webhook channel, signed per the Standard Webhooks specification.

Every request carries ``webhook-id`` (fixed per delivery, so a receiver can de-duplicate
retries), ``webhook-timestamp`` (Unix seconds of this attempt) and ``webhook-signature``:
``v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>``, where ``key`` is the base64
part of the channel's ``whsec_...`` secret. The body is the delivery's JSON payload,
serialised compactly; it is identical on every attempt, the timestamp and signature are
fresh. Verify with the ``standardwebhooks`` package or a few lines of ``hmac`` (README).

>>> sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
...      1614265330, b'{"test": 2432232314}')
'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from alerts.channels.base import SendOutcome, send_request
from monitor.config.alerts import WebhookChannel
from monitor.store import Delivery

__all__ = ["WebhookSender", "body_of", "sign", "signed_headers"]


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for one message."""
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def body_of(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes sent (and signed) for ``payload``."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def signed_headers(secret: str, webhook_id: str, body: bytes, at: dt.datetime) -> dict[str, str]:
    """The three Standard Webhooks headers and the JSON content type, for one attempt."""
    timestamp = int(at.timestamp())
    return {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, webhook_id, timestamp, body),
    }


class WebhookSender:
    """Sends deliveries to one webhook channel through ``client``."""

    def __init__(
        self, config: WebhookChannel, client: httpx.Client, *, clock: Callable[[], dt.datetime]
    ) -> None:
        self._config = config
        self._client = client
        self._clock = clock

    def send(self, delivery: Delivery) -> SendOutcome:
        secret = self._config.secret.get_secret_value()
        body = body_of(delivery.payload)
        request = self._client.build_request(
            "POST",
            self._config.url,
            content=body,
            headers={
                **signed_headers(secret, delivery.webhook_id, body, self._clock()),
                "user-agent": "Driftline-Webhook/1",
            },
            timeout=self._config.timeout.total_seconds(),
        )
        return send_request(self._client, request, [secret])
