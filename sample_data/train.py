"""Train the demo credit-risk model, log it with its Driftline baseline, register it, alias it.

    python sample_data/train.py                      # embedded MLflow beside ./driftline.db
    MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python sample_data/train.py --alias production

A scikit-learn pipeline (imputation, scaling, one-hot encoding, logistic regression) learns
``default`` from the sample features. The run gets the parameters, the validation metrics
(ROC AUC, log loss, accuracy), the model (``mlflow.sklearn.log_model`` with explicit pip
requirements, about 0.1 s instead of 5 s of inference) and the Driftline baseline of the
training split with the model's own ``predicted_proba`` (``monitor.mlflow.log_baseline``),
its performance and CBPE calibration computed on the held-out validation split.
The model version is registered and, unless ``alias`` is None, given the alias (moved with
``MlflowRegistry.move_alias``, the code path of every promotion). The demo's retraining
project (``sample_data/retrain_project``) calls :func:`train_and_register` with
``alias=None`` inside its MLflow Project run: Driftline's promotion gate decides whether the
new version takes the alias.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from monitor.mlflow import (
    MlflowRegistry,
    ensure_experiment,
    init_tracking,
    log_baseline,
    resolve_tracking_uri,
)

import mlflow  # isort: skip  (after monitor.mlflow, which turns MLflow's telemetry off)
import sklearn  # isort: skip
import skops  # isort: skip
from mlflow.models import infer_signature  # isort: skip
from sklearn.compose import ColumnTransformer  # isort: skip
from sklearn.impute import SimpleImputer  # isort: skip
from sklearn.linear_model import LogisticRegression  # isort: skip
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score  # isort: skip
from sklearn.model_selection import train_test_split  # isort: skip
from sklearn.pipeline import Pipeline, make_pipeline  # isort: skip
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # isort: skip

__all__ = ["RegisteredVersion", "build_model", "main", "train_and_register"]

HERE = Path(__file__).resolve().parent
TARGET = "default"
PREDICTION = "predicted_proba"
NUMERIC = [
    "age",
    "income",
    "loan_amount",
    "credit_utilization",
    "num_late_payments",
    "num_credit_lines",
]
CATEGORICAL = ["employment_type", "region", "has_mortgage"]


@dataclass(frozen=True, slots=True)
class RegisteredVersion:
    name: str
    version: str
    run_id: str
    alias: str | None
    metrics: dict[str, float]


def build_model(c: float = 1.0) -> Pipeline:
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categorical = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="missing"),
        OneHotEncoder(handle_unknown="ignore"),
    )
    features = ColumnTransformer([("num", numeric, NUMERIC), ("cat", categorical, CATEGORICAL)])
    return Pipeline([("features", features), ("model", LogisticRegression(C=c, max_iter=500))])


def _features(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[NUMERIC + CATEGORICAL].copy()
    out[NUMERIC] = out[NUMERIC].astype("float64")  # missing values fit the model's schema
    out["has_mortgage"] = out["has_mortgage"].astype(str)
    return out


def train_and_register(
    frame: pd.DataFrame,
    *,
    model_name: str = "credit",
    alias: str | None = "production",
    tracking_uri: str | None = None,
    experiment: str = "credit-risk",
    c: float = 1.0,
    seed: int = 0,
) -> RegisteredVersion:
    """Train on ``frame`` (the sample columns with ``default``), log everything to a run,
    register the next version of ``model_name`` and point ``alias`` at it (None: leave the
    alias alone). Inside an active run (an MLflow Project run) it logs to that run."""
    uri = init_tracking(resolve_tracking_uri(tracking_uri))
    active = mlflow.active_run()
    experiment_id = active.info.experiment_id if active else ensure_experiment(experiment, uri)
    train, valid = train_test_split(frame, test_size=0.25, random_state=seed)
    model = build_model(c).fit(_features(train), train[TARGET])
    proba = model.predict_proba(_features(valid))[:, 1]
    metrics = {
        "roc_auc": float(roc_auc_score(valid[TARGET], proba)),
        "log_loss": float(log_loss(valid[TARGET], proba)),
        "accuracy": float(accuracy_score(valid[TARGET], proba >= 0.5)),
    }
    baseline_data = train.drop(columns=["record_id"], errors="ignore").copy()
    baseline_data[PREDICTION] = model.predict_proba(_features(train))[:, 1]
    held_out = valid.drop(columns=["record_id"], errors="ignore").copy()
    held_out[PREDICTION] = proba
    started = (
        contextlib.nullcontext(active)
        if active
        else mlflow.start_run(experiment_id=experiment_id, run_name=f"{model_name}-train")
    )
    with started as run:
        mlflow.log_params({"C": c, "seed": seed, "rows": len(frame), "model": "logistic"})
        mlflow.log_metrics(metrics)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # MLflow's type-hint advice
            info = mlflow.sklearn.log_model(
                model,
                name="model",
                pip_requirements=[
                    f"scikit-learn=={sklearn.__version__}",
                    f"skops=={skops.__version__}",
                ],
                # serving answers with class probabilities; Driftline logs the positive one
                pyfunc_predict_fn="predict_proba",
                signature=infer_signature(_features(valid), model.predict_proba(_features(valid))),
                skops_trusted_types=["numpy.dtype"],
            )
        # performance and CBPE calibration on the held-out quarter the model did not see
        log_baseline(
            baseline_data,
            target=TARGET,
            prediction=PREDICTION,
            model=model,
            tracking_uri=uri,
            validation=held_out,
        )
    registered = mlflow.register_model(info.model_uri, model_name)
    if alias is not None:
        MlflowRegistry(uri).move_alias(model_name, alias, str(registered.version))
    return RegisteredVersion(model_name, str(registered.version), run.info.run_id, alias, metrics)


def load_version(model_name: str, version: str, *, tracking_uri: str | None = None) -> Pipeline:
    """The scikit-learn pipeline of ``model_name`` version ``version`` from the registry."""
    init_tracking(resolve_tracking_uri(tracking_uri))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # MLflow's environment-mismatch advice
        model: Pipeline = mlflow.sklearn.load_model(f"models:/{model_name}/{version}")
    return model


def predict_proba(model: Pipeline, frame: pd.DataFrame) -> np.ndarray:
    """The probability of default the model gives each row of ``frame``."""
    proba: np.ndarray = model.predict_proba(_features(frame))[:, 1]
    return proba


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(HERE / "reference.csv"))
    parser.add_argument("--model-name", default="credit")
    parser.add_argument("--alias", default="production")
    parser.add_argument("--tracking-uri", default=None)
    parser.add_argument("--C", dest="c", type=float, default=1.0)
    args = parser.parse_args(argv)
    version = train_and_register(
        pd.read_csv(args.data),
        model_name=args.model_name,
        alias=args.alias,
        tracking_uri=args.tracking_uri,
        c=args.c,
    )
    print(
        f"registered {version.name} version {version.version} (run {version.run_id}) as "
        f"@{version.alias}; validation ROC AUC {version.metrics['roc_auc']:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
