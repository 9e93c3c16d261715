"""Properties of the silo map, checked against plain reference implementations."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from joinedup.domain.network import (
    SUPPRESSED,
    Membership,
    SharedChildren,
    render_svg,
    shared_children_not_tables,
    silo_map,
    suppress_small,
    to_json,
    who_else_could_join,
)

SVG_NS = "{http://www.w3.org/2000/svg}"
AGENCY_IDS = st.sampled_from([f"agency-{i}" for i in range(9)])
FORUM_IDS = st.sampled_from([f"forum-{i}" for i in range(6)])
MEMBERSHIPS = st.lists(st.builds(Membership, AGENCY_IDS, FORUM_IDS), max_size=30)
EXTRA_AGENCIES = st.sets(AGENCY_IDS, max_size=4)


@st.composite
def shared_children(draw):
    pairs = draw(st.sets(st.tuples(AGENCY_IDS, AGENCY_IDS).filter(lambda p: p[0] < p[1]), max_size=12))
    return [SharedChildren(a, b, draw(st.integers(min_value=0, max_value=12))) for a, b in sorted(pairs)]


def reference_weights(memberships, agencies):
    """A plain double loop: for each pair of agencies, count the forums both sit on."""
    weights = {}
    for a in agencies:
        for b in agencies:
            if a < b:
                common = 0
                for forum in {m.forum for m in memberships}:
                    if Membership(a, forum) in memberships and Membership(b, forum) in memberships:
                        common += 1
                if common:
                    weights[(a, b)] = common
    return weights


def reference_groups(memberships, agencies):
    """Union-find over agencies, joining any two on the same forum."""
    parent = {a: a for a in agencies}

    def find(a):
        while parent[a] != a:
            a = parent[a]
        return a

    by_forum = {}
    for m in memberships:
        by_forum.setdefault(m.forum, []).append(m.agency)
    for group in by_forum.values():
        for other in group[1:]:
            parent[find(other)] = find(group[0])
    groups = {}
    for a in agencies:
        groups.setdefault(find(a), set()).add(a)
    return {frozenset(g) for g in groups.values()}


@given(MEMBERSHIPS, EXTRA_AGENCIES)
def test_projection_weights_equal_a_double_loop_count_of_common_forums(memberships, extra):
    m = silo_map(memberships, extra)
    agencies = extra | {x.agency for x in memberships}
    assert {(t.agency_a, t.agency_b): t.weight for t in m.ties} == reference_weights(set(memberships), agencies)
    for t in m.ties:
        assert m.projection[t.agency_a][t.agency_b]["weight"] == t.weight


@given(MEMBERSHIPS, EXTRA_AGENCIES)
def test_components_partition_the_agencies(memberships, extra):
    m = silo_map(memberships, extra)
    flat = [a for component in m.components for a in component]
    assert sorted(flat) == sorted(m.agencies)  # every agency exactly once
    assert len(flat) == len(set(flat))
    assert {frozenset(c) for c in m.components} == reference_groups(memberships, m.agencies)
    assert [len(c) for c in m.components] == sorted((len(c) for c in m.components), reverse=True)


@given(MEMBERSHIPS, EXTRA_AGENCIES)
def test_isolated_single_forum_and_betweenness_are_consistent(memberships, extra):
    m = silo_map(memberships, extra)
    tied = {a for t in m.ties for a in (t.agency_a, t.agency_b)}
    assert {i.agency for i in m.isolated} == set(m.agencies) - tied
    for i in m.isolated:
        assert (i.reason == "no_forum") == (m.forums_of(i.agency) == ())
    assert {x.agency for x in m.single_forum} == {a for a in m.agencies if len(m.forums_of(a)) == 1}
    assert sorted(c.agency for c in m.betweenness) == list(m.agencies)
    assert all(0.0 <= c.betweenness <= 1.0 + 1e-9 for c in m.betweenness)
    assert all(c.betweenness == 0 for c in m.betweenness if c.agency in {i.agency for i in m.isolated})


@given(st.integers(min_value=0, max_value=10**6))
def test_suppression_never_reveals_one_to_four(count):
    shown = suppress_small(count)
    assert shown not in {1, 2, 3, 4}
    assert shown == (SUPPRESSED if 1 <= count <= 4 else count)


@given(shared_children(), MEMBERSHIPS, st.integers(min_value=1, max_value=6))
def test_no_output_for_a_non_admin_reveals_one_to_four(shared, memberships, min_shared):
    for pair in shared_children_not_tables(shared, memberships, min_shared):
        assert pair.count not in {1, 2, 3, 4}
    data = to_json(silo_map(memberships, shared=shared, min_shared=min_shared))
    assert all(s["shared_young_people"] not in {1, 2, 3, 4} for s in data["silos"])
    for forum in {m.forum for m in memberships}:
        for suggestion in who_else_could_join(forum, memberships, shared):
            assert all(s.count not in {1, 2, 3, 4} for s in suggestion.shared_with)
            assert not any(re.search(r"\b[1-4] (young|with)", r) for r in suggestion.reasons)
    svg = render_svg(silo_map(memberships, shared=shared, min_shared=min_shared))
    assert not re.search(r"\b[1-4] young (people|person)", svg)


@given(shared_children(), MEMBERSHIPS, st.integers(min_value=1, max_value=6))
def test_silos_share_no_forum_and_meet_the_threshold(shared, memberships, min_shared):
    pairs = shared_children_not_tables(shared, memberships, min_shared, viewer_is_admin=True)
    forums = {}
    for m in memberships:
        forums.setdefault(m.agency, set()).add(m.forum)
    for p in pairs:
        assert p.count >= min_shared
        assert not forums.get(p.agency_a, set()) & forums.get(p.agency_b, set())
    assert [p.count for p in pairs] == sorted((p.count for p in pairs), reverse=True)
    expected = {
        (s.agency_a, s.agency_b)
        for s in shared
        if s.count >= min_shared and not forums.get(s.agency_a, set()) & forums.get(s.agency_b, set())
    }
    assert {(p.agency_a, p.agency_b) for p in pairs} == expected


NAMES = st.text(min_size=1, max_size=30)


@given(MEMBERSHIPS, st.dictionaries(AGENCY_IDS, NAMES), shared_children())
def test_svg_is_well_formed_and_names_every_agency(memberships, names, shared):
    m = silo_map(memberships, names.keys(), agency_names=names, shared=shared, min_shared=1)
    svg = render_svg(m)
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed
    assert root.get("role") == "img"
    assert root.find(f"{SVG_NS}title") is not None
    assert root.find(f"{SVG_NS}desc") is not None
    texts = [t.text or "" for t in root.iter(f"{SVG_NS}text")]
    # Characters XML cannot carry at all are dropped and runs of whitespace drawn as one space
    # (as SVG shows text anyway); a blank name falls back to the id. Everything else appears.
    invalid = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
    for agency in m.agencies:
        drawn = " ".join(invalid.sub("", m.label(agency)).split()) or agency
        assert drawn in texts
    assert render_svg(m) == svg  # deterministic
    assert json.loads(json.dumps(to_json(m))) == to_json(m)


@given(MEMBERSHIPS, EXTRA_AGENCIES)
def test_the_map_does_not_depend_on_input_order(memberships, extra):
    assert silo_map(memberships, extra) == silo_map(list(reversed(memberships)), sorted(extra, reverse=True))


@given(st.lists(st.builds(Membership, AGENCY_IDS, FORUM_IDS), min_size=1, max_size=20), shared_children())
def test_who_else_could_join_never_suggests_a_member_and_always_says_why(memberships, shared):
    forum = memberships[0].forum
    on_forum = {m.agency for m in memberships if m.forum == forum}
    needs = {a: {f"need-{int(a[-1]) % 3}"} for a in {m.agency for m in memberships}}
    for suggestion in who_else_could_join(forum, memberships, shared, needs):
        assert suggestion.agency not in on_forum
        assert suggestion.reasons
        assert all(s.member in on_forum for s in suggestion.shared_with)


def test_reference_weights_helper_agrees_by_hand():
    memberships = {Membership("a", "F"), Membership("b", "F"), Membership("b", "G"), Membership("a", "G")}
    assert reference_weights(memberships, {"a", "b"}) == {("a", "b"): 2}
