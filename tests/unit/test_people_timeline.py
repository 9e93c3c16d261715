"""The support timeline: the step line against a day-by-day sum, and an SVG that is valid and labelled."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from joinedup.people.timeline import AGE_LIMIT, OPEN, PLANNED, Bar, chart_range, render_svg, support_on, support_steps

SVG = "{http://www.w3.org/2000/svg}"
BASE = dt.date(2024, 1, 1)


@st.composite
def bars(draw):
    result = []
    for k in range(draw(st.integers(0, 6))):
        start = BASE + dt.timedelta(days=draw(st.integers(0, 400)))
        length = draw(st.one_of(st.none(), st.integers(0, 400)))
        end = None if length is None else start + dt.timedelta(days=length)
        weight = draw(st.sampled_from([0, 0.5, 1, 1.5, 2]))
        result.append(Bar(f"Service {k}", "Agency", start, end, weight, OPEN if end is None else PLANNED))
    return result


@given(bars())
def test_the_steps_give_the_support_on_every_day(items):
    lo, hi = BASE, BASE + dt.timedelta(days=900)
    steps = support_steps(items, lo, hi)
    assert steps[0].day == lo
    assert all(a.day < b.day and a.support != b.support for a, b in zip(steps, steps[1:], strict=False))
    current = 0
    for offset in range((hi - lo).days):
        day = lo + dt.timedelta(days=offset)
        if current + 1 < len(steps) and steps[current + 1].day == day:
            current += 1
        expected = sum(b.weight for b in items if b.start <= day and (b.end is None or day < b.end))
        assert abs(steps[current].support - expected) < 1e-9, day


@given(bars())
def test_the_svg_is_valid_and_labelled(items):
    today = BASE + dt.timedelta(days=200)
    svg = render_svg(items, today=today, eighteenth=BASE + dt.timedelta(days=300), ref="YP-7F3K2")
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "timeline-title timeline-desc"
    assert root.find(f"{SVG}title").text == "Support timeline for YP-7F3K2"
    assert "involvement" in root.find(f"{SVG}desc").text
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for bar in items:
        assert bar.label in texts
    assert any(t and t.startswith("Today (") for t in texts)
    assert any(t and t.startswith("18th birthday (") for t in texts)


def test_labels_are_escaped_and_long_ones_shortened():
    long_name = "Children & Young People’s <Emotional> Wellbeing Service for the Whole County"
    svg = render_svg(
        [Bar(long_name, "A & B", BASE, BASE + dt.timedelta(days=30), 1, AGE_LIMIT)],
        today=BASE,
        eighteenth=BASE + dt.timedelta(days=30),
        edges=[(BASE + dt.timedelta(days=20), BASE + dt.timedelta(days=110))],
    )
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert any(t and t.endswith("…") and t.startswith("Children & Young") for t in texts)
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert any(long_name in (t or "") and "(age limit)" in t for t in titles)
    assert any((t or "").startswith("Cliff edge from 21 January 2024") for t in titles)


def test_support_on_and_the_range():
    items = [Bar("A", "X", BASE, BASE + dt.timedelta(days=10), 2, PLANNED), Bar("B", "X", BASE, None, 0.5, OPEN)]
    assert support_on(items, BASE) == 2.5
    assert support_on(items, BASE + dt.timedelta(days=10)) == 0.5
    lo, hi = chart_range(items, today=dt.date(2025, 6, 15), eighteenth=dt.date(2027, 3, 1))
    assert lo == dt.date(2024, 1, 1) and hi.day == 1 and hi > dt.date(2027, 6, 29)
