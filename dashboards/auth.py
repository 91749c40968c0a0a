"""Optional login for the dashboard: one shared password, a signed session cookie.

When a password is configured (``dashboard.password`` or ``DRIFTLINE_DASHBOARD_PASSWORD``;
with ``api.token`` set and no password, the token is the password), every URL under the
dashboard's base path (pages, Dash's layout and callback endpoints, assets) needs a
session; pages redirect to the login form and Dash's JSON endpoints answer 401. The REST
API keeps its own bearer token. The password never reaches a page or a log: the session
holds only an HMAC of it, so changing the password ends every session.

Sessions are also held on the server: logging out (``POST <base>/logout``) ends that
session for good, even for a copy of its cookie, and a session lasts at most
``SESSION_LIFETIME``. Wrong passwords are throttled: ``MAX_FAILURES`` per client address
(and ``MAX_FAILURES_ALL`` in all) per ``FAILURE_WINDOW``, then 429 with Retry-After. The
cookie is HttpOnly, SameSite=Lax, and Secure on https requests or when
``dashboard.secure_cookies`` says so (set it behind a TLS proxy).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import deque
from typing import Any, Final
from urllib.parse import urlencode

from flask import Flask, Response, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from markupsafe import escape

__all__ = [
    "FAILURE_WINDOW_S",
    "MAX_FAILURES",
    "MAX_FAILURES_ALL",
    "SESSION_LIFETIME_S",
    "install_login",
]

_SESSION_KEY: Final = "driftline_dashboard"
_SESSION_ID: Final = "driftline_session"
SESSION_LIFETIME_S: Final = 12 * 3600
MAX_FAILURES: Final = 5
MAX_FAILURES_ALL: Final = 50
FAILURE_WINDOW_S: Final = 60.0
_UNSAFE: Final = re.compile(r"[\x00-\x1f\x7f\\]")
_FORM: Final = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Driftline: log in</title>
<link rel="icon" href="data:,">
<style>body{{font-family:system-ui,sans-serif;max-width:22rem;margin:5rem auto;color:#263238}}
input{{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box;margin:.4rem 0}}
.error{{color:#c62828}}</style></head>
<body><h1>Driftline</h1><p>The dashboard needs its password.</p>{error}
<form method="post" action="{action}">
<input type="hidden" name="next" value="{next}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" autofocus>
<input id="login" type="submit" value="Log in"></form></body></html>"""


def _fingerprint(secret_key: bytes, password: str) -> str:
    return hmac.new(secret_key, password.encode(), hashlib.sha256).hexdigest()


class _Sessions:
    """Session ids alive on this server, with their expiry; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._alive: dict[str, float] = {}

    def start(self) -> str:
        session_id = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._alive = {k: v for k, v in self._alive.items() if v > now}
            self._alive[session_id] = now + SESSION_LIFETIME_S
        return session_id

    def alive(self, session_id: Any) -> bool:
        with self._lock:
            expiry = self._alive.get(session_id) if isinstance(session_id, str) else None
        return expiry is not None and expiry > time.monotonic()

    def end(self, session_id: Any) -> None:
        with self._lock:
            self._alive.pop(session_id, None)


class _Throttle:
    """Failed logins per client address and in all, over a sliding window."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_client: dict[str, deque[float]] = {}
        self._all: deque[float] = deque()

    def _trim(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - FAILURE_WINDOW_S:
            times.popleft()

    def wait_s(self, client: str) -> float:
        """Seconds until ``client`` may try again; 0 when it may now."""
        now = time.monotonic()
        with self._lock:
            self._trim(self._all, now)
            mine = self._by_client.get(client, deque())
            self._trim(mine, now)
            waits = [0.0]
            if len(mine) >= MAX_FAILURES:
                waits.append(mine[0] + FAILURE_WINDOW_S - now)
            if len(self._all) >= MAX_FAILURES_ALL:
                waits.append(self._all[0] + FAILURE_WINDOW_S - now)
            return max(waits)

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._by_client) > 10_000:
                self._by_client.clear()
            self._by_client.setdefault(client, deque()).append(now)
            self._all.append(now)


class _SessionInterface(SecureCookieSessionInterface):
    """The signed cookie, Secure on https requests unless configured either way."""

    def __init__(self, secure: bool | None) -> None:
        self._secure = secure

    def get_cookie_secure(self, app: Any) -> bool:
        return request.is_secure if self._secure is None else self._secure


def install_login(
    server: Flask,
    *,
    base: str,
    password: str,
    secret: str | None,
    secure_cookies: bool | None = None,
) -> None:
    """Require ``password`` for every URL under ``base`` on ``server``."""
    if not server.secret_key:
        server.secret_key = secret if secret else secrets.token_hex(32)
    server.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    server.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    server.session_interface = _SessionInterface(secure_cookies)
    login_path, logout_path = f"{base}/login", f"{base}/logout"
    sessions = _Sessions()
    throttle = _Throttle()

    def expected() -> str:
        key = server.secret_key
        return _fingerprint(key if isinstance(key, bytes) else str(key).encode(), password)

    def safe_next(value: str | None) -> str:
        if (
            value
            and value.startswith(base + "/")
            and not value.startswith("//")
            and not _UNSAFE.search(value)
            and len(value) <= 2_000
        ):
            return value
        return base + "/"

    @server.before_request
    def _require_login() -> ResponseReturnValue | None:
        path = request.path
        if not (path == base or path.startswith(base + "/")) or path == login_path:
            return None
        given = session.get(_SESSION_KEY)
        if (
            isinstance(given, str)
            and hmac.compare_digest(given, expected())
            and sessions.alive(session.get(_SESSION_ID))
        ):
            return None
        if "/_dash-" in path:
            return Response(
                '{"error": "log in to the dashboard first"}',
                status=401,
                mimetype="application/json",
            )
        target = request.full_path.rstrip("?")
        return redirect(f"{login_path}?{urlencode({'next': target})}")

    def login() -> ResponseReturnValue:
        error = ""
        if request.method == "POST":
            client = request.remote_addr or "?"
            wait = throttle.wait_s(client)
            if wait > 0:
                retry = str(int(wait) + 1)
                page = _FORM.format(
                    error=f'<p class="error" id="login-error">Too many wrong passwords; try '
                    f"again in {retry} s.</p>",
                    action=escape(login_path),
                    next=escape(base + "/"),
                )
                return Response(page, status=429, headers={"Retry-After": retry})
            given = request.form.get("password", "")
            if hmac.compare_digest(given.encode(), password.encode()):
                session.clear()
                session[_SESSION_KEY] = expected()
                session[_SESSION_ID] = sessions.start()
                return redirect(safe_next(request.form.get("next")))
            throttle.failed(client)
            error = '<p class="error" id="login-error">Wrong password.</p>'
        target = safe_next(request.args.get("next") or request.form.get("next"))
        return _FORM.format(error=error, action=escape(login_path), next=escape(target))

    def logout() -> ResponseReturnValue:
        sessions.end(session.get(_SESSION_ID))
        session.clear()
        return redirect(login_path, code=303)

    server.add_url_rule(login_path, "dashboard_login", login, methods=["GET", "POST"])
    server.add_url_rule(logout_path, "dashboard_logout", logout, methods=["POST"])
