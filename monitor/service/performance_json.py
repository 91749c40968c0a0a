"""The JSON form of a monitor's performance history (``GET .../performance``).

Per window: the realised performance (with its label coverage) and the CBPE estimate
(with its band), each null until computed, with the reason when computing failed; and
the baseline's metrics once, from the latest window that carries them. NaN is null.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

from monitor.engine.ingest import parse_event_time
from monitor.store import WindowPerformance

__all__ = ["MAX_LIMIT", "history_json", "parse_history_query", "window_json"]

MAX_LIMIT: Final = 1000
"""At most this many windows per response (the latest ones)."""


def _numbers(values: Mapping[str, float]) -> dict[str, float | None]:
    return {key: None if math.isnan(value) else float(value) for key, value in values.items()}


def window_json(window: WindowPerformance) -> dict[str, Any]:
    """One window's realised and estimated performance."""
    realised: dict[str, Any] | None = None
    if window.realised is not None or window.realised_error is not None:
        found = window.realised
        realised = {
            "computed_at": None if window.realised_at is None else window.realised_at.isoformat(),
            "error": window.realised_error,
            "n_records": None if found is None else found.n_records,
            "n_labelled": None if found is None else found.n_labelled,
            "label_coverage": None if found is None else found.label_coverage,
            "detail": None if found is None else found.detail,
            "metrics": {} if found is None else _numbers(found.metrics),
        }
    estimated: dict[str, Any] | None = None
    if window.estimated is not None or window.estimated_error is not None:
        guess = window.estimated
        estimated = {
            "computed_at": (
                None if window.estimated_at is None else window.estimated_at.isoformat()
            ),
            "error": window.estimated_error,
            "method": None if guess is None else guess.method,
            "n_records": None if guess is None else guess.n_records,
            "confidence": None if guess is None else guess.estimate.confidence,
            "metrics": {} if guess is None else _numbers(guess.metrics),
            "lower": {} if guess is None else _numbers(guess.estimate.lower),
            "upper": {} if guess is None else _numbers(guess.estimate.upper),
        }
    return {
        "window_start": window.window_start_at.isoformat(),
        "window_end": window.window_end_at.isoformat(),
        "realised": realised,
        "estimated": estimated,
    }


def baseline_metrics(history: Sequence[WindowPerformance]) -> dict[str, float | None]:
    """The baseline's metrics as the latest window with a result stored them ({} if none)."""
    for window in reversed(history):
        for part in (window.realised, window.estimated):
            if part is not None and part.baseline_metrics:
                return _numbers(part.baseline_metrics)
    return {}


def performance_source(history: Sequence[WindowPerformance]) -> str | None:
    """Where the baseline's metrics and calibration came from (``training``: optimistic,
    or ``validation``), as the latest window with a result stored it (None if none)."""
    for window in reversed(history):
        for part in (window.realised, window.estimated):
            if part is not None:
                return part.performance_source
    return None


def history_json(monitor: str, history: Sequence[WindowPerformance]) -> dict[str, Any]:
    """The response body: ``{"monitor", "baseline_metrics", "performance_source",
    "windows": [...]}``, oldest window first."""
    return {
        "monitor": monitor,
        "baseline_metrics": baseline_metrics(history),
        "performance_source": performance_source(history),
        "windows": [window_json(window) for window in history],
    }


def parse_history_query(args: Mapping[str, str]) -> tuple[dt.datetime | None, int]:
    """``since`` (ISO 8601 time or epoch seconds; optional) and ``limit`` (1 to
    ``MAX_LIMIT``, default ``MAX_LIMIT``) of the query string; ValueError says which is bad."""
    since = None
    if args.get("since"):
        try:
            since = parse_event_time(args["since"])
        except ValueError as exc:
            raise ValueError(f"query parameter 'since': {exc}") from None
    text = args.get("limit")
    limit = MAX_LIMIT
    if text:
        try:
            limit = int(text)
        except ValueError:
            message = f"query parameter 'limit': expected an integer, got {text!r}"
            raise ValueError(message) from None
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"query parameter 'limit': expected 1 to {MAX_LIMIT}, got {limit}")
    return since, limit
