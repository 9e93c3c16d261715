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
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from joinedup.directory.models import Agency, Service
from joinedup.platform.access import has_capability

from .models import (
    AgencyReference,
    BreakGlassAccess,
    Involvement,
    SharingDecision,
    StoredEdge,
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
    return YoungPerson.objects.filter(involved_q(agency_id), pk=person.pk).exists()


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
    return person.sharing_decisions.select_related("agency", "decided_by").prefetch_related("with_whom")


def voice_entries_of(person: YoungPerson) -> QuerySet[VoiceEntry]:
    return person.voice_entries.select_related("agency", "recorded_by")


def transition_plans_of(person: YoungPerson) -> QuerySet[TransitionPlan]:
    return person.transition_plans.select_related("agency", "agreed_by").prefetch_related(
        "planned_ends__involvement__service", "bridging_referrals__service"
    )


def stored_edges_of(person: YoungPerson) -> QuerySet[StoredEdge]:
    return person.stored_edges.prefetch_related("exits__service", "exits__agency").order_by("start")


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
