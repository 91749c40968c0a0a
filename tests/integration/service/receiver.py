"""Real local peers for the alert tests: an HTTP receiver and an SMTP server on 127.0.0.1.

``Receiver`` records every request (path, headers, body) and can answer the first
``fail_first`` requests of a path with 503, or hold the first request of a path until
``release`` is called (to kill the sender while it waits).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    fail_first: dict[str, int] = field(default_factory=dict)
    hold_first: set[str] = field(default_factory=set)
    requests: list[Received] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def on(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    def wait_for(
        self, check: Callable[[], bool], timeout: float = 30, what: str = "requests"
    ) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                seen = [(r.path, r.status) for r in self.requests]
                raise AssertionError(f"timed out waiting for {what}; received {seen}")
            time.sleep(0.05)

    def release(self) -> None:
        self.released.set()


@contextmanager
def running_receiver(receiver: Receiver) -> Iterator[Receiver]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            path = self.path.split("?")[0]
            with lock:
                count = len(receiver.on(path))
                hold = path in receiver.hold_first and count == 0
                status = 503 if count < receiver.fail_first.get(path, 0) else 200
                receiver.requests.append(
                    Received(path, {k.lower(): v for k, v in self.headers.items()}, body, status)
                )
            if hold:
                receiver.released.wait(60)
            try:
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()
            except OSError:
                pass  # the sender died while we held its request

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release()
        server.shutdown()
        server.server_close()


class _Mailbox:
    def __init__(self, fail_first: int, needs_login: bool) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refused = 0
        self._fail_first = fail_first
        self._needs_login = needs_login

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self._needs_login and not session.authenticated:
            return "530 5.7.0 Authentication required"
        if self.refused < self._fail_first:
            self.refused += 1
            return "451 Requested action aborted: try again later"
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_smtp(
    credentials: tuple[str, str] | None = None, fail_first: int = 0
) -> Iterator[tuple[int, list[tuple[str, list[str], bytes]]]]:
    """A real SMTP server (aiosmtpd) on a free port; yields the port and received mail.

    With ``credentials`` (username, password) it offers AUTH PLAIN/LOGIN without TLS (the
    server is on 127.0.0.1), accepts only that pair and refuses mail from a session that
    has not logged in (checked in the handler: aiosmtpd's own ``auth_required`` without TLS
    emits a warning, an error in this suite). The first
    ``fail_first`` messages are answered ``451`` (a temporary failure the sender retries).
    """
    mailbox = _Mailbox(fail_first, needs_login=credentials is not None)
    port = free_port()
    options: dict[str, Any] = {}
    if credentials is not None:
        expected = (credentials[0].encode(), credentials[1].encode())

        def authenticator(
            server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
        ) -> AuthResult:
            accepted = (
                isinstance(auth_data, LoginPassword)
                and (
                    auth_data.login,
                    auth_data.password,
                )
                == expected
            )
            return AuthResult(success=accepted, handled=False)

        options = {"authenticator": authenticator, "auth_require_tls": False}
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port, mailbox.messages
    finally:
        controller.stop()
