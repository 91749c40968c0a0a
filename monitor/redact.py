"""Hiding secrets before they are logged, stored or shown.

:func:`redact_url` hides a URL's password and ``token=``/``password=`` query values;
:func:`secret_parts` lists what of a secret must never be shown (for a URL that is the
secret, e.g. a Slack webhook, also its path and query values, which a receiver may echo);
:class:`SecretFilter` applies both to every log record a handler emits.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import threading
from collections.abc import Iterable
from typing import Final
from urllib.parse import parse_qsl, urlsplit

__all__ = ["SecretFilter", "redact_text", "redact_url", "secret_parts"]

_MIN_SECRET: Final = 4
_MIN_PART: Final = 8

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


_ANY_URL: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]+")


def secret_parts(secret: str) -> list[str]:
    """``secret`` and, when it is a URL, its path, its query values and every path
    segment of at least 8 characters: what a receiver echoing a request could show.

    >>> secret_parts("https://h.example/s/T0/B0/XXXXXXXXXXXX?token=abcd")[1:]
    ['/s/T0/B0/XXXXXXXXXXXX?token=abcd', 'abcd', 'XXXXXXXXXXXX']
    """
    parts = [secret]
    if "://" in secret:
        try:
            split = urlsplit(secret)
        except ValueError:
            return parts
        if split.path not in ("", "/"):
            parts.append(split.path + (f"?{split.query}" if split.query else ""))
        parts.extend(v for _, v in parse_qsl(split.query) if len(v) >= _MIN_SECRET)
        parts.extend(seg for seg in split.path.split("/") if len(seg) >= _MIN_PART)
        if split.password:
            parts.append(split.password)
    return list(dict.fromkeys(p for p in parts if len(p) >= _MIN_SECRET))


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret (and the parts :func:`secret_parts` lists) shown as
    ``***``, and URL passwords and query secrets hidden."""
    found = {part for secret in secrets for part in secret_parts(secret)}
    for secret in sorted(found, key=len, reverse=True):
        text = text.replace(secret, "***")
    return _ANY_URL.sub(lambda match: redact_url(match.group(0)), _QUERY_SECRET.sub(r"\1***", text))


class SecretFilter(logging.Filter):
    """A handler filter that redacts every record it passes: the configured secrets
    (:meth:`update` replaces them, e.g. when driftline.yaml is reloaded) and any URL
    password or ``token=`` query value, in the message and in a formatted traceback."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()
        self.update(secrets)

    def update(self, secrets: Iterable[str]) -> None:
        with self._lock:
            self._secrets = tuple(s for s in secrets if s and len(s) >= _MIN_SECRET)

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self._secrets
        message = record.getMessage()
        record.msg = redact_text(message, secrets)
        record.args = None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact_text(text, secrets)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact_text(record.exc_text, secrets)
        return True
