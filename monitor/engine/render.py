"""Plain-text rendering of a DriftReport: a headline, then a table, most drifted first."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # DriftReport._repr_html_ imports the renderers: no import back at run time
    from monitor.engine.report import ColumnResult, DriftReport

__all__ = ["headline", "multivariate_line", "render_text", "settings_line"]


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


def multivariate_line(report: DriftReport) -> list[str]:
    """The multivariate result in one line (no line when it was off or not computed)."""
    joint = report.multivariate
    if joint is None or joint.status == "off":
        return []
    if joint.verdict is None:
        return [f"multivariate ({joint.method}): {joint.status}: {joint.reason}"]
    label = _LABELS[joint.verdict]
    top = f"; top columns: {', '.join(joint.top_columns)}" if joint.top_columns else ""
    return [
        f"multivariate ({joint.method}): {label}: {joint.statistic_name} "
        f"{_fmt(joint.statistic, '.3f')}, "
        f"p {_fmt(joint.p_value, '.2e')}, effect {_fmt(joint.effect_size, '.3f')} "
        f"(threshold {joint.threshold}){top}"
    ]


def _role_line(report: DriftReport, role: str) -> str | None:
    found = [c for c in report.columns if c.role == role]
    if not found:
        return None
    column = found[0]
    if column.status != "tested":
        return f"{role} {column.name!r}: not tested ({column.status})"
    shown = {"drift": "DRIFT", "watch": "watch (small)"}.get(column.verdict or "", "no drift")
    return f"{role} {column.name!r}: {shown}"


def headline(report: DriftReport) -> str:
    """One line: drifted features over tested features (the share the dataset verdict
    uses), the prediction and target columns reported on their own, and multivariate
    drift when it was found (it makes ``driftline check`` exit 1 by itself).

    >>> from monitor.engine.report import ColumnResult, DriftReport
    >>> feature = ColumnResult("income", "numeric", "feature", "tested", drifted=True)
    >>> other = ColumnResult("age", "numeric", "feature", "tested")
    >>> prediction = ColumnResult("proba", "numeric", "prediction", "tested", drifted=True)
    >>> report = DriftReport(9, 9, (feature, other, prediction), (), 0.05, 0.1, 0.1, 0.5, "bh")
    >>> headline(report)
    "1 of 2 feature columns drifted (50%); prediction 'proba': DRIFT; dataset drift: YES"
    """
    parts = [
        f"{len(report.drifted_features)} of {report.n_tested_features} feature columns drifted "
        f"({report.share_drifted:.0%})"
        + (f", {len(report.watch_columns)} on watch" if report.watch_columns else "")
    ]
    parts += [line for role in ("prediction", "target") if (line := _role_line(report, role))]
    joint = report.multivariate
    if joint is not None and joint.drifted:
        # named here too: with no column drifted, it alone makes `driftline check` exit 1
        parts.append(f"multivariate ({joint.method}): DRIFT")
    parts.append(f"dataset drift: {'YES' if report.dataset_drift else 'no'}")
    return "; ".join(parts)


def settings_line(report: DriftReport) -> str:
    """The check's thresholds and sample sizes, in one line."""
    return (
        f"drift share threshold {report.drift_share:.0%}; rows: reference {report.n_reference}, "
        f"current {report.n_current}; alpha {report.alpha} ({report.correction}), "
        f"delta {report.delta_numeric}/{report.delta_categorical}"
        f" (prediction {report.delta_prediction})"
    )


def render_text(report: DriftReport) -> str:
    header = ["column", "kind", "test", "p (adj.)", "effect size", "psi", "verdict"]
    rows = [header] + [_row(r) for r in report.columns]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    out = [headline(report), settings_line(report)] + multivariate_line(report) + [""] + lines
    if report.quality:
        out += ["", "data quality:"] + [f"  [{q.severity}] {q.message}" for q in report.quality]
    return "\n".join(out)
