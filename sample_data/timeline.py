"""The demo's timeline: what happened to its monitor, read back and printed.

:func:`read_timeline` gathers from Driftline's store the checks (with the columns that
drifted and those on watch), the alert transitions, the retraining triggers with their
MLflow runs and promotion gates, the deliveries and the model-version switches;
:func:`format_timeline` prints them as a short account in simulated dates, calm windows
folded into one line, with links into the dashboard, the REST API and the MLflow UI.
``make run`` (:mod:`sample_data.demo`) prints it at the end of a run and again when it
reuses a finished one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dashboards.links import alerts_href, monitor_href, overview_href
from monitor.store import Store
from sample_data.demo_config import MONITOR, PROJECT
from sample_data.receiver import Received

__all__ = ["Timeline", "format_timeline", "read_timeline"]


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
    joint_drift: dict[int, str] = field(default_factory=dict)
    """Per check id whose joint distribution drifted, the multivariate method that found it
    (it alone makes a check ``drifting``)."""
    alerts_received: list[Received] = field(default_factory=list)
    refused_webhooks: int = 0
    webhooks_received: int = 0
    """Alert notifications received and verified (kept in the finished folder, so a second
    run prints the first run's count)."""


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
            joint = None if detail is None or detail.report is None else detail.report.multivariate
            if joint is not None and joint.drifted:
                timeline.joint_drift[check.id] = joint.method
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
        if check.id in timeline.joint_drift:
            columns = [*columns, f"multivariate ({timeline.joint_drift[check.id]})"]
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
