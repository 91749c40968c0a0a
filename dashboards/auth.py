"""Optional login for the dashboard: one shared password, a signed session cookie.

When a password is configured (``dashboard.password`` or ``DRIFTLINE_DASHBOARD_PASSWORD``),
every URL under the dashboard's base path (pages, Dash's layout and callback endpoints,
assets) needs a session; pages redirect to the login form and Dash's JSON endpoints answer
401. The REST API keeps its own bearer token. The password never reaches a page or a log:
the session holds only an HMAC of it, so changing the password ends every session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final
from urllib.parse import urlencode

from flask import Flask, Response, redirect, request, session
from flask.typing import ResponseReturnValue
from markupsafe import escape

__all__ = ["install_login"]

_SESSION_KEY: Final = "driftline_dashboard"
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


def install_login(server: Flask, *, base: str, password: str, secret: str | None) -> None:
    """Require ``password`` for every URL under ``base`` on ``server``."""
    if not server.secret_key:
        server.secret_key = secret if secret else secrets.token_hex(32)
    server.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    server.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    login_path, logout_path = f"{base}/login", f"{base}/logout"

    def expected() -> str:
        key = server.secret_key
        return _fingerprint(key if isinstance(key, bytes) else str(key).encode(), password)

    def safe_next(value: str | None) -> str:
        if value and value.startswith(base + "/") and not value.startswith("//"):
            return value
        return base + "/"

    @server.before_request
    def _require_login() -> ResponseReturnValue | None:
        path = request.path
        if not (path == base or path.startswith(base + "/")) or path == login_path:
            return None
        given = session.get(_SESSION_KEY)
        if isinstance(given, str) and hmac.compare_digest(given, expected()):
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
            given = request.form.get("password", "")
            if hmac.compare_digest(given.encode(), password.encode()):
                session.clear()
                session[_SESSION_KEY] = expected()
                return redirect(safe_next(request.form.get("next")))
            error = '<p class="error" id="login-error">Wrong password.</p>'
        target = safe_next(request.args.get("next") or request.form.get("next"))
        return _FORM.format(error=error, action=escape(login_path), next=escape(target))

    def logout() -> ResponseReturnValue:
        session.pop(_SESSION_KEY, None)
        return redirect(login_path)

    server.add_url_rule(login_path, "dashboard_login", login, methods=["GET", "POST"])
    server.add_url_rule(logout_path, "dashboard_logout", logout)
