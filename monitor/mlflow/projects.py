"""Retraining runs: MLflow Projects launched through MLflow's Projects API, and followed.

An MLflow Project is a folder (or a Git repository) with an ``MLproject`` file that names
entry points, their parameters and their commands. Driftline's ``mlflow_project`` retrain
target runs one when retraining is requested:

:func:`launch_run`
    checks the project first (the folder exists, the entry point is declared, every
    configured parameter is one the entry point declares: MLflow itself would append an
    undeclared one to the command line), then calls ``mlflow.projects.run(...,
    synchronous=False)`` with the local backend. MLflow starts ``mlflow run`` as a child
    process (the leader of its own process group) that runs the entry point and marks the
    MLflow run ``FINISHED`` or ``FAILED`` when it exits; this returns at once. The run is
    tagged ``driftline.monitor`` and ``driftline.trigger``. Driftline's own parameters
    (:data:`DRIFTLINE_PARAMETERS`) are passed to an entry point that declares them.
:func:`run_status`
    MLflow's status of the run (``RUNNING``, ``FINISHED``, ``FAILED``, ``KILLED``...), read
    from the tracking store, so any process can follow a run another one launched.
:func:`stop_run`
    a run past its timeout: its process group is sent SIGTERM (then SIGKILL) when the
    process with the recorded id is still that run's ``mlflow run`` (its command line names
    the run id; Linux ``/proc``), and the MLflow run is marked ``KILLED``.

With ``env_manager: local`` the entry point runs in the service's own Python environment:
the ``mlflow`` command and ``python`` are looked up on ``PATH``, so when ``mlflow`` is not
on it, the folder of the running interpreter (a virtualenv's ``bin``) is put first.

Errors: a project that cannot run as configured raises :class:`ProjectError` (a
ConfigError: retrying does not help); an unreachable MLflow raises RegistryUnavailable.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import monitor.mlflow.tracking as dm  # first: it turns MLflow's telemetry off

import mlflow.projects  # isort: skip
from mlflow.exceptions import ExecutionException, MlflowException  # isort: skip
from mlflow.projects.utils import _fetch_project, load_project  # isort: skip

from monitor.errors import ConfigError  # noqa: E402
from monitor.redact import redact_url  # noqa: E402

__all__ = [
    "DRIFTLINE_PARAMETERS",
    "ENDED_STATUSES",
    "LaunchedRun",
    "ProjectError",
    "is_remote_uri",
    "launch_run",
    "reap_children",
    "run_status",
    "run_url",
    "stop_run",
]

DRIFTLINE_PARAMETERS: Final = (
    "driftline_monitor",
    "driftline_trigger",
    "driftline_reason",
    "driftline_labels_since",
    "driftline_labels_until",
)
"""Parameters Driftline passes to an entry point that declares them."""
ENDED_STATUSES: Final = frozenset({"FINISHED", "FAILED", "KILLED"})
_REMOTE: Final = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|git@)")
_STOP_WAIT_S: Final = 5.0

# The `mlflow run` children this process started, by run id, until they have exited: the
# process that starts a child must wait for it (else it lingers as a zombie, and Python warns
# when a running child's handle is dropped). Filled by launch_run, emptied by reap_children.
_CHILDREN: Final[dict[str, subprocess.Popen[Any]]] = {}
_CHILDREN_LOCK: Final = threading.Lock()


class ProjectError(ConfigError):
    """An MLflow Project that cannot run as configured (missing folder, unknown entry point,
    undeclared or missing parameters, a run that could not start)."""


@dataclass(frozen=True, slots=True)
class LaunchedRun:
    """A project run MLflow started: its id and experiment, the process id of its
    ``mlflow run`` child (None when another backend runs it) and a link to it."""

    run_id: str
    experiment_id: str
    pid: int | None
    url: str | None


def is_remote_uri(uri: str) -> bool:
    """Whether ``uri`` names a Git repository to fetch rather than a local folder.

    >>> is_remote_uri("https://github.com/acme/train.git"), is_remote_uri("./project")
    (True, False)
    """
    return bool(_REMOTE.match(uri))


def run_url(ui_url: str | None, experiment_id: str, run_id: str) -> str | None:
    """The run's page in the MLflow UI at ``ui_url``, or None without a UI.

    >>> run_url("http://127.0.0.1:5000/", "3", "abc")
    'http://127.0.0.1:5000/#/experiments/3/runs/abc'
    """
    if not ui_url:
        return None
    return f"{ui_url.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "message", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _entry_point(uri: str, version: str | None, entry_point: str) -> Any:
    """The entry point's specification, after fetching the project (a Git URI is cloned)."""
    if not is_remote_uri(uri):
        folder = Path(uri)
        if not folder.is_dir():
            raise ProjectError(
                f"MLflow Project {uri}: no such folder; give the folder holding the MLproject "
                "file (relative to driftline.yaml) or a Git URI"
            )
        if not (folder / "MLproject").is_file() and not (folder / "mlproject").is_file():
            raise ProjectError(
                f"MLflow Project {uri}: the folder has no MLproject file; add one that names "
                "the entry point (see docs/continuous-training.md)"
            )
    try:
        # what mlflow.projects.run fetches and reads first; parameters are checked below
        work_dir = _fetch_project(uri, version)  # type: ignore[no-untyped-call]
        return load_project(work_dir).get_entry_point(entry_point)  # type: ignore[no-untyped-call]
    except (ExecutionException, MlflowException) as exc:
        raise ProjectError(f"MLflow Project {redact_url(uri)}: {_first_line(exc)}") from exc
    except OSError as exc:
        raise ProjectError(f"MLflow Project {redact_url(uri)}: cannot read it: {exc}") from exc


def _parameters(
    uri: str,
    entry: Any,
    configured: Mapping[str, Any],
    driftline: Mapping[str, str],
) -> dict[str, Any]:
    declared: dict[str, Any] = dict(entry.parameters)
    undeclared = sorted(set(configured) - set(declared))
    if undeclared:
        raise ProjectError(
            f"MLflow Project {redact_url(uri)}: entry point {entry.name!r} does not declare "
            f"parameter(s) {undeclared}; it declares {sorted(declared) or 'none'}. Remove them "
            "from alerts.retrain.parameters or declare them in MLproject"
        )
    parameters = {k: v for k, v in driftline.items() if k in declared}
    parameters.update(configured)
    missing = sorted(
        name for name, spec in declared.items() if name not in parameters and spec.default is None
    )
    if missing:
        raise ProjectError(
            f"MLflow Project {redact_url(uri)}: entry point {entry.name!r} needs parameter(s) "
            f"{missing} without a default; give them in alerts.retrain.parameters"
        )
    return parameters


def _mlflow_on_path() -> None:
    """Put the running interpreter's folder first on PATH when ``mlflow`` is not on it, so
    MLflow's ``mlflow run`` child and an ``env_manager: local`` entry point's ``python``
    are this environment's."""
    if shutil.which("mlflow") is not None:
        return
    folder = Path(sys.executable).parent
    if (folder / "mlflow").exists():
        os.environ["PATH"] = f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"


def launch_run(
    registry: dm.MlflowRegistry,
    *,
    uri: str,
    entry_point: str,
    parameters: Mapping[str, Any],
    driftline: Mapping[str, str],
    tags: Mapping[str, str],
    version: str | None = None,
    env_manager: str = "local",
    experiment: str = "driftline-retraining",
    run_name: str | None = None,
    ui_url: str | None = None,
) -> LaunchedRun:
    """Start the project at ``uri`` (an absolute folder or a Git URI) with the local backend
    and return at once (the module docstring says what is checked first)."""
    entry = _entry_point(uri, version, entry_point)
    values = _parameters(uri, entry, parameters, driftline)
    experiment_id = dm.ensure_experiment(experiment, registry.uri)
    _mlflow_on_path()
    mlflow.set_tracking_uri(registry.uri)
    mlflow.set_registry_uri(registry.uri)
    with dm.translated(registry.uri, f"launching MLflow Project {redact_url(uri)}"):
        try:
            submitted = mlflow.projects.run(  # type: ignore[no-untyped-call]
                uri,
                entry_point=entry_point,
                version=version,
                parameters=values,
                experiment_id=experiment_id,
                backend="local",
                env_manager=env_manager,
                synchronous=False,
                run_name=run_name,
            )
        except ExecutionException as exc:
            raise ProjectError(f"MLflow Project {redact_url(uri)}: {_first_line(exc)}") from exc
        except (FileNotFoundError, PermissionError) as exc:  # `mlflow run` could not start
            raise ProjectError(
                f"MLflow Project {redact_url(uri)}: cannot start 'mlflow run': {exc}"
            ) from exc
    run_id = str(submitted.run_id)
    with dm.translated(registry.uri, f"tagging run {run_id}"):
        for key, value in tags.items():
            registry.client.set_tag(run_id, key, value)
    process = getattr(submitted, "command_proc", None)
    pid = None
    if isinstance(process, subprocess.Popen):
        pid = int(process.pid)
        with _CHILDREN_LOCK:
            _CHILDREN[run_id] = process
    return LaunchedRun(run_id, experiment_id, pid, run_url(ui_url, experiment_id, run_id))


def reap_children(wait_s: float = 0.0) -> list[str]:
    """Collect the exit status of the ``mlflow run`` children of this process that have
    exited (waiting up to ``wait_s`` for each still running); returns their run ids."""
    with _CHILDREN_LOCK:
        held = list(_CHILDREN.items())
    done = []
    for run_id, process in held:
        try:
            process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue
        done.append(run_id)
    with _CHILDREN_LOCK:
        for run_id in done:
            _CHILDREN.pop(run_id, None)
    return done


def run_status(registry: dm.MlflowRegistry, run_id: str) -> str:
    """MLflow's status of run ``run_id``: RUNNING, SCHEDULED, FINISHED, FAILED or KILLED."""
    with dm.translated(registry.uri, f"reading run {run_id}"):
        return str(registry.client.get_run(run_id).info.status)


def _is_the_run(pid: int, run_id: str) -> bool:
    """Whether process ``pid`` is alive and is the ``mlflow run`` of ``run_id``."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return run_id.encode() in command


def stop_run(registry: dm.MlflowRegistry, run_id: str, pid: int | None) -> bool:
    """Stop run ``run_id`` (its process group, when ``pid`` is still that run's process)
    and mark it KILLED in MLflow; returns whether a process was stopped."""
    stopped = False
    if pid is not None and _is_the_run(pid, run_id):
        try:
            os.killpg(pid, signal.SIGTERM)
            stopped = True
        except OSError:
            stopped = False
        deadline = time.monotonic() + _STOP_WAIT_S
        while stopped and _is_the_run(pid, run_id) and time.monotonic() < deadline:
            time.sleep(0.1)
        if stopped and _is_the_run(pid, run_id):
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
    reap_children()
    with dm.translated(registry.uri, f"marking run {run_id} killed"):
        registry.client.set_terminated(run_id, "KILLED")
    return stopped
