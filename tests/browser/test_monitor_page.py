"""Monitor page in a real browser: key numbers, timeline, heatmap, ranked columns,
prediction drift, quality findings, time range and deep links."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from browser.browsing import Tab
from browser.seed import HOUR, START, VERSION_CHANGE_HOUR
from dashboards.links import window_param
from monitor.store import Store


def test_monitor_page_shows_the_latest_window_and_its_ranked_columns(
    tab: Tab, seeded: tuple[Path, Store]
) -> None:
    store = seeded[1]
    last = store.check_history("credit", limit=1, newest_first=True)[0]
    detail = store.get_check(last.check_id)
    assert detail is not None and last.share_drifted is not None
    tab.open("/dashboard/monitor/credit")
    expect(tab.page.locator("#monitor-share")).to_have_text(f"{last.share_drifted:.0%}")
    expect(tab.page.locator("#monitor-version")).to_have_text("2")
    # the default range: the last 48 windows (dashboard.default_windows)
    expect(tab.page.locator("#monitor-check-count")).to_have_text("48")
    expect(tab.page.locator("#monitor-reason")).to_have_text(last.reason)
    rows = tab.page.locator("#monitor-columns-table tbody tr")
    expect(rows).to_have_count(len(detail.columns))
    top = max((c for c in detail.columns if c.drifted), key=lambda c: c.effect_size or 0.0)
    expect(rows.first.locator("td").first).to_have_text(top.name)
    expect(rows.first.locator("td").last).to_have_text("drift")
    expect(tab.page.locator("#monitor-prediction-verdict")).to_contain_text("predicted_proba")
    expect(tab.page.locator("#monitor-quality")).to_be_visible()
    assert detail.report is not None
    [first] = [c for c in detail.report.impact if c.importance_rank == 1]
    row = tab.page.locator(f"#monitor-columns-table tbody tr:has(#column-link-{first.name})")
    expect(row).to_contain_text(f"{first.importance:.3f} (#1)")
    tab.screenshot("monitor")
    assert tab.errors == []


def test_performance_panel_plots_realised_against_estimated_with_coverage(
    tab: Tab, seeded: tuple[Path, Store]
) -> None:
    history = seeded[1].performance_history("credit")
    assert len(history) == 71  # every checked window (hour 20 failed)
    latest = history[-1]
    assert latest.estimated is not None and latest.realised is not None
    baseline = latest.estimated.baseline_metrics["accuracy"]
    tab.open("/dashboard/monitor/credit")
    panel = tab.page.locator("#monitor-performance")
    expect(panel).to_contain_text("Model performance: accuracy, realised vs estimated")
    for legend in ("estimate band", "estimated accuracy (CBPE)", "realised accuracy",
                   "label coverage"):  # fmt: skip
        expect(panel.locator(".legend")).to_contain_text(legend)
    expect(panel).to_contain_text(f"baseline accuracy {baseline:.4g}")
    # the last 48 windows (hour 20's failed check is older): an estimate for every window;
    # a realised value only where labels arrived (the last six windows have none yet), and
    # a coverage bar per window
    traces = panel.locator(".scatterlayer .trace")
    expect(traces.nth(1).locator(".point")).to_have_count(48)
    expect(traces.nth(2).locator(".point")).to_have_count(48 - 6)
    expect(panel.locator(".barlayer .point")).to_have_count(48)
    tab.screenshot("monitor-performance")
    assert tab.errors == []


def test_timeline_marks_the_model_version_change_and_heatmap_lists_columns(tab: Tab) -> None:
    tab.open("/dashboard/monitor/credit")
    timeline = tab.page.locator("#monitor-timeline")
    expect(timeline.locator("text=v1 → v2")).to_have_count(1)
    heatmap = tab.page.locator("#monitor-heatmap")
    expect(heatmap.locator(".heatmaplayer")).to_have_count(1)
    for column in ("income", "region", "predicted_proba"):
        expect(heatmap.locator(f"g.ytick text:text-is('{column}')")).to_have_count(1)
    assert tab.errors == []


def test_deep_link_opens_the_exact_window_and_range(tab: Tab, seeded: tuple[Path, Store]) -> None:
    store = seeded[1]
    start = START + (VERSION_CHANGE_HOUR - 4) * HOUR
    check_id = store.find_check("credit", start)
    assert check_id is not None
    detail = store.get_check(check_id)
    assert detail is not None and detail.summary.share_drifted is not None
    tab.open(f"/dashboard/monitor/credit?range=30d&window={window_param(start)}")
    expect(tab.page.locator("#monitor-window")).to_contain_text(start.strftime("%Y-%m-%d %H:%M"))
    expect(tab.page.locator("#monitor-share")).to_have_text(f"{detail.summary.share_drifted:.0%}")
    expect(tab.page.locator("#monitor-version")).to_have_text("1")
    expect(tab.page.locator("#monitor-range input[value='30d']")).to_be_checked()
    assert tab.errors == []


def test_range_selector_puts_the_range_in_the_url_and_narrows_the_checks(tab: Tab) -> None:
    tab.open("/dashboard/monitor/credit")
    expect(tab.page.locator("#monitor-check-count")).to_have_text("48")
    tab.page.locator("#monitor-range label", has_text="all").click()
    expect(tab.page).to_have_url(re.compile(r"range=all"))
    expect(tab.page.locator("#monitor-check-count")).to_have_text("72")
    tab.page.locator("#monitor-range label", has_text="24h").click()
    expect(tab.page).to_have_url(re.compile(r"range=24h"))
    expect(tab.page.locator("#monitor-check-count")).to_have_text("24")
    assert tab.errors == []


def test_unknown_monitor_says_so(tab: Tab) -> None:
    tab.open("/dashboard/monitor/nope")
    expect(tab.page.locator("#monitor-unknown")).to_contain_text("No monitor named 'nope'")
    assert tab.errors == []
