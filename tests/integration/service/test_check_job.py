"""The one check path: the scheduler's job and ``driftline checks run`` store the same checks;
windows run from a source's first record to its last; labels posted after a check are
picked up by the next ``checks run``; every command works from driftline.yaml alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from monitor import build_baseline, save_baseline
from monitor.cli.main import main
from monitor.engine.ingest import validate_batch
from monitor.service.scheduler import check_monitor_job
from monitor.store import Store, upgrade

SAMPLE = Path(__file__).resolve().parents[3] / "sample_data"
DAY = timedelta(days=1)
T0 = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
NOW = T0 + 10 * DAY


def _reference(n: int = 3_000) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame({"income": rng.normal(50, 10, n), "age": rng.normal(40, 5, n)})


def _live(start: datetime, days: int, per_day: int = 200, shift_from: int = 99) -> pd.DataFrame:
    """``days`` days of records from ``start``; income moves by 1 sd from day ``shift_from``."""
    rng = np.random.default_rng(11)
    frames = []
    for day in range(days):
        at = start + day * DAY + pd.to_timedelta(np.arange(per_day) * 400, unit="s")
        frames.append(
            pd.DataFrame(
                {
                    "id": [f"d{day}-{i}" for i in range(per_day)],
                    "event_time": at,
                    "income": rng.normal(50 + (10 if day >= shift_from else 0), 10, per_day),
                    "age": rng.normal(40, 5, per_day),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _workdir(tmp_path: Path, name: str, source: str, baseline: Any = None) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    save_baseline(
        baseline if baseline is not None else build_baseline(_reference()), folder / "b.json"
    )
    (folder / "driftline.yaml").write_text(
        f"database_url: sqlite:///{folder / 'driftline.db'}\n"
        "monitors:\n"
        "  - name: credit\n"
        "    baseline: b.json\n"
        "    schedule: {interval: 1d}\n"
        "    min_rows: 30\n"
        f"{source}"
    )
    (folder / "clock").write_text(NOW.isoformat())
    return folder


def _files_source(folder: Path, live: pd.DataFrame) -> str:
    data = folder.parent / "data"
    data.mkdir(exist_ok=True)
    live.to_parquet(data / "live.parquet")
    return f"    source: {{kind: files, glob: '{data}/*.parquet', event_time_column: event_time}}\n"


def _ingest(url: str, live: pd.DataFrame) -> None:
    """Records through the production ingest path: validate_batch, then the store."""
    store = Store(url)
    try:
        store.upsert_monitor("credit", {})
        records = [
            {"id": row["id"], "timestamp": row["event_time"].isoformat(), **row}
            for row in live.drop(columns=["event_time"])
            .assign(event_time=live["event_time"])
            .to_dict("records")
        ]
        for record in records:
            del record["event_time"]
        baseline = build_baseline(_reference())
        for start in range(0, len(records), 500):
            store.add_batch("credit", validate_batch(baseline, records[start : start + 500]))
    finally:
        store.close()


def _stored(folder: Path) -> list[dict[str, Any]]:
    """Every stored check with its columns, without ids and timings."""
    store = Store(f"sqlite:///{folder / 'driftline.db'}")
    try:
        out = []
        for summary in store.list_checks("credit"):
            detail = store.get_check(summary.id)
            assert detail is not None
            row = {
                k: v
                for k, v in asdict(summary).items()
                if k not in ("id", "started_at", "finished_at", "created_at")
            }
            row["columns"] = [c.to_dict() for c in detail.columns]
            out.append(row)
        return out
    finally:
        store.close()


def _cli(folder: Path, *args: str) -> int:
    return main(
        [*args, "--config", str(folder / "driftline.yaml"), "--clock", f"file:{folder / 'clock'}"]
    )


SOURCES: dict[str, Callable[[Path, pd.DataFrame], str]] = {
    "files": _files_source,
    "ingest": lambda folder, live: "",
}


@pytest.mark.parametrize("kind", sorted(SOURCES))
def test_the_scheduler_job_and_checks_run_store_identical_checks(tmp_path: Path, kind: str) -> None:
    live = _live(T0, days=3, shift_from=2)
    by_job = _workdir(
        tmp_path, "job", SOURCES[kind](tmp_path / "job", live) if kind == "files" else ""
    )
    by_cli = _workdir(
        tmp_path, "cli", SOURCES[kind](tmp_path / "cli", live) if kind == "files" else ""
    )
    for folder in (by_job, by_cli):
        upgrade(f"sqlite:///{folder / 'driftline.db'}")
        if kind == "ingest":
            _ingest(f"sqlite:///{folder / 'driftline.db'}", live)
    check_monitor_job(
        str(by_job / "driftline.yaml"),
        "credit",
        f"sqlite:///{by_job / 'driftline.db'}",
        f"file:{by_job / 'clock'}",
    )
    assert _cli(by_cli, "checks", "run", "credit") == 0
    job, cli = _stored(by_job), _stored(by_cli)
    assert [c["status"] for c in job] == ["ok", "ok", "drifting"]
    assert job == cli


def test_checks_run_on_a_files_source_checks_exactly_its_days(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Three days of records in files, never ingested, no serve ever run: three windows."""
    folder = _workdir(tmp_path, "w", "")
    source = _files_source(folder, _live(T0, days=3))
    (folder / "driftline.yaml").write_text((folder / "driftline.yaml").read_text() + source)
    assert _cli(folder, "checks", "run", "credit") == 0
    starts = [c["window_start_at"] for c in _stored(folder)]
    assert starts == [T0, T0 + DAY, T0 + 2 * DAY]
    assert "created at the latest schema" in capsys.readouterr().err


def test_backfill_from_driftline_yaml_alone_rechecks_the_range_it_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _workdir(tmp_path, "w", "")
    source = _files_source(folder, _live(T0, days=5))
    (folder / "driftline.yaml").write_text((folder / "driftline.yaml").read_text() + source)
    assert (
        _cli(
            folder,
            "checks",
            "backfill",
            "credit",
            "--since",
            "2020-01-01T00:00:00Z",
            "--until",
            (T0 + 2 * DAY).isoformat(),
        )
        == 0
    )
    assert [c["window_start_at"] for c in _stored(folder)] == [T0, T0 + DAY]
    first = {c["window_start_at"]: c for c in _stored(folder)}
    assert _cli(folder, "checks", "backfill", "credit", "--since", T0.isoformat()) == 0
    stored = _stored(folder)
    assert [c["window_start_at"] for c in stored] == [T0 + i * DAY for i in range(5)]
    assert all(c["status"] == "ok" for c in stored)
    assert first[T0]["n_current"] == stored[0]["n_current"]
    assert "upsert_monitor" not in capsys.readouterr().err


def test_history_from_2018_stores_no_window_after_the_last_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = datetime(2018, 12, 3, tzinfo=UTC)  # a Monday
    live = _live(start, days=21)
    folder = _workdir(tmp_path, "w", "")
    (folder / "driftline.yaml").write_text(
        (folder / "driftline.yaml").read_text().replace("interval: 1d", "interval: 7d")
        + _files_source(folder, live)
    )
    # the system clock: today, years after the last record
    config = ["--config", str(folder / "driftline.yaml")]
    assert main(["checks", "run", "credit", *config]) == 0
    stored = _stored(folder)
    assert [c["window_start_at"] for c in stored] == [
        start + i * timedelta(days=7) for i in range(3)
    ]
    assert max(c["window_end_at"] for c in stored) <= live["event_time"].max() + timedelta(days=7)
    capsys.readouterr()
    assert main(["checks", "run", "credit", *config]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(_stored(folder)) == 3
    assert len(out) == 1 and "the newest record is from 2018-12-23" in out[0]


def test_labels_posted_after_a_check_are_picked_up_by_the_next_checks_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = pd.read_csv(SAMPLE / "reference.csv")
    baseline = build_baseline(reference, target="default", prediction="predicted_proba")
    folder = _workdir(tmp_path, "w", "", baseline=baseline)
    url = f"sqlite:///{folder / 'driftline.db'}"
    upgrade(url)
    live = pd.read_csv(SAMPLE / "current_severe_drift.csv").head(300)
    records = [
        {
            **{k: v for k, v in row.items() if k not in ("record_id", "default")},
            "id": str(row["record_id"]),
            "timestamp": (T0 + timedelta(seconds=i)).isoformat(),
        }
        for i, row in enumerate(live.to_dict("records"))
    ]
    store = Store(url)
    try:
        store.upsert_monitor("credit", {})
        store.add_batch("credit", validate_batch(baseline, records))
        assert _cli(folder, "checks", "run", "credit") == 0
        before = store.get_performance("credit", T0, T0 + DAY)
        assert before is not None and before.realised is not None
        assert before.realised.label_coverage == 0.0
        store.add_labels(
            "credit",
            list(zip(live["record_id"].astype(str), live["default"].tolist(), strict=True)),
        )
        capsys.readouterr()
        assert _cli(folder, "checks", "run", "credit") == 0
        after = store.get_performance("credit", T0, T0 + DAY)
    finally:
        store.close()
    assert after is not None and after.realised is not None
    assert after.realised.label_coverage == 1.0
    assert "realised performance recomputed for 1 window(s)" in capsys.readouterr().out


def test_target_without_labels_is_silent_and_labels_sent_later_are_compared(
    tmp_path: Path,
) -> None:
    """Records arrive without their target (labels come later through /labels): the check
    says nothing about it; once the labels are stored, a re-check joins and compares them."""
    reference = pd.read_csv(SAMPLE / "reference.csv")
    baseline = build_baseline(reference, target="default", prediction="predicted_proba")
    folder = _workdir(tmp_path, "w", "", baseline=baseline)
    url = f"sqlite:///{folder / 'driftline.db'}"
    upgrade(url)
    live = pd.read_csv(SAMPLE / "reference.csv").sample(300, random_state=3)
    records = [
        {
            **{k: v for k, v in row.items() if k not in ("record_id", "default")},
            "id": str(row["record_id"]),
            "timestamp": (T0 + timedelta(seconds=i)).isoformat(),
        }
        for i, row in enumerate(live.to_dict("records"))
    ]
    store = Store(url)
    try:
        store.upsert_monitor("credit", {})
        store.add_batch("credit", validate_batch(baseline, records))
        assert _cli(folder, "checks", "run", "credit") == 0
        (check,) = store.list_checks("credit")
        before = store.get_check(check.id)
        store.add_labels(
            "credit",
            list(zip(live["record_id"].astype(str), live["default"].tolist(), strict=True)),
        )
        assert _cli(folder, "checks", "backfill", "credit", "--since", T0.isoformat()) == 0
        (check,) = store.list_checks("credit")
        after = store.get_check(check.id)
    finally:
        store.close()
    assert before is not None and after is not None
    target = {c.name: c for c in before.columns}["default"]
    assert target.status == "no_data" and "labels" in target.detail
    assert [q.kind for q in before.quality if q.column == "default"] == []
    assert before.summary.status == "ok"
    joined = {c.name: c for c in after.columns}["default"]
    assert joined.status == "tested" and joined.n_current == 300


@pytest.mark.parametrize(
    ("setting", "status"), [("", "tested"), ("    multivariate: 'off'\n", "off")]
)
def test_the_monitor_setting_decides_multivariate_drift_of_stored_checks(
    tmp_path: Path, setting: str, status: str
) -> None:
    folder = _workdir(tmp_path, "w", setting)
    url = f"sqlite:///{folder / 'driftline.db'}"
    upgrade(url)
    _ingest(url, _live(T0, 1))
    assert _cli(folder, "checks", "run", "credit") == 0
    store = Store(url)
    try:
        (check,) = store.list_checks("credit")
        detail = store.get_check(check.id)
    finally:
        store.close()
    assert detail is not None and detail.report is not None
    assert detail.report.multivariate is not None
    assert detail.report.multivariate.status == status


def test_an_unknown_monitor_is_one_line_naming_the_known_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _workdir(tmp_path, "w", "")
    assert _cli(folder, "checks", "run", "nope") == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "'nope'" in err and "credit" in err and "upsert_monitor" not in err


def test_retrain_before_any_serve_records_the_configured_monitor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _workdir(tmp_path, "w", "")
    config = ["--config", str(folder / "driftline.yaml")]
    # no retrain target is configured: the trigger is recorded, nothing is sent (exit 2)
    assert main(["retrain", "credit", "--reason", "manual", *config]) == 2
    printed = capsys.readouterr()
    assert "no monitor named" not in printed.err
    assert "no retrain target is configured" in printed.out
    store = Store(f"sqlite:///{folder / 'driftline.db'}")
    try:
        assert [t.reason for t in store.list_retrain_triggers("credit")] == ["manual"]
    finally:
        store.close()
