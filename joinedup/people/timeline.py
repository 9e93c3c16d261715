"""The support timeline on a young person's page: one bar per involvement, the support level as a
step line, today and the 18th birthday marked, and cliff edges shaded (issue 3, "Young person page").

Plain Python (no Django): the view turns involvements into ``Bar``s and puts the SVG on the page
next to a table with the same facts. Nothing depends on colour: ended involvements are outlined,
current and future ones solid; an arrow means no set end; a thick mark at the end means the end
comes from an age limit; today is a dashed line, the 18th birthday a dotted one, and a cliff edge
is hatched. Each of these is in the key, every bar has a label and a tooltip, and the SVG has
``role="img"`` with a ``<title>`` and a ``<desc>``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

AGE_LIMIT = "age_limit"
PLANNED = "planned"
OPEN = "open"

_INK = "#0b0c0c"
_FILL = "#1d70b8"
_GRID = "#b1b4b6"
_WIDTH = 960
_LEFT = 240  # the labels' column
_RIGHT = 24
_TOP = 44  # room for the "Today" and "18th birthday" labels
_ROW = 30
_BAR = 18
_SUPPORT = 90
_AXIS = 34
_LEGEND_ROW = 22
_LABEL_CHARS = 28  # about 7.5 px each at the labels' size: fits the 230 px before the bars


@dataclass(frozen=True, slots=True)
class Bar:
    label: str  # the service's name
    agency: str
    start: dt.date
    end: dt.date | None  # the effective end, exclusive; None when open-ended
    weight: float
    reason: str  # AGE_LIMIT, PLANNED or OPEN


@dataclass(frozen=True, slots=True)
class Step:
    day: dt.date
    support: float


def support_on(bars: Sequence[Bar], day: dt.date) -> float:
    """S(t): the sum of the weights of the involvements active on ``day`` (DESIGN §6)."""
    return round(sum(b.weight for b in bars if b.start <= day and (b.end is None or day < b.end)), 6)


def support_steps(bars: Sequence[Bar], lo: dt.date, hi: dt.date) -> list[Step]:
    """The support level from ``lo`` up to ``hi`` (exclusive): the first day and every day it changes."""
    days = {lo}
    for bar in bars:
        for day in (bar.start, bar.end):
            if day is not None and lo < day < hi:
                days.add(day)
    steps: list[Step] = []
    for day in sorted(days):
        level = support_on(bars, day)
        if not steps or steps[-1].support != level:
            steps.append(Step(day, level))
    return steps


def chart_range(
    bars: Sequence[Bar], today: dt.date, eighteenth: dt.date, ahead_days: int = 455
) -> tuple[dt.date, dt.date]:
    """From the 1st of the month of the earliest start (or a year ago) to a little after the last
    thing worth seeing: today plus ``ahead_days``, the 18th birthday, or the last end."""
    first = min([b.start for b in bars] + [today - dt.timedelta(days=365)])
    last = max(
        [today + dt.timedelta(days=ahead_days), eighteenth + dt.timedelta(days=120)]
        + [b.end + dt.timedelta(days=60) for b in bars if b.end is not None]
    )
    lo = first.replace(day=1)
    hi = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return lo, hi


def _num(value: float) -> str:
    return f"{value:g}"


def _date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def describe(
    bars: Sequence[Bar], today: dt.date, eighteenth: dt.date, edges: Sequence[tuple[dt.date, dt.date]], ref: str
) -> str:
    """The chart in words (its ``<desc>``)."""
    count = len(bars)
    parts = [f"Support timeline for {ref}: {count} involvement{'s' if count != 1 else ''}."]
    parts.append(f"Support now is {_num(support_on(bars, today))}.")
    if eighteenth > today:
        parts.append(
            f"They turn 18 on {_date(eighteenth)}; support that day will be {_num(support_on(bars, eighteenth))}."
        )
    for start, end in edges:
        parts.append(f"Cliff edge from {_date(start)} to {_date(end - dt.timedelta(days=1))}.")
    parts.append("The table after the chart lists every involvement.")
    return " ".join(parts)


def render_svg(
    bars: Sequence[Bar],
    *,
    today: dt.date,
    eighteenth: dt.date,
    edges: Sequence[tuple[dt.date, dt.date]] = (),
    ref: str = "",
    id_prefix: str = "timeline",
    css_class: str = "app-chart",
) -> str:
    """The timeline as a standalone, accessible SVG (see the module docstring)."""
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", id_prefix) or "timeline"
    classes = " ".join(re.sub(r"[^A-Za-z0-9_ -]", "", css_class).split())
    lo, hi = chart_range(bars, today, eighteenth)
    span = (hi - lo).days
    plot_w = _WIDTH - _LEFT - _RIGHT
    rows = max(len(bars), 1)
    rows_top = _TOP
    rows_bottom = rows_top + rows * _ROW
    support_top = rows_bottom + 16
    support_bottom = support_top + _SUPPORT
    axis_y = support_bottom
    legend_top = axis_y + _AXIS
    height = legend_top + 4 * _LEGEND_ROW + 8

    def x(day: dt.date) -> float:
        clamped = min(max(day, lo), hi)
        return _LEFT + (clamped - lo).days / span * plot_w

    title = f"Support timeline for {ref}" if ref else "Support timeline"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{classes}" role="img" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" viewBox="0 0 {_WIDTH} {height}" '
        f'width="{_WIDTH}" height="{height}" font-family="Arial, sans-serif" font-size="14" fill="{_INK}">',
        f'<title id="{prefix}-title">{escape(title)}</title>',
        f'<desc id="{prefix}-desc">{escape(describe(bars, today, eighteenth, edges, ref))}</desc>',
        f'<defs><pattern id="{prefix}-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="8" stroke="{_INK}" stroke-width="1.5"/>'
        "</pattern></defs>",
        f'<rect x="0" y="0" width="{_WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    # Year lines and labels.
    out.append('<g class="years">')
    years = list(range(lo.year + (0 if lo == dt.date(lo.year, 1, 1) else 1), hi.year + 1))
    step = 1 if len(years) <= 12 else 2
    for year in years[::step]:
        xx = x(dt.date(year, 1, 1))
        out.append(
            f'<line x1="{_f(xx)}" y1="{rows_top}" x2="{_f(xx)}" y2="{axis_y}" stroke="{_GRID}" stroke-width="1"/>'
            f'<text x="{_f(xx)}" y="{axis_y + 20}" text-anchor="middle">{year}</text>'
        )
    out.append(f'<line x1="{_LEFT}" y1="{axis_y}" x2="{_LEFT + plot_w}" y2="{axis_y}" stroke="{_INK}"/>')
    out.append("</g>")
    # Cliff edges, hatched behind everything else.
    out.append('<g class="edges">')
    for start, end in edges:
        x1, x2 = x(start), x(end)
        out.append(
            f'<rect x="{_f(x1)}" y="{rows_top}" width="{_f(max(x2 - x1, 2))}" height="{support_bottom - rows_top}" '
            f'fill="url(#{prefix}-hatch)" fill-opacity="0.35" stroke="{_INK}" stroke-dasharray="4 3">'
            f"<title>Cliff edge from {escape(_date(start))} to {escape(_date(end - dt.timedelta(days=1)))}</title>"
            "</rect>"
        )
    out.append("</g>")
    # One bar per involvement.
    out.append('<g class="bars">')
    if not bars:
        out.append(f'<text x="{_LEFT}" y="{rows_top + _ROW / 2 + 5}">No involvements recorded</text>')
    for index, bar in enumerate(bars):
        top = rows_top + index * _ROW + (_ROW - _BAR) / 2
        label = bar.label if len(bar.label) <= _LABEL_CHARS else bar.label[: _LABEL_CHARS - 1] + "…"
        x1 = x(bar.start)
        x2 = x(bar.end) if bar.end is not None else _LEFT + plot_w
        ended = bar.end is not None and bar.end <= today
        if bar.end is None:
            ending = "no set end"
        else:
            ending = f"ends {_date(bar.end)}" + (" (age limit)" if bar.reason == AGE_LIMIT else "")
        tip = f"{bar.label}, {bar.agency}: from {_date(bar.start)}, {ending}; weight {_num(bar.weight)}"
        out.append(f"<g><title>{escape(tip)}</title>")
        out.append(f'<text x="{_LEFT - 10}" y="{_f(top + _BAR - 4)}" text-anchor="end">{escape(label)}</text>')
        out.append(
            f'<rect x="{_f(x1)}" y="{_f(top)}" width="{_f(max(x2 - x1, 2))}" height="{_BAR}" '
            f'fill="{"#ffffff" if ended else _FILL}" stroke="{_INK}" stroke-width="1.5"/>'
        )
        if bar.end is None:
            out.append(
                f'<polygon points="{_f(x2)},{_f(top - 3)} {_f(x2 + 12)},{_f(top + _BAR / 2)} '
                f'{_f(x2)},{_f(top + _BAR + 3)}" fill="{_INK}"/>'
            )
        elif bar.reason == AGE_LIMIT and lo <= bar.end <= hi:
            out.append(f'<rect x="{_f(x2 - 2)}" y="{_f(top - 4)}" width="5" height="{_BAR + 8}" fill="{_INK}"/>')
        out.append("</g>")
    out.append("</g>")
    # The support level as a step line.
    steps = support_steps(bars, lo, hi)
    peak = max([s.support for s in steps] + [1.0])

    def y(level: float) -> float:
        return support_bottom - 6 - level / peak * (_SUPPORT - 16)

    out.append('<g class="support">')
    out.append(
        f'<text x="{_LEFT - 40}" y="{support_top + _SUPPORT // 2 + 5}" text-anchor="end" font-weight="bold">'
        "Support level</text>"
        f'<text x="{_LEFT - 8}" y="{_f(y(peak) + 5)}" text-anchor="end">{_num(round(peak, 2))}</text>'
        f'<text x="{_LEFT - 8}" y="{_f(y(0) + 5)}" text-anchor="end">0</text>'
        f'<line x1="{_LEFT}" y1="{support_top}" x2="{_LEFT}" y2="{support_bottom}" stroke="{_INK}"/>'
    )
    path = []
    for index, item in enumerate(steps):
        xx, yy = x(item.day), y(item.support)
        if index == 0:
            path.append(f"M{_f(xx)} {_f(yy)}")
        else:
            path.append(f"H{_f(xx)} V{_f(yy)}")
    path.append(f"H{_f(x(hi))}")
    out.append(f'<path d="{" ".join(path)}" fill="none" stroke="{_INK}" stroke-width="2.5"/>')
    out.append("</g>")
    # Today and the 18th birthday.
    out.append('<g class="markers">')
    for day, text, dash, label_y in (
        (today, "Today", "6 4", 16),
        (eighteenth, "18th birthday", "2 3", 34),
    ):
        if not lo <= day <= hi:
            continue
        xx = x(day)
        anchor_x = min(max(xx, _LEFT + 50), _WIDTH - _RIGHT - 50)
        out.append(
            f'<line x1="{_f(xx)}" y1="{rows_top - 4}" x2="{_f(xx)}" y2="{support_bottom}" stroke="{_INK}" '
            f'stroke-width="2" stroke-dasharray="{dash}"/>'
            f'<text x="{_f(anchor_x)}" y="{label_y}" text-anchor="middle" font-weight="bold">'
            f"{escape(text)} ({escape(_date(day))})</text>"
        )
    out.append("</g>")
    # The key.
    keys = [
        ("solid", "Solid bar: an involvement now or to come"),
        ("outline", "Outlined bar: an involvement that has ended"),
        ("arrow", "Arrow: no set end"),
        ("agemark", "Thick mark at the end: ends at an age limit"),
        ("today", "Dashed line: today"),
        ("eighteen", "Dotted line: the 18th birthday"),
        ("edge", "Hatched: a cliff edge"),
        ("step", "Step line: support level (sum of weights)"),
    ]
    out.append(f'<g class="legend" transform="translate({_LEFT - 200} {legend_top})">')
    for index, (kind, text) in enumerate(keys):
        col, row = divmod(index, 4)
        kx, ky = col * 420, row * _LEGEND_ROW
        if kind == "solid":
            symbol = f'<rect x="{kx}" y="{ky}" width="28" height="12" fill="{_FILL}" stroke="{_INK}"/>'
        elif kind == "outline":
            symbol = f'<rect x="{kx}" y="{ky}" width="28" height="12" fill="#ffffff" stroke="{_INK}"/>'
        elif kind == "arrow":
            symbol = f'<polygon points="{kx + 8},{ky - 2} {kx + 20},{ky + 6} {kx + 8},{ky + 14}" fill="{_INK}"/>'
        elif kind == "agemark":
            symbol = f'<rect x="{kx + 12}" y="{ky - 3}" width="5" height="18" fill="{_INK}"/>'
        elif kind == "today":
            symbol = f'<line x1="{kx}" y1="{ky + 6}" x2="{kx + 28}" y2="{ky + 6}" stroke="{_INK}" stroke-width="2" stroke-dasharray="6 4"/>'
        elif kind == "eighteen":
            symbol = f'<line x1="{kx}" y1="{ky + 6}" x2="{kx + 28}" y2="{ky + 6}" stroke="{_INK}" stroke-width="2" stroke-dasharray="2 3"/>'
        elif kind == "edge":
            symbol = f'<rect x="{kx}" y="{ky}" width="28" height="12" fill="url(#{prefix}-hatch)" stroke="{_INK}" stroke-dasharray="4 3"/>'
        else:
            symbol = f'<path d="M{kx} {ky + 12} H{kx + 12} V{ky} H{kx + 28}" fill="none" stroke="{_INK}" stroke-width="2.5"/>'
        out.append(f'{symbol}<text x="{kx + 36}" y="{ky + 11}">{escape(text)}</text>')
    out.append("</g></svg>")
    return "".join(out)
