"""Named API tokens, their scopes and the dashboard's scope in driftline.yaml: each
mistake is one line naming the field, and no token value is ever shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor import config as cfg
from monitor.errors import ConfigError
from monitor.service.access import Tokens

A = "token-a-0123456789abcdef"
B = "token-b-0123456789abcdef"


def _load(tmp_path: Path, text: str) -> cfg.Config:
    path = tmp_path / "driftline.yaml"
    path.write_text(text)
    return cfg.load_config(path, {"INGEST_TOKEN": A})


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    message = str(info.value)
    assert A not in message and B not in message
    return message


def test_named_tokens_load_with_their_scopes_and_api_token_is_the_admin_default(
    tmp_path: Path,
) -> None:
    config = _load(
        tmp_path,
        f"api:\n  token: {B}\n  tokens:\n"
        "    - {name: model-server, token: '${INGEST_TOKEN}', scopes: [ingest]}\n",
    )
    tokens = Tokens.from_config(config.api)
    server = tokens.identify(f"Bearer {A}")
    default = tokens.identify(f"Bearer {B}")
    assert server is not None and (server.name, server.scopes) == ("model-server", ("ingest",))
    assert default is not None and (default.name, default.scopes) == ("default", ("admin",))
    assert tokens.identify("Bearer nothing-like-it") is None
    assert A not in repr(config) and A not in repr(server)


def test_an_unknown_scope_names_the_field_and_the_allowed_scopes(tmp_path: Path) -> None:
    message = _error(
        tmp_path, f"api: {{tokens: [{{name: ci, token: {A}, scopes: [ingest, write]}}]}}\n"
    )
    assert "api.tokens[0].scopes[1]: expected 'ingest', 'read' or 'admin'; got 'write'" in message
    assert message.count("\n") == 1  # the header and one line


def test_a_token_without_a_scope_is_refused(tmp_path: Path) -> None:
    message = _error(tmp_path, f"api: {{tokens: [{{name: ci, token: {A}, scopes: []}}]}}\n")
    assert "api.tokens[0].scopes: give at least one scope of ingest, read, admin" in message


def test_a_duplicate_token_name_names_both_positions(tmp_path: Path) -> None:
    message = _error(
        tmp_path,
        f"api: {{tokens: [{{name: ci, token: {A}, scopes: [read]}}, "
        f"{{name: ci, token: {B}, scopes: [admin]}}]}}\n",
    )
    assert "api.tokens: duplicate token name 'ci' at tokens[0] and tokens[1]" in message


def test_one_token_under_two_names_is_refused(tmp_path: Path) -> None:
    message = _error(
        tmp_path,
        f"api: {{tokens: [{{name: ci, token: {A}, scopes: [read]}}, "
        f"{{name: cd, token: {A}, scopes: [admin]}}]}}\n",
    )
    assert "api.tokens: tokens[0] and tokens[1] have the same token" in message


def test_the_name_default_is_api_tokens_when_api_token_is_set(tmp_path: Path) -> None:
    message = _error(
        tmp_path, f"api: {{token: {B}, tokens: [{{name: default, token: {A}, scopes: [read]}}]}}\n"
    )
    assert "'default' is the name of api.token" in message


def test_a_short_token_is_refused_without_showing_it(tmp_path: Path) -> None:
    message = _error(tmp_path, "api: {tokens: [{name: ci, token: x9q2z, scopes: [read]}]}\n")
    assert "api.tokens[0].token: a token needs at least 16 characters" in message
    assert "x9q2z" not in message


def test_the_dashboard_scope_is_read_or_admin(tmp_path: Path) -> None:
    assert _load(tmp_path, "dashboard: {scope: read, user: ana}\n").dashboard.scope == "read"
    assert _load(tmp_path, "{}\n").dashboard.scope == "admin"
    message = _error(tmp_path, "dashboard: {scope: ingest}\n")
    assert "dashboard.scope: expected 'read' or 'admin'; got 'ingest'" in message
