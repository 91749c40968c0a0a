"""The retrain target: the generic signed webhook, or a preset that builds the exact request
of a CI or orchestration system from the retrain payload.

=========  ====================================================================================
kind       request
=========  ====================================================================================
webhook    ``POST url``, the payload as JSON, signed per Standard Webhooks
github     ``POST {api_url}/repos/{owner}/{repo}/dispatches`` (GitHub Actions
           ``repository_dispatch``): ``Authorization: Bearer``, ``Accept:
           application/vnd.github+json``, ``X-GitHub-Api-Version: 2022-11-28``, JSON
           ``{"event_type", "client_payload"}`` (at most 10 top-level keys); 204 on success
airflow    ``POST {url}/api/v1/dags/{dag_id}/dagRuns`` (``/api/v2`` for Airflow 3, which also
           takes ``logical_date``): JSON ``{"dag_run_id": "driftline__<trigger id>", "conf":
           payload}``; basic or bearer auth. The run id makes a retry idempotent: Airflow's 409
           (that run exists) counts as delivered
gitlab     ``POST {url}/api/v4/projects/{id or url-encoded path}/trigger/pipeline``, form
           fields ``token``, ``ref`` and ``variables[DRIFTLINE_*]``; 201 on success
jenkins    ``POST {url}/job/{job}/buildWithParameters?token=...`` (folders as
           ``job/a/job/b``), form parameters ``DRIFTLINE_*``; basic auth with a user's API
           token when given; 201 on success
=========  ====================================================================================

The variables and parameters passed to GitLab and Jenkins are ``DRIFTLINE_TRIGGER_ID``,
``DRIFTLINE_MONITOR``, ``DRIFTLINE_REASON``, ``DRIFTLINE_RULE`` and ``DRIFTLINE_SOURCE``.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import quote

import httpx

from alerts.channels.base import SendOutcome, send_request
from alerts.channels.webhook import body_of, signed_headers
from monitor.config.alerts import (
    AirflowTarget,
    GithubTarget,
    GitlabTarget,
    JenkinsTarget,
    RetrainTarget,
    WebhookTarget,
)
from monitor.store import Delivery

__all__ = ["GITHUB_API_VERSION", "RetrainSender", "ci_variables", "retrain_request"]

GITHUB_API_VERSION: Final = "2022-11-28"
_GITHUB_PAYLOAD_KEYS: Final = (
    "trigger_id",
    "monitor",
    "source",
    "rule",
    "reason",
    "requested_by",
    "model",
    "window",
    "dashboard_url",
    "version",
)


def ci_variables(payload: Mapping[str, Any]) -> dict[str, str]:
    """The ``DRIFTLINE_*`` variables passed to GitLab and Jenkins."""
    return {
        "DRIFTLINE_TRIGGER_ID": str(payload.get("trigger_id") or ""),
        "DRIFTLINE_MONITOR": str(payload.get("monitor") or ""),
        "DRIFTLINE_REASON": str(payload.get("reason") or ""),
        "DRIFTLINE_RULE": str(payload.get("rule") or ""),
        "DRIFTLINE_SOURCE": str(payload.get("source") or ""),
    }


def _basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _secret(value: Any) -> str | None:
    return None if value is None else str(value.get_secret_value())


def retrain_request(
    target: RetrainTarget,
    payload: Mapping[str, Any],
    webhook_id: str,
    at: dt.datetime,
    client: httpx.Client,
) -> tuple[httpx.Request, list[str]]:
    """The request that triggers retraining, and the secrets to hide from its errors."""
    timeout = target.timeout.total_seconds()
    if isinstance(target, WebhookTarget):
        secret = target.secret.get_secret_value()
        body = body_of(payload)
        headers = signed_headers(secret, webhook_id, body, at)
        request = client.build_request(
            "POST", target.url, content=body, headers=headers, timeout=timeout
        )
        return request, [secret]
    if isinstance(target, GithubTarget):
        token = target.token.get_secret_value()
        dispatch = {
            "event_type": target.event_type,
            "client_payload": {k: payload.get(k) for k in _GITHUB_PAYLOAD_KEYS},
        }
        request = client.build_request(
            "POST",
            f"{target.api_url}/repos/{target.repository}/dispatches",
            json=dispatch,
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {token}",
                "X-GitHub-Api-Version": GITHUB_API_VERSION,
            },
            timeout=timeout,
        )
        return request, [token]
    if isinstance(target, AirflowTarget):
        secrets = [s for s in (_secret(target.password), _secret(target.token)) if s]
        run: dict[str, Any] = {
            "dag_run_id": f"driftline__{payload.get('trigger_id')}",
            "conf": dict(payload),
        }
        if target.api_version == 2:
            run["logical_date"] = None
        headers = {"Authorization": f"Bearer {_secret(target.token)}"} if target.token else {}
        if target.username:
            headers = _basic(target.username, _secret(target.password) or "")
        request = client.build_request(
            "POST",
            f"{target.url}/api/v{target.api_version}/dags/{quote(target.dag_id, safe='')}/dagRuns",
            json=run,
            headers=headers,
            timeout=timeout,
        )
        return request, secrets
    if isinstance(target, GitlabTarget):
        token = target.token.get_secret_value()
        form = {"token": token, "ref": target.ref}
        form.update({f"variables[{k}]": v for k, v in ci_variables(payload).items()})
        request = client.build_request(
            "POST",
            f"{target.url}/api/v4/projects/{quote(target.project, safe='')}/trigger/pipeline",
            data=form,
            timeout=timeout,
        )
        return request, [token]
    assert isinstance(target, JenkinsTarget)
    token = target.token.get_secret_value()
    job = "/".join(f"job/{quote(part, safe='')}" for part in target.job.strip("/").split("/"))
    api_token = _secret(target.api_token)
    request = client.build_request(
        "POST",
        f"{target.url}/{job}/buildWithParameters",
        params={"token": token},
        data=ci_variables(payload),
        headers=_basic(target.username, api_token or "") if target.username else {},
        timeout=timeout,
    )
    return request, [s for s in (token, api_token) if s]


def _already_triggered(target: RetrainTarget) -> Callable[[httpx.Response], bool] | None:
    if isinstance(target, AirflowTarget):
        return lambda response: response.status_code == 409
    return None


class RetrainSender:
    """Sends retrain deliveries to the monitor's retrain target."""

    def __init__(
        self, target: RetrainTarget, client: httpx.Client, *, clock: Callable[[], dt.datetime]
    ) -> None:
        self._target = target
        self._client = client
        self._clock = clock

    def send(self, delivery: Delivery) -> SendOutcome:
        request, secrets = retrain_request(
            self._target, delivery.payload, delivery.webhook_id, self._clock(), self._client
        )
        return send_request(self._client, request, secrets, accept=_already_triggered(self._target))
