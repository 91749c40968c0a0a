"""Helpers of the MLflow link tests (imported by name: every test folder has a conftest)."""

from __future__ import annotations

import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "sample_data"))

from train import RegisteredVersion, train_and_register  # noqa: E402

REFERENCE = ROOT / "sample_data" / "reference.csv"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class MlflowServer:
    url: str
    process: subprocess.Popen[bytes]


def train(frame: pd.DataFrame, uri: str, name: str, c: float = 1.0) -> RegisteredVersion:
    return train_and_register(frame, model_name=name, alias="production", tracking_uri=uri, c=c)
