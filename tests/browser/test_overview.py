"""Overview page in a real browser: every monitor with its stored numbers."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from playwright.sync_api import expect

from browser.browsing import Tab
from monitor.engine.report import ColumnResult, DriftReport
from monitor.store import Store


def test_overview_shows_every_monitor_with_status_share_and_model(
    tab: Tab, seeded: tuple[Path, Store]
) -> None:
    store = seeded[1]
    last = store.check_history("credit", limit=1, newest_first=True)[0]
    tab.open("/dashboard/")
    expect(tab.page.locator("#overview-monitors")).to_be_visible()
    row = tab.page.locator("#overview-row-credit")
    expect(row).to_contain_text("credit-default")
    # credit's seeded alert is firing, which outranks the latest check's status.
    expect(tab.page.locator("#overview-status-credit")).to_have_text("alerting")
    assert last.share_drifted is not None
    expect(tab.page.locator("#overview-share-credit")).to_have_text(f"{last.share_drifted:.0%}")
    expect(row).to_contain_text(last.finished_at.strftime("%Y-%m-%d %H:%M UTC"))
    expect(tab.page.locator("#overview-row-credit .sparkline")).to_be_visible()
    expect(tab.page.locator("#overview-alerts-credit")).to_have_text("1 firing")
    expect(tab.page.locator("#overview-alerts-churn")).to_have_text("0")
    expect(tab.page.locator("#overview-status-churn")).to_have_text("never_checked")
    expect(tab.page.locator("#overview-count")).to_have_text("5")
    tab.screenshot("overview")
    assert tab.errors == []


def test_overview_link_opens_the_monitor_page(tab: Tab) -> None:
    tab.open("/dashboard/")
    tab.page.locator("#overview-link-credit").click()
    expect(tab.page).to_have_url(re.compile(r"/dashboard/monitor/credit$"))
    expect(tab.page.locator("#monitor-name")).to_have_text("credit")
    expect(tab.page.locator("#monitor-columns-table")).to_be_visible()
    assert tab.errors == []


def test_overview_refreshes_itself_when_a_check_is_stored(
    tab: Tab, seeded: tuple[Path, Store]
) -> None:
    """The dashboard refreshes every 2 s (dashboard.refresh in the test config)."""
    store = seeded[1]
    tab.open("/dashboard/")
    expect(tab.page.locator("#overview-status-staging")).to_have_text("never_checked")
    start = dt.datetime(2026, 3, 5, tzinfo=dt.UTC)
    column = ColumnResult("income", "numeric", "feature", "tested", drifted=False)
    report = DriftReport(100, 100, (column,), (), 0.05, 0.1, 0.1, 0.5, "bh")
    store.save_check(
        "staging",
        start,
        start + dt.timedelta(hours=1),
        report,
        started_at=start,
        finished_at=start,
    )
    expect(tab.page.locator("#overview-status-staging")).to_have_text("ok", timeout=10_000)
    expect(tab.page.locator("#overview-share-staging")).to_have_text("0%")
    assert tab.errors == []
