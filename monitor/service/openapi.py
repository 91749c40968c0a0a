"""The OpenAPI 3.1 document of the REST API, served at ``/api/openapi.json``."""

from __future__ import annotations

from typing import Any

from monitor.store.status import MONITOR_STATUSES

__all__ = ["document", "error_responses", "json_body", "json_response", "with_scopes"]

_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): _json(_ERROR, "error") for code in codes}


_NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
_MONITOR_SETTINGS: dict[str, Any] = {
    "type": "object",
    "required": ["name", "baseline", "source", "schedule", "window", "alpha", "delta"],
    "properties": {
        "name": {"type": "string"},
        "baseline": {"type": "string"},
        "source": {"type": "object"},
        "schedule": {"type": "object"},
        "window": {"type": "string", "description": "a duration such as 1h30m"},
        "alpha": {"type": "number"},
        "delta": {"type": "number"},
        "delta_categorical": {"type": "number"},
        "drift_share": {"type": "number"},
        "alerts": {"type": "object"},
    },
    "additionalProperties": True,
}
_SUMMARY = "#/components/schemas/CheckSummary"


def _performance_schema() -> dict[str, Any]:
    metrics = {"type": "object", "additionalProperties": {"type": ["number", "null"]}}
    common = {
        "computed_at": {"type": ["string", "null"], "format": "date-time"},
        "error": {"type": ["string", "null"], "description": "why computing it failed"},
        "n_records": {"type": ["integer", "null"]},
        "metrics": metrics,
    }
    realised = {
        "type": ["object", "null"],
        "properties": {
            **common,
            "n_labelled": {"type": ["integer", "null"]},
            "label_coverage": {"type": ["number", "null"]},
            "detail": {"type": ["string", "null"]},
        },
    }
    estimated = {
        "type": ["object", "null"],
        "properties": {
            **common,
            "method": {"type": ["string", "null"]},
            "confidence": {"type": ["number", "null"]},
            "lower": metrics,
            "upper": metrics,
        },
    }
    window = {
        "type": "object",
        "required": ["window_start", "window_end", "realised", "estimated"],
        "properties": {
            "window_start": {"type": "string", "format": "date-time"},
            "window_end": {"type": "string", "format": "date-time"},
            "realised": realised,
            "estimated": estimated,
        },
    }
    return {
        "type": "object",
        "required": ["monitor", "baseline_metrics", "windows"],
        "properties": {
            "monitor": {"type": "string"},
            "baseline_metrics": metrics,
            "performance_source": {
                "type": ["string", "null"],
                "enum": ["training", "validation", None],
                "description": "where baseline_metrics and the CBPE calibration came from; "
                "training data makes them optimistic",
            },
            "windows": {"type": "array", "items": window},
        },
    }


_CHECK_SUMMARY: dict[str, Any] = {
    "type": "object",
    "required": ["id", "monitor", "window_start_at", "window_end_at", "status", "reason"],
    "properties": {
        "id": {"type": "integer"},
        "monitor": {"type": "string"},
        "window_start_at": {"type": "string", "format": "date-time"},
        "window_end_at": {"type": "string", "format": "date-time"},
        "status": {
            "type": "string",
            "enum": ["ok", "drifting", "failed", "insufficient_data", "no_data"],
        },
        "reason": {"type": "string"},
        "share_drifted": {"type": ["number", "null"]},
        "dataset_drift": {"type": ["boolean", "null"]},
        "n_current": {"type": ["integer", "null"]},
        "model_name": {"type": ["string", "null"]},
        "model_version": {"type": ["string", "null"]},
        "run_id": {"type": ["string", "null"]},
        "started_at": {"type": "string", "format": "date-time"},
        "finished_at": {"type": "string", "format": "date-time"},
    },
}


def json_body(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    """A JSON request body of ``schema``."""
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def json_response(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A JSON response of ``schema`` (for extensions' path items)."""
    return _json(schema, description)


def error_responses(*codes: int) -> dict[str, Any]:
    """The JSON error response for each status in ``codes``."""
    return {str(code): _json(_ERROR_INLINE, "error") for code in codes}


_ERROR_INLINE: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}


def document() -> dict[str, Any]:
    """The OpenAPI document (a new dict on every call)."""
    record = {
        "type": "object",
        "required": ["id", "timestamp"],
        "properties": {
            "id": {"type": ["string", "integer"]},
            "timestamp": {
                "type": ["string", "number"],
                "description": "ISO 8601 with a UTC offset, or epoch seconds",
            },
        },
        "additionalProperties": {"type": ["number", "string", "boolean", "null"]},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Driftline", "version": "1"},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": _ERROR_INLINE,
                "Record": record,
                "CheckSummary": _CHECK_SUMMARY,
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/health": {
                "get": {
                    "summary": "Liveness; needs no token",
                    "security": [],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["status", "monitors"],
                                "properties": {
                                    "status": {"type": "string"},
                                    "monitors": {"type": "integer"},
                                },
                            },
                            "ok",
                        )
                    },
                }
            },
            "/api/v1/monitors": {
                "get": {
                    "summary": "Monitors: status, record count, last check, open alerts",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["monitors"],
                                "properties": {
                                    "monitors": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": [
                                                "name",
                                                "status",
                                                "records",
                                                "last_check",
                                                "open_alerts",
                                            ],
                                            "properties": {
                                                "name": {"type": "string"},
                                                "status": {
                                                    "type": "string",
                                                    "enum": list(MONITOR_STATUSES),
                                                },
                                                "records": {"type": "integer"},
                                                "open_alerts": {
                                                    "type": "object",
                                                    "required": ["firing", "pending"],
                                                    "properties": {
                                                        "firing": {"type": "integer"},
                                                        "pending": {"type": "integer"},
                                                    },
                                                },
                                                "last_check": {
                                                    "oneOf": [
                                                        {"$ref": _SUMMARY},
                                                        {"type": "null"},
                                                    ]
                                                },
                                            },
                                        },
                                    }
                                },
                            },
                            "monitors",
                        ),
                        **_errors(401),
                    },
                }
            },
            "/api/v1/monitors/{name}": {
                "get": {
                    "summary": "A monitor's effective settings: driftline.yaml after ${VAR} "
                    "substitution and defaults, secrets shown as ***, durations as 1h30m "
                    "(the same as `driftline monitors show NAME --format json`)",
                    "parameters": [_NAME],
                    "responses": {
                        "200": _json(_MONITOR_SETTINGS, "effective settings"),
                        **_errors(401, 404, 503),
                    },
                }
            },
            "/api/v1/monitors/{name}/records": {
                "post": {
                    "summary": "Ingest a batch of live records (all or nothing; ids idempotent)",
                    "parameters": [_NAME],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Record"},
                                }
                            },
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["received", "inserted", "duplicates"],
                                "properties": {
                                    "received": {"type": "integer"},
                                    "inserted": {"type": "integer"},
                                    "duplicates": {"type": "integer"},
                                },
                            },
                            "received, inserted, duplicates",
                        ),
                        **_errors(400, 401, 404, 413, 422),
                    },
                }
            },
            "/api/v1/monitors/{name}/labels": {
                "post": {
                    "summary": "Attach ground-truth labels to records by id (records first)",
                    "parameters": [_NAME],
                    "requestBody": json_body(
                        {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["id", "label"],
                                "properties": {
                                    "id": {"type": ["string", "integer"]},
                                    "label": {"type": ["number", "string", "boolean", "null"]},
                                },
                            },
                        }
                    ),
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["received", "stored"],
                                "properties": {
                                    "received": {"type": "integer"},
                                    "stored": {"type": "integer"},
                                },
                            },
                            "stored",
                        ),
                        **_errors(400, 401, 404, 413, 422),
                    },
                }
            },
            "/api/v1/monitors/{name}/checks": {
                "get": {
                    "summary": "Checks of a monitor, oldest window first",
                    "parameters": [
                        _NAME,
                        {
                            "name": "limit",
                            "in": "query",
                            "description": "at most this many (1-10000)",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 10000},
                        },
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["checks"],
                                "properties": {
                                    "checks": {"type": "array", "items": {"$ref": _SUMMARY}}
                                },
                            },
                            "checks",
                        ),
                        **_errors(401, 404, 422),
                    },
                },
                "post": {
                    "summary": "Check one window that has ended now: {start, end}",
                    "parameters": [_NAME],
                    "requestBody": json_body(
                        {
                            "type": "object",
                            "required": ["start", "end"],
                            "properties": {
                                "start": {"type": "string", "format": "date-time"},
                                "end": {"type": "string", "format": "date-time"},
                            },
                        }
                    ),
                    "responses": {
                        "200": _json({"$ref": _SUMMARY}, "the stored check"),
                        **_errors(400, 401, 404, 422, 503),
                    },
                },
            },
            "/api/v1/monitors/{name}/performance": {
                "get": {
                    "summary": "Model performance per window, oldest first: realised (from "
                    "labels, with label coverage) and estimated (CBPE, with its band)",
                    "parameters": [
                        _NAME,
                        {
                            "name": "since",
                            "in": "query",
                            "description": "windows starting at or after this time",
                            "schema": {"type": "string", "format": "date-time"},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "description": "the latest this many windows (1-1000)",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                        },
                    ],
                    "responses": {
                        "200": _json(_performance_schema(), "performance history"),
                        **_errors(401, 404, 422),
                    },
                }
            },
            "/api/v1/audit": {
                "get": {
                    "summary": "The audit trail: state changes with their actor, newest first",
                    "parameters": [
                        {"name": "monitor", "in": "query", "schema": {"type": "string"}},
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                        },
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["events"],
                                "properties": {
                                    "events": {"type": "array", "items": {"type": "object"}}
                                },
                            },
                            "audit events",
                        ),
                        **_errors(401, 422),
                    },
                }
            },
            "/api/v1/checks/{id}": {
                "get": {
                    "summary": "One check with its column results and quality findings",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "allOf": [{"$ref": _SUMMARY}],
                                "type": "object",
                                "required": ["columns", "quality"],
                                "properties": {
                                    "columns": {
                                        "type": "object",
                                        "description": "per column: verdict drift, watch "
                                        "(significant, below its tolerance; never alerting) "
                                        "or ok, null when not tested; not_compared says why "
                                        "(identifier, datetime)",
                                    },
                                    "watch_columns": {
                                        "type": "array",
                                        "items": {"type": "string"},
                                    },
                                    "multivariate": {
                                        "type": ["object", "null"],
                                        "description": "drift of the features' joint "
                                        "distribution: status, drifted, verdict, method "
                                        "(classifier: statistic AUC, effect_size AUC - 0.5; "
                                        "pca: statistic the reconstruction errors' AUC, "
                                        "effect_size their W1/sd; off), p_value, threshold, "
                                        "top_columns",
                                    },
                                    "prediction_verdict": {
                                        "type": ["string", "null"],
                                        "enum": ["drift", "watch", "ok", None],
                                    },
                                    "quality": {"type": "array", "items": {"type": "object"}},
                                },
                            },
                            "check",
                        ),
                        **_errors(401, 404),
                    },
                }
            },
        },
    }


def with_scopes(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with each guarded operation's scope (``x-driftline-scope``, from
    :data:`monitor.service.access.ROUTE_SCOPES`) and its 403 answer."""
    from monitor.service.access import required_scope

    for path, item in doc.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or operation.get("security") == []:
                continue
            operation["x-driftline-scope"] = required_scope(method, path)
            operation.setdefault("responses", {}).setdefault("403", _json(_ERROR, "forbidden"))
    return doc
