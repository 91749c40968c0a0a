"""Slack incoming webhook: readable text with a link to the dashboard page.

The webhook URL is the secret; it never appears in a recorded error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from alerts.channels.base import SendOutcome, send_request
from alerts.channels.text import subject, summary_lines
from monitor.config.alerts import SlackChannel
from monitor.store import Delivery

__all__ = ["SlackSender", "slack_message"]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The incoming-webhook body: ``text`` in Slack mrkdwn, the dashboard as a link."""
    lines = [f"*{_escape(subject(payload))}*", *(_escape(line) for line in summary_lines(payload))]
    link = payload.get("dashboard_url")
    if link:
        lines.append(f"<{link}|Open in the Driftline dashboard>")
    return {"text": "\n".join(lines)}


class SlackSender:
    """Sends deliveries to one Slack incoming webhook through ``client``."""

    def __init__(self, config: SlackChannel, client: httpx.Client) -> None:
        self._config = config
        self._client = client

    def send(self, delivery: Delivery) -> SendOutcome:
        url = self._config.url.get_secret_value()
        request = self._client.build_request(
            "POST",
            url,
            json=slack_message(delivery.payload),
            timeout=self._config.timeout.total_seconds(),
        )
        return send_request(self._client, request, [url])
