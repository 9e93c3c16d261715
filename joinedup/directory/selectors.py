"""Reads of the directory. Agencies and services hold no personal data, but every read
still goes through here so scoping can tighten in one place."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from joinedup.platform.access import has_capability

from .models import Agency, Need, Service


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


def service_search_for(
    user, *, age: int | None = None, need: str | None = None, audience: str | None = None, agency=None
) -> QuerySet[Service]:
    """Services this user may see, narrowed: ``age`` within the service's age range, one
    need by slug, one audience, one agency (an Agency or its pk)."""
    qs = service_list_for(user)
    if age is not None:
        qs = qs.filter(Q(min_age__isnull=True) | Q(min_age__lte=age), Q(max_age__isnull=True) | Q(max_age__gte=age))
    if need:
        qs = qs.filter(needs__slug=need)
    if audience:
        qs = qs.filter(audience=audience)
    if agency:
        qs = qs.filter(agency=agency)
    return qs.distinct()


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
