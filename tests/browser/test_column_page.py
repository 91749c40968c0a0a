"""Column page in a real browser: drill-down from the monitor page, stored numbers,
overlaid distributions and effect size over time."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from browser.browsing import Tab
from browser.seed import HOUR, START
from dashboards.links import window_param
from monitor.store import Store


def test_column_link_drills_down_to_the_column_in_the_same_window(
    tab: Tab, seeded: tuple[Path, Store]
) -> None:
    store = seeded[1]
    last = store.check_history("credit", limit=1, newest_first=True)[0]
    detail = store.get_check(last.check_id)
    assert detail is not None
    income = next(c for c in detail.columns if c.name == "income")
    tab.open("/dashboard/monitor/credit")
    tab.page.locator("#column-link-income").click()
    expect(tab.page).to_have_url(
        re.compile(
            r"/dashboard/column/credit/income\?window="
            + re.escape(window_param(last.window_start_at))
        )
    )
    expect(tab.page.locator("#column-name")).to_have_text("income")
    expect(tab.page.locator("#column-effect-size")).to_have_text(f"{income.effect_size:.4f}")
    expect(tab.page.locator("#column-method")).to_have_text(income.method or "-")
    distribution = tab.page.locator("#column-distribution")
    expect(distribution.locator("text=/reference \\(n=\\d+\\)/")).to_have_count(1)
    expect(distribution.locator(f"text=current (n={income.n_current})")).to_have_count(1)
    expect(tab.page.locator("#column-effect").locator("text=threshold (delta)")).to_have_count(1)
    tab.screenshot("column-income")
    assert tab.errors == []


def test_categorical_column_deep_link_shows_category_bars(
    tab: Tab, seeded: tuple[Path, Store]
) -> None:
    store = seeded[1]
    start = START + 5 * HOUR
    check_id = store.find_check("credit", start)
    assert check_id is not None
    detail = store.get_check(check_id)
    assert detail is not None and detail.report is not None
    labels = detail.report.column("region").histogram.labels  # type: ignore[union-attr]
    tab.open(f"/dashboard/column/credit/region?window={window_param(start)}")
    expect(tab.page.locator("#column-window")).to_contain_text(start.strftime("%Y-%m-%d %H:%M"))
    distribution = tab.page.locator("#column-distribution")
    for label in labels:
        expect(distribution.locator(f"g.xtick text:text-is('{label}')")).to_have_count(1)
    tab.screenshot("column-region")
    assert tab.errors == []
