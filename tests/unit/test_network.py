"""The silo map against hand-worked examples (joinedup.domain.network)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from joinedup.domain.network import (
    SUPPRESSED,
    Isolated,
    Membership,
    SharedChildren,
    SharedWith,
    SiloPair,
    render_svg,
    shared_children_not_tables,
    silo_map,
    suppress_small,
    to_json,
    who_else_could_join,
)

SVG_NS = "{http://www.w3.org/2000/svg}"


def members(spec: dict[str, list[str]]) -> list[Membership]:
    return [Membership(agency, forum) for agency, forums in spec.items() for forum in forums]


def parse_svg(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed


# The star. One hub agency sits on every forum; each other agency on one forum.
#
#   forums:  F1 = {hub, a}   F2 = {hub, b}   F3 = {hub, c}
#
#   projection:        a
#                      |1
#               b --1-- hub --1-- c
#
# Every path between two leaves goes through hub: 3 of the 3 leaf pairs, normalised by
# (n-1)(n-2)/2 = 3 pairs, so hub's betweenness is 1.0 and every leaf's is 0.
STAR = members({"hub": ["F1", "F2", "F3"], "a": ["F1"], "b": ["F2"], "c": ["F3"]})


def test_star_hub_has_the_highest_betweenness_and_is_the_articulation_point():
    m = silo_map(STAR)
    assert m.agencies == ("a", "b", "c", "hub")
    assert {(t.agency_a, t.agency_b): t.weight for t in m.ties} == {("a", "hub"): 1, ("b", "hub"): 1, ("c", "hub"): 1}
    scores = {c.agency: c.betweenness for c in m.betweenness}
    assert scores == {"hub": pytest.approx(1.0), "a": 0.0, "b": 0.0, "c": 0.0}
    assert m.betweenness[0].agency == "hub"
    assert m.bridges == ("hub",)
    assert m.articulation_points == ("hub",)
    assert m.bridge_ties == (("a", "hub"), ("b", "hub"), ("c", "hub"))
    # Each forum is the only thing linking its leaf to the rest.
    assert m.critical_forums == ("F1", "F2", "F3")
    assert m.single_forum == (Membership("a", "F1"), Membership("b", "F2"), Membership("c", "F3"))
    assert m.components == (("a", "b", "c", "hub"),)
    assert m.isolated == ()


# Two groups that never meet.
#
#   forums:  X = {p, q}   Y = {r, s}
#   projection:  p --1-- q        r --1-- s
def test_two_disconnected_groups_are_two_components():
    m = silo_map(members({"p": ["X"], "q": ["X"], "r": ["Y"], "s": ["Y"]}))
    assert m.components == (("p", "q"), ("r", "s"))
    assert m.isolated == ()
    assert m.articulation_points == ()
    assert all(c.betweenness == 0 for c in m.betweenness)
    assert m.bridges == ()


# Isolated agencies, for two different reasons.
#
#   forums:  F = {a, b}   G = {alone}        agencies also include "nowhere" (on no forum)
#   projection:  a --1-- b      alone      nowhere
def test_isolated_agencies_say_why():
    m = silo_map(members({"a": ["F"], "b": ["F"], "alone": ["G"]}), agencies=["a", "b", "alone", "nowhere"])
    assert m.isolated == (Isolated("alone", "no_shared_forum"), Isolated("nowhere", "no_forum"))
    assert m.components == (("a", "b"), ("alone",), ("nowhere",))
    assert m.single_forum == (Membership("a", "F"), Membership("alone", "G"), Membership("b", "F"))
    assert m.forums_of("nowhere") == ()


# Weights count shared forums exactly.
#
#   a: F1 F2 F3          a --3-- b      (F1, F2, F3)
#   b: F1 F2 F3 F4       a --1-- c      (F2)
#   c: F2 F4             b --2-- c      (F2, F4)
#   d: F5                d alone
def test_weights_count_shared_forums_exactly():
    m = silo_map(members({"a": ["F1", "F2", "F3"], "b": ["F1", "F2", "F3", "F4"], "c": ["F2", "F4"], "d": ["F5"]}))
    assert [(t.agency_a, t.agency_b, t.shared_forums, t.weight) for t in m.ties] == [
        ("a", "b", ("F1", "F2", "F3"), 3),
        ("a", "c", ("F2",), 1),
        ("b", "c", ("F2", "F4"), 2),
    ]
    assert m.projection["a"]["b"]["weight"] == 3
    assert m.projection["b"]["c"]["weight"] == 2
    assert m.isolated == (Isolated("d", "no_shared_forum"),)


# Weights are distances (1 / shared forums), so stronger ties are shorter.
#
#        a ==2== b            a-b share F1 F2  (distance 1/2)
#        |       ||           b-d share F3 F4  (distance 1/2)
#        1       2            a-c share F5     (distance 1)
#        |       ||           c-d share F6     (distance 1)
#        c --1-- d
#
# a to d: via b = 1/2 + 1/2 = 1, via c = 1 + 1 = 2, so only b carries it (by hops they would tie).
# b to c: via a = 1/2 + 1 = 3/2, via d = 1/2 + 1 = 3/2, a tie: a and d get half each.
# Every other pair is adjacent. Normalised by 3 pairs: b = 1/3, a = d = 1/6, c = 0.
def test_betweenness_uses_one_over_shared_forums_as_distance():
    m = silo_map(
        members({"a": ["F1", "F2", "F5"], "b": ["F1", "F2", "F3", "F4"], "c": ["F5", "F6"], "d": ["F3", "F4", "F6"]})
    )
    scores = {c.agency: c.betweenness for c in m.betweenness}
    assert scores["b"] == pytest.approx(1 / 3)
    assert scores["a"] == pytest.approx(1 / 6)
    assert scores["d"] == pytest.approx(1 / 6)
    assert scores["c"] == 0
    assert [c.agency for c in m.betweenness] == ["b", "a", "d", "c"]
    assert m.bridges == ("b", "a", "d")
    assert m.articulation_points == ()  # a cycle: no single agency splits it


def test_the_same_input_in_any_order_gives_the_same_map():
    forward = silo_map(STAR, agencies=["x"])
    backward = silo_map(list(reversed(STAR)) + STAR[:2], agencies=["x"])
    assert forward == backward
    assert to_json(forward) == to_json(backward)
    assert render_svg(forward) == render_svg(backward)


def test_graphs_are_kept_frozen():
    m = silo_map(STAR)
    assert m.graph.number_of_nodes() == 4 + 3
    assert m.graph.has_edge(("agency", "hub"), ("forum", "F1"))
    with pytest.raises(Exception, match="Frozen"):
        m.projection.add_edge("a", "b")


def test_an_agency_and_a_forum_may_share_an_id():
    m = silo_map([Membership("1", "1"), Membership("2", "1")])
    assert [(t.agency_a, t.agency_b) for t in m.ties] == [("1", "2")]


# Shared children, no shared table.
#
#   forums:  F = {yjs, police}        G = {camhs}        agencies also: housing, school
#   shared:  camhs-yjs 5  (no forum together -> a silo, exactly at N)
#            housing-yjs 4 (no forum together, one below N -> not shown at N = 5)
#            police-yjs 20 (share F -> not a silo)
#            school-camhs 9 (no forum -> a silo, bigger, listed first)
SHARED = [
    SharedChildren("yjs", "camhs", 5),
    SharedChildren("housing", "yjs", 4),
    SharedChildren("police", "yjs", 20),
    SharedChildren("school", "camhs", 9),
]
FORUMS = members({"yjs": ["F"], "police": ["F"], "camhs": ["G"]})


def test_shared_children_not_tables_at_the_boundary():
    assert shared_children_not_tables(SHARED, FORUMS, min_shared=5) == (
        SiloPair("camhs", "school", 9),
        SiloPair("camhs", "yjs", 5),
    )
    assert shared_children_not_tables(SHARED, FORUMS, min_shared=4, viewer_is_admin=True) == (
        SiloPair("camhs", "school", 9),
        SiloPair("camhs", "yjs", 5),
        SiloPair("housing", "yjs", 4),
    )
    assert shared_children_not_tables(SHARED, FORUMS, min_shared=6) == (SiloPair("camhs", "school", 9),)


def test_default_threshold_is_five():
    assert shared_children_not_tables(SHARED, FORUMS) == shared_children_not_tables(SHARED, FORUMS, min_shared=5)


def test_small_counts_are_suppressed_for_non_admins_and_do_not_leak_through_order():
    shared = [SharedChildren("a", "b", 4), SharedChildren("c", "d", 1), SharedChildren("a", "z", 7)]
    assert shared_children_not_tables(shared, [], min_shared=1) == (
        SiloPair("a", "z", 7),
        SiloPair("a", "b", SUPPRESSED),
        SiloPair("c", "d", SUPPRESSED),
    )
    # An admin sees the counts; the order follows them.
    assert shared_children_not_tables(shared, [], min_shared=1, viewer_is_admin=True) == (
        SiloPair("a", "z", 7),
        SiloPair("a", "b", 4),
        SiloPair("c", "d", 1),
    )
    # With the ids the other way round the non-admin order follows the ids, not the hidden counts.
    swapped = [SharedChildren("a", "b", 1), SharedChildren("c", "d", 4)]
    assert [(p.agency_a, p.agency_b) for p in shared_children_not_tables(swapped, [], min_shared=1)] == [
        ("a", "b"),
        ("c", "d"),
    ]


@pytest.mark.parametrize(
    ("count", "shown"), [(0, 0), (1, SUPPRESSED), (2, SUPPRESSED), (4, SUPPRESSED), (5, 5), (6, 6), (120, 120)]
)
def test_suppress_small(count, shown):
    assert suppress_small(count) == shown


def test_suppress_small_rejects_nonsense():
    with pytest.raises(ValueError, match="negative"):
        suppress_small(-1)
    with pytest.raises(TypeError):
        suppress_small(True)


@pytest.mark.parametrize(
    ("shared", "message"),
    [
        ([SharedChildren("a", "a", 5)], "itself"),
        ([SharedChildren("a", "b", 5), SharedChildren("b", "a", 6)], "twice"),
        ([SharedChildren("a", "b", -1)], "non-negative"),
    ],
)
def test_bad_shared_children_are_refused(shared, message):
    with pytest.raises(ValueError, match=message):
        shared_children_not_tables(shared, [])


def test_min_shared_must_be_at_least_one():
    with pytest.raises(ValueError, match="at least 1"):
        shared_children_not_tables(SHARED, FORUMS, min_shared=0)


def test_silo_map_carries_the_silos_and_json_suppresses_them_for_non_admins():
    m = silo_map(FORUMS, agencies=["housing", "school"], shared=SHARED, min_shared=4)
    assert m.silos == (SiloPair("camhs", "school", 9), SiloPair("camhs", "yjs", 5), SiloPair("housing", "yjs", 4))
    public = to_json(m)
    assert public["suppressed"] is True
    assert [s["shared_young_people"] for s in public["silos"]] == [9, 5, SUPPRESSED]
    admin = to_json(m, viewer_is_admin=True)
    assert admin["suppressed"] is False
    assert [s["shared_young_people"] for s in admin["silos"]] == [9, 5, 4]


# Who else could join the MACE panel?
#
#   MACE = {yjs, camhs}
#   shared:  police-yjs 12, police-camhs 7    -> police shares with two members
#            school-yjs 3                      -> "fewer than 5" unless admin
#            housing-camhs 0                   -> nothing shared, not a reason
#            yjs-camhs 30                      -> both members: not a candidate
#   needs:   yjs {exploitation}, camhs {mental health}, housing {housing, exploitation},
#            school {education}
def test_who_else_could_join_gives_plain_english_reasons():
    forum_members = members({"yjs": ["MACE"], "camhs": ["MACE"], "police": ["board"]})
    shared = [
        SharedChildren("police", "yjs", 12),
        SharedChildren("camhs", "police", 7),
        SharedChildren("school", "yjs", 3),
        SharedChildren("housing", "camhs", 0),
        SharedChildren("yjs", "camhs", 30),
    ]
    needs = {
        "yjs": {"exploitation"},
        "camhs": {"mental health"},
        "housing": {"housing", "exploitation"},
        "school": {"education"},
    }
    names = {
        "yjs": "Youth Justice Service",
        "camhs": "CAMHS",
        "police": "Police",
        "housing": "Housing",
        "school": "School",
    }
    suggestions = who_else_could_join("MACE", forum_members, shared, needs, agency_names=names)
    assert [s.agency for s in suggestions] == ["police", "school", "housing"]
    police, school, housing = suggestions
    assert police.reasons == ("shares 12 young people with Youth Justice Service and 7 with CAMHS",)
    assert police.shared_with == (SharedWith("yjs", 12), SharedWith("camhs", 7))
    assert school.reasons == ("shares fewer than 5 young people with Youth Justice Service",)
    assert housing.reasons == ("works with needs: exploitation",)
    assert housing.common_needs == ("exploitation",)

    admin = who_else_could_join("MACE", forum_members, shared, needs, agency_names=names, viewer_is_admin=True)
    assert admin[1].reasons == ("shares 3 young people with Youth Justice Service",)


def test_who_else_could_join_combines_reasons_and_ranks_deterministically():
    forum_members = members({"a": ["F"], "b": ["F"]})
    needs = {"a": {"housing"}, "b": {"exploitation"}, "x": {"exploitation", "housing", "other"}, "y": {"housing"}}
    shared = [SharedChildren("x", "a", 1), SharedChildren("y", "b", 1)]
    suggestions = who_else_could_join("F", forum_members, shared, needs, viewer_is_admin=True)
    # Both share with one member; x's single young person counts the same as y's; x has more needs in common.
    assert [s.agency for s in suggestions] == ["x", "y"]
    assert suggestions[0].reasons == ("shares 1 young person with a", "works with needs: exploitation, housing")
    # Suppressed counts carry no rank for a non-admin either way round: the needs decide.
    assert [s.agency for s in who_else_could_join("F", forum_members, shared, needs)] == ["x", "y"]


def test_who_else_could_join_an_empty_or_unknown_forum():
    assert who_else_could_join("nowhere", STAR, [SharedChildren("a", "b", 9)], {"a": {"x"}}) == ()


# JSON and SVG.


def test_to_json_is_json_and_describes_every_agency():
    m = silo_map(STAR, agencies=["lonely"], agency_names={"hub": "Hub & Spoke"}, forum_names={"F1": "Board"})
    data = to_json(m)
    assert json.loads(json.dumps(data)) == data
    by_id = {a["id"]: a for a in data["agencies"]}
    assert set(by_id) == {"a", "b", "c", "hub", "lonely"}
    assert by_id["hub"]["label"] == "Hub & Spoke"
    assert by_id["hub"]["forum_count"] == 3
    assert by_id["hub"]["bridge"] is True and by_id["hub"]["articulation_point"] is True
    assert by_id["lonely"]["isolated"] == "no_forum"
    # With "lonely" there are 5 agencies: hub is on 3 of the (4*3)/2 = 6 pairs.
    assert by_id["hub"]["betweenness"] == 0.5
    assert data["forums"][0] == {"id": "F1", "label": "Board", "members": ["a", "hub"], "critical": True}
    assert data["edges"][0] == {"source": "a", "target": "hub", "weight": 1, "shared_forums": ["F1"], "bridge": True}
    assert data["components"] == [["a", "b", "c", "hub"], ["lonely"]]
    assert data["isolated"] == [{"agency": "lonely", "reason": "no_forum"}]
    assert data["single_forum"][0] == {"agency": "a", "forum": "F1"}
    assert data["silos"] == []


def test_svg_is_accessible_well_formed_and_escaped():
    names = {"hub": "Hub & <Spoke>", "a": 'Agency "A"', "b": "B's", "c": "C", "none": "Nowhere Ltd"}
    m = silo_map(STAR, agencies=["none"], agency_names=names, shared=[SharedChildren("a", "none", 6)])
    svg = render_svg(m)
    root = parse_svg(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img"
    title = root.find(f"{SVG_NS}title")
    desc = root.find(f"{SVG_NS}desc")
    assert title is not None and title.text
    assert desc is not None and desc.text
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    texts = {t.text for t in root.iter(f"{SVG_NS}text")}
    assert set(names.values()) <= texts
    assert "<Spoke>" not in svg and "Hub &amp; &lt;Spoke&gt;" in svg
    # Meaning is carried by shapes and dashes, not colour.
    assert root.findall(f".//{SVG_NS}rect")  # single-forum agencies are squares
    assert any("stroke-dasharray" in p.attrib for p in root.iter(f"{SVG_NS}polygon"))  # on no forum
    assert any("stroke-dasharray" in line.attrib for line in root.iter(f"{SVG_NS}line"))  # a silo
    assert {e.get("stroke") for e in root.iter() if e.get("stroke")} == {"#0b0c0c"}
    assert "Hub &amp; &lt;Spoke&gt;" in desc.text or "Hub & <Spoke>" in desc.text
    assert "Agency &quot;A&quot; and Nowhere Ltd (6 young people)" in svg


def test_svg_suppresses_small_counts_for_non_admins():
    m = silo_map(STAR, agencies=["none"], shared=[SharedChildren("a", "none", 3)], min_shared=1)
    assert "3 young people" not in render_svg(m)
    assert "fewer than 5 young people" in render_svg(m)
    assert "3 young people" in render_svg(m, viewer_is_admin=True)


def test_svg_ids_are_prefixed_and_safe():
    root = parse_svg(render_svg(silo_map(STAR), id_prefix='9 "bad"'))
    ids = root.get("aria-labelledby").split()
    assert len(ids) == 2 and all(i[0].isalpha() for i in ids)
    assert {root.find(f"{SVG_NS}title").get("id"), root.find(f"{SVG_NS}desc").get("id")} == set(ids)


def test_empty_map_still_renders():
    m = silo_map([])
    assert m.components == () and m.ties == ()
    assert to_json(m)["agencies"] == []
    parse_svg(render_svg(m))


def test_svg_takes_a_css_class_for_the_page_and_cleans_it():
    plain = parse_svg(render_svg(silo_map(STAR)))
    assert "class" not in plain.attrib
    sized = parse_svg(render_svg(silo_map(STAR), css_class="app-chart wide"))
    assert sized.attrib["class"] == "app-chart wide"
    hostile = render_svg(silo_map(STAR), css_class='x" onload="alert(1)')
    assert parse_svg(hostile).attrib["class"] == "x onloadalert1"
    assert "onload=" not in hostile
    assert render_svg(silo_map(STAR), css_class=' "<> ') == render_svg(silo_map(STAR))
