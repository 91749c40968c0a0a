"""The link to MLflow, Driftline's tracking and registry core: the only module importing mlflow.

Where MLflow lives
    ``MLFLOW_TRACKING_URI`` (or ``mlflow.tracking_uri`` in driftline.yaml) names any MLflow
    tracking server, with MLflow's usual auth variables. Unset, Driftline embeds MLflow: a
    SQLite tracking store ``mlflow.db`` and an artifact folder ``mlartifacts/`` beside
    Driftline's own SQLite database (the working directory for PostgreSQL), absolute paths.
    :func:`init_tracking` creates the embedded store once, under a file lock, before
    anything else touches it (several processes creating it at once race), and puts it in
    SQLite's WAL mode: serve, retraining runs and ``mlflow ui`` use it from several
    processes at once, and in the default rollback-journal mode a reader blocks every
    writer and a transaction that reads then writes can fail at once with "database is
    locked" whatever the busy timeout. The mode is stored in the file, so every later
    connection, MLflow's own included, uses it.

Telemetry
    Importing this module sets ``MLFLOW_DISABLE_TELEMETRY=true`` unless the variable is
    already set: MLflow's usage telemetry stays off unless the user turns it on.

Training side
    :func:`log_baseline` builds a Baseline from the training data inside a run and logs it
    at :data:`BASELINE_ARTIFACT`, with the data's schema and summary as the run's dataset
    input and the model's feature importances when a model is given.

Monitoring side
    :class:`MlflowRegistry` resolves ``models:/name@alias`` with
    ``get_model_version_by_alias`` (``search_model_versions`` returns aliases empty),
    downloads a version's baseline, writes check results back (one run per monitor and
    model version in the ``driftline-monitoring`` experiment, metrics at the window's end,
    a ``drift_status`` tag on the model version) and registers Driftline's webhook on an
    MLflow server. MLflow errors are translated here, once: unreachable becomes
    RegistryUnavailable, an unknown model or alias a ConfigError.
"""

from __future__ import annotations

import os

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import fcntl  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import tempfile  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Iterator, Mapping, Sequence  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Final  # noqa: E402

import mlflow  # noqa: E402
import pandas as pd  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.data.pandas_dataset import from_pandas  # noqa: E402
from mlflow.entities import DatasetInput, InputTag, Metric  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.telemetry.client import get_telemetry_client, set_telemetry_client  # noqa: E402
from sqlalchemy import make_url  # noqa: E402

from monitor.engine.baseline import DEFAULT_SAMPLE_SIZE, Baseline, build_baseline  # noqa: E402
from monitor.engine.baseline_file import save_baseline  # noqa: E402
from monitor.engine.importances import feature_importances  # noqa: E402
from monitor.errors import BaselineNotFound, ConfigError, RegistryUnavailable  # noqa: E402
from monitor.mlflow.follow import ModelRef, ModelVersionInfo  # noqa: E402
from monitor.mlflow.writeback import WritebackPayload  # noqa: E402
from monitor.redact import redact_url  # noqa: E402

__all__ = [
    "BASELINE_ARTIFACT",
    "EMBEDDED_ARTIFACTS",
    "EMBEDDED_DATABASE",
    "IMPORTANCES_ARTIFACT",
    "MONITORING_EXPERIMENT",
    "WEBHOOK_EVENTS",
    "LoggedBaseline",
    "MlflowRegistry",
    "embedded_tracking_uri",
    "ensure_experiment",
    "init_tracking",
    "log_baseline",
    "resolve_tracking_uri",
    "state_dir",
    "translated",
]

if os.environ["MLFLOW_DISABLE_TELEMETRY"].lower() == "true" and get_telemetry_client() is not None:
    set_telemetry_client()  # type: ignore[no-untyped-call]  # mlflow was imported first

BASELINE_ARTIFACT: Final = "driftline/baseline.driftline"
IMPORTANCES_ARTIFACT: Final = "driftline/feature_importances.json"
MONITORING_EXPERIMENT: Final = "driftline-monitoring"
EMBEDDED_DATABASE: Final = "mlflow.db"
EMBEDDED_ARTIFACTS: Final = "mlartifacts"
WEBHOOK_EVENTS: Final = (
    "model_version_alias.created",
    "model_version_alias.deleted",
    "model_version.created",
)
_NOT_FOUND: Final = frozenset({"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"})
_MAX_BATCH: Final = 1_000
# A service must notice an unreachable server in seconds, not after MLflow's default
# 7 retries with exponential backoff; set only where the user has not.
_SERVICE_HTTP_DEFAULTS: Final = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
}


# ---------------------------------------------------------------- where MLflow lives


def state_dir(database_url: str | None = None) -> Path:
    """The folder beside Driftline's SQLite database (the working directory otherwise)."""
    url = make_url(
        database_url or os.environ.get("DRIFTLINE_DATABASE_URL") or "sqlite:///./driftline.db"
    )
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database)).resolve().parent
    return Path.cwd().resolve()


def embedded_tracking_uri(database_url: str | None = None) -> str:
    """``sqlite:///<absolute folder>/mlflow.db`` beside Driftline's database."""
    return f"sqlite:///{state_dir(database_url) / EMBEDDED_DATABASE}"


def resolve_tracking_uri(configured: str | None = None, database_url: str | None = None) -> str:
    """``configured``, else ``$MLFLOW_TRACKING_URI``, else the embedded store's URI."""
    return (
        configured or os.environ.get("MLFLOW_TRACKING_URI") or embedded_tracking_uri(database_url)
    )


def _sqlite_file(uri: str) -> Path | None:
    if not uri.startswith("sqlite:///"):
        return None
    return Path(uri.removeprefix("sqlite:///")).resolve()


def _artifact_root(uri: str) -> Path | None:
    database = _sqlite_file(uri)
    return None if database is None else database.parent / EMBEDDED_ARTIFACTS


def _write_ahead_log(database: Path) -> None:
    """Switch the SQLite file ``database`` to WAL mode (a no-op when it already is)."""
    connection = sqlite3.connect(database, timeout=30.0)
    try:
        mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    except sqlite3.Error as exc:
        raise ConfigError(f"cannot put the MLflow store {database} in WAL mode: {exc}") from exc
    finally:
        connection.close()
    if str(mode).lower() != "wal":
        raise ConfigError(
            f"the MLflow store {database} stayed in {mode!r} journal mode (WAL needs a local "
            "file system); give mlflow.tracking_uri a tracking server or a local folder"
        )


def init_tracking(uri: str | None = None) -> str:
    """Point mlflow at ``uri`` (default :func:`resolve_tracking_uri`); for a SQLite store,
    create it first, once, under a file lock. Returns the URI."""
    uri = uri or resolve_tracking_uri()
    database = _sqlite_file(uri)
    if database is not None:
        root = _artifact_root(uri)
        assert root is not None
        database.parent.mkdir(parents=True, exist_ok=True)
        root.mkdir(parents=True, exist_ok=True)
        with open(database.with_name(database.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                from mlflow.store.model_registry.sqlalchemy_store import (
                    SqlAlchemyStore as RegistryStore,
                )
                from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

                SqlAlchemyStore(uri, root.as_uri())  # type: ignore[no-untyped-call]
                RegistryStore(uri)  # type: ignore[no-untyped-call]
                _write_ahead_log(database)
            except MlflowException as exc:
                raise ConfigError(f"cannot create the MLflow store {uri}: {exc.message}") from exc
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return uri


def ensure_experiment(name: str, uri: str | None = None) -> str:
    """The id of experiment ``name``, created if needed (embedded: artifacts under
    ``mlartifacts/<name>``, an absolute path whatever the working directory)."""
    uri = uri or mlflow.get_tracking_uri()
    client = MlflowClient(uri, uri)
    with translated(uri, f"looking up experiment {name!r}"):
        found = client.get_experiment_by_name(name)
        if found is not None:
            return str(found.experiment_id)
        root = _artifact_root(uri)
        location = None if root is None else (root / re.sub(r"[^\w.-]", "_", name)).as_uri()
        try:
            return str(client.create_experiment(name, artifact_location=location))
        except MlflowException as exc:  # created meanwhile by another process
            again = client.get_experiment_by_name(name)
            if again is None:
                raise exc from None
            return str(again.experiment_id)


def _quoted(value: str) -> str:
    """``value`` inside a single-quoted MLflow search string."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


@contextmanager
def translated(uri: str, what: str) -> Iterator[None]:
    """The one translation of MLflow and transport errors into Driftline's."""
    shown = redact_url(uri)
    try:
        yield
    except MlflowException as exc:
        first = str(exc.message).strip().splitlines()[0] if exc.message else str(exc)
        if exc.error_code in _NOT_FOUND:
            raise ConfigError(f"MLflow at {shown}: {what}: {first}") from exc
        raise RegistryUnavailable(f"MLflow at {shown} is unavailable ({what}): {first}") from exc
    except OSError as exc:  # requests' errors are OSErrors
        raise RegistryUnavailable(f"MLflow at {shown} is unavailable ({what}): {exc}") from exc


# ---------------------------------------------------------------- training side


@dataclass(frozen=True, slots=True)
class LoggedBaseline:
    """What :func:`log_baseline` logged, and where."""

    baseline: Baseline
    run_id: str
    artifact_path: str
    feature_importances: Mapping[str, float] | None


def log_baseline(
    data: pd.DataFrame,
    *,
    target: str | None = None,
    prediction: str | None = None,
    model: Any = None,
    categorical: Sequence[str] = (),
    ignore: Sequence[str] = (),
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    seed: int = 0,
    run_id: str | None = None,
    dataset_name: str = "training",
    tracking_uri: str | None = None,
    validation: pd.DataFrame | None = None,
) -> LoggedBaseline:
    """Build the baseline of ``data`` and log it to the active run (or ``run_id``).

    Logs the baseline file at :data:`BASELINE_ARTIFACT`, the feature importances of
    ``model`` (anything with ``feature_importances_`` or ``coef_``, a scikit-learn
    pipeline included) at :data:`IMPORTANCES_ARTIFACT`, the data's schema and summary as
    the run's ``training`` dataset input, and ``driftline.*`` run tags. With
    ``validation`` (held-out data with the training data's columns) the baseline's
    performance and CBPE calibration are computed on it, and it is logged as the run's
    ``validation`` dataset input; without it they come from ``data`` and are optimistic
    (tag ``driftline.performance_source``).
    """
    uri = tracking_uri or mlflow.get_tracking_uri()
    if run_id is None:
        active = mlflow.active_run()
        if active is None:
            raise ConfigError(
                "log_baseline needs a run: call it inside 'with mlflow.start_run():' or pass "
                "run_id=..."
            )
        run_id = active.info.run_id
    baseline = build_baseline(
        data,
        target=target,
        prediction=prediction,
        categorical=categorical,
        ignore=ignore,
        sample_size=sample_size,
        seed=seed,
        validation=validation,
    )
    importances = None if model is None else feature_importances(model, baseline.features)
    client = MlflowClient(uri, uri)
    with translated(uri, f"logging the baseline to run {run_id}"):
        with tempfile.TemporaryDirectory(prefix="driftline-") as folder:
            path = save_baseline(baseline, Path(folder) / Path(BASELINE_ARTIFACT).name)
            client.log_artifact(run_id, str(path), str(Path(BASELINE_ARTIFACT).parent))
            if importances is not None:
                file = Path(folder) / Path(IMPORTANCES_ARTIFACT).name
                file.write_text(json.dumps(importances, indent=1))
                client.log_artifact(run_id, str(file), str(Path(IMPORTANCES_ARTIFACT).parent))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MLflow's integer-column schema hint
            dataset = from_pandas(data, name=dataset_name, targets=target, predictions=prediction)
            entity = dataset._to_mlflow_entity()
        context = InputTag(key="mlflow.data.context", value="training")
        inputs = [DatasetInput(entity, tags=[context])]
        if validation is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                held = from_pandas(
                    validation, name="validation", targets=target, predictions=prediction
                )._to_mlflow_entity()
            inputs.append(
                DatasetInput(held, tags=[InputTag(key="mlflow.data.context", value="validation")])
            )
        client.log_inputs(run_id, inputs)
        tags = {
            "driftline.baseline": BASELINE_ARTIFACT,
            "driftline.baseline_format": str(baseline.format_version),
            "driftline.baseline_rows": str(baseline.n_rows),
            "driftline.target": target or "",
            "driftline.prediction": prediction or "",
        }
        if baseline.performance is not None:
            tags["driftline.performance_source"] = baseline.performance.source
        for key, value in tags.items():
            client.set_tag(run_id, key, value)
    return LoggedBaseline(baseline, run_id, BASELINE_ARTIFACT, importances)


# ---------------------------------------------------------------- monitoring side


class MlflowRegistry:
    """The model registry and tracking store at ``uri``, as Driftline's service uses them."""

    def __init__(self, uri: str) -> None:
        for name, value in _SERVICE_HTTP_DEFAULTS.items():
            os.environ.setdefault(name, value)
        self.uri = init_tracking(uri)
        self.client = MlflowClient(self.uri, self.uri)
        self._experiment_id: str | None = None
        self._runs: dict[tuple[str, str, str], str] = {}

    def __repr__(self) -> str:
        return f"MlflowRegistry({redact_url(self.uri)!r})"

    def resolve(self, ref: ModelRef) -> ModelVersionInfo:
        """The version ``ref`` points at now, and the run that logged it."""
        with translated(self.uri, f"resolving {ref.uri}"):
            if ref.alias is not None:
                found = self.client.get_model_version_by_alias(ref.name, ref.alias)
            else:
                found = self.client.get_model_version(ref.name, str(ref.version))
        if not found.run_id:
            raise BaselineNotFound(
                f"{ref.uri} is version {found.version}, which has no training run; register "
                "a model logged in a run with monitor.mlflow.log_baseline"
            )
        return ModelVersionInfo(ref.name, str(found.version), str(found.run_id))

    def download_baseline(self, run_id: str, destination: Path) -> Path:
        """Download the baseline logged in ``run_id`` to the file ``destination``."""
        with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".download-") as folder:
            try:
                with translated(self.uri, f"downloading the baseline of run {run_id}"):
                    local = self.client.download_artifacts(run_id, BASELINE_ARTIFACT, folder)
            except ConfigError as exc:
                raise BaselineNotFound(
                    f"run {run_id} has no {BASELINE_ARTIFACT}: {exc}; log one with "
                    "monitor.mlflow.log_baseline or 'driftline baseline log DATA --run-id ID'"
                ) from exc
            if not Path(local).is_file():
                raise BaselineNotFound(
                    f"run {run_id} has no baseline file at {BASELINE_ARTIFACT}; log one with "
                    "'driftline baseline log DATA --run-id ID'"
                )
            shutil.move(local, destination)
        return destination

    def write_back(self, item: WritebackPayload) -> str:
        """Log one check's metrics (unless already sent) to the monitoring run of (monitor,
        model version) at the window's end as step and timestamp, and tag the model version
        with its drift status; returns the monitoring run's id."""
        with translated(self.uri, f"writing back check {item.check_id}"):
            run_id = self._monitoring_run(item)
            timestamp_ms = int(item.window_end_at.timestamp() * 1000)
            step = int(item.window_end_at.timestamp())
            metrics = [Metric(k, float(v), timestamp_ms, step) for k, v in item.metrics.items()]
            if not item.send_metrics:
                metrics = []  # already in MLflow (monitor.mlflow.writeback: idempotent per window)
            for start in range(0, len(metrics), _MAX_BATCH):
                self.client.log_batch(run_id, metrics=metrics[start : start + _MAX_BATCH])
            if item.drift_status is not None:
                self._tag_version(item)
        return run_id

    def _tag_version(self, item: WritebackPayload) -> None:
        version = self.client.get_model_version(item.model_name, item.model_version)
        shown_end = version.tags.get("driftline.drift_status_window_end")
        end = item.window_end_at.isoformat()
        if shown_end is not None and shown_end > end:
            return  # a later window already set the status
        self.client.set_model_version_tag(
            item.model_name, item.model_version, "drift_status", str(item.drift_status)
        )
        self.client.set_model_version_tag(
            item.model_name, item.model_version, "driftline.drift_status_window_end", end
        )

    def _monitoring_run(self, item: WritebackPayload) -> str:
        key = (item.monitor, item.model_name, item.model_version)
        if key in self._runs:
            return self._runs[key]
        if self._experiment_id is None:
            self._experiment_id = ensure_experiment(MONITORING_EXPERIMENT, self.uri)
        tags = {
            "driftline.monitor": item.monitor,
            "driftline.model_name": item.model_name,
            "driftline.model_version": item.model_version,
        }
        query = " and ".join(f"tags.`{k}` = '{v}'" for k, v in tags.items())
        found = self.client.search_runs([self._experiment_id], query, max_results=1)
        if found:
            run_id = str(found[0].info.run_id)
        else:
            run = self.client.create_run(
                self._experiment_id,
                tags={**tags, "driftline.model_run_id": item.model_run_id},
                run_name=f"{item.monitor} {item.model_name} v{item.model_version}",
            )
            run_id = str(run.info.run_id)
            self.client.set_terminated(run_id, "FINISHED")
        self._runs[key] = run_id
        return run_id

    def monitoring_run_id(self, monitor: str, model_name: str, version: str) -> str | None:
        """The monitoring run of (monitor, model version), or None before its first write."""
        if self._experiment_id is None:
            with translated(self.uri, "finding the monitoring experiment"):
                found = self.client.get_experiment_by_name(MONITORING_EXPERIMENT)
            if found is None:
                return None
            self._experiment_id = str(found.experiment_id)
        query = (
            f"tags.`driftline.monitor` = '{monitor}' and tags.`driftline.model_name` = "
            f"'{model_name}' and tags.`driftline.model_version` = '{version}'"
        )
        with translated(self.uri, "finding a monitoring run"):
            runs = self.client.search_runs([self._experiment_id], query, max_results=1)
        return str(runs[0].info.run_id) if runs else None

    def alias_version(self, name: str, alias: str) -> str | None:
        """The version of ``name`` that holds ``alias``, or None when no version does."""
        try:
            return self.resolve(ModelRef(name, alias=alias)).version
        except ConfigError:
            return None

    def move_alias(self, name: str, alias: str, version: str) -> None:
        """Point ``models:/name@alias`` at ``version``: a promotion. Monitors following the
        alias switch to the version's baseline at their next check; ``serve-model`` loads it.
        Every promotion Driftline makes goes through here (the promotion gate, the demo's
        first version)."""
        with translated(self.uri, f"moving @{alias} of {name} to version {version}"):
            self.client.set_registered_model_alias(name, alias, version)

    def registered_versions(self, run_id: str, name: str) -> list[str]:
        """The versions of registered model ``name`` created from run ``run_id``, oldest
        first."""
        query = f"name = '{_quoted(name)}' and run_id = '{_quoted(run_id)}'"
        with translated(self.uri, f"finding the versions registered by run {run_id}"):
            found = self.client.search_model_versions(query)
        return sorted((str(v.version) for v in found), key=int)

    def ensure_webhook(self, url: str, secret: str, *, name: str = "driftline") -> str:
        """Create or update the webhook ``name`` that tells Driftline about alias changes and
        new versions (MLflow server >= 3.3 with a SQL backend); returns its id."""
        with translated(self.uri, f"registering webhook {name!r}"):
            token: str | None = None
            while True:
                page = self.client.list_webhooks(max_results=100, page_token=token)
                for hook in page:
                    if hook.name == name:
                        self.client.update_webhook(
                            hook.webhook_id,
                            url=url,
                            events=list(WEBHOOK_EVENTS),
                            secret=secret,
                            status="ACTIVE",
                        )
                        return str(hook.webhook_id)
                token = page.token
                if not token:
                    break
            created = self.client.create_webhook(
                name=name,
                url=url,
                events=list(WEBHOOK_EVENTS),
                description="Driftline follows model aliases (monitor.mlflow.webhook)",
                secret=secret,
            )
            return str(created.webhook_id)
