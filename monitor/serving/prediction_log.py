"""Logging predictions to a monitor's ingest API in the background, never in the way.

:class:`PredictionLog` takes records from request threads (:meth:`PredictionLog.add`
only appends to a buffer under a lock) and a sender thread posts them in batches of up to
``batch_size``, waiting at most ``linger_s`` for a batch to fill. When Driftline cannot be
reached (connection errors, timeouts, 429, 5xx) the batch is kept and retried with
exponential backoff (``backoff_s`` doubling to ``max_backoff_s``) while new records wait in
the buffer; once Driftline answers again the buffer drains in order. Ingest is idempotent by
record id, so a batch whose answer was lost is safely sent again.

The buffer is bounded: ``max_buffered`` records in all (the batch being sent included).
A record that arrives when it is full is dropped and counted (:attr:`LogStats.dropped`),
so a long outage costs memory up to the bound and never a failed prediction. A batch the
API refuses (4xx: schema mismatch, unknown monitor, bad token) is not retried: it is
counted in :attr:`LogStats.rejected` and its reason kept in :attr:`LogStats.last_error`.
:meth:`PredictionLog.close` sends what is buffered; if Driftline is down then, what is left
is counted as dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from monitor.client import ApiError
from monitor.errors import ConfigError, InputError

__all__ = ["LogStats", "PredictionLog"]

_log = logging.getLogger(__name__)

Send = Callable[[Sequence[Mapping[str, Any]]], object]


@dataclass(frozen=True, slots=True)
class LogStats:
    """Counters of the prediction log (``/health`` shows them)."""

    buffered: int
    sent: int
    dropped: int
    rejected: int
    failed_attempts: int
    is_connected: bool
    last_error: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class PredictionLog:
    """A bounded, batching, background sender of prediction records. ``send(batch)``
    posts one batch (e.g. ``Client.log_records`` bound to a monitor) and raises
    :class:`~monitor.client.ApiError` when it fails."""

    def __init__(
        self,
        send: Send,
        *,
        max_buffered: int = 100_000,
        batch_size: int = 500,
        linger_s: float = 0.2,
        backoff_s: float = 0.5,
        max_backoff_s: float = 10.0,
    ) -> None:
        if max_buffered < 1 or batch_size < 1:
            raise ConfigError(
                f"max_buffered and batch_size must be at least 1, got {max_buffered} and "
                f"{batch_size}"
            )
        if linger_s < 0 or backoff_s < 0 or max_backoff_s < backoff_s:
            raise ConfigError(
                f"linger_s ({linger_s}) and backoff_s ({backoff_s}) must be >= 0 and "
                f"max_backoff_s ({max_backoff_s}) at least backoff_s"
            )
        self._send = send
        self.max_buffered = max_buffered
        self.batch_size = batch_size
        self.linger_s = linger_s
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._lock = threading.Condition()
        self._buffer: deque[Mapping[str, Any]] = deque()
        self._pending = 0  # records of the batch being sent
        self._sent = 0
        self._dropped = 0
        self._rejected = 0
        self._failed_attempts = 0
        self._is_connected = True
        self._last_error: str | None = None
        self._stopping = False
        self._thread: threading.Thread | None = None

    def add(self, records: Sequence[Mapping[str, Any]]) -> int:
        """Buffer ``records``; returns how many were kept (the rest were dropped)."""
        with self._lock:
            room = self.max_buffered - len(self._buffer) - self._pending
            kept = max(0, min(room, len(records)))
            self._buffer.extend(records[:kept])
            self._dropped += len(records) - kept
            if kept:
                self._lock.notify()
        return kept

    @property
    def stats(self) -> LogStats:
        with self._lock:
            return LogStats(
                buffered=len(self._buffer) + self._pending,
                sent=self._sent,
                dropped=self._dropped,
                rejected=self._rejected,
                failed_attempts=self._failed_attempts,
                is_connected=self._is_connected,
                last_error=self._last_error,
            )

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
            self._thread.start()

    def close(self, timeout_s: float = 10.0) -> LogStats:
        """Send what is buffered (for up to ``timeout_s``), then stop the sender."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout_s)
        return self.stats

    # -- the sender thread ----------------------------------------------------------------

    def _next_batch(self) -> list[Mapping[str, Any]] | None:
        with self._lock:
            while not self._buffer and not self._stopping:
                self._lock.wait()
            if not self._buffer:
                return None  # stopping, nothing left
            deadline = time.monotonic() + self.linger_s
            while len(self._buffer) < self.batch_size and not self._stopping:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._lock.wait(left)
            count = min(self.batch_size, len(self._buffer))
            batch = [self._buffer.popleft() for _ in range(count)]
            self._pending = count
            return batch

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            self._deliver(batch)

    def _deliver(self, batch: list[Mapping[str, Any]]) -> None:
        """Send one batch until it is stored or refused (or the log is stopping)."""
        delay = self.backoff_s
        while True:
            try:
                self._send(batch)
            except ApiError as exc:
                if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                    self._finish(rejected=len(batch), error=str(exc))
                    _log.error("prediction log: %d record(s) refused: %s", len(batch), exc)
                    return
                with self._lock:
                    self._failed_attempts += 1
                    if self._is_connected:
                        _log.warning(
                            "prediction log: Driftline unreachable (%s); buffering, retrying",
                            exc.message,
                        )
                    self._is_connected = False
                    self._last_error = str(exc)
                    if self._stopping:
                        self._pending = 0
                        self._dropped += len(batch) + len(self._buffer)
                        self._buffer.clear()
                        return
                    self._lock.wait(delay)  # close() cuts the wait short
                delay = min(self.max_backoff_s, max(delay * 2, 0.05))
                continue
            except InputError as exc:
                self._finish(rejected=len(batch), error=str(exc))
                _log.error("prediction log: %d record(s) not sendable: %s", len(batch), exc)
                return
            with self._lock:
                if not self._is_connected:
                    _log.info("prediction log: Driftline reachable again; catching up")
                self._is_connected = True
            self._finish(sent=len(batch))
            return

    def _finish(self, *, sent: int = 0, rejected: int = 0, error: str | None = None) -> None:
        with self._lock:
            self._pending = 0
            self._sent += sent
            self._rejected += rejected
            if error is not None:
                self._last_error = error
