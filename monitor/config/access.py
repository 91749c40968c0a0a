"""Who may do what: the named API tokens of ``api.tokens`` and their scopes.

```yaml
api:
  token: ${DRIFTLINE_TOKEN}          # still works: an admin token named "default"
  tokens:
    - {name: model-server, token: ${INGEST_TOKEN}, scopes: [ingest]}
    - {name: grafana, token: ${READ_TOKEN}, scopes: [read]}
    - {name: ops, token: ${OPS_TOKEN}, scopes: [admin]}
dashboard:
  password: ${DASHBOARD_PASSWORD}
  user: analyst                      # the audit trail's actor: dashboard:analyst
  scope: read                        # admin (default) or read: a read-only dashboard
```

Scopes: ``ingest`` sends records and labels; ``read`` makes every GET; ``admin`` does
everything (retrain, silences, run-now, backfill, configuration). Which route needs which
scope is one table, :data:`monitor.service.access.ROUTE_SCOPES`.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

__all__ = [
    "DEFAULT_TOKEN_NAME",
    "MIN_TOKEN_CHARS",
    "SCOPES",
    "ApiToken",
    "DashboardScope",
    "Scope",
    "unique_tokens",
]

Scope = Literal["ingest", "read", "admin"]
DashboardScope = Literal["read", "admin"]
SCOPES: Final[tuple[Scope, ...]] = ("ingest", "read", "admin")
MIN_TOKEN_CHARS: Final = 16
DEFAULT_TOKEN_NAME: Final = "default"
"""The name ``api.token`` goes by: an admin token, as it always was."""


class ApiToken(BaseModel):
    """One named bearer token. Only its name is ever stored or logged."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
    token: SecretStr
    scopes: tuple[Scope, ...]

    @field_validator("token")
    @classmethod
    def _long_enough(cls, token: SecretStr) -> SecretStr:
        if len(token.get_secret_value()) < MIN_TOKEN_CHARS:
            raise ValueError(
                f"a token needs at least {MIN_TOKEN_CHARS} characters; make one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return token

    @field_validator("scopes")
    @classmethod
    def _some_scope(cls, scopes: tuple[Scope, ...]) -> tuple[Scope, ...]:
        if not scopes:
            raise ValueError(f"give at least one scope of {', '.join(SCOPES)}")
        return tuple(dict.fromkeys(scopes))


def unique_tokens(tokens: tuple[ApiToken, ...]) -> tuple[ApiToken, ...]:
    """``tokens`` when each has its own name and its own secret; ValueError naming both
    positions otherwise (one token under two names would make the audit trail guess)."""
    names: dict[str, int] = {}
    secrets: dict[str, int] = {}
    for index, item in enumerate(tokens):
        if item.name in names:
            raise ValueError(
                f"duplicate token name {item.name!r} at tokens[{names[item.name]}] and "
                f"tokens[{index}]; names must be unique"
            )
        value = item.token.get_secret_value()
        if value in secrets:
            raise ValueError(
                f"tokens[{secrets[value]}] and tokens[{index}] have the same token; give each "
                "name its own token"
            )
        names[item.name], secrets[value] = index, index
    return tokens
