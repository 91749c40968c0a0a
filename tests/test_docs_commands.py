"""Every shell block of README.md and docs/*.md is run by a test or marked as an example with
its reason (the convention of tests/doc_commands.py, stated in docs/architecture.md), and the
docs pages' blocks run as written: one test per page, its blocks in order in one folder,
against real components on 127.0.0.1 only (the `driftline` command, a real `driftline serve`
and `serve-model`, an MLflow store of the demo model, a Dask LocalCluster).

Cost, measured on 2 cores shared with other jobs: 77 s of CPU in all (151 s wall at load
average 5-7). Each `driftline` command is a new process (about 1.8 s of CPU, most of it
importing scipy and scikit-learn); the MLflow store (the demo model trained on 3 000 rows,
shared by the MLflow and serving pages) takes about 7 s of CPU; the scaling page's
LocalCluster about 5 s.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pandas as pd
import pytest
import yaml
from doc_commands import (
    MARKER_START,
    PAGES,
    ROOT,
    Block,
    Page,
    PageRun,
    commands,
    every_block,
    fenced_blocks,
    free_port,
    output_of,
    prose,
    run_page,
    shell_blocks,
)
from test_readme_commands import README

from monitor import build_baseline, save_baseline
from monitor.cli.main import _parser
from monitor.client import Client

DOCS = ROOT / "docs"
SAMPLE = ROOT / "sample_data"
TOKEN = "docs-commands-token"
DELIVERY_TIMEOUT_S = 30


def _reference(rows: int) -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "reference.csv").head(rows)


def _current(name: str, rows: int) -> pd.DataFrame:
    return pd.read_csv(SAMPLE / f"current_{name}.csv").head(rows)


def _credit_baseline(run: PageRun, name: str) -> None:
    """The sample's baseline (target `default`, prediction `predicted_proba`) as ``name``."""
    baseline = build_baseline(_reference(6_000), target="default", prediction="predicted_proba")
    save_baseline(baseline, run.folder / name)


# ------------------------------------------------------------------- checks.md


def _checks_files(run: PageRun) -> None:
    renamed = {"predicted_proba": "proba"}
    reference = _reference(8_000).rename(columns=renamed)
    reference.head(6_000).to_parquet(run.folder / "train.parquet")
    reference.tail(2_000).to_parquet(run.folder / "valid.parquet")
    reference.head(6_000).to_csv(run.folder / "train.csv", index=False)
    _current("income_drift", 2_000).rename(columns=renamed).to_csv(
        run.folder / "last_week.csv", index=False
    )
    _current("no_drift", 2_000).rename(columns=renamed).to_csv(
        run.folder / "today.csv", index=False
    )


def _checks_made(run: PageRun) -> None:
    built = output_of(run, "driftline baseline build")
    assert "performance and CBPE calibration from 2000 validation rows" in built.stdout
    report = json.loads(
        output_of(
            run, "driftline check --baseline credit.driftline --current last_week.csv --format json"
        ).stdout
    )
    assert "income" in report["drifted_columns"]
    assert "<html" in (run.folder / "report.html").read_text()[:2000].lower()


# ------------------------------------------------------------------ reports.md


def _reports_files(run: PageRun) -> None:
    _credit_baseline(run, "credit.driftline")
    _current("income_drift", 2_000).to_csv(run.folder / "today.csv", index=False)
    (run.folder / "driftline.yaml").write_text(
        "monitors:\n  - name: credit\n    baseline: credit.driftline\n"
        "    schedule: {interval: 1h30m}\n"
    )


def _reports_made(run: PageRun) -> None:
    text = output_of(
        run, "driftline check --baseline credit.driftline --current today.csv", exact=True
    )
    headline = text.stdout.splitlines()[0]
    assert re.match(r"\d+ of 9 feature columns drifted \(\d+%\).*; prediction 'predicted_proba'",
                    headline), headline  # fmt: skip
    report = json.loads(
        output_of(
            run, "driftline check --baseline credit.driftline --current today.csv --format json"
        ).stdout
    )
    assert report["prediction_drift"] is True and "share_drifted" in report
    assert "<html" in (run.folder / "report.html").read_text()[:2000].lower()
    shown = json.loads(output_of(run, "driftline monitors show credit --format json").stdout)
    assert shown["min_rows"] == 30 and shown["schedule"]["interval"] == "1h30m"
    assert "min_rows: 30" in output_of(run, "driftline monitors show credit", exact=True).stdout
    assert not (run.folder / "driftline.db").exists()  # "no database is opened or created"


# ------------------------------------------------------------------ service.md

SERVICE_WINDOWS = 3
SERVICE_ROWS_PER_WINDOW = 100


def _service_files(run: PageRun) -> None:
    _credit_baseline(run, "credit.driftline")
    config = next(b for b in fenced_blocks(DOCS / "service.md") if b.language == "yaml")
    (run.folder / "driftline.yaml").write_text(config.text)  # the page's own driftline.yaml
    run.env["DRIFTLINE_API_TOKEN"] = TOKEN


def _service_records(run: PageRun, url: str) -> None:
    """Three complete hourly windows of records, the last ending an hour ago (past the
    page's 10 min grace), sent as the page's Python client sends them."""
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = hour - timedelta(hours=SERVICE_WINDOWS + 1)
    rows = SERVICE_WINDOWS * SERVICE_ROWS_PER_WINDOW
    frame = _current("no_drift", rows).drop(columns=["default"])
    step = timedelta(hours=SERVICE_WINDOWS) / rows
    frame["scored_at"] = [start + i * step for i in range(rows)]
    with Client(url, token=TOKEN) as client:
        client.log_records("credit", frame, id_column="record_id", time_column="scored_at")


def _service_made(run: PageRun) -> None:
    listed = output_of(run, "driftline monitors list").stdout
    assert re.search(rf"^credit\s+{SERVICE_WINDOWS * SERVICE_ROWS_PER_WINDOW}\s", listed, re.M)
    for checking in ("driftline checks run", "driftline checks backfill"):
        windows = re.findall(r"^\S+ \.\. \S+ ", output_of(run, checking).stdout, re.M)
        assert len(windows) == SERVICE_WINDOWS, (checking, windows)
    answer = httpx.get(
        f"{run.urls[0]}/api/v1/monitors/credit/checks",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["checks"]) == SERVICE_WINDOWS


# ------------------------------------------------------- mlflow.md, serving.md


@pytest.fixture(scope="module")
def tracking_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An MLflow store holding the demo model `credit`, version 1 at `@production`, trained
    by `sample_data/train.py` on 3 000 sample rows."""
    folder = tmp_path_factory.mktemp("mlflow")
    _reference(3_000).to_csv(folder / "train.csv", index=False)
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    trained = subprocess.run(
        [sys.executable, str(SAMPLE / "train.py"), "--data", str(folder / "train.csv"),
         "--tracking-uri", uri],
        cwd=folder, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr[-3000:]
    return uri


def _mlflow_made(run: PageRun) -> None:
    config = yaml.safe_load((run.folder / "driftline.yaml").read_text())
    assert [m["name"] for m in config["monitors"]] == ["credit", "credit_files", "credit_sql"]
    assert {m["baseline"] for m in config["monitors"]} == {"models:/credit@production"}


def _serving_files(run: PageRun) -> None:
    """The monitor `credit` on a real `driftline serve`, where serve-model logs to."""
    port = free_port()
    (run.folder / "driftline.yaml").write_text(
        f"database_url: sqlite:///./driftline.db\napi: {{port: {port}}}\n"
        "monitors:\n  - name: credit\n    baseline: models:/credit@production\n"
        "    schedule: {interval: 1h}\n"
    )
    url = f"http://127.0.0.1:{port}"
    run.background(["driftline", "serve"], f"{url}/api/health", "serve.log")


def _serving_made(run: PageRun) -> None:
    scored = output_of(run, "curl -s localhost:").stdout
    (probabilities,) = json.loads(scored)["predictions"]
    assert len(probabilities) == 2 and sum(probabilities) == pytest.approx(1)
    config = yaml.safe_load((run.folder / "driftline.yaml").read_text())
    monitors = f"http://127.0.0.1:{config['api']['port']}/api/v1/monitors"
    deadline = time.monotonic() + DELIVERY_TIMEOUT_S
    while (records := httpx.get(monitors, timeout=10).json()["monitors"][0]["records"]) < 1:
        assert time.monotonic() < deadline, "serve-model's prediction never reached the monitor"
        time.sleep(0.2)
    assert records == 1


# ------------------------------------------------------------------ scaling.md


def _scaling_files(run: PageRun) -> None:
    """What the page's marked block made (model.baseline) and a partition of three files."""
    _credit_baseline(run, "model.baseline")
    partition = run.folder / "data" / "2026-02-01"
    partition.mkdir(parents=True)
    current = _current("income_drift", 3_000)
    for part in range(3):
        current.iloc[part * 1_000 : (part + 1) * 1_000].to_parquet(partition / f"{part}.parquet")


def _scaling_made(run: PageRun) -> None:
    checked = output_of(run, "driftline check --baseline model.baseline").stdout
    assert "rows: reference 6000, current 3000" in checked


DOCS_PAGES = {
    "checks.md": Page(
        DOCS / "checks.md",
        prepare=_checks_files,
        # last week's data has income drift: exit 1; today's is calm: exit 0
        expect={"driftline check --baseline credit.driftline --current last_week.csv": 1},
        verify=_checks_made,
    ),
    "mlflow.md": Page(DOCS / "mlflow.md", prepare=lambda run: None, verify=_mlflow_made),
    "reports.md": Page(
        DOCS / "reports.md",
        prepare=_reports_files,
        expect={"driftline check --baseline credit.driftline --current today.csv": 1},
        verify=_reports_made,
    ),
    "scaling.md": Page(
        DOCS / "scaling.md",
        prepare=_scaling_files,
        expect={"driftline check --baseline model.baseline": 1},
        verify=_scaling_made,
    ),
    "service.md": Page(
        DOCS / "service.md",
        prepare=_service_files,
        after_serve=_service_records,
        verify=_service_made,
    ),
    "serving.md": Page(DOCS / "serving.md", prepare=_serving_files, verify=_serving_made),
}
"""The docs pages whose shell blocks run here, and how (README.md: test_readme_commands)."""
USES_MLFLOW = {"mlflow.md", "serving.md"}


@pytest.mark.parametrize("name", sorted(DOCS_PAGES))
def test_each_docs_page_runs_as_written(
    name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    page = DOCS_PAGES[name]
    if name in USES_MLFLOW:
        uri = request.getfixturevalue("tracking_uri")
        prepare = page.prepare

        def with_mlflow(run: PageRun) -> None:
            run.env["MLFLOW_TRACKING_URI"] = uri
            prepare(run)

        page = replace(page, prepare=with_mlflow)
    run_page(page, tmp_path)


def test_every_shell_block_is_run_by_a_test_or_marked_as_an_example() -> None:
    run_by = {README.path: "tests/test_readme_commands.py"} | {
        page.path: f"tests/test_docs_commands.py[{name}]" for name, page in DOCS_PAGES.items()
    }
    unrun = [
        f"{block.where}: neither run by a test nor marked `<!-- example: REASON -->`"
        for page in PAGES
        for block in shell_blocks(page)
        if block.example is None and page not in run_by
    ]
    assert not unrun, unrun
    idle = [
        where
        for page, where in run_by.items()
        if all(block.example is not None for block in shell_blocks(page))
    ]
    assert not idle, f"{idle} run pages without an unmarked shell block"


def test_every_example_marker_gives_a_reason_and_marks_a_shell_block() -> None:
    blocks = list(every_block())
    marked = [block for block in blocks if block.example is not None]
    terse = [block.where for block in marked if len((block.example or "").split()) < 3]
    assert not terse, f"say why these blocks are not run (3 words or more): {terse}"
    assert all(block.is_shell for block in marked), [b.where for b in marked if not b.is_shell]
    markers = sum(len(MARKER_START.findall(prose(page))) for page in PAGES)
    assert markers == len(marked), "an <!-- example: ... --> line not right before a fence"


def test_every_fenced_block_names_its_language() -> None:
    """A block without a language could hide a command from the convention."""
    unnamed = [block.where for block in every_block() if not block.language]
    assert not unnamed, f"name the language of these blocks (sh, text, yaml, ...): {unnamed}"


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        pytest.param(
            "sh",
            "# a comment line\ndriftline a \\\n  --b c   # trailing\n\ndriftline d",
            ["driftline a \\\n  --b c   # trailing", "driftline d"],
            id="backslash-continuation-and-comments",
        ),
        pytest.param(
            "sh",
            'curl -d \'{"a":\n  [1, 2]}\'\n# {"answer": 1}',
            ["curl -d '{\"a\":\n  [1, 2]}'"],
            id="open-quote-continues-the-command",
        ),
        pytest.param(
            "console",
            "$ driftline a \\\n  --b\noutput line\n$ driftline c\n# more output",
            ["driftline a \\\n  --b", "driftline c"],
            id="console-prompts-only",
        ),
    ],
)
def test_a_block_is_split_into_commands_as_bash_reads_it(
    language: str, text: str, expected: list[str]
) -> None:
    block = Block(ROOT / "README.md", 1, language, text, None)
    assert commands(block) == expected


def _inline_commands() -> list[tuple[str, str]]:
    """(page, span) of every inline code span of the prose that starts with `driftline `."""
    found = []
    for page in PAGES:
        text = re.sub(r"\s+", " ", prose(page))
        for span in re.findall(r"`(driftline [^`]+)`", text):
            found.append((str(page.relative_to(ROOT)), span))
    return found


def test_every_inline_driftline_command_names_real_subcommands_and_options() -> None:
    """Commands quoted in the prose are not run, but each names a real command path and only
    options that command has (placeholders like FILE, `[...]` and `a|b` are left alone)."""
    spans = _inline_commands()
    assert len(spans) > 20
    wrong = []
    for page, span in spans:
        parser = _parser()
        for word in span.split()[1:]:
            commands = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
            if not commands or not re.fullmatch(r"[a-z][a-z-]*", word):
                break
            if word not in commands[0].choices:
                wrong.append(f"{page}: `{span}`: no command `{parser.prog} {word}`")
                break
            parser = commands[0].choices[word]
        known = {option for action in parser._actions for option in action.option_strings}
        unknown = [option for option in re.findall(r"--[a-z][a-z-]*", span) if option not in known]
        if unknown:
            wrong.append(f"{page}: `{span}`: {unknown} not options of `{parser.prog}`")
    assert not wrong, wrong
