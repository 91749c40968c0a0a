"""The prediction log: batches, a bounded buffer with a drop counter, retries through an
outage, refused batches not retried. A fake ``send`` stands in for the ingest API."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from monitor.client import ApiError
from monitor.errors import ConfigError
from monitor.serving.prediction_log import PredictionLog


def _down() -> ApiError:
    return ApiError(
        "unreachable", status=None, code="unreachable", message="down", batch=1, offset=0, size=1
    )


class FakeIngest:
    """Stores batches; ``is_up`` False makes every call fail like a refused connection."""

    def __init__(
        self, refuse: Callable[[Sequence[Mapping[str, Any]]], ApiError | None] | None = None
    ) -> None:
        self.batches: list[list[Mapping[str, Any]]] = []
        self.is_up = True
        self.calls = 0
        self.refuse = refuse
        self.lock = threading.Lock()

    def __call__(self, batch: Sequence[Mapping[str, Any]]) -> None:
        with self.lock:
            self.calls += 1
            if not self.is_up:
                raise _down()
            if self.refuse is not None and (error := self.refuse(batch)) is not None:
                raise error
            self.batches.append(list(batch))

    @property
    def ids(self) -> list[Any]:
        return [r["id"] for b in self.batches for r in b]


def _wait(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_records_are_sent_in_batches_of_at_most_batch_size() -> None:
    ingest = FakeIngest()
    log = PredictionLog(ingest, batch_size=10, linger_s=0.5)
    log.add([{"id": i} for i in range(25)])
    log.start()
    _wait(lambda: log.stats.sent == 25)
    log.close()
    assert [len(b) for b in ingest.batches] == [10, 10, 5]
    assert ingest.ids == list(range(25))


def test_a_full_buffer_drops_new_records_and_counts_them() -> None:
    ingest = FakeIngest()
    log = PredictionLog(ingest, max_buffered=5)  # not started: nothing leaves the buffer
    assert log.add([{"id": i} for i in range(3)]) == 3
    assert log.add([{"id": i} for i in range(3, 7)]) == 2
    stats = log.stats
    assert (stats.buffered, stats.dropped) == (5, 2)


def test_an_outage_buffers_and_the_log_catches_up_in_order() -> None:
    ingest = FakeIngest()
    ingest.is_up = False
    log = PredictionLog(ingest, batch_size=4, linger_s=0.0, backoff_s=0.01, max_backoff_s=0.05)
    log.start()
    log.add([{"id": i} for i in range(10)])
    _wait(lambda: ingest.calls >= 3)
    assert not log.stats.is_connected and log.stats.sent == 0
    log.add([{"id": i} for i in range(10, 15)])
    ingest.is_up = True
    _wait(lambda: log.stats.sent == 15)
    stats = log.close()
    assert ingest.ids == list(range(15))
    assert stats.is_connected and stats.dropped == 0 and stats.failed_attempts >= 3


def test_the_batch_in_flight_counts_against_the_bound() -> None:
    ingest = FakeIngest()
    ingest.is_up = False
    log = PredictionLog(ingest, max_buffered=6, batch_size=4, linger_s=0.0, backoff_s=0.01)
    log.start()
    log.add([{"id": i} for i in range(4)])
    _wait(lambda: ingest.calls >= 1)  # the 4 are the pending batch now
    assert log.add([{"id": i} for i in range(4, 9)]) == 2
    ingest.is_up = True
    _wait(lambda: log.stats.sent == 6)
    stats = log.close()
    assert stats.dropped == 3 and ingest.ids == list(range(6))


def test_a_refused_batch_is_counted_and_not_retried() -> None:
    def refuse(batch: Sequence[Mapping[str, Any]]) -> ApiError | None:
        if any(r["id"] == "bad" for r in batch):
            return ApiError(
                "record 0, column 'x': expected a number",
                status=422,
                code="invalid_record",
                message="expected a number",
                batch=1,
                offset=0,
                size=len(batch),
            )
        return None

    ingest = FakeIngest(refuse)
    log = PredictionLog(ingest, batch_size=2, linger_s=0.0)
    log.start()
    log.add([{"id": "bad"}])
    _wait(lambda: log.stats.rejected == 1)
    log.add([{"id": "good"}])
    _wait(lambda: log.stats.sent == 1)
    stats = log.close()
    assert ingest.calls == 2 and "expected a number" in (stats.last_error or "")


def test_add_does_not_wait_for_a_slow_ingest() -> None:
    release = threading.Event()

    def slow(batch: Sequence[Mapping[str, Any]]) -> None:
        release.wait(5)

    log = PredictionLog(slow, linger_s=0.0)
    log.start()
    log.add([{"id": 0}])
    started = time.perf_counter()
    for i in range(1, 1001):
        log.add([{"id": i}])
    elapsed = time.perf_counter() - started
    release.set()
    log.close()
    assert elapsed < 0.5  # 1 000 adds while the sender is stuck


def test_closing_during_an_outage_counts_what_is_left_as_dropped() -> None:
    ingest = FakeIngest()
    ingest.is_up = False
    log = PredictionLog(ingest, batch_size=2, linger_s=0.0, backoff_s=5.0, max_backoff_s=5.0)
    log.start()
    log.add([{"id": i} for i in range(5)])
    _wait(lambda: ingest.calls >= 1)
    started = time.monotonic()
    stats = log.close(timeout_s=10)
    assert time.monotonic() - started < 2  # the backoff wait is cut short
    assert (stats.sent, stats.dropped, stats.buffered) == (0, 5, 0)


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"max_buffered": 0}, id="max_buffered-0"),
        pytest.param({"batch_size": 0}, id="batch_size-0"),
        pytest.param({"backoff_s": 2.0, "max_backoff_s": 1.0}, id="backoff-above-max"),
    ],
)
def test_bad_settings_are_refused_by_name(options: dict[str, float]) -> None:
    with pytest.raises(ConfigError, match="max_buffered|backoff"):
        PredictionLog(FakeIngest(), **options)  # type: ignore[arg-type]
