"""The one place a multivariate method is chosen: by ``MultivariateOptions.method``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final

import pandas as pd

from monitor.engine.baseline import Baseline
from monitor.engine.multivariate.classifier import domain_classifier
from monitor.engine.multivariate.common import MultivariateOptions
from monitor.engine.multivariate.pca import pca_reconstruction
from monitor.engine.report import MultivariateResult

__all__ = ["METHODS", "multivariate_drift"]

_Method = Callable[..., MultivariateResult]
METHODS: Final[Mapping[str, _Method]] = MappingProxyType(
    {"classifier": domain_classifier, "pca": pca_reconstruction}
)
"""Each tested method's function, by its key (every key of ``METHOD_KEYS`` but "off")."""


def multivariate_drift(
    baseline: Baseline,
    current: pd.DataFrame,
    *,
    alpha: float = 0.05,
    options: MultivariateOptions | None = None,
) -> MultivariateResult:
    """Multivariate drift of the window's joint row sample ``current`` against
    ``baseline``'s by ``options.method`` (default the domain classifier); ``"off"`` gives
    a result with status ``off``."""
    options = options or MultivariateOptions()
    if options.method == "off":
        return MultivariateResult("off", method="off", alpha=alpha, threshold=options.tolerance)
    return METHODS[options.method](baseline, current, alpha=alpha, options=options)
