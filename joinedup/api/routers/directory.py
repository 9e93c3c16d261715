"""Agencies and services, scoped exactly as the directory pages are."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from ninja import Query, Router, Schema
from pydantic import Field

from joinedup.directory.models import Audience
from joinedup.directory.selectors import agency_list_for, service_list_for
from joinedup.platform.access import ensure_capability

from ..schemas import ERRORS, AgencyOut, ServiceOut

agencies_router = Router(tags=["directory"])
services_router = Router(tags=["directory"])


def _agency_out(agency) -> dict:
    return {
        "id": agency.pk,
        "code": agency.code,
        "name": agency.name,
        "kind": agency.kind,
        "description": agency.description,
        "website": agency.website,
        "email": agency.email,
        "phone": agency.phone,
        "is_active": agency.is_active,
    }


def _service_out(service) -> dict:
    return {
        "id": service.pk,
        "service_id": service.code,
        "name": service.name,
        "agency": {"id": service.agency.pk, "code": service.agency.code, "name": service.agency.name},
        "remit": service.remit,
        "audience": service.audience,
        "min_age": service.min_age,
        "max_age": service.max_age,
        "ends_at_age": service.ends_at_age,
        "max_extension_days": service.max_extension_days,
        "default_weight": float(service.default_weight),
        "needs": sorted(need.slug for need in service.needs.all()),
        "threshold": service.threshold,
        "referral_route": service.referral_route,
        "contact_email": service.contact_email,
        "contact_phone": service.contact_phone,
        "is_public": service.is_public,
        "is_active": service.is_active,
    }


@agencies_router.get("", response={200: list[AgencyOut], **ERRORS}, summary="List agencies")
def list_agencies(request):
    """The partnership's agencies you may see (administrators also see deactivated ones)."""
    ensure_capability(request.auth, "directory.view")
    return [_agency_out(a) for a in agency_list_for(request.auth)]


@agencies_router.get("/{code}", response={200: AgencyOut, **ERRORS}, summary="One agency")
def get_agency(request, code: str):
    """One agency by its code, such as `harbourside-police`."""
    ensure_capability(request.auth, "directory.view")
    agency = agency_list_for(request.auth).filter(code=code).first()
    if agency is None:
        raise Http404("No agency with that code.")
    return _agency_out(agency)


class ServiceFilters(Schema):
    age: int | None = Field(None, ge=0, le=120, description="Services open to a person of this age")
    need: str | None = Field(None, max_length=50, description="A need slug, such as `mental-health`")
    audience: Audience | None = Field(None, description="child, adult or all_age")
    agency: str | None = Field(None, max_length=50, description="An agency code")


@services_router.get("", response={200: list[ServiceOut], **ERRORS}, summary="List services")
def list_services(request, filters: Query[ServiceFilters]):
    """Services you may see, narrowed by age, need, audience and agency."""
    ensure_capability(request.auth, "directory.view")
    qs = service_list_for(request.auth)
    if filters.age is not None:
        qs = qs.filter(Q(min_age__isnull=True) | Q(min_age__lte=filters.age)).filter(
            Q(max_age__isnull=True) | Q(max_age__gte=filters.age)
        )
    if filters.need:
        qs = qs.filter(needs__slug=filters.need)
    if filters.audience:
        qs = qs.filter(audience=filters.audience)
    if filters.agency:
        qs = qs.filter(agency__code=filters.agency)
    return [_service_out(s) for s in qs.distinct()]


@services_router.get("/{service_id}", response={200: ServiceOut, **ERRORS}, summary="One service")
def get_service(request, service_id: str):
    """One service by its service_id (the code used in files), such as `camhs-core`."""
    ensure_capability(request.auth, "directory.view")
    service = service_list_for(request.auth).filter(code=service_id).first()
    if service is None:
        raise Http404("No service with that service_id.")
    return _service_out(service)
