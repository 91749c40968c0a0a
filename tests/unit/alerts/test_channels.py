"""Channels through httpx's MockTransport: signing, status classification, redaction, and the
exact requests of the retrain presets."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from alerts.channels.base import redact
from alerts.channels.email import email_message
from alerts.channels.retrain import RetrainSender
from alerts.channels.slack import SlackSender, slack_message
from alerts.channels.webhook import WebhookSender, sign
from alerts.delivery import backoff
from monitor.config.alerts import (
    AirflowTarget,
    DeliverySettings,
    EmailChannel,
    GithubTarget,
    GitlabTarget,
    JenkinsTarget,
    SlackChannel,
    WebhookChannel,
    WebhookTarget,
)
from monitor.store import Delivery

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
NOW = dt.datetime.now(dt.UTC)


def _signing_now() -> dt.datetime:
    """The time of signing for tests that verify with ``standardwebhooks``, which refuses
    a timestamp older than 5 minutes (``NOW`` is as old as the test session)."""
    return dt.datetime.now(dt.UTC)


LINK = "http://127.0.0.1:8050/dashboard/monitor/credit?window=2026-03-01T00:00:00Z"
PAYLOAD = {
    "version": "1",
    "type": "retrain.requested",
    "trigger_id": "rt_1",
    "monitor": "credit",
    "source": "rule",
    "rule": "ds",
    "reason": "drift",
    "requested_by": None,
    "model": None,
    "window": None,
    "drifted_columns": [{"column": "income", "effect_size": 0.42, "effect_method": "w"}],
    "dashboard_url": LINK,
    "occurred_at": NOW.isoformat(),
}


def delivery(payload: dict[str, Any] = PAYLOAD, webhook_id: str = "msg_abc") -> Delivery:
    return Delivery(
        1, webhook_id, "credit", "ops", "alert", None, None, payload, "pending", NOW, NOW,
        None, None, (),
    )  # fmt: skip


def capture(status: int = 200) -> tuple[list[httpx.Request], httpx.Client]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status)

    return seen, httpx.Client(transport=httpx.MockTransport(handler))


def test_signature_matches_the_standard_webhooks_test_vector() -> None:
    # The example of the Standard Webhooks specification (spec/standard-webhooks.md).
    assert (
        sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            b'{"test": 2432232314}',
        )
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_webhook_request_verifies_with_the_standardwebhooks_library() -> None:
    seen, client = capture(204)
    channel = WebhookChannel(kind="webhook", url="http://127.0.0.1:1/hook", secret=SECRET)
    outcome = WebhookSender(channel, client, clock=_signing_now).send(delivery())
    assert outcome.ok and outcome.status_code == 204
    request = seen[0]
    assert request.headers["webhook-id"] == "msg_abc"
    assert Webhook(SECRET).verify(request.content, dict(request.headers)) == PAYLOAD


def test_webhook_signature_fails_with_another_secret() -> None:
    seen, client = capture()
    channel = WebhookChannel(kind="webhook", url="http://127.0.0.1:1/hook", secret=SECRET)
    WebhookSender(channel, client, clock=_signing_now).send(delivery())
    other = "whsec_" + base64.b64encode(b"z" * 32).decode()
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(other).verify(seen[0].content, dict(seen[0].headers))


@pytest.mark.parametrize(
    ("status", "ok", "retryable"),
    [
        pytest.param(200, True, False, id="200-ok"),
        pytest.param(299, True, False, id="299-ok"),
        pytest.param(300, False, False, id="300-final"),
        pytest.param(400, False, False, id="400-final"),
        pytest.param(428, False, False, id="428-final"),
        pytest.param(429, False, True, id="429-retry"),
        pytest.param(499, False, False, id="499-final"),
        pytest.param(500, False, True, id="500-retry"),
        pytest.param(503, False, True, id="503-retry"),
    ],
)
def test_http_status_decides_success_and_retry(status: int, ok: bool, retryable: bool) -> None:
    _, client = capture(status)
    channel = WebhookChannel(kind="webhook", url="http://127.0.0.1:1/hook", secret=SECRET)
    outcome = WebhookSender(channel, client, clock=lambda: NOW).send(delivery())
    assert (outcome.ok, outcome.retryable, outcome.status_code) == (ok, retryable, status)


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(httpx.ConnectError("refused"), id="connect-error"),
        pytest.param(httpx.ReadTimeout("timed out"), id="read-timeout"),
    ],
)
def test_transport_errors_are_retryable(error: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    client = httpx.Client(transport=httpx.MockTransport(handler))
    channel = WebhookChannel(kind="webhook", url="http://127.0.0.1:1/hook", secret=SECRET)
    outcome = WebhookSender(channel, client, clock=lambda: NOW).send(delivery())
    assert (outcome.ok, outcome.retryable, outcome.status_code) == (False, True, None)


def test_slack_url_never_appears_in_a_recorded_error() -> None:
    url = "https://hooks.slack.example/services/T000/B000/XXXXSECRETXXXX"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text=f"upstream failed for {url}")

    client = httpx.Client(transport=httpx.MockTransport(handler))
    outcome = SlackSender(SlackChannel(kind="slack", url=url), client).send(delivery())
    assert outcome.retryable and "XXXXSECRETXXXX" not in outcome.detail
    assert "***" in outcome.detail


def test_redact_hides_url_passwords_and_token_query_values() -> None:
    text = "failed: https://user:pw@ci.example/job/x/buildWithParameters?token=abcd&x=1"
    shown = redact(text)
    assert "pw@" not in shown and "abcd" not in shown and "x=1" in shown


def test_slack_message_links_the_dashboard() -> None:
    text = slack_message(PAYLOAD)["text"]
    assert f"<{LINK}|Open in the Driftline dashboard>" in text
    assert "income (w 0.42)" in text


def test_email_message_carries_the_webhook_id_and_dashboard() -> None:
    channel = EmailChannel.model_validate(
        {"kind": "email", "host": "127.0.0.1", "from": "d@x.org", "to": ["a@x.org"]}
    )
    message = email_message(channel, delivery(webhook_id="msg_zz"))
    assert message["Message-ID"] == "<msg_zz@driftline>"
    assert f"Dashboard: {LINK}" in message.get_content()


def _sent(target: Any, status: int = 200) -> tuple[httpx.Request, bool]:
    seen, client = capture(status)
    outcome = RetrainSender(target, client, clock=_signing_now).send(delivery())
    return seen[0], outcome.ok


def _form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def test_github_preset_builds_a_repository_dispatch() -> None:
    target = GithubTarget(kind="github", repository="acme/models", token="ghp_secret1")
    request, ok = _sent(target, 204)
    assert ok
    assert (request.method, str(request.url)) == (
        "POST",
        "https://api.github.com/repos/acme/models/dispatches",
    )
    assert request.headers["authorization"] == "Bearer ghp_secret1"
    assert request.headers["accept"] == "application/vnd.github+json"
    assert request.headers["x-github-api-version"] == "2022-11-28"
    body = json.loads(request.content)
    assert body["event_type"] == "driftline-retrain"
    assert body["client_payload"]["trigger_id"] == "rt_1"
    assert len(body["client_payload"]) <= 10  # GitHub's limit on top-level keys


@pytest.mark.parametrize(("version", "logical"), [(1, False), (2, True)])
def test_airflow_preset_triggers_a_dag_run(version: int, logical: bool) -> None:
    target = AirflowTarget(
        kind="airflow", url="http://airflow:8080", dag_id="retrain", api_version=version,
        username="admin", password="pw",
    )  # fmt: skip
    request, _ = _sent(target)
    assert str(request.url) == f"http://airflow:8080/api/v{version}/dags/retrain/dagRuns"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"admin:pw").decode()
    body = json.loads(request.content)
    assert body["dag_run_id"] == "driftline__rt_1" and body["conf"]["monitor"] == "credit"
    assert ("logical_date" in body) is logical


def test_airflow_conflict_means_the_run_already_exists() -> None:
    target = AirflowTarget(kind="airflow", url="http://airflow:8080", dag_id="d", token="t0k3n")
    _, ok = _sent(target, 409)
    assert ok


def test_gitlab_preset_posts_the_trigger_form() -> None:
    target = GitlabTarget(kind="gitlab", project="group/models", token="glptt-1", ref="main")
    request, _ = _sent(target, 201)
    assert str(request.url) == "https://gitlab.com/api/v4/projects/group%2Fmodels/trigger/pipeline"
    form = _form(request)
    assert form["token"] == "glptt-1" and form["ref"] == "main"
    assert form["variables[DRIFTLINE_TRIGGER_ID]"] == "rt_1"


def test_jenkins_preset_builds_with_parameters() -> None:
    target = JenkinsTarget(
        kind="jenkins", url="http://jenkins:8080", job="ml/retrain", token="build-tok",
        username="bot", api_token="api-tok",
    )  # fmt: skip
    request, _ = _sent(target, 201)
    assert str(request.url) == (
        "http://jenkins:8080/job/ml/job/retrain/buildWithParameters?token=build-tok"
    )
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"bot:api-tok").decode()
    assert _form(request)["DRIFTLINE_MONITOR"] == "credit"


def test_jenkins_token_is_redacted_from_errors() -> None:
    target = JenkinsTarget(kind="jenkins", url="http://jenkins:8080", job="j", token="build-tok")

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url}")

    client = httpx.Client(transport=httpx.MockTransport(handler))
    outcome = RetrainSender(target, client, clock=lambda: NOW).send(delivery())
    assert outcome.retryable and "build-tok" not in outcome.detail


def test_generic_retrain_webhook_is_signed() -> None:
    target = WebhookTarget(kind="webhook", url="http://127.0.0.1:1/retrain", secret=SECRET)
    request, _ = _sent(target)
    assert Webhook(SECRET).verify(request.content, dict(request.headers))["trigger_id"] == "rt_1"


@pytest.mark.parametrize(
    ("attempt", "low", "high"),
    [
        pytest.param(1, 5.0, 10.0, id="first"),
        pytest.param(2, 10.0, 20.0, id="doubles"),
        pytest.param(10, 1800.0, 3600.0, id="capped-at-max-backoff"),
    ],
)
def test_backoff_doubles_with_jitter_up_to_the_cap(attempt: int, low: float, high: float) -> None:
    settings = DeliverySettings(initial_backoff=10, max_backoff=3600)
    rng = random.Random(1)
    waits = [backoff(settings, attempt, rng).total_seconds() for _ in range(200)]
    assert low <= min(waits) and max(waits) <= high
    assert max(waits) - min(waits) > (high - low) / 2  # jittered, not constant


@pytest.mark.parametrize(
    "target",
    [
        JenkinsTarget(
            kind="jenkins", url="http://j:8080", job="j", token="build-tok", username="bot",
            api_token="api-tok",
        ),
        AirflowTarget(kind="airflow", url="http://a:8080", dag_id="d", username="u", password="pw"),
        AirflowTarget(kind="airflow", url="http://a:8080", dag_id="d", token="airflow-tok"),
        GithubTarget(kind="github", repository="o/r", token="ghp_secret1"),
    ],
    ids=["jenkins-basic", "airflow-basic", "airflow-bearer", "github-bearer"],
)  # fmt: skip
def test_credentials_a_receiver_echoes_never_reach_the_recorded_error(target: Any) -> None:
    """A receiver answering 401 with the Authorization header it got (a proxy's error page
    may) must not put the credentials, even base64-encoded, into the recorded error."""
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["authorization"])
        return httpx.Response(401, text=f"bad credentials: {request.headers['authorization']}")

    client = httpx.Client(transport=httpx.MockTransport(handler))
    outcome = RetrainSender(target, client, clock=lambda: NOW).send(delivery())
    credential = sent[0].split(" ", 1)[1]
    assert not outcome.ok and credential not in outcome.detail, outcome.detail
    assert outcome.detail.startswith("HTTP 401 Unauthorized: bad credentials:")
