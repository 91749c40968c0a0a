"""``GET /metrics`` of ``driftline serve``: Prometheus' text exposition format.

The store is the truth: several ``serve`` processes (and the scheduler's jobs) write to one
database, so the per-monitor numbers are read from it at scrape time by
:class:`StoreCollector` (``Store.metrics_snapshot``), never kept in counters of this
process. Only what this process alone sees is counted here: records and labels it
ingested or refused.

Label values are bounded: monitors are the configured ones, columns only the ``top_k``
largest effect sizes of each monitor's last check (``metrics.top_k_columns``), alert rules
the configured rules, channels are reported by their kind (webhook, slack, email, retrain),
and refusals by their error code. A scrape while the database is down still answers 200
with ``driftline_up 0`` and the in-process counters.

The route answers ``api.token`` and, when set, ``metrics.token`` (a scrape-only token), as
``Authorization: Bearer <token>``; with neither configured it is open like the API.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Final, get_args

from flask import Flask, Response, request
from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from monitor import config as cfg
from monitor.engine.report import CheckStatus
from monitor.errors import DriftlineError
from monitor.store import AlertState, MetricsSnapshot, Store

__all__ = ["METRICS_PATH", "IngestCounters", "StoreCollector", "mount_metrics"]

_log = logging.getLogger(__name__)

METRICS_PATH: Final = "/metrics"
_CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"
"""The text format every Prometheus 2.x reads (the names here need nothing newer)."""
_CHECK_STATUSES: Final = get_args(CheckStatus)
_ALERT_STATES: Final = get_args(AlertState)
_DELIVERY_STATUSES: Final = ("pending", "delivered", "failed")
_UNKNOWN: Final = "_unknown"
"""The monitor label of a request naming no configured monitor (names are not echoed)."""


def channel_kinds(config: cfg.Config) -> dict[tuple[str, str], str]:
    """(monitor, channel name) -> channel kind; the retrain target's deliveries go to the
    channel named ``retrain``."""
    kinds: dict[tuple[str, str], str] = {}
    for monitor in config.monitors:
        for name, channel in monitor.alerts.channels.items():
            kinds[(monitor.name, name)] = channel.kind
        if monitor.alerts.retrain is not None:
            kinds[(monitor.name, "retrain")] = "retrain"
    return kinds


class StoreCollector(Collector):
    """Reads the store at scrape time (see the module docstring)."""

    def __init__(self, store: Store, config: Callable[[], cfg.Config]) -> None:
        self.store = store
        self.config = config

    def collect(self) -> Iterator[Metric]:
        config = self.config()
        started = time.perf_counter()
        snapshot: MetricsSnapshot | None
        try:
            snapshot = self.store.metrics_snapshot(top_k=config.metrics.top_k_columns)
        except DriftlineError as exc:
            _log.warning("/metrics: %s", exc)
            snapshot = None
        up = GaugeMetricFamily("driftline_up", "1 when the database answered this scrape")
        up.add_metric([], 0.0 if snapshot is None else 1.0)
        yield up
        took = GaugeMetricFamily(
            "driftline_store_read_seconds", "How long reading this scrape's numbers took"
        )
        took.add_metric([], time.perf_counter() - started)
        yield took
        configured = GaugeMetricFamily("driftline_monitors", "Configured monitors")
        configured.add_metric([], float(len(config.monitors)))
        yield configured
        if snapshot is not None:
            yield from _monitor_metrics(snapshot, {m.name for m in config.monitors})
            yield from _delivery_metrics(snapshot, channel_kinds(config))


def _gauge(name: str, doc: str, labels: Collection[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=list(labels))


def _monitor_metrics(snapshot: MetricsSnapshot, configured: set[str]) -> Iterator[Metric]:
    share = _gauge(
        "driftline_monitor_drift_share",
        "Share of feature columns that drifted in the monitor's last checked window",
        ["monitor"],
    )
    drifted = _gauge(
        "driftline_monitor_drifted_columns",
        "Columns that drifted in the last checked window",
        ["monitor"],
    )
    status = _gauge(
        "driftline_monitor_check_status",
        "The last check's status: 1 for the current one, 0 for the others",
        ["monitor", "status"],
    )
    checked_at = _gauge(
        "driftline_monitor_last_check_timestamp_seconds",
        "When the last check finished (Unix time)",
        ["monitor"],
    )
    window_end = _gauge(
        "driftline_monitor_last_window_end_timestamp_seconds",
        "End of the last checked window (Unix time)",
        ["monitor"],
    )
    duration = _gauge(
        "driftline_monitor_check_duration_seconds", "How long the last check took", ["monitor"]
    )
    window_records = _gauge(
        "driftline_monitor_window_records", "Records in the last checked window", ["monitor"]
    )
    effect = _gauge(
        "driftline_column_effect_size",
        "Effect size of a column in the last check (only the monitor's top-k columns)",
        ["monitor", "column"],
    )
    performance = _gauge(
        "driftline_monitor_performance",
        "The latest window's realised or estimated (CBPE) performance metric",
        ["monitor", "kind", "metric"],
    )
    coverage = _gauge(
        "driftline_monitor_label_coverage",
        "Share of the latest window with realised performance whose records have labels",
        ["monitor"],
    )
    records = _gauge(
        "driftline_monitor_records_stored", "Records stored for the monitor", ["monitor"]
    )
    labels = _gauge("driftline_monitor_labels_stored", "Labels stored for the monitor", ["monitor"])
    alerts = _gauge(
        "driftline_alert_state",
        "Each alert rule's state: 1 for the current one, 0 for the others",
        ["monitor", "rule", "state"],
    )
    for monitor in snapshot.monitors:
        if monitor.name not in configured:
            continue
        name = monitor.name
        records.add_metric([name], float(monitor.records))
        labels.add_metric([name], float(monitor.labels))
        last = monitor.last_check
        if last is not None:
            if last.share_drifted is not None:
                share.add_metric([name], last.share_drifted)
            drifted.add_metric([name], float(last.n_drifted))
            for value in _CHECK_STATUSES:
                status.add_metric([name, value], 1.0 if last.status == value else 0.0)
            checked_at.add_metric([name], last.finished_at.timestamp())
            window_end.add_metric([name], last.window_end_at.timestamp())
            duration.add_metric([name], last.duration_s)
            if last.n_current is not None:
                window_records.add_metric([name], float(last.n_current))
            for column, size in last.top_effect_sizes:
                effect.add_metric([name, column], size)
        for kind, found in (("realised", monitor.realised), ("estimated", monitor.estimated)):
            if found is None:
                continue
            for metric, value in sorted(found.metrics.items()):
                performance.add_metric([name, kind, metric], value)
            if found.label_coverage is not None:
                coverage.add_metric([name], found.label_coverage)
        for rule, state in sorted(monitor.alerts.items()):
            for value in _ALERT_STATES:
                alerts.add_metric([name, rule, value], 1.0 if state == value else 0.0)
    yield from (share, drifted, status, checked_at, window_end, duration, window_records)
    yield from (effect, performance, coverage, records, labels, alerts)


def _delivery_metrics(
    snapshot: MetricsSnapshot, kinds: Mapping[tuple[str, str], str]
) -> Iterator[Metric]:
    # every configured kind has its series, at 0 until something is delivered
    configured = sorted(set(kinds.values()))
    deliveries = {(kind, status): 0 for kind in configured for status in _DELIVERY_STATUSES}
    attempts = {(kind, outcome): 0 for kind in configured for outcome in ("sent", "failed")}
    retries = dict.fromkeys(configured, 0)
    for counts in snapshot.channels:
        kind = kinds.get((counts.monitor, counts.channel))
        if kind is None:
            continue  # a channel (or monitor) no longer configured
        for status in _DELIVERY_STATUSES:
            key = (kind, status)
            deliveries[key] = deliveries.get(key, 0) + counts.deliveries.get(status, 0)
        for outcome, count in (("sent", counts.attempts_ok), ("failed", counts.attempts_failed)):
            attempts[(kind, outcome)] = attempts.get((kind, outcome), 0) + count
        retries[kind] = retries.get(kind, 0) + counts.retries
    family = _gauge(
        "driftline_deliveries",
        "Stored deliveries by channel kind and status (retention removes old attempts only)",
        ["channel_kind", "status"],
    )
    for (kind, status), count in sorted(deliveries.items()):
        family.add_metric([kind, status], float(count))
    yield family
    family = _gauge(
        "driftline_delivery_attempts",
        "Stored delivery attempts by channel kind and outcome (sent or failed)",
        ["channel_kind", "outcome"],
    )
    for (kind, outcome), count in sorted(attempts.items()):
        family.add_metric([kind, outcome], float(count))
    yield family
    family = _gauge(
        "driftline_delivery_retries",
        "Stored delivery attempts after the first, by channel kind",
        ["channel_kind"],
    )
    for kind, count in sorted(retries.items()):
        family.add_metric([kind], float(count))
    yield family


class IngestCounters:
    """Records and labels this process ingested or refused (a Counter per process is right
    here: each process counts the requests it answered)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.records = Counter(
            "driftline_records_ingested",
            "Records stored by this process's ingest API (duplicates not counted)",
            ["monitor"],
            registry=registry,
        )
        self.duplicates = Counter(
            "driftline_records_duplicate",
            "Records this process received again (already stored, ignored)",
            ["monitor"],
            registry=registry,
        )
        self.labels = Counter(
            "driftline_labels_ingested",
            "Labels stored by this process's ingest API",
            ["monitor"],
            registry=registry,
        )
        self.refused = Counter(
            "driftline_ingest_refused",
            "Ingest requests this process refused, by what was sent and the error code",
            ["kind", "code"],
            registry=registry,
        )


_INGEST_ENDPOINTS: Final = {"add_records": "records", "add_labels": "labels"}
_CODES: Final = frozenset(
    {
        "bad_request",
        "invalid_record",
        "invalid_label",
        "unknown_record",
        "unknown_monitor",
        "batch_too_large",
        "request_too_large",
        "unauthorised",
        "unsupported_media_type",
        "invalid_json",
    }
)


def _count_ingest(counters: IngestCounters, monitors: Collection[str], response: Response) -> None:
    kind = _INGEST_ENDPOINTS.get(request.endpoint or "")
    if kind is None or request.method != "POST":
        return
    name = (request.view_args or {}).get("name", "")
    monitor = name if name in monitors else _UNKNOWN
    body = response.get_json(silent=True) if response.is_json else None
    if response.status_code == 200 and isinstance(body, dict):
        if kind == "records":
            counters.records.labels(monitor).inc(int(body.get("inserted", 0)))
            counters.duplicates.labels(monitor).inc(int(body.get("duplicates", 0)))
        else:
            counters.labels.labels(monitor).inc(int(body.get("stored", 0)))
    elif response.status_code >= 400:
        error = body.get("error") if isinstance(body, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        counters.refused.labels(kind, code if code in _CODES else "other").inc()


def _authorised(tokens: Collection[str]) -> bool:
    header = request.headers.get("Authorization", "")
    given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    return any(hmac.compare_digest(given.encode(), token.encode()) for token in tokens)


def mount_metrics(
    app: Flask,
    store: Store,
    config: Callable[[], cfg.Config],
    monitors: Collection[str],
) -> CollectorRegistry:
    """Add ``GET /metrics`` and the ingest counters to the API ``app``; ``config`` returns
    the running configuration (it changes on reload), ``monitors`` the configured names.
    Returns the app's own registry (never the global one)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store, config))
    counters = IngestCounters(registry)
    current = config()
    tokens = [
        secret.get_secret_value()
        for secret in (current.api.token, current.metrics.token)
        if secret is not None
    ]

    @app.after_request
    def _ingest_metrics(response: Response) -> Response:
        _count_ingest(counters, monitors, response)
        return response

    @app.get(METRICS_PATH)
    def metrics() -> Response:
        if tokens and not _authorised(tokens):
            return Response(
                '{"error": {"code": "unauthorised", "message": '
                "\"send 'Authorization: Bearer <token>' (api.token or metrics.token)\"}}",
                status=401,
                mimetype="application/json",
            )
        return Response(generate_latest(registry), content_type=_CONTENT_TYPE)

    return registry
