"""The silo map from the database: reads the directory and the "who is involved" index, and
hands them to the pure calculations in ``joinedup.domain.network`` (issue 4).

What goes in
------------
- **Agencies**: every active agency (by ``code``), including those on no forum.
- **Forums**: every active forum (by ``code``) and the seats active agencies hold on them.
- **Shared young people** (``shared_children_counts``): for each pair of agencies, how many
  distinct young people both are linked to. A young person is linked to an agency when
  the agency is their lead agency, holds an agency reference (a case number) for them, or
  runs a service they have an involvement with that was active at some time in the last
  12 months (started on or before today and not ended a year ago or earlier; the end is the
  actual end, else the planned end, else the service's age limit, else none: open). Lead
  agency and references carry no dates: they count while the record is kept. One aggregate
  query; no young person leaves the database.
- **Needs** (for "who else could join"): the needs of each agency's active services.

Who sees what
-------------
The map needs ``directory.silo_map.view`` (administrators, coordinators, strategic leads,
analysts). Counts of young people are aggregates, and DESIGN §3.6 applies: anyone but an
administrator sees counts of 1 to 4 as "fewer than 5". Because the threshold N of the
"share children but not tables" list is itself a figure, a viewer who could lower N below 5
could tell a count of 4 from 3 by asking twice; so for everyone but administrators N is never
below 5 (``effective_min_shared``). On a forum's page, "who else could join" gives the shared
young people only to holders of ``directory.silo_map.view``; everyone else sees needs only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from joinedup.domain import network
from joinedup.platform.access import Role, has_capability

from .models import Agency, Forum, ForumMembership, Service

CAPABILITY = "directory.silo_map.view"
MAX_MIN_SHARED = 10_000
LOOKBACK_DAYS = 365


class MinSharedError(ValueError):
    """A threshold this viewer may not use; the message says why, in plain English."""


def viewer_is_admin(user) -> bool:
    """Whether the viewer sees exact small counts: active partnership administrators only."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)) and (
        getattr(user, "role", None) == Role.ADMIN
    )


def can_view(user) -> bool:
    return has_capability(user, CAPABILITY)


def default_min_shared() -> int:
    """The partnership's threshold (``JOINEDUP_SILO_MIN_SHARED``), at least 1."""
    return max(1, int(getattr(settings, "JOINEDUP_SILO_MIN_SHARED", network.DEFAULT_MIN_SHARED)))


def lowest_min_shared(*, admin: bool) -> int:
    return 1 if admin else network.SUPPRESSION_THRESHOLD


def effective_min_shared(requested: int | None, *, admin: bool) -> int:
    """The threshold to use. ``None`` means the partnership's default, raised to 5 for anyone
    who is not an administrator. A number asked for explicitly must be allowed for this viewer:
    whole, at most 10,000, and at least 5 (1 for administrators); otherwise ``MinSharedError``."""
    floor = lowest_min_shared(admin=admin)
    if requested is None:
        return max(default_min_shared(), floor)
    if isinstance(requested, bool) or not isinstance(requested, int):
        raise MinSharedError("Enter the number of young people as a whole number, like 5")
    if requested > MAX_MIN_SHARED:
        raise MinSharedError(f"Enter a number of young people of {MAX_MIN_SHARED:,} or fewer")
    if requested < floor:
        if admin:
            raise MinSharedError("Enter a number of young people of 1 or more")
        raise MinSharedError("Enter a number of young people of 5 or more: smaller numbers could identify young people")
    return requested


# --------------------------------------------------------------------------------------------
# Reading the database
# --------------------------------------------------------------------------------------------


def shared_children_counts(*, today: dt.date | None = None) -> dict[tuple[str, str], int]:
    """How many distinct young people each pair of agencies is linked to (see the module
    docstring for "linked"), keyed by the pair of agency codes in order (``a < b``). Pairs
    sharing nobody are left out. Every agency, active or not. One query."""
    from joinedup.people.models import AgencyReference, Involvement, YoungPerson

    today = today or timezone.localdate()
    since = today - dt.timedelta(days=LOOKBACK_DAYS)
    since_month = since.year * 12 + since.month
    qn = connection.ops.quote_name
    person, reference, involvement = (qn(m._meta.db_table) for m in (YoungPerson, AgencyReference, Involvement))
    service, agency = qn(Service._meta.db_table), qn(Agency._meta.db_table)
    # The age-limit end is the 1st of the birth month, ends_at_age years on; it is after
    # ``since`` exactly when its (year, month) is later than since's.
    sql = f"""
        WITH links AS (
            SELECT p.id AS yp, p.lead_agency_id AS agency FROM {person} p
            UNION
            SELECT r.young_person_id, r.agency_id FROM {reference} r
            UNION
            SELECT i.young_person_id, s.agency_id
            FROM {involvement} i
            JOIN {service} s ON s.id = i.service_id
            JOIN {person} p ON p.id = i.young_person_id
            WHERE i.start <= %s AND (
                i.actual_end > %s
                OR (i.actual_end IS NULL AND i.planned_end > %s)
                OR (i.actual_end IS NULL AND i.planned_end IS NULL AND (
                    s.ends_at_age IS NULL
                    OR (CAST(SUBSTR(p.birth_month, 1, 4) AS INTEGER) + s.ends_at_age) * 12
                       + CAST(SUBSTR(p.birth_month, 6, 2) AS INTEGER) > %s
                ))
            )
        )
        SELECT a.code, b.code, COUNT(DISTINCT x.yp)
        FROM links x
        JOIN links y ON y.yp = x.yp AND x.agency < y.agency
        JOIN {agency} a ON a.id = x.agency
        JOIN {agency} b ON b.id = y.agency
        GROUP BY a.code, b.code
    """  # noqa: S608 - table names come from the models; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [today, since, since, since_month])
        rows = cursor.fetchall()
    counts: dict[tuple[str, str], int] = {}
    for code_a, code_b, count in rows:
        counts[(code_a, code_b) if code_a < code_b else (code_b, code_a)] = int(count)
    return counts


@dataclass(frozen=True)
class _Directory:
    agencies: dict[str, tuple[int, str]]  # code -> (pk, name), active agencies
    forums: dict[str, tuple[int, str]]  # code -> (pk, name), active forums
    memberships: tuple[network.Membership, ...]


def _directory() -> _Directory:
    agencies = {
        code: (pk, name) for pk, code, name in Agency.objects.filter(is_active=True).values_list("pk", "code", "name")
    }
    forums = {
        code: (pk, name) for pk, code, name in Forum.objects.filter(is_active=True).values_list("pk", "code", "name")
    }
    memberships = tuple(
        network.Membership(agency, forum)
        for agency, forum in ForumMembership.objects.filter(agency__is_active=True, forum__is_active=True).values_list(
            "agency__code", "forum__code"
        )
    )
    return _Directory(agencies, forums, memberships)


def _shared(agencies) -> tuple[network.SharedChildren, ...]:
    return tuple(
        network.SharedChildren(a, b, n)
        for (a, b), n in sorted(shared_children_counts().items())
        if a in agencies and b in agencies
    )


def _needs(agencies) -> dict[str, set[str]]:
    """The needs each agency's active services meet, by the names people read (as ``Need``
    shows them: its label, else its slug with spaces)."""
    needs: dict[str, set[str]] = {}
    rows = Service.needs.through.objects.filter(service__is_active=True, service__agency__is_active=True).values_list(
        "service__agency__code", "need__slug", "need__label"
    )
    for code, slug, label in rows:
        if code in agencies:
            needs.setdefault(code, set()).add(label or slug.replace("-", " "))
    return needs


# --------------------------------------------------------------------------------------------
# The silo map for a viewer
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiloMapResult:
    """The domain's silo map and who it is for: everything shown from it (JSON, SVG, the page's
    tables) is suppressed for this viewer."""

    silo: network.SiloMap
    viewer_is_admin: bool
    agency_pks: dict[str, int] = field(default_factory=dict)
    forum_pks: dict[str, int] = field(default_factory=dict)

    @property
    def min_shared(self) -> int:
        return self.silo.min_shared

    def to_json(self) -> dict[str, Any]:
        """The JSON of docs/formats.md ("Silo map JSON"): the same for the API and the command."""
        return network.to_json(self.silo, viewer_is_admin=self.viewer_is_admin)

    def svg(self) -> str:
        return network.render_svg(self.silo, viewer_is_admin=self.viewer_is_admin, css_class="app-chart")

    def tables(self) -> dict[str, Any]:
        """The page's tables, built from ``to_json`` so the page shows exactly what the API does."""
        data = self.to_json()
        label = {a["id"]: a["label"] for a in data["agencies"]}
        forum_label = {f["id"]: f["label"] for f in data["forums"]}

        def agency(code: str) -> dict[str, Any]:
            return {"code": code, "name": label.get(code, code), "pk": self.agency_pks.get(code)}

        def forum(code: str) -> dict[str, Any]:
            return {"code": code, "name": forum_label.get(code, code), "pk": self.forum_pks.get(code)}

        isolated_words = {
            "no_forum": "Sits on no forum",
            "no_shared_forum": "Only on forums where it is the only member",
        }
        agencies = sorted(
            (
                {
                    **agency(a["id"]),
                    "forum_count": a["forum_count"],
                    "forums": [forum(f) for f in sorted(a["forums"], key=lambda f: forum_label.get(f, f))],
                    "betweenness": a["betweenness"],
                    "group": a["component"] + 1,
                    "isolated": isolated_words.get(a["isolated"], ""),
                    "bridge": a["bridge"],
                    "articulation_point": a["articulation_point"],
                }
                for a in data["agencies"]
            ),
            key=lambda row: (row["name"], row["code"]),
        )
        return {
            "json": data,
            "agencies": agencies,
            "forums": sorted(
                (
                    {**forum(f["id"]), "member_count": len(f["members"]), "critical": f["critical"]}
                    for f in data["forums"]
                ),
                key=lambda row: (row["name"], row["code"]),
            ),
            "ties": [
                {
                    "a": agency(e["source"]),
                    "b": agency(e["target"]),
                    "weight": e["weight"],
                    "forums": [forum(f) for f in e["shared_forums"]],
                    "bridge": e["bridge"],
                }
                for e in data["edges"]
            ],
            "components": [
                {"number": i + 1, "agencies": sorted((agency(a) for a in comp), key=lambda r: r["name"])}
                for i, comp in enumerate(data["components"])
            ],
            "isolated": [{**agency(i["agency"]), "reason": isolated_words[i["reason"]]} for i in data["isolated"]],
            "betweenness": [
                {**agency(b["agency"]), "score": b["score"]} for b in data["betweenness"] if b["score"] > 0
            ],
            "bridges": [agency(a) for a in data["bridges"]],
            "articulation_points": sorted((agency(a) for a in data["articulation_points"]), key=lambda r: r["name"]),
            "bridge_ties": [{"a": agency(a), "b": agency(b)} for a, b in data["bridge_ties"]],
            "critical_forums": sorted((forum(f) for f in data["critical_forums"]), key=lambda r: r["name"]),
            "single_forum": [{**agency(s["agency"]), "forum": forum(s["forum"])} for s in data["single_forum"]],
            "silos": [
                {"a": agency(s["agency_a"]), "b": agency(s["agency_b"]), "count": s["shared_young_people"]}
                for s in data["silos"]
            ],
        }


def _names(rows) -> str:
    return ", ".join(row["name"] for row in rows) or "none"


def as_text(result: SiloMapResult) -> str:
    """The silo map in plain English, for ``joinedup silo-map --format text``: the same figures
    as the page and the JSON."""
    t = result.tables()
    n = result.min_shared
    lines = [
        "Silo map",
        f"{len(t['agencies'])} agencies, {len(t['forums'])} forums, {len(t['ties'])} pairs of agencies sharing "
        f"a forum, {len(t['components'])} separate group{'s' if len(t['components']) != 1 else ''}.",
    ]
    if result.viewer_is_admin:
        lines.append("Exact numbers of young people (administrator).")
    else:
        lines.append('Numbers of young people from 1 to 4 are shown as "fewer than 5".')
    lines += ["", f"Agencies that share at least {n} young people but no forum:"]
    lines += [f"  {p['a']['name']} and {p['b']['name']}: {p['count']}" for p in t["silos"]] or ["  none"]
    lines += ["", "Isolated agencies:"]
    lines += [f"  {row['name']}: {row['reason'].lower()}" for row in t["isolated"]] or ["  none"]
    lines += ["", "The bridges the structure leans on (betweenness, 0 to 1):"]
    lines += [f"  {row['name']}: {row['score']:.3f}" for row in t["betweenness"]] or ["  none"]
    lines += ["", f"Agencies the network would split without: {_names(t['articulation_points'])}"]
    lines += [f"Forums the network would split without: {_names(t['critical_forums'])}"]
    lines += ["", "Agencies on only one forum:"]
    lines += [f"  {row['name']}: {row['forum']['name']}" for row in t["single_forum"]] or ["  none"]
    lines += ["", "Separate groups:"]
    lines += [f"  Group {g['number']}: {_names(g['agencies'])}" for g in t["components"]] or ["  none"]
    lines += ["", "Every agency and its forums:"]
    lines += [
        f"  {row['name']}: {row['forum_count']} ({', '.join(f['name'] for f in row['forums']) or 'no forum'})"
        for row in t["agencies"]
    ] or ["  none"]
    return "\n".join(lines) + "\n"


def silo_map_report(*, viewer_is_admin: bool, min_shared: int) -> SiloMapResult:
    """The silo map with counts shown as for an administrator or not. No access check: callers
    check first (``silo_map_for``), or are the operator's own command line."""
    directory = _directory()
    silo = network.silo_map(
        directory.memberships,
        directory.agencies,
        shared=_shared(directory.agencies),
        min_shared=min_shared,
        agency_names={code: name for code, (_, name) in directory.agencies.items()},
        forum_names={code: name for code, (_, name) in directory.forums.items()},
        forums=directory.forums,
    )
    return SiloMapResult(
        silo=silo,
        viewer_is_admin=viewer_is_admin,
        agency_pks={code: pk for code, (pk, _) in directory.agencies.items()},
        forum_pks={code: pk for code, (pk, _) in directory.forums.items()},
    )


def silo_map_for(user, *, min_shared: int | None = None) -> SiloMapResult:
    """The silo map as ``user`` may see it. ``PermissionDenied`` without
    ``directory.silo_map.view``; ``MinSharedError`` for a threshold this viewer may not use."""
    if not can_view(user):
        raise PermissionDenied(f"Your role does not allow {CAPABILITY}")
    admin = viewer_is_admin(user)
    return silo_map_report(viewer_is_admin=admin, min_shared=effective_min_shared(min_shared, admin=admin))


# --------------------------------------------------------------------------------------------
# Who else could join a forum
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JoinCandidate:
    pk: int
    code: str
    name: str
    reasons: tuple[str, ...]
    shared_with: tuple[network.SharedWith, ...]
    common_needs: tuple[str, ...]


@dataclass(frozen=True)
class WhoElse:
    """Suggestions for one forum, and what they were drawn from for this viewer."""

    candidates: tuple[JoinCandidate, ...]
    shares_children: bool  # shared young people were used (the viewer may see the silo map)
    suppressed: bool  # counts of 1 to 4 are shown as "fewer than 5"

    def __iter__(self):
        return iter(self.candidates)

    def __len__(self) -> int:
        return len(self.candidates)


def who_else_could_join_for(user, forum: Forum) -> WhoElse:
    """Active agencies not on ``forum`` that share young people (only for viewers of the silo
    map) or needs with its members, each with the reasons, best first."""
    admin = viewer_is_admin(user)
    if not has_capability(user, "directory.view"):
        return WhoElse((), shares_children=False, suppressed=not admin)
    directory = _directory()
    memberships = tuple(
        network.Membership(code, forum.code)
        for code in ForumMembership.objects.filter(forum=forum).values_list("agency__code", flat=True)
    )
    shares_children = can_view(user)
    shared = _shared(directory.agencies) if shares_children else ()
    suggestions = network.who_else_could_join(
        forum.code,
        memberships,
        shared,
        _needs(directory.agencies),
        agency_names={code: name for code, (_, name) in directory.agencies.items()},
        viewer_is_admin=admin,
    )
    candidates = tuple(
        JoinCandidate(
            pk=directory.agencies[s.agency][0],
            code=s.agency,
            name=directory.agencies[s.agency][1],
            reasons=s.reasons,
            shared_with=s.shared_with,
            common_needs=s.common_needs,
        )
        for s in suggestions
        if s.agency in directory.agencies
    )
    return WhoElse(candidates, shares_children=shares_children, suppressed=not admin)
