"""The webhook-verification snippets of the docs (docs/alerts.md) run and accept a real
Driftline request, and reject a forged one."""

from __future__ import annotations

import base64
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from alerts.channels.webhook import body_of, signed_headers

README = Path(__file__).resolve().parents[3] / "docs" / "alerts.md"
SECRET = "whsec_" + base64.b64encode(b"r" * 32).decode()
PAYLOAD = {"version": "1", "type": "alert.firing", "monitor": "credit", "state": "firing"}


def snippet(marker: str) -> str:
    found = re.search(rf"<!-- {marker} -->\n```python\n(.*?)```", README.read_text(), re.S)
    assert found, f"docs/alerts.md has no python block after <!-- {marker} -->"
    return found.group(1)


def signed() -> tuple[bytes, dict[str, str]]:
    body = body_of(PAYLOAD)
    return body, signed_headers(SECRET, "msg_1", body, dt.datetime.now(dt.UTC))


def test_plain_python_snippet_verifies_a_driftline_webhook() -> None:
    namespace: dict[str, Any] = {}
    exec(snippet("readme-webhook-verify"), namespace)
    body, headers = signed()
    assert namespace["verify"](body, headers, SECRET) == PAYLOAD


def test_plain_python_snippet_rejects_a_tampered_body() -> None:
    namespace: dict[str, Any] = {}
    exec(snippet("readme-webhook-verify"), namespace)
    body, headers = signed()
    with pytest.raises(ValueError, match="bad signature"):
        namespace["verify"](body.replace(b"firing", b"resolv"), headers, SECRET)


def test_flask_snippet_accepts_a_signed_webhook_and_refuses_a_forged_one() -> None:
    namespace: dict[str, Any] = {"__name__": "readme_snippet"}
    exec(snippet("readme-webhook-flask").replace("whsec_...", SECRET), namespace)
    namespace["app"].testing = True  # let the verification error propagate to the test
    client = namespace["app"].test_client()
    body, headers = signed()
    assert client.post("/driftline", data=body, headers=headers).status_code == 204
    forged = {**headers, "webhook-signature": "v1," + base64.b64encode(b"x" * 32).decode()}
    with pytest.raises(Exception, match="No matching signature"):
        client.post("/driftline", data=body, headers=forged)
