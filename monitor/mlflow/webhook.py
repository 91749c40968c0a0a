"""MLflow's webhook, received: a promotion reaches the monitors that follow the alias at once.

MLflow (server >= 3.3, SQL backend) posts ``model_version_alias.created`` / ``.deleted`` and
``model_version.created`` to ``POST /api/mlflow/webhook``. Each delivery is signed:
``X-MLflow-Signature: v1,<base64 HMAC-SHA256>`` over ``<delivery id>.<timestamp>.<body>``
with the shared secret (``mlflow.webhook.secret``). A delivery with a bad or missing
signature, or a timestamp more than five minutes away, is refused with 401; a delivery id
seen in the last ten minutes (a replay) with 409. A good one
makes every follower of that model re-resolve its alias now, recording the switch as
detected by ``webhook``; the check before each window still resolves too (polling), so a
lost delivery only delays the switch to the next check.

The route lives outside ``/api/v1/`` because MLflow cannot send Driftline's bearer token:
the signature authenticates it instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Final

from flask import Flask, Response, jsonify, request

from monitor.errors import DriftlineError
from monitor.mlflow.follow import ModelFollower
from monitor.store import Store

__all__ = ["WEBHOOK_PATH", "add_webhook_route", "sign", "verify_signature"]

_log = logging.getLogger(__name__)

WEBHOOK_PATH: Final = "/api/mlflow/webhook"
_TOLERANCE_S: Final = 300
_SEEN_MAX: Final = 100_000


class _SeenDeliveries:
    """Delivery ids accepted within twice the timestamp tolerance: an older delivery is
    refused for its timestamp anyway, so remembering longer is not needed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, delivery_id: str, now: float) -> bool:
        with self._lock:
            while self._seen and (
                next(iter(self._seen.values())) < now - 2 * _TOLERANCE_S
                or len(self._seen) >= _SEEN_MAX
            ):
                self._seen.popitem(last=False)
            if delivery_id in self._seen:
                return False
            self._seen[delivery_id] = now
            return True


def sign(secret: str, delivery_id: str, timestamp: str, body: str) -> str:
    """MLflow's signature of a delivery: ``v1,`` and the base64 HMAC-SHA256 of
    ``<delivery id>.<timestamp>.<body>``.

    >>> sign("s3cret", "d1", "1700000000", "{}")
    'v1,zanuGVyPdkCH5t63rF48cWGMLFZ3sNRiNHn6qebAxZ8='
    """
    content = f"{delivery_id}.{timestamp}.{body}".encode()
    digest = hmac.new(secret.encode(), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_signature(
    secret: str,
    *,
    delivery_id: str,
    timestamp: str,
    body: str,
    signature: str,
    now_s: float | None = None,
) -> str | None:
    """None when the delivery is authentic and fresh, else the reason it is refused."""
    if not (delivery_id and timestamp and signature):
        return "missing X-MLflow-Delivery-Id, X-MLflow-Timestamp or X-MLflow-Signature"
    try:
        sent_at = int(timestamp)
    except ValueError:
        return f"X-MLflow-Timestamp {timestamp[:20]!r} is not a Unix time"
    now = time.time() if now_s is None else now_s
    if abs(now - sent_at) > _TOLERANCE_S:
        return f"X-MLflow-Timestamp is {int(now - sent_at)} s away from now (limit 300 s)"
    expected = sign(secret, delivery_id, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        return "X-MLflow-Signature does not match; check mlflow.webhook.secret"
    return None


def add_webhook_route(
    app: Flask,
    *,
    secret: str,
    followers: Mapping[str, ModelFollower],
    store: Store,
    now_s: Callable[[], float] = time.time,
) -> None:
    """Add ``POST /api/mlflow/webhook`` to ``app``."""
    seen = _SeenDeliveries()

    @app.post(WEBHOOK_PATH)
    def mlflow_webhook() -> tuple[Response, int]:
        body = request.get_data(as_text=True)
        at = now_s()
        refused = verify_signature(
            secret,
            delivery_id=request.headers.get("X-MLflow-Delivery-Id", ""),
            timestamp=request.headers.get("X-MLflow-Timestamp", ""),
            body=body,
            signature=request.headers.get("X-MLflow-Signature", ""),
            now_s=at,
        )
        if refused is not None:
            _log.warning("MLflow webhook delivery refused: %s", refused)
            return jsonify({"error": {"code": "bad_signature", "message": refused}}), 401
        delivery_id = request.headers.get("X-MLflow-Delivery-Id", "")
        if not seen.first_time(delivery_id, at):
            message = f"delivery {delivery_id[:80]!r} was already received; replay refused"
            _log.warning("MLflow webhook %s", message)
            return jsonify({"error": {"code": "replayed_delivery", "message": message}}), 409
        try:
            payload = json.loads(body)
            event = f"{payload['entity']}.{payload['action']}"
            data = payload["data"]
            name = str(data["name"])
        except (ValueError, KeyError, TypeError) as exc:
            message = f"expected MLflow's webhook JSON with entity, action and data.name: {exc}"
            return jsonify({"error": {"code": "bad_request", "message": message}}), 400
        alias = data.get("alias") if event.startswith("model_version_alias") else None
        resolved: dict[str, str | None] = {}
        for monitor, follower in followers.items():
            if not follower.matches(name, alias):
                continue
            try:
                resolved[monitor] = follower.resolve(store, detected_by="webhook").info.version
            except DriftlineError as exc:
                _log.warning("%s: webhook %s: %s", monitor, event, exc)
                resolved[monitor] = None
        return jsonify({"event": event, "model": name, "monitors": resolved}), 200
