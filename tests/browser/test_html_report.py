"""The HTML report of ``driftline check --format html`` in real Chromium, offline: opened
from ``file://`` with every other request aborted, its charts render and the console stays
clean."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Request, Route, expect

from browser.browsing import SCREENSHOTS
from monitor.cli.main import main

HOSTILE = "</script><img src=x onerror=alert(1)>"


@pytest.fixture
def report_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """``driftline check --format html --out`` on a window where income, age and the prediction
    drifted, with a categorical column and one whose name is markup."""
    rng = np.random.default_rng(3)
    n = 1_500

    def frame(shift: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "income": rng.normal(50 + 10 * shift, 10, n),
                "age": rng.normal(40 + 5 * shift, 5, n),
                "region": rng.choice(["north", "south", "east"], n),
                HOSTILE: rng.normal(0, 1, n),
                "proba": np.clip(rng.normal(0.3 + 0.3 * shift, 0.1, n), 0, 1),
            }
        )

    reference, current = tmp_path / "reference.csv", tmp_path / "current.csv"
    frame(0.0).to_csv(reference, index=False)
    frame(1.0).to_csv(current, index=False)
    out = tmp_path / "report.html"
    argv = ["check", "--reference", str(reference), "--current", str(current)]
    assert main([*argv, "--prediction", "proba", "--format", "html", "--out", str(out)]) == 1
    assert f"report -> {out}" in capsys.readouterr().out
    return out


def test_report_renders_its_charts_offline_with_no_console_error(
    browser: Browser, report_file: Path
) -> None:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    def block(route: Route) -> None:
        outside.append(route.request.url)
        route.abort()

    def requested(request: Request) -> None:
        if not request.url.startswith(("file://", "data:")):
            outside.append(request.url)

    page.on("console", console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", requested)
    context.route(lambda url: not url.startswith("file://"), block)
    try:
        page.goto(report_file.as_uri())
        charts = page.locator(".js-plotly-plot")
        expect(charts).to_have_count(5)  # every compared column: 4 features and the prediction
        expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible()
        # each chart drew two bar traces (reference and current) with visible bars
        for index in range(5):
            chart = charts.nth(index)
            expect(chart.locator("g.trace.bars")).to_have_count(2)
            assert chart.locator("g.trace.bars path").count() >= 4
        expect(page.locator("#verdict")).to_have_text("drifting")
        expect(page.locator("body")).to_contain_text("prediction 'proba': DRIFT")
        expect(page.locator("#columns tr").nth(1)).to_contain_text("DRIFT")
        expect(page.locator("#columns")).to_contain_text(HOSTILE)  # shown as text, not run
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "html_report.png"), full_page=True)
    finally:
        context.close()
    assert errors == []
    assert outside == []
