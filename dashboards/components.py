"""Small layout pieces the pages share: formatted numbers, tables, the range selector."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from dash import dcc, html

from dashboards.links import RANGES, range_label

__all__ = [
    "fmt_number",
    "fmt_time",
    "key_numbers",
    "notice",
    "range_selector",
    "status_badge",
    "table",
]


def fmt_time(value: dt.datetime | None) -> str:
    """``2026-01-05 10:00 UTC``, or ``-``."""
    if value is None:
        return "-"
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def fmt_number(value: float | None, spec: str = ".3f") -> str:
    """A stored number as text, ``-`` when absent."""
    return "-" if value is None else format(value, spec)


def status_badge(status: str, *, id: str | None = None) -> html.Span:
    kwargs: dict[str, Any] = {"id": id} if id else {}
    return html.Span(status, className=f"badge status-{status.replace(' ', '-')}", **kwargs)


def table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, id: str, empty: str
) -> html.Div | html.Table:
    """A plain HTML table, or a notice when there are no rows."""
    if not rows:
        return notice(empty, id=id)
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in headers])),
            html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows]),
        ],
        id=id,
        className="results",
    )


def notice(text: str, *, id: str | None = None) -> html.Div:
    kwargs: dict[str, Any] = {"id": id} if id else {}
    return html.Div(text, className="notice", **kwargs)


def key_numbers(items: Sequence[tuple[str, Any, str]]) -> html.Div:
    """A row of labelled numbers: ``(label, value, element id)``."""
    return html.Div(
        [
            html.Div(
                [html.Div(label, className="key-label"), html.Div(value, id=id, className="key")],
                className="key-number",
            )
            for label, value, id in items
        ],
        className="key-numbers",
    )


def range_selector(id: str, value: str, *, windows: int = 48) -> dcc.RadioItems:
    return dcc.RadioItems(
        id=id,
        options=[{"label": range_label(key, windows), "value": key} for key in RANGES],
        value=value,
        inline=True,
        className="range",
    )
