"""The REST API: live records and labels in, monitors and checks out.

``create_app`` builds a Flask app around a :class:`~monitor.store.Store` and the
configured monitors; the dashboard is mounted on the same server later. Every error is
JSON: ``{"error": {"code", "message", ...}}``.
"""

from __future__ import annotations

import csv
import hmac
import io
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Final

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from monitor.engine.ingest import RecordError, parse_event_time, validate_batch
from monitor.engine.windows import Window
from monitor.errors import ConfigError, DriftlineError, SchemaMismatch
from monitor.service.checks import CheckJob
from monitor.service.context import MonitorContext
from monitor.service.performance_json import history_json, parse_history_query
from monitor.store import CheckSummary, Store

__all__ = ["API_PREFIX", "ApiSettings", "create_app"]

API_PREFIX: Final = "/api/v1"
"""Where every versioned route lives; the token guards everything under it."""


@dataclass(frozen=True, slots=True)
class ApiSettings:
    token: str | None = None
    max_request_bytes: int = 10 * 1024 * 1024
    max_batch_records: int = 10_000


def _error(status: int, code: str, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message, **extra}}), status


def _summary(check: CheckSummary) -> dict[str, Any]:
    out = asdict(check)
    for key, value in out.items():
        if isinstance(value, datetime):
            out[key] = value.isoformat()
    return out


def _csv_records(text: str) -> list[dict[str, Any]]:
    """CSV rows as records: empty cells are null, numbers become numbers."""
    rows: list[dict[str, Any]] = []
    for row in csv.DictReader(io.StringIO(text)):
        record: dict[str, Any] = {}
        for key, cell in row.items():
            record[key] = _cell(cell)
        rows.append(record)
    return rows


def _cell(cell: str | None) -> Any:
    if cell is None or cell == "":
        return None
    if cell in ("True", "true"):
        return True
    if cell in ("False", "false"):
        return False
    for kind in (int, float):
        try:
            return kind(cell)
        except ValueError:
            continue
    return cell


def create_app(
    store: Store,
    monitors: Mapping[str, MonitorContext],
    settings: ApiSettings | None = None,
    *,
    openapi: Callable[[], dict[str, Any]] | None = None,
    checks: CheckJob | None = None,
) -> Flask:
    """The API app. ``monitors`` maps monitor names to what their checks need (``serve``
    updates the mapping when driftline.yaml changes); ``checks`` is the check job that
    the run-now route calls (without it, the route answers 503)."""
    config = settings or ApiSettings()
    app = Flask("driftline")
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes

    def monitor_or_404(name: str) -> MonitorContext | tuple[Response, int]:
        found = monitors.get(name)
        if found is None:
            return _error(404, "unknown_monitor", f"no monitor {name!r}; known: {sorted(monitors)}")
        return found

    @app.before_request
    def _authorise() -> tuple[Response, int] | None:
        if config.token is None or not request.path.startswith(API_PREFIX + "/"):
            return None
        header = request.headers.get("Authorization", "")
        given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        if not hmac.compare_digest(given.encode(), config.token.encode()):
            return _error(401, "unauthorised", "send 'Authorization: Bearer <token>'")
        return None

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int]:
        status = exc.code or 500
        if status == 413:
            return _error(
                413,
                "request_too_large",
                f"request body exceeds the limit of {config.max_request_bytes} bytes; "
                "send smaller batches",
                limit_bytes=config.max_request_bytes,
            )
        return _error(
            status, (exc.name or "error").lower().replace(" ", "_"), exc.description or ""
        )

    @app.get("/api/health")
    def health() -> Response:
        return jsonify({"status": "ok", "monitors": len(monitors)})

    @app.get("/api/openapi.json")
    def openapi_document() -> Response:
        from monitor.service.openapi import document

        return jsonify(openapi() if openapi else document())

    @app.get(f"{API_PREFIX}/monitors")
    def list_monitors() -> Response:
        out = []
        for name in sorted(monitors):
            checks = store.list_checks(name, limit=1, newest_first=True)
            out.append(
                {
                    "name": name,
                    "records": store.count_records(name),
                    "last_check": _summary(checks[0]) if checks else None,
                }
            )
        return jsonify({"monitors": out})

    @app.post(f"{API_PREFIX}/monitors/<name>/records")
    def add_records(name: str) -> tuple[Response, int]:
        monitor = monitor_or_404(name)
        if not isinstance(monitor, MonitorContext):
            return monitor
        if request.mimetype == "text/csv":
            payload: Any = _csv_records(request.get_data(as_text=True))
        else:
            payload = request.get_json(silent=True)
            if isinstance(payload, dict):
                payload = payload.get("records")
        if not isinstance(payload, list):
            return _error(
                400,
                "bad_request",
                'send a JSON list of records (or {"records": [...]}) or text/csv',
            )
        try:
            table = validate_batch(
                monitor.current_baseline(), payload, max_records=config.max_batch_records
            )
        except RecordError as exc:
            return _error(422, "invalid_record", str(exc), index=exc.index, column=exc.column)
        except SchemaMismatch as exc:
            return _error(413, "batch_too_large", str(exc), limit=config.max_batch_records)
        inserted = store.add_batch(name, table)
        return jsonify(
            {
                "received": len(payload),
                "inserted": inserted,
                "duplicates": table.num_rows - inserted,
            }
        ), 200

    @app.post(f"{API_PREFIX}/monitors/<name>/labels")
    def add_labels(name: str) -> tuple[Response, int]:
        monitor = monitor_or_404(name)
        if not isinstance(monitor, MonitorContext):
            return monitor
        payload = request.get_json(silent=True)
        if isinstance(payload, dict):
            payload = payload.get("labels")
        if not isinstance(payload, list):
            return _error(400, "bad_request", 'send a JSON list of {"id": ..., "label": ...}')
        pairs: list[tuple[str, Any]] = []
        for index, item in enumerate(payload):
            if not isinstance(item, dict) or "id" not in item or "label" not in item:
                return _error(
                    422,
                    "invalid_label",
                    f'label {index}: expected {{"id": ..., "label": ...}}',
                    index=index,
                )
            pairs.append((str(item["id"]), item["label"]))
        return jsonify({"received": len(pairs), "stored": store.add_labels(name, pairs)}), 200

    @app.get(f"{API_PREFIX}/monitors/<name>/checks")
    def list_checks(name: str) -> tuple[Response, int]:
        monitor = monitor_or_404(name)
        if not isinstance(monitor, MonitorContext):
            return monitor
        limit = request.args.get("limit", default=None, type=int)
        checks = store.list_checks(name, limit=limit)
        return jsonify({"checks": [_summary(c) for c in checks]}), 200

    @app.get(f"{API_PREFIX}/monitors/<name>/performance")
    def performance_history(name: str) -> tuple[Response, int]:
        monitor = monitor_or_404(name)
        if not isinstance(monitor, MonitorContext):
            return monitor
        try:
            since, limit = parse_history_query(request.args)
        except ValueError as exc:
            return _error(422, "invalid_query", str(exc))
        history = store.performance_history(name, since=since, limit=limit)
        return jsonify(history_json(name, history)), 200

    @app.post(f"{API_PREFIX}/monitors/<name>/checks")
    def run_check_now(name: str) -> tuple[Response, int]:
        monitor = monitor_or_404(name)
        if not isinstance(monitor, MonitorContext):
            return monitor
        body = request.get_json(silent=True) or {}
        try:
            window = Window(parse_event_time(body.get("start")), parse_event_time(body.get("end")))
        except ValueError as exc:
            return _error(
                422, "invalid_window", f'{exc}; send {{"start": ISO time, "end": ISO time}}'
            )
        if checks is None:
            return _error(503, "checks_unavailable", "this server runs no check job")
        try:
            run = checks.run(name, window=window)
        except ConfigError as exc:
            return _error(422, "invalid_window", str(exc))
        return jsonify(_summary(run.checks[0])), 200

    @app.get(f"{API_PREFIX}/checks/<int:check_id>")
    def get_check(check_id: int) -> tuple[Response, int]:
        detail = store.get_check(check_id)
        if detail is None:
            return _error(404, "unknown_check", f"no check with id {check_id}")
        return jsonify(
            {
                **_summary(detail.summary),
                "columns": {c.name: c.to_dict() for c in detail.columns},
                "quality": [q.to_dict() for q in detail.quality],
            }
        ), 200

    @app.errorhandler(DriftlineError)
    def _domain_error(exc: DriftlineError) -> tuple[Response, int]:
        return _error(503, type(exc).__name__, str(exc))

    return app
