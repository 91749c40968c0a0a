"""Durations in configuration: ``"90s"``, ``"15m"``, ``"1h30m"``, ``"2d"``, ``"1w"``."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Final

__all__ = ["DURATION_HINT", "format_duration", "parse_duration"]

_DURATION: Final = re.compile(r"(\d+)([wdhms])")
_UNIT_S: Final = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
DURATION_HINT: Final = "a duration such as '90s', '15m', '1h30m', '2d' or '1w'"


def parse_duration(text: str) -> timedelta:
    """Parse ``"90s"``, ``"15m"``, ``"1h30m"``, ``"2d"`` or ``"1w"`` into a timedelta.

    Units (w, d, h, m, s) appear at most once each, largest first.
    """
    compact = text.strip()
    parts = _DURATION.findall(compact)
    units = [unit for _, unit in parts]
    in_order = units == sorted(set(units), key="wdhms".index)
    if not parts or "".join(n + u for n, u in parts) != compact or not in_order:
        raise ValueError(f"expected {DURATION_HINT}; got {text!r}")
    try:
        return timedelta(seconds=sum(int(n) * _UNIT_S[u] for n, u in parts))
    except OverflowError:
        raise ValueError(f"duration {text!r} is too long; give at most 999999999 days") from None


def format_duration(value: timedelta) -> str:
    """The inverse of :func:`parse_duration` for whole seconds: ``5400 s -> "1h30m"``."""
    remaining = int(value.total_seconds())
    if remaining == 0:
        return "0s"
    out = []
    for unit, size in _UNIT_S.items():
        count, remaining = divmod(remaining, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)
