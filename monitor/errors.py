"""Driftline's exceptions: one tree, every message says what to do next.

::

    DriftlineError
    ├── ConfigError          bad option, file or parameter value
    ├── InputError           a data file cannot be read or lacks a needed column
    ├── SchemaMismatch       current data does not fit the baseline's schema
    ├── BaselineError        a baseline file is missing, corrupt or of another format version
    │   └── BaselineNotFound
    ├── StoreUnavailable     the database cannot be reached
    ├── RegistryUnavailable  the MLflow tracking server or registry cannot be reached
    └── ModelLoadFailed      a registered model version cannot be loaded for serving
"""

from __future__ import annotations

__all__ = [
    "BaselineError",
    "BaselineNotFound",
    "ConfigError",
    "DriftlineError",
    "InputError",
    "ModelLoadFailed",
    "RegistryUnavailable",
    "SchemaMismatch",
    "StoreUnavailable",
]


class DriftlineError(Exception):
    """Base of every error Driftline raises on purpose."""


class ConfigError(DriftlineError):
    """An option, parameter or configuration value is invalid."""


class InputError(DriftlineError):
    """A data file cannot be read, or lacks a column the command needs."""


class SchemaMismatch(DriftlineError):
    """Current data does not fit the baseline's schema."""


class BaselineError(DriftlineError):
    """A baseline file is corrupt or of an unsupported format version."""


class BaselineNotFound(BaselineError):
    """No baseline where one was expected."""


class StoreUnavailable(DriftlineError):
    """The database cannot be reached."""


class RegistryUnavailable(DriftlineError):
    """The MLflow tracking server or model registry cannot be reached."""


class ModelLoadFailed(DriftlineError):
    """A registered model version cannot be loaded for serving."""
