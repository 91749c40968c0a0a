"""Screenshots of every dashboard page for docs/dashboard.md, on the browser tests' seed.

    .venv/bin/python docs/images/make_screenshots.py

Seeds a temporary folder exactly as ``tests/browser`` does (``tests/browser/seed.py``: the
same monitors, checks, alerts and retraining run), starts ``driftline serve`` on a free
127.0.0.1 port, opens each page in Debian's headless Chromium and writes
``docs/images/<page>.png``. About a minute.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from browser.browsing import CHROMIUM, start, stop  # noqa: E402
from browser.seed import (  # noqa: E402
    HOUR,
    START,
    AlertPeers,
    closed_port,
    seed,
    write_config,
)
from integration.service.receiver import Receiver, running_receiver  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from dashboards.links import window_param  # noqa: E402

OUT: Final = Path(__file__).resolve().parent
PAGES: Final = (
    ("overview", "/dashboard/", "#overview-monitors"),
    ("monitor", "/dashboard/monitor/credit", "#monitor-columns-table"),
    ("monitor-weekly", "/dashboard/monitor/weekly", "#monitor-columns-table"),
    (
        "monitor-deep-link",
        f"/dashboard/monitor/credit?window={window_param(START + 5 * HOUR)}",
        "#monitor-columns-table",
    ),
    (
        "monitor-watch",
        f"/dashboard/monitor/credit?window={window_param(START + 63 * HOUR)}",
        "#monitor-multivariate-verdict",
    ),
    ("monitor-never-checked", "/dashboard/monitor/idle", "#monitor-no-checks"),
    ("monitor-bad-link", "/dashboard/monitor/credit?window=yesterday", "#monitor-link-problem-0"),
    ("column-income", "/dashboard/column/credit/income", "#column-effect-size"),
    ("column-region", "/dashboard/column/credit/region", "#column-effect-size"),
    ("alerts", "/dashboard/alerts?monitor=credit", "#alerts-history-table"),
)


def main() -> int:
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_receiver(Receiver(fail_first={"/hook": 1})) as receiver,
    ):
        folder = Path(tmp)
        write_config(folder, alerts=AlertPeers(receiver.url, closed_port()))
        seed(folder).close()
        process, base = start(folder)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
                )
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                for name, path, ready in PAGES:
                    page.goto(base + path)
                    page.wait_for_selector(ready, timeout=30_000)
                    page.wait_for_timeout(1500)  # let Plotly finish drawing every chart
                    target = OUT / f"{name}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(f"wrote {target.relative_to(ROOT)}")
                browser.close()
        finally:
            stop(process)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
