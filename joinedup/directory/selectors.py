"""Reads of the directory. Agencies and services hold no personal data, but every read
still goes through here so scoping can tighten in one place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from joinedup.people.models import AgencyReference, Involvement, YoungPerson
from joinedup.people.selectors import full_access_q
from joinedup.platform.access import has_capability

from .models import (
    ACTIVE_ACTION_STATUSES,
    Action,
    Agency,
    AgendaItem,
    AgendaItemKind,
    Attendance,
    AttendanceStatus,
    Contact,
    Decision,
    DistributionList,
    DistributionListMember,
    Forum,
    ForumMembership,
    Meeting,
    Need,
    Service,
)


def agency_list_for(user) -> QuerySet[Agency]:
    if not has_capability(user, "directory.view"):
        return Agency.objects.none()
    qs = Agency.objects.all()
    if not has_capability(user, "directory.manage"):
        qs = qs.filter(is_active=True)
    return qs.order_by("name")


def service_list_for(user) -> QuerySet[Service]:
    if not has_capability(user, "directory.view"):
        return Service.objects.none()
    qs = Service.objects.select_related("agency").prefetch_related("needs")
    if not has_capability(user, "directory.manage"):
        qs = qs.filter(is_active=True, agency__is_active=True)
    return qs.order_by("name")


def public_service_list() -> QuerySet[Service]:
    """What anyone may see without signing in: active, public services of active agencies."""
    return (
        Service.objects.filter(is_active=True, is_public=True, agency__is_active=True)
        .select_related("agency")
        .prefetch_related("needs")
        .order_by("name")
    )


def public_service_get(code: str) -> Service:
    """One service of the public directory by its service ID, or 404."""
    return get_object_or_404(public_service_list(), code=code)


def public_agency_list() -> QuerySet[Agency]:
    """Agencies the public directory shows: active ones with at least one public service."""
    return (
        Agency.objects.filter(is_active=True, pk__in=public_service_list().values("agency_id"))
        .annotate(
            public_service_count=Count(
                "services", filter=Q(services__is_active=True, services__is_public=True), distinct=True
            )
        )
        .order_by("name")
    )


def public_agency_get(code: str) -> Agency:
    """One agency of the public directory by its code, or 404."""
    return get_object_or_404(public_agency_list(), code=code)


def public_need_list() -> QuerySet[Need]:
    """Needs met by at least one service in the public directory."""
    return Need.objects.filter(services__in=public_service_list().values("pk")).distinct().order_by("slug")


def oruk_export_rows(*, scope: str, user=None) -> tuple[list[Agency], list[Service]]:
    """The agencies and services an Open Referral export holds, ordered by code.

    ``public``: the public directory; ``visible``: what ``user`` sees signed in (every agency
    and service for administrators); ``all``: everything (the command line)."""
    if scope == "public":
        agencies = public_agency_list()
        services = public_service_list()
    elif scope == "visible":
        agencies = agency_list_for(user)
        services = service_list_for(user)
    elif scope == "all":
        agencies = Agency.objects.all()
        services = Service.objects.select_related("agency").prefetch_related("needs")
    else:
        raise ValueError(f"Unknown export scope {scope!r}")
    return list(agencies.order_by("code")), list(services.order_by("code"))


def need_list() -> QuerySet[Need]:
    return Need.objects.order_by("slug")


def agency_rows_for(user) -> QuerySet[Agency]:
    """Agencies with ``service_count``: the services this user can see."""
    visible = Q(services__in=service_list_for(user).values("pk"))
    return agency_list_for(user).annotate(service_count=Count("services", filter=visible, distinct=True))


def agency_get_for(user, pk) -> Agency:
    """One agency this user may see, or 404."""
    return get_object_or_404(agency_list_for(user), pk=pk)


def agency_services_for(user, agency: Agency) -> QuerySet[Service]:
    return service_list_for(user).filter(agency=agency)


def service_get_for(user, pk) -> Service:
    """One service this user may see, or 404."""
    return get_object_or_404(service_list_for(user), pk=pk)


def service_filter(
    services: QuerySet[Service],
    *,
    age: int | None = None,
    needs: Iterable[str] = (),
    audience: str | None = None,
    agency: Agency | int | None = None,
    agency_code: str | None = None,
    text: str | None = None,
) -> QuerySet[Service]:
    """The one place services are searched (the signed-in list, the public directory and
    the API all use it). Every filter is optional and they combine with AND:

    - ``age``: the service's age range covers it (an unset end is open);
    - ``needs``: need slugs; the service meets **any** of them;
    - ``audience``: child, adult or all_age; ``agency``: an Agency or its pk;
      ``agency_code``: an agency's code;
    - ``text``: every word appears (ignoring case) in the service's name or its remit.
    """
    qs = services
    if age is not None:
        qs = qs.filter(Q(min_age__isnull=True) | Q(min_age__lte=age), Q(max_age__isnull=True) | Q(max_age__gte=age))
    wanted = sorted({slug for slug in needs if slug})
    if wanted:
        qs = qs.filter(pk__in=Service.needs.through.objects.filter(need__slug__in=wanted).values("service_id"))
    if audience:
        qs = qs.filter(audience=audience)
    if agency:
        qs = qs.filter(agency=agency)
    if agency_code:
        qs = qs.filter(agency__code=agency_code)
    for word in search_words(text):
        qs = qs.filter(Q(name__icontains=word) | Q(remit__icontains=word))
    return qs


def search_words(text: str | None) -> list[str]:
    """The words of a free-text search, at most 10 of them."""
    return (text or "").split()[:10]


def service_search_for(user, **filters) -> QuerySet[Service]:
    """Services this user may see, narrowed by ``service_filter``'s filters."""
    return service_filter(service_list_for(user), **filters)


def public_service_search(**filters) -> QuerySet[Service]:
    """The public directory, narrowed by ``service_filter``'s filters (never by agency pk
    of an agency that is not public: the base list already leaves those out)."""
    return service_filter(public_service_list(), **filters)


def agency_lookup() -> dict[str, Agency]:
    """Every agency by its code and by its exact name, for matching names in imported files."""
    lookup: dict[str, Agency] = {}
    agencies = list(Agency.objects.all())
    for agency in agencies:
        lookup[agency.name] = agency
    for agency in agencies:
        lookup[agency.code] = agency  # a code wins over another agency's identical name
    return lookup


def agency_choices() -> QuerySet[Agency]:
    """Agencies a service can belong to (for the service form)."""
    return Agency.objects.order_by("name")


# --- forums and distribution lists ---------------------------------------------------------
# Forums are read by every signed-in role. Distribution lists hold staff names and email
# addresses: signed-in users only, never the public.


def _can_manage_forums(user) -> bool:
    return has_capability(user, "directory.forums.manage")


def forum_list_for(user) -> QuerySet[Forum]:
    """Forums with ``member_count``; inactive ones only for those who manage forums."""
    if not has_capability(user, "directory.view"):
        return Forum.objects.none()
    qs = Forum.objects.select_related("chair_agency").annotate(member_count=Count("memberships", distinct=True))
    if not _can_manage_forums(user):
        qs = qs.filter(is_active=True)
    return qs.order_by("name")


def forum_get_for(user, pk) -> Forum:
    return get_object_or_404(forum_list_for(user), pk=pk)


def forum_memberships_for(user, forum: Forum) -> QuerySet[ForumMembership]:
    if not has_capability(user, "directory.view"):
        return ForumMembership.objects.none()
    return forum.memberships.select_related("agency").order_by("agency__name")


def forum_membership_get_for(user, forum: Forum, pk) -> ForumMembership:
    return get_object_or_404(forum_memberships_for(user, forum).select_related("forum"), pk=pk)


def forum_distribution_list(forum: Forum) -> DistributionList | None:
    return forum.distribution_lists.first()


def forum_membership_agency_choices(forum: Forum) -> QuerySet[Agency]:
    """Active agencies not yet at the forum."""
    return Agency.objects.filter(is_active=True).exclude(forum_memberships__forum=forum).order_by("name")


def forum_choices() -> QuerySet[Forum]:
    return Forum.objects.order_by("name")


def distribution_list_list_for(user) -> QuerySet[DistributionList]:
    if not has_capability(user, "directory.view"):
        return DistributionList.objects.none()
    return (
        DistributionList.objects.select_related("forum")
        .annotate(member_count=Count("members", distinct=True))
        .order_by("name")
    )


def distribution_list_get_for(user, pk) -> DistributionList:
    return get_object_or_404(distribution_list_list_for(user), pk=pk)


def distribution_list_members_for(user, distribution_list: DistributionList) -> QuerySet[DistributionListMember]:
    if not has_capability(user, "directory.view"):
        return DistributionListMember.objects.none()
    return distribution_list.members.select_related("agency").order_by("name", "email")


def distribution_list_member_get_for(user, distribution_list: DistributionList, pk) -> DistributionListMember:
    return get_object_or_404(distribution_list_members_for(user, distribution_list), pk=pk)


def distribution_list_contacts_for(user, distribution_list: DistributionList, agency: Agency) -> list[Contact]:
    """An agency's people who could join the list: for those who manage lists only."""
    if not _can_manage_forums(user):
        return []
    return distribution_list.contacts_to_offer(agency)


# --- meetings, agenda items and actions ------------------------------------------------------
# Meetings are read by every signed-in role (DESIGN §5). A young person on an agenda is shown
# by need to know (DESIGN §3.2, §7; ADR 0009), with the rule from ``joinedup.people.selectors``:
# - a viewer who may see the young person's record in full (their agency is involved, or
#   break-glass) sees the reference, initials, who is involved and the panel's outcome;
# - another coordinator or practitioner sees the signpost: reference, agencies involved, lead
#   contact. The outcome ("Outcome recorded — ask the lead contact") is for the first group
#   and for coordinators, who run the panels and write and review their outcomes;
# - roles that see no individual records (administrators, strategic leads, analysts,
#   moderators) see only that a young person was discussed.
# Decisions on a young person's item, and actions about them, follow the outcome's rule;
# an action's owner agency also sees its own actions.

PANEL_OUTCOME_ROLES = frozenset({"coordinator"})
DUE_SOON_DAYS = 14


@dataclass(frozen=True)
class PersonOnAgenda:
    """What one viewer may see of one young person on an agenda."""

    level: str  # "full", "signpost" or "none" (people.selectors.access_level)
    ref: str = ""
    initials: str = ""
    agencies: tuple[str, ...] = ()
    lead_agency: str = ""
    lead_contact_name: str = ""
    lead_contact_email: str = ""
    lead_contact_phone: str = ""

    @property
    def shown(self) -> bool:
        return self.level != "none"


@dataclass(frozen=True)
class AgendaItemView:
    item: AgendaItem
    person: PersonOnAgenda | None  # None for a context or topic
    sees_outcome: bool
    decisions: tuple[DecisionView, ...] = ()
    actions: tuple[ActionView, ...] = ()

    @property
    def subject(self) -> str:
        if self.person is None:
            return self.item.subject
        if self.person.shown:
            return f"Young person {self.person.ref}"
        return "A young person"


@dataclass(frozen=True)
class DecisionView:
    decision: Decision
    visible: bool


@dataclass(frozen=True)
class ActionView:
    action: Action
    visible: bool  # the title, lead and evidence may be shown
    ref: str = ""  # the young person it is about, where visible
    can_update: bool = False
    overdue: bool = False


@dataclass(frozen=True)
class AttendanceRow:
    agency: Agency
    role_in_forum: str  # "" for an agency that came but is not a member
    status: str  # "" when not recorded
    status_label: str
    attendees: str


@dataclass(frozen=True)
class MeetingPage:
    meeting: Meeting
    items: tuple[AgendaItemView, ...]
    attendance: tuple[AttendanceRow, ...]
    decisions: tuple[DecisionView, ...]  # decisions not on an agenda item
    actions: tuple[ActionView, ...]  # actions not on an agenda item
    people_shown: dict[str, str]  # ref -> level, for the audit trail


def _is_searcher(user) -> bool:
    return has_capability(user, "people.search")


def sees_panel_outcomes(user) -> bool:
    """Coordinators run the panels: they read every panel outcome they write and review (ADR 0009)."""
    return _is_searcher(user) and getattr(user, "role", None) in PANEL_OUTCOME_ROLES


def _full_access_ids(user, person_ids) -> set[int]:
    ids = {pk for pk in person_ids if pk is not None}
    if not ids or not _is_searcher(user):
        return set()
    return set(YoungPerson.objects.filter(full_access_q(user), pk__in=ids).values_list("pk", flat=True))


def _involved_agency_names(people) -> dict[int, tuple[str, ...]]:
    """Each young person's involved agencies, by name: the rule of
    ``people.selectors.involved_agencies`` (lead, case reference, involvement), in three queries."""
    names: dict[int, set[str]] = {person.pk: {person.lead_agency.name} for person in people}
    ids = list(names)
    if ids:
        for person_id, name in AgencyReference.objects.filter(young_person_id__in=ids).values_list(
            "young_person_id", "agency__name"
        ):
            names[person_id].add(name)
        for person_id, name in Involvement.objects.filter(young_person_id__in=ids).values_list(
            "young_person_id", "service__agency__name"
        ):
            names[person_id].add(name)
    return {pk: tuple(sorted(found)) for pk, found in names.items()}


def people_on_agenda(user, people) -> dict[int, PersonOnAgenda]:
    """What ``user`` may see of each of these young people, by pk."""
    people = [person for person in people if person is not None]
    if not _is_searcher(user):
        return {person.pk: PersonOnAgenda(level="none") for person in people}
    full = _full_access_ids(user, [person.pk for person in people])
    agencies = _involved_agency_names(people)
    return {
        person.pk: PersonOnAgenda(
            level="full" if person.pk in full else "signpost",
            ref=person.ref,
            initials=person.initials if person.pk in full else "",
            agencies=agencies[person.pk],
            lead_agency=person.lead_agency.name,
            lead_contact_name=person.lead_contact_name,
            lead_contact_email=person.lead_contact_email,
            lead_contact_phone=person.lead_contact_phone,
        )
        for person in people
    }


def _sees_about(user, person_id: int | None, full: set[int]) -> bool:
    """May ``user`` read what a panel said about this young person (None: not about a young person)?"""
    if person_id is None:
        return True
    return person_id in full or sees_panel_outcomes(user)


def action_detail_visible(user, action: Action, full: set[int] | None = None) -> bool:
    """The action's title, lead and evidence: for everyone unless it is about a young person;
    then for those who may read the panel's outcome, and for its owner agency's practitioners
    and coordinators (they must know what they were asked to do)."""
    if action.young_person_id is None:
        return has_capability(user, "directory.view")
    if full is None:
        full = _full_access_ids(user, [action.young_person_id])
    if _sees_about(user, action.young_person_id, full):
        return True
    return _is_searcher(user) and action.owner_agency_id == getattr(user, "agency_id", None)


def action_can_update(user, action: Action, full: set[int] | None = None) -> bool:
    """Progress (status, evidence, date done) may be updated by the owner agency's people, and
    by those who manage forums; either way only where they may read the action."""
    if not has_capability(user, "directory.actions.update"):
        return False
    if not action_detail_visible(user, action, full):
        return False
    return _can_manage_forums(user) or action.owner_agency_id == getattr(user, "agency_id", None)


def action_can_change_all(user) -> bool:
    """What, who, by when and which agency: those who manage forums (they record the meetings)."""
    return _can_manage_forums(user)


def _action_view(user, action: Action, full: set[int], today: dt.date) -> ActionView:
    visible = action_detail_visible(user, action, full)
    ref = action.young_person.ref if visible and action.young_person_id is not None else ""
    return ActionView(
        action=action,
        visible=visible,
        ref=ref,
        can_update=action_can_update(user, action, full),
        overdue=action.is_overdue_on(today),
    )


def meeting_list_for(user) -> QuerySet[Meeting]:
    """Meetings of the forums this user may see."""
    return Meeting.objects.filter(forum__in=forum_list_for(user).values("pk")).select_related("forum")


def forum_meetings_for(user, forum: Forum, *, today: dt.date | None = None) -> tuple[list[Meeting], list[Meeting]]:
    """A forum's meetings: (upcoming, soonest first; past, latest first)."""
    today = today or dt.date.today()
    meetings = (
        meeting_list_for(user)
        .filter(forum=forum)
        .annotate(
            item_count=Count("agenda_items", distinct=True),
            open_actions=Count("actions", filter=Q(actions__status__in=ACTIVE_ACTION_STATUSES), distinct=True),
        )
    )
    upcoming = list(meetings.filter(date__gte=today).order_by("date"))
    past = list(meetings.filter(date__lt=today).order_by("-date"))
    return upcoming, past


def meeting_get_for(user, pk) -> Meeting:
    return get_object_or_404(meeting_list_for(user).select_related("forum__chair_agency"), pk=pk)


def agenda_item_get_for(user, meeting: Meeting, pk) -> AgendaItem:
    """An item of a meeting the user may see (what they may read of it is ``agenda_item_view_for``)."""
    return get_object_or_404(
        AgendaItem.objects.filter(meeting=meeting).select_related("meeting__forum", "young_person__lead_agency"),
        pk=pk,
    )


def agenda_item_view_for(user, item: AgendaItem) -> AgendaItemView:
    person = people_on_agenda(user, [item.young_person]).get(item.young_person_id) if item.young_person_id else None
    full = _full_access_ids(user, [item.young_person_id])
    return AgendaItemView(item=item, person=person, sees_outcome=_sees_about(user, item.young_person_id, full))


def meeting_agenda_items(meeting: Meeting) -> QuerySet[AgendaItem]:
    """The items, for choosing one in a form: labelled by ``AgendaItem.subject`` (no young person's ref)."""
    return meeting.agenda_items.order_by("order", "pk")


def meeting_page_for(user, meeting: Meeting, *, today: dt.date | None = None) -> MeetingPage:
    """Everything the meeting page shows, as this user may see it."""
    today = today or dt.date.today()
    items = list(
        meeting.agenda_items.select_related("young_person__lead_agency", "presenter_agency").order_by("order", "pk")
    )
    people = people_on_agenda(user, [item.young_person for item in items if item.young_person_id])
    actions = list(meeting.actions.select_related("owner_agency", "young_person").order_by("due_date", "pk"))
    decisions = list(meeting.decisions.order_by("pk"))
    full = _full_access_ids(user, [item.young_person_id for item in items] + [a.young_person_id for a in actions])

    item_views = []
    for item in items:
        sees = _sees_about(user, item.young_person_id, full)
        item_views.append(
            AgendaItemView(
                item=item,
                person=people.get(item.young_person_id) if item.young_person_id else None,
                sees_outcome=sees,
                decisions=tuple(DecisionView(d, sees) for d in decisions if d.agenda_item_id == item.pk),
                actions=tuple(_action_view(user, a, full, today) for a in actions if a.agenda_item_id == item.pk),
            )
        )
    by_item = {item.pk for item in items}
    shown = {p.ref: p.level for p in people.values() if p.shown}
    for view in item_views:
        if view.person is not None and view.person.shown and view.sees_outcome and view.person.level != "full":
            shown[view.person.ref] = "panel_outcome"
    return MeetingPage(
        meeting=meeting,
        items=tuple(item_views),
        attendance=tuple(attendance_rows_for(user, meeting)),
        decisions=tuple(DecisionView(d, True) for d in decisions if d.agenda_item_id not in by_item),
        actions=tuple(_action_view(user, a, full, today) for a in actions if a.agenda_item_id not in by_item),
        people_shown=shown,
    )


def attendance_rows_for(user, meeting: Meeting) -> list[AttendanceRow]:
    """Every member agency of the forum, recorded or not, and any other agency that came."""
    if not has_capability(user, "directory.view"):
        return []
    recorded = {row.agency_id: row for row in meeting.attendance.select_related("agency")}
    roles = {m.agency_id: m for m in meeting.forum.memberships.select_related("agency")}
    labels = dict(AttendanceStatus.choices)
    rows = []
    for agency_id, membership in roles.items():
        row = recorded.get(agency_id)
        rows.append(
            AttendanceRow(
                agency=membership.agency,
                role_in_forum=membership.get_role_in_forum_display(),
                status=row.status if row else "",
                status_label=labels[row.status] if row else "Not recorded",
                attendees=row.attendees if row else "",
            )
        )
    for agency_id, row in recorded.items():
        if agency_id not in roles:
            rows.append(AttendanceRow(row.agency, "", row.status, labels[row.status], row.attendees))
    return sorted(rows, key=lambda r: r.agency.name)


def attendance_agency_choices(meeting: Meeting) -> QuerySet[Agency]:
    """Agencies that could attend as guests: active ones not members of the forum."""
    return Agency.objects.filter(is_active=True).exclude(forum_memberships__forum=meeting.forum).order_by("name")


def meeting_member_agencies(meeting: Meeting) -> list[Agency]:
    return [m.agency for m in meeting.forum.memberships.select_related("agency").order_by("agency__name")]


def meeting_attendance(meeting: Meeting) -> dict[int, Attendance]:
    return {row.agency_id: row for row in meeting.attendance.all()}


# --- the actions list and one action -----------------------------------------------------------


def action_list_for(
    user,
    *,
    owner_agency: Agency | int | None = None,
    status: str | None = None,
    overdue: bool = False,
    today: dt.date | None = None,
) -> list[ActionView]:
    """Actions across every forum (and later every plan), as this user may see them."""
    if not has_capability(user, "directory.view"):
        return []
    today = today or dt.date.today()
    qs = Action.objects.select_related("owner_agency", "meeting__forum", "young_person")
    if owner_agency:
        qs = qs.filter(owner_agency=owner_agency)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.overdue(today)
    actions = list(qs.order_by("due_date", "pk"))
    full = _full_access_ids(user, [a.young_person_id for a in actions])
    return [_action_view(user, action, full, today) for action in actions]


def action_get_for(user, pk) -> Action:
    if not has_capability(user, "directory.view"):
        raise Http404("No such action")
    return get_object_or_404(
        Action.objects.select_related("owner_agency", "meeting__forum", "agenda_item", "young_person"), pk=pk
    )


def action_view_for(user, action: Action, *, today: dt.date | None = None) -> ActionView:
    full = _full_access_ids(user, [action.young_person_id])
    return _action_view(user, action, full, today or dt.date.today())


# --- panels: young people due for review ------------------------------------------------------


@dataclass(frozen=True)
class ReviewRow:
    item: AgendaItem
    person: PersonOnAgenda
    due: str  # "overdue", "today" or "soon"


@dataclass(frozen=True)
class PanelReviews:
    forum: Forum
    rows: tuple[ReviewRow, ...]


def panel_reviews_due_for(
    user, *, today: dt.date | None = None, within_days: int = DUE_SOON_DAYS
) -> list[PanelReviews]:
    """Young people whose panel review date has come or comes within two weeks, per panel.

    Only each young person's latest item at a panel counts: once they are on a later meeting's
    agenda (held or planned) the earlier review is taken care of. Coordinators, who run the
    panels, see every panel's list; practitioners see the young people their agency is
    involved with (or holds break-glass for)."""
    if not has_capability(user, "directory.panel_reviews.view"):
        return []
    today = today or dt.date.today()
    later = AgendaItem.objects.filter(
        young_person_id=OuterRef("young_person_id"),
        meeting__forum_id=OuterRef("meeting__forum_id"),
        meeting__date__gt=OuterRef("meeting__date"),
    )
    items = (
        AgendaItem.objects.filter(
            kind=AgendaItemKind.YOUNG_PERSON,
            review_date__isnull=False,
            review_date__lte=today + dt.timedelta(days=within_days),
            meeting__forum__is_active=True,
        )
        .filter(~Exists(later))
        .select_related("meeting__forum", "young_person__lead_agency")
        .order_by("meeting__forum__name", "review_date", "young_person__ref")
    )
    if not sees_panel_outcomes(user):
        items = items.filter(full_access_q(user, prefix="young_person__"))
    items = list(items)
    people = people_on_agenda(user, [item.young_person for item in items])
    panels: dict[int, list[ReviewRow]] = {}
    forums: dict[int, Forum] = {}
    for item in items:
        due = "overdue" if item.review_date < today else "today" if item.review_date == today else "soon"
        forums[item.meeting.forum_id] = item.meeting.forum
        panels.setdefault(item.meeting.forum_id, []).append(ReviewRow(item, people[item.young_person_id], due))
    return [PanelReviews(forums[pk], tuple(rows)) for pk, rows in panels.items()]


def young_person_for_agenda(user, ref: str):
    """The young person with this reference, for putting on a panel's agenda, or None.

    Any young person the partnership knows may be put on an agenda by someone allowed to
    search (``people.search``): this reads no more than the search's signpost does."""
    from joinedup.people.selectors import young_person_by_ref

    try:
        return young_person_by_ref(user, ref)
    except Http404:
        return None


def agency_active_choices() -> QuerySet[Agency]:
    return Agency.objects.filter(is_active=True).order_by("name")
