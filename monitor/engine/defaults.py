"""The drift decision's defaults (DESIGN.md): a module of constants, cheap to import, so
the command line can show them without loading numpy or pandas."""

from __future__ import annotations

from typing import Final

__all__ = ["DEFAULT_ALPHA", "DEFAULT_DELTA", "DEFAULT_DELTA_PREDICTION", "DEFAULT_DRIFT_SHARE"]

DEFAULT_ALPHA: Final = 0.05
"""Significance: a column's Benjamini–Hochberg adjusted p-value must be below it."""
DEFAULT_DELTA: Final = 0.1
"""Effect-size tolerance: the normalised effect must be at least this large."""
DEFAULT_DELTA_PREDICTION: Final = 0.1
"""Effect-size tolerance of the prediction column, set apart from the features' (the same
scale: Wasserstein / reference sd for a score, Jensen–Shannon distance for a class)."""
DEFAULT_DRIFT_SHARE: Final = 0.5
"""The dataset drifts when at least this share of its feature columns drift."""
