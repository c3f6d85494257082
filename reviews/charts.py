"""Charts drawn on the server as inline SVG (the statistics page): grouped bars and horizontal bars.
Plain markup with presentation attributes only — no script, no library, no request elsewhere, so the
strict CSP allows it. Every text passes through `format_html` (escaped); every bar carries a <title>
(its exact value, shown on hover and read by screen readers)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

AXIS, GRID, TEXT = "#666", "#e4e4e4", "#333"
# Distinguishable colours (Okabe–Ito), in the order the series come.
PALETTE = ("#0072b2", "#009e73", "#56b4e9", "#d55e00", "#999999", "#e69f00", "#cc79a7")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]
    color: str


def nice_ceiling(value: float, ticks: int = 5) -> tuple[float, float]:
    """(top, step) of an axis from 0 that holds `value` in about `ticks` steps of 1, 2 or 5 × 10ⁿ."""
    if value <= 0:
        return 1.0, 1.0 / ticks if ticks else 1.0
    raw = value / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if step >= 1:
        step = float(math.ceil(step))
    return step * math.ceil(value / step), step


def _c(value: float) -> str:
    """A coordinate to a tenth, as text (format_html escapes its arguments, so no format codes there)."""
    return f"{value:.1f}"


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _svg(*, width: int, height: int, title: str, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%"'
        ' role="img" aria-label="{t}" font-size="12" font-family="sans-serif"><title>{t}</title>{b}</svg>',
        w=width,
        h=height,
        t=title,
        b=body,
    )


def bar_chart(
    *, title: str, labels: Sequence[str], series: Sequence[Series], width: int = 860, height: int = 300
) -> SafeString:
    """Vertical bars, one group per label and one bar per series in it, with a y axis, its grid, the
    labels under the groups and a legend on top."""
    left, right, top, bottom = 56, 10, 34, 42
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for s in series for v in s.values), default=0)
    ymax, step = nice_ceiling(peak)
    parts: list[SafeString] = []
    ticks = round(ymax / step)
    for i in range(ticks + 1):
        value = step * i
        y = top + plot_h - plot_h * value / ymax
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="{}"/>'
                '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>',
                left,
                width - right,
                GRID,
                left - 6,
                _c(y + 4),
                TEXT,
                _number(value),
                y=_c(y),
            )
        )
    group_w = plot_w / max(len(labels), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    every = math.ceil(len(labels) / 12) or 1  # at most a dozen labels under the axis
    for g, label in enumerate(labels):
        x0 = left + group_w * g + group_w * 0.1
        for k, s in enumerate(series):
            value = s.values[g]
            h = plot_h * value / ymax
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{} {}：{}</title></rect>',
                    _c(x0 + bar_w * k),
                    _c(top + plot_h - h),
                    _c(max(bar_w - 1, 1)),
                    _c(h),
                    s.color,
                    label,
                    s.label,
                    _number(value),
                )
            )
        if g % every == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>',
                    _c(left + group_w * (g + 0.5)),
                    height - bottom + 16,
                    TEXT,
                    label,
                )
            )
    parts.append(
        format_html(
            '<line x1="{l}" x2="{l}" y1="{t}" y2="{b}" stroke="{c}"/>'
            '<line x1="{l}" x2="{r}" y1="{b}" y2="{b}" stroke="{c}"/>',
            l=left,
            r=width - right,
            t=top,
            b=top + plot_h,
            c=AXIS,
        )
    )
    parts.append(_legend(series, x=left, y=14))
    return _svg(width=width, height=height, title=title, body=mark_safe("".join(parts)))  # noqa: S308 - escaped parts


def _legend(series: Sequence[Series], *, x: int, y: int) -> SafeString:
    return format_html_join(
        "",
        '<rect x="{}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{}" fill="' + TEXT + '">{}</text>',
        ((x + 96 * k, y - 10, s.color, x + 96 * k + 16, y, s.label) for k, s in enumerate(series)),
    )


def hbar_chart(
    *,
    title: str,
    rows: Sequence[tuple[str, float | None]],
    color: str = PALETTE[0],
    maximum: float | None = None,
    value_format: Callable[[float], str] = _number,
    width: int = 860,
    label_width: int = 190,
) -> SafeString:
    """Horizontal bars, one per (label, value), the value written after its bar; `maximum` fixes the
    full length (1 for shares), otherwise the largest value, rounded up, fills it. A value of None (a
    share of nothing: no review was due) has no bar and reads "—", not 0."""
    row_h, top, right = 24, 6, 90
    height = top * 2 + row_h * max(len(rows), 1)
    full = maximum if maximum else nice_ceiling(max((v for _, v in rows if v is not None), default=0))[0]
    plot_w = width - label_width - right
    parts = []
    for i, (label, value) in enumerate(rows):
        y = top + row_h * i
        w = plot_w * min(value / full, 1) if full and value is not None else 0
        shown = "—" if value is None else value_format(value)
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}：{}</title></rect>'
                '<text x="{}" y="{}" fill="{}">{}</text>',
                label_width - 8,
                y + 16,
                TEXT,
                label,
                label_width,
                y + 4,
                _c(w),
                row_h - 8,
                color,
                label,
                shown,
                _c(label_width + w + 6),
                y + 16,
                TEXT,
                shown,
            )
        )
    parts.append(
        format_html('<line x1="{x}" x2="{x}" y1="{}" y2="{}" stroke="{}"/>', top, height - top, AXIS, x=label_width)
    )
    return _svg(width=width, height=height, title=title, body=mark_safe("".join(parts)))  # noqa: S308 - escaped parts


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"
