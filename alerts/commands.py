"""The CLI commands of ``alerts`` (``retrain``, ``silences``, ``alerts``): their arguments
only, cheap to import, so ``driftline --help`` loads nothing else; ``alerts.cli`` runs them."""

from __future__ import annotations

import argparse
import base64
import os
from typing import Any

__all__ = ["COMMANDS", "add_commands"]

COMMANDS = ["retrain", "silences", "alerts"]


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default=None, help="driftline.yaml (or $DRIFTLINE_CONFIG)")


def add_commands(commands: Any) -> list[str]:
    """Register ``retrain``, ``silences`` and ``alerts`` on the CLI's subparsers."""
    retrain = commands.add_parser(
        "retrain", help="request retraining of a monitor's model, or 'list' the requests"
    )
    retrain.add_argument("monitor", help="monitor name, or 'list'")
    retrain.add_argument("name", nargs="?", default=None, help="with 'list': only this monitor")
    retrain.add_argument("--reason", default=None, help="why (required to request)")
    retrain.add_argument("--by", default=os.environ.get("USER"), help="who asks")
    retrain.add_argument("--limit", type=int, default=20)
    _config_option(retrain)

    silences = commands.add_parser("silences", help="mute notifications for a while")
    silence_commands = silences.add_subparsers(dest="silences_command", required=True)
    add = silence_commands.add_parser("add", help="add a silence")
    add.add_argument("monitor")
    add.add_argument("--rule", default=None, help="one rule (default: every rule)")
    add.add_argument("--duration", default=None, help="e.g. 2h (from --starts, default now)")
    add.add_argument("--until", default=None, help="end, ISO 8601 with offset")
    add.add_argument("--starts", default=None, help="start, ISO 8601 with offset")
    add.add_argument("--by", default=os.environ.get("USER"), help="creator")
    add.add_argument("--comment", default="")
    _config_option(add)
    listing = silence_commands.add_parser("list", help="list silences")
    listing.add_argument("monitor", nargs="?", default=None)
    listing.add_argument("--active", action="store_true", help="only those in force now")
    _config_option(listing)
    expire = silence_commands.add_parser("expire", help="end a silence now")
    expire.add_argument("id", type=int)
    _config_option(expire)

    alerts = commands.add_parser("alerts", help="alert states, deliveries, secrets")
    alert_commands = alerts.add_subparsers(dest="alerts_command", required=True)
    states = alert_commands.add_parser("list", help="alert states and recent transitions")
    states.add_argument("monitor")
    _config_option(states)
    deliveries = alert_commands.add_parser("deliveries", help="the outbox and its attempts")
    deliveries.add_argument("monitor", nargs="?", default=None)
    deliveries.add_argument("--status", choices=("pending", "delivered", "failed"))
    deliveries.add_argument("--limit", type=int, default=20)
    _config_option(deliveries)
    secret = alert_commands.add_parser(
        "secret", help="print a new webhook signing secret (whsec_...)"
    )
    _config_option(secret)  # accepted like everywhere, not needed: no config, no database
    secret.set_defaults(run_alone=_print_secret)
    return list(COMMANDS)


def _print_secret(args: argparse.Namespace) -> int:
    """``driftline alerts secret``: a new Standard Webhooks secret, 32 random bytes."""
    print("whsec_" + base64.b64encode(os.urandom(32)).decode())
    return 0
