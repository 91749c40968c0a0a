"""`driftline monitors add` with pull sources: a ``files:`` glob and a ``sql:`` query become a
monitor whose source reads its windows (the model resolved in the embedded MLflow store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from mlflow_helpers import train

from monitor import config as cfg
from monitor.cli.main import main
from monitor.mlflow.tracking import init_tracking
from monitor.service.context import source_for

T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory, reference: pd.DataFrame) -> str:
    """An embedded MLflow store holding ``models:/credit@production`` (trained once)."""
    uri = init_tracking(f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}")
    train(reference, uri, "credit")
    return uri


@pytest.fixture
def live() -> pd.DataFrame:
    """Six live records, one every 20 minutes from T0: three in each of two hours."""
    return pd.DataFrame(
        {
            "event_at": [(T0 + timedelta(minutes=20 * i)).isoformat() for i in range(6)],
            "age": [30.0, 41.0, 52.0, 33.0, 44.0, 55.0],
        }
    )


def _add(config: Path, *options: str) -> int:
    return main(["monitors", "add", "--model", "models:/credit@production",
                 "--config", str(config), *options])  # fmt: skip


def test_files_source_is_added_and_reads_its_window(
    registered: str,
    live: pd.DataFrame,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", registered)
    (tmp_path / "live").mkdir()
    live.to_csv(tmp_path / "live" / "part-1.csv", index=False)
    config = tmp_path / "driftline.yaml"
    code = _add(config, "--source", "files:live/*.csv", "--event-time-column", "event_at")
    assert code == 0, capsys.readouterr().err
    assert "now version 1" in capsys.readouterr().out
    monitor = cfg.load_config(config).monitor("credit")
    assert isinstance(monitor.source, cfg.FilesSource)
    assert (monitor.source.glob, monitor.source.event_time_column) == ("live/*.csv", "event_at")
    source = source_for(monitor, tmp_path)
    assert source is not None
    window = source.load_window(T0, T0 + timedelta(hours=1))
    assert window["age"].tolist() == [30.0, 41.0, 52.0]


def test_sql_source_is_added_and_reads_its_window(
    registered: str,
    live: pd.DataFrame,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", registered)
    url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = sa.create_engine(url)
    live.assign(event_at=pd.to_datetime(live["event_at"])).to_sql("scores", engine, index=False)
    engine.dispose()
    config = tmp_path / "driftline.yaml"
    query = "SELECT event_at, age FROM scores"
    code = _add(
        config, "--name", "credit_sql", "--source", f"sql:{url}", "--query", query,
        "--event-time-column", "event_at", "--schedule", "1h",
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    monitor = cfg.load_config(config).monitor("credit_sql")
    assert isinstance(monitor.source, cfg.SqlSource)
    assert (monitor.source.url.get_secret_value(), monitor.source.query) == (url, query)
    source = source_for(monitor, tmp_path)
    assert source is not None
    try:
        window = source.load_window(T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    finally:
        source.close()
    assert window["age"].tolist() == [33.0, 44.0, 55.0]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(("--source", "files:live/*.csv"), "needs --event-time-column",
                     id="files-without-event-time"),
        pytest.param(("--source", "sql:sqlite:///x.db", "--event-time-column", "t"),
                     "needs --query", id="sql-without-query"),
        pytest.param(("--source", "kafka:topic"), "expected 'ingest', 'files:GLOB' or 'sql:URL'",
                     id="unknown-kind"),
    ],
)  # fmt: skip
def test_incomplete_pull_source_is_refused_and_leaves_the_config(
    options: tuple[str, ...], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "driftline.yaml"
    config.write_text("# mine\n")
    assert _add(config, "--no-verify", *options) == 2
    assert message in capsys.readouterr().err
    assert config.read_text() == "# mine\n"
