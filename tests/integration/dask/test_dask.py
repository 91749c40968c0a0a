"""Profiling file sets on a Dask cluster (a real 2-worker LocalCluster of processes):
baselines and checks identical to the one-process path, and one clear line for bad input."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitor.cli.main import main
from monitor.engine.baseline import build_baseline, column_to_dict
from monitor.engine.baseline_file import load_baseline, save_baseline
from monitor.engine.compare import compare
from monitor.engine.profile import profile_spec
from monitor.service.cluster import Cluster, baseline_of_files, files_of, profile_files

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def address() -> Iterator[str]:
    cluster = distributed.LocalCluster(
        processes=True,
        n_workers=2,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        # the scheduler's HTTP server (health, metrics): 127.0.0.1, any free port
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    )
    try:
        yield str(cluster.scheduler_address)
    finally:
        cluster.close()


def _frame(seed: int, n: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "income": rng.normal(50 + 10 * shift, 10, n),
            "late": rng.poisson(1.0, n),
            "region": rng.choice(
                ["north", "south", "east"], n, p=[0.5 - shift / 4, 0.3, 0.2 + shift / 4]
            ),
            "owner": rng.random(n) < 0.3,
        }
    )


def _write_parts(folder: Path, frame: pd.DataFrame, parts: int) -> Path:
    folder.mkdir()
    for i, chunk in enumerate(np.array_split(np.arange(len(frame)), parts)):
        frame.iloc[chunk].to_parquet(folder / f"part-{i:02d}.parquet")
    return folder


def test_cli_build_and_check_on_dask_equal_the_one_process_path(
    address: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = _frame(0, 6_000)
    current = _frame(1, 4_000, shift=0.4)
    ref_dir = _write_parts(tmp_path / "ref", reference, 4)
    cur_dir = _write_parts(tmp_path / "cur", current, 4)
    reference.to_parquet(tmp_path / "reference.parquet")
    current.to_parquet(tmp_path / "current.parquet")

    out = tmp_path / "dask.baseline"
    assert (
        main(
            ["baseline", "build", str(ref_dir / "*.parquet"), "--out", str(out), "--dask", address]
        )
        == 0
    )
    one = tmp_path / "one.baseline"
    assert main(["baseline", "build", str(tmp_path / "reference.parquet"), "--out", str(one)]) == 0
    on_dask, in_process = load_baseline(out), load_baseline(one)
    assert [column_to_dict(c) for c in on_dask.columns.values()] == [
        column_to_dict(c) for c in in_process.columns.values()
    ]
    capsys.readouterr()

    argv = ["check", "--baseline", str(one), "--format", "json"]
    dask_code = main([*argv, "--current", str(cur_dir / "*.parquet"), "--dask", address])
    dask_report = json.loads(capsys.readouterr().out)
    one_code = main([*argv, "--current", str(tmp_path / "current.parquet")])
    one_report = json.loads(capsys.readouterr().out)
    assert dask_code == one_code == 1  # drift found, identically
    assert dask_report["columns"] == one_report["columns"]
    assert dask_report["quality"] == one_report["quality"]


def test_above_the_sample_size_dask_and_one_process_agree(address: str, tmp_path: Path) -> None:
    reference = _frame(2, 9_000)
    folder = _write_parts(tmp_path / "ref", reference, 6)
    files = files_of(str(folder / "*.parquet"))
    with Cluster(address) as cluster:
        on_dask = baseline_of_files(files, cluster, sample_size=3_000)
        current = _write_parts(tmp_path / "cur", _frame(3, 12_000, shift=0.2), 5)
        spec = profile_spec(on_dask, k=4_000)
        profile_dask = profile_files(files_of(str(current / "*.parquet")), spec, cluster)
    in_process = baseline_of_files(files, sample_size=3_000)
    assert on_dask.n_rows == 9_000
    assert [column_to_dict(c) for c in on_dask.columns.values()] == [
        column_to_dict(c) for c in in_process.columns.values()
    ]
    # exact counts where the one-process baseline of all rows has them
    whole = build_baseline(reference)
    assert on_dask.columns["region"].category_counts.tolist() == (  # type: ignore[union-attr]
        whole.columns["region"].category_counts.tolist()  # type: ignore[union-attr]
    )
    assert on_dask.columns["income"].mean == pytest.approx(whole.columns["income"].mean)
    assert int(on_dask.columns["income"].bin_counts.sum()) == 9_000  # type: ignore[union-attr]
    profile_one = profile_files(files_of(str(current / "*.parquet")), spec)
    a, b = compare(on_dask, profile_dask), compare(on_dask, profile_one)
    assert a.to_dict()["columns"] == b.to_dict()["columns"]
    assert {c.n_sample for c in a.columns} == {4_000}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_bad_input_is_one_clear_line_and_exit_2(
    address: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = save_baseline(build_baseline(_frame(0, 500)), tmp_path / "b.baseline")
    good = _write_parts(tmp_path / "good", _frame(1, 300), 2)
    check = ["check", "--baseline", str(baseline), "--dask"]

    def error(argv: list[str]) -> str:
        assert main(argv) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1, lines
        return lines[0]

    port = _closed_port()
    line = error([*check, f"tcp://127.0.0.1:{port}", "--current", str(good / "*.parquet")])
    assert f"127.0.0.1:{port}" in line and "cannot reach a Dask scheduler" in line
    line = error([*check, address, "--current", str(tmp_path / "none-*.parquet")])
    assert "no file matches" in line
    odd = tmp_path / "odd"
    odd.mkdir()
    _frame(1, 50).to_parquet(odd / "a.parquet")
    _frame(1, 50).assign(income="n/a").to_parquet(odd / "b.parquet")
    line = error([*check, address, "--current", str(odd / "*.parquet")])
    assert "b.parquet" in line and "'income'" in line
    (good / "part-99.parquet").write_bytes(b"not parquet")
    line = error([*check, address, "--current", str(good / "*.parquet")])
    assert "part-99.parquet" in line and "cannot be read" in line
    line = error(
        ["baseline", "build", str(tmp_path / "nothing-*.csv"), "--out", "x", "--dask", address]
    )
    assert "no file matches" in line


def test_a_files_monitor_with_engine_dask_checks_like_one_process(
    address: str, tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    from monitor.config.model import Monitor as MonitorConfig
    from monitor.service.checks import CheckJob
    from monitor.service.context import MonitorContext, source_for
    from monitor.store import Store, upgrade

    t0 = datetime(2026, 2, 1, tzinfo=UTC)
    rng = np.random.default_rng(3)
    n = 1_200
    hour = np.repeat(np.arange(3), n // 3)
    live = pd.DataFrame(
        {
            "event_time": [
                t0 + timedelta(hours=int(h), seconds=i % 3600) for i, h in enumerate(hour)
            ],
            "income": rng.normal(50, 10, n) + np.where(hour >= 2, 10.0, 0.0),
            "region": rng.choice(["north", "south"], n),
        }
    )
    for i in range(4):
        live.iloc[i * 300 : (i + 1) * 300].to_parquet(tmp_path / f"live-{i}.parquet")
    baseline = build_baseline(_frame(0, 3_000)[["income", "region"]])
    config = MonitorConfig.model_validate(
        {
            "name": "credit",
            "baseline": "b.baseline",
            "source": {
                "kind": "files",
                "glob": "live-*.parquet",
                "event_time_column": "event_time",
            },
            "schedule": {"interval": "1h"},
            "engine": {"dask": address},
        }
    )
    results = []
    for dask in (address, None):
        source = source_for(
            config.model_copy(update={"engine": config.engine.model_copy(update={"dask": dask})}),
            tmp_path,
        )
        url = f"sqlite:///{tmp_path / f'{dask is None}.db'}"
        upgrade(url)
        store = Store(url)
        store.upsert_monitor("credit", {})
        context = MonitorContext("credit", baseline, window=timedelta(hours=1), source=source)
        job = CheckJob(store, contexts={"credit": context}, now=lambda: t0 + timedelta(hours=3))
        checks = job.run("credit").checks
        assert source is not None
        source.close()
        results.append(
            [
                [c.to_dict() for c in store.get_check(check.id).columns]  # type: ignore[union-attr]
                for check in checks
            ]
        )
        store.close()
    assert len(results[0]) == 3
    assert results[0] == results[1]
    drifted = [
        [c["drifted"] for c in columns if c.get("kind") == "numeric"] for columns in results[0]
    ]
    assert drifted == [[False], [False], [True]]


def test_dask_local_starts_its_own_cluster_and_checks_like_one_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = save_baseline(build_baseline(_frame(0, 2_000)), tmp_path / "b.baseline")
    current = _frame(1, 1_500, shift=0.4)
    folder = _write_parts(tmp_path / "cur", current, 3)
    current.to_parquet(tmp_path / "current.parquet")
    argv = ["check", "--baseline", str(baseline), "--format", "json"]
    assert main([*argv, "--current", str(folder / "*.parquet"), "--dask", "local"]) == 1
    on_local = json.loads(capsys.readouterr().out)
    assert main([*argv, "--current", str(tmp_path / "current.parquet")]) == 1
    assert on_local["columns"] == json.loads(capsys.readouterr().out)["columns"]
    reference = ["check", "--reference", str(tmp_path / "current.parquet"), "--dask", "local"]
    assert main([*reference, "--current", str(folder / "*.parquet")]) == 2
    assert "give --baseline FILE" in capsys.readouterr().err
