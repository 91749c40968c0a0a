"""Reading what a client sent, for every route: JSON bodies, query integers, CSV text.

Each helper raises :class:`BadRequest` (status, code, message naming the field) instead of
letting a parser's exception become a 500; ``create_app`` answers it as the usual JSON
error. Extensions' routes (``alerts``) use the same helpers, so one client mistake gets
one kind of answer everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from flask import Request
from werkzeug.routing import IntegerConverter

__all__ = [
    "MAX_ID",
    "BadRequest",
    "IdConverter",
    "json_body",
    "json_object",
    "query_int",
    "text_body",
]

MAX_ID: Final = 2**31 - 1
"""The largest id a route takes: checks, deliveries and silences have 32-bit integer keys
on PostgreSQL."""


class BadRequest(Exception):
    """A client mistake: answered with ``status`` and a JSON error naming the field."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


class IdConverter(IntegerConverter):
    """``<int:...>`` for row ids: 1 to :data:`MAX_ID`, so a larger number is a 404, never
    a database overflow."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def json_body(request: Request) -> Any:
    """The request's JSON (None for an empty body); 400 naming the problem for anything
    that is not JSON, nested too deeply or not UTF-8."""
    data = request.get_data(cache=True)
    if not data.strip():
        return None
    try:
        return request.json_module.loads(data)
    except RecursionError:
        raise BadRequest(
            400, "bad_json", "the JSON body is nested too deeply; send flat records"
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(400, "bad_json", f"the body is not valid JSON: {exc}") from None


def json_object(request: Request, example: str) -> Mapping[str, Any]:
    """The request's JSON object ({} for an empty body); 400 for anything else."""
    body = json_body(request)
    if body is None:
        return {}
    if not isinstance(body, Mapping):
        raise BadRequest(
            400,
            "bad_request",
            f"expected a JSON object such as {example}; got {type(body).__name__}",
        )
    return body


def query_int(
    request: Request, name: str, *, default: int | None, low: int, high: int
) -> int | None:
    """The integer query parameter ``name`` within [low, high]; 422 naming it otherwise."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw) if len(raw) <= 20 else None
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        shown = raw if len(raw) <= 24 else raw[:21] + "..."
        raise BadRequest(
            422,
            "invalid_query",
            f"query parameter {name!r} must be an integer from {low} to {high}; got {shown!r}",
            parameter=name,
        )
    return value


def text_body(request: Request) -> str:
    """The body as UTF-8 text; 422 naming the first byte that is not UTF-8 (never a silent
    replacement character)."""
    data = request.get_data(cache=True)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(
            422,
            "invalid_encoding",
            f"the body is not UTF-8: byte {exc.start} (0x{data[exc.start]:02x}) cannot be "
            "decoded; send UTF-8 text",
            byte=exc.start,
        ) from None
