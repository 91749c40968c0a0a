"""CLI commands of alerts: ``retrain``, ``silences`` and ``alerts``.

- ``driftline retrain <monitor> --reason ...`` records a manual trigger and sends it once
  at once (the running service retries it if that fails; an ``mlflow_project`` target
  launches its run, which the running service follows); ``driftline retrain list
  [<monitor>]`` shows triggers and their outcome, with the MLflow Project run, the version
  it registered and the promotion gate's numbers.
- ``driftline silences add|list|expire`` manage silences.
- ``driftline alerts list <monitor>`` shows alert states and recent transitions;
  ``driftline alerts deliveries`` the outbox with its attempts; ``driftline alerts
  secret`` prints a new ``whsec_`` signing secret (``alerts.commands``: it needs neither the
  configuration nor the database).
"""

from __future__ import annotations

import argparse
import datetime as dt

from alerts.delivery import send_due
from alerts.trigger import request_retrain
from monitor import config as cfg
from monitor.engine.ingest import parse_event_time
from monitor.errors import ConfigError
from monitor.service.extensions import ServiceContext
from monitor.store import RetrainTrigger, Store

__all__ = ["run_command"]


def run_command(args: argparse.Namespace, context: ServiceContext) -> int:
    store = Store(context.database_url)
    try:
        store.check_schema()
        _record_configured_monitor(store, context.config, getattr(args, "monitor", None))
        if args.command == "retrain":
            return _retrain(args, store, context)
        if args.command == "silences":
            return _silences(args, store, context.config)
        return _alerts(args, store, context.config)
    finally:
        store.close()


def _record_configured_monitor(store: Store, config: cfg.Config, name: object) -> None:
    """A monitor in driftline.yaml that no serve or check has recorded yet is recorded now,
    so a command run before the first serve works from the configuration alone."""
    configured = {m.name: m for m in config.monitors}
    if isinstance(name, str) and name in configured and store.get_monitor(name) is None:
        store.upsert_monitor(name, {"baseline": configured[name].baseline})


def _at(value: dt.datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else "-"


def _trigger_lines(trigger: RetrainTrigger) -> list[str]:
    lines = [
        f"{_at(trigger.created_at):<26} {trigger.monitor:<16} {trigger.source:<7} "
        f"{trigger.outcome:<12} {trigger.trigger_id}  {trigger.reason}"
    ]
    run = trigger.run
    if run is not None:
        lines.append(f"    run: {run.summary()}")
        if run.labels_since_at or run.labels_until_at:
            lines.append(
                f"    labelled records {_at(run.labels_since_at)} .. {_at(run.labels_until_at)}"
            )
        if run.run_url:
            lines.append(f"    {run.run_url}")
    elif trigger.detail:
        lines.append(f"    {trigger.detail}")
    return lines


def _retrain(args: argparse.Namespace, store: Store, context: ServiceContext) -> int:
    config = context.config
    if args.monitor == "list":
        if args.name is not None:
            config.monitor(args.name)
        print(f"{'created':<26} {'monitor':<16} {'source':<7} {'outcome':<12} trigger / reason")
        for trigger in store.list_retrain_triggers(args.name, limit=args.limit):
            print("\n".join(_trigger_lines(trigger)))
        return 0
    if args.name is not None:
        raise ConfigError(
            f"unexpected argument {args.name!r}; use 'driftline retrain {args.monitor} "
            "--reason ...' or 'driftline retrain list [MONITOR]'"
        )
    if not args.reason:
        raise ConfigError("give --reason: why should the model be retrained?")
    monitor = config.monitor(args.monitor)
    trigger = request_retrain(store, monitor, reason=args.reason, requested_by=args.by)
    print(f"retrain trigger {trigger.trigger_id} recorded for {monitor.name}")
    if monitor.alerts.retrain is None:
        print("no retrain target is configured (alerts.retrain); nothing was sent")
        return 2
    config_dir = context.config_path.resolve().parent
    sent = [d for d in send_due(store, config, config_dir=config_dir) if d.trigger_id == trigger.id]
    if sent and sent[0].status == "delivered":
        found = store.get_retrain_trigger(trigger.trigger_id)
        run = None if found is None else found.run
        if run is not None and run.run_id:
            print(f"launched MLflow run {run.run_id}; the running service follows it")
            if run.run_url:
                print(run.run_url)
        else:
            print(f"delivered to the {monitor.alerts.retrain.kind} target")
        return 0
    detail = sent[0].last_error if sent else "queued"
    print(f"not delivered yet ({detail}); the running service retries it")
    return 0 if not sent or sent[0].status == "pending" else 2


def _silences(args: argparse.Namespace, store: Store, config: cfg.Config) -> int:
    if args.silences_command == "add":
        monitor = config.monitor(args.monitor)
        rules = [r.name for r in monitor.alerts.rules]
        if args.rule is not None and args.rule not in rules:
            raise ConfigError(f"--rule {args.rule!r}: monitor {monitor.name} has rules {rules}")
        starts_at = parse_event_time(args.starts) if args.starts else dt.datetime.now(dt.UTC)
        if args.until:
            ends_at = parse_event_time(args.until)
        elif args.duration:
            ends_at = starts_at + cfg.parse_duration(args.duration)
        else:
            raise ConfigError("give --duration (e.g. 2h) or --until (ISO 8601 time)")
        silence = store.add_silence(
            monitor.name,
            rule=args.rule,
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=args.by or "",
            comment=args.comment,
        )
        print(
            f"silence {silence.id}: {silence.rule or 'every rule'} of {monitor.name} muted "
            f"from {_at(silence.starts_at)} until {_at(silence.ends_at)}"
        )
        return 0
    if args.silences_command == "expire":
        expired = store.expire_silence(args.id)
        if expired is None:
            raise ConfigError(f"no silence with id {args.id}; see 'driftline silences list'")
        print(f"silence {expired.id} ends {_at(expired.ends_at)}")
        return 0
    at = dt.datetime.now(dt.UTC) if args.active else None
    print(f"{'id':>4} {'monitor':<16} {'rule':<20} {'starts':<26} {'ends':<26} by: comment")
    for s in store.list_silences(args.monitor, active_at=at):
        print(
            f"{s.id:>4} {s.monitor:<16} {s.rule or '*':<20} {_at(s.starts_at):<26} "
            f"{_at(s.ends_at):<26} {s.created_by}: {s.comment}"
        )
    return 0


def _alerts(args: argparse.Namespace, store: Store, config: cfg.Config) -> int:
    if args.alerts_command == "list":
        config.monitor(args.monitor)
        for history in store.list_alerts(args.monitor, transitions=5):
            status = history.status
            print(
                f"{status.rule:<20} {status.state:<9} {status.severity:<8} "
                f"streak {status.streak}  since {_at(status.state_since_at)}"
            )
            for t in history.transitions:
                print(f"    {_at(t.at)}  {t.from_state} -> {t.to_state}  {t.reason}: {t.detail}")
        return 0
    for d in store.list_deliveries(args.monitor, status=args.status, limit=args.limit):
        print(
            f"{d.id:>5} {d.webhook_id} {d.monitor}/{d.channel} {d.kind} {d.status} "
            f"{len(d.attempts)} attempt(s)"
            + (f"  last error: {d.last_error}" if d.last_error else "")
        )
        for a in d.attempts:
            code = a.status_code if a.status_code is not None else "-"
            print(
                f"        #{a.number} {_at(a.started_at)} {code} {a.latency_s * 1000:.0f} ms"
                + (f"  {a.error}" if a.error else "")
            )
    return 0
