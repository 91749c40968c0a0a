"""The driftline command line: baseline build, check, exit codes and errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitor.cli.main import main


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    n = 2_000

    def frame(shift: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "income": rng.normal(50 + 10 * shift, 10, n),
                "region": rng.choice(["north", "south"], n),
                "proba": rng.random(n),
            }
        )

    paths = {
        "reference": tmp_path / "reference.csv",
        "same": tmp_path / "same.parquet",
        "drifted": tmp_path / "drifted.csv",
    }
    frame(0.0).to_csv(paths["reference"], index=False)
    frame(0.0).to_parquet(paths["same"])
    frame(1.0).to_csv(paths["drifted"], index=False)
    return paths


def test_check_exits_zero_without_drift(files: dict[str, Path]) -> None:
    assert (
        main(["check", "--reference", str(files["reference"]), "--current", str(files["same"])])
        == 0
    )


def test_check_exits_one_with_drift_and_lists_most_drifted_first(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["check", "--reference", str(files["reference"]), "--current", str(files["drifted"])]
    )
    out = capsys.readouterr().out
    assert code == 1
    table = [line for line in out.splitlines() if line.startswith(("income", "region", "proba"))]
    assert table[0].startswith("income") and "DRIFT" in table[0]


def test_baseline_file_then_json_check(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "b.driftline"
    args = ["baseline", "build", str(files["reference"]), "--out", str(baseline)]
    assert main([*args, "--prediction", "proba"]) == 0
    capsys.readouterr()
    code = main(
        [
            "check",
            "--baseline",
            str(baseline),
            "--current",
            str(files["drifted"]),
            "--format",
            "json",
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["drifted_columns"] == ["income"]
    assert report["columns"]["proba"]["role"] == "prediction"


def test_missing_file_exits_two_naming_it(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--reference", str(files["reference"]), "--current", "nope.csv"])
    err = capsys.readouterr().err
    assert code == 2
    assert "'nope.csv': no such file" in err and len(err.strip().splitlines()) == 1


def test_bad_option_value_exits_two_naming_it(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "check",
            "--reference",
            str(files["reference"]),
            "--current",
            str(files["same"]),
            "--alpha",
            "2",
        ]
    )
    assert code == 2
    assert "alpha must be in (0, 1]" in capsys.readouterr().err


def test_unknown_column_in_method_override_exits_two(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "check",
            "--reference",
            str(files["reference"]),
            "--current",
            str(files["same"]),
            "--method",
            "salary=ks",
        ]
    )
    assert code == 2
    assert "'salary'" in capsys.readouterr().err


def test_usage_error_exits_two() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--current", "x.csv"])
    assert exit_info.value.code == 2


def test_console_script_runs_as_a_process(files: dict[str, Path]) -> None:
    """The installed entry point behaves like main(): exit 1 on drift."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "monitor.cli",
            "check",
            "--reference",
            str(files["reference"]),
            "--current",
            str(files["drifted"]),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr
    assert "DRIFT" in completed.stdout


def test_headline_counts_features_over_features_and_the_prediction_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """1 of 2 features drifted is 50%, whatever the prediction column does; the
    prediction's own drift is stated beside it, not added to the features' numerator."""
    rng = np.random.default_rng(1)
    n = 2_000

    def frame(shift: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "income": rng.normal(50 + 10 * shift, 10, n),
                "age": rng.normal(40, 5, n),
                "proba": np.clip(rng.normal(0.3 + 0.3 * shift, 0.1, n), 0, 1),
            }
        )

    reference, current = tmp_path / "reference.csv", tmp_path / "current.csv"
    frame(0.0).to_csv(reference, index=False)
    frame(1.0).to_csv(current, index=False)
    code = main(
        ["check", "--reference", str(reference), "--current", str(current)]
        + ["--prediction", "proba"]
    )
    headline = capsys.readouterr().out.splitlines()[0]
    assert code == 1
    assert headline.startswith("1 of 2 feature columns drifted (50%); prediction 'proba': DRIFT")


def test_a_reader_that_goes_away_ends_the_command_quietly(files: dict[str, Path]) -> None:
    """``driftline check ... | head``: when standard output's reader has closed the pipe, the
    command ends with 141 (what a shell reports for SIGPIPE) and prints no traceback."""
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "check", "--reference", str(files["reference"])]
        + ["--current", str(files["drifted"]), "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    # closed before the interpreter has imported anything: every write meets a closed pipe
    process.stdout.close()
    _, stderr = process.communicate(timeout=300)
    assert "Traceback" not in stderr, stderr
    assert process.returncode == 141


def test_multivariate_drift_alone_exits_one_and_the_headline_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A correlation that vanishes with every margin unchanged flags no column; the check
    still exits 1, and its first line names the multivariate drift that caused it."""
    rng = np.random.default_rng(5)
    n = 3_000

    def frame(rho: float) -> pd.DataFrame:
        a = rng.normal(size=n)
        b = rho * a + np.sqrt(1 - rho**2) * rng.normal(size=n)
        return pd.DataFrame({"a": a, "b": b, "c": rng.normal(size=n)})

    reference, current = tmp_path / "reference.csv", tmp_path / "current.csv"
    frame(0.95).to_csv(reference, index=False)
    frame(0.0).to_csv(current, index=False)
    code = main(["check", "--reference", str(reference), "--current", str(current)])
    headline = capsys.readouterr().out.splitlines()[0]
    assert code == 1
    assert headline.startswith("0 of 3 feature columns drifted (0%)")
    assert "multivariate (classifier): DRIFT; dataset drift: no" in headline
