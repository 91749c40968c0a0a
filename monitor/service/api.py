"""The REST API: live records and labels in, monitors and checks out.

``create_app`` builds a Flask app around a :class:`~monitor.store.Store` and the
configured monitors; the dashboard is mounted on the same server later. Every error is
JSON: ``{"error": {"code", "message", ...}}``; a client's mistake is a 4xx naming the field
(:mod:`monitor.service.requests`), never a 5xx.

Every request is first checked against the allowed ``Host`` names (a page on another
site cannot reach a server on 127.0.0.1 by DNS rebinding), and the app serves no static
folder.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from monitor.engine.ingest import (
    DEFAULT_MAX_UNKNOWN_FIELDS,
    EventTimeBounds,
    RecordError,
    id_problem,
    name_problem,
    parse_event_time,
    validate_batch,
)
from monitor.engine.windows import Window
from monitor.errors import ConfigError, DriftlineError, SchemaMismatch
from monitor.service.access import (
    ANONYMOUS,
    Tokens,
    audit_detail,
    audited_action,
    grants,
    required_scope,
)
from monitor.service.access import request_id as new_request_id
from monitor.service.checks import CheckJob
from monitor.service.context import Clock, MonitorContext, utc_now
from monitor.service.performance_json import history_json, parse_history_query
from monitor.service.requests import (
    BadRequest,
    IdConverter,
    json_body,
    json_object,
    query_int,
    text_body,
)
from monitor.store import CheckSummary, OpenAlerts, Store, monitor_status

__all__ = ["API_PREFIX", "ApiSettings", "create_app"]

API_PREFIX: Final = "/api/v1"
"""Where every versioned route lives; the token guards everything under it."""


_LOCAL_HOSTS: Final = ("localhost", "127.0.0.1", "::1")
MAX_CHECKS_LISTED: Final = 10_000
MAX_AUDIT_LISTED: Final = 1_000


@dataclass(frozen=True, slots=True)
class ApiSettings:
    token: str | None = None
    max_request_bytes: int = 10 * 1024 * 1024
    max_batch_records: int = 10_000
    max_unknown_fields: int = DEFAULT_MAX_UNKNOWN_FIELDS
    max_event_ahead: timedelta = timedelta(days=1)
    max_event_age: timedelta = timedelta(days=3650)
    allowed_hosts: Collection[str] = field(default_factory=lambda: _LOCAL_HOSTS)
    """Host names served (``*``: any); see :func:`allowed_hosts`."""
    tokens: Tokens | None = None
    """The named tokens with scopes; None: ``token`` alone, as the admin ``default``."""


def allowed_hosts(bind_host: str, configured: Collection[str]) -> tuple[str, ...]:
    """The Host names a server bound to ``bind_host`` answers: ``configured`` when given,
    else the bind host (unless it is a wildcard address) and the loopback names."""
    if configured:
        return tuple(configured)
    extra = () if bind_host in ("0.0.0.0", "::", "") else (bind_host,)
    return tuple(dict.fromkeys((*extra, *_LOCAL_HOSTS)))


def _host_name(header: str) -> str:
    """The name part of a Host header: ``[::1]:8050`` -> ``::1``, ``a.b:80`` -> ``a.b``."""
    host = header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _error(status: int, code: str, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message, **extra}}), status


def _summary(check: CheckSummary) -> dict[str, Any]:
    out = asdict(check)
    for key, value in out.items():
        if isinstance(value, datetime):
            out[key] = value.isoformat()
    return out


def _csv_records(text: str) -> list[dict[str, Any]]:
    """CSV rows as records: empty cells are null, numbers become numbers. A header with a
    bad name, or a row the csv module cannot read (a NUL byte), is a 422 naming it."""
    reader = csv.reader(io.StringIO(text))
    rows: list[dict[str, Any]] = []
    try:
        header = next(reader, [])
        for name in header:
            problem = name_problem(name)
            if problem is not None:
                shown = name.encode("unicode_escape").decode()[:200]
                raise BadRequest(
                    422, "invalid_record", f"CSV header {shown!r}: {problem}", column=shown
                )
        for line, cells in enumerate(reader, start=2):
            if len(cells) > len(header):
                raise BadRequest(
                    422,
                    "invalid_record",
                    f"CSV line {line}: {len(cells)} cells but the header names {len(header)} "
                    "columns",
                    index=len(rows),
                )
            rows.append({key: _cell(cell) for key, cell in zip(header, cells, strict=False)})
    except csv.Error as exc:
        raise BadRequest(
            422, "invalid_record", f"CSV line {reader.line_num}: {exc}", index=len(rows)
        ) from None
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
            return kind(cell) if len(cell) <= 40 else cell
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
    now: Clock | None = None,
    monitor_settings: Callable[[str], Mapping[str, Any]] | None = None,
) -> Flask:
    """The API app. ``monitors`` maps monitor names to what their checks need (``serve``
    updates the mapping when driftline.yaml changes); ``checks`` is the check job that
    the run-now route calls (without it, the route answers 503); ``now`` is the service
    clock ingest bounds event times by (default: the check job's, else the system's);
    ``monitor_settings`` gives a monitor's effective settings, secrets masked
    (:func:`monitor.config.effective.effective_settings` on the running configuration;
    without it, ``GET /api/v1/monitors/<name>`` answers 503)."""
    config = settings or ApiSettings()
    clock: Clock = now or (checks.now if checks is not None else utc_now)
    app = Flask("driftline", static_folder=None)  # never serve ./static
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes
    app.url_map.converters["int"] = IdConverter  # ids past MAX_ID are 404s
    hosts = {host.lower() for host in config.allowed_hosts}

    def monitor_or_404(name: str) -> MonitorContext | tuple[Response, int]:
        found = monitors.get(name)
        if found is None:
            return _error(404, "unknown_monitor", f"no monitor {name!r}; known: {sorted(monitors)}")
        return found

    @app.before_request
    def _check_host() -> tuple[Response, int] | None:
        if "*" in hosts or _host_name(request.host) in hosts:
            return None
        return _error(
            421,
            "unknown_host",
            f"this server answers Host {sorted(hosts)}; set api.allowed_hosts to serve other names",
        )

    @app.errorhandler(BadRequest)
    def _bad_request(exc: BadRequest) -> tuple[Response, int]:
        return _error(exc.status, exc.code, exc.message, **exc.extra)

    tokens = config.tokens if config.tokens is not None else Tokens.single(config.token)

    @app.before_request
    def _authorise() -> tuple[Response, int] | None:
        """The one place a request's token and scope are checked (the route → scope
        table is :data:`monitor.service.access.ROUTE_SCOPES`)."""
        g.driftline_request_id = new_request_id(request.headers.get("X-Request-Id"))
        g.driftline_actor = ANONYMOUS
        if tokens.is_open or not request.path.startswith(API_PREFIX + "/"):
            return None
        found = tokens.identify(request.headers.get("Authorization", ""))
        if found is None:
            return _error(401, "unauthorised", "send 'Authorization: Bearer <token>'")
        g.driftline_actor = found.name
        if request.url_rule is None:
            return None  # a 404 or 405 follows; it reveals nothing a token could not read
        needed = required_scope(request.method, request.url_rule.rule)
        if not grants(found.scopes, needed):
            return _error(
                403,
                "forbidden",
                f"token {found.name!r} has scope(s) {', '.join(found.scopes)}; "
                f"{request.method} {request.url_rule.rule} needs scope {needed!r}",
            )
        return None

    @app.after_request
    def _audit(response: Response) -> Response:
        """A successful state change leaves one audit entry: actor, action, monitor,
        request id and a small detail (:func:`monitor.service.access.audit_detail`)."""
        rule = request.url_rule
        response.headers["X-Request-Id"] = g.get("driftline_request_id", "")
        if rule is None or not 200 <= response.status_code < 300:
            return response
        action = audited_action(request.method, rule.rule)
        if action is None:
            return response
        body = response.get_json(silent=True) if response.is_json else None
        args = request.view_args or {}
        monitor = args.get("name")
        if monitor is None and isinstance(body, dict) and isinstance(body.get("monitor"), str):
            monitor = body["monitor"]
        store.add_audit(
            g.get("driftline_actor", ANONYMOUS),
            action,
            monitor=monitor if isinstance(monitor, str) else None,
            request_id=g.get("driftline_request_id"),
            detail=audit_detail(args, body),
        )
        return response

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
        from monitor.service.openapi import document, with_scopes

        return jsonify(with_scopes(openapi() if openapi else document()))

    @app.get(f"{API_PREFIX}/monitors")
    def list_monitors() -> Response:
        out = []
        alerts = store.count_open_alerts()
        for name in sorted(monitors):
            checks = store.list_checks(name, limit=1, newest_first=True)
            open_alerts = alerts.get(name, OpenAlerts())
            out.append(
                {
                    "name": name,
                    "status": monitor_status(checks[0].status if checks else None, open_alerts),
                    "records": store.count_records(name),
                    "last_check": _summary(checks[0]) if checks else None,
                    "open_alerts": {"firing": open_alerts.firing, "pending": open_alerts.pending},
                }
            )
        return jsonify({"monitors": out})

    @app.get(f"{API_PREFIX}/monitors/<name>")
    def show_monitor(name: str) -> tuple[Response, int]:
        monitor = monitor_or_404(name)
        if not isinstance(monitor, MonitorContext):
            return monitor
        if monitor_settings is None:
            return _error(503, "settings_unavailable", "this server has no configuration")
        return jsonify(dict(monitor_settings(name))), 200

    @app.post(f"{API_PREFIX}/monitors/<name>/records")
    def add_records(name: str) -> tuple[Response, int]:
        monitor = monitor_or_404(name)
        if not isinstance(monitor, MonitorContext):
            return monitor
        if request.mimetype == "text/csv":
            payload: Any = _csv_records(text_body(request))
        else:
            payload = json_body(request)
            if isinstance(payload, dict):
                payload = payload.get("records")
        if not isinstance(payload, list):
            return _error(
                400,
                "bad_request",
                'send a JSON list of records (or {"records": [...]}) or text/csv',
            )
        baseline = monitor.current_baseline()
        at = clock()
        bounds = EventTimeBounds(
            not_before=baseline.created_at - config.max_event_age,
            not_after=at + config.max_event_ahead,
            hint="api.max_event_age counts back from the baseline's creation, "
            "api.max_event_ahead forward from now; fix the producer's clock",
        )
        try:
            table = validate_batch(
                baseline,
                payload,
                max_records=config.max_batch_records,
                max_unknown_fields=config.max_unknown_fields,
                event_times=bounds,
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
        payload = json_body(request)
        if isinstance(payload, dict):
            payload = payload.get("labels")
        if not isinstance(payload, list):
            return _error(400, "bad_request", 'send a JSON list of {"id": ..., "label": ...}')
        if len(payload) > config.max_batch_records:
            return _error(
                413,
                "batch_too_large",
                f"{len(payload)} labels exceed the limit of {config.max_batch_records} per "
                "request; split them",
                limit=config.max_batch_records,
            )
        pairs: list[tuple[str, Any]] = []
        for index, item in enumerate(payload):
            if not isinstance(item, dict) or "id" not in item or "label" not in item:
                return _error(
                    422,
                    "invalid_label",
                    f'label {index}: expected {{"id": ..., "label": ...}}',
                    index=index,
                )
            problem = id_problem(item["id"])
            if problem is not None:
                return _error(
                    422, "invalid_label", f"label {index}, field 'id': {problem}", index=index
                )
            label = item["label"]
            if not (label is None or isinstance(label, str | int | float | bool)):
                return _error(
                    422,
                    "invalid_label",
                    f"label {index}, field 'label': expected a number, string, boolean or "
                    f"null, got {type(label).__name__}",
                    index=index,
                )
            pairs.append((str(item["id"]), label))
        unknown = store.unknown_record_ids(name, [record_id for record_id, _ in pairs])
        if unknown:
            shown = ", ".join(repr(u) for u in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
            return _error(
                422,
                "unknown_record",
                f"{len(unknown)} label(s) name no record of {name!r}: {shown}; send the "
                "records first, then their labels",
                ids=unknown[:5],
            )
        return jsonify({"received": len(pairs), "stored": store.add_labels(name, pairs)}), 200

    @app.get(f"{API_PREFIX}/monitors/<name>/checks")
    def list_checks(name: str) -> tuple[Response, int]:
        monitor = monitor_or_404(name)
        if not isinstance(monitor, MonitorContext):
            return monitor
        limit = query_int(request, "limit", default=None, low=1, high=MAX_CHECKS_LISTED)
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
        body = json_object(request, '{"start": ISO time, "end": ISO time}')
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
                "watch_columns": [c.name for c in detail.columns if c.verdict == "watch"],
                "prediction_verdict": next(
                    (c.verdict for c in detail.columns if c.role == "prediction" and c.verdict),
                    None,
                ),
                "quality": [q.to_dict() for q in detail.quality],
                "multivariate": (
                    None
                    if detail.report is None or detail.report.multivariate is None
                    else detail.report.multivariate.to_dict()
                ),
            }
        ), 200

    @app.get(f"{API_PREFIX}/audit")
    def audit_trail() -> tuple[Response, int]:
        name = request.args.get("monitor") or None
        limit = query_int(request, "limit", default=100, low=1, high=MAX_AUDIT_LISTED)
        assert limit is not None
        entries = store.list_audit(name, limit=limit)
        return jsonify({"events": [entry.to_dict() for entry in entries]}), 200

    @app.errorhandler(DriftlineError)
    def _domain_error(exc: DriftlineError) -> tuple[Response, int]:
        return _error(503, type(exc).__name__, str(exc))

    return app
