"""Pure statistical methods on numpy arrays: tests, distances and corrections.

Every method returns a frozen :class:`MethodResult` and is registered under a short,
stable key in :data:`METHODS` (see :mod:`monitor.stats.registry`).
"""

from __future__ import annotations

from monitor.stats._result import MethodResult
from monitor.stats.anderson import anderson_darling
from monitor.stats.chi2 import chi_square
from monitor.stats.correction import benjamini_hochberg, bonferroni
from monitor.stats.cvm import cramer_von_mises
from monitor.stats.ecdf import EcdfPair, ecdf_pair
from monitor.stats.hellinger import hellinger
from monitor.stats.jensen_shannon import jensen_shannon
from monitor.stats.ks import ks_two_sample
from monitor.stats.psi import psi
from monitor.stats.registry import CORRECTIONS, METHODS, Correction, Method, get_method
from monitor.stats.wasserstein import wasserstein
from monitor.stats.ztest import two_proportion_z

__all__ = [
    "CORRECTIONS",
    "METHODS",
    "Correction",
    "EcdfPair",
    "Method",
    "MethodResult",
    "anderson_darling",
    "benjamini_hochberg",
    "bonferroni",
    "chi_square",
    "cramer_von_mises",
    "ecdf_pair",
    "get_method",
    "hellinger",
    "jensen_shannon",
    "ks_two_sample",
    "psi",
    "two_proportion_z",
    "wasserstein",
]
