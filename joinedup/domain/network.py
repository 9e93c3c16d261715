"""The silo map: who sits at which tables, and where the partnership is joined up or not.

Pure Python (networkx, no Django, no database). Everything goes in and comes out as frozen
dataclasses of plain ids and strings, so the Django layer can feed it from its tables later.

Inputs
------
- ``Membership(agency, forum)``: one agency sitting on one forum. Ids are strings (use the
  agency's and forum's ``code``, or ``str(pk)``). Duplicates are ignored.
- ``agencies``: every agency, including those on no forum at all (otherwise we cannot see them).
  Agencies named in memberships are added if missing.
- ``SharedChildren(agency_a, agency_b, count)``: how many of the same young people two agencies
  are both involved with (computed from involvements elsewhere). One row per unordered pair.
- ``needs``: ``{agency: {"exploitation", "housing", ...}}`` for "who else could join".
- ``agency_names`` / ``forum_names``: labels for people to read; the id is used when missing.

Calculations
------------
``silo_map`` builds the bipartite agencies × forums graph, projects it onto agencies (an edge
weighted by the number of forums two agencies share, via
``networkx.algorithms.bipartite.weighted_projected_graph``) and reports isolated agencies,
connected components, betweenness (the "bridges" the structure leans on), articulation points,
bridge ties, critical forums, agencies on only one forum and, when shared children are given,
the silos: pairs who share at least ``min_shared`` young people but no forum
(``shared_children_not_tables``). ``who_else_could_join`` suggests agencies for a forum, each
with its reasons in plain English.

Disclosure control (DESIGN §3.6): counts of 1 to 4 young people are shown as "fewer than 5" to
anyone who is not a partnership administrator. Every function that emits a count of young
people takes ``viewer_is_admin`` and defaults to suppressing. Orderings and totals that would
reveal a suppressed count are computed as if the suppressed counts were indistinguishable.

JSON (``to_json``)
------------------
::

    {
      "agencies": [                       # every agency, sorted by id
        {"id": "yjs", "label": "Youth Justice Service", "forums": ["mace", "board"],
         "forum_count": 2, "betweenness": 0.5, "component": 0,
         "isolated": null | "no_forum" | "no_shared_forum",
         "bridge": true, "articulation_point": true}
      ],
      "forums": [{"id": "mace", "label": "MACE panel", "members": ["camhs", "yjs"],
                  "critical": false}],
      "edges": [                          # the agency–agency projection, source < target
        {"source": "camhs", "target": "yjs", "weight": 2, "shared_forums": ["board", "mace"],
         "bridge": false}
      ],
      "components": [["camhs", "police", "yjs"], ["housing"]],   # largest first
      "isolated": [{"agency": "housing", "reason": "no_forum"}],
      "betweenness": [{"agency": "yjs", "score": 0.5}],         # highest first, all agencies
      "bridges": ["yjs"],                 # top agencies by betweenness (score > 0)
      "articulation_points": ["yjs"],     # removing one splits a component
      "bridge_ties": [["police", "yjs"]], # removing one tie splits a component
      "critical_forums": ["mace"],        # removing the forum cuts some agencies off
      "single_forum": [{"agency": "police", "forum": "board"}],
      "silos": [{"agency_a": "camhs", "agency_b": "housing",
                 "shared_young_people": 12 | "fewer than 5"}],   # largest first
      "min_shared": 5,
      "suppressed": true                  # small counts were suppressed for this viewer
    }

Scores are rounded to 6 decimal places. ``render_svg`` draws the same map as an accessible SVG.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from html import escape
from typing import Any, Literal

import networkx as nx
from networkx.algorithms import bipartite

SUPPRESSION_THRESHOLD = 5
SUPPRESSED = "fewer than 5"
DEFAULT_MIN_SHARED = 5
DEFAULT_TOP_BRIDGES = 5

IsolatedReason = Literal["no_forum", "no_shared_forum"]


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Membership:
    """One agency sitting on one forum."""

    agency: str
    forum: str


@dataclass(frozen=True)
class SharedChildren:
    """Two agencies both involved with ``count`` of the same young people."""

    agency_a: str
    agency_b: str
    count: int


# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tie:
    """An edge of the agency–agency projection: the forums two agencies share."""

    agency_a: str
    agency_b: str
    shared_forums: tuple[str, ...]

    @property
    def weight(self) -> int:
        return len(self.shared_forums)


@dataclass(frozen=True)
class Isolated:
    """An agency that meets nobody: on no forum, or only on forums where it is alone."""

    agency: str
    reason: IsolatedReason


@dataclass(frozen=True)
class Centrality:
    agency: str
    betweenness: float


@dataclass(frozen=True)
class SiloPair:
    """Two agencies who share young people but sit at no table together.

    ``count`` is an int, or ``"fewer than 5"`` when suppressed for a non-admin viewer.
    """

    agency_a: str
    agency_b: str
    count: int | str


@dataclass(frozen=True)
class SharedWith:
    member: str
    count: int | str


@dataclass(frozen=True)
class JoinSuggestion:
    """An agency that could join a forum, and why, in plain English."""

    agency: str
    reasons: tuple[str, ...]
    shared_with: tuple[SharedWith, ...]
    common_needs: tuple[str, ...]


@dataclass(frozen=True)
class SiloMap:
    """The result of :func:`silo_map`. All tuples are sorted, so equal inputs give equal maps.

    ``graph`` (bipartite; nodes ``("agency", id)`` and ``("forum", id)``, attribute
    ``bipartite`` 0 or 1) and ``projection`` (agency ids, edge attribute ``weight``) are frozen
    networkx graphs kept for callers that need more; they take no part in equality.
    """

    agencies: tuple[str, ...]
    forums: tuple[str, ...]
    agency_names: tuple[tuple[str, str], ...]
    forum_names: tuple[tuple[str, str], ...]
    memberships: tuple[Membership, ...]
    ties: tuple[Tie, ...]
    components: tuple[tuple[str, ...], ...]
    isolated: tuple[Isolated, ...]
    betweenness: tuple[Centrality, ...]
    bridges: tuple[str, ...]
    articulation_points: tuple[str, ...]
    bridge_ties: tuple[tuple[str, str], ...]
    critical_forums: tuple[str, ...]
    single_forum: tuple[Membership, ...]
    silos: tuple[SiloPair, ...]
    min_shared: int
    graph: nx.Graph = field(compare=False, repr=False)
    projection: nx.Graph = field(compare=False, repr=False)

    def label(self, agency: str) -> str:
        return dict(self.agency_names).get(agency, agency)

    def forum_label(self, forum: str) -> str:
        return dict(self.forum_names).get(forum, forum)

    def forums_of(self, agency: str) -> tuple[str, ...]:
        return tuple(m.forum for m in self.memberships if m.agency == agency)

    def members_of(self, forum: str) -> tuple[str, ...]:
        return tuple(sorted(m.agency for m in self.memberships if m.forum == forum))


# --------------------------------------------------------------------------------------------
# Disclosure control
# --------------------------------------------------------------------------------------------


def suppress_small(count: int) -> int | str:
    """A count of young people fit for a non-admin viewer: 1–4 become "fewer than 5"; 0 stays 0."""
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError("count must be an int")
    if count < 0:
        raise ValueError("count cannot be negative")
    if 0 < count < SUPPRESSION_THRESHOLD:
        return SUPPRESSED
    return count


def _shown(count: int, viewer_is_admin: bool) -> int | str:
    return count if viewer_is_admin else suppress_small(count)


def _rank_count(count: int, viewer_is_admin: bool) -> int:
    """The count used for ordering: suppressed counts are indistinguishable from one another."""
    if viewer_is_admin or count == 0 or count >= SUPPRESSION_THRESHOLD:
        return count
    return 1


# --------------------------------------------------------------------------------------------
# Input normalisation
# --------------------------------------------------------------------------------------------


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _forums_by_agency(memberships: Iterable[Membership]) -> dict[str, set[str]]:
    by_agency: dict[str, set[str]] = defaultdict(set)
    for m in memberships:
        by_agency[m.agency].add(m.forum)
    return by_agency


def _shared_counts(shared: Iterable[SharedChildren]) -> dict[tuple[str, str], int]:
    """One count per unordered pair. A pair given twice (in either order) is an error upstream."""
    counts: dict[tuple[str, str], int] = {}
    for s in shared:
        if s.agency_a == s.agency_b:
            raise ValueError(f"shared children of an agency with itself: {s.agency_a!r}")
        if isinstance(s.count, bool) or not isinstance(s.count, int) or s.count < 0:
            raise ValueError(f"shared children count must be a non-negative int, not {s.count!r}")
        key = _pair(s.agency_a, s.agency_b)
        if key in counts:
            raise ValueError(f"shared children given twice for {key[0]!r} and {key[1]!r}")
        counts[key] = s.count
    return counts


# --------------------------------------------------------------------------------------------
# The silo map
# --------------------------------------------------------------------------------------------


def silo_map(
    memberships: Iterable[Membership],
    agencies: Iterable[str] = (),
    *,
    shared: Iterable[SharedChildren] = (),
    min_shared: int = DEFAULT_MIN_SHARED,
    agency_names: Mapping[str, str] | None = None,
    forum_names: Mapping[str, str] | None = None,
    forums: Iterable[str] = (),
    top_bridges: int = DEFAULT_TOP_BRIDGES,
) -> SiloMap:
    """Build the silo map.

    Betweenness is computed on the agency projection, normalised, with **weights used as
    distances: distance = 1 / shared forums**. Two agencies that share three forums are
    "closer" than two that share one, so shortest paths run along the strongest ties and an
    agency scores highly when the strong chains between others pass through it. (Used raw, the
    weight would be treated as a length and the strongest ties would look the longest.) The
    distances are exact ``Fraction``s so that equally short paths are recognised as equal and
    share the credit, with no floating-point tie-breaking.

    ``bridges`` are the ``top_bridges`` agencies with the highest non-zero betweenness.
    ``articulation_points`` (agencies) and ``bridge_ties`` (agency pairs) come from networkx on
    the projection; ``critical_forums`` are forums that are articulation points of the bipartite
    graph: without that forum some agencies would no longer be linked to the others.

    ``silos`` holds raw counts (use :func:`to_json` or :func:`shared_children_not_tables` with
    ``viewer_is_admin`` to show them).
    """
    memberships = tuple(sorted(set(memberships), key=lambda m: (m.agency, m.forum)))
    by_agency = _forums_by_agency(memberships)
    all_agencies = sorted(set(agencies) | set(by_agency))
    all_forums = sorted(set(forums) | {m.forum for m in memberships})
    if top_bridges < 0:
        raise ValueError("top_bridges cannot be negative")

    graph = nx.Graph()
    graph.add_nodes_from((("agency", a) for a in all_agencies), bipartite=0)
    graph.add_nodes_from((("forum", f) for f in all_forums), bipartite=1)
    graph.add_edges_from((("agency", m.agency), ("forum", m.forum)) for m in memberships)

    if all_forums:
        projected = bipartite.weighted_projected_graph(graph, [("agency", a) for a in all_agencies])
        projection = nx.relabel_nodes(projected, {node: node[1] for node in projected.nodes})
    else:  # networkx refuses to project onto every node; with no forums nobody meets anyone
        projection = nx.Graph()
        projection.add_nodes_from(all_agencies)

    ties = []
    for a, b, data in projection.edges(data=True):
        a, b = _pair(a, b)
        common = tuple(sorted(by_agency[a] & by_agency[b]))
        projection[a][b]["distance"] = Fraction(1, data["weight"])
        ties.append(Tie(a, b, common))
    ties.sort(key=lambda t: (t.agency_a, t.agency_b))

    components = tuple(
        sorted((tuple(sorted(c)) for c in nx.connected_components(projection)), key=lambda c: (-len(c), c))
    )

    isolated = tuple(
        Isolated(a, "no_forum" if not by_agency.get(a) else "no_shared_forum")
        for a in all_agencies
        if projection.degree(a) == 0
    )

    scores = nx.betweenness_centrality(projection, normalized=True, weight="distance")
    betweenness = tuple(
        sorted(
            (Centrality(a, float(scores.get(a, 0.0))) for a in all_agencies), key=lambda c: (-c.betweenness, c.agency)
        )
    )
    bridges = tuple(c.agency for c in betweenness if c.betweenness > 0)[:top_bridges]

    articulation_points = tuple(sorted(nx.articulation_points(projection)))
    bridge_ties = tuple(sorted(_pair(a, b) for a, b in nx.bridges(projection)))
    critical_forums = tuple(sorted(node[1] for node in nx.articulation_points(graph) if node[0] == "forum"))

    single_forum = tuple(
        Membership(a, next(iter(by_agency[a]))) for a in all_agencies if len(by_agency.get(a, ())) == 1
    )

    silos = shared_children_not_tables(shared, memberships, min_shared=min_shared, viewer_is_admin=True)

    return SiloMap(
        agencies=tuple(all_agencies),
        forums=tuple(all_forums),
        agency_names=tuple(sorted((agency_names or {}).items())),
        forum_names=tuple(sorted((forum_names or {}).items())),
        memberships=memberships,
        ties=tuple(ties),
        components=components,
        isolated=isolated,
        betweenness=betweenness,
        bridges=bridges,
        articulation_points=articulation_points,
        bridge_ties=bridge_ties,
        critical_forums=critical_forums,
        single_forum=single_forum,
        silos=silos,
        min_shared=min_shared,
        graph=nx.freeze(graph),
        projection=nx.freeze(projection),
    )


def _order_silos(pairs: Iterable[tuple[str, str, int]], viewer_is_admin: bool) -> tuple[SiloPair, ...]:
    ordered = sorted(pairs, key=lambda p: (-_rank_count(p[2], viewer_is_admin), p[0], p[1]))
    return tuple(SiloPair(a, b, _shown(n, viewer_is_admin)) for a, b, n in ordered)


def shared_children_not_tables(
    shared: Iterable[SharedChildren],
    memberships: Iterable[Membership],
    min_shared: int = DEFAULT_MIN_SHARED,
    *,
    viewer_is_admin: bool = False,
) -> tuple[SiloPair, ...]:
    """Pairs of agencies involved with at least ``min_shared`` of the same young people who sit
    on no forum together: the silos that matter most. Largest count first, then by ids.

    For a non-admin viewer counts of 1–4 (possible only when ``min_shared`` < 5) are shown as
    "fewer than 5" and ordered among themselves by id, so the order does not reveal them.
    """
    if isinstance(min_shared, bool) or not isinstance(min_shared, int) or min_shared < 1:
        raise ValueError("min_shared must be a whole number of at least 1")
    by_agency = _forums_by_agency(memberships)
    found = [
        (a, b, n)
        for (a, b), n in _shared_counts(shared).items()
        if n >= min_shared and not (by_agency.get(a, set()) & by_agency.get(b, set()))
    ]
    return _order_silos(found, viewer_is_admin)


# --------------------------------------------------------------------------------------------
# Who else could join this forum
# --------------------------------------------------------------------------------------------


def _and_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _people(count: int | str) -> str:
    return "1 young person" if count == 1 else f"{count} young people"


def who_else_could_join(
    forum: str,
    memberships: Iterable[Membership],
    shared: Iterable[SharedChildren] = (),
    needs: Mapping[str, Iterable[str]] | None = None,
    *,
    agency_names: Mapping[str, str] | None = None,
    viewer_is_admin: bool = False,
) -> tuple[JoinSuggestion, ...]:
    """Agencies not on ``forum`` that share young people or needs with its members, with reasons.

    Reasons read like "shares 12 young people with Youth Justice Service and 7 with CAMHS" (one
    count per member: the same young person may be known to several members, so counts are not
    added up in the text) and "works with needs: exploitation, housing" (the candidate's needs
    that some member also works with).

    Ranked by: number of members it shares young people with, then the total of the counts as
    this viewer may see them (suppressed counts add nothing for a non-admin), then the number of
    needs in common, then label and id. A forum with no members has no suggestions.
    """
    memberships = tuple(memberships)
    names = agency_names or {}
    members = {m.agency for m in memberships if m.forum == forum}
    if not members:
        return ()
    needs = {a: set(n) for a, n in (needs or {}).items()}
    member_needs: set[str] = set().union(*(needs.get(m, set()) for m in members))

    shared_with: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (a, b), n in _shared_counts(shared).items():
        if n <= 0:
            continue
        if a in members and b not in members:
            shared_with[b].append((a, n))
        elif b in members and a not in members:
            shared_with[a].append((b, n))

    candidates = (set(shared_with) | {a for a, n in needs.items() if n & member_needs}) - members

    def label(agency: str) -> str:
        return names.get(agency, agency)

    ranked = []
    for agency in candidates:
        pairs = sorted(
            shared_with.get(agency, []), key=lambda p: (-_rank_count(p[1], viewer_is_admin), label(p[0]), p[0])
        )
        common = tuple(sorted(needs.get(agency, set()) & member_needs))
        reasons = []
        if pairs:
            first_member, first_count = pairs[0]
            parts = [f"{_people(_shown(first_count, viewer_is_admin))} with {label(first_member)}"]
            parts += [f"{_shown(n, viewer_is_admin)} with {label(m)}" for m, n in pairs[1:]]
            reasons.append("shares " + _and_list(parts))
        if common:
            reasons.append("works with needs: " + ", ".join(common))
        visible_total = sum(n for _, n in pairs if viewer_is_admin or n >= SUPPRESSION_THRESHOLD)
        key = (-len(pairs), -visible_total, -len(common), label(agency), agency)
        suggestion = JoinSuggestion(
            agency=agency,
            reasons=tuple(reasons),
            shared_with=tuple(SharedWith(m, _shown(n, viewer_is_admin)) for m, n in pairs),
            common_needs=common,
        )
        ranked.append((key, suggestion))
    ranked.sort(key=lambda item: item[0])
    return tuple(s for _, s in ranked)


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------


def to_json(silo: SiloMap, *, viewer_is_admin: bool = False) -> dict[str, Any]:
    """A JSON-ready dict of the silo map (format in the module docstring)."""
    component_of = {a: i for i, comp in enumerate(silo.components) for a in comp}
    isolated = {i.agency: i.reason for i in silo.isolated}
    score = {c.agency: round(c.betweenness, 6) for c in silo.betweenness}
    bridges = set(silo.bridges)
    articulation = set(silo.articulation_points)
    bridge_ties = set(silo.bridge_ties)
    critical = set(silo.critical_forums)
    silos = _order_silos(((p.agency_a, p.agency_b, int(p.count)) for p in silo.silos), viewer_is_admin)
    return {
        "agencies": [
            {
                "id": a,
                "label": silo.label(a),
                "forums": list(silo.forums_of(a)),
                "forum_count": len(silo.forums_of(a)),
                "betweenness": score[a],
                "component": component_of[a],
                "isolated": isolated.get(a),
                "bridge": a in bridges,
                "articulation_point": a in articulation,
            }
            for a in silo.agencies
        ],
        "forums": [
            {"id": f, "label": silo.forum_label(f), "members": list(silo.members_of(f)), "critical": f in critical}
            for f in silo.forums
        ],
        "edges": [
            {
                "source": t.agency_a,
                "target": t.agency_b,
                "weight": t.weight,
                "shared_forums": list(t.shared_forums),
                "bridge": (t.agency_a, t.agency_b) in bridge_ties,
            }
            for t in silo.ties
        ],
        "components": [list(c) for c in silo.components],
        "isolated": [{"agency": i.agency, "reason": i.reason} for i in silo.isolated],
        "betweenness": [{"agency": c.agency, "score": score[c.agency]} for c in silo.betweenness],
        "bridges": list(silo.bridges),
        "articulation_points": list(silo.articulation_points),
        "bridge_ties": [list(t) for t in silo.bridge_ties],
        "critical_forums": list(silo.critical_forums),
        "single_forum": [{"agency": m.agency, "forum": m.forum} for m in silo.single_forum],
        "silos": [{"agency_a": p.agency_a, "agency_b": p.agency_b, "shared_young_people": p.count} for p in silos],
        "min_shared": silo.min_shared,
        "suppressed": not viewer_is_admin,
    }


# --------------------------------------------------------------------------------------------
# SVG
# --------------------------------------------------------------------------------------------

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_INK = "#0b0c0c"
_FONT = 14
_CHAR_WIDTH = 8.0  # a generous estimate of one character's width at _FONT px
_NODE = 10
_MAX_WIDTH = 1100
_LEGEND_HEIGHT = 150


def _esc(text: str) -> str:
    """Text safe for XML content and attribute values (characters XML 1.0 forbids are dropped)."""
    return escape(_XML_INVALID.sub("", str(text)), quote=True)


def _display(text: str, fallback: str = "(no name)") -> str:
    """A label as drawn: characters XML forbids dropped, runs of whitespace (newlines, tabs)
    made one space, as SVG would show them anyway; a blank label falls back to ``fallback``."""
    cleaned = " ".join(_XML_INVALID.sub("", str(text)).split())
    return cleaned or " ".join(_XML_INVALID.sub("", str(fallback)).split()) or "(no name)"


def _svg_label(silo: SiloMap, agency: str) -> str:
    return _display(silo.label(agency), agency)


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def _describe(silo: SiloMap, viewer_is_admin: bool) -> str:
    n_isolated = len(silo.isolated)
    sentences = [
        f"{len(silo.agencies)} agencies and {len(silo.forums)} forums. "
        f"{len(silo.ties)} pairs of agencies share at least one forum. "
        f"The agencies fall into {len(silo.components)} separate group{'s' if len(silo.components) != 1 else ''}."
    ]
    if n_isolated:
        sentences.append(
            "Isolated: "
            + "; ".join(
                f"{_svg_label(silo, i.agency)} ({'on no forum' if i.reason == 'no_forum' else 'shares no forum with anyone'})"
                for i in silo.isolated
            )
            + "."
        )
    if silo.bridges:
        sentences.append("The structure leans most on: " + ", ".join(_svg_label(silo, a) for a in silo.bridges) + ".")
    if silo.articulation_points:
        sentences.append(
            "Without any one of these the network splits: "
            + ", ".join(_svg_label(silo, a) for a in silo.articulation_points)
            + "."
        )
    if silo.single_forum:
        sentences.append("On only one forum: " + ", ".join(_svg_label(silo, m.agency) for m in silo.single_forum) + ".")
    silos = _order_silos(((p.agency_a, p.agency_b, int(p.count)) for p in silo.silos), viewer_is_admin)
    if silos:
        sentences.append(
            "Share young people but no forum: "
            + "; ".join(
                f"{_svg_label(silo, p.agency_a)} and {_svg_label(silo, p.agency_b)} ({_people(p.count)})" for p in silos
            )
            + "."
        )
    return " ".join(sentences)


def _layout(silo: SiloMap) -> tuple[dict[str, tuple[float, float]], float, float]:
    """Each component on its own circle (largest first), cells flowing left to right and
    wrapping. Returns node positions and the drawing's size."""
    positions: dict[str, tuple[float, float]] = {}
    x = y = 0.0
    row_height = 0.0
    width = 0.0
    for comp in silo.components:
        k = len(comp)
        radius = 0.0 if k == 1 else max(60.0, 90.0 * k / (2 * math.pi))
        label_room = max(len(_svg_label(silo, a)) for a in comp) * _CHAR_WIDTH + 2 * _NODE + 12
        cell_w = 2 * radius + 2 * label_room + 20
        cell_h = 2 * radius + 4 * _NODE + 3 * _FONT + 40
        if x > 0 and x + cell_w > _MAX_WIDTH:
            x, y = 0.0, y + row_height
            row_height = 0.0
        cx, cy = x + cell_w / 2, y + cell_h / 2
        # Start at the top and go clockwise, in id order: the same input always draws the same.
        for i, a in enumerate(comp):
            angle = -math.pi / 2 + 2 * math.pi * i / k
            positions[a] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
        x += cell_w
        width = max(width, x)
        row_height = max(row_height, cell_h)
    return positions, max(width, 600.0), y + row_height


def _node_shape(x: float, y: float, forum_count: int) -> str:
    if forum_count == 0:  # diamond: on no forum
        r = _NODE + 2
        return (
            f'<polygon points="{_fmt(x)},{_fmt(y - r)} {_fmt(x + r)},{_fmt(y)} {_fmt(x)},{_fmt(y + r)} '
            f'{_fmt(x - r)},{_fmt(y)}" fill="#ffffff" stroke="{_INK}" stroke-width="2" stroke-dasharray="3 2"/>'
        )
    if forum_count == 1:  # square: on one forum only
        return (
            f'<rect x="{_fmt(x - _NODE)}" y="{_fmt(y - _NODE)}" width="{2 * _NODE}" height="{2 * _NODE}" '
            f'fill="#ffffff" stroke="{_INK}" stroke-width="2"/>'
        )
    return f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{_NODE}" fill="#ffffff" stroke="{_INK}" stroke-width="2"/>'


def _legend(y0: float) -> str:
    x = 10.0
    rows = [
        (_node_shape(x + 12, y0 + 20, 2), "Circle: agency on two or more forums (text gives how many)"),
        (_node_shape(x + 12, y0 + 45, 1), "Square: agency on only one forum"),
        (_node_shape(x + 12, y0 + 70, 0), "Dashed diamond: agency on no forum"),
        (
            f'<circle cx="{_fmt(x + 12)}" cy="{_fmt(y0 + 95)}" r="{_NODE + 5}" fill="none" stroke="{_INK}" '
            f'stroke-width="2"/>' + _node_shape(x + 12, y0 + 95, 2),
            "Outer ring: a bridge the structure leans on",
        ),
        (
            f'<line x1="{_fmt(x)}" y1="{_fmt(y0 + 122)}" x2="{_fmt(x + 24)}" y2="{_fmt(y0 + 122)}" stroke="{_INK}" '
            f'stroke-width="4"/>',
            "Solid line: forums shared (thicker means more; the number says how many)",
        ),
        (
            f'<line x1="{_fmt(x)}" y1="{_fmt(y0 + 142)}" x2="{_fmt(x + 24)}" y2="{_fmt(y0 + 142)}" stroke="{_INK}" '
            f'stroke-width="2" stroke-dasharray="6 4"/>',
            "Dashed line: share young people but no forum",
        ),
    ]
    out = ['<g class="legend">']
    for i, (shape, text) in enumerate(rows):
        ty = [20, 45, 70, 95, 122, 142][i] + y0 + 5
        out.append(shape)
        out.append(f'<text x="{_fmt(x + 36)}" y="{_fmt(ty)}">{_esc(text)}</text>')
    out.append("</g>")
    return "\n".join(out)


def render_svg(
    silo: SiloMap, *, viewer_is_admin: bool = False, id_prefix: str = "silo-map", css_class: str = ""
) -> str:
    """Draw the agency projection as a standalone, accessible SVG.

    Nothing depends on colour (everything is drawn in one ink on white): the shape of a node says
    how many forums the agency sits on (circle two or more, square one, dashed diamond none),
    an outer ring marks a bridge, the thickness of a solid line and the number on it say how
    many forums a pair shares, and a dashed line joins a pair who share young people but no
    forum. Every node is labelled with the agency's name and its number of forums. The SVG has
    ``role="img"``, a ``<title>`` and a ``<desc>`` (a plain-English summary) referenced by
    ``aria-labelledby``, and a legend. The layout is deterministic: each connected component on
    its own circle, in id order, largest component first. Counts of young people in the text
    are suppressed unless ``viewer_is_admin``. ``css_class`` (letters, digits, ``-``, ``_`` and
    spaces) is put on the ``<svg>`` element, so a page can size it.
    """
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", id_prefix) or "silo-map"
    if not prefix[0].isalpha():
        prefix = "s-" + prefix
    classes = " ".join(re.sub(r"[^A-Za-z0-9_ -]", "", css_class).split())
    class_attr = f' class="{classes}"' if classes else ""
    positions, width, height = _layout(silo)
    width += 20
    total_h = height + _LEGEND_HEIGHT + 20
    forum_counts = {a: len(silo.forums_of(a)) for a in silo.agencies}
    bridges = set(silo.bridges)
    title = "Silo map: which agencies sit on forums together"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg"{class_attr} role="img" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" '
        f'viewBox="0 0 {_fmt(width)} {_fmt(total_h)}" width="{_fmt(width)}" height="{_fmt(total_h)}" '
        f'font-family="Arial, sans-serif" font-size="{_FONT}" fill="{_INK}">',
        f'<title id="{prefix}-title">{_esc(title)}</title>',
        f'<desc id="{prefix}-desc">{_esc(_describe(silo, viewer_is_admin))}</desc>',
        f'<rect x="0" y="0" width="{_fmt(width)}" height="{_fmt(total_h)}" fill="#ffffff"/>',
        '<g class="silos">',
    ]
    shown_silos = _order_silos(((p.agency_a, p.agency_b, int(p.count)) for p in silo.silos), viewer_is_admin)
    for p in shown_silos:
        if p.agency_a not in positions or p.agency_b not in positions:
            continue
        (x1, y1), (x2, y2) = positions[p.agency_a], positions[p.agency_b]
        out.append(
            f'<line x1="{_fmt(x1)}" y1="{_fmt(y1)}" x2="{_fmt(x2)}" y2="{_fmt(y2)}" stroke="{_INK}" '
            f'stroke-width="2" stroke-dasharray="6 4"><title>{_esc(_svg_label(silo, p.agency_a))} and '
            f"{_esc(_svg_label(silo, p.agency_b))} share {_esc(_people(p.count))} but no forum</title></line>"
        )
    out.append("</g>")
    out.append('<g class="ties">')
    for t in silo.ties:
        (x1, y1), (x2, y2) = positions[t.agency_a], positions[t.agency_b]
        forums_text = ", ".join(_display(silo.forum_label(f), f) for f in t.shared_forums)
        out.append(
            f"<g><title>{_esc(_svg_label(silo, t.agency_a))} and {_esc(_svg_label(silo, t.agency_b))} share "
            f"{t.weight} forum{'s' if t.weight != 1 else ''}: {_esc(forums_text)}</title>"
            f'<line x1="{_fmt(x1)}" y1="{_fmt(y1)}" x2="{_fmt(x2)}" y2="{_fmt(y2)}" stroke="{_INK}" '
            f'stroke-width="{_fmt(min(1.5 * t.weight, 9.0))}"/>'
        )
        if t.weight > 1:
            mx, my = (x1 + x2) / 2, (y1 + y2) / 2
            out.append(
                f'<circle cx="{_fmt(mx)}" cy="{_fmt(my)}" r="9" fill="#ffffff" stroke="{_INK}"/>'
                f'<text x="{_fmt(mx)}" y="{_fmt(my + 4)}" text-anchor="middle" font-size="11">{t.weight}</text>'
            )
        out.append("</g>")
    out.append("</g>")
    out.append('<g class="agencies">')
    centres = {}
    for comp in silo.components:
        xs = [positions[a][0] for a in comp]
        ys = [positions[a][1] for a in comp]
        centres[comp] = (sum(xs) / len(xs), sum(ys) / len(ys))
    for comp in silo.components:
        cx, cy = centres[comp]
        for a in comp:
            x, y = positions[a]
            n = forum_counts[a]
            name = _svg_label(silo, a)
            detail = "no forum" if n == 0 else f"{n} forum{'s' if n != 1 else ''}"
            if a in bridges:
                detail += ", bridge"
            out.append(f"<g><title>{_esc(name)}: {_esc(detail)}</title>")
            if a in bridges:
                out.append(
                    f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{_NODE + 5}" fill="none" stroke="{_INK}" stroke-width="2"/>'
                )
            out.append(_node_shape(x, y, n))
            dx, dy = x - cx, y - cy
            if len(comp) == 1 or abs(dx) < 1:
                anchor, lx, ly = "middle", x, y + (-(_NODE + 26) if dy < 0 else _NODE + 20)
            else:
                anchor = "start" if dx > 0 else "end"
                lx, ly = x + (_NODE + 8 if dx > 0 else -(_NODE + 8)), y + 4
            out.append(
                f'<text x="{_fmt(lx)}" y="{_fmt(ly)}" text-anchor="{anchor}">{_esc(name)}</text>'
                f'<text x="{_fmt(lx)}" y="{_fmt(ly + _FONT + 2)}" text-anchor="{anchor}" font-size="12">'
                f"({_esc(detail)})</text></g>"
            )
    out.append("</g>")
    out.append(_legend(height + 10))
    out.append("</svg>")
    return "\n".join(out)
