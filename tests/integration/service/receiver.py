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
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_smtp() -> Iterator[tuple[int, list[tuple[str, list[str], bytes]]]]:
    """A real SMTP server (aiosmtpd) on a free port; yields the port and received mail."""
    mailbox = _Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox.messages
    finally:
        controller.stop()
