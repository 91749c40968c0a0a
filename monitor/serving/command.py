"""``driftline serve-model models:/<name>@<alias>``: serve the registered model, follow the
alias, log every prediction to a monitor.

Settings come from the options, then driftline.yaml when there is one (the MLflow tracking
URI and webhook secret, the API's address and token), then the environment
(``DRIFTLINE_URL``, ``DRIFTLINE_API_TOKEN``, ``MLFLOW_TRACKING_URI``). The server is
waitress (a production WSGI server, ``--threads`` request threads in one process).
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import signal
from pathlib import Path
from typing import Any

from monitor import config as cfg
from monitor.config.durations import parse_duration
from monitor.errors import ConfigError
from monitor.redact import redact_url

__all__ = ["add_serve_model_command", "run_serve_model"]

_log = logging.getLogger("driftline")


def add_serve_model_command(commands: Any) -> None:
    parser = commands.add_parser(
        "serve-model", help="serve a registered model (MLflow scoring protocol), log predictions"
    )
    parser.add_argument("model_uri", help="models:/<name>@<alias> (or models:/<name>/<version>)")
    parser.add_argument("--monitor", default=None, help="log every prediction to this monitor")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001, help="0 picks a free port")
    parser.add_argument("--config", default=None, help="driftline.yaml (or $DRIFTLINE_CONFIG)")
    parser.add_argument(
        "--driftline-url",
        default=None,
        help="the Driftline API (default $DRIFTLINE_URL, else api.host:api.port of the config)",
    )
    parser.add_argument("--tracking-uri", default=None, help="MLflow (default as for serve)")
    parser.add_argument(
        "--poll-interval", type=parse_duration, default="10s", help="alias check, e.g. 10s"
    )
    parser.add_argument("--threads", type=int, default=8, help="request threads")
    parser.add_argument(
        "--server",
        choices=("waitress", "werkzeug"),
        default="waitress",
        help="WSGI server: waitress (default) or Flask's development server (for comparison)",
    )
    parser.add_argument(
        "--buffer", type=int, default=100_000, help="records buffered while Driftline is down"
    )
    parser.add_argument("--batch-size", type=int, default=500, help="records per ingest call")
    parser.add_argument(
        "--webhook-url",
        default=None,
        help="this server's URL as MLflow reaches it: registers MLflow's webhook (needs "
        "mlflow.webhook.secret in the config)",
    )


class _DevServer:
    """Flask's development server with waitress's run/close/effective_port (``--server``)."""

    def __init__(self, host: str, port: int, app: Any) -> None:
        from werkzeug.serving import make_server

        self._server = make_server(host, port, app, threaded=True)
        self.effective_port = self._server.server_port

    def run(self) -> None:
        self._server.serve_forever()

    def close(self) -> None:
        self._server.server_close()


def _settings(args: argparse.Namespace) -> tuple[cfg.Config, bool]:
    path = Path(args.config or os.environ.get("DRIFTLINE_CONFIG") or cfg.DEFAULT_CONFIG_FILE)
    if path.is_file():
        return cfg.load_config(path, dict(os.environ)), True
    if args.config:
        raise ConfigError(f"--config {path}: no such file")
    return cfg.Config(), False


def run_serve_model(args: argparse.Namespace) -> int:
    from waitress.server import create_server

    from monitor.client import Client
    from monitor.mlflow.follow import parse_model_uri
    from monitor.mlflow.pyfunc import ServedModel, load_version
    from monitor.mlflow.tracking import MlflowRegistry, resolve_tracking_uri
    from monitor.serving.prediction_log import PredictionLog
    from monitor.serving.server import create_model_app
    from monitor.serving.swap import LiveModel

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.threads < 1:
        raise ConfigError(f"--threads must be at least 1, got {args.threads}")
    ref = parse_model_uri(args.model_uri)
    config, has_file = _settings(args)
    uri = args.tracking_uri or resolve_tracking_uri(
        config.mlflow.tracking_uri, config.database_url if has_file else None
    )
    registry = MlflowRegistry(uri)

    def resolve() -> str:
        return registry.resolve(ref).version

    def load(version: str) -> ServedModel:
        return load_version(registry, ref.name, version)

    live = LiveModel(resolve, load, poll_interval_s=args.poll_interval.total_seconds())
    log: PredictionLog | None = None
    client: Client | None = None
    if args.monitor:
        base = (
            args.driftline_url
            or os.environ.get("DRIFTLINE_URL")
            or f"http://{config.api.host}:{config.api.port}"
        )
        token = os.environ.get("DRIFTLINE_API_TOKEN") or (
            config.api.token.get_secret_value() if config.api.token else None
        )
        client = Client(base, token=token, batch_size=args.batch_size, max_retries=0, timeout_s=5)
        monitor, sender = args.monitor, client

        def send(batch: Any) -> object:
            return sender.log_records(monitor, batch)

        log = PredictionLog(send, max_buffered=args.buffer, batch_size=args.batch_size)
        log.start()
        _log.info("logging predictions to monitor %r at %s", monitor, redact_url(base))
    hook = config.mlflow.webhook
    secret = hook.secret.get_secret_value() if hook is not None else None
    tokens = [
        os.environ.get("DRIFTLINE_API_TOKEN", ""),
        *(t.get_secret_value() for t in (config.api.token, config.metrics.token) if t),
    ]
    app = create_model_app(live, ref, log, webhook_secret=secret, metrics_tokens=tokens)
    if args.webhook_url:
        if secret is None:
            raise ConfigError("--webhook-url needs mlflow.webhook.secret in driftline.yaml")
        digest = hashlib.sha256(args.webhook_url.encode()).hexdigest()[:10]
        registry.ensure_webhook(
            args.webhook_url.rstrip("/") + "/api/mlflow/webhook",
            secret,
            name=f"driftline-serve-model-{digest}",
        )
    if ref.alias is not None:
        live.start()
    server: Any
    if args.server == "werkzeug":
        server = _DevServer(args.host, args.port, app)
    else:
        server = create_server(app, host=args.host, port=args.port, threads=args.threads)

    def _stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    _log.info(
        "serving %s (version %s) on http://%s:%s",
        ref.uri,
        live.current.version,
        args.host,
        server.effective_port,
    )
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        live.stop()
        if log is not None:
            stats = log.close()
            _log.info(
                "prediction log closed: %d sent, %d dropped, %d refused",
                stats.sent,
                stats.dropped,
                stats.rejected,
            )
        if client is not None:
            client.close()
    return 0
