"""Commands as typed in a shell: ``alerts secret`` without any configuration, ``retrain
list`` with its options before or after the monitor, ``monitors show`` without a database."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.store import Store, create_if_empty

CONFIG = """\
database_url: sqlite:///{folder}/driftline.db
monitors:
  - {{name: credit, baseline: credit.driftline, schedule: {{interval: 1h}}}}
  - {{name: churn, baseline: churn.driftline, schedule: {{interval: 1h}}}}
"""


def test_alerts_secret_prints_a_secret_without_configuration_or_database(
    tmp_path: Path,
) -> None:
    """In a folder with no driftline.yaml it prints ``whsec_`` and 32 random bytes, and
    creates nothing (it used to fail with AttributeError on ``args.config``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLINE_")}
    completed = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "alerts", "secret"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    match = re.fullmatch(r"whsec_([A-Za-z0-9+/=]+)\n", completed.stdout)
    assert match is not None and len(base64.b64decode(match.group(1))) == 32
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["retrain", "list", "credit", "--config", "{config}"], id="options-after"),
        pytest.param(["retrain", "list", "--config", "{config}", "credit"], id="options-before"),
        pytest.param(
            ["retrain", "list", "--limit", "5", "--config", "{config}", "credit"],
            id="options-between",
        ),
    ],
)
def test_retrain_list_shows_one_monitors_requests_wherever_the_options_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    config = tmp_path / "driftline.yaml"
    config.write_text(CONFIG.format(folder=tmp_path))
    url = f"sqlite:///{tmp_path}/driftline.db"
    create_if_empty(url)
    store = Store(url)
    for monitor in ("credit", "churn"):  # as `driftline serve` records the configured ones
        store.upsert_monitor(monitor, {"baseline": f"{monitor}.driftline"})
    store.close()
    for monitor in ("credit", "churn"):
        # no retrain target configured: recorded, not sent, exit 2
        code = main(["retrain", monitor, "--reason", f"{monitor} drifted", "--config", str(config)])
        assert code == 2
    capsys.readouterr()
    assert main([part.format(config=config) for part in argv]) == 0
    out = capsys.readouterr().out
    assert "credit drifted" in out
    assert "churn drifted" not in out


def test_monitors_show_reads_the_configuration_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No database is opened or created to show a monitor's settings."""
    config = tmp_path / "driftline.yaml"
    config.write_text(CONFIG.format(folder=tmp_path))
    assert main(["monitors", "show", "--config", str(config), "churn"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("name: churn\nbaseline: churn.driftline\n")
    assert "window: 1h" in out.splitlines()
    assert not (tmp_path / "driftline.db").exists()
