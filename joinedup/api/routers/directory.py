"""Agencies and services, scoped exactly as the directory pages are."""

from __future__ import annotations

from typing import Literal

from django.http import Http404
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from joinedup.directory import openreferral, silo
from joinedup.directory.models import Audience
from joinedup.directory.selectors import agency_list_for, service_list_for, service_search_for
from joinedup.platform.access import ensure_capability

from ..auth import ActiveSessionAuth, ApiTokenAuth, PublicAccess
from ..schemas import ERRORS, AgencyOut, ServiceOut

agencies_router = Router(tags=["directory"])
services_router = Router(tags=["directory"])
silo_map_router = Router(tags=["directory"])
openreferral_router = Router(tags=["directory"])


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
    need: list[str] = Field(
        [],
        description="Need slugs, such as `mental-health`; repeat it (`need=a&need=b`) for services meeting any of them",
    )
    audience: Audience | None = Field(None, description="child, adult or all_age")
    agency: str | None = Field(None, max_length=50, description="An agency code")
    q: str | None = Field(None, max_length=100, description="Words that must all appear in the name or remit")


@services_router.get("", response={200: list[ServiceOut], **ERRORS}, summary="List services")
def list_services(request, filters: Query[ServiceFilters]):
    """Services you may see, narrowed by age, needs, audience, agency and words (the same
    search as the directory's pages)."""
    ensure_capability(request.auth, "directory.view")
    found = service_search_for(
        request.auth,
        age=filters.age,
        needs=filters.need,
        audience=filters.audience,
        agency_code=filters.agency,
        text=filters.q,
    )
    return [_service_out(s) for s in found]


@services_router.get("/{service_id}", response={200: ServiceOut, **ERRORS}, summary="One service")
def get_service(request, service_id: str):
    """One service by its service_id (the code used in files), such as `camhs-core`."""
    ensure_capability(request.auth, "directory.view")
    service = service_list_for(request.auth).filter(code=service_id).first()
    if service is None:
        raise Http404("No service with that service_id.")
    return _service_out(service)


# --- the silo map (docs/formats.md, "Silo map JSON") -------------------------------------------

SuppressedCount = int | Literal["fewer than 5"]


class SiloAgencyOut(Schema):
    id: str = Field(description="The agency's code")
    label: str
    forums: list[str] = Field(description="Codes of the forums it sits on")
    forum_count: int
    betweenness: float = Field(description="Normalised betweenness, 0 to 1, rounded to 6 places")
    component: int = Field(description="Index into `components`")
    isolated: Literal["no_forum", "no_shared_forum"] | None
    bridge: bool = Field(description="One of the top agencies by betweenness (score above 0)")
    articulation_point: bool


class SiloForumOut(Schema):
    id: str = Field(description="The forum's code")
    label: str
    members: list[str]
    critical: bool = Field(description="Without this forum some agencies would be cut off from the rest")


class SiloEdgeOut(Schema):
    source: str
    target: str
    weight: int = Field(description="The number of forums the two agencies share")
    shared_forums: list[str]
    bridge: bool = Field(description="The only route between the two sides")


class SiloIsolatedOut(Schema):
    agency: str
    reason: Literal["no_forum", "no_shared_forum"]


class SiloScoreOut(Schema):
    agency: str
    score: float


class SiloSingleForumOut(Schema):
    agency: str
    forum: str


class SiloPairOut(Schema):
    agency_a: str
    agency_b: str
    shared_young_people: SuppressedCount = Field(description='A number, or "fewer than 5" for 1 to 4')


class SiloMapOut(Schema):
    agencies: list[SiloAgencyOut]
    forums: list[SiloForumOut]
    edges: list[SiloEdgeOut]
    components: list[list[str]]
    isolated: list[SiloIsolatedOut]
    betweenness: list[SiloScoreOut]
    bridges: list[str]
    articulation_points: list[str]
    bridge_ties: list[list[str]]
    critical_forums: list[str]
    single_forum: list[SiloSingleForumOut]
    silos: list[SiloPairOut]
    min_shared: int
    suppressed: bool


class SiloMapFilters(Schema):
    min_shared: int | None = Field(
        None,
        ge=1,
        le=silo.MAX_MIN_SHARED,
        description="List pairs sharing at least this many young people but no forum (5 or more unless you are "
        "an administrator). Default: the partnership's setting.",
    )


@silo_map_router.get("", response={200: SiloMapOut, **ERRORS}, summary="The silo map")
def get_silo_map(request, filters: Query[SiloMapFilters]):
    """Which agencies sit on forums together, the bridges the structure leans on, and the pairs of agencies
    that share young people but no forum. Counts of 1 to 4 young people are "fewer than 5" for everyone but
    administrators. For administrators, coordinators, strategic leads and analysts."""
    ensure_capability(request.auth, silo.CAPABILITY)
    try:
        result = silo.silo_map_for(request.auth, min_shared=filters.min_shared)
    except silo.MinSharedError as error:
        raise HttpError(422, str(error)) from error
    return result.to_json()


# --- Open Referral UK ------------------------------------------------------------------


class OpenReferralFilters(Schema):
    include_non_public: bool = Field(
        False,
        description="false (the default, open to anyone): the public directory. true (signed in or a token): "
        "every service you may see; administrators also get agencies and services that are not running.",
    )


@openreferral_router.get(
    "",
    response={200: dict, **ERRORS},
    summary="The directory as Open Referral UK JSON",
    auth=[ApiTokenAuth(), ActiveSessionAuth(), PublicAccess()],
    url_name="openreferral_export",
)
def get_openreferral(request, filters: Query[OpenReferralFilters]):
    """The directory in the Open Referral UK format (docs/formats.md, "Open Referral UK JSON"):
    `organizations` and `services`, with Joined Up's own fields under `x-joinedup`. Without
    `include_non_public` it is the public directory and needs no sign-in."""
    base_url = request.build_absolute_uri("/").rstrip("/")
    if not filters.include_non_public:
        return openreferral.oruk_export(scope="public", base_url=base_url)
    if not request.auth.is_authenticated:
        raise HttpError(401, "Sign in or send an API token to export services that are not public.")
    ensure_capability(request.auth, "directory.view")
    return openreferral.oruk_export(scope="visible", user=request.auth, base_url=base_url)
