"""Alembic scripts of Driftline's schema; run them with ``driftline db upgrade``."""

from __future__ import annotations

__all__: list[str] = []
