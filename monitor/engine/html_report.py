"""One self-contained HTML page for a DriftReport: verdict, ranked columns, distributions.

:func:`render_html` returns the page: the verdict and its reason, the headline (drifted
features over tested features, the prediction and target apart), the columns table in the
report's order (most drifted first), the data-quality findings, the impact ranking when
the report has one, and one chart per compared column: the reference and current shares
of values per baseline bin (numeric) or category, as bars side by side, each outlined, so
the reference is never hidden behind the current window. Plotly's JavaScript is inlined
once (``include_plotlyjs=True``): the file opens offline and fetches nothing.

``standalone=False`` gives the compact fragment Jupyter shows for
``DriftReport._repr_html_``: the same text and tables, without the charts and their
4.8 MB of JavaScript. Its style rules apply only inside the report's ``div``, never to the
notebook around it.

Every name from the data (columns, categories, messages) is HTML-escaped; Plotly escapes
what it embeds in its JSON.

>>> from monitor.engine.report import ColumnResult, DriftReport
>>> column = ColumnResult("income", "numeric", "feature", "tested", drifted=True)
>>> page = render_html(DriftReport(9, 9, (column,), (), 0.05, 0.1, 0.1, 0.5, "bh"))
>>> page.startswith("<!DOCTYPE html>") and "income" in page
True
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Final

from monitor.engine.render import headline, multivariate_line, settings_line
from monitor.errors import DriftlineError

if TYPE_CHECKING:  # DriftReport._repr_html_ imports this module: no import back at run time
    import plotly.graph_objects as go

    from monitor.engine.report import ColumnResult, DriftReport, Histogram

__all__ = ["MAX_CHARTS", "render_html", "write_html"]

MAX_CHARTS: Final = 60
"""Distribution charts drawn, most drifted columns first; the table lists every column."""

_REFERENCE: Final = "#8c8c8c"
_CURRENT: Final = "#d62728"
_STYLE: Final = """
.driftline-report { font-family: system-ui, sans-serif; margin: 2rem; color: #222;
  max-width: 1100px; }
.driftline-report h1 { font-size: 1.5rem; }
.driftline-report h2 { font-size: 1.2rem; margin-top: 2rem; }
.driftline-report .verdict { display: inline-block; padding: .2rem .6rem;
  border-radius: .3rem; color: #fff; font-weight: bold; }
.driftline-report .verdict-drifting { background: #c62828; }
.driftline-report .verdict-ok { background: #2e7d32; }
.driftline-report .verdict-other { background: #757575; }
.driftline-report table { border-collapse: collapse; font-size: .9rem; }
.driftline-report th, .driftline-report td { border-bottom: 1px solid #ddd;
  padding: .3rem .6rem; text-align: left; }
.driftline-report td.num { text-align: right; font-variant-numeric: tabular-nums; }
.driftline-report tr.drift td { background: #fdecea; }
.driftline-report .chart { margin-bottom: 1.5rem; }
.driftline-report .muted { color: #666; }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _verdict_cell(column: ColumnResult) -> str:
    if column.verdict is not None:
        return {"drift": "DRIFT", "watch": "watch (small)", "ok": "ok"}[column.verdict]
    if column.not_compared is not None:
        return f"not compared ({column.not_compared})"
    return column.status


def _columns_table(report: DriftReport, anchors: dict[str, str]) -> str:
    header = (
        "<tr><th>column</th><th>role</th><th>kind</th><th>test</th><th>p (adj.)</th>"
        "<th>effect size</th><th>delta</th><th>psi</th><th>verdict</th><th>why</th></tr>"
    )
    rows = []
    for column in report.columns:
        name = _e(column.name)
        if column.name in anchors:
            name = f'<a href="#{anchors[column.name]}">{name}</a>'
        effect = f"{_e(column.effect_method or '-')} {_fmt(column.effect_size, '.3f')}"
        rows.append(
            f'<tr class="{"drift" if column.drifted else ""}">'
            f"<td>{name}</td><td>{_e(column.role)}</td><td>{_e(column.kind)}</td>"
            f"<td>{_e(column.method or '-')}</td>"
            f'<td class="num">{_fmt(column.p_value_adjusted, ".2e")}</td>'
            f'<td class="num">{effect}</td><td class="num">{column.delta:g}</td>'
            f'<td class="num">{_fmt(column.psi, ".3f")}</td>'
            f"<td>{_e(_verdict_cell(column))}</td><td>{_e(column.evidence())}</td></tr>"
        )
    return f'<table id="columns">{header}{"".join(rows)}</table>'


def _quality_section(report: DriftReport) -> str:
    if not report.quality:
        return '<p class="muted" id="quality">No data-quality findings.</p>'
    rows = "".join(
        f"<tr><td>{_e(q.severity)}</td><td>{_e(q.kind)}</td><td>{_e(q.column or '-')}</td>"
        f"<td>{_e(q.message)}</td></tr>"
        for q in report.quality
    )
    return (
        '<table id="quality"><tr><th>severity</th><th>finding</th><th>column</th>'
        f"<th>message</th></tr>{rows}</table>"
    )


def _impact_section(report: DriftReport) -> str:
    if not report.impact:
        return ""
    rows = "".join(
        f"<tr><td>{c.importance_rank}</td><td>{_e(c.name)}</td>"
        f'<td class="num">{c.importance:.3f}</td><td class="num">{c.effect_size:.3f}</td>'
        f'<td class="num">{c.impact:.4f}</td><td>{"DRIFT" if c.drifted else "ok"}</td></tr>'
        for c in report.impact
    )
    return (
        "<h2>Impact (importance &times; effect size)</h2><table><tr><th>rank</th>"
        "<th>feature</th><th>importance</th><th>effect size</th><th>impact</th>"
        f"<th>verdict</th></tr>{rows}</table>"
    )


def _figure(column: ColumnResult, histogram: Histogram) -> go.Figure:
    import plotly.graph_objects as go

    figure = go.Figure()
    for name, counts, colour, opacity in (
        ("reference", histogram.reference, _REFERENCE, 0.55),
        ("current", histogram.current, _CURRENT, 0.75),
    ):
        total = sum(counts) or 1
        figure.add_trace(
            go.Bar(
                x=[_e(label) for label in histogram.labels],  # Plotly reads tags in text
                y=[count / total for count in counts],
                customdata=list(counts),
                name=f"{name} (n={sum(counts)})",
                marker={
                    "color": colour,
                    "opacity": opacity,
                    "line": {"color": colour, "width": 1.5},
                },
                hovertemplate="%{x}<br>%{y:.1%} (%{customdata} values)<extra></extra>",
            )
        )
    verdict = _verdict_cell(column)
    figure.update_layout(
        template="none",
        barmode="group",
        bargap=0.15,
        height=320,
        margin={"l": 60, "r": 20, "t": 50, "b": 60},
        title={"text": _e(f"{column.name} ({column.kind}, {column.role}): {verdict}")},
        legend={"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
    )
    axis = "baseline bin" if histogram.edges is not None else "category"
    figure.update_xaxes(title=axis, type="category")
    figure.update_yaxes(title="share of values", tickformat=".0%", gridcolor="#eee")
    return figure


def _charts(report: DriftReport) -> tuple[str, dict[str, str]]:
    """The chart sections (Plotly's JavaScript inlined in the first) and each charted
    column's anchor."""
    import plotly.io as pio

    drawn = [c for c in report.columns if c.histogram is not None][:MAX_CHARTS]
    anchors = {column.name: f"column-{index}" for index, column in enumerate(drawn)}
    sections = []
    for index, column in enumerate(drawn):
        assert column.histogram is not None
        chart = pio.to_html(
            _figure(column, column.histogram),
            full_html=False,
            include_plotlyjs=index == 0,
            config={"displaylogo": False, "responsive": True},
        )
        sections.append(
            f'<section class="chart" id="{anchors[column.name]}">'
            f"<p>{_e(column.evidence())}</p>{chart}</section>"
        )
    with_data = sum(1 for c in report.columns if c.histogram is not None)
    if not drawn:
        sections.append('<p class="muted">No column has a distribution to draw.</p>')
    elif with_data > len(drawn):
        sections.append(
            f'<p class="muted">The {with_data - len(drawn)} least drifted columns are listed '
            f"in the table above without a chart (at most {MAX_CHARTS} charts).</p>"
        )
    return "".join(sections), anchors


def render_html(
    report: DriftReport, *, title: str = "Driftline drift report", standalone: bool = True
) -> str:
    """The report as HTML: a whole page with charts, or (``standalone=False``) the compact
    fragment without charts that Jupyter displays."""
    status, reason = report.verdict()
    kind = status if status in ("drifting", "ok") else "other"
    summary = (
        f'<p><span class="verdict verdict-{kind}" id="verdict">{_e(status)}</span> '
        f"{_e(reason)}</p><p><strong>{_e(headline(report))}</strong></p>"
        f'<p class="muted">{_e(settings_line(report))}</p>'
        + "".join(f'<p id="multivariate">{_e(line)}</p>' for line in multivariate_line(report))
    )
    charts, anchors = _charts(report) if standalone else ("", {})
    body = (
        f"<h1>{_e(title)}</h1>{summary}<h2>Columns, most drifted first</h2>"
        f"{_columns_table(report, anchors)}<h2>Data quality</h2>{_quality_section(report)}"
        f"{_impact_section(report)}"
    )
    if not standalone:
        return f'<div class="driftline-report"><style>{_STYLE}</style>{body}</div>'
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head>"
        '<body><div class="driftline-report">'
        f"{body}<h2>Distributions: reference vs current</h2>{charts}</div></body></html>\n"
    )


def write_html(report: DriftReport, path: str | Path) -> Path:
    """Write :func:`render_html` to ``path``; DriftlineError names the path when it cannot
    be written (no such folder, no permission, a folder of that name)."""
    target = Path(path)
    page = render_html(report)
    try:
        target.write_text(page, encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DriftlineError(
            f"--out {str(target)!r}: cannot write the report ({reason}); "
            "give a file in an existing, writable folder"
        ) from None
    return target
