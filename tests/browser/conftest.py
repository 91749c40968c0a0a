"""Real-browser fixtures: a seeded `driftline serve` on a free 127.0.0.1 port and headless
Debian Chromium driven by Playwright (see browsing.py).

The fixtures live as long as this package's tests, not the session: a sync Playwright left open
marks the thread's asyncio loop as running, and any later test that starts its own (the secret
canaries) would then be refused by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from integration.service.receiver import Receiver, running_receiver
from playwright.sync_api import Browser, expect, sync_playwright

from browser.browsing import CHROMIUM, Tab, open_tab, start, stop
from browser.seed import AlertPeers, closed_port, seed, write_config
from monitor.store import Store


@pytest.fixture(scope="package")
def receiver() -> Iterator[Receiver]:
    """A real HTTP receiver on 127.0.0.1 for ``credit``'s ``ops`` channel (its first request
    gets 503) and retrain target."""
    with running_receiver(Receiver(fail_first={"/hook": 1})) as running:
        yield running


@pytest.fixture(scope="package")
def seeded(
    tmp_path_factory: pytest.TempPathFactory, receiver: Receiver
) -> Iterator[tuple[Path, Store]]:
    """A configured folder and its store with the seeded checks and alerts (see seed.py)."""
    folder = tmp_path_factory.mktemp("dashboard")
    write_config(folder, alerts=AlertPeers(receiver.url, closed_port()))
    store = seed(folder)
    yield folder, store
    store.close()


@pytest.fixture(scope="package")
def server(seeded: tuple[Path, Store]) -> Iterator[str]:
    """The base URL of `driftline serve` on the seeded folder (no password)."""
    process, base = start(seeded[0])
    yield base
    stop(process)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing; install Debian's chromium and chromium-driver "
            "(make test does: apt-get install -y chromium chromium-driver)"
        )
    # The machine is shared with other jobs: give each expectation as long as each action
    # (browsing.open_tab's 15 s) instead of Playwright's default 5 s.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def tab(browser: Browser, server: str) -> Iterator[Tab]:
    """A fresh browser page on the seeded server."""
    yield from open_tab(browser, server)
