"""The server-side bar chart: well-formed, accessible SVG that does not rely on colour."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.platform.charts import BarSeries, bar_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - our own output, parsed to prove it is well-formed


def test_a_chart_is_an_image_with_a_title_a_description_and_a_legend():
    svg = parse(
        bar_chart(
            title="Cliff edges <by month>",
            description="Two series & a note",
            categories=["Jan\n2027", "Feb\n2027"],
            series=[BarSeries("Yours", [3, 0]), BarSeries("Elsewhere", ["fewer than 5", 12], "hatched")],
            id_prefix="edges",
        )
    )
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "edges-title edges-desc"
    assert svg.find(f"{SVG}title").text == "Cliff edges <by month>"
    assert svg.find(f"{SVG}desc").text == "Two series & a note"
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Yours" in texts and "Elsewhere" in texts  # the legend names both series
    assert "<5 means fewer than 5" in texts  # and explains the short mark
    assert "<5" in texts and "12" in texts and "3" in texts
    assert "Jan" in texts and "2027" in texts
    # A suppressed value has no bar; a zero has no bar; others have one, patterned by series.
    bars = [r for r in svg.iter(f"{SVG}rect") if r.get("height") not in (None,) and r.get("width") == "16"]
    assert len(bars) == 2
    assert {b.get("fill") for b in bars} == {"#1d70b8", "url(#edges-hatch)"}
    assert svg.find(f".//{SVG}pattern").get("id") == "edges-hatch"
    # Each bar group says what it is on hover.
    titles = [t.text for t in svg.iter(f"{SVG}title")]
    assert "Feb 2027, Elsewhere: 12" in titles and "Jan 2027, Elsewhere: fewer than 5" in titles


def test_bars_are_in_proportion():
    svg = parse(bar_chart(title="t", description="d", categories=["a", "b"], series=[BarSeries("s", [10, 5])]))
    heights = [float(r.get("height")) for r in svg.iter(f"{SVG}rect") if r.get("width") == "16"]
    assert heights[0] == pytest.approx(2 * heights[1])


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        bar_chart(title="t", description="d", categories=["a"], series=[BarSeries("s", [1, 2])])
    with pytest.raises(ValueError):
        bar_chart(title="t", description="d", categories=["a"], series=[])
    with pytest.raises(ValueError):
        BarSeries("s", [1], "dotted")


def test_ids_are_made_safe():
    svg = parse(bar_chart(title="t", description="d", categories=["a"], series=[BarSeries("s", [1])], id_prefix="9 x"))
    assert svg.get("aria-labelledby") == "c-9-x-title c-9-x-desc"


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_ticks_start_at_zero_reach_the_top_and_are_few(top):
    ticks = nice_ticks(top)
    assert ticks[0] == 0 and ticks[-1] >= top
    assert 2 <= len(ticks) <= 12
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1
