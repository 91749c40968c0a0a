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
