"""`make run`: Driftline's whole loop on the sample data, on the embedded defaults.

1. Prepare a working folder (``.driftline-demo``): ``driftline.yaml`` with one monitor that
   follows ``models:/credit@production``, the SQLite store and the embedded MLflow store.
2. Train the demo model on the reference period and register it as version 1 with the
   ``production`` alias (``sample_data/train.py``), its Driftline baseline logged with it
   (performance and CBPE calibration on a held-out quarter of the reference period).
3. Start ``driftline serve`` on 127.0.0.1:8050 following a simulated clock, and a webhook
   receiver that verifies every signed webhook (``sample_data/receiver.py``).
4. Replay eight weeks of live traffic (``sample_data/live.py``) through the ingest API in
   about a minute, each record scored by the model that holds the alias at that moment;
   labels arrive one to three days after their records.
5. The scheduler checks each daily window; when income drifts, the dataset-drift rule goes
   pending, then firing; the alert reaches the receiver, and the monitor's retrain target,
   an MLflow Project (``sample_data/retrain_project``), is launched through MLflow's
   Projects API. The run trains version 2 on the labelled records of the drift and registers
   it; Driftline's promotion gate scores versions 2 and 1 on the labelled records that came
   after them and moves the alias to version 2 when it ranks better (ROC AUC). The next
   checks use version 2's baseline and the alert resolves.
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
import time
from collections import Counter
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
from sample_data.live import ID_COLUMN, LiveTraffic, generate_live
from sample_data.receiver import Received, WebhookReceiver, new_secret
from sample_data.replay import ReplayStep, replay

__all__ = ["DemoSettings", "RetrainingPause", "Scorer", "Timeline", "main", "run_demo"]

HERE: Final = Path(__file__).resolve().parent
MONITOR: Final = "credit"
MODEL: Final = "credit"
ALIAS: Final = "production"
DONE_FILE: Final = "demo-finished.json"
PROJECT: Final = HERE / "retrain_project"
# The retraining rule waits for RETRAIN_AFTER drifting windows (the alert itself fires after
# two), so the run has four days of the new normal; the project waits until
# MIN_TRAINING_ROWS of their records are labelled and trains on the newest TRAINING_ROWS.
# Version 2's baseline is built from them: with about 2 000 rows (two days, retraining after
# the alert's two windows) it flagged credit_utilization in 6 of version 2's 30 windows;
# with 4 000, in 0 or 1 of 28.
RETRAIN_AFTER: Final = 4
MIN_TRAINING_ROWS: Final = 5_000  # the project waits for this many labelled records
TRAINING_ROWS: Final = 4_000
GATE_MIN_LABELS: Final = 500
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
    drifted_columns: dict[int, list[str]] = field(default_factory=dict)
    """Per check id, the columns that drifted (drifted first by effect size)."""
    watch_columns: dict[int, list[str]] = field(default_factory=dict)
    """Per check id, the columns on watch: significant, effect below δ (never drift)."""
    alerts_received: list[Received] = field(default_factory=list)
    refused_webhooks: int = 0
    webhooks_received: int = 0
    """Alert notifications received and verified (kept in the finished folder, so a second
    run prints the first run's count)."""


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def _config(port: int, receiver_url: str, secret: str, workdir: Path) -> str:
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
    # a retrained version takes the alias only when it ranks better on newer labelled records
    promote: {{alias: {ALIAS}, metric: roc_auc, min_gain: 0.0, min_labels: {GATE_MIN_LABELS}}}
    alerts:
      dashboard_url: {dashboard}
      channels:
        demo: {{kind: webhook, url: "{receiver_url}/alerts", secret: "{secret}"}}
      rules:
        - {{name: dataset-drift, kind: dataset_drift, share: 0.2, for: 2, severity: critical}}
        # retrain once the drift has lasted {RETRAIN_AFTER} windows: enough data of the change
        - {{name: sustained-drift, kind: dataset_drift, share: 0.2, for: {RETRAIN_AFTER},
            severity: warning, retrain: true}}
        - {{name: retraining, kind: retraining_outcome}}   # a run failed or was not promoted
      retrain:
        kind: mlflow_project                 # sample_data/retrain_project, through MLflow
        uri: "{PROJECT}"
        entry_point: main
        parameters: {{database_url: "sqlite:///{workdir / "driftline.db"}",
                      min_rows: {MIN_TRAINING_ROWS}, train_rows: {TRAINING_ROWS}}}
        env_manager: local
        timeout: 10m
        cooldown: 24h
      delivery: {{initial_backoff: 1s}}
"""


class Scorer:
    """Scores the replayed records with the model version that holds the alias, as a
    deployed model would; :meth:`follow` loads a new version when the alias moved.

    With ``upcoming`` (every record the replay will send), a version scores them all once
    when it is loaded and :meth:`score` looks a batch's scores up by record id: the same
    numbers (the model scores each row on its own), one model call per version instead of
    one per replay step (1 344 of them, a fifth of the replay's time)."""

    def __init__(self, tracking_uri: str, upcoming: pd.DataFrame | None = None) -> None:
        self.tracking_uri = tracking_uri
        self.model: Any = None
        self.version = ""
        self._registry: Any = None
        self._upcoming = upcoming
        self._scores: pd.Series | None = None

    def load(self, version: str) -> None:
        from sample_data.train import load_version, predict_proba

        self.model = load_version(MODEL, version, tracking_uri=self.tracking_uri)
        self.version = version
        self._scores = None
        if self._upcoming is not None:
            ids = self._upcoming[ID_COLUMN].to_numpy()
            self._scores = pd.Series(predict_proba(self.model, self._upcoming), index=ids)

    def follow(self) -> None:
        if self._registry is None:
            from monitor.mlflow import MlflowRegistry

            self._registry = MlflowRegistry(self.tracking_uri)
        holder = self._registry.alias_version(MODEL, ALIAS)
        if holder is not None and holder != self.version:
            self.load(holder)

    def score(self, records: pd.DataFrame) -> pd.DataFrame:
        """``records`` with ``predicted_proba`` from the model serving now."""
        from sample_data.train import predict_proba

        scored = records.copy()
        known = None if self._scores is None else self._scores.reindex(records[ID_COLUMN])
        if known is not None and not known.isna().any():
            scored["predicted_proba"] = known.to_numpy().round(4)
        else:
            scored["predicted_proba"] = predict_proba(self.model, records).round(4)
        return scored


class RetrainingPause:
    """Holds the replay while retraining works, so simulated time stands still meanwhile
    (as if retraining were instant in simulated time): while the MLflow Project run trains
    (once the labelled records it waits for are in), and while the promotion gate judges
    (once the labels it waits for are in). Between the two, and while labels are still
    arriving, the replay goes on: labels arrive one to three simulated days late."""

    def __init__(
        self, store: Store, scorer: Scorer, timeout_s: float = 600.0, follow_every_s: float = 1.0
    ) -> None:
        self.store = store
        self.scorer = scorer
        self.timeout_s = timeout_s
        self.follow_every_s = follow_every_s
        self._followed_at = time.monotonic()

    def _labelled(self, since: datetime | None, until: datetime | None) -> int:
        if since is None:
            return 0
        return len(self.store.labelled_records(MONITOR, since, until))

    def _busy(self) -> bool:
        for trigger in self.store.active_retrain_triggers(MONITOR):
            run = trigger.run
            if run is None:
                continue
            if run.status == "running" and (
                self._labelled(run.labels_since_at, run.labels_until_at) >= MIN_TRAINING_ROWS
            ):
                return True
            if (
                run.gate is not None
                and run.gate.status == "waiting"
                and (self._labelled(run.labels_until_at, None) >= GATE_MIN_LABELS)
            ):
                return True
        return False

    def on_step(self, step: ReplayStep) -> None:
        deadline = time.monotonic() + self.timeout_s
        waited = False
        while self._busy():
            waited = True
            if time.monotonic() > deadline:
                print(f"retraining still busy after {self.timeout_s:.0f} s; replay goes on")
                break
            time.sleep(0.2)
        if waited or time.monotonic() - self._followed_at >= self.follow_every_s:
            self.scorer.follow()  # the alias may have moved
            self._followed_at = time.monotonic()


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
    """What happened, from Driftline's store (the triggers carry their runs and gates)."""
    timeline = Timeline()
    timeline.checks = store.list_checks(MONITOR)
    timeline.transitions = sorted(
        (t for alert in store.list_alerts(MONITOR, transitions=1_000) for t in alert.transitions),
        key=lambda t: (t.window_end_at or t.at, t.id),
    )
    timeline.triggers = store.list_retrain_triggers(MONITOR)[::-1]
    timeline.deliveries = store.list_deliveries(MONITOR)[::-1]
    timeline.version_events = store.list_model_version_events(MONITOR)
    for check in timeline.checks:
        if check.status in ("ok", "drifting"):
            detail = store.get_check(check.id)
            columns = (
                []
                if detail is None
                else sorted(detail.columns, key=lambda c: -(c.effect_size or 0.0))
            )
            found = [c.name for c in columns if c.verdict == "drift"]
            watched = [c.name for c in columns if c.verdict == "watch"]
            if found:
                timeline.drifted_columns[check.id] = found
            if watched:
                timeline.watch_columns[check.id] = watched
    return timeline


def _watch_note(names: list[str], *, counted: bool = False) -> str:
    """``; watch: a, b`` (with ``counted``, each name's number of windows), or ""."""
    if not names:
        return ""
    if not counted:
        return f"; watch: {', '.join(names)}"
    counts = Counter(names)
    return "; watch: " + ", ".join(f"{name} ({n})" for name, n in counts.most_common())


def _day(at: datetime | None) -> str:
    return "          " if at is None else f"{at:%Y-%m-%d}"


def _retraining_events(trigger: Any) -> list[tuple[datetime, int, str]]:
    """Timeline lines of one retraining: the run's launch, its end and the gate's verdict,
    placed at simulated dates (the end of the data each step had seen)."""
    run = trigger.run
    if run is None:
        return []
    launched_at = run.labels_until_at or trigger.created_at
    found = [
        (
            launched_at,
            1,
            f"  {_day(launched_at)}  retraining run {run.run_id or '-'} launched (MLflow Project "
            f"{PROJECT.name}, trigger {trigger.trigger_id}): labelled records "
            f"{_day(run.labels_since_at)} .. {_day(run.labels_until_at)}",
        )
    ]
    if run.status in ("failed", "timed_out"):
        found.append((launched_at, 1, f"  {_day(launched_at)}  retraining {run.summary()}"))
        return found
    if run.status == "finished":
        found.append((launched_at, 1, f"  {_day(launched_at)}  run finished: {run.detail}"))
    gate = run.gate
    if gate is not None and gate.status != "waiting":
        at = gate.records_until_at or launched_at
        numbers = (
            f"{gate.metric} {_number(gate.candidate_value)} (version {run.model_version}) vs "
            f"{_number(gate.current_value)} (version {gate.current_version or '-'}) on "
            f"{gate.n_labels} labelled records since {_day(run.labels_until_at)}"
        )
        verdict = (
            f"promoted, @{gate.alias} moved to version {run.model_version}"
            if gate.status == "promoted"
            else f"not promoted ({gate.detail})"
        )
        found.append((at, 1, f"  {_day(at)}  promotion gate: {numbers}: {verdict}"))
    return found


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def format_timeline(timeline: Timeline, base_url: str, tracking_uri: str | None = None) -> str:
    """A short, readable account of the run, with links into the dashboard."""
    lines = ["", "What happened (simulated dates):"]
    run: list[Any] = []

    def flush() -> None:
        if run:
            first, last = run[0], run[-1]
            span = f"{_day(first.window_start_at)} .. {_day(last.window_start_at)}"
            watched = [n for c in run for n in timeline.watch_columns.get(c.id, [])]
            lines.append(
                f"  {span}  {len(run):>2} daily windows ok (model v{first.model_version})"
                + _watch_note(watched, counted=True)
            )
            run.clear()

    events: list[tuple[datetime, int, str]] = []
    for check in timeline.checks:
        columns = timeline.drifted_columns.get(check.id, [])
        calm = check.status == "ok" and not columns
        if calm and (not run or run[-1].model_version == check.model_version):
            run.append(check)
            continue
        flush()
        if calm:
            run.append(check)
            continue
        share = "" if check.share_drifted is None else f", {check.share_drifted:.0%} of columns"
        named = f": {', '.join(columns)}" if columns else ""
        lines.append(
            f"  {_day(check.window_start_at)}              window {check.status}{share}"
            f" (model v{check.model_version}){named}"
            + _watch_note(timeline.watch_columns.get(check.id, []))
        )
    flush()
    for t in timeline.transitions:
        at = t.window_end_at or t.at
        window = "" if t.window_start_at is None else f" after window {_day(t.window_start_at)}"
        events.append(
            (at, 0, f"  {_day(at)}  alert {t.rule}: {t.from_state} -> {t.to_state}{window}")
        )
    for t in timeline.triggers:
        events.extend(_retraining_events(t))
    for e in timeline.version_events:
        events.append(
            (e.at, 2, f"  {_day(e.at)}  checks now use model version {e.new_version}'s baseline")
        )
    lines.append("")
    lines.extend(text for _, _, text in sorted(events, key=lambda e: (e[0], e[1])))
    lines.append("")
    lines.append(
        f"  webhooks received and verified: {timeline.webhooks_received} alert notifications"
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
    if tracking_uri is not None:
        lines.append(
            f"  MLflow UI:   mlflow ui --backend-store-uri {tracking_uri} --port 5000"
            "  (then open http://127.0.0.1:5000)"
        )
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
    receiver: WebhookReceiver | None = None
    if reuse:
        print(f"reusing the finished demo in {workdir}")
        process = _start_serve(workdir, settings.host, settings.port, clock)
    else:
        secret = new_secret()
        receiver = WebhookReceiver(secret).start()
        (workdir / "driftline.yaml").write_text(
            _config(settings.port, receiver.url, secret, workdir)
        )
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
        scorer = Scorer(tracking_uri, upcoming=traffic.records)
        scorer.load(first.version)
        print(f"registered {MODEL} version {first.version} as @{ALIAS}")
        FileClock(clock).set(traffic.start_at)
        process = _start_serve(workdir, settings.host, settings.port, clock)
        print(f"driftline serve is up at {base_url}; replaying eight weeks of live traffic")
        watching = Store(database_url)
        try:
            pause = RetrainingPause(watching, scorer)
            with Client(base_url) as client:
                replay(
                    traffic,
                    client,
                    MONITOR,
                    duration_s=settings.duration_s,
                    clock_file=clock,
                    on_step=pause.on_step,
                    score=scorer.score,
                    progress=settings.progress,
                )
        finally:
            watching.close()
    store = Store(database_url)
    try:
        _wait_for_checks(store, traffic)
        found = read_timeline(store)
    finally:
        store.close()
    if receiver is not None:
        found.alerts_received = receiver.of("/alerts")
        found.refused_webhooks = receiver.refused
        found.webhooks_received = len(found.alerts_received)
        done = {
            "finished": True,
            "webhooks_received": found.webhooks_received,
            "refused_webhooks": found.refused_webhooks,
        }
        (workdir / DONE_FILE).write_text(json.dumps(done, indent=2))
    else:
        done = json.loads((workdir / DONE_FILE).read_text())
        found.webhooks_received = int(done.get("webhooks_received", 0))
        found.refused_webhooks = int(done.get("refused_webhooks", 0))
    print(format_timeline(found, base_url, tracking_uri))
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
