"""Server-side SVG charts (DESIGN §8): drawn on the server, readable without colour, always beside a table.

``bar_chart`` draws grouped vertical bars: one group per category (a month, say), one bar per
series. Series are told apart by their fill *pattern* (solid or hatched), not by colour, and the
legend says which is which. Every bar carries its value as text above it; a value that is a
word (a suppressed count such as "fewer than 5") is drawn as a short mark with no bar. The SVG has
``role="img"`` with a ``<title>`` and a ``<desc>`` referenced by ``aria-labelledby``; pages put
the same figures in a data table next to it (the table is what a screen reader reads).

Presentation attributes only (no ``style``), so the strict content security policy allows it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

INK = "#0b0c0c"
BLUE = "#1d70b8"
GRID = "#b1b4b6"
PATTERNS = ("solid", "hatched")
SHORT_WORDS = {"fewer than 5": "<5", "not shown": "–"}

_LEFT, _RIGHT, _TOP, _PLOT_HEIGHT, _BOTTOM = 48, 12, 54, 200, 44
_BAR, _BAR_GAP, _GROUP_GAP = 16, 2, 14
_FONT = 13


@dataclass(frozen=True)
class BarSeries:
    """One set of bars: its legend label, one value per category, and its fill pattern."""

    label: str
    values: Sequence[int | float | str | None]
    pattern: str = "solid"

    def __post_init__(self) -> None:
        if self.pattern not in PATTERNS:
            raise ValueError(f"pattern must be one of {PATTERNS}")


def _fmt(number: float) -> str:
    text = f"{number:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _number(value) -> float | None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    return float(value)


def nice_ticks(top: float, most: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top``: steps of 1, 2 or 5 times a power of ten."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / most
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    count = math.ceil(top / step)
    return [float(i * step) for i in range(count + 1)]


def _text(value) -> str:
    if isinstance(value, str):
        return SHORT_WORDS.get(value, value)
    number = _number(value)
    return "" if number is None else _fmt(number)


def bar_chart(
    *,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[BarSeries],
    id_prefix: str = "chart",
    axis_label: str = "",
    notes: Mapping[str, str] | None = None,
) -> SafeString:
    """A grouped bar chart as SVG markup, safe to put in a template.

    ``categories`` label the groups along the bottom (a newline splits a label over two lines).
    ``notes`` map a word value to what it means, for the legend (by default the short marks of
    ``SHORT_WORDS`` that appear are explained)."""
    if not series:
        raise ValueError("a chart needs at least one series")
    for item in series:
        if len(item.values) != len(categories):
            raise ValueError(f"series {item.label!r} has {len(item.values)} values for {len(categories)} categories")
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", id_prefix) or "chart"
    if not prefix[0].isalpha():
        prefix = "c-" + prefix
    numbers = [n for item in series for n in map(_number, item.values) if n is not None]
    ticks = nice_ticks(max(numbers, default=0))
    top = ticks[-1] or 1.0
    group = len(series) * _BAR + (len(series) - 1) * _BAR_GAP
    width = _LEFT + len(categories) * (group + _GROUP_GAP) + _RIGHT
    width = max(width, 320)
    height = _TOP + _PLOT_HEIGHT + _BOTTOM
    base = _TOP + _PLOT_HEIGHT

    def y(value: float) -> float:
        return base - value / top * _PLOT_HEIGHT

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="Arial, sans-serif" font-size="{_FONT}" fill="{INK}">',
        f'<title id="{prefix}-title">{escape(title)}</title>',
        f'<desc id="{prefix}-desc">{escape(description)}</desc>',
        "<defs>"
        f'<pattern id="{prefix}-hatch" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<rect width="6" height="6" fill="#ffffff"/>'
        f'<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke="{INK}" stroke-width="1.5"/></pattern>'
        "</defs>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    # Legend along the top: a swatch of each pattern, then its label.
    x = _LEFT
    for item in series:
        out.append(_swatch(x, 10, 14, 14, item.pattern, prefix))
        out.append(f'<text x="{x + 20}" y="22">{escape(item.label)}</text>')
        x += 20 + 8 * len(item.label) + 24
    used = {value for item in series for value in item.values if isinstance(value, str)}
    explained = dict(notes) if notes is not None else {SHORT_WORDS[w]: w for w in SHORT_WORDS if w in used}
    if explained:
        note = "; ".join(f"{mark} means {meaning}" for mark, meaning in explained.items())
        out.append(f'<text x="{_LEFT}" y="42" font-size="12">{escape(note)}</text>')
    # Grid and axis.
    out.append('<g class="app-chart__grid">')
    for tick in ticks:
        ty = y(tick)
        out.append(
            f'<line x1="{_LEFT}" y1="{_fmt(ty)}" x2="{width - _RIGHT}" y2="{_fmt(ty)}" stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{_LEFT - 6}" y="{_fmt(ty + 4)}" text-anchor="end" font-size="12">{_fmt(tick)}</text>'
        )
    out.append("</g>")
    if axis_label:
        out.append(
            f'<text x="12" y="{_fmt(_TOP + _PLOT_HEIGHT / 2)}" text-anchor="middle" font-size="12" '
            f'transform="rotate(-90 12 {_fmt(_TOP + _PLOT_HEIGHT / 2)})">{escape(axis_label)}</text>'
        )
    # Bars.
    out.append('<g class="app-chart__bars">')
    for index, category in enumerate(categories):
        gx = _LEFT + _GROUP_GAP / 2 + index * (group + _GROUP_GAP)
        for k, item in enumerate(series):
            bx = gx + k * (_BAR + _BAR_GAP)
            value = item.values[index]
            number = _number(value)
            label = _text(value)
            tooltip = f"{category.replace(chr(10), ' ')}, {item.label}: {value if isinstance(value, str) else label}"
            out.append(f"<g><title>{escape(tooltip)}</title>")
            if number is not None and number > 0:
                out.append(_swatch(bx, y(number), _BAR, base - y(number), item.pattern, prefix))
            ly = (y(number) if number is not None else base) - 4
            if label:
                out.append(
                    f'<text x="{_fmt(bx + _BAR / 2)}" y="{_fmt(ly)}" text-anchor="middle" font-size="11">'
                    f"{escape(label)}</text>"
                )
            out.append("</g>")
        lines = category.split("\n")
        for n, text in enumerate(lines[:2]):
            out.append(
                f'<text x="{_fmt(gx + group / 2)}" y="{base + 18 + n * 15}" text-anchor="middle" font-size="12">'
                f"{escape(text)}</text>"
            )
    out.append("</g>")
    out.append(
        f'<line class="app-chart__axis" x1="{_LEFT}" y1="{base}" x2="{width - _RIGHT}" y2="{base}" '
        f'stroke="{INK}" stroke-width="1.5"/>'
    )
    out.append("</svg>")
    return mark_safe("".join(out))


def _swatch(x: float, y: float, w: float, h: float, pattern: str, prefix: str) -> str:
    if pattern == "hatched":
        fill = f'fill="url(#{prefix}-hatch)" stroke="{INK}" stroke-width="1.5"'
    else:
        fill = f'class="app-chart__bar" fill="{BLUE}" stroke="{INK}" stroke-width="1"'
    return f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(w)}" height="{_fmt(max(h, 0))}" {fill}/>'
