"""A read-only dashboard login in a real browser: with ``dashboard.scope: read`` the Alerts
page shows everything, its audit trail among it, and "Retrain now" answers with a message
naming the scope instead of recording a trigger."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from browser.browsing import Tab, open_tab, start, stop
from browser.seed import write_config
from monitor.store import Store, upgrade

PASSWORD = "read only staple battery"


@pytest.fixture(scope="module")
def read_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    folder = tmp_path_factory.mktemp("read-only")
    write_config(folder, dashboard="{refresh: 0s, scope: read, user: analyst}")
    url = f"sqlite:///{folder / 'driftline.db'}"
    upgrade(url)
    store = Store(url)
    store.upsert_monitor("credit", {"baseline": "credit.driftline"})
    store.add_audit("ops", "silence.add", monitor="credit", detail={"id": 7, "rule": "drift"})
    process, base = start(folder, {"DRIFTLINE_DASHBOARD_PASSWORD": PASSWORD})
    yield base, store
    stop(process)
    store.close()


@pytest.fixture
def read_tab(browser: Browser, read_only: tuple[str, Store]) -> Iterator[Tab]:
    yield from open_tab(browser, read_only[0])


def test_a_read_only_login_sees_the_audit_trail_and_cannot_retrain(
    read_tab: Tab, read_only: tuple[str, Store]
) -> None:
    page = read_tab.page
    read_tab.open("/dashboard/alerts?monitor=credit")
    expect(page).to_have_url(re.compile(r"/dashboard/login"))
    page.fill("#password", PASSWORD)
    page.click("#login")
    audit = page.locator("#alerts-audit-table")
    expect(audit).to_contain_text("silence.add")
    expect(audit).to_contain_text("ops")
    page.locator("#alerts-retrain").click()
    error = page.locator("#alerts-retrain-error")
    expect(error).to_contain_text("read-only")
    expect(error).to_contain_text("needs scope 'admin'")
    store = read_only[1]
    assert store.list_retrain_triggers("credit") == []
    assert [e.action for e in store.list_audit("credit")] == ["silence.add"]
    read_tab.screenshot("alerts-read-only")
    assert read_tab.errors == []
