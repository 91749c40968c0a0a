"""REST routes of alerts: alert history, deliveries, silences and retrain triggers.

Registered on the service's Flask app by ``alerts.extension``; the app's bearer token
guards them like every ``/api/v1`` route. Responses never carry a secret: payloads hold
none, channels are named, errors are redacted when recorded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, jsonify, request

from alerts.trigger import request_retrain
from monitor import config as cfg
from monitor.engine.ingest import parse_event_time
from monitor.errors import ConfigError
from monitor.store import Store

__all__ = ["blueprint", "openapi_paths", "to_json"]


def to_json(value: Any) -> Any:
    """A domain object (dataclass) as JSON-ready data; datetimes as ISO strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def _error(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message}}), status


def blueprint(store: Store, config: cfg.Config) -> Blueprint:
    """The alerts routes for ``store`` and the monitors of ``config``."""
    routes = Blueprint("alerts", __name__)
    monitors = {m.name: m for m in config.monitors}

    def unknown(name: str) -> tuple[Response, int]:
        return _error(404, "unknown_monitor", f"no monitor {name!r}; known: {sorted(monitors)}")

    @routes.get("/api/v1/monitors/<name>/alerts")
    def alerts(name: str) -> tuple[Response, int]:
        if name not in monitors:
            return unknown(name)
        limit = request.args.get("transitions", default=50, type=int)
        return jsonify({"alerts": to_json(store.list_alerts(name, transitions=limit))}), 200

    @routes.get("/api/v1/monitors/<name>/deliveries")
    def deliveries(name: str) -> tuple[Response, int]:
        if name not in monitors:
            return unknown(name)
        status = request.args.get("status")
        if status not in (None, "pending", "delivered", "failed"):
            return _error(422, "invalid_status", "status must be pending, delivered or failed")
        limit = request.args.get("limit", default=100, type=int)
        found = store.list_deliveries(name, status=status, limit=limit)  # type: ignore[arg-type]
        return jsonify({"deliveries": to_json(found)}), 200

    @routes.get("/api/v1/deliveries/<int:delivery_id>")
    def delivery(delivery_id: int) -> tuple[Response, int]:
        found = store.get_delivery(delivery_id)
        if found is None:
            return _error(404, "unknown_delivery", f"no delivery with id {delivery_id}")
        return jsonify(to_json(found)), 200

    @routes.post("/api/v1/monitors/<name>/retrain")
    def retrain(name: str) -> tuple[Response, int]:
        if name not in monitors:
            return unknown(name)
        body = request.get_json(silent=True) or {}
        reason = body.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            return _error(422, "invalid_retrain", 'send {"reason": "...", "requested_by": "..."}')
        by = body.get("requested_by")
        trigger = request_retrain(
            store, monitors[name], reason=reason, requested_by=str(by) if by else None
        )
        return jsonify(to_json(trigger)), 202

    @routes.get("/api/v1/monitors/<name>/retrain")
    def triggers(name: str) -> tuple[Response, int]:
        if name not in monitors:
            return unknown(name)
        limit = request.args.get("limit", default=50, type=int)
        return jsonify({"triggers": to_json(store.list_retrain_triggers(name, limit=limit))}), 200

    @routes.get("/api/v1/monitors/<name>/silences")
    def silences(name: str) -> tuple[Response, int]:
        if name not in monitors:
            return unknown(name)
        active = request.args.get("active") in ("1", "true")
        at = dt.datetime.now(dt.UTC) if active else None
        return jsonify({"silences": to_json(store.list_silences(name, active_at=at))}), 200

    @routes.post("/api/v1/monitors/<name>/silences")
    def add_silence(name: str) -> tuple[Response, int]:
        if name not in monitors:
            return unknown(name)
        body = request.get_json(silent=True) or {}
        rule = body.get("rule")
        if rule is not None and rule not in {r.name for r in monitors[name].alerts.rules}:
            known = sorted(r.name for r in monitors[name].alerts.rules)
            return _error(422, "invalid_silence", f"no rule {rule!r}; rules: {known}")
        try:
            starts_at = (
                parse_event_time(body["starts_at"])
                if body.get("starts_at")
                else dt.datetime.now(dt.UTC)
            )
            if body.get("ends_at"):
                ends_at = parse_event_time(body["ends_at"])
            elif body.get("duration"):
                ends_at = starts_at + cfg.parse_duration(str(body["duration"]))
            else:
                raise ValueError("give ends_at (ISO time) or duration (e.g. 2h)")
            silence = store.add_silence(
                name,
                rule=rule,
                starts_at=starts_at,
                ends_at=ends_at,
                created_by=str(body.get("created_by") or ""),
                comment=str(body.get("comment") or ""),
            )
        except (ValueError, ConfigError) as exc:
            return _error(422, "invalid_silence", str(exc))
        return jsonify(to_json(silence)), 201

    @routes.delete("/api/v1/silences/<int:silence_id>")
    def expire_silence(silence_id: int) -> tuple[Response, int]:
        found = store.expire_silence(silence_id)
        if found is None:
            return _error(404, "unknown_silence", f"no silence with id {silence_id}")
        return jsonify(to_json(found)), 200

    return routes


def _op(summary: str, *codes: int, parameters: list[str] | None = None) -> dict[str, Any]:
    params = [
        {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
        for p in (parameters or ["name"])
    ]
    responses: dict[str, Any] = {str(codes[0]): {"description": summary}}
    responses.update({str(c): {"description": "error"} for c in codes[1:]})
    return {"summary": summary, "parameters": params, "responses": responses}


def openapi_paths() -> dict[str, Any]:
    """OpenAPI path items of the alerts routes."""
    return {
        "/api/v1/monitors/{name}/alerts": {
            "get": _op("Alerts of a monitor with their transitions", 200, 401, 404)
        },
        "/api/v1/monitors/{name}/deliveries": {
            "get": _op("Deliveries with every attempt, newest first", 200, 401, 404, 422)
        },
        "/api/v1/deliveries/{id}": {
            "get": _op("One delivery with its attempts", 200, 401, 404, parameters=["id"])
        },
        "/api/v1/monitors/{name}/retrain": {
            "post": _op("Request retraining: {reason, requested_by}", 202, 401, 404, 422),
            "get": _op(
                "Retrain triggers and their outcome; for an MLflow Project target, the run "
                "(id, status, link, registered version) and the promotion gate's numbers",
                200,
                401,
                404,
            ),
        },
        "/api/v1/monitors/{name}/silences": {
            "get": _op("Silences (active=true: in force now)", 200, 401, 404),
            "post": _op(
                "Add a silence: {rule?, starts_at?, ends_at | duration, created_by, comment}",
                201,
                401,
                404,
                422,
            ),
        },
        "/api/v1/silences/{id}": {
            "delete": _op("Expire a silence now", 200, 401, 404, parameters=["id"])
        },
    }
