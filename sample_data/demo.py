"""`make run`: Driftline's whole loop on the sample data, on the embedded defaults.

1. Prepare a working folder (``.driftline-demo``): ``driftline.yaml`` with one monitor that
   follows ``models:/credit@production``, the SQLite store and the embedded MLflow store.
2. Train the demo model on the reference period and register it as version 1 with the
   ``production`` alias (``sample_data/train.py``), its Driftline baseline logged with it.
3. Start ``driftline serve`` on 127.0.0.1:8050 following a simulated clock, and a webhook
   receiver that verifies every signed webhook (``sample_data/receiver.py``).
4. Replay eight weeks of live traffic (``sample_data/live.py``) through the ingest API in
   about a minute, each record scored by the model that holds the alias at that moment;
   labels arrive one to three days after their records.
5. The scheduler checks each daily window; when income drifts, the dataset-drift rule goes
   pending, then firing; the alert reaches the receiver and the retraining webhook reaches
   the demo retrainer, which trains version 2 on the labelled records that arrived since
   the drift was detected and moves the alias. The next checks use version 2's baseline and
   the alert resolves.
6. Print the timeline, then keep serving the dashboard until Ctrl-C.

Run again, it reuses the finished folder: it serves the dashboard and prints the timeline
without training or replaying (delete the folder, or pass ``--fresh``, to start over).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import pandas as pd

from dashboards.links import alerts_href, monitor_href, overview_href
from monitor.client import Client
from monitor.service.clock import FileClock
from monitor.store import Store
from sample_data.live import LiveTraffic, generate_live
from sample_data.receiver import Received, WebhookReceiver, new_secret
from sample_data.replay import ReplayStep, replay

__all__ = ["DemoSettings", "Retrainer", "Timeline", "main", "run_demo"]

HERE: Final = Path(__file__).resolve().parent
MONITOR: Final = "credit"
MODEL: Final = "credit"
ALIAS: Final = "production"
DONE_FILE: Final = "demo-finished.json"
_SAMPLE_COLUMNS: Final = [
    "age",
    "income",
    "loan_amount",
    "credit_utilization",
    "num_late_payments",
    "num_credit_lines",
    "employment_type",
    "region",
    "has_mortgage",
]


@dataclass(frozen=True, slots=True)
class DemoSettings:
    workdir: Path = Path(".driftline-demo")
    host: str = "127.0.0.1"
    port: int = 8050
    duration_s: float | None = 60.0  # None: as fast as the server answers
    min_labels: int = 2_000  # labelled records the retrainer waits for
    serve_forever: bool = True
    progress: bool = True
    fresh: bool = False


@dataclass
class Timeline:
    """What happened, read back from Driftline's store and the receiver."""

    checks: list[Any] = field(default_factory=list)
    transitions: list[Any] = field(default_factory=list)
    triggers: list[Any] = field(default_factory=list)
    deliveries: list[Any] = field(default_factory=list)
    version_events: list[Any] = field(default_factory=list)
    alerts_received: list[Received] = field(default_factory=list)
    retrains_received: list[Received] = field(default_factory=list)
    refused_webhooks: int = 0
    retrained: list[dict[str, Any]] = field(default_factory=list)


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def _config(port: int, receiver_url: str, secret: str) -> str:
    dashboard = f"http://127.0.0.1:{port}/dashboard"
    return f"""\
# Written by `make run` (sample_data/demo.py): the demo's one monitor.
database_url: sqlite:///./driftline.db
monitors:
  - name: {MONITOR}
    baseline: models:/{MODEL}@{ALIAS}   # follows whichever version holds the alias
    schedule: {{interval: 1s}}             # real seconds; windows follow the simulated clock
    window: 1d
    drift_share: 0.2
    alerts:
      dashboard_url: {dashboard}
      channels:
        demo: {{kind: webhook, url: "{receiver_url}/alerts", secret: "{secret}"}}
      rules:
        - {{name: dataset-drift, kind: dataset_drift, share: 0.2, for: 2, severity: critical,
            retrain: true}}
      retrain: {{kind: webhook, url: "{receiver_url}/retrain", secret: "{secret}", cooldown: 24h}}
      delivery: {{initial_backoff: 1s}}
"""


class Retrainer:
    """The demo's retraining pipeline: a verified trigger asks for a new model; once enough
    labelled records from after the drift are known, it trains on them, registers the next
    version and moves the alias. Training runs between replay steps, so simulated time
    stands still while it does (as if retraining were instant in simulated time)."""

    def __init__(self, traffic: LiveTraffic, tracking_uri: str, min_labels: int) -> None:
        self.traffic = traffic
        self.tracking_uri = tracking_uri
        self.min_labels = min_labels
        self.model: Any = None
        self.version = ""
        self.done: list[dict[str, Any]] = []
        self._pending: list[Received] = []
        self._lock = threading.Lock()

    def load(self, version: str) -> None:
        from sample_data.train import load_version

        self.model = load_version(MODEL, version, tracking_uri=self.tracking_uri)
        self.version = version

    def requested(self, trigger: Received) -> None:
        with self._lock:
            self._pending.append(trigger)

    def score(self, records: pd.DataFrame) -> pd.DataFrame:
        """``records`` with ``predicted_proba`` from the model serving now."""
        from sample_data.train import predict_proba

        scored = records.copy()
        scored["predicted_proba"] = predict_proba(self.model, records).round(4)
        return scored

    def on_step(self, step: ReplayStep) -> None:
        with self._lock:
            if not self._pending:
                return
            trigger = self._pending[0]
        window = trigger.payload.get("window") or {}
        since = datetime.fromisoformat(window["start"]) if window else step.simulated_at
        data = self.traffic.labelled(since, step.simulated_at, step.simulated_at)
        if len(data) < self.min_labels:
            return  # wait for more labels to arrive
        from sample_data.train import train_and_register

        frame = data[[*_SAMPLE_COLUMNS, "default"]].reset_index(drop=True)
        registered = train_and_register(
            frame, model_name=MODEL, alias=ALIAS, tracking_uri=self.tracking_uri
        )
        self.load(registered.version)
        with self._lock:
            self._pending.clear()  # one new version answers every trigger so far
        self.done.append(
            {
                "trigger_id": trigger.payload.get("trigger_id"),
                "version": registered.version,
                "rows": len(frame),
                "since": since.isoformat(),
                "at": step.simulated_at.isoformat(),
                "roc_auc": round(registered.metrics["roc_auc"], 3),
            }
        )


def _start_serve(workdir: Path, host: str, port: int, clock: Path) -> subprocess.Popen[bytes]:
    with open(workdir / "serve.log", "ab") as log:  # the child keeps its own handle
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "monitor.cli",
                "serve",
                "--host",
                host,
                "--port",
                str(port),
                "--clock",
                f"file:{clock}",
            ],
            cwd=workdir,
            env={**os.environ, "DRIFTLINE_CONFIG": str(workdir / "driftline.yaml")},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://{host}:{port}"
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"driftline serve exited with {process.returncode}; see {workdir / 'serve.log'}"
            )
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"driftline serve did not answer within 120 s; see {workdir / 'serve.log'}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_checks(store: Store, traffic: LiveTraffic, timeout_s: float = 120) -> None:
    """Until every window of the replay is checked and no delivery is pending."""
    windows = int((traffic.end_at - traffic.start_at) / traffic.window)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        checked = len(store.list_checks(MONITOR))
        pending = store.list_deliveries(MONITOR, status="pending")
        if checked >= windows and not pending:
            return
        time.sleep(0.5)


def read_timeline(store: Store) -> Timeline:
    timeline = Timeline()
    timeline.checks = store.list_checks(MONITOR)
    timeline.transitions = sorted(
        (t for alert in store.list_alerts(MONITOR, transitions=1_000) for t in alert.transitions),
        key=lambda t: (t.window_end_at or t.at, t.id),
    )
    timeline.triggers = store.list_retrain_triggers(MONITOR)[::-1]
    timeline.deliveries = store.list_deliveries(MONITOR)[::-1]
    timeline.version_events = store.list_model_version_events(MONITOR)
    return timeline


def _day(at: datetime | None) -> str:
    return "          " if at is None else f"{at:%Y-%m-%d}"


def format_timeline(timeline: Timeline, base_url: str) -> str:
    """A short, readable account of the run, with links into the dashboard."""
    lines = ["", "What happened (simulated dates):"]
    run: list[Any] = []

    def flush() -> None:
        if run:
            first, last = run[0], run[-1]
            span = f"{_day(first.window_start_at)} .. {_day(last.window_start_at)}"
            lines.append(f"  {span}  {len(run):>2} daily windows ok (model v{first.model_version})")
            run.clear()

    events: list[tuple[datetime, int, str]] = []
    for check in timeline.checks:
        if check.status == "ok" and (not run or run[-1].model_version == check.model_version):
            run.append(check)
            continue
        flush()
        if check.status == "ok":
            run.append(check)
            continue
        share = "" if check.share_drifted is None else f", {check.share_drifted:.0%} of columns"
        lines.append(
            f"  {_day(check.window_start_at)}              window {check.status}{share}"
            f" (model v{check.model_version})"
        )
    flush()
    for t in timeline.transitions:
        at = t.window_end_at or t.at
        window = "" if t.window_start_at is None else f" after window {_day(t.window_start_at)}"
        events.append(
            (at, 0, f"  {_day(at)}  alert {t.rule}: {t.from_state} -> {t.to_state}{window}")
        )
    for r in timeline.retrained:
        at = datetime.fromisoformat(r["at"])
        events.append(
            (
                at,
                1,
                f"  {_day(at)}  retrainer: version {r['version']} trained on {r['rows']} labelled "
                f"records since {r['since'][:10]} (ROC AUC {r['roc_auc']}), alias moved",
            )
        )
    for e in timeline.version_events:
        events.append(
            (e.at, 2, f"  {_day(e.at)}  checks now use model version {e.new_version}'s baseline")
        )
    lines.append("")
    lines.extend(text for _, _, text in sorted(events, key=lambda e: (e[0], e[1])))
    lines.append("")
    lines.append(
        f"  webhooks received and verified: {len(timeline.alerts_received)} alert notifications,"
        f" {len(timeline.retrains_received)} retraining triggers"
        f" ({timeline.refused_webhooks} refused)"
    )
    delivered = sum(d.status == "delivered" for d in timeline.deliveries)
    lines.append(f"  deliveries: {delivered} of {len(timeline.deliveries)} delivered")
    lines.append("")
    dashboard = f"{base_url}/dashboard"
    lines.append(f"  dashboard:   {overview_href(dashboard)}")
    lines.append(f"  monitor:     {monitor_href(dashboard, MONITOR)}")
    lines.append(f"  alerts:      {alerts_href(dashboard, MONITOR)}")
    lines.append(f"  REST API:    {base_url}/api/v1/monitors/{MONITOR}/checks")
    return "\n".join(lines)


def _prepare(settings: DemoSettings) -> tuple[Path, bool]:
    """The absolute working folder, and whether a finished run is there to reuse."""
    workdir = settings.workdir.resolve()
    finished = (workdir / DONE_FILE).is_file()
    if settings.fresh or (workdir.exists() and not finished):
        if workdir.exists():
            print(f"starting over in {workdir} (an earlier run did not finish)")
        shutil.rmtree(workdir, ignore_errors=True)
        finished = False
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir, finished


def run_demo(settings: DemoSettings) -> Timeline:
    """Run the whole loop (or reuse a finished run) and return its timeline."""
    workdir, reuse = _prepare(settings)
    if not _port_is_free(settings.host, settings.port):
        raise SystemExit(
            f"port {settings.port} on {settings.host} is taken; stop what uses it or run "
            f"`make run DEMO_PORT=<port>`"
        )
    base_url = f"http://{settings.host}:{settings.port}"
    clock = workdir / "clock"
    database_url = f"sqlite:///{workdir / 'driftline.db'}"
    from monitor.mlflow.tracking import embedded_tracking_uri

    tracking_uri = os.environ.get("MLFLOW_TRACKING_URI") or embedded_tracking_uri(database_url)
    traffic = generate_live()
    timeline = Timeline()
    receiver: WebhookReceiver | None = None
    if reuse:
        print(f"reusing the finished demo in {workdir}")
        done = json.loads((workdir / DONE_FILE).read_text())
        timeline.retrained = done.get("retrained", [])
        process = _start_serve(workdir, settings.host, settings.port, clock)
    else:
        secret = new_secret()
        retrainer = Retrainer(traffic, tracking_uri, settings.min_labels)
        receiver = WebhookReceiver(secret, on_retrain=retrainer.requested).start()
        (workdir / "driftline.yaml").write_text(_config(settings.port, receiver.url, secret))
        env = {**os.environ, "DRIFTLINE_CONFIG": str(workdir / "driftline.yaml")}
        subprocess.run(
            [sys.executable, "-m", "monitor.cli", "db", "upgrade"],
            cwd=workdir,
            env=env,
            check=True,
        )
        print("training the demo model on the reference period (version 1)...")
        from sample_data.train import train_and_register

        reference = pd.read_csv(HERE / "reference.csv")
        first = train_and_register(
            reference[[*_SAMPLE_COLUMNS, "default"]],
            model_name=MODEL,
            alias=ALIAS,
            tracking_uri=tracking_uri,
        )
        retrainer.load(first.version)
        print(f"registered {MODEL} version {first.version} as @{ALIAS}")
        FileClock(clock).set(traffic.start_at)
        process = _start_serve(workdir, settings.host, settings.port, clock)
        print(f"driftline serve is up at {base_url}; replaying eight weeks of live traffic")
        with Client(base_url) as client:
            replay(
                traffic,
                client,
                MONITOR,
                duration_s=settings.duration_s,
                clock_file=clock,
                on_step=retrainer.on_step,
                score=retrainer.score,
                progress=settings.progress,
            )
        timeline.retrained = retrainer.done
    store = Store(database_url)
    try:
        _wait_for_checks(store, traffic)
        found = read_timeline(store)
    finally:
        store.close()
    found.retrained = timeline.retrained
    if receiver is not None:
        found.alerts_received = receiver.of("/alerts")
        found.retrains_received = receiver.of("/retrain")
        found.refused_webhooks = receiver.refused
        (workdir / DONE_FILE).write_text(json.dumps({"retrained": found.retrained}, indent=2))
    print(format_timeline(found, base_url))
    try:
        if settings.serve_forever:
            print(f"\ndashboard ready: open {base_url}/dashboard/ (Ctrl-C stops)")
            while process.poll() is None:
                time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for stopping in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C waits for the stop
            signal.signal(stopping, signal.SIG_IGN)
        _stop(process)
        if receiver is not None:
            receiver.stop()
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Driftline's whole loop on the sample data.")
    parser.add_argument("--workdir", type=Path, default=Path(".driftline-demo"))
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--duration", type=float, default=60.0, help="replay length, real s")
    parser.add_argument("--fresh", action="store_true", help="start over, discarding the folder")
    parser.add_argument("--no-serve", action="store_true", help="stop after the timeline")
    args = parser.parse_args(argv)

    def _terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # stop serve and the receiver as Ctrl-C does

    signal.signal(signal.SIGTERM, _terminate)
    run_demo(
        DemoSettings(
            workdir=args.workdir,
            port=args.port,
            duration_s=args.duration,
            fresh=args.fresh,
            serve_forever=not args.no_serve,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
