"""Data for the multivariate tests: correlated pairs whose margins stay standard normal."""

from __future__ import annotations

import numpy as np
import pandas as pd


def pairs(
    rng: np.random.Generator, n: int, rho: float, rho_cd: float | None = None
) -> pd.DataFrame:
    """Pairs (a, b) and (c, d) correlated at ``rho`` (``rho_cd`` for the second), an
    independent ``noise`` and a categorical ``region``; every margin standard normal."""
    rho_cd = rho if rho_cd is None else rho_cd
    a, c = rng.normal(size=n), rng.normal(size=n)
    return pd.DataFrame(
        {
            "a": a,
            "b": rho * a + np.sqrt(1 - rho**2) * rng.normal(size=n),
            "c": c,
            "d": rho_cd * c + np.sqrt(1 - rho_cd**2) * rng.normal(size=n),
            "noise": rng.normal(size=n),
            "region": rng.choice(["north", "south", "east"], n),
        }
    )
