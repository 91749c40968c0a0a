"""One embedded MLflow store per session with model `credit`: version 1 and 2 trained on the
sample data (version 2 with stronger regularisation), version 3 a model that fails to load.
Each test starts with `@production` on version 1."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from serve_model_helpers import ROOT
from train import train_and_register

import monitor.mlflow.pyfunc  # noqa: F401  (imports mlflow.pyfunc without its import warning)
import monitor.mlflow.tracking as dm

import mlflow  # isort: skip
from mlflow import MlflowClient  # isort: skip


with warnings.catch_warnings():  # MLflow advises type hints on predict at class creation
    warnings.simplefilter("ignore", UserWarning)

    class FailsToLoad(mlflow.pyfunc.PythonModel):  # type: ignore[name-defined,misc]
        """A model version whose loading raises, as a broken artifact would."""

        def load_context(self, context):  # type: ignore[no-untyped-def]
            raise RuntimeError("this version's artifacts are broken")

        def predict(self, context: object, model_input: list[str]) -> list[str]:
            return model_input


@dataclass(frozen=True)
class Models:
    folder: Path
    uri: str
    name: str = "credit"

    def promote(self, version: str) -> None:
        client = MlflowClient(self.uri, self.uri)
        client.set_registered_model_alias(self.name, "production", version)


@pytest.fixture(scope="session")
def registered(tmp_path_factory: pytest.TempPathFactory) -> Models:
    folder = tmp_path_factory.mktemp("models")
    uri = dm.init_tracking(f"sqlite:///{folder / 'mlflow.db'}")
    frame = pd.read_csv(ROOT / "sample_data" / "reference.csv").head(3_000)
    train_and_register(frame, model_name="credit", tracking_uri=uri, c=1.0)
    train_and_register(frame, model_name="credit", tracking_uri=uri, c=0.01)
    with mlflow.start_run(experiment_id=dm.ensure_experiment("credit-risk", uri)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            info = mlflow.pyfunc.log_model(
                name="model", python_model=FailsToLoad(), pip_requirements=[]
            )
    mlflow.register_model(info.model_uri, "credit")
    return Models(folder, uri)


@pytest.fixture
def models(registered: Models) -> Iterator[Models]:
    registered.promote("1")
    yield registered
