"""Readable text of a payload, shared by the Slack and e-mail channels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["subject", "summary_lines"]


def subject(payload: Mapping[str, Any]) -> str:
    """One line: what happened to which monitor."""
    monitor = payload.get("monitor", "?")
    if payload.get("type") == "retrain.requested":
        return f"[Driftline] retraining requested for {monitor}"
    rule = payload.get("rule") or {}
    state = str(payload.get("state", "?")).upper()
    severity = payload.get("severity", "")
    return f"[Driftline] {state} {severity}: {monitor} / {rule.get('name', '?')}".replace("  ", " ")


def summary_lines(payload: Mapping[str, Any]) -> list[str]:
    """The payload's facts, one per line; the dashboard link last."""
    lines = []
    model = payload.get("model") or {}
    if model:
        lines.append(f"Model: {model.get('name') or '?'} version {model.get('version') or '?'}")
    window = payload.get("window") or {}
    if window:
        lines.append(f"Window: {window.get('start')} to {window.get('end')}")
    if payload.get("reason"):
        lines.append(f"Reason: {payload['reason']}")
    if payload.get("trigger_id"):
        lines.append(f"Trigger: {payload['trigger_id']} ({payload.get('source')})")
    columns = payload.get("drifted_columns") or []
    if columns:
        shown = ", ".join(
            f"{c['column']} ({c.get('effect_method') or 'effect'} {c['effect_size']:.3g})"
            if isinstance(c.get("effect_size"), int | float)
            else str(c["column"])
            for c in columns
        )
        lines.append(f"Top drifted columns: {shown}")
    return lines
