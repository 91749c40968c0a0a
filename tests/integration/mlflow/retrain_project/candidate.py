"""The test project's training: a logistic regression on the labelled records Driftline's store
holds for a monitor in [since, until), logged with its baseline and registered.

``--quality worse`` flips the labels first, so the candidate is deliberately worse than any
sensible model. :func:`fit_and_register` is also how the tests train version 1.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from datetime import datetime

import pandas as pd

from monitor.mlflow import log_baseline
from monitor.store import Store

import mlflow  # isort: skip  (after monitor.mlflow, which turns MLflow's telemetry off)
from mlflow.models import infer_signature  # isort: skip
from sklearn.linear_model import LogisticRegression  # isort: skip

FEATURES = ["x1", "x2"]
TARGET = "y"
PREDICTION = "p"


def fit_and_register(frame: pd.DataFrame, model_name: str, *, flip: bool = False) -> str:
    """Fit on ``frame`` (features and ``y``) inside the active run, log the model and its
    baseline, register a version of ``model_name``; returns the version."""
    target = 1 - frame[TARGET] if flip else frame[TARGET]
    model = LogisticRegression().fit(frame[FEATURES], target)
    data = frame[[*FEATURES, TARGET]].copy()
    data[PREDICTION] = model.predict_proba(frame[FEATURES])[:, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            pip_requirements=["scikit-learn"],
            pyfunc_predict_fn="predict_proba",
            signature=infer_signature(frame[FEATURES], model.predict_proba(frame[FEATURES])),
        )
    log_baseline(data, target=TARGET, prediction=PREDICTION, model=model)
    mlflow.log_metric("rows", len(frame))
    return str(mlflow.register_model(info.model_uri, model_name).version)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    for name in ("database-url", "model-name", "quality", "monitor", "trigger", "since", "until"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args(argv)
    store = Store(args.database_url)
    try:
        frame = store.labelled_records(
            args.monitor,
            datetime.fromisoformat(args.since),
            datetime.fromisoformat(args.until),
            label_column=TARGET,
        )
    finally:
        store.close()
    with mlflow.start_run():  # the project run (MLFLOW_RUN_ID)
        mlflow.log_param("trigger", args.trigger)
        version = fit_and_register(frame, args.model_name, flip=args.quality == "worse")
    print(f"registered {args.model_name} version {version} on {len(frame)} records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
