"""Reads of the directory. Agencies and services hold no personal data, but every read
still goes through here so scoping can tighten in one place."""

from __future__ import annotations

from django.db.models import QuerySet

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
