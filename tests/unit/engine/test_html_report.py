"""The HTML report: what the page holds, its offline JavaScript, the Jupyter fragment and the
CLI's errors for --format html (the page rendered in Chromium: tests/browser)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitor.cli.main import main
from monitor.engine.compare import compare
from monitor.engine.html_report import render_html
from monitor.engine.report import DriftReport


@pytest.fixture(scope="module")
def report() -> DriftReport:
    rng = np.random.default_rng(5)
    n = 800
    reference = pd.DataFrame(
        {"income": rng.normal(50, 10, n), "region": rng.choice(["<b>n</b>", "s"], n)}
    )
    current = pd.DataFrame(
        {"income": rng.normal(65, 10, n), "region": rng.choice(["<b>n</b>", "s"], n)}
    )
    return compare(reference, current)


def test_page_is_self_contained_with_plotly_inlined_once(report: DriftReport) -> None:
    page = render_html(report)
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("Plotly.newPlot(") == 2  # one chart per compared column
    assert page.count("plotly.js v") == 1  # the library's banner: inlined once
    assert "<script src=" not in page and "<link" not in page  # nothing loaded from elsewhere


def test_page_holds_verdict_ranked_table_and_escaped_names(report: DriftReport) -> None:
    page = render_html(report)
    assert '<span class="verdict verdict-drifting" id="verdict">drifting</span>' in page
    assert page.index('href="#column-0">income</a>') < page.index('href="#column-1">region</a>')
    assert "<b>n</b>" not in page.split("<h2>Distributions")[0]


def test_repr_html_is_the_compact_fragment_without_javascript(report: DriftReport) -> None:
    fragment = report._repr_html_()
    assert fragment.startswith('<div class="driftline-report">')
    assert "<script" not in fragment and "income" in fragment and "drifting" in fragment
    # its style rules reach only the report's own div, not the notebook around it
    style = fragment.split("<style>")[1].split("</style>")[0]
    rules = [rule.split("{")[0] for rule in style.split("}") if "{" in rule]
    assert rules and all(
        part.strip().startswith(".driftline-report") for rule in rules for part in rule.split(",")
    )


def test_format_html_without_out_exits_two_saying_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d.csv"
    pd.DataFrame({"x": np.arange(50.0)}).to_csv(data, index=False)
    code = main(["check", "--reference", str(data), "--current", str(data), "--format", "html"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "give --out FILE" in err


@pytest.mark.parametrize("where", ["missing-folder", "a-folder", "under-a-file"])
def test_out_to_an_unwritable_path_exits_two_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    data = tmp_path / "d.csv"
    pd.DataFrame({"x": np.arange(50.0)}).to_csv(data, index=False)
    # (a read-only folder would not do: the tests run as root in CI, and root writes there)
    out = {
        "missing-folder": tmp_path / "nope" / "r.html",
        "a-folder": tmp_path,
        "under-a-file": data / "r.html",
    }[where]
    argv = ["check", "--reference", str(data), "--current", str(data)]
    code = main([*argv, "--format", "html", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and f"--out {str(out)!r}: cannot write the report" in err


def test_page_shows_watch_and_the_multivariate_line() -> None:
    """A lost correlation (multivariate drift) and a small significant shift (watch)."""
    rng = np.random.default_rng(3)

    def frame(rho: float, shift: float) -> pd.DataFrame:
        a = rng.normal(size=20_000)
        b = rho * a + np.sqrt(1 - rho**2) * rng.normal(size=20_000)
        return pd.DataFrame({"a": a, "b": b, "small": rng.normal(shift, 1.0, 20_000)})

    report = compare(frame(0.9, 0.0), frame(0.0, 0.07))
    page = render_html(report, standalone=False)
    assert report.column("small").verdict == "watch"
    assert "<td>watch (small)</td>" in page
    assert '<p id="multivariate">multivariate (classifier): DRIFT: AUC' in page
