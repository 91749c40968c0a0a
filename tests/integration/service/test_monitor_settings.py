"""A monitor's effective settings through `driftline monitors show` and a real `driftline
serve`'s ``GET /api/v1/monitors/<name>``: the same data, defaults filled in, ``${VAR}``
substituted, secrets masked, and an unknown monitor named in the error."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from servelive import live_serve
from serving import prepare_folder, serve_env

TOKEN = "settings-token-1234"
HOOK_TOKEN = "hooktoken5678abcd"
WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ENV = {"HOOK_TOKEN": HOOK_TOKEN, "WHSEC": WHSEC, "RULE_SHARE": "0.3"}
ALERTS = (
    "    alerts:\n"
    "      channels:\n"
    "        ops: {kind: webhook, url: 'http://127.0.0.1:9/hook?token=${HOOK_TOKEN}',"
    " secret: '${WHSEC}'}\n"
    "      rules:\n"
    "        - {name: drift, kind: dataset_drift, share: '${RULE_SHARE}', for: 2}\n"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    folder = tmp_path_factory.mktemp("settings")
    prepare_folder(folder, f"{{token: {TOKEN}}}")
    config = folder / "driftline.yaml"
    config.write_text(config.read_text() + ALERTS)
    with live_serve(folder, ENV) as (base, _log):
        yield folder, base


def _show(folder: Path, *args: str) -> tuple[int, str, str]:
    """`driftline monitors show ARGS` in ``folder``, with the variables serve was given."""
    done = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "monitors", "show", *args],
        cwd=folder,
        env={**serve_env(folder), **ENV},
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def test_show_prints_defaults_substitutions_and_masked_secrets(served: tuple[Path, str]) -> None:
    code, out, err = _show(served[0], "credit")
    assert code == 0, err
    lines = out.splitlines()
    assert "window: 1h" in lines  # given
    assert "grace: 0s" in lines and "min_rows: 30" in lines  # defaults
    assert "delta_categorical: 0.1" in lines  # defaults to delta
    assert "    share: 0.3" in lines and "    for: 2" in lines  # ${RULE_SHARE}, YAML's key
    assert "      url: http://127.0.0.1:9/hook?token=***" in lines
    assert "      secret: '***'" in lines
    assert HOOK_TOKEN not in out and WHSEC not in out and "${" not in out


def test_api_returns_what_show_json_prints(served: tuple[Path, str]) -> None:
    folder, base = served
    code, out, err = _show(folder, "credit", "--format", "json")
    assert code == 0, err
    response = httpx.get(
        f"{base}/api/v1/monitors/credit", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == json.loads(out)
    assert response.json()["alerts"]["channels"]["ops"]["secret"] == "***"
    assert HOOK_TOKEN not in response.text and WHSEC not in response.text


def test_unknown_monitor_is_a_404_and_an_exit_2_naming_it(served: tuple[Path, str]) -> None:
    folder, base = served
    response = httpx.get(
        f"{base}/api/v1/monitors/nope", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 404
    assert "'nope'" in response.json()["error"]["message"]
    code, _out, err = _show(folder, "nope")
    assert code == 2
    assert err.count("\n") == 1 and "'nope'" in err and "credit" in err


def test_the_route_needs_the_token_and_is_documented(served: tuple[Path, str]) -> None:
    base = served[1]
    assert httpx.get(f"{base}/api/v1/monitors/credit").status_code == 401
    document = httpx.get(f"{base}/api/openapi.json").json()
    operation = document["paths"]["/api/v1/monitors/{name}"]["get"]
    assert {"200", "404"} <= set(operation["responses"])
