"""The OpenAPI 3.1 document of the REST API, served at ``/api/openapi.json``."""

from __future__ import annotations

from typing import Any

__all__ = ["document"]

_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): _json(_ERROR, "error") for code in codes}


_NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}


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
            "windows": {"type": "array", "items": window},
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
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        }
                    },
                },
                "Record": record,
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/health": {
                "get": {
                    "summary": "Liveness; needs no token",
                    "security": [],
                    "responses": {"200": _json({"type": "object"}, "ok")},
                }
            },
            "/api/v1/monitors": {
                "get": {
                    "summary": "Monitors with their record count and last check",
                    "responses": {"200": _json({"type": "object"}, "monitors"), **_errors(401)},
                }
            },
            "/api/v1/monitors/{name}/records": {
                "post": {
                    "summary": "Ingest a batch of live records (all or nothing; ids idempotent)",
                    "parameters": [_NAME],
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Record"},
                                }
                            },
                            "text/csv": {"schema": {"type": "string"}},
                        }
                    },
                    "responses": {
                        "200": _json({"type": "object"}, "received, inserted, duplicates"),
                        **_errors(400, 401, 404, 413, 422),
                    },
                }
            },
            "/api/v1/monitors/{name}/labels": {
                "post": {
                    "summary": "Attach ground-truth labels to records by id",
                    "parameters": [_NAME],
                    "responses": {
                        "200": _json({"type": "object"}, "stored"),
                        **_errors(400, 401, 404, 422),
                    },
                }
            },
            "/api/v1/monitors/{name}/checks": {
                "get": {
                    "summary": "Checks of a monitor, oldest window first",
                    "parameters": [_NAME],
                    "responses": {"200": _json({"type": "object"}, "checks"), **_errors(401, 404)},
                },
                "post": {
                    "summary": "Run a check now for {start, end}",
                    "parameters": [_NAME],
                    "responses": {
                        "200": _json({"type": "object"}, "the stored check"),
                        **_errors(401, 404, 422),
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
            "/api/v1/checks/{id}": {
                "get": {
                    "summary": "One check with its column results and quality findings",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {"200": _json({"type": "object"}, "check"), **_errors(401, 404)},
                }
            },
        },
    }
