"""Driftline on a real Dask deployment: a ``dask scheduler`` and two ``dask worker``
processes started here on 127.0.0.1. A check of a glob of Parquet files gives the same
verdicts as in one process; workers or a scheduler that die give one clear line, exit 2,
never a hang."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitor.cli.main import main
from monitor.engine.baseline import build_baseline
from monitor.engine.baseline_file import save_baseline

distributed = pytest.importorskip("distributed")

DASK = str(Path(sys.executable).parent / "dask")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Deployment:
    address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the process and its children (a worker's nanny and worker)."""
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _start(argv: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


@pytest.fixture
def deployment() -> Iterator[Deployment]:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = _start(
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--dashboard-address", f"127.0.0.1:{_free_port()}"]
    )  # fmt: skip
    running = Deployment(address, scheduler)
    try:
        for _ in range(2):
            running.workers.append(
                _start(
                    [
                        DASK,
                        "worker",
                        address,
                        "--nworkers",
                        "1",
                        "--nthreads",
                        "1",
                        "--host",
                        "127.0.0.1",
                        "--no-dashboard",
                        "--death-timeout",
                        "20",
                    ]
                )  # fmt: skip
            )
        # both workers registered: asked of the scheduler itself
        with distributed.Client(address, timeout="15s") as client:
            client.wait_for_workers(2, timeout=20)
            assert len(client.scheduler_info()["workers"]) == 2
        yield running
    finally:
        for process in [*running.workers, scheduler]:
            running.kill(process)


def _frame(seed: int, n: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    shares = [0.5 - shift / 4, 0.3, 0.2 + shift / 4]
    return pd.DataFrame(
        {
            "income": rng.normal(50 + 10 * shift, 10, n),
            "late": rng.poisson(1.0, n),
            "region": rng.choice(["north", "south", "east"], n, p=shares),
            "score": rng.random(n) + shift,
        }
    )  # fmt: skip


def _files(tmp_path: Path, rows: int, parts: int) -> tuple[Path, str, Path]:
    """A baseline, a glob of ``parts`` Parquet files and the same rows in one file."""
    baseline = save_baseline(build_baseline(_frame(0, 5_000)), tmp_path / "b.baseline")
    current = _frame(1, rows, shift=0.3)
    folder = tmp_path / "current"
    folder.mkdir()
    for i, chunk in enumerate(np.array_split(np.arange(rows), parts)):
        current.iloc[chunk].to_parquet(folder / f"part-{i:02d}.parquet")
    current.to_parquet(tmp_path / "whole.parquet")
    return baseline, str(folder / "part-*.parquet"), tmp_path / "whole.parquet"


def _check(
    capsys: pytest.CaptureFixture[str], baseline: Path, current: str, *extra: str
) -> tuple[int, str, str]:
    code = main(
        ["check", "--baseline", str(baseline), "--current", current, "--format", "json", *extra]
    )
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_check_on_a_scheduler_with_two_workers_equals_one_process(
    deployment: Deployment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline, glob, whole = _files(tmp_path, 40_000, 6)
    code_dask, out_dask, _ = _check(capsys, baseline, glob, "--dask", deployment.address)
    code_glob, out_glob, _ = _check(capsys, baseline, glob)  # the same files, this process
    code_one, out_one, _ = _check(capsys, baseline, str(whole))  # the rows in one frame
    assert code_dask == code_glob == code_one == 1  # drift found, identically
    on_dask, in_process, one_frame = (json.loads(t) for t in (out_dask, out_glob, out_one))
    assert on_dask["columns"] == in_process["columns"] == one_frame["columns"]
    assert on_dask["quality"] == one_frame["quality"]
    drifted = {name for name, column in on_dask["columns"].items() if column["drifted"]}
    assert drifted == {"income", "score"}


def _check_while_busy(
    address: str, baseline: Path, glob: str, started: float
) -> tuple[subprocess.Popen[str], list[str]]:
    """``driftline check --dask ADDRESS`` started in a process, returned once one of its
    tasks runs on a worker, with the workers running them (at most 20 s after ``started``)."""
    check = subprocess.Popen(
        [str(Path(sys.executable).parent / "driftline"), "check", "--baseline", str(baseline),
         "--current", glob, "--dask", address, "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    with distributed.Client(address, timeout="10s") as client:
        busy: list[str] = []
        while not busy:  # the check's tasks are on the workers
            assert check.poll() is None, "the check ended before its tasks were seen running"
            assert time.monotonic() - started < 20
            busy = [worker for worker, tasks in client.processing().items() if tasks]
            time.sleep(0.05)
    return check, busy


def test_workers_killed_mid_profile_give_one_line_and_exit_2(
    deployment: Deployment, tmp_path: Path
) -> None:
    baseline, glob, _ = _files(tmp_path, 1_500_000, 4)
    started = time.monotonic()
    check, _ = _check_while_busy(deployment.address, baseline, glob, started)
    for worker in deployment.workers:
        deployment.kill(worker)
    out, err = check.communicate(timeout=30)
    lines = err.strip().splitlines()
    assert check.returncode == 2, err
    assert out == ""
    assert len(lines) == 1 and deployment.address in lines[0], err
    assert "no worker" in lines[0] and "dask worker" in lines[0]
    assert time.monotonic() - started < 30


def test_a_scheduler_that_is_gone_gives_one_line_and_exit_2(
    deployment: Deployment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline, glob, _ = _files(tmp_path, 2_000, 2)
    deployment.kill(deployment.scheduler)
    started = time.monotonic()
    code, out, err = _check(capsys, baseline, glob, "--dask", deployment.address)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "cannot reach a Dask scheduler" in lines[0], err
    assert time.monotonic() - started < 15


def test_one_worker_killed_mid_profile_its_task_runs_again_and_the_verdicts_hold(
    deployment: Deployment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline, glob, _ = _files(tmp_path, 1_500_000, 4)
    started = time.monotonic()
    check, busy = _check_while_busy(deployment.address, baseline, glob, started)
    with distributed.Client(deployment.address, timeout="10s") as client:
        pids = client.run(os.getpid, workers=busy[:1])
    os.kill(pids[busy[0]], signal.SIGKILL)  # the worker process itself, mid-task
    out, err = check.communicate(timeout=30)
    assert check.returncode == 1, err  # drift found, as in one process
    code, in_process, _ = _check(capsys, baseline, glob)
    assert code == 1
    assert json.loads(out)["columns"] == json.loads(in_process)["columns"]
    assert time.monotonic() - started < 30


def test_a_current_glob_without_a_baseline_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _files(tmp_path, 1_000, 2)
    _frame(0, 1_000).to_parquet(tmp_path / "reference.parquet")
    argv = ["check", "--reference", str(tmp_path / "reference.parquet")]
    code = main([*argv, "--current", str(tmp_path / "current" / "part-*.parquet")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "a --current glob" in err[0] and "--baseline FILE" in err[0]
