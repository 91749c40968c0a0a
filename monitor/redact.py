"""Hiding secrets in URLs before they are logged, stored or shown."""

from __future__ import annotations

import importlib.util
import re
from typing import Final

__all__ = ["redact_url"]

_URL_PASSWORD: Final = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*):[^@/\s]*@")
_QUERY_SECRET: Final = re.compile(r"(?i)([?&](?:password|pwd|token|secret)=)[^&#\s]*")


def redact_url(url: str) -> str:
    """``url`` with any password (and ``password=``/``token=`` query value) shown as ``***``."""
    rendered = url
    if importlib.util.find_spec("sqlalchemy") is not None:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            rendered = make_url(url).render_as_string(hide_password=True)
        except (ArgumentError, ValueError):
            rendered = url
    rendered = _URL_PASSWORD.sub(r"\g<head>:***@", rendered)
    return _QUERY_SECRET.sub(r"\1***", rendered)
