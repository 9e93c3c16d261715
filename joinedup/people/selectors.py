"""Scoped reads of young people (DESIGN §3.2, §7). Every read of personal data comes through here.

Who sees what:
- A **practitioner** or **coordinator** sees a young person's full record when their agency is
  *involved*: it is the lead agency, holds an agency reference (a case number), or has or had an
  involvement through one of its services. A coordinator may also open a record through
  break-glass, which needs a reason, expires and is audited.
- Anyone else allowed to search (``people.search``) sees the **signpost** only: the reference,
  which agencies are involved and whom to contact.
- Strategic leads, analysts, moderators and administrators see no individual records here.

Opening a record is audited: see ``services.young_person_open``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from joinedup.directory.models import Agency, Service
from joinedup.domain.transition_prompts import LEAVING_CARE_MARKERS
from joinedup.platform.access import has_capability

from .models import (
    AgencyReference,
    BreakGlassAccess,
    BridgingReferral,
    ForecastRun,
    Involvement,
    SharingDecision,
    StoredEdge,
    StoredExit,
    TransitionPlan,
    VoiceEntry,
    YoungPerson,
)


def _require(user, capability: str) -> None:
    if not has_capability(user, capability):
        raise PermissionDenied(f"Your role does not allow {capability}")


def involved_q(agency_id: int | None, prefix: str = "") -> Q:
    """Young people whose record the agency is involved in (lead, case reference or involvement).

    ``prefix`` lets the same rule filter a related table, e.g. ``young_person__``."""
    if agency_id is None:
        return Q(pk__in=[])
    outer = OuterRef(f"{prefix}pk") if prefix else OuterRef("pk")
    return (
        Q(**{f"{prefix}lead_agency_id": agency_id})
        | Q(Exists(AgencyReference.objects.filter(young_person_id=outer, agency_id=agency_id)))
        | Q(Exists(Involvement.objects.filter(young_person_id=outer, service__agency_id=agency_id)))
    )


def _break_glass_q(user, prefix: str = "") -> Q:
    if not has_capability(user, "people.break_glass"):
        return Q(pk__in=[])
    outer = OuterRef(f"{prefix}pk") if prefix else OuterRef("pk")
    return Q(
        Exists(BreakGlassAccess.objects.filter(young_person_id=outer, user_id=user.pk, expires_at__gt=timezone.now()))
    )


def full_access_q(user, prefix: str = "") -> Q:
    """The young people ``user`` may see in full: their agency is involved, or break-glass is open."""
    if not has_capability(user, "people.search"):
        return Q(pk__in=[])
    return involved_q(getattr(user, "agency_id", None), prefix) | _break_glass_q(user, prefix)


def agency_involved_ids_q(agency_id: int | None, field: str = "young_person_id") -> Q:
    """``involved_q`` for a table that refers to a young person by ``field``, written as
    uncorrelated ``IN (subquery)`` tests: the database works out each set (the agency's led young
    people, case references, involvements) once per query and looks rows up in it, with no join
    to the young people table. For aggregate pages; the same young people as ``involved_q``."""
    if agency_id is None:
        return Q(pk__in=[])
    if field == "pk":  # the young people table itself
        condition = Q(lead_agency_id=agency_id)
    else:
        condition = Q(**{f"{field}__in": YoungPerson.objects.filter(lead_agency_id=agency_id).values("pk")})
    condition |= Q(**{f"{field}__in": AgencyReference.objects.filter(agency_id=agency_id).values("young_person_id")})
    condition |= Q(
        **{f"{field}__in": Involvement.objects.filter(service__agency_id=agency_id).values("young_person_id")}
    )
    return condition


def break_glass_ids(user) -> list[int]:
    """The young people ``user`` has open break-glass access to (none without the capability)."""
    if not has_capability(user, "people.break_glass"):
        return []
    return list(
        BreakGlassAccess.objects.filter(user_id=user.pk, expires_at__gt=timezone.now()).values_list(
            "young_person_id", flat=True
        )
    )


def full_access_ids_q(user, field: str = "young_person_id") -> Q:
    """``full_access_q`` in the form of ``agency_involved_ids_q`` (and open break-glass)."""
    if not has_capability(user, "people.search"):
        return Q(pk__in=[])
    condition = agency_involved_ids_q(getattr(user, "agency_id", None), field)
    if has_capability(user, "people.break_glass"):
        glass = BreakGlassAccess.objects.filter(user_id=user.pk, expires_at__gt=timezone.now())
        condition |= Q(**{f"{field}__in": glass.values("young_person_id")})
    return condition


def young_people_for(user) -> QuerySet[YoungPerson]:
    """Young people ``user`` may see in full (their own caseload and open break-glass)."""
    _require(user, "people.search")
    return YoungPerson.objects.filter(full_access_q(user)).select_related("lead_agency")


def involved_agencies(person: YoungPerson) -> list[Agency]:
    """The agencies involved with a young person: the signpost everyone allowed to search may see."""
    agency_ids = (
        {person.lead_agency_id}
        | set(AgencyReference.objects.filter(young_person=person).values_list("agency_id", flat=True))
        | set(Involvement.objects.filter(young_person=person).values_list("service__agency_id", flat=True))
    )
    return list(Agency.objects.filter(pk__in=agency_ids).order_by("name"))


def active_break_glass(user, person: YoungPerson) -> BreakGlassAccess | None:
    if not has_capability(user, "people.break_glass"):
        return None
    return (
        BreakGlassAccess.objects.filter(young_person=person, user_id=user.pk, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )


def agency_is_involved(agency_id: int | None, person: YoungPerson) -> bool:
    if agency_id is None:
        return False
    # involved_q for one young person, test by test: cheapest first, each a simple query.
    if person.lead_agency_id == agency_id:
        return True
    if AgencyReference.objects.filter(young_person_id=person.pk, agency_id=agency_id).exists():
        return True
    return Involvement.objects.filter(young_person_id=person.pk, service__agency_id=agency_id).exists()


def access_level(user, person: YoungPerson) -> str:
    """'full', 'signpost' or 'none' for this user and this young person."""
    if not has_capability(user, "people.search"):
        return "none"
    if agency_is_involved(getattr(user, "agency_id", None), person):
        return "full"
    if active_break_glass(user, person) is not None:
        return "full"
    return "signpost"


def young_person_by_ref(user, ref: str) -> YoungPerson:
    """The young person with this reference, for a user allowed to search; 404 if there is none.

    It does not say what the user may see: ask ``access_level``."""
    _require(user, "people.search")
    person = YoungPerson.objects.select_related("lead_agency").filter(ref=(ref or "").strip().upper()).first()
    if person is None:
        raise Http404("No young person has that reference")
    return person


@dataclass(frozen=True)
class SearchResult:
    ref: str
    initials: str | None  # only where the viewer may see the full record
    birth_month: str | None
    agencies: tuple[str, ...]
    lead_agency: str
    lead_contact_name: str
    lead_contact_email: str
    lead_contact_phone: str
    full_access: bool


def young_person_search_for(user, *, query: str = "", birth_month: str = "", limit: int = 50) -> list[SearchResult]:
    """Search by reference, by an agency case number, or by initials with birth month.

    Everyone allowed to search gets the signpost (reference, agencies involved, lead contact);
    initials and birth month are shown only where the viewer may see the full record.
    Initials alone are never enough: they must come with a birth month, so a search cannot
    be used to list everyone with the same initials."""
    _require(user, "people.search")
    text = (query or "").strip()
    if not text:
        return []
    upper = text.upper()
    condition = Q(ref=upper) | Q(agency_references__local_id=text)
    if birth_month and upper.isalpha() and len(upper) <= 4:
        condition |= Q(initials=upper, birth_month=birth_month)
    people = list(
        YoungPerson.objects.filter(condition).distinct().select_related("lead_agency").order_by("ref")[:limit]
    )
    full = set(
        YoungPerson.objects.filter(full_access_q(user), pk__in=[p.pk for p in people]).values_list("pk", flat=True)
    )
    results = []
    for person in people:
        sees = person.pk in full
        results.append(
            SearchResult(
                ref=person.ref,
                initials=person.initials if sees else None,
                birth_month=person.birth_month if sees else None,
                agencies=tuple(agency.name for agency in involved_agencies(person)),
                lead_agency=person.lead_agency.name,
                lead_contact_name=person.lead_contact_name,
                lead_contact_email=person.lead_contact_email,
                lead_contact_phone=person.lead_contact_phone,
                full_access=sees,
            )
        )
    return results


# --- parts of a full record (call only after access_level(...) == "full") ------------------


def involvements_of(person: YoungPerson) -> QuerySet[Involvement]:
    return person.involvements.select_related("service", "service__agency").order_by("start", "service__name")


def agency_references_of(person: YoungPerson) -> QuerySet[AgencyReference]:
    return person.agency_references.select_related("agency")


def sharing_decisions_of(person: YoungPerson) -> QuerySet[SharingDecision]:
    return person.sharing_decisions.select_related("agency").prefetch_related("with_whom")


def voice_entries_of(person: YoungPerson) -> QuerySet[VoiceEntry]:
    return person.voice_entries.select_related("agency")


def transition_plans_of(person: YoungPerson) -> QuerySet[TransitionPlan]:
    return person.transition_plans.select_related("agency", "agreed_by").prefetch_related(
        "planned_ends__involvement__service", "bridging_referrals__service"
    )


def stored_edges_of(person: YoungPerson) -> QuerySet[StoredEdge]:
    # One query for the exits, not three; ties on the date in the order they were stored.
    exits = StoredExit.objects.select_related("service", "agency").order_by("date", "pk")
    return person.stored_edges.prefetch_related(Prefetch("exits", queryset=exits)).order_by("start")


def involvement_for(user, person: YoungPerson, pk) -> Involvement:
    """An involvement of a young person the user may see in full."""
    if access_level(user, person) != "full":
        raise PermissionDenied("You cannot see this young person’s involvements")
    involvement = involvements_of(person).filter(pk=pk).first()
    if involvement is None:
        raise Http404("No such involvement")
    return involvement


def services_for_involvement(user) -> QuerySet[Service]:
    """Services a user may record an involvement with: any active service for a coordinator,
    their own agency's active services for a practitioner."""
    services = Service.objects.filter(is_active=True, agency__is_active=True).select_related("agency")
    if getattr(user, "role", None) == "coordinator":
        return services.order_by("agency__name", "name")
    return services.filter(agency_id=getattr(user, "agency_id", None)).order_by("name")


def break_glass_report_for(user, *, since: dt.date | None = None) -> QuerySet[BreakGlassAccess]:
    """Every break-glass access (newest first), for the coordinators and administrators it is reported to."""
    _require(user, "people.break_glass.report")
    rows = BreakGlassAccess.objects.select_related("young_person", "user", "user__agency")
    if since is not None:
        rows = rows.filter(opened_at__date__gte=since)
    return rows


# --- for the record pages ------------------------------------------------------------------


def caseload_for(user, *, today: dt.date | None = None) -> QuerySet[YoungPerson]:
    """``young_people_for`` with ``next_edge``: the start of the first stored cliff edge that is
    not yet over (None when there is none). Soonest edge first, then by reference."""
    today = today or timezone.localdate()
    return (
        young_people_for(user)
        .annotate(next_edge=Min("stored_edges__start", filter=Q(stored_edges__end__gt=today)))
        .order_by(F("next_edge").asc(nulls_last=True), "ref")
    )


def services_by_code(codes: Iterable[str]) -> dict[str, Service]:
    """Directory services by their service_id (the codes a stored edge's JSON uses)."""
    return {s.code: s for s in Service.objects.filter(code__in=set(codes)).select_related("agency")}


def leaving_care_q(prefix: str = "") -> Q:
    """Involvements with a leaving-care service (transition_prompts.is_leaving_care_service, in SQL)."""
    condition = Q(pk__in=[])
    for marker in LEAVING_CARE_MARKERS:
        condition |= Q(**{f"{prefix}service__code__icontains": marker})
        condition |= Q(**{f"{prefix}service__name__icontains": marker})
    return condition


def leaving_care_person_ids(person_ids: Iterable[int]) -> set[int]:
    """Which of these young people have (or had) an involvement with a leaving-care service."""
    return set(
        Involvement.objects.filter(leaving_care_q(), young_person_id__in=list(person_ids)).values_list(
            "young_person_id", flat=True
        )
    )


@dataclass(frozen=True)
class InvolvedAgency:
    agency: Agency
    is_lead: bool
    case_references: tuple[str, ...]
    services: tuple[str, ...]  # names of services with an involvement, now or before


def who_is_involved(person: YoungPerson, involvements: Sequence[Involvement] | None = None) -> list[InvolvedAgency]:
    """Every agency involved with a young person, with its case references and services (full record only).

    ``involvements``: the person's ``involvements_of`` when the caller has them already (the
    record page), so they are not read twice. The agencies are the same as ``involved_agencies``
    (lead, case reference, involvement), worked out from the rows read here."""
    if involvements is None:
        involvements = list(involvements_of(person))
    references: dict[int, list[str]] = {}
    agency_ids = {person.lead_agency_id}
    for reference in agency_references_of(person):
        references.setdefault(reference.agency_id, []).append(reference.local_id)
        agency_ids.add(reference.agency_id)
    services: dict[int, list[str]] = {}
    for involvement in involvements:
        if involvement.young_person_id != person.pk:
            raise ValueError("who_is_involved was given another young person's involvements")
        names = services.setdefault(involvement.service.agency_id, [])
        if involvement.service.name not in names:
            names.append(involvement.service.name)
        agency_ids.add(involvement.service.agency_id)
    return [
        InvolvedAgency(
            agency=agency,
            is_lead=agency.pk == person.lead_agency_id,
            case_references=tuple(references.get(agency.pk, ())),
            services=tuple(services.get(agency.pk, ())),
        )
        for agency in Agency.objects.filter(pk__in=agency_ids).order_by("name")
    ]


def bridging_referral_for(user, person: YoungPerson, pk) -> BridgingReferral:
    """A bridging referral in one of a young person's transition plans, for a user who sees the record in full."""
    if access_level(user, person) != "full":
        raise PermissionDenied("You cannot see this young person’s transition plans")
    referral = (
        BridgingReferral.objects.select_related("plan__young_person", "service")
        .filter(pk=pk, plan__young_person=person)
        .first()
    )
    if referral is None:
        raise Http404("No such bridging referral")
    return referral


def stored_edges_for(
    user,
    *,
    start_from: dt.date | None = None,
    start_to: dt.date | None = None,
    age_driven: bool | None = None,
    unbridged: bool | None = None,
) -> QuerySet[StoredEdge]:
    """Stored cliff edges of the young people ``user`` sees in full, soonest first (the API's list).

    ``age_driven`` and ``unbridged`` filter either way when given; dates bound the edge's start."""
    _require(user, "transitions.dashboard")
    edges = StoredEdge.objects.filter(full_access_q(user, "young_person__")).select_related("young_person")
    if start_from is not None:
        edges = edges.filter(start__gte=start_from)
    if start_to is not None:
        edges = edges.filter(start__lte=start_to)
    if age_driven is not None:
        edges = edges.filter(age_driven=age_driven)
    if unbridged is not None:
        edges = edges.filter(bridged=not unbridged)
    return edges.order_by("start", "young_person__ref", "pk")


# --- the transitions dashboard -------------------------------------------------------------
# It reads stored edges only (the engine never runs in the request). Which young people the
# viewer may see is worked out once per page, not per query: one query lists the edges of the
# young people the viewer's agency is involved with (a few columns each) and one the young
# people with a transition prompt; the filters, sorting, counts and monthly figures come from
# those lists, and one query fetches the page shown, checked again exactly. A fixed number of
# queries, whatever the number of young people (tests/integration/test_transitions_dashboard.py).
#
# With ``JOINEDUP_DASHBOARD_CACHE_SECONDS`` above 0 those two lists are kept in memory per agency
# for that long, and the partnership's monthly counts until the stored edges change. A stored
# forecast that changes shows at once (the key holds the number and the highest id of stored
# edges); a change to who is involved shows within the time set. What is displayed about a
# young person is always checked against the database in the request (ADR 0012).

_MEMO: dict[tuple, tuple[float, object]] = {}
_MEMO_LOCK = threading.Lock()
_MEMO_LIMIT = 256


def _cache_seconds() -> float:
    return float(getattr(settings, "JOINEDUP_DASHBOARD_CACHE_SECONDS", 0) or 0)


def remember(key: tuple, compute):
    """``compute()``, kept in this process for ``JOINEDUP_DASHBOARD_CACHE_SECONDS`` under ``key``
    (the caller puts in the key everything the value depends on)."""
    seconds = _cache_seconds()
    if seconds <= 0:
        return compute()
    now = time.monotonic()
    with _MEMO_LOCK:
        hit = _MEMO.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
    value = compute()
    with _MEMO_LOCK:
        if len(_MEMO) >= _MEMO_LIMIT:
            for old in [k for k, (expires, _) in _MEMO.items() if expires <= now] or list(_MEMO)[: _MEMO_LIMIT // 4]:
                _MEMO.pop(old, None)
        _MEMO[key] = (now + seconds, value)
    return value


def memo_clear() -> None:
    with _MEMO_LOCK:
        _MEMO.clear()


def _edges_version() -> tuple:
    """Changes whenever stored edges change (a refresh deletes rows and adds new ones)."""
    if _cache_seconds() <= 0:
        return ()
    figures = StoredEdge.objects.aggregate(n=Count("pk"), top=Max("pk"))
    return (figures["n"], figures["top"])


@dataclass(frozen=True, slots=True)
class EdgeRow:
    """One of the viewer's stored cliff edges, in brief (for filtering, sorting and counting)."""

    pk: int
    young_person_id: int
    ref: str
    area: str
    start: dt.date
    end: dt.date
    age_driven: bool
    bridged: bool


_ROW_COLUMNS = (
    "pk",
    "young_person_id",
    "young_person__ref",
    "young_person__area",
    "start",
    "end",
    "age_driven",
    "bridged",
)


def _edge_rows(condition: Q, today: dt.date) -> list[EdgeRow]:
    rows = StoredEdge.objects.filter(condition, end__gt=today).values_list(*_ROW_COLUMNS).order_by()
    return sorted((EdgeRow(*row) for row in rows), key=lambda r: (r.start, r.ref, r.pk))


def dashboard_rows_for(
    user, *, today: dt.date, version: tuple | None = None, glass: list[int] | None = None
) -> list[EdgeRow]:
    """The cliff edges not yet over (``end`` after ``today``) of the young people ``user`` sees in
    full, soonest first."""
    _require(user, "transitions.dashboard")
    if not has_capability(user, "people.search"):
        return []
    agency_id = getattr(user, "agency_id", None)
    version = _edges_version() if version is None else version
    rows = remember(
        ("edges", agency_id, today, version),
        lambda: _edge_rows(agency_involved_ids_q(agency_id), today) if agency_id is not None else [],
    )
    glass = break_glass_ids(user) if glass is None else glass
    if glass:
        known = {row.pk for row in rows}
        extra = [row for row in _edge_rows(Q(young_person_id__in=glass), today) if row.pk not in known]
        rows = sorted([*rows, *extra], key=lambda r: (r.start, r.ref, r.pk))
    return rows


@dataclass(frozen=True)
class Caseload:
    """The viewer's cliff edges not yet over (soonest first), their monthly counts over the
    months shown, and the areas of their young people (for the area filter)."""

    rows: list[EdgeRow]
    months: dict[dt.date, MonthCounts]
    areas: list[str]


def _caseload(rows: list[EdgeRow], first: dt.date, stop: dt.date) -> Caseload:
    return Caseload(rows, month_counts(rows, first=first, stop=stop), sorted({r.area for r in rows if r.area}))


def dashboard_caseload_for(
    user,
    *,
    today: dt.date,
    first: dt.date,
    stop: dt.date,
    version: tuple | None = None,
    glass: list[int] | None = None,
) -> Caseload:
    """``dashboard_rows_for`` with the monthly counts (edges starting in ``[first, stop)``) and areas.

    ``glass``: the viewer's open break-glass young people (``break_glass_ids``), if already known."""
    _require(user, "transitions.dashboard")
    version = _edges_version() if version is None else version
    glass = break_glass_ids(user) if glass is None else glass

    def build() -> Caseload:
        return _caseload(dashboard_rows_for(user, today=today, version=version, glass=glass), first, stop)

    if not glass and has_capability(user, "people.search"):
        return remember(("caseload", getattr(user, "agency_id", None), today, first, stop, version), build)
    return build()


def edges_version() -> tuple:
    """What the dashboard's memory is keyed on: changes whenever the stored edges change."""
    return _edges_version()


def edge_ids_with_exit_from(user, agency_id: int) -> set[int]:
    """Stored edges with an exit from one of the agency's services (no personal data: edge ids only)."""
    _require(user, "transitions.dashboard")
    return set(StoredExit.objects.filter(agency_id=agency_id).values_list("edge_id", flat=True))


def dashboard_edges_by_id(user, ids: Sequence[int]) -> list[dict]:
    """The stored edges with these ids that ``user`` may see in full, checked now, in the order
    given: the page of the list shown. Plain values (``ref``, ``initials``, ``area``, ``start``,
    ``end``, ``age_driven``, ``bridged``, ``resolved_by_plan``, ``bridging_needed`` and ``exits``:
    ``service``, ``date``, ``reason``), which is all the list shows."""
    _require(user, "transitions.dashboard")
    ids = list(ids)
    if not ids:
        return []
    found = {
        row["pk"]: dict(row, exits=[])
        for row in StoredEdge.objects.filter(full_access_q(user, "young_person__"), pk__in=ids).values(
            "pk",
            "start",
            "end",
            "age_driven",
            "bridged",
            "resolved_by_plan",
            "bridging_needed",
            ref=F("young_person__ref"),
            initials=F("young_person__initials"),
            area=F("young_person__area"),
        )  # fmt: skip
    }
    exits = (
        StoredExit.objects.filter(edge_id__in=list(found))
        .values_list("edge_id", "service__name", "date", "reason")
        .order_by("date", "service__name")
    )
    for edge_id, service, date, reason in exits:
        found[edge_id]["exits"].append({"service": service, "date": date, "reason": reason})
    return [found[pk] for pk in ids if pk in found]


@dataclass(frozen=True)
class MonthCounts:
    """Young people with a cliff edge starting in one month: all, age-driven, unbridged."""

    edges: int = 0
    age_driven: int = 0
    unbridged: int = 0

    def __sub__(self, other: MonthCounts) -> MonthCounts:
        return MonthCounts(
            self.edges - other.edges, self.age_driven - other.age_driven, self.unbridged - other.unbridged
        )


def month_counts(rows: Iterable[EdgeRow], *, first: dt.date, stop: dt.date) -> dict[dt.date, MonthCounts]:
    """Per month, from the viewer's rows: young people with an edge starting in ``[first, stop)``."""
    people: dict[dt.date, list[set[int]]] = {}
    for row in rows:
        if first <= row.start < stop:
            sets = people.setdefault(row.start.replace(day=1), [set(), set(), set()])
            sets[0].add(row.young_person_id)
            if row.age_driven:
                sets[1].add(row.young_person_id)
            if not row.bridged:
                sets[2].add(row.young_person_id)
    return {month: MonthCounts(*(len(s) for s in sets)) for month, sets in people.items()}


def _partnership_month_counts(first: dt.date, stop: dt.date, today: dt.date) -> dict[dt.date, MonthCounts]:
    rows = (
        StoredEdge.objects.filter(start__gte=first, start__lt=stop, end__gt=today)
        .annotate(month=TruncMonth("start"))
        .values("month")
        .annotate(
            edges=Count("young_person", distinct=True),
            age_driven=Count("young_person", distinct=True, filter=Q(age_driven=True)),
            unbridged=Count("young_person", distinct=True, filter=Q(bridged=False)),
        )
        .order_by()
    )
    counts = {}
    for row in rows:
        month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        counts[month] = MonthCounts(row["edges"], row["age_driven"], row["unbridged"])
    return counts


def partnership_month_counts(
    user, *, first: dt.date, stop: dt.date, today: dt.date, version: tuple | None = None
) -> dict[dt.date, MonthCounts]:
    """Per month, over every young person in the partnership: edges not yet over (``end`` after
    ``today``, like the viewer's rows) starting in ``[first, stop)``. Raw counts (aggregates, no
    records): the caller must apply disclosure control before showing any part the viewer may not see."""
    _require(user, "transitions.dashboard")
    version = _edges_version() if version is None else version
    return remember(("months", first, stop, today, version), lambda: _partnership_month_counts(first, stop, today))


def edge_months_for(
    user,
    *,
    first: dt.date,
    stop: dt.date,
    today: dt.date,
    version: tuple | None = None,
    glass: list[int] | None = None,
) -> dict[dt.date, tuple[MonthCounts, MonthCounts]]:
    """Per month, for edges not yet over starting in ``[first, stop)``: (the young people ``user``
    sees in full, everyone else). Each young person counts once a month, as in the engine's cohort
    view (with a window of 31 days or more nobody has two edges starting in one month). Everyone
    else's counts are raw: the caller must apply disclosure control (DESIGN §3.6) before showing them."""
    version = _edges_version() if version is None else version
    mine = dashboard_caseload_for(user, today=today, first=first, stop=stop, version=version, glass=glass).months
    everyone = partnership_month_counts(user, first=first, stop=stop, today=today, version=version)
    empty = MonthCounts()
    return {month: (mine.get(month, empty), total - mine.get(month, empty)) for month, total in everyone.items()}


def latest_forecast_run() -> ForecastRun | None:
    """The last whole-cohort forecast that finished (no personal data)."""
    return ForecastRun.objects.filter(finished_at__isnull=False).order_by("-finished_at", "-pk").first()


def forecast_runs(limit: int = 10) -> list[ForecastRun]:
    """The latest whole-cohort forecasts, newest first (no personal data)."""
    return list(ForecastRun.objects.select_related("requested_by").order_by("-started_at", "-pk")[:limit])


def _prompt_candidates(condition: Q, ranges) -> list[dict]:
    leaving_care = Involvement.objects.filter(leaving_care_q()).values("young_person_id")
    born = Q(pk__in=[])
    for first, last, care_leavers_only in ranges:
        part = Q(birth_month__gte=first, birth_month__lte=last)
        if care_leavers_only:
            part &= Q(pk__in=leaving_care)
        born |= part
    flag = Case(When(pk__in=leaving_care, then=Value(True)), default=Value(False), output_field=BooleanField())
    return list(
        YoungPerson.objects.filter(born, condition)
        .annotate(care_leaver=flag)
        .values("ref", "initials", "birth_month", "care_leaver")
        .order_by("birth_month", "ref")
    )


def prompt_candidates_for(
    user, *, ranges: Sequence[tuple[str, str, bool]], glass: list[int] | None = None
) -> list[dict]:
    """Young people ``user`` sees in full born in any of ``ranges`` ((first, last "YYYY-MM",
    inclusive; care leavers only)), oldest first, as dicts with ``care_leaver`` (a leaving-care
    involvement, any time): the candidates for a transition prompt, which falls due at a set age.
    Kept in memory like the dashboard's edges; check what is shown with ``visible_refs``."""
    _require(user, "transitions.dashboard")
    if not has_capability(user, "people.search"):
        return []
    agency_id = getattr(user, "agency_id", None)
    ranges = tuple(tuple(r) for r in ranges)
    found = remember(
        ("prompts", agency_id, ranges),
        lambda: _prompt_candidates(agency_involved_ids_q(agency_id, "pk"), ranges) if agency_id is not None else [],
    )
    glass = break_glass_ids(user) if glass is None else glass
    if glass:
        known = {row["ref"] for row in found}
        extra = [row for row in _prompt_candidates(Q(pk__in=glass), ranges) if row["ref"] not in known]
        found = sorted([*found, *extra], key=lambda row: (row["birth_month"], row["ref"]))
    return found


def visible_refs(user, refs: Iterable[str]) -> set[str]:
    """Which of these references ``user`` may see in full, checked now."""
    refs = list(refs)
    if not refs or not has_capability(user, "people.search"):
        return set()
    return set(YoungPerson.objects.filter(full_access_q(user), ref__in=refs).values_list("ref", flat=True))


def stored_edge_of(user, person: YoungPerson, start: dt.date | None) -> StoredEdge:
    """One of a young person's stored cliff edges, by its first day (the first not yet over when
    ``start`` is None), for a user who sees the record in full."""
    if access_level(user, person) != "full":
        raise PermissionDenied("You cannot see this young person’s cliff edges")
    edges = stored_edges_of(person)
    edge = (
        edges.filter(start=start).first() if start is not None else edges.filter(end__gt=timezone.localdate()).first()
    )
    if edge is None:
        raise Http404("No cliff edge starts on that day: the forecast may have changed")
    return edge
