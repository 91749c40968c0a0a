"""LiveModel: the alias is followed by loading alongside and swapping one reference; a
version that fails to load is not swapped in and the failure is kept for /health."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest

from monitor.errors import ModelLoadFailed, RegistryUnavailable
from monitor.serving.swap import LiveModel


@dataclass(frozen=True)
class Loaded:
    version: str


class FakeRegistry:
    def __init__(self) -> None:
        self.alias = "1"
        self.is_up = True
        self.broken: set[str] = set()
        self.loads: list[str] = []
        self.gate: threading.Event | None = None
        self.loading = threading.Event()

    def resolve(self) -> str:
        if not self.is_up:
            raise RegistryUnavailable("MLflow at http://127.0.0.1:1 is unavailable")
        return self.alias

    def load(self, version: str) -> Loaded:
        self.loads.append(version)
        if self.gate is not None:
            self.loading.set()
            self.gate.wait(5)
        if version in self.broken:
            raise ModelLoadFailed(f"cannot load models:/credit/{version}: boom")
        return Loaded(version)


def test_a_moved_alias_is_loaded_and_swapped_in() -> None:
    registry = FakeRegistry()
    live = LiveModel(registry.resolve, registry.load)
    registry.alias = "2"
    assert live.refresh() is True
    assert live.current == Loaded("2") and live.status.swaps == 1


def test_an_unmoved_alias_loads_nothing() -> None:
    registry = FakeRegistry()
    live = LiveModel(registry.resolve, registry.load)
    assert live.refresh() is False
    assert registry.loads == ["1"]


def test_the_old_version_serves_while_the_new_one_loads() -> None:
    registry = FakeRegistry()
    live = LiveModel(registry.resolve, registry.load)
    registry.alias, registry.gate = "2", threading.Event()
    refresher = threading.Thread(target=live.refresh)
    refresher.start()
    assert registry.loading.wait(5), "version 2 never started loading"
    assert live.current.version == "1"  # version 2 is loading, held at the gate
    registry.gate.set()
    refresher.join(5)
    assert live.current.version == "2"


def test_a_request_keeps_the_version_it_took_across_a_swap() -> None:
    registry = FakeRegistry()
    live = LiveModel(registry.resolve, registry.load)
    taken = live.current
    registry.alias = "2"
    live.refresh()
    assert taken.version == "1" and live.current.version == "2"


def test_a_version_that_fails_to_load_is_not_swapped_in_and_is_reported() -> None:
    registry = FakeRegistry()
    live = LiveModel(registry.resolve, registry.load, clock=lambda: 100.0)
    registry.alias, registry.broken = "2", {"2"}
    assert live.refresh() is False
    failure = live.status.last_failure
    assert live.current.version == "1"
    assert failure is not None and failure.version == "2" and "boom" in failure.message
    registry.alias = "3"  # the next good promotion clears it
    assert live.refresh() is True and live.status.last_failure is None


def test_an_unreachable_registry_keeps_the_version_and_is_reported() -> None:
    registry = FakeRegistry()
    live = LiveModel(registry.resolve, registry.load)
    registry.is_up = False
    assert live.refresh() is False
    failure = live.status.last_failure
    assert failure is not None and failure.version is None and "unavailable" in failure.message
    registry.is_up = True
    live.refresh()
    assert live.status.last_failure is None and live.current.version == "1"


def test_polling_notices_a_promotion_and_wake_refreshes_at_once() -> None:
    registry = FakeRegistry()
    live = LiveModel(registry.resolve, registry.load, poll_interval_s=0.05)
    live.start()
    try:
        registry.alias = "2"
        deadline = time.monotonic() + 5
        while live.current.version != "2":
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        live.stop()
    slow = LiveModel(registry.resolve, registry.load, poll_interval_s=60)
    slow.start()
    try:
        registry.alias = "3"
        slow.wake()
        deadline = time.monotonic() + 5
        while slow.current.version != "3":
            assert time.monotonic() < deadline, "wake() did not refresh"
            time.sleep(0.01)
    finally:
        slow.stop()


def test_a_non_positive_poll_interval_is_refused() -> None:
    registry = FakeRegistry()
    with pytest.raises(ValueError, match="poll_interval_s"):
        LiveModel(registry.resolve, registry.load, poll_interval_s=0)
