"""Inline SVG charts: a 12-month sparkline for the status page and a month chart for the
report. Plain SVG (no script, no external file), with a `<title>` that says every value, so the
chart has a text alternative; WeasyPrint draws the same SVG in the PDF."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from kpimon.i18n import Formatter
from kpimon.kpi.trend import TrendPoint


def _scale(values: list[float], extra: float | None) -> tuple[float, float]:
    pool = values + ([extra] if extra is not None else [])
    lo, hi = min(pool), max(pool)
    if hi - lo < 1e-12:
        lo, hi = lo - 1, hi + 1
    pad = (hi - lo) * 0.1
    return lo - pad, hi + pad


def chart(points: Sequence[TrendPoint], unit: str, fmt: Formatter, title: str,
          bound: float | None = None, width: int = 132, height: int = 30,
          labels: bool = False, ident: str = "") -> Markup:
    """A line over the points' values (gaps where a month has none), a dashed line at the
    target `bound`, and a dot on the last value. `labels` adds month initials below (the
    report's larger chart)."""
    values = [p.value for p in points if p.value is not None]
    described = ", ".join(f"{fmt.month_short(p.first)} {fmt.value(p.value, unit)}"
                          for p in points)
    alt = escape(f"{title}: {described}")
    if not values:
        return Markup(f'<span class="nochart">{escape(fmt.t("page.no_trend"))}</span>')
    bottom_pad = 12 if labels else 2
    lo, hi = _scale(values, bound)
    n = max(len(points) - 1, 1)

    def x(i: int) -> float:
        return 3 + i * (width - 6) / n

    def y(v: float) -> float:
        return 2 + (hi - v) * (height - 2 - bottom_pad) / (hi - lo)

    segments: list[list[str]] = [[]]
    for i, p in enumerate(points):
        if p.value is None:
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append(f"{x(i):.1f},{y(p.value):.1f}")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="t-{escape(ident)}"><title id="t-{escape(ident)}">{alt}</title>']
    if bound is not None:
        parts.append(f'<line x1="0" x2="{width}" y1="{y(bound):.1f}" y2="{y(bound):.1f}" '
                     'stroke="#6e7781" stroke-width="1" stroke-dasharray="3,2"/>')
    for seg in segments:
        if len(seg) > 1:
            parts.append(f'<polyline fill="none" stroke="#0b5cad" stroke-width="1.6" '
                         f'points="{" ".join(seg)}"/>')
    for i, p in enumerate(points):
        if p.value is not None and (i == len(points) - 1 or labels or all(
                q.value is None for q in points[max(0, i - 1):i + 2] if q is not p)):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="2" '
                         'fill="#0b5cad"/>')
    if labels:
        for i, p in enumerate(points):
            parts.append(f'<text x="{x(i):.1f}" y="{height - 2}" font-size="8" '
                         f'text-anchor="middle" fill="#333">'
                         f'{escape(fmt.month_short(p.first)[:3])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
