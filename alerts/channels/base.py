"""What every channel shares: the ``Channel`` protocol, ``SendOutcome``, HTTP status
classification and redaction of secrets from anything recorded.

Retryability is the channel's decision (Alertmanager's ``Retrier``): for HTTP, 2xx is
success; 429, 5xx, timeouts and connection errors are retried; any other status fails at
once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, Protocol

import httpx

from monitor.redact import redact_text
from monitor.store import Delivery

__all__ = [
    "Channel",
    "SendOutcome",
    "http_outcome",
    "redact",
    "send_request",
]

_BODY_SHOWN: Final = 200


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """The result of one attempt: ``ok``; if not, whether to retry; a redacted ``detail``;
    the HTTP status (or SMTP reply code) when an answer came; the time it took."""

    ok: bool
    retryable: bool
    detail: str
    status_code: int | None = None
    latency_s: float = 0.0


class Channel(Protocol):
    """Sends one delivery, once; never raises for a failed send."""

    def send(self, delivery: Delivery) -> SendOutcome: ...


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret replaced by ``***`` (a URL secret's path and query values
    too: a receiver may echo them) and URL passwords, tokens and query secrets hidden
    (Alertmanager ``RedactURL``)."""
    return redact_text(text, secrets)


def http_outcome(response: httpx.Response, latency_s: float, secrets: Iterable[str]) -> SendOutcome:
    """Classify an HTTP answer: 2xx ok; 429 and 5xx retryable; other statuses final."""
    status = response.status_code
    if 200 <= status < 300:
        return SendOutcome(True, False, f"HTTP {status}", status, latency_s)
    retryable = status == 429 or status >= 500
    body = response.text[:_BODY_SHOWN].strip()
    detail = f"HTTP {status} {response.reason_phrase}" + (f": {body}" if body else "")
    return SendOutcome(False, retryable, redact(detail, secrets), status, latency_s)


def _header_credentials(request: httpx.Request) -> list[str]:
    """The credential parts of the request's authorization headers (after the scheme)."""
    found = []
    for name in ("authorization", "proxy-authorization"):
        value = request.headers.get(name, "")
        scheme, _, credential = value.partition(" ")
        found += [credential.strip() or scheme]
    return [value for value in found if value]


def send_request(
    client: httpx.Client,
    request: httpx.Request,
    secrets: Iterable[str],
    *,
    accept: Callable[[httpx.Response], bool] | None = None,
) -> SendOutcome:
    """Send ``request`` once and classify what happened; transport errors (timeouts,
    refused connections) are retryable. ``accept`` may declare more answers a success.
    The credentials of the request's ``Authorization`` header join ``secrets``: a receiver
    echoing it would otherwise put them (base64 of user:password) in the recorded error."""
    secrets = [*secrets, *_header_credentials(request)]
    started = time.perf_counter()
    try:
        response = client.send(request)
    except httpx.TimeoutException as exc:
        latency = time.perf_counter() - started
        return SendOutcome(
            False, True, redact(f"timeout: {type(exc).__name__}", secrets), None, latency
        )
    except httpx.TransportError as exc:
        latency = time.perf_counter() - started
        detail = redact(f"{type(exc).__name__}: {exc}", secrets)
        return SendOutcome(False, True, detail, None, latency)
    latency = time.perf_counter() - started
    if accept is not None and accept(response):
        return SendOutcome(
            True, False, f"HTTP {response.status_code}", response.status_code, latency
        )
    return http_outcome(response, latency, secrets)
