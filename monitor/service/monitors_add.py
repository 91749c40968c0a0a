"""``driftline monitors add``: a monitor from the registry in one line, appended to the config.

    driftline monitors add --model models:/credit@production --source ingest --schedule 1h

The new monitor is appended to ``driftline.yaml`` as text, so the file's comments and layout
stay as they were (the file is created when missing). The whole file is validated before
it is written; with ``--verify`` (the default) the model URI is resolved in MLflow first.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from monitor.errors import ConfigError

__all__ = ["add_arguments", "add_monitor", "monitor_entry"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="models:/<name>@<alias> or /<version>")
    parser.add_argument("--name", default=None, help="monitor name (default: the model's)")
    parser.add_argument(
        "--source",
        default="ingest",
        help="ingest (the API, default), files:GLOB or sql:URL (with --query)",
    )
    parser.add_argument("--query", default=None, help="SQL query of a sql: source")
    parser.add_argument("--event-time-column", default=None, help="event time of a pull source")
    parser.add_argument("--schedule", default="1h", help="interval (1h) or crontab ('0 * * * *')")
    parser.add_argument("--window", default=None, help="window length (default: the interval)")
    parser.add_argument("--no-verify", action="store_true", help="do not resolve the model now")
    parser.add_argument("--config", default=None, help="driftline.yaml (or $DRIFTLINE_CONFIG)")


def _source(args: argparse.Namespace) -> dict[str, Any]:
    kind, _, value = args.source.partition(":")
    if kind == "ingest" and not value:
        return {"kind": "ingest"}
    if kind not in ("files", "sql") or not value:
        raise ConfigError(f"--source {args.source!r}: expected 'ingest', 'files:GLOB' or 'sql:URL'")
    if not args.event_time_column:
        raise ConfigError(f"--source {kind}:... needs --event-time-column COLUMN")
    if kind == "files":
        return {"kind": "files", "glob": value, "event_time_column": args.event_time_column}
    if not args.query:
        raise ConfigError("--source sql:URL needs --query 'SELECT ...'")
    return {
        "kind": "sql",
        "url": value,
        "query": args.query,
        "event_time_column": args.event_time_column,
    }


def monitor_entry(args: argparse.Namespace) -> dict[str, Any]:
    """The monitor's YAML mapping from the command's options."""
    model = args.model.strip()
    default_name = re.sub(
        r"[^a-z0-9_-]", "_", model.removeprefix("models:/").split("@")[0].split("/")[0].lower()
    )
    schedule = (
        {"cron": args.schedule} if " " in args.schedule.strip() else {"interval": args.schedule}
    )
    entry: dict[str, Any] = {
        "name": args.name or default_name,
        "baseline": model,
        "source": _source(args),
        "schedule": schedule,
    }
    if args.window:
        entry["window"] = args.window
    return entry


def _appended(text: str, entry: dict[str, Any]) -> str:
    """``text`` with ``entry`` appended to its ``monitors`` list, comments kept."""
    import yaml

    block = yaml.safe_dump([entry], sort_keys=False, default_flow_style=False)
    indented = "".join(f"  {line}\n" for line in block.splitlines())
    root = yaml.compose(text) if text.strip() else None
    if root is None:
        return f"monitors:\n{indented}"
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError("the configuration's top level is not a mapping of settings")
    for key, value in root.value:
        if key.value != "monitors":
            continue
        rest = text[value.end_mark.index :]
        appendable = (
            isinstance(value, yaml.SequenceNode) and not value.flow_style and not rest.strip()
        )
        if appendable:
            return text.rstrip("\n") + "\n" + indented
        if isinstance(value, yaml.ScalarNode) and value.value in ("", "null", "~"):
            break
        raise ConfigError(
            "cannot append to 'monitors' here (it is not the last block of the file, or is "
            "in flow style); add the monitor by hand:\n" + indented
        )
    else:
        separator = "" if text.endswith("\n") else "\n"
        return f"{text}{separator}monitors:\n{indented}"
    raise ConfigError("'monitors' is empty; write 'monitors:' with a list, or remove the key")


def add_monitor(args: argparse.Namespace, path: Path) -> int:
    """Append the monitor to ``path``, validating the result; prints what it did."""
    from monitor import config as cfg

    entry = monitor_entry(args)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    new_text = _appended(text, entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new_text, encoding="utf-8")
    try:
        config = cfg.load_config(path)
    except ConfigError:
        if text:
            path.write_text(text, encoding="utf-8")
        else:
            path.unlink()
        raise
    monitor = config.monitor(entry["name"])
    where = ""
    if not args.no_verify:
        from monitor.mlflow.configured import registry_for
        from monitor.mlflow.follow import parse_model_uri

        info = registry_for(config).resolve(parse_model_uri(monitor.baseline))
        where = f" (now version {info.version}, run {info.run_id})"
    print(f"monitor {monitor.name!r} follows {monitor.baseline}{where}; added to {path}")
    return 0
