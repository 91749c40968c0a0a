"""What the model achieved on the baseline's data: the performance part of a Baseline.

Built when a baseline has a target and a prediction column: the task (binary,
multiclass or regression), how labels are encoded, the metrics on the training or
validation data (so a live drop is relative to what the model achieved), an isotonic
calibration of the predicted probability (binary; CBPE uses it), and each feature's
mutual information with the target (the importance used for impact ranking when the
model's own importances are not known).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from monitor.errors import ConfigError
from monitor.stats import METRICS, IsotonicMap, fit_isotonic

__all__ = [
    "FORMAT_VERSION",
    "OPTIMISTIC_NOTE",
    "BaselinePerformance",
    "PerformanceSource",
    "PredictionKind",
    "Task",
    "build_performance",
    "encode_labels",
    "evaluate",
    "label_text",
    "task_metrics",
]

FORMAT_VERSION: Final = 1
MI_SAMPLE: Final = 5_000
REGRESSION_MIN_VALUES: Final = 21  # a numeric target with more distinct values is regression

Task = Literal["binary", "multiclass", "regression"]
PredictionKind = Literal["probability", "label", "value"]
PerformanceSource = Literal["training", "validation"]

OPTIMISTIC_NOTE: Final = (
    "baseline performance and CBPE calibration come from the training data and are "
    "optimistic; build the baseline with held-out validation data for honest ones"
)
"""Said wherever a baseline's performance came from its training data."""


def label_text(value: Any) -> str | None:
    """A label as text, so that ``1``, ``1.0``, ``True`` and ``"1"`` are one class.

    >>> [label_text(v) for v in (1, 1.0, True, "yes", None, float("nan"), 2.5)]
    ['1', '1', '1', 'yes', None, None, '2.5']
    """
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value)


def encode_labels(
    values: Iterable[Any], classes: Sequence[str]
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Class codes of ``values`` (index in ``classes``) and a mask of the known ones."""
    index = {name: code for code, name in enumerate(classes)}
    codes = [index.get(label_text(v) or "", -1) for v in values]
    array = np.array(codes, dtype=np.int64)
    return np.where(array >= 0, array, 0), array >= 0


def task_metrics(task: Task, prediction_kind: PredictionKind) -> tuple[str, ...]:
    """The metric keys reported for a task and kind of prediction."""
    if task == "regression":
        return ("mae", "rmse", "mape", "r2")
    labels = ("accuracy", "precision", "recall", "f1")
    if task == "binary" and prediction_kind == "probability":
        return (*labels, "roc_auc", "log_loss", "brier")
    return labels


@dataclass(frozen=True, slots=True, eq=False)
class BaselinePerformance:
    """The model's performance on the baseline data, and what evaluating it needs.

    ``classes`` are the label texts (:func:`label_text`) in code order: for binary,
    code 1 is ``positive_class``. ``prediction_kind`` says whether the prediction column
    holds the probability of the positive class, a class label, or a numeric value;
    a probability is turned into a label by ``score >= threshold``. ``source`` says
    whether the metrics and the calibration were computed on the training data (the
    model has seen it: optimistic, and a calibration that trusts the model too much) or
    on held-out ``validation`` data.
    """

    task: Task
    target: str
    prediction: str
    prediction_kind: PredictionKind
    classes: tuple[str, ...]
    threshold: float
    metrics: Mapping[str, float]
    n_labelled: int
    calibration: IsotonicMap | None = None
    mutual_information: Mapping[str, float] = field(default_factory=dict)
    feature_importances: Mapping[str, float] | None = None
    source: PerformanceSource = "training"

    @property
    def note(self) -> str | None:
        """:data:`OPTIMISTIC_NOTE` when the performance came from training data."""
        return OPTIMISTIC_NOTE if self.source == "training" else None

    @property
    def positive_class(self) -> str | None:
        return self.classes[1] if self.task == "binary" else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "task": self.task,
            "target": self.target,
            "prediction": self.prediction,
            "prediction_kind": self.prediction_kind,
            "classes": list(self.classes),
            "threshold": self.threshold,
            "metrics": {k: None if math.isnan(v) else v for k, v in self.metrics.items()},
            "n_labelled": self.n_labelled,
            "source": self.source,
            "calibration": None if self.calibration is None else self.calibration.to_dict(),
            "mutual_information": dict(self.mutual_information),
            "feature_importances": (
                None if self.feature_importances is None else dict(self.feature_importances)
            ),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BaselinePerformance:
        needed = ("task", "target", "prediction", "prediction_kind", "classes", "metrics")
        missing = [key for key in (*needed, "threshold", "n_labelled") if key not in data]
        if missing:
            raise ValueError(f"BaselinePerformance.from_dict: missing keys {missing}")
        if data.get("format_version", FORMAT_VERSION) != FORMAT_VERSION:
            raise ValueError(
                f"BaselinePerformance.from_dict: format_version {data.get('format_version')!r}"
                f" is not supported; expected {FORMAT_VERSION}"
            )
        calibration = data.get("calibration")
        importances = data.get("feature_importances")
        source = data.get("source", "training")
        if source not in ("training", "validation"):
            raise ValueError(f"BaselinePerformance.from_dict: source {source!r} is not known")
        return cls(
            task=data["task"],
            target=str(data["target"]),
            prediction=str(data["prediction"]),
            prediction_kind=data["prediction_kind"],
            classes=tuple(str(c) for c in data["classes"]),
            threshold=float(data["threshold"]),
            metrics={k: math.nan if v is None else float(v) for k, v in data["metrics"].items()},
            n_labelled=int(data["n_labelled"]),
            calibration=None if calibration is None else IsotonicMap.from_dict(calibration),
            mutual_information={
                str(k): float(v) for k, v in (data.get("mutual_information") or {}).items()
            },
            feature_importances=(
                None if importances is None else {str(k): float(v) for k, v in importances.items()}
            ),
            source=source,
        )


def evaluate(
    task: Task,
    prediction_kind: PredictionKind,
    classes: Sequence[str],
    truth: NDArray[Any],
    prediction: NDArray[Any],
    *,
    threshold: float = 0.5,
) -> dict[str, float]:
    """The task's metrics (:func:`task_metrics`) of aligned targets and predictions.

    ``truth`` holds class codes (classification) or numbers (regression); ``prediction``
    holds probabilities of class 1, class codes, or numbers, by ``prediction_kind``.
    """
    keys = task_metrics(task, prediction_kind)
    if task == "regression":
        return {k: METRICS[k].run(truth, prediction) for k in keys}
    if prediction_kind == "probability":
        labels = (prediction >= threshold).astype(np.int64)
    else:
        labels = prediction.astype(np.int64)
    average = {"average": "macro"} if task == "multiclass" else {}
    out: dict[str, float] = {}
    for key in keys:
        metric = METRICS[key]
        if metric.inputs == "labels":
            out[key] = metric.run(truth, labels, **(average if metric.averaged else {}))
        else:
            out[key] = metric.run(truth, prediction)
    return out


def _infer(
    target: pd.Series, prediction: pd.Series, task: Task | None
) -> tuple[Task, PredictionKind, tuple[str, ...]]:
    values = target.dropna()
    numeric = pd.api.types.is_numeric_dtype(target.dtype) and not pd.api.types.is_bool_dtype(
        target.dtype
    )
    if task is None:
        distinct = values.nunique()
        if numeric and distinct >= REGRESSION_MIN_VALUES:
            task = "regression"
        else:
            task = "binary" if distinct <= 2 else "multiclass"
    if task == "regression":
        if not numeric:
            raise ConfigError(f"target {target.name!r}: a regression target must be numeric")
        return "regression", "value", ()
    classes = tuple(sorted({t for t in map(label_text, values) if t is not None}, key=_order))
    if len(classes) < 2 or (task == "binary" and len(classes) != 2):
        raise ConfigError(
            f"target {target.name!r}: {task} classification needs "
            f"{'exactly 2' if task == 'binary' else 'at least 2'} classes, found {list(classes)}"
        )
    kind: PredictionKind = "label"
    if task == "binary" and pd.api.types.is_numeric_dtype(prediction.dtype):
        scores = prediction.dropna().to_numpy(dtype=np.float64)
        in_unit = scores.size > 0 and bool(((scores >= 0.0) & (scores <= 1.0)).all())
        if in_unit and not set(np.unique(scores)) <= {0.0, 1.0}:
            kind = "probability"
    return task, kind, classes


def _order(label: str) -> tuple[int, float, str]:
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def _mutual_information(
    df: pd.DataFrame, features: Sequence[str], truth: NDArray[Any], task: Task, seed: int
) -> dict[str, float]:
    from sklearn.feature_selection import mutual_info_classif, mutual_info_regression

    usable = [name for name in features if name in df.columns]
    if not usable or len(df) < 4:
        return {}
    columns, discrete = [], []
    for name in usable:
        series = df[name]
        if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
            series.dtype
        ):
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
            finite = np.isfinite(values)
            fill = float(np.median(values[finite])) if finite.any() else 0.0
            columns.append(np.where(finite, values, fill))
            discrete.append(False)
        else:
            codes, _ = pd.factorize(series.astype("object"), use_na_sentinel=True)
            columns.append(codes.astype(np.float64))
            discrete.append(True)
    matrix = np.column_stack(columns)
    if task == "regression":
        scores = mutual_info_regression(
            matrix, truth, discrete_features=np.array(discrete), random_state=seed
        )
    else:
        scores = mutual_info_classif(
            matrix, truth, discrete_features=np.array(discrete), random_state=seed
        )
    return {name: float(max(score, 0.0)) for name, score in zip(usable, scores, strict=True)}


def build_performance(
    df: pd.DataFrame,
    target: str,
    prediction: str,
    features: Sequence[str],
    *,
    task: Task | None = None,
    threshold: float = 0.5,
    seed: int = 0,
    feature_importances: Mapping[str, float] | None = None,
    source: PerformanceSource = "training",
) -> BaselinePerformance:
    """Evaluate the prediction column against the target on ``df``: the training data
    (``source="training"``), or held-out validation data (``source="validation"``).

    The task is inferred unless given: a numeric target with at least 21 distinct values
    is regression, one with two classes binary, else multiclass. A binary prediction
    whose values lie in [0, 1] and are not all 0 or 1 is a probability of the positive
    class (the larger label: ``1``, ``True``, or the later name in sort order); its
    isotonic calibration is fitted here. Mutual information uses a seeded sample of up
    to 5 000 labelled rows (scikit-learn's k-nearest-neighbour estimator).

    Raises
    ------
    ConfigError
        When the target has too few classes for the task, or a regression target is
        not numeric, or the threshold is not in (0, 1).
    """
    if not 0.0 < threshold < 1.0:
        raise ConfigError(f"threshold must be in (0, 1), got {threshold}")
    kind_task, kind, classes = _infer(df[target], df[prediction], task)
    labelled = df[df[target].notna() & df[prediction].notna()]
    if kind_task == "regression":
        truth: NDArray[Any] = labelled[target].to_numpy(dtype=np.float64)
        predicted: NDArray[Any] = labelled[prediction].to_numpy(dtype=np.float64)
    else:
        truth, known = encode_labels(labelled[target], classes)
        if kind == "probability":
            predicted = labelled[prediction].to_numpy(dtype=np.float64)
        else:
            predicted, known_prediction = encode_labels(labelled[prediction], classes)
            known &= known_prediction
        truth, predicted = truth[known], predicted[known]
        labelled = labelled[known]
    if truth.size == 0:
        raise ConfigError(
            f"no row has both {target!r} and {prediction!r}; the baseline's performance "
            "needs labelled, predicted rows"
        )
    metrics = evaluate(kind_task, kind, classes, truth, predicted, threshold=threshold)
    calibration = fit_isotonic(predicted, truth) if kind == "probability" else None
    rows = np.arange(truth.size)
    if truth.size > MI_SAMPLE:
        rows = np.sort(np.random.default_rng(seed).choice(truth.size, MI_SAMPLE, replace=False))
    information = _mutual_information(labelled.iloc[rows], features, truth[rows], kind_task, seed)
    return BaselinePerformance(
        task=kind_task,
        target=target,
        prediction=prediction,
        prediction_kind=kind,
        classes=classes,
        threshold=threshold,
        metrics=metrics,
        n_labelled=int(truth.size),
        calibration=calibration,
        mutual_information=information,
        feature_importances=None if feature_importances is None else dict(feature_importances),
        source=source,
    )
