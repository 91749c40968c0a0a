"""Columns that are not features (identifiers, date-times) are kept and not compared; a
target whose labels have not arrived yet is no error.

The data set is Gapminder (``plotly.data.gapminder()``, shipped with plotly, a dependency;
data CC-BY 4.0 Gapminder Foundation): 1 704 rows of country, continent, year, life
expectancy, population and GDP per capita, with an added shuffled integer id and an ISO
timestamp column.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.data
import pytest

from monitor.cli.main import main
from monitor.engine.baseline import build_baseline
from monitor.engine.compare import compare


def _gapminder() -> pd.DataFrame:
    data = plotly.data.gapminder()
    rng = np.random.default_rng(16)
    data["row_id"] = rng.permutation(len(data)) + 1_000
    start = pd.Timestamp("2024-01-01T00:00:00Z")
    data["logged_at"] = [
        (start + pd.Timedelta(minutes=int(m))).isoformat()
        for m in np.sort(rng.integers(0, 100_000, len(data)))
    ]
    return data


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    data = _gapminder()
    rng = np.random.default_rng(0)
    in_reference = rng.random(len(data)) < 0.5
    folder = tmp_path_factory.mktemp("gapminder")
    paths = {"reference": folder / "reference.csv", "current": folder / "current.csv"}
    data[in_reference].to_csv(paths["reference"], index=False)
    data[~in_reference].to_csv(paths["current"], index=False)
    return paths


def test_kinds_of_gapminder_columns() -> None:
    """The shuffled numbering is an identifier, the ISO text a datetime; population
    (unique but sparse integers) and year stay numeric."""
    baseline = build_baseline(_gapminder())
    kinds = {name: column.kind for name, column in baseline.columns.items()}
    assert kinds["row_id"] == "identifier"
    assert kinds["logged_at"] == "datetime"
    assert kinds["pop"] == "numeric" and kinds["year"] == "numeric"
    assert kinds["country"] == "categorical"


def test_increasing_integer_is_an_identifier_even_when_sparse() -> None:
    """Integers strictly increasing in row order (the order of time) are a numbering."""
    frame = pd.DataFrame({"seq": np.arange(200) * 1_000, "x": np.random.default_rng(1).random(200)})
    assert build_baseline(frame).columns["seq"].kind == "identifier"


def test_random_split_passes_and_reports_not_compared(
    split: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["check", "--reference", str(split["reference"]), "--current", str(split["current"])]
    assert main([*args, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["columns"]["row_id"]["not_compared"] == "identifier"
    assert report["columns"]["logged_at"]["not_compared"] == "datetime"
    assert report["columns"]["row_id"]["status"] == "not_compared"
    assert report["columns"]["lifeExp"]["not_compared"] is None
    assert report["columns"]["lifeExp"]["status"] == "tested"
    assert report["drifted_columns"] == []
    joint = report["multivariate"]  # row_id and logged_at are not in the joint sample either
    assert joint["status"] == "tested" and joint["drifted"] is False
    assert "row_id" not in joint["columns"] and "logged_at" not in joint["columns"]
    assert main(args) == 0
    table = capsys.readouterr().out
    row = next(line for line in table.splitlines() if line.startswith("row_id"))
    assert "not compared (identifier)" in row


def test_target_absent_from_the_window_is_silent(split: dict[str, Path], tmp_path: Path) -> None:
    reference = pd.read_csv(split["reference"])
    current = pd.read_csv(split["current"]).drop(columns=["lifeExp"])
    report = compare(build_baseline(reference, target="lifeExp"), current)
    target = report.column("lifeExp")
    assert target.status == "no_data" and not target.drifted
    assert [q for q in report.quality if q.column == "lifeExp"] == []
    assert report.verdict()[0] == "ok"
    assert report.target_drift is None


def test_target_present_in_the_window_is_compared(split: dict[str, Path]) -> None:
    reference = pd.read_csv(split["reference"])
    current = pd.read_csv(split["current"])
    current["lifeExp"] = current["lifeExp"] + 15.0
    report = compare(build_baseline(reference, target="lifeExp"), current)
    assert report.column("lifeExp").status == "tested"
    assert report.target_drift is True
