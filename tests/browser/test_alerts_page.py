"""Alerts page in a real browser, before the alerts package is installed."""

from __future__ import annotations

from playwright.sync_api import expect

from browser.browsing import Tab


def test_alerts_page_says_alerts_are_not_available_and_disables_retrain(tab: Tab) -> None:
    tab.open("/dashboard/")
    tab.page.locator("#nav-alerts").click()
    expect(tab.page.locator("#alerts-unavailable")).to_contain_text("not available")
    expect(tab.page.locator("#alerts-retrain")).to_be_disabled()
    tab.screenshot("alerts")
    assert tab.errors == []
