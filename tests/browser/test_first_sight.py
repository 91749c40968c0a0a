"""What a first look at the dashboard must get right, in a real browser: a weekly monitor's
default view, a deep link to an old window, the true empty-state messages, bad links, and
one status vocabulary across the overview, the monitor page, `driftline monitors list` and
the API's monitors listing."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from browser.browsing import Tab
from browser.seed import (
    HOUR,
    MONITORS,
    START,
    WEEK,
    WEEKLY_DRIFT_WEEK,
    WEEKLY_MISSING,
    WEEKLY_START,
    WEEKS,
)
from dashboards.links import window_param
from monitor.store import MONITOR_STATUSES, Store

_CHARTS = ("monitor-timeline", "monitor-performance", "monitor-heatmap", "monitor-prediction-graph")


def _figure(tab: Tab, graph: str) -> Any:
    """The figure Plotly drew in the graph with id ``graph`` (data and full layout)."""
    return tab.page.evaluate(
        f"(() => {{ const p = document.querySelector('#{graph} .js-plotly-plot');"
        " return {data: p.data.map(t => ({name: t.name, x: t.x, y: t.y})),"
        " range: p._fullLayout.xaxis.range,"
        " shapes: (p._fullLayout.shapes || []).map(s => [s.type, s.x0, s.x1])}; })()"
    )


def _time(value: str | float) -> dt.datetime:
    """A Plotly date-axis value ('2026-03-01 04:30:00.0000' or epoch ms) as UTC."""
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC)
    text = value.replace(" ", "T")
    head, _, fraction = text.partition(".")
    parsed = dt.datetime.fromisoformat(head.removesuffix("Z").split("+")[0])
    return parsed.replace(tzinfo=dt.UTC)


def _wait_drawn(tab: Tab, graph: str) -> None:
    expect(tab.page.locator(f"#{graph} .main-svg").first).to_be_visible()


def test_weekly_monitor_opens_on_its_last_48_windows_with_readable_ticks(tab: Tab) -> None:
    tab.open("/dashboard/monitor/weekly")
    # 48 weekly windows back from the latest check, two of them without a check
    in_range = [w for w in range(WEEKS - 48, WEEKS) if w not in WEEKLY_MISSING]
    expect(tab.page.locator("#monitor-check-count")).to_have_text(str(len(in_range)))
    expect(tab.page.locator("#monitor-range input[value='windows']")).to_be_checked()
    expect(tab.page.locator("#monitor-range")).to_contain_text("last 48 windows")
    _wait_drawn(tab, "monitor-timeline")
    figure = _figure(tab, "monitor-timeline")
    line = figure["data"][0]
    assert sum(y is not None for y in line["y"]) == len(in_range) > 1
    # the two weeks without a check are a gap, not a line across them
    assert None in line["y"]
    low, high = (_time(v) for v in figure["range"])
    first = WEEKLY_START + (WEEKS - 48) * WEEK
    assert low < first < first + WEEK / 2 < high
    ticks = tab.page.locator("#monitor-timeline g.xtick text").all_text_contents()
    assert len(ticks) >= 3, ticks
    # dates, not hours, minutes or milliseconds of one day
    assert all(re.fullmatch(r"[A-Z][a-z]{2}( \d{1,2})?(\s*\d{4})?", t.strip()) for t in ticks), (
        ticks
    )
    # the baseline was built without target and prediction: the panel says so
    expect(tab.page.locator("#monitor-performance")).to_contain_text(
        "the baseline has no performance part"
    )
    tab.screenshot("first-sight-weekly")
    assert tab.errors == []


def test_deep_link_to_an_old_window_selects_it_in_the_cards_and_every_chart(
    tab: Tab, seeded: tuple[Path, Store]
) -> None:
    store = seeded[1]
    old = START + 5 * HOUR  # out of the default range (the last 48 of 72 hourly windows)
    check_id = store.find_check("credit", old)
    assert check_id is not None
    detail = store.get_check(check_id)
    assert detail is not None and detail.summary.share_drifted is not None
    tab.open(f"/dashboard/monitor/credit?window={window_param(old)}")
    expect(tab.page.locator("#monitor-window")).to_contain_text(old.strftime("%Y-%m-%d %H:%M"))
    expect(tab.page.locator("#monitor-share")).to_have_text(f"{detail.summary.share_drifted:.0%}")
    expect(tab.page.locator("#monitor-check-count")).to_have_text(re.compile(r"^\d+$"))
    for graph in _CHARTS:
        _wait_drawn(tab, graph)
        figure = _figure(tab, graph)
        low, high = (_time(v) for v in figure["range"])
        assert low < old < high, (graph, figure["range"])
        bands = [(_time(x0), _time(x1)) for kind, x0, x1 in figure["shapes"] if kind == "rect"]
        assert any(x0 < old < x1 for x0, x1 in bands), (graph, figure["shapes"])
    # the column links keep the window
    href = tab.page.locator("#column-link-income").get_attribute("href")
    assert href is not None and window_param(old) in href
    tab.screenshot("first-sight-deep-link")
    assert tab.errors == []


def test_a_monitor_never_checked_says_so_everywhere(tab: Tab) -> None:
    tab.open("/dashboard/monitor/idle")
    expect(tab.page.locator("#monitor-no-checks")).to_contain_text("'idle' has never been checked")
    expect(tab.page.locator("#monitor-status")).to_have_text("never_checked")
    for graph in ("monitor-timeline", "monitor-performance", "monitor-heatmap"):
        expect(tab.page.locator(f"#{graph}")).to_contain_text("has never been checked")
    tab.open("/dashboard/column/idle/income")
    expect(tab.page.locator("#column-missing")).to_contain_text("has never been checked")
    assert tab.errors == []


def test_bad_links_get_a_message_never_a_traceback(tab: Tab, seeded: tuple[Path, Store]) -> None:
    latest = seeded[1].check_history("credit", limit=1, newest_first=True)[0]
    latest_text = latest.window_start_at.strftime("%Y-%m-%d %H:%M")
    tab.open("/dashboard/monitor/credit?window=not-a-date")
    expect(tab.page.locator("#monitor-link-problem-0")).to_contain_text(
        "The link's window 'not-a-date' is not a date and time"
    )
    expect(tab.page.locator("#monitor-window")).to_contain_text(latest_text)
    tab.open("/dashboard/monitor/credit?window=2020-01-01T00:00:00Z")
    expect(tab.page.locator("#monitor-link-problem-0")).to_contain_text(
        "No check of 'credit' for a window holding 2020-01-01 00:00 UTC"
    )
    expect(tab.page.locator("#monitor-window")).to_contain_text(latest_text)
    gap = WEEKLY_START + WEEKLY_MISSING[0] * WEEK
    tab.open(f"/dashboard/column/weekly/income?window={window_param(gap)}")
    expect(tab.page.locator("#column-link-problem-0")).to_contain_text("No check of 'weekly'")
    tab.open("/dashboard/monitor/nope?window=%ZZ")
    expect(tab.page.locator("#monitor-unknown")).to_contain_text("No monitor named 'nope'")
    tab.open("/dashboard/column/credit/no-such-column")
    expect(tab.page.locator("#column-missing")).to_contain_text(
        "No result for column 'no-such-column'"
    )
    body = tab.page.locator("body").inner_text()
    assert "Traceback" not in body
    assert tab.errors == []


def _cli_statuses(folder: Path) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "monitors", "list"],
        cwd=folder,
        env={**os.environ, "DRIFTLINE_CONFIG": str(folder / "driftline.yaml")},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = [line.split() for line in done.stdout.splitlines()[1:] if line.strip()]
    return {row[0]: row[-1] for row in rows}


def test_overview_monitor_page_cli_and_api_show_one_status(
    tab: Tab, seeded: tuple[Path, Store], server: str
) -> None:
    folder, store = seeded
    assert store.count_open_alerts()["credit"].firing == 1
    cli = _cli_statuses(folder)
    api = {
        m["name"]: m["status"] for m in httpx.get(f"{server}/api/v1/monitors").json()["monitors"]
    }
    tab.open("/dashboard/")
    overview = {}
    for name in MONITORS:
        badge = tab.page.locator(f"#overview-status-{name}")
        expect(badge).to_have_text(re.compile("|".join(MONITOR_STATUSES)))
        overview[name] = badge.inner_text()
    pages = {}
    for name in MONITORS:
        tab.open(f"/dashboard/monitor/{name}")
        badge = tab.page.locator("#monitor-status")
        expect(badge).to_have_text(re.compile("|".join(MONITOR_STATUSES)))
        pages[name] = badge.inner_text()
    assert cli == api == overview == pages
    # the firing alert outranks credit's latest check; weekly drifts since week 50
    assert cli["credit"] == "alerting" and cli["weekly"] == "drift" and WEEKLY_DRIFT_WEEK < WEEKS
    assert cli["churn"] == cli["idle"] == "never_checked"
    assert tab.errors == []
