"""``watch`` columns and the multivariate (domain classifier) result in a real browser: the
heatmap's watch cells (legend entry and hover label), the ranked columns' verdicts, the
multivariate chart with its threshold line, the window's multivariate card, and a column's
verdict per window."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from browser.browsing import Tab
from dashboards.figures import WATCH_LABEL
from dashboards.links import window_param
from monitor.store import CheckDetail, Store

WATCHED_FEATURES = ("num_late_payments", "region", "employment_type", "num_credit_lines")


def _watched_window(store: Store) -> tuple[CheckDetail, str]:
    """The latest of the default range's checks (the last 48 hours) with a feature on
    watch, and that feature."""
    for point in store.check_history("credit", limit=48, newest_first=True):
        detail = store.get_check(point.check_id)
        assert detail is not None
        report = detail.report
        found = [c for c in report.watch_columns if c in WATCHED_FEATURES] if report else []
        if found:
            return detail, found[0]
    raise AssertionError("the seed has no feature on watch in the last 48 windows")


def test_monitor_page_shows_watch_apart_from_drift_and_the_multivariate_chart(
    tab: Tab, seeded: tuple[Path, Store]
) -> None:
    detail, column = _watched_window(seeded[1])
    report = detail.report
    assert report is not None and report.multivariate is not None
    joint = report.multivariate
    start = detail.summary.window_start_at
    tab.open(f"/dashboard/monitor/credit?window={window_param(start)}")
    page = tab.page
    expect(page.locator("#monitor-window")).to_contain_text(start.strftime("%Y-%m-%d %H:%M"))
    expect(page.locator("#monitor-watch")).to_have_text(str(len(report.watch_columns)))
    # the ranked table names each column's verdict
    row = page.locator(f"#monitor-columns-table tbody tr:has(#column-link-{column})")
    expect(row.locator("td").last).to_have_text("watch")
    drifted = next(c.name for c in detail.columns if c.verdict == "drift")
    row = page.locator(f"#monitor-columns-table tbody tr:has(#column-link-{drifted})")
    expect(row.locator("td").last).to_have_text("drift")

    heatmap = page.locator("#monitor-heatmap")
    expect(heatmap.locator(".legend")).to_contain_text(WATCH_LABEL)
    # hover over the watch cell of this window: the label says watch, not drift
    heatmap.scroll_into_view_if_needed()
    position = page.evaluate(
        """([column, label]) => {
            const gd = document.querySelector('#monitor-heatmap .js-plotly-plot');
            const trace = gd.data.find(t => t.name === label);
            const i = trace.y.findIndex((y, k) => y === column
                && gd._fullLayout.xaxis.d2c(trace.x[k]) === Math.max(
                    ...trace.x.filter((_, j) => trace.y[j] === column)
                        .map(x => gd._fullLayout.xaxis.d2c(x))));
            const layout = gd._fullLayout, box = gd.getBoundingClientRect();
            return {
                x: box.left + layout._size.l + layout.xaxis.d2p(trace.x[i]),
                y: box.top + layout._size.t + layout.yaxis.d2p(trace.y[i]),
            };
        }""",
        [column, WATCH_LABEL],
    )
    page.mouse.move(position["x"], position["y"])
    hover = heatmap.locator(".hoverlayer")
    expect(hover).to_contain_text(WATCH_LABEL)
    expect(hover).to_contain_text(column)

    chart = page.locator("#monitor-multivariate")
    expect(chart).to_contain_text("Multivariate drift: domain classifier effect per window")
    expect(chart.locator(".legend")).to_contain_text("classifier effect (AUC − 0.5)")
    expect(chart.locator(".annotation-text")).to_have_text(f"threshold {joint.threshold:g}")
    # the threshold is a horizontal line across the plot at its value
    line = page.evaluate(
        """() => {
            const gd = document.querySelector('#monitor-multivariate .js-plotly-plot');
            const shape = gd._fullLayout.shapes.find(s => s.type === 'line');
            const path = document.querySelector('#monitor-multivariate .shapelayer path');
            return {y0: shape.y0, y1: shape.y1, d: path && path.getAttribute('d')};
        }"""
    )
    assert line["y0"] == line["y1"] == joint.threshold and line["d"]
    card = page.locator("#monitor-multivariate-verdict")
    assert joint.verdict is not None
    expect(card).to_contain_text(f"{joint.verdict} (classifier AUC {joint.statistic:.3f})")
    for top in joint.top_columns:
        expect(card).to_contain_text(top)
    tab.screenshot("monitor-watch")
    assert tab.errors == []


def test_column_page_gives_the_verdict_per_window_including_watch(
    tab: Tab, seeded: tuple[Path, Store]
) -> None:
    detail, column = _watched_window(seeded[1])
    start = detail.summary.window_start_at
    tab.open(f"/dashboard/column/credit/{column}?window={window_param(start)}")
    expect(tab.page.locator("#column-verdict")).to_have_text(WATCH_LABEL)
    effect = tab.page.locator("#column-effect")
    expect(effect.locator(".legend")).to_contain_text(WATCH_LABEL)
    texts = tab.page.evaluate(
        """() => document.querySelector('#column-effect .js-plotly-plot').data[0].text"""
    )
    assert "watch" in texts and set(texts) <= {"drift", "watch", "ok", None}
    assert tab.errors == []
