"""Scoring with MLflow's pyfunc flavour, for ``driftline serve-model``: the second module
allowed to import mlflow (``tests/test_layering.py``).

Why not in :mod:`monitor.mlflow.tracking`: that module is the monitoring service's link (registry,
baselines, write-back) and stays light; scoring pulls in ``mlflow.pyfunc`` and MLflow's
scoring-server parsers, which only the model server needs.

:func:`load_version` loads ``models:/<name>/<version>`` with ``mlflow.pyfunc.load_model``
and, when the version's training run logged a Driftline baseline, reads it too (so logged
records match the monitor's schema). :func:`parse_request` reads an ``/invocations`` body
with MLflow's own parsers (``dataframe_split``, ``dataframe_records``, ``instances``,
``inputs``, ``text/csv``), so the server accepts exactly what ``mlflow models serve``
accepts; :func:`predictions_json` writes ``{"predictions": [...]}`` with MLflow's encoder.
:func:`model_input` turns stored records into the input a version's signature wants (the
promotion gate, ``monitor.mlflow.gate``, scores versions on stored records with it).
MLflow errors are translated here into :class:`InvocationError` (bad request) or
:class:`~monitor.errors.ModelLoadFailed`.
"""

from __future__ import annotations

import json
import math
import tempfile
import warnings
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any, Final

import pandas as pd

import monitor.mlflow.tracking as dm  # first: it turns MLflow's telemetry off

with warnings.catch_warnings():
    # mlflow.pyfunc's import infers schemas of its own agent types and warns about "Any"
    warnings.simplefilter("ignore", UserWarning)
    import mlflow.pyfunc  # isort: skip
    from mlflow.exceptions import MlflowException  # isort: skip
    from mlflow.pyfunc import scoring_server  # isort: skip

from monitor.engine.baseline import Baseline  # noqa: E402
from monitor.engine.baseline_file import load_baseline  # noqa: E402
from monitor.errors import BaselineNotFound, ConfigError, DriftlineError, ModelLoadFailed  # noqa: E402
from monitor.mlflow.follow import ModelRef  # noqa: E402

__all__ = [
    "SUPPORTED_FORMATS",
    "InvocationError",
    "ServedModel",
    "load_version",
    "model_input",
    "parse_request",
    "predict",
    "predictions_json",
]

SUPPORTED_FORMATS: Final = ("dataframe_split", "dataframe_records", "instances", "inputs")
_CSV: Final = "text/csv"
_JSON: Final = "application/json"


class InvocationError(DriftlineError):
    """A request the model cannot score; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class ServedModel:
    """One loaded model version: the pyfunc model and what logging its predictions needs."""

    name: str
    version: str
    run_id: str
    model: Any
    baseline: Baseline | None
    """The baseline logged with the version's training run, None when it has none."""

    @property
    def input_schema(self) -> Any:
        return self.model.metadata.get_input_schema()


def load_version(registry: dm.MlflowRegistry, name: str, version: str) -> ServedModel:
    """Load version ``version`` of registered model ``name`` (and its baseline, if logged).

    Raises :class:`~monitor.errors.ConfigError` for an unknown version,
    :class:`~monitor.errors.RegistryUnavailable` when MLflow cannot be reached and
    :class:`~monitor.errors.ModelLoadFailed` when the model cannot be loaded."""
    info = registry.resolve(ModelRef(name, version=version))
    uri = f"models:/{name}/{version}"
    try:
        model = mlflow.pyfunc.load_model(uri)
    except MlflowException as exc:
        raise ModelLoadFailed(f"cannot load {uri}: {_first_line(exc)}") from exc
    except Exception as exc:  # noqa: BLE001  the model's own loading code: the one boundary
        raise ModelLoadFailed(f"cannot load {uri}: {type(exc).__name__}: {exc}") from exc
    baseline: Baseline | None = None
    with tempfile.TemporaryDirectory(prefix="driftline-serve-") as folder:
        try:
            path = registry.download_baseline(info.run_id, Path(folder) / "baseline.driftline")
            baseline = load_baseline(path)
        except BaselineNotFound:
            baseline = None
    return ServedModel(name, version, info.run_id, model, baseline)


def _content_type(content_type: str) -> str:
    parts = [part.strip() for part in content_type.split(";")]
    charset = next((p.partition("=")[2] for p in parts[1:] if p.startswith("charset=")), "utf-8")
    if charset.lower() != "utf-8":
        raise InvocationError("the scoring server only supports UTF-8", status=415)
    return parts[0].lower()


def parse_request(served: ServedModel, body: bytes, content_type: str) -> Any:
    """The model input in an ``/invocations`` body, parsed as MLflow's scoring server does."""
    mime = _content_type(content_type or _JSON)
    schema = served.input_schema
    try:
        if mime == _CSV:
            return scoring_server.parse_csv_input(StringIO(body.decode("utf-8")), schema=schema)
        if mime != _JSON:
            raise InvocationError(
                f"content type {mime!r} is not supported; send {_JSON} with one of "
                f"{list(SUPPORTED_FORMATS)}, or {_CSV}",
                status=415,
            )
        try:
            decoded = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvocationError(f"the body is not valid JSON: {exc}") from exc
        if not isinstance(decoded, dict) or len(set(decoded) & set(SUPPORTED_FORMATS)) != 1:
            keys = list(decoded) if isinstance(decoded, dict) else type(decoded).__name__
            raise InvocationError(
                f"expected a JSON object with exactly one of {list(SUPPORTED_FORMATS)}, got "
                f'{keys}; e.g. {{"dataframe_split": {{"columns": [...], "data": [[...]]}}}}'
            )
        data = {k: v for k, v in decoded.items() if k in SUPPORTED_FORMATS}
        return scoring_server.infer_and_parse_data(data, schema)
    except MlflowException as exc:
        raise InvocationError(_first_line(exc)) from exc
    except UnicodeDecodeError as exc:
        raise InvocationError(f"the body is not UTF-8: {exc}") from exc


def _text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and math.isnan(value):
        return None
    return str(value)


def model_input(served: ServedModel, records: pd.DataFrame) -> pd.DataFrame:
    """Stored ``records`` as ``served``'s input: the columns its signature names (the
    baseline's features without a signature), with values of a ``string`` column written
    as text (a stored boolean ``true`` becomes ``"True"``, as ``str()`` wrote it when the
    model was trained), since MLflow refuses to cast them itself. A column the records lack
    is a ConfigError naming it."""
    schema = served.input_schema
    if schema is not None and schema.has_input_names():
        names = [str(name) for name in schema.input_names()]
        text = {str(spec.name) for spec in schema.inputs if str(spec.type) == "DataType.string"}
    elif served.baseline is not None:
        names, text = list(served.baseline.features), set()
    else:
        names, text = list(records.columns), set()
    missing = [name for name in names if name not in records.columns]
    required = (
        {str(s.name) for s in schema.inputs if s.required}
        if schema is not None and schema.has_input_names()
        else set(names)
    )
    if any(name in required for name in missing):
        raise ConfigError(
            f"{served.name} version {served.version} needs column(s) "
            f"{[n for n in missing if n in required]} that the monitor's records do not have"
        )
    frame = records[[name for name in names if name in records.columns]].copy()
    for name in text & set(frame.columns):
        frame[name] = frame[name].astype(object).map(_text)
    return frame


def predict(served: ServedModel, data: Any) -> Any:
    """The model's raw predictions for ``data``; a schema mismatch is an InvocationError."""
    try:
        return served.model.predict(data)
    except MlflowException as exc:
        raise InvocationError(
            f"{served.name} version {served.version}: {_first_line(exc)}"
        ) from exc
    except (ValueError, TypeError, KeyError) as exc:
        raise InvocationError(
            f"{served.name} version {served.version} cannot score this input: "
            f"{type(exc).__name__}: {exc}; check the columns against the model's signature"
        ) from exc


def predictions_json(raw: Any) -> str:
    """``{"predictions": [...]}`` exactly as MLflow's scoring server writes it."""
    out = StringIO()
    scoring_server.predictions_to_json(raw, out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def _first_line(exc: MlflowException) -> str:
    text = str(exc.message or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
