"""The README's shell blocks run as written: every ``driftline`` line of them, in a folder
holding the files they name (made from the sample data), from a shell whose PATH finds this
Driftline. `make run` and `make test` are the quick start itself; CI runs `make test`, and
tests/e2e/test_demo_loop.py runs the loop behind `make run`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"


def _shell_lines() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.S)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("make ")]


def test_every_readme_command_runs_as_written(tmp_path: Path) -> None:
    lines = _shell_lines()
    assert lines and all(line.startswith("driftline ") for line in lines), lines
    renamed = {"predicted_proba": "proba"}
    pd.read_csv(SAMPLE / "reference.csv").rename(columns=renamed).to_parquet(
        tmp_path / "train.parquet"
    )
    pd.read_csv(SAMPLE / "current_income_drift.csv").rename(columns=renamed).to_csv(
        tmp_path / "last_week.csv", index=False
    )
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    for line in lines:
        ran = subprocess.run(
            ["bash", "-c", line],
            cwd=tmp_path,
            env={**os.environ, "PATH": path},
            capture_output=True,
            text=True,
            timeout=300,
        )
        # `driftline check` exits 1 on drift, which this week's data has
        expected = 1 if line.startswith("driftline check") else 0
        assert ran.returncode == expected, (line, ran.stdout[-2000:], ran.stderr[-2000:])
    assert (tmp_path / "credit.driftline").exists()
    assert "<html" in (tmp_path / "report.html").read_text()[:2000].lower()
