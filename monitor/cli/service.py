"""Service commands of the ``driftline`` CLI: db, serve, checks, records, monitors,
serve-model."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.errors import ConfigError
from monitor.redact import redact_url

if TYPE_CHECKING:
    from monitor import config as cfg

__all__ = ["add_service_commands", "run_service_command"]

_log = logging.getLogger("driftline")


def add_service_commands(commands: Any) -> None:
    """Register ``db``, ``serve``, ``checks`` and ``monitors`` (``list``, ``show``, ``add``)
    on the CLI's subparsers."""
    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="migrate the database to this version")
    _config_option(upgrade)

    serve = commands.add_parser("serve", help="run the API and the scheduler")
    _config_option(serve)
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument(
        "--threads", type=int, default=None, help="request threads (default: api.threads, 8)"
    )
    serve.add_argument(
        "--clock",
        default=None,
        help="what time checks go by: 'system' (default) or 'file:PATH', a file holding a "
        "simulated ISO 8601 time that a replay advances (or $DRIFTLINE_CLOCK)",
    )

    checks = commands.add_parser("checks", help="run checks from the shell")
    checks_commands = checks.add_subparsers(dest="checks_command", required=True)
    run = checks_commands.add_parser("run", help="check one window, or every due window")
    run.add_argument("monitor")
    run.add_argument("--start", default=None, help="window start (ISO 8601 with offset)")
    run.add_argument("--end", default=None, help="window end (ISO 8601 with offset)")
    run.add_argument("--until", default=None, help="check due windows that end by T (ISO 8601)")
    _config_option(run)
    _clock_option(run)
    backfill = checks_commands.add_parser(
        "backfill", help="check again every window from T (that holds records)"
    )
    backfill.add_argument("monitor")
    backfill.add_argument("--since", required=True, help="ISO 8601 time with offset")
    backfill.add_argument("--until", default=None, help="ISO 8601 time with offset")
    _config_option(backfill)
    _clock_option(backfill)

    records = commands.add_parser("records", help="stored live records")
    records_commands = records.add_subparsers(dest="records_command", required=True)
    prune = records_commands.add_parser(
        "prune", help="remove records (and prediction logs) with event times before T"
    )
    prune.add_argument("--before", required=True, help="ISO 8601 time with offset, in the past")
    prune.add_argument("--monitor", default=None, help="only this monitor (default: every one)")
    _config_option(prune)

    monitors = commands.add_parser("monitors", help="configured monitors")
    monitors_commands = monitors.add_subparsers(dest="monitors_command", required=True)
    _config_option(monitors_commands.add_parser("list", help="monitors and their status"))
    show = monitors_commands.add_parser(
        "show", help="a monitor's effective settings (defaults filled in, secrets masked)"
    )
    show.add_argument("monitor")
    show.add_argument("--format", choices=("text", "json"), default="text")
    _config_option(show)
    audit = commands.add_parser("audit", help="the audit trail: who changed what")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    audit_list = audit_commands.add_parser("list", help="state changes, newest first")
    audit_list.add_argument("--monitor", default=None, help="only this monitor")
    audit_list.add_argument("--limit", type=int, default=50, help="at most this many (50)")
    _config_option(audit_list)
    from monitor.service.monitors_add import add_arguments

    add_arguments(monitors_commands.add_parser("add", help="add a monitor to driftline.yaml"))
    from monitor.serving.command import add_serve_model_command

    add_serve_model_command(commands)

    from monitor.service.extensions import load_extensions

    for extension in load_extensions():
        for name in extension.add_commands(commands):
            commands.choices[name].set_defaults(extension=extension)


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default=None, help="driftline.yaml (or $DRIFTLINE_CONFIG)")


def _clock_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--clock",
        default=None,
        help="what time it is for checks: 'system' (default) or 'file:PATH' (or $DRIFTLINE_CLOCK)",
    )


def _config_path(args: argparse.Namespace) -> Path:
    from monitor.config import DEFAULT_CONFIG_FILE

    return Path(args.config or os.environ.get("DRIFTLINE_CONFIG") or DEFAULT_CONFIG_FILE)


def run_service_command(args: argparse.Namespace) -> int:
    from monitor.store import Store, create_if_empty, upgrade

    alone = getattr(args, "run_alone", None)
    if alone is not None:  # a command that needs neither the configuration nor the database
        return int(alone(args))
    if args.command == "serve-model":
        from monitor.serving.command import run_serve_model

        return run_serve_model(args)
    path = _config_path(args)
    if args.command == "monitors" and args.monitors_command == "add":
        from monitor.service.monitors_add import add_monitor

        code = add_monitor(args, path)
        if code == 0:
            _audit_monitor_added(path, args)
        return code
    from monitor.config import load_config

    config = load_config(path, dict(os.environ))
    if args.command == "monitors" and args.monitors_command == "show":
        return _monitors_show(args, config)
    url = config.database_url
    if args.command == "db":
        upgrade(url)
        print(f"database {redact_url(url)} is at the latest schema")
        from monitor.mlflow.configured import registry_for, uses_registry

        if uses_registry(config):
            print(f"MLflow store {redact_url(registry_for(config).uri)} is ready")
        return 0
    if create_if_empty(url):
        print(f"database {redact_url(url)} created at the latest schema", file=sys.stderr)
    if args.command == "serve":
        return _serve(args, path)
    if getattr(args, "extension", None) is not None:
        from monitor.service.extensions import ServiceContext

        return int(args.extension.run_command(args, ServiceContext(config, path, url)))
    store = Store(url)
    try:
        store.check_schema()
        if args.command == "monitors":
            return _monitors_list(store, config)
        if args.command == "records":
            return _records_prune(args, store)
        if args.command == "audit":
            return _audit_list(args, store)
        return _checks(args, store, config, path)
    finally:
        store.close()


def _monitors_list(store: Any, config: cfg.Config) -> int:
    """``monitors list``: each configured monitor's records, last window and status (the
    one vocabulary of ``monitor.store.monitor_status``, as the API and dashboard show)."""
    from monitor.store import OpenAlerts, monitor_status

    alerts = store.count_open_alerts()
    print(f"{'monitor':<24} {'records':>9}  last window end            status")
    for monitor in config.monitors:
        checks = store.list_checks(monitor.name, limit=1, newest_first=True)
        last = checks[0] if checks else None
        end = last.window_end_at.isoformat() if last else "-"
        status = monitor_status(
            last.status if last else None, alerts.get(monitor.name, OpenAlerts())
        )
        print(f"{monitor.name:<24} {store.count_records(monitor.name):>9}  {end:<26} {status}")
    return 0


def _monitors_show(args: argparse.Namespace, config: cfg.Config) -> int:
    """``monitors show M``: the settings the API's ``GET /api/v1/monitors/M`` returns."""
    import json

    from monitor.config import effective_settings, settings_text

    settings = effective_settings(config, args.monitor)
    print(json.dumps(settings, indent=2) if args.format == "json" else settings_text(settings))
    return 0


def _records_prune(args: argparse.Namespace, store: Any) -> int:
    """``records prune``: the store's one prune (the retention job calls it too); refused
    when a window not checked yet needs the records, or when ``--before`` is in the future."""
    from monitor.engine.ingest import parse_event_time
    from monitor.store import PruneCuts

    try:
        before = parse_event_time(args.before)
    except ValueError as exc:
        raise ConfigError(f"--before {args.before!r}: {exc}") from exc
    result = store.prune(PruneCuts(records=before, prediction_logs=before), monitor=args.monitor)
    print(result.describe())
    return 0


def _checks(args: argparse.Namespace, store: Any, config: cfg.Config, path: Path) -> int:
    """``checks run`` and ``checks backfill``: the check job, as the scheduler runs it."""
    from tqdm import tqdm

    from monitor.engine.ingest import parse_event_time
    from monitor.engine.windows import Window
    from monitor.service.checks import CheckJob
    from monitor.service.clock import CLOCK_ENV, clock_from_spec
    from monitor.service.extensions import ServiceContext, load_extensions

    def when(option: str, value: str | None) -> datetime | None:
        if value is None:
            return None
        try:
            return parse_event_time(value)
        except ValueError as exc:
            raise ConfigError(f"--{option} {value!r}: {exc}") from exc

    job = CheckJob(
        store,
        ServiceContext(config, path, config.database_url),
        now=clock_from_spec(args.clock or os.environ.get(CLOCK_ENV)),
        extensions=load_extensions(),
    )
    window = None
    if args.checks_command == "run" and (args.start or args.end):
        start, end = when("start", args.start), when("end", args.end)
        if start is None or end is None:
            raise ConfigError("give both --start and --end, or neither for every due window")
        window = Window(start, end)
    bar = tqdm(desc=f"checking {args.monitor}", unit="window", disable=None)

    def progress(checked: Window, summary: Any) -> None:
        bar.update()
        tqdm.write(
            f"{checked.start_at.isoformat()} .. {checked.end_at.isoformat()}  "
            f"{summary.status:<18} {summary.reason or ''}".rstrip()
        )

    try:
        run = job.run(
            args.monitor,
            window=window,
            since=when("since", getattr(args, "since", None)),
            until=when("until", args.until),
            limit=None,
            recheck=args.checks_command == "backfill",
            progress=progress,
        )
    finally:
        bar.close()
        job.close()
    from monitor.service.access import cli_actor

    detail = {
        key: value
        for key in ("start", "end", "since", "until")
        if (value := getattr(args, key, None)) is not None
    }
    store.add_audit(
        cli_actor(),
        "check.backfill" if args.checks_command == "backfill" else "check.run",
        monitor=args.monitor,
        detail={**detail, "windows": len(run.checks), "failed": int(run.failed)},
    )
    if run.refreshed:
        print(f"{args.monitor}: realised performance recomputed for {len(run.refreshed)} window(s)")
    if not run.checks:
        print(run.note or f"{args.monitor}: no complete window to check")
    if run.writeback is not None and run.checks:
        print(f"MLflow write-back: {run.writeback.sent} sent, {run.writeback.failed} postponed")
    return 2 if run.failed else 0


def _audit_list(args: argparse.Namespace, store: Any) -> int:
    """``audit list``: the rows ``GET /api/v1/audit`` returns, as text."""
    import json

    if not 1 <= args.limit <= 1_000:
        raise ConfigError(f"--limit {args.limit}: give a number from 1 to 1000")
    print(f"{'at':<26} {'actor':<24} {'action':<15} {'monitor':<16} detail")
    for entry in store.list_audit(args.monitor, limit=args.limit):
        print(
            f"{entry.at.isoformat(timespec='seconds'):<26} {entry.actor:<24} "
            f"{entry.action:<15} {entry.monitor or '-':<16} "
            f"{json.dumps(dict(entry.detail), sort_keys=True)}"
        )
    return 0


def _audit_monitor_added(path: Path, args: argparse.Namespace) -> None:
    """Record ``monitors add`` in the audit trail when the database exists at the current
    schema (the command itself needs no database: ``serve`` creates it)."""
    from sqlalchemy.engine import make_url

    from monitor.config import load_config
    from monitor.service.access import cli_actor
    from monitor.store import Store, is_up_to_date

    config = load_config(path, dict(os.environ))
    url = make_url(config.database_url)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).exists()):
        return
    if not is_up_to_date(config.database_url):
        return
    name = config.monitors[-1].name
    store = Store(config.database_url)
    try:
        store.add_audit(
            cli_actor(),
            "monitor.add",
            monitor=name,
            detail={"model": args.model, "config": str(path)},
        )
    finally:
        store.close()


def _serve(args: argparse.Namespace, path: Path) -> int:
    from monitor.service.server import ServeOptions, serve

    return serve(
        path,
        ServeOptions(host=args.host, port=args.port, clock=args.clock, threads=args.threads),
    )
