"""Plain-text rendering of a DriftReport: a table, most drifted first."""

from __future__ import annotations

from monitor.engine.report import ColumnResult, DriftReport

__all__ = ["render_text"]


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


_LABELS = {"drift": "DRIFT", "watch": "watch (small)", "ok": "ok"}


def _row(result: ColumnResult) -> list[str]:
    if result.verdict is not None:
        verdict = _LABELS[result.verdict]
    elif result.not_compared is not None:
        verdict = f"not compared ({result.not_compared})"
    else:
        verdict = result.status
    return [
        result.name + ("" if result.role == "feature" else f" ({result.role})"),
        result.kind,
        result.method or "-",
        _fmt(result.p_value_adjusted, ".2e"),
        f"{result.effect_method or '-'} {_fmt(result.effect_size, '.3f')}",
        _fmt(result.psi, ".3f"),
        verdict,
    ]


def _multivariate(report: DriftReport) -> list[str]:
    joint = report.multivariate
    if joint is None or joint.status == "off":
        return []
    if joint.verdict is None:
        return [f"multivariate ({joint.method}): {joint.status}: {joint.reason}"]
    label = _LABELS[joint.verdict]
    top = f"; top columns: {', '.join(joint.top_columns)}" if joint.top_columns else ""
    return [
        f"multivariate ({joint.method}): {label}: AUC {_fmt(joint.statistic, '.3f')}, "
        f"p {_fmt(joint.p_value, '.2e')}, effect {_fmt(joint.effect_size, '.3f')} "
        f"(threshold {joint.threshold}){top}"
    ]


def render_text(report: DriftReport) -> str:
    header = ["column", "kind", "test", "p (adj.)", "effect size", "psi", "verdict"]
    rows = [header] + [_row(r) for r in report.columns]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    drifted = report.drifted_columns
    watch = f", {len(report.watch_columns)} on watch" if report.watch_columns else ""
    summary = (
        f"{len(drifted)} of {report.n_tested_features} feature columns drifted "
        f"({report.share_drifted:.0%}{watch}); "
        f"dataset drift: {'YES' if report.dataset_drift else 'no'}"
        f" (threshold {report.drift_share:.0%}); rows: reference {report.n_reference}, "
        f"current {report.n_current}; alpha {report.alpha} ({report.correction}), "
        f"delta {report.delta_numeric}/{report.delta_categorical}"
        f" (prediction {report.delta_prediction})"
    )
    out = [summary] + _multivariate(report) + [""] + lines
    if report.quality:
        out += ["", "data quality:"] + [f"  [{q.severity}] {q.message}" for q in report.quality]
    return "\n".join(out)
