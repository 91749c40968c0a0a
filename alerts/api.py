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
from monitor.service.openapi import error_responses, json_body, json_response
from monitor.service.requests import BadRequest, json_object, query_int
from monitor.store import Store

__all__ = ["MAX_LISTED", "MAX_REASON", "blueprint", "openapi_paths", "to_json"]

MAX_REASON = 1_000
"""Characters of a retrain reason or a silence comment."""
MAX_LISTED = 1_000
"""The most items one list request returns."""
_MAX_NAME = 200


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


def _text(body: Mapping[str, Any], key: str, limit: int) -> str:
    """``body[key]`` as text of at most ``limit`` characters ('' when absent); 422 naming
    the field otherwise."""
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise BadRequest(422, "invalid_field", f"field {key!r}: expected a string")
    text = str(value)
    if len(text) > limit:
        raise BadRequest(
            422, "invalid_field", f"field {key!r} is {len(text)} characters; at most {limit}"
        )
    if "\x00" in text:
        raise BadRequest(422, "invalid_field", f"field {key!r} contains a NUL character")
    return text


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
        limit = query_int(request, "transitions", default=50, low=0, high=MAX_LISTED)
        assert limit is not None
        return jsonify({"alerts": to_json(store.list_alerts(name, transitions=limit))}), 200

    @routes.get("/api/v1/monitors/<name>/deliveries")
    def deliveries(name: str) -> tuple[Response, int]:
        if name not in monitors:
            return unknown(name)
        status = request.args.get("status")
        if status not in (None, "pending", "delivered", "failed"):
            return _error(422, "invalid_status", "status must be pending, delivered or failed")
        limit = query_int(request, "limit", default=100, low=1, high=MAX_LISTED)
        assert limit is not None
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
        body = json_object(request, '{"reason": "...", "requested_by": "..."}')
        reason = body.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            return _error(422, "invalid_retrain", 'send {"reason": "...", "requested_by": "..."}')
        by = _text(body, "requested_by", _MAX_NAME)
        trigger = request_retrain(
            store,
            monitors[name],
            reason=_text(body, "reason", MAX_REASON) or reason,
            requested_by=by or None,
        )
        return jsonify(to_json(trigger)), 202

    @routes.get("/api/v1/monitors/<name>/retrain")
    def triggers(name: str) -> tuple[Response, int]:
        if name not in monitors:
            return unknown(name)
        limit = query_int(request, "limit", default=50, low=1, high=MAX_LISTED)
        assert limit is not None
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
        body = json_object(
            request, '{"rule": "...", "duration": "2h", "created_by": "...", "comment": "..."}'
        )
        rule = body.get("rule")
        if rule is not None and (
            not isinstance(rule, str) or rule not in {r.name for r in monitors[name].alerts.rules}
        ):
            known = sorted(r.name for r in monitors[name].alerts.rules)
            return _error(422, "invalid_silence", f"no rule {str(rule)[:100]!r}; rules: {known}")
        created_by = _text(body, "created_by", _MAX_NAME)
        comment = _text(body, "comment", MAX_REASON)
        try:
            starts_at = (
                parse_event_time(body["starts_at"])
                if body.get("starts_at")
                else dt.datetime.now(dt.UTC)
            )
            if body.get("ends_at"):
                ends_at = parse_event_time(body["ends_at"])
            elif body.get("duration"):
                ends_at = starts_at + cfg.parse_duration(str(body["duration"])[:100])
            else:
                raise ValueError("give ends_at (ISO time) or duration (e.g. 2h)")
            silence = store.add_silence(
                name,
                rule=rule,
                starts_at=starts_at,
                ends_at=ends_at,
                created_by=created_by,
                comment=comment,
            )
        except OverflowError:
            return _error(
                422, "invalid_silence", "the silence would end after the year 9999; shorten it"
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


_OBJECT: dict[str, Any] = {"type": "object"}


def _list(key: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [key],
        "properties": {key: {"type": "array", "items": _OBJECT}},
    }


def _query(name: str, low: int, high: int) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "schema": {"type": "integer", "minimum": low, "maximum": high},
    }


def _op(
    summary: str,
    status: int,
    schema: dict[str, Any],
    *errors: int,
    parameters: list[str] | None = None,
    query: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {
            "name": p,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1} if p == "id" else {"type": "string"},
        }
        for p in (parameters or ["name"])
    ]
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": params + (query or []),
        "responses": {str(status): json_response(schema, summary), **error_responses(*errors)},
    }
    if body is not None:
        operation["requestBody"] = json_body(body)
    return operation


_RETRAIN_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["reason"],
    "properties": {
        "reason": {"type": "string", "minLength": 1, "maxLength": MAX_REASON},
        "requested_by": {"type": "string", "maxLength": _MAX_NAME},
    },
}
_SILENCE_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "rule": {"type": "string"},
        "starts_at": {"type": "string", "format": "date-time"},
        "ends_at": {"type": "string", "format": "date-time"},
        "duration": {"type": "string", "description": "e.g. 2h, 1d, 1w"},
        "created_by": {"type": "string", "maxLength": _MAX_NAME},
        "comment": {"type": "string", "maxLength": MAX_REASON},
    },
}


def openapi_paths() -> dict[str, Any]:
    """OpenAPI path items of the alerts routes."""
    return {
        "/api/v1/monitors/{name}/alerts": {
            "get": _op(
                "Alerts of a monitor with their transitions",
                200,
                _list("alerts"),
                401,
                404,
                422,
                query=[_query("transitions", 0, MAX_LISTED)],
            )
        },
        "/api/v1/monitors/{name}/deliveries": {
            "get": _op(
                "Deliveries with every attempt, newest first",
                200,
                _list("deliveries"),
                401,
                404,
                422,
                query=[
                    _query("limit", 1, MAX_LISTED),
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["pending", "delivered", "failed"]},
                    },
                ],
            )
        },
        "/api/v1/deliveries/{id}": {
            "get": _op("One delivery with its attempts", 200, _OBJECT, 401, 404, parameters=["id"])
        },
        "/api/v1/monitors/{name}/retrain": {
            "post": _op(
                "Request retraining: {reason, requested_by}",
                202,
                _OBJECT,
                400,
                401,
                404,
                422,
                body=_RETRAIN_BODY,
            ),
            "get": _op(
                "Retrain triggers and their outcome; for an MLflow Project target, the run "
                "(id, status, link, registered version) and the promotion gate's numbers",
                200,
                _list("triggers"),
                401,
                404,
                422,
                query=[_query("limit", 1, MAX_LISTED)],
            ),
        },
        "/api/v1/monitors/{name}/silences": {
            "get": _op(
                "Silences (active=true: in force now)",
                200,
                _list("silences"),
                401,
                404,
                query=[{"name": "active", "in": "query", "schema": {"type": "boolean"}}],
            ),
            "post": _op(
                "Add a silence: {rule?, starts_at?, ends_at | duration, created_by, comment}",
                201,
                _OBJECT,
                400,
                401,
                404,
                422,
                body=_SILENCE_BODY,
            ),
        },
        "/api/v1/silences/{id}": {
            "delete": _op("Expire a silence now", 200, _OBJECT, 401, 404, parameters=["id"])
        },
    }
