"""The ``driftline`` command: argument parsing, then one call into the packages below.

Commands import what they need when they run, so ``driftline --help`` loads no numpy,
pandas, SQLAlchemy or MLflow.
"""

from __future__ import annotations

from monitor.cli.main import main

__all__ = ["main"]
