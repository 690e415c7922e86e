"""Inline SVG bar charts, generated in Python: no JavaScript, no network, no dependency."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2")


@dataclass(frozen=True)
class Series:
    """One named series of values, one per label."""

    name: str
    values: Sequence[float]
    color: str = PALETTE[0]


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value``."""
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return float(step * exp)
    return float(10 * exp)


def _fmt(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _empty(chart_id: str, title: str, width: int, height: int) -> str:
    return (f'<svg class="chart empty" data-chart="{escape(chart_id)}" role="img" '
            f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height // 3}" '
            f'viewBox="0 0 {width} {height // 3}"><title>{escape(title)}</title>'
            f'<text x="{width // 2}" y="{height // 6}" text-anchor="middle" '
            f'class="no-data">No data yet</text></svg>')


def bar_chart(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series],
              *, width: int = 720, height: int = 280, unit: str = "") -> str:
    """Vertical bars, grouped when there are several series, with a y axis and a legend."""
    if not labels or not any(any(v for v in s.values) for s in series):
        return _empty(chart_id, title, width, height)
    left, right, top, bottom = 48, 12, 28 if len(series) > 1 else 12, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max(max(s.values, default=0) for s in series))
    slot = plot_w / len(labels)
    bar_w = max(1.0, (slot * 0.8) / len(series))
    parts = [f'<svg class="chart" data-chart="{escape(chart_id)}" role="img" '
             f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>']
    for k in range(5):  # grid lines and y labels
        value = top_value * k / 4
        y = top + plot_h - plot_h * k / 4
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" '
                     f'y2="{y:.1f}" stroke="#e5e7eb"/>'
                     f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'font-size="11">{_fmt(value)}</text>')
    every = max(1, math.ceil(len(labels) / 16))  # at most ~16 x labels
    for i, label in enumerate(labels):
        x0 = left + slot * i + slot * 0.1
        for j, s in enumerate(series):
            value = float(s.values[i] or 0)
            h = plot_h * value / top_value
            x = x0 + bar_w * j
            parts.append(f'<rect class="bar" data-series="{escape(s.name)}" '
                         f'data-label="{escape(label)}" data-value="{_fmt(value)}" '
                         f'x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                         f'height="{h:.1f}" fill="{s.color}"><title>{escape(label)} · '
                         f'{escape(s.name)}: {_fmt(value)}{escape(unit)}</title></rect>')
        if i % every == 0:
            cx = left + slot * i + slot / 2
            ly = top + plot_h + 12
            parts.append(f'<text class="xlabel" x="{cx:.1f}" y="{ly}" font-size="10" '
                         f'text-anchor="end" transform="rotate(-35 {cx:.1f} {ly})">'
                         f'{escape(label)}</text>')
    if len(series) > 1:
        for j, s in enumerate(series):
            x = left + j * 150
            parts.append(f'<rect class="legend" x="{x}" y="6" width="12" height="12" '
                         f'fill="{s.color}"/><text x="{x + 16}" y="16" font-size="12">'
                         f'{escape(s.name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def hbar_chart(chart_id: str, title: str, rows: Sequence[tuple[str, float]], *,
               width: int = 720, unit: str = "", color: str = PALETTE[2]) -> str:
    """Horizontal bars, one per row (label, value), longest first as given."""
    height = 24 * len(rows) + 16
    if not rows or not any(v for _, v in rows):
        return _empty(chart_id, title, width, 240)
    label_w, right = 160, 80
    top_value = max(v for _, v in rows) or 1.0
    parts = [f'<svg class="chart" data-chart="{escape(chart_id)}" role="img" '
             f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(rows):
        y = 8 + i * 24
        w = (width - label_w - right) * float(value) / top_value
        parts.append(f'<text x="{label_w - 8}" y="{y + 14}" text-anchor="end" font-size="12">'
                     f'{escape(label)}</text>'
                     f'<rect class="bar" data-label="{escape(label)}" '
                     f'data-value="{_fmt(value)}" x="{label_w}" y="{y}" width="{w:.1f}" '
                     f'height="18" fill="{color}"><title>{escape(label)}: {_fmt(value)}'
                     f'{escape(unit)}</title></rect>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + 14}" font-size="11">'
                     f'{_fmt(value)}{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)
