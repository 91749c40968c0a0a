"""Check: compare a current window with a baseline, column by column, into a DriftReport.

Values in, values out: no I/O here. The decision rule (DESIGN.md, "The drift
decision"): a column is drifted only when its p-value, adjusted across the check's
tested columns by Benjamini–Hochberg, is below ``alpha`` AND its effect size is at least
``delta``. ``alpha >= 1`` switches the significance part off, ``delta = 0`` the
effect-size part.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from monitor.engine import quality
from monitor.engine._threads import default_workers, map_columns
from monitor.engine.baseline import (
    Baseline,
    ColumnBaseline,
    build_baseline,
    label_counts,
    number_label,
)
from monitor.engine.defaults import (
    DEFAULT_ALPHA,
    DEFAULT_DELTA,
    DEFAULT_DELTA_PREDICTION,
    DEFAULT_DRIFT_SHARE,
)
from monitor.engine.histogram import category_histogram, numeric_histogram_counts
from monitor.engine.impact import rank_impact
from monitor.engine.multivariate import (
    MultivariateMethod,
    MultivariateOptions,
    multivariate_drift,
)
from monitor.engine.profile import DEFAULT_SAMPLE_ROWS, KEY, ColumnProfile, Profile, profile_of
from monitor.engine.report import ColumnResult, ColumnStatus, DriftReport, QualityFinding
from monitor.errors import ConfigError
from monitor.stats._result import MethodResult
from monitor.stats.ecdf import ecdf_pair
from monitor.stats.jensen_shannon import jensen_shannon
from monitor.stats.psi import psi
from monitor.stats.registry import CORRECTIONS, METHODS
from monitor.stats.wasserstein import wasserstein

__all__ = ["ColumnOptions", "compare"]

_NUMERIC_TESTS: Final = ("cvm", "ks", "anderson")
_COUNT_TESTS: Final = ("chi2", "ztest")


@dataclass(frozen=True, slots=True)
class ColumnOptions:
    """Per-column overrides of the check's method, ``alpha`` and ``delta``."""

    method: str | None = None
    alpha: float | None = None
    delta: float | None = None


@dataclass(frozen=True, slots=True)
class _Outcome:
    result: ColumnResult
    findings: tuple[QualityFinding, ...]


def _validate(
    alpha: float,
    delta: float,
    delta_categorical: float | None,
    drift_share: float,
    delta_prediction: float = DEFAULT_DELTA_PREDICTION,
) -> None:
    if not 0.0 < alpha <= 1.0:
        raise ConfigError(f"alpha must be in (0, 1], got {alpha}; use 1 to switch p-values off")
    for name, value in (
        ("delta", delta),
        ("delta_categorical", delta_categorical),
        ("delta_prediction", delta_prediction),
    ):
        if value is not None and not (value >= 0.0 and math.isfinite(value)):
            raise ConfigError(
                f"{name} must be finite and >= 0, got {value}; use 0 to switch it off"
            )
    if not 0.0 < drift_share <= 1.0:
        raise ConfigError(f"drift_share must be in (0, 1], got {drift_share}")


def _auto_method(column: ColumnBaseline) -> str:
    if column.kind == "boolean":
        return "ztest"
    if column.kind == "categorical" or column.is_discrete:
        return "chi2"
    return "cvm"


def _counts_on(
    categories: tuple[str, ...], counts: Mapping[str, int]
) -> tuple[NDArray[np.float64], list[str], NDArray[np.float64]]:
    """Current counts on the reference categories, plus unseen categories and counts."""
    index = dict(counts)
    aligned = np.array([index.pop(c, 0) for c in categories], dtype=np.float64)
    unseen = sorted(index)
    return aligned, unseen, np.array([index[c] for c in unseen], dtype=np.float64)


def _compare_counts(
    column: ColumnBaseline,
    counts: Mapping[str, int],
    method: str,
    tested: Mapping[str, int] | None = None,
) -> tuple[ColumnResult, list[QualityFinding]]:
    """Counts of the window against the reference's: the test on ``tested`` (the sample's
    counts; ``counts`` themselves when the sample holds every row), the effect size, PSI,
    histogram and unseen categories on the full ``counts``."""
    assert column.categories is not None and column.category_counts is not None
    findings: list[QualityFinding] = []
    aligned, unseen, unseen_counts = _counts_on(column.categories, counts)
    n_current = int(aligned.sum() + unseen_counts.sum())
    base = ColumnResult(column.name, column.kind, column.role, "no_data", n_current=n_current)
    if n_current == 0:
        return replace(base, detail="no non-missing value in the window"), findings
    if unseen:
        findings.append(quality.unseen_categories(column.name, unseen, unseen_counts, n_current))
    reference = np.append(column.category_counts.astype(np.float64), np.zeros(len(unseen)))
    current = np.append(aligned, unseen_counts)
    if method == "ztest" and len(reference) != 2:
        method = "chi2"
    test_current = current
    if tested is not None:
        test_aligned, test_unseen, test_unseen_counts = _counts_on(column.categories, tested)
        test_current = np.append(test_aligned, test_unseen_counts)
        test_reference = np.append(
            column.category_counts.astype(np.float64), np.zeros(len(test_unseen))
        )
        if method == "ztest" and len(test_reference) != 2:
            method = "chi2"
    else:
        test_reference = reference
    if test_current.sum() == 0:
        return replace(base, detail="no non-missing value in the sampled rows"), findings
    test = METHODS[method].run(test_reference, test_current)
    effect = jensen_shannon(reference, current)
    stability = psi(reference, current)
    return (
        replace(
            base,
            status="tested",
            method=method,
            statistic=test.statistic,
            p_value=test.p_value,
            effect_method="jsd",
            effect_size=effect.effect_size,
            psi=stability.effect_size,
            n_reference=int(reference.sum()),
            n_sample=int(test_current.sum()),
            histogram=category_histogram(column.categories, column.category_counts, counts),
        ),
        findings,
    )


def _edge_positions(column: ColumnBaseline, edges: NDArray[np.float64], wanted: ArrayLike) -> Any:
    points = np.asarray(wanted, dtype=np.float64)
    at = np.searchsorted(edges, points)
    if np.any(at >= edges.size) or not np.array_equal(
        edges[np.minimum(at, edges.size - 1)], points
    ):
        raise ConfigError(
            f"column {column.name!r}: the profile's histogram edges are not this baseline's; "
            "profile the data against the baseline it is checked with"
        )
    return at


def _below(counts: NDArray[np.int64], at: Any) -> Any:
    """How many values lie below fine edge number ``at`` (bins 0..at)."""
    return np.concatenate(([0], np.cumsum(counts)))[np.asarray(at) + 1]


def _out_of_range(column: ColumnBaseline, profile: ColumnProfile) -> QualityFinding | None:
    if column.minimum is None or column.maximum is None:
        return None
    assert profile.edges is not None and profile.counts is not None
    upper = np.nextafter(column.maximum, np.inf)
    at = _edge_positions(column, profile.edges, [column.minimum, upper])
    below, not_above = _below(profile.counts, at)
    outside = int(below) + profile.n_finite - int(not_above)
    return quality.out_of_range_counts(column, outside, profile.n_finite)


def binned_wasserstein(
    reference: NDArray[np.float64],
    edges: NDArray[np.float64],
    counts: NDArray[np.int64],
    minimum: float,
    maximum: float,
) -> float:
    """W₁ between a sorted reference sample and values known by their counts on ``edges``
    (bin b holds edges[b-1] <= x < edges[b]) and their range, the current CDF taken linear
    inside each bin: the effect size of a window larger than its sample, from its full
    counts. With ~1 000 reference-quantile edges it is within a few thousandths of a
    reference standard deviation of the exact distance."""
    total = float(counts.sum())
    inner_at = np.flatnonzero((edges > minimum) & (edges < maximum))
    below = np.concatenate(([0], np.cumsum(counts)))[inner_at + 1]  # values < each inner edge
    knots_x = np.concatenate(([minimum], edges[inner_at], [maximum]))
    knots_f = np.concatenate(([0.0], below / total, [1.0]))
    grid = np.unique(np.concatenate((knots_x, reference)))
    cur = np.interp(grid, knots_x, knots_f, left=0.0, right=1.0)
    ref = np.searchsorted(reference, grid, side="right") / reference.size
    # on [grid[j], grid[j+1]) the reference CDF is constant and the current one linear
    d0 = cur[:-1] - ref[:-1]
    d1 = cur[1:] - ref[:-1]
    widths = np.diff(grid)
    same = d0 * d1 >= 0
    a0, a1 = np.abs(d0), np.abs(d1)
    with np.errstate(invalid="ignore", divide="ignore"):
        crossing = np.where(a0 + a1 > 0, (d0**2 + d1**2) / (2 * (a0 + a1)), 0.0)
    area = np.where(same, (a0 + a1) / 2, crossing) * widths
    return float(area.sum())


def _compare_numeric(
    column: ColumnBaseline,
    profile: ColumnProfile,
    sampled: pd.Series | None,
    complete: bool,
    method: str,
) -> tuple[ColumnResult, list[QualityFinding]]:
    findings: list[QualityFinding] = []
    if profile.n_unreadable:
        findings.append(quality.dtype_mismatch(column, profile.n_unreadable, profile.n_rows))
    if profile.n_infinite:
        findings.append(quality.infinite_values(column.name, profile.n_infinite, profile.n_rows))
    base = ColumnResult(
        column.name, column.kind, column.role, "no_data", n_current=profile.n_finite
    )
    if profile.n_finite == 0:
        status: ColumnStatus = (
            "dtype_mismatch"
            if profile.n_unreadable and profile.n_unreadable == profile.n_rows
            else "no_data"
        )
        return replace(base, status=status, detail="no finite numeric value in the window"), (
            findings
        )
    out = _out_of_range(column, profile)
    if out is not None:
        findings.append(out)
    if column.std == 0.0 and profile.minimum == profile.maximum == column.minimum:
        findings.append(quality.constant(column.name))
    values = np.array([], dtype=np.float64)
    if complete and profile.ordered is not None:
        values = profile.ordered
    elif sampled is not None:
        raw, _ = quality.as_float(sampled)
        values = np.sort(raw[np.isfinite(raw)])
    if method in _COUNT_TESTS:
        distinct, distinct_counts = np.unique(values, return_counts=True)
        tested = {number_label(v): int(c) for v, c in zip(distinct, distinct_counts, strict=True)}
        full = (
            {number_label(v): c for v, c in sorted(profile.values.items())}
            if profile.values is not None
            else tested
        )
        result, more = _compare_counts(column, full, method, None if complete else tested)
        return result, findings + more
    reference = column.sample
    if reference is None or reference.size < 2 or values.size < 2:
        return replace(
            base,
            status="insufficient_data",
            detail=f"{values.size} current value(s); the test needs at least 2 in each sample",
        ), findings
    current = values
    pair = ecdf_pair(reference, current, validate=False)
    test: MethodResult
    if method == "anderson":
        test = METHODS[method].run(reference, current)
    else:
        test = METHODS[method].run(reference, current, pair=pair)
    if complete:
        effect = wasserstein(reference, current, scale=column.std, pair=pair).effect_size
    else:
        assert profile.edges is not None and profile.counts is not None
        assert profile.minimum is not None and profile.maximum is not None
        distance = binned_wasserstein(
            reference, profile.edges, profile.counts, profile.minimum, profile.maximum
        )
        scale = column.std if column.std is not None else float(np.std(reference))
        effect = distance / scale if scale > 0 else (0.0 if distance == 0 else math.inf)
    stability = histogram = None
    if column.bin_edges is not None and column.bin_counts is not None:
        assert profile.edges is not None and profile.counts is not None
        at = _edge_positions(column, profile.edges, column.bin_edges)
        cuts = _below(profile.counts, at)
        coarse = np.diff(np.concatenate(([0], cuts, [profile.n_finite]))).astype(np.int64)
        histogram = numeric_histogram_counts(column.bin_edges, column.bin_counts, coarse)
        stability = psi(column.bin_counts, coarse).effect_size
    return replace(
        base,
        status="tested",
        method=method,
        statistic=test.statistic,
        p_value=test.p_value,
        effect_method="wasserstein",
        effect_size=effect,
        psi=stability,
        n_reference=int(reference.size),
        n_sample=int(values.size),
        histogram=histogram,
    ), findings


def _check_column(column: ColumnBaseline, current: Profile, method: str | None) -> _Outcome:
    profiled = current.columns.get(column.name)
    if column.role == "target" and (profiled is None or profiled.n_missing >= profiled.n_rows):
        # Labels arrive later (POST /labels): no label in the window yet is no error.
        result = ColumnResult(
            column.name,
            column.kind,
            column.role,
            "no_data",
            detail="no label in the window yet; labels sent later are compared when present",
        )
        return _Outcome(result, ())
    if profiled is None:
        result = ColumnResult(
            column.name,
            column.kind,
            column.role,
            "missing_column",
            detail="column absent from the current data",
        )
        return _Outcome(result, (quality.missing_column(column.name),))
    findings: list[QualityFinding] = []
    jump = quality.missing_rate_change(column, profiled.n_missing, profiled.n_rows)
    if jump is not None:
        findings.append(jump)
    if column.kind in ("datetime", "identifier"):
        result = ColumnResult(
            column.name,
            column.kind,
            column.role,
            "not_compared",
            detail=f"{column.kind} column: kept in the schema, not compared for drift",
        )
        return _Outcome(result, tuple(findings))
    chosen = method or _auto_method(column)
    sampled = current.sample[column.name] if column.name in current.sample.columns else None
    if column.kind == "numeric":
        result, more = _compare_numeric(column, profiled, sampled, current.complete, chosen)
    else:
        counts = dict(profiled.categories or {})
        tested = None
        if not current.complete:
            tested = label_counts(sampled) if sampled is not None else {}
        result, more = _compare_counts(column, counts, chosen, tested)
    return _Outcome(result, tuple(findings + more))


def _decide(result: ColumnResult, alpha: float, delta: float) -> ColumnResult:
    significant = alpha >= 1.0 or (
        result.p_value_adjusted is not None and result.p_value_adjusted < alpha
    )
    large = delta == 0.0 or (result.effect_size is not None and result.effect_size >= delta)
    return replace(result, alpha=alpha, delta=delta, drifted=bool(significant and large))


def compare(
    reference: Baseline | pd.DataFrame,
    current: pd.DataFrame | Profile,
    *,
    alpha: float = DEFAULT_ALPHA,
    delta: float = DEFAULT_DELTA,
    delta_categorical: float | None = None,
    delta_prediction: float = DEFAULT_DELTA_PREDICTION,
    drift_share: float = DEFAULT_DRIFT_SHARE,
    correction: str = "bh",
    methods: Mapping[str, str] | None = None,
    columns: Mapping[str, ColumnOptions] | None = None,
    target: str | None = None,
    prediction: str | None = None,
    categorical: Iterable[str] = (),
    ignore: Iterable[str] = (),
    workers: int | None = None,
    unexpected: Iterable[str] = (),
    multivariate: MultivariateOptions | MultivariateMethod | None = None,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
) -> DriftReport:
    """Check ``current`` against a baseline (or a reference DataFrame) for drift.

    Parameters
    ----------
    reference : Baseline or DataFrame
        The baseline; a DataFrame is first turned into one with ``build_baseline``
        (using ``target``, ``prediction``, ``categorical`` and ``ignore``).
    current : DataFrame or Profile
        The window to check, or its profile (:func:`monitor.engine.profile.profile_of`,
        merged from batches, files or partitions); a DataFrame is profiled first, so
        ``compare(baseline, frame)`` is ``compare(baseline, profile_of(frame, baseline))``.
        Tests and p-values come from the profile's joint row sample (every row up to
        ``sample_rows``, a uniform sample of that many above: ``n_sample`` per column),
        effect sizes, PSI and histograms from the full counts.
    alpha : float
        Significance level for BH-adjusted p-values (default 0.05; 1 switches it off).
    delta : float
        Effect-size tolerance: normalised Wasserstein for numeric columns (default
        0.1); also Jensen–Shannon distance for categorical ones unless
        ``delta_categorical`` is given. 0 switches it off. A column significant but below
        its tolerance gets the verdict ``watch``: reported, never counted as drift.
    delta_prediction : float
        Effect-size tolerance of the prediction column (default 0.1, same measures).
    drift_share : float
        Share of drifted feature columns at which ``dataset_drift`` is true (0.5).
    correction : {"bh", "bonferroni"}
        Multiple-testing correction across the tested columns.
    methods : mapping of column to method key, optional
        Test per column: numeric ``"cvm"`` (default), ``"ks"``, ``"anderson"`` or
        ``"chi2"`` (discrete); categorical ``"chi2"``; boolean ``"ztest"``.
    columns : mapping of column to ColumnOptions, optional
        Per-column method, alpha and delta overrides.
    workers : int, optional
        Threads used for the columns (default: the number of CPUs).
    unexpected : iterable of str, optional
        Names of fields the window had but that were not read into ``current``; reported
        as unexpected columns like those of ``current`` the baseline does not know.
    multivariate : MultivariateOptions or {"classifier", "pca", "off"}, optional
        Multivariate drift of the features' joint distribution on the joint row samples
        (:mod:`monitor.engine.multivariate`): a domain classifier by default, ``"pca"``
        for PCA reconstruction error, ``"off"`` skips it; a method key stands for
        ``MultivariateOptions(method=key)``.
    sample_rows : int
        The k of the joint row sample when ``current`` is a DataFrame (default 100 000).
    """
    _validate(alpha, delta, delta_categorical, drift_share, delta_prediction)
    if correction not in CORRECTIONS:
        raise ConfigError(f"correction must be one of {sorted(CORRECTIONS)}, got {correction!r}")
    baseline = (
        reference
        if isinstance(reference, Baseline)
        else build_baseline(
            reference,
            target=target,
            prediction=prediction,
            categorical=categorical,
            ignore=ignore,
        )
    )
    delta_cat = delta if delta_categorical is None else delta_categorical
    options = dict(columns or {})
    for name, key in (methods or {}).items():
        options[name] = replace(options.get(name, ColumnOptions()), method=key)
    unknown = sorted(set(options) - set(baseline.columns))
    if unknown:
        raise ConfigError(
            f"overrides name column(s) {unknown} that are not in the baseline; "
            f"baseline columns: {sorted(baseline.columns)}"
        )
    for name, option in options.items():
        _validate_method(baseline.columns[name], option.method)
    pool_size = workers or default_workers()
    plan = list(baseline.columns.values())
    profile = (
        current
        if isinstance(current, Profile)
        else profile_of(current, baseline, k=sample_rows, workers=pool_size)
    )

    def run(column: ColumnBaseline) -> _Outcome:
        return _check_column(column, profile, options.get(column.name, ColumnOptions()).method)

    outcomes = map_columns(run, plan, pool_size)
    results = [o.result for o in outcomes]
    findings = [f for o in outcomes for f in o.findings]
    findings.extend(quality.unexpected_columns(baseline, sorted(profile.names), unexpected))
    tested = [i for i, r in enumerate(results) if r.status == "tested" and r.p_value is not None]
    p_values = np.array([results[i].p_value for i in tested], dtype=np.float64)
    adjusted = CORRECTIONS[correction].run(p_values) if tested else np.array([])
    for i, p_adj in zip(tested, adjusted, strict=True):
        results[i] = replace(results[i], p_value_adjusted=float(p_adj))
    decided: list[ColumnResult] = []
    for result in results:
        option = options.get(result.name, ColumnOptions())
        col_alpha = option.alpha if option.alpha is not None else alpha
        default_delta = delta if result.effect_method == "wasserstein" else delta_cat
        if result.role == "prediction":
            default_delta = delta_prediction
        col_delta = option.delta if option.delta is not None else default_delta
        if result.status == "tested":
            decided.append(_decide(result, col_alpha, col_delta))
        else:
            decided.append(replace(result, alpha=col_alpha, delta=col_delta))
    decided.sort(key=_rank)
    n_current = profile.n_rows
    if n_current == 0:
        findings.append(quality.empty_window())
    # on the window's joint row sample (whole rows, uniform), never on a column's own values
    joint = multivariate_drift(
        baseline,
        profile.sample.drop(columns=[KEY], errors="ignore"),
        alpha=alpha,
        options=(
            MultivariateOptions(method=multivariate)
            if isinstance(multivariate, str)
            else multivariate
        ),
    )
    return DriftReport(
        n_reference=baseline.n_rows,
        n_current=n_current,
        columns=tuple(decided),
        quality=tuple(findings),
        alpha=alpha,
        delta_numeric=delta,
        delta_categorical=delta_cat,
        drift_share=drift_share,
        correction=correction,
        impact=rank_impact(baseline, decided),
        delta_prediction=delta_prediction,
        multivariate=joint,
    )


def _rank(result: ColumnResult) -> tuple[int, float, str]:
    """Most drifted first: drifted, then by effect size, then by name."""
    effect = result.effect_size if result.effect_size is not None else -1.0
    return (0 if result.drifted else 1, -effect, result.name)


def _validate_method(column: ColumnBaseline, method: str | None) -> None:
    if method is None:
        return
    if method not in METHODS or METHODS[method].role != "test":
        tests = sorted(k for k, m in METHODS.items() if m.role == "test")
        raise ConfigError(f"column {column.name!r}: unknown test {method!r}; choose one of {tests}")
    allowed: tuple[str, ...]
    if column.kind == "numeric":
        allowed = _NUMERIC_TESTS + (("chi2",) if column.is_discrete else ())
    elif column.kind == "boolean":
        allowed = _COUNT_TESTS
    else:
        allowed = ("chi2",)
    if method not in allowed:
        raise ConfigError(
            f"column {column.name!r} is {column.kind}: test {method!r} does not apply; "
            f"choose one of {list(allowed)}"
        )
