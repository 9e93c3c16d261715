"""Reads of the directory. Agencies and services hold no personal data, but every read
still goes through here so scoping can tighten in one place."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from joinedup.platform.access import has_capability

from .models import Agency, Contact, DistributionList, DistributionListMember, Forum, ForumMembership, Need, Service


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
