"""``driftline serve``: the API, the dashboard and the scheduler in one process, on waitress.

:class:`Service` wires what the service runs from a configuration file: the monitors'
contexts, the one :class:`~monitor.service.checks.CheckJob` (the API's run-now route uses
it; the scheduler's jobs build their own on the same clock), the Flask app with the
extensions' routes and the mounted dashboard, the MLflow link, and the scheduler once this
process holds the lease.

The configuration is live: :meth:`Service.reload` (on SIGHUP, and when the file watcher
sees driftline.yaml change) validates the file first; an invalid change is refused with the
usual message and the running configuration stays. A valid one adds, changes and removes
monitors in place: ingest accepts records for a new monitor at once, and the scheduler
gains or drops its check job. The API's tokens (``api.token``, ``api.tokens``) change at
once too, so a token is rotated without a restart (the dashboard's login and ``/metrics``
keep the tokens they started with).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Final

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from monitor import config as cfg
from monitor.errors import ConfigError, DriftlineError
from monitor.redact import SecretFilter, redact_url
from monitor.service.access import Tokens
from monitor.service.api import ApiSettings, allowed_hosts, create_app
from monitor.service.checks import CheckJob
from monitor.service.clock import FileClock, clock_from_spec
from monitor.service.context import MonitorContext, monitor_context
from monitor.service.extensions import (
    MOUNT_GROUP,
    ServiceContext,
    load_extensions,
    service_openapi,
)
from monitor.service.metrics import mount_metrics
from monitor.service.scheduler import (
    LEASE_NAME,
    build_scheduler,
    holder_id,
    sync_check_jobs,
)
from monitor.store import Store

__all__ = ["WATCH_INTERVAL_S", "ServeOptions", "Service", "serve"]

_log = logging.getLogger("driftline")

WATCH_INTERVAL_S: Final = 1.0
"""How often the file watcher looks at driftline.yaml's modification time and size."""

# APScheduler logs two INFO lines per job run (every second for the delivery job) and a
# WARNING each time a run is skipped because the previous one still runs (coalescing, by
# design): the service logs one line per check or error itself; job crashes stay ERRORs.
_QUIET_LOGGERS: Final = ("apscheduler", "waitress.queue", "httpx", "httpcore")
"""httpx logs every request's full URL at INFO: a Slack webhook or a ``?token=`` with it."""
_QUIET_LEVEL: Final = logging.ERROR


@dataclass(frozen=True, slots=True)
class ServeOptions:
    host: str | None = None
    port: int | None = None
    clock: str | None = None
    threads: int | None = None
    watch: bool = True


def _contexts(config: cfg.Config, config_dir: Path, names: set[str]) -> dict[str, MonitorContext]:
    from monitor.mlflow.configured import follower_for, registry_for, uses_registry

    registry = registry_for(config) if uses_registry(config) else None
    built: dict[str, MonitorContext] = {}
    for monitor in config.monitors:
        if monitor.name in names:
            follower = follower_for(config, monitor, config_dir, registry)
            built[monitor.name] = monitor_context(monitor, config_dir, follower=follower)
    return built


class Service:
    """One ``driftline serve`` process (see the module docstring)."""

    def __init__(
        self,
        config_path: Path,
        options: ServeOptions = ServeOptions(),
        secrets: SecretFilter | None = None,
    ) -> None:
        self.path = config_path
        self.options = options
        self.config = cfg.load_config(config_path, dict(os.environ))
        self.secrets = secrets or SecretFilter()
        self.secrets.update(cfg.secret_values(self.config))
        self.clock = clock_from_spec(options.clock or os.environ.get("DRIFTLINE_CLOCK"))
        self.clock_spec = self.clock.spec if isinstance(self.clock, FileClock) else "system"
        self.store = Store(self.config.database_url)
        self.store.check_schema()
        self.contexts: dict[str, MonitorContext] = {}
        self.extensions = load_extensions()
        self.checks = CheckJob(
            self.store,
            self._service_context(),
            now=self.clock,
            extensions=self.extensions,
            contexts=self.contexts,
        )
        self._apply(self.config, first=True)
        self.tokens = Tokens.from_config(self.config.api)
        self.app = self._app()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._scheduler: BackgroundScheduler | None = None
        self._signature = self._file_signature()

    def _service_context(self) -> ServiceContext:
        return ServiceContext(self.config, self.path, self.config.database_url)

    def _app(self) -> Flask:
        token = self.config.api.token.get_secret_value() if self.config.api.token else None
        api = self.config.api

        def openapi() -> dict[str, Any]:
            return service_openapi(self.extensions)

        app = create_app(
            self.store,
            self.contexts,
            ApiSettings(
                token,
                api.max_request_bytes,
                api.max_batch_records,
                max_unknown_fields=api.max_unknown_fields,
                max_event_ahead=api.max_event_ahead,
                max_event_age=api.max_event_age,
                allowed_hosts=allowed_hosts(self.options.host or api.host, api.allowed_hosts),
                tokens=self.tokens,
            ),
            openapi=openapi,
            checks=self.checks,
            now=self.clock,
            monitor_settings=lambda name: cfg.effective_settings(self.config, name),
        )
        mount_metrics(app, self.store, lambda: self.config, self.contexts)
        service = self._service_context()
        for extension in self.extensions:
            extension.register_api(app, self.store, service)
        for mount in sorted(entry_points(group=MOUNT_GROUP), key=lambda e: e.name):
            mount.load()(app, self.store, self.config)
            _log.info("mounted %s (%s)", mount.name, mount.value)
        self._link_registry(app)
        return app

    def waitress_options(self) -> dict[str, Any]:
        """waitress's own limits, in line with the API's: a body over
        ``api.max_request_bytes`` is refused with 413 however it is sent (chunked too)."""
        return {"max_request_body_size": self.config.api.max_request_bytes}

    def _link_registry(self, app: Flask) -> None:
        """The MLflow webhook route (promotions reach the followers at once) and its
        registration on an MLflow server."""
        from monitor.mlflow.configured import register_webhook, registry_for
        from monitor.mlflow.webhook import add_webhook_route

        followers = {n: c.model for n, c in self.contexts.items() if c.model is not None}
        hook = self.config.mlflow.webhook
        if followers and hook is not None:
            add_webhook_route(
                app, secret=hook.secret.get_secret_value(), followers=followers, store=self.store
            )
            register_webhook(self.config, registry_for(self.config))

    def _apply(self, config: cfg.Config, *, first: bool = False) -> list[str]:
        """Make ``config`` the running configuration; returns what changed, for the log."""
        old = {m.name: m for m in ([] if first else self.config.monitors)}
        new = {m.name: m for m in config.monitors}
        changed = {name for name, m in new.items() if old.get(name) != m}
        removed = set(old) - set(new)
        built = _contexts(config, self.path.resolve().parent, changed)
        for name in changed:
            self.store.upsert_monitor(name, {"baseline": new[name].baseline})
            follower = built[name].model
            if follower is not None:
                try:
                    follower.resolve(self.store, at=self.clock())
                except DriftlineError as exc:
                    _log.warning("%s: %s; resolving again before each check", name, exc)
        replaced = [self.contexts[n] for n in changed | removed if n in self.contexts]
        self.config = config
        self.checks.service = self._service_context()
        self.contexts.update(built)
        for name in removed:
            del self.contexts[name]
        for context in replaced:
            if context.source is not None:
                context.source.close()
        return (
            [f"+{n}" for n in sorted(changed - set(old))]
            + [f"~{n}" for n in sorted(changed & set(old))]
            + [f"-{n}" for n in sorted(removed)]
        )

    def _file_signature(self) -> tuple[float, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return (stat.st_mtime, stat.st_size)

    def reload(self) -> bool:
        """Load driftline.yaml again and apply it; False (and the old configuration keeps
        running) when the new file is invalid."""
        with self._lock:
            self._signature = self._file_signature()
            try:
                config = cfg.load_config(self.path, dict(os.environ))
                if config.database_url != self.config.database_url:
                    raise ConfigError(
                        f"database_url changed to {redact_url(config.database_url)}; "
                        "restart driftline serve to move to another database"
                    )
                changes = self._apply(config)
            except (ConfigError, DriftlineError) as exc:
                _log.error(
                    "%s: change refused, the running configuration stays: %s", self.path, exc
                )
                return False
            self.secrets.update(cfg.secret_values(config))
            self.tokens.replace(Tokens.from_config(config.api))
            if self._scheduler is not None:
                sync_check_jobs(
                    self._scheduler, config, self.path, config.database_url, self.clock_spec
                )
            _log.info(
                "%s reloaded: %s", self.path, " ".join(changes) if changes else "no monitor changed"
            )
            return True

    def _watch(self) -> None:
        while not self._stop.wait(WATCH_INTERVAL_S):
            if self._file_signature() != self._signature:
                self.reload()

    def _take_lease_and_schedule(self) -> None:
        """Start the scheduler once this process holds the lease; until then, keep trying
        every third of ``scheduler.lease_ttl`` (a crashed holder's lease expires that long
        after its last renewal). The scheduler keeps the TTL it started with."""
        warned = False
        url = self.config.database_url
        while not self._stop.is_set():
            ttl = self.config.scheduler.lease_ttl
            if self.store.acquire_lease(LEASE_NAME, holder_id(), ttl):
                with self._lock:
                    scheduler = build_scheduler(self.config, self.path, url, clock=self.clock_spec)
                    scheduler.start()
                    self._scheduler = scheduler
                _log.info("scheduler started for %d monitor(s)", len(self.config.monitors))
                return
            if not warned:
                _log.warning(
                    "another process holds the scheduler lease for %s; serving the API only "
                    "and taking over if that lease expires",
                    redact_url(url),
                )
                warned = True
            self._stop.wait(ttl.total_seconds() / 3)

    def run(self) -> int:
        """Serve until SIGTERM or SIGINT; SIGHUP reloads driftline.yaml."""
        from waitress.server import create_server

        host = self.options.host or self.config.api.host
        port = self.options.port or self.config.api.port
        threads = self.options.threads or self.config.api.threads
        server: Any = create_server(
            self.app, host=host, port=port, threads=threads, **self.waitress_options()
        )
        background = [threading.Thread(target=self._take_lease_and_schedule, daemon=True)]
        if self.options.watch:
            background.append(threading.Thread(target=self._watch, daemon=True))
        for thread in background:
            thread.start()

        def _stop(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGHUP, lambda signum, frame: self.reload())
        _log.info(
            "Driftline API listening on http://%s:%s (waitress, %d threads)",
            host,
            server.effective_port,
            threads,
        )
        if isinstance(self.clock, FileClock):
            _log.info(
                "checks go by the simulated time in %s, now %s", self.clock.path, self.clock()
            )
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            self._stop.set()
            server.close()
            for thread in background:
                thread.join(timeout=5)
            if self._scheduler is not None:
                self._scheduler.pause()  # stops the job loop first (APScheduler 3 shutdown race)
                self._scheduler.shutdown(wait=True)
                self.store.release_lease(LEASE_NAME, holder_id())
            for context in self.contexts.values():
                if context.source is not None:
                    context.source.close()
            self.store.close()
        return 0


def serve(config_path: Path, options: ServeOptions = ServeOptions()) -> int:
    """Run ``driftline serve`` (logging set up for a service: one line per check or error)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(_QUIET_LEVEL)
    secrets = SecretFilter()  # every line any logger writes passes it
    for handler in logging.getLogger().handlers:
        handler.addFilter(secrets)
    return Service(config_path, options, secrets).run()
