"""The scheduler lease: one holder at a time, renewable, taken over once expired."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from monitor.errors import ConfigError
from monitor.store import Store

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
TTL = dt.timedelta(seconds=60)


class _Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clocked(store: Store, database_url: str) -> Iterator[tuple[Store, _Clock]]:
    """A Store on the migrated database whose clock the test sets."""
    clock = _Clock()
    opened = Store(database_url, clock=clock)
    yield opened, clock
    opened.close()


def test_second_holder_is_refused_while_the_lease_is_live(clocked: tuple[Store, _Clock]) -> None:
    store, _ = clocked
    assert store.acquire_lease("scheduler", "a", TTL)
    assert not store.acquire_lease("scheduler", "b", TTL)


def test_holder_renews_its_own_lease(clocked: tuple[Store, _Clock]) -> None:
    store, clock = clocked
    assert store.acquire_lease("scheduler", "a", TTL)
    clock.now = T0 + TTL / 2
    assert store.acquire_lease("scheduler", "a", TTL)
    clock.now = T0 + TTL  # a's renewed lease runs to T0 + 1.5 TTL
    assert not store.acquire_lease("scheduler", "b", TTL)


def test_expired_lease_is_taken_over(clocked: tuple[Store, _Clock]) -> None:
    store, clock = clocked
    assert store.acquire_lease("scheduler", "a", TTL)
    clock.now = T0 + TTL
    assert store.acquire_lease("scheduler", "b", TTL)
    assert not store.acquire_lease("scheduler", "a", TTL)


def test_released_lease_is_free(clocked: tuple[Store, _Clock]) -> None:
    store, _ = clocked
    assert store.acquire_lease("scheduler", "a", TTL)
    store.release_lease("scheduler", "b")  # not b's to release
    assert not store.acquire_lease("scheduler", "b", TTL)
    store.release_lease("scheduler", "a")
    assert store.acquire_lease("scheduler", "b", TTL)


def test_non_positive_ttl_is_refused(store: Store) -> None:
    with pytest.raises(ConfigError, match="ttl 0:00:00 is not positive"):
        store.acquire_lease("scheduler", "a", dt.timedelta(0))
