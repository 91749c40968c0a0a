"""Who is asking and may they: bearer tokens, scopes, the route → scope table, the actor
the audit trail records, and the audit entry a state-changing request leaves.

Every ``/api/v1`` route needs the scope :data:`ROUTE_SCOPES` gives it (extensions' routes
too: the table names them by path); a route missing from the table needs ``admin``. A
token's scopes come from ``api.tokens`` (:mod:`monitor.config.access`); ``api.token`` is the
admin token ``default``. Scopes do not nest except that ``admin`` grants everything:

=========  ==============================================================
scope      what it allows
=========  ==============================================================
ingest     ``POST .../records`` and ``POST .../labels``
read       every ``GET`` (monitors, checks, performance, alerts, the audit trail)
admin      all of the above and every change: run-now, retrain, silences
=========  ==============================================================

Tokens are compared in constant time, each against every configured token (no early
exit), and only a token's *name* is kept: in ``flask.g``, in the audit trail, in logs.
Paths outside ``/api/v1`` have their own rule: ``/api/health`` and the OpenAPI document
are open, ``/metrics`` answers ``metrics.token`` and any ``read`` or ``admin`` token
(:func:`scrape_tokens`), the MLflow webhook checks its signature.
"""

from __future__ import annotations

import getpass
import hmac
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from monitor import config as cfg
from monitor.config import Scope
from monitor.config.access import DEFAULT_TOKEN_NAME

__all__ = [
    "ANONYMOUS",
    "AUDITED",
    "ROUTE_SCOPES",
    "NamedToken",
    "Tokens",
    "audit_detail",
    "audited_action",
    "cli_actor",
    "grants",
    "request_id",
    "required_scope",
    "route_key",
    "scrape_tokens",
]

ROUTE_SCOPES: Final[Mapping[tuple[str, str], Scope]] = {
    ("GET", "/api/v1/monitors"): "read",
    ("GET", "/api/v1/monitors/{name}"): "read",
    ("POST", "/api/v1/monitors/{name}/records"): "ingest",
    ("POST", "/api/v1/monitors/{name}/labels"): "ingest",
    ("GET", "/api/v1/monitors/{name}/checks"): "read",
    ("POST", "/api/v1/monitors/{name}/checks"): "admin",
    ("GET", "/api/v1/monitors/{name}/performance"): "read",
    ("GET", "/api/v1/checks/{id}"): "read",
    ("GET", "/api/v1/audit"): "read",
    # the alerts extension's routes
    ("GET", "/api/v1/monitors/{name}/alerts"): "read",
    ("GET", "/api/v1/monitors/{name}/deliveries"): "read",
    ("GET", "/api/v1/deliveries/{id}"): "read",
    ("GET", "/api/v1/monitors/{name}/retrain"): "read",
    ("POST", "/api/v1/monitors/{name}/retrain"): "admin",
    ("GET", "/api/v1/monitors/{name}/silences"): "read",
    ("POST", "/api/v1/monitors/{name}/silences"): "admin",
    ("DELETE", "/api/v1/silences/{id}"): "admin",
}
"""(method, OpenAPI path) → the scope it needs; path parameters are matched by position."""

AUDITED: Final[Mapping[tuple[str, str], str]] = {
    ("POST", "/api/v1/monitors/{name}/checks"): "check.run",
    ("POST", "/api/v1/monitors/{name}/retrain"): "retrain",
    ("POST", "/api/v1/monitors/{name}/silences"): "silence.add",
    ("DELETE", "/api/v1/silences/{id}"): "silence.expire",
}
"""The state-changing routes and the action name a successful request records."""

ANONYMOUS: Final = "anonymous"
"""The actor when no token is configured (the API is open)."""

_PARAMETER: Final = re.compile(r"\{[^}]*\}|<[^>]*>")
_REQUEST_ID: Final = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
_DETAIL_KEYS: Final = (
    "id",
    "trigger_id",
    "rule",
    "starts_at",
    "ends_at",
    "window_start_at",
    "window_end_at",
    "status",
    "outcome",
)
_TEXT_KEYS: Final = ("reason", "comment")
_TEXT_LIMIT: Final = 200


def route_key(method: str, path: str) -> tuple[str, str]:
    """``(METHOD, path)`` with every parameter written ``{}``: a Flask rule
    (``/checks/<int:check_id>``) and an OpenAPI path (``/checks/{id}``) give one key."""
    method = "GET" if method.upper() in ("HEAD", "OPTIONS") else method.upper()
    return method, _PARAMETER.sub("{}", path)


_SCOPES_BY_KEY: Final = {route_key(m, p): scope for (m, p), scope in ROUTE_SCOPES.items()}
_ACTIONS_BY_KEY: Final = {route_key(m, p): action for (m, p), action in AUDITED.items()}


def required_scope(method: str, rule: str) -> Scope:
    """The scope a request to Flask ``rule`` with ``method`` needs; ``admin`` for a route
    the table does not name (a new route is closed until it is given a scope)."""
    return _SCOPES_BY_KEY.get(route_key(method, rule), "admin")


def audited_action(method: str, rule: str) -> str | None:
    """The audit action of a request to ``rule`` with ``method``; None when it changes
    nothing worth recording."""
    return _ACTIONS_BY_KEY.get(route_key(method, rule))


def grants(scopes: tuple[Scope, ...], needed: Scope) -> bool:
    """Whether a holder of ``scopes`` may use a route needing ``needed``."""
    return "admin" in scopes or needed in scopes


@dataclass(frozen=True, slots=True)
class NamedToken:
    """A configured token: its name and scopes, and the secret (never shown)."""

    name: str
    scopes: tuple[Scope, ...]
    secret: bytes

    def __repr__(self) -> str:
        return f"NamedToken(name={self.name!r}, scopes={self.scopes!r})"


class Tokens:
    """The configured tokens; :meth:`identify` finds the one a request carries."""

    def __init__(self, tokens: tuple[NamedToken, ...]) -> None:
        self._tokens = tokens

    @classmethod
    def from_config(cls, api: cfg.ApiConfig) -> Tokens:
        found: list[NamedToken] = []
        if api.token is not None:
            found.append(
                NamedToken(DEFAULT_TOKEN_NAME, ("admin",), api.token.get_secret_value().encode())
            )
        found += [
            NamedToken(t.name, t.scopes, t.token.get_secret_value().encode()) for t in api.tokens
        ]
        return cls(tuple(found))

    @classmethod
    def single(cls, token: str | None) -> Tokens:
        """Only ``api.token`` (as ``default``, admin), or none."""
        if token is None:
            return cls(())
        return cls((NamedToken(DEFAULT_TOKEN_NAME, ("admin",), token.encode()),))

    def replace(self, other: Tokens) -> None:
        """Serve ``other``'s tokens from now on (a reloaded driftline.yaml rotates tokens
        without a restart); one assignment, so a request sees the old set or the new."""
        self._tokens = other._tokens

    @property
    def is_open(self) -> bool:
        """No token is configured: every request is let in (as :data:`ANONYMOUS`)."""
        return not self._tokens

    def identify(self, authorization: str) -> NamedToken | None:
        """The token an ``Authorization: Bearer ...`` header carries, or None. Every
        configured token is compared, in constant time, whatever matches first."""
        given = (
            authorization.removeprefix("Bearer ").strip().encode()
            if authorization.startswith("Bearer ")
            else b""
        )
        found: NamedToken | None = None
        for token in self._tokens:
            if hmac.compare_digest(given, token.secret) and found is None:
                found = token
        return found

    def with_scope(self, *scopes: Scope) -> list[str]:
        """The secrets of the tokens holding any of ``scopes`` (for ``/metrics``)."""
        return [t.secret.decode() for t in self._tokens if any(s in t.scopes for s in scopes)]


def scrape_tokens(config: cfg.Config) -> list[str]:
    """What ``/metrics`` answers: ``metrics.token`` and every ``read`` or ``admin`` token."""
    tokens = Tokens.from_config(config.api).with_scope("read", "admin")
    if config.metrics.token is not None:
        tokens.append(config.metrics.token.get_secret_value())
    return tokens


def request_id(header: str | None) -> str:
    """The client's ``X-Request-Id`` when it is a short token of safe characters, else a
    new random one."""
    if header and _REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


def cli_actor() -> str:
    """The audit trail's actor for a shell command: ``cli:<os user>``."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    return f"cli:{user[:64]}"


def audit_detail(path_args: Mapping[str, Any], body: Any) -> dict[str, Any]:
    """The small, secret-free detail of an audited request: its path parameters and a few
    known fields of its JSON answer (ids, rule, window, status; a reason cut short)."""
    detail: dict[str, Any] = {
        key: value for key, value in path_args.items() if isinstance(value, str | int)
    }
    if isinstance(body, Mapping):
        for key in _DETAIL_KEYS:
            value = body.get(key)
            if isinstance(value, str | int | float | bool):
                detail[key] = value
        for key in _TEXT_KEYS:
            value = body.get(key)
            if isinstance(value, str) and value:
                detail[key] = value[:_TEXT_LIMIT]
    return detail
