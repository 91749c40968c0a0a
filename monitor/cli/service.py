"""Service commands of the ``driftline`` CLI: db, serve, checks, monitors, serve-model."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from monitor import config as cfg
from monitor.engine.ingest import parse_event_time
from monitor.engine.windows import Window, align, due_windows
from monitor.errors import ConfigError
from monitor.redact import redact_url

__all__ = ["add_service_commands", "run_service_command"]

_log = logging.getLogger("driftline")


def add_service_commands(commands: Any) -> None:
    """Register ``db``, ``serve``, ``checks`` and ``monitors`` on the CLI's subparsers."""
    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="migrate the database to this version")
    _config_option(upgrade)

    serve = commands.add_parser("serve", help="run the API and the scheduler")
    _config_option(serve)
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
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
    _config_option(run)
    backfill = checks_commands.add_parser("backfill", help="re-check every window since T")
    backfill.add_argument("monitor")
    backfill.add_argument("--since", required=True, help="ISO 8601 time with offset")
    _config_option(backfill)

    monitors = commands.add_parser("monitors", help="configured monitors")
    monitors_commands = monitors.add_subparsers(dest="monitors_command", required=True)
    _config_option(monitors_commands.add_parser("list", help="monitors and their status"))
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


def _config_path(args: argparse.Namespace) -> Path:
    return Path(args.config or os.environ.get("DRIFTLINE_CONFIG") or cfg.DEFAULT_CONFIG_FILE)


def run_service_command(args: argparse.Namespace) -> int:
    from monitor.store import Store, upgrade

    if args.command == "serve-model":
        from monitor.serving.command import run_serve_model

        return run_serve_model(args)
    path = _config_path(args)
    if args.command == "monitors" and args.monitors_command == "add":
        from monitor.service.monitors_add import add_monitor

        return add_monitor(args, path)
    config = cfg.load_config(path, dict(os.environ))
    url = config.database_url
    if args.command == "db":
        upgrade(url)
        print(f"database {redact_url(url)} is at the latest schema")
        from monitor.mlflow.configured import registry_for, uses_registry

        if uses_registry(config):
            print(f"MLflow store {redact_url(registry_for(config).uri)} is ready")
        return 0
    if args.command == "serve":
        return _serve(args, config, path)
    if getattr(args, "extension", None) is not None:
        from monitor.service.extensions import ServiceContext

        return int(args.extension.run_command(args, ServiceContext(config, path, url)))
    store = Store(url)
    try:
        store.check_schema()
        if args.command == "monitors":
            return _monitors_list(store, config)
        return _checks(args, store, config, path)
    finally:
        store.close()


def _monitors_list(store: Any, config: cfg.Config) -> int:
    print(f"{'monitor':<24} {'records':>9}  last window end            status")
    for monitor in config.monitors:
        checks = store.list_checks(monitor.name, limit=1, newest_first=True)
        last = checks[0] if checks else None
        end = last.window_end_at.isoformat() if last else "-"
        print(
            f"{monitor.name:<24} {store.count_records(monitor.name):>9}  {end:<26} "
            f"{last.status if last else 'never checked'}"
        )
    return 0


def _checks(args: argparse.Namespace, store: Any, config: cfg.Config, path: Path) -> int:
    from monitor.mlflow.configured import follower_for
    from monitor.service.checks import run_check
    from monitor.service.context import monitor_context

    monitor = config.monitor(args.monitor)
    follower = follower_for(config, monitor, path.resolve().parent)
    context = monitor_context(monitor, path.resolve().parent, follower=follower)
    now = datetime.now(UTC)
    if args.checks_command == "run" and (args.start or args.end):
        if not (args.start and args.end):
            raise ConfigError("give both --start and --end, or neither for every due window")
        windows = [Window(parse_event_time(args.start), parse_event_time(args.end))]
    elif args.checks_command == "run":
        windows = due_windows(
            length=context.window,
            now=now,
            grace=context.grace,
            last_end_at=store.last_checked_window_end(args.monitor),
            first_event_at=store.first_event_at(args.monitor),
        )
    else:
        since = align(parse_event_time(args.since), context.window)
        windows = due_windows(
            length=context.window, now=now, grace=context.grace, last_end_at=since
        )
    failed = 0
    for window in tqdm(
        windows, desc=f"checking {args.monitor}", unit="window", disable=len(windows) < 2
    ):
        summary = run_check(store, context, window)
        failed += summary.status == "failed"
        tqdm.write(
            f"{window.start_at.isoformat()} .. {window.end_at.isoformat()}  "
            f"{summary.status:<18} {summary.reason}"
        )
    if not windows:
        print(f"{args.monitor}: no complete window to check")
    else:
        from monitor.service.extensions import ServiceContext, load_extensions

        for extension in load_extensions():  # alerts first: the write-back reads their state
            extension.after_checks(
                store, ServiceContext(config, path, config.database_url), args.monitor
            )
        if follower is not None:
            from monitor.mlflow.writeback import flush_writebacks

            result = flush_writebacks(store, follower.registry)  # type: ignore[arg-type]
            print(f"MLflow write-back: {result.sent} sent, {result.failed} postponed")
    return 2 if failed else 0


def _mount_extensions(app: Any, store: Any, config: cfg.Config) -> None:
    """Mount what installed packages add to the server (the dashboard), through the
    ``driftline.serve`` entry points: each is called as ``mount(app, store, config)``."""
    from importlib.metadata import entry_points

    for extension in sorted(entry_points(group="driftline.serve"), key=lambda e: e.name):
        extension.load()(app, store, config)
        _log.info("mounted %s (%s)", extension.name, extension.value)


def _link_registry(
    app: Any,
    config: cfg.Config,
    store: Any,
    contexts: dict[str, Any],
    at: datetime | None = None,
) -> None:
    """Resolve followed models once (so the API can validate records at once), add the
    MLflow webhook route and register the webhook on an MLflow server."""
    from monitor.errors import DriftlineError
    from monitor.mlflow.configured import register_webhook
    from monitor.mlflow.webhook import add_webhook_route

    followers = {name: c.model for name, c in contexts.items() if c.model is not None}
    for name, follower in followers.items():
        try:
            follower.resolve(store, at=at)
        except DriftlineError as exc:
            _log.warning("%s: %s; resolving again before each check", name, exc)
    hook = config.mlflow.webhook
    if followers and hook is not None:
        add_webhook_route(
            app, secret=hook.secret.get_secret_value(), followers=followers, store=store
        )
        register_webhook(config, next(iter(followers.values())).registry)


def _serve(args: argparse.Namespace, config: cfg.Config, path: Path) -> int:
    from monitor.service.api import ApiSettings, create_app
    from monitor.service.clock import CLOCK_ENV, FileClock, clock_from_spec
    from monitor.service.context import monitor_contexts
    from monitor.service.scheduler import LEASE_NAME, LEASE_TTL, build_scheduler, holder_id
    from monitor.store import Store

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    url = config.database_url
    clock = clock_from_spec(args.clock or os.environ.get(CLOCK_ENV))
    clock_spec = clock.spec if isinstance(clock, FileClock) else "system"
    store = Store(url)
    store.check_schema()
    for monitor in config.monitors:
        store.upsert_monitor(monitor.name, {"baseline": monitor.baseline})
    contexts = monitor_contexts(config, path.resolve().parent)
    token = config.api.token.get_secret_value() if config.api.token else None
    from monitor.service.extensions import ServiceContext, load_extensions
    from monitor.service.openapi import document

    extensions = load_extensions()
    service = ServiceContext(config, path, url)

    def after_check(monitor: str) -> None:
        for extension in extensions:
            extension.after_checks(store, service, monitor)

    def openapi() -> dict[str, Any]:
        out = document()
        for extension in extensions:
            out["paths"].update(extension.openapi_paths())
        return out

    app = create_app(
        store,
        contexts,
        ApiSettings(token, config.api.max_request_bytes, config.api.max_batch_records),
        openapi=openapi,
        after_check=after_check,
    )
    for extension in extensions:
        extension.register_api(app, store, service)
    _mount_extensions(app, store, config)
    _link_registry(app, config, store, contexts, at=clock())
    stop = threading.Event()
    started: list[Any] = []

    def _take_lease_and_schedule() -> None:
        """Start the scheduler once this process holds the lease; until then, keep trying
        (a crashed holder's lease expires after LEASE_TTL)."""
        warned = False
        while not stop.is_set():
            if store.acquire_lease(LEASE_NAME, holder_id(), LEASE_TTL):
                scheduler = build_scheduler(config, path, url, clock=clock_spec)
                scheduler.start()
                started.append(scheduler)
                _log.info("scheduler started for %d monitor(s)", len(config.monitors))
                return
            if not warned:
                _log.warning(
                    "another process holds the scheduler lease for %s; serving the API only "
                    "and taking over if that lease expires",
                    redact_url(url),
                )
                warned = True
            stop.wait(LEASE_TTL.total_seconds() / 3)

    lease_thread = threading.Thread(target=_take_lease_and_schedule, daemon=True)
    lease_thread.start()
    host = args.host or config.api.host
    port = args.port or config.api.port
    from werkzeug.serving import make_server

    server = make_server(host, port, app, threaded=True)

    def _shutdown(signum: int, frame: object) -> None:
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _shutdown)
    signal.signal(signal.SIGINT, _shutdown)
    _log.info("Driftline API listening on http://%s:%d", host, port)
    if isinstance(clock, FileClock):
        _log.info("checks go by the simulated time in %s, now %s", clock.path, clock())
    try:
        server.serve_forever()
    finally:
        stop.set()
        lease_thread.join(timeout=5)
        for scheduler in started:
            scheduler.pause()  # stops the job loop first (APScheduler 3 shutdown race)
            scheduler.shutdown(wait=True)
            store.release_lease(LEASE_NAME, holder_id())
        store.close()
    return 0
