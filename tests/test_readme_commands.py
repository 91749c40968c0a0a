"""The README's shell blocks run as written (tests/doc_commands.py): every block not marked
as an example, in a folder holding the files they name (made from the sample data), from a
shell whose PATH finds this Driftline. The quick start's block is marked: `make run` serves
until Ctrl-C (tests/e2e/test_demo_loop.py runs the loop behind it) and `make test` is the
whole suite, which CI runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from doc_commands import ROOT, Page, PageRun, run_page

SAMPLE = ROOT / "sample_data"


def _files(run: PageRun) -> None:
    renamed = {"predicted_proba": "proba"}
    pd.read_csv(SAMPLE / "reference.csv").rename(columns=renamed).to_parquet(
        run.folder / "train.parquet"
    )
    pd.read_csv(SAMPLE / "current_income_drift.csv").rename(columns=renamed).to_csv(
        run.folder / "last_week.csv", index=False
    )


def _made_the_files(run: PageRun) -> None:
    assert (run.folder / "credit.driftline").exists()
    assert "<html" in (run.folder / "report.html").read_text()[:2000].lower()


README = Page(
    ROOT / "README.md",
    prepare=_files,
    # `driftline check` exits 1 on drift, which last week's data (income drift) has
    expect={"driftline check --baseline credit.driftline --current last_week.csv": 1},
    verify=_made_the_files,
)


def test_every_readme_command_runs_as_written(tmp_path: Path) -> None:
    run_page(README, tmp_path)
