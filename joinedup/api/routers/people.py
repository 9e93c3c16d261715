"""Young people, involvements and stored cliff edges, scoped exactly as the pages are (DESIGN §7).

- ``POST /young-people/import`` and ``POST /involvements/import`` load a JSON batch of rows with
  the CSV files' columns, all or nothing, scoped to the caller's agency, idempotent
  (``joinedup.people.importers``).
- ``GET /young-people`` searches (the signpost; initials and birth month only where the caller
  sees the record in full), ``GET /young-people/{ref}`` opens one record (signpost or full record,
  audited like the page) and ``GET /transitions/edges`` lists the stored cliff edges of the young
  people the caller sees in full.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from joinedup.people import importers, selectors
from joinedup.people import services as people_services
from joinedup.platform.access import ensure_capability
from joinedup.platform.csv_import import MAX_ROWS, ImportFailed
from joinedup.platform.errors import error_body

from .. import auth
from ..schemas import ERRORS, AgencyRef

young_people_router = Router(tags=["people"])
involvements_router = Router(tags=["people"])
transitions_router = Router(tags=["people"])


# --- who may import -----------------------------------------------------------------------------
# The capability is checked as the caller is identified, before the body is read, so a role that
# may not import gets 403 whatever it sends (not a 422 about the body). The classes keep the names
# of the API's own, so OpenAPI shows the same two ways to authenticate.


class ApiTokenAuth(auth.ApiTokenAuth):
    def authenticate(self, request: HttpRequest, token: str):
        user = super().authenticate(request, token)
        ensure_capability(user, importers.CAPABILITY)
        return user


class ActiveSessionAuth(auth.ActiveSessionAuth):
    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        if user is not None:
            ensure_capability(user, importers.CAPABILITY)
        return user


IMPORT_AUTH = [ApiTokenAuth(), ActiveSessionAuth()]


# --- batches ------------------------------------------------------------------------------------

Cell = str | None
Number = str | float | int | None


class YoungPersonRowIn(Schema):
    """One young person: the columns of the young people CSV (docs/formats.md). A field left out
    leaves that field of a young person already on record as it is; ``null`` or ``""`` is unset."""

    model_config = ConfigDict(extra="forbid")

    ref: str = Field(description="The pseudonymous reference, like YP-7F3K2")
    initials: str = Field(description="1 to 4 letters")
    birth_month: str = Field(description="YYYY-MM")
    lead_agency: str = Field(description="The lead agency's code, like harbourside-police")
    gender: Cell = Field(None, description="female, male, non_binary, other or not_known")
    area: Cell = Field(None, description="Neighbourhood or locality, not an address")
    needs: list[str] | str | None = Field(None, description="Need slugs, as a list or separated by ;")
    lead_contact_name: Cell = None
    lead_contact_email: Cell = None
    lead_contact_phone: Cell = None
    local_id: Cell = Field(None, description="Your agency's case reference for the young person")


class InvolvementRowIn(Schema):
    """One involvement: the columns of the involvements CSV, matched by ref + service_id + start."""

    model_config = ConfigDict(extra="forbid")

    ref: str = Field(description="A young person already on record")
    service_id: str = Field(description="The service's ID in the directory")
    start: str = Field(description="YYYY-MM-DD")
    planned_end: Cell = Field(None, description="YYYY-MM-DD; the first day without the service")
    actual_end: Cell = Field(None, description="YYYY-MM-DD; the first day without the service")
    weight: Number = Field(None, description="0 to 100, at most 2 decimal places; unset uses the service's")


class YoungPeopleBatchIn(Schema):
    rows: list[YoungPersonRowIn] = Field(min_length=1, max_length=MAX_ROWS)


class InvolvementsBatchIn(Schema):
    rows: list[InvolvementRowIn] = Field(min_length=1, max_length=MAX_ROWS)


class ImportSummaryOut(Schema):
    created: int
    updated: int
    unchanged: int


def _run(request, kind: str, rows) -> Status:
    try:
        summary = importers.run_batch(kind, [row.model_dump(exclude_unset=True) for row in rows], actor=request.auth)
    except ImportFailed as failure:
        details = [
            {
                "location": "body",
                # as pydantic names a field of the body: batch.rows.<index>.<column>
                "field": "batch.rows" if error.row is None else f"batch.rows.{error.row}.{error.column}".rstrip("."),
                "row": error.row,
                "column": error.column,
                "message": error.message,
                "type": "import_error",
            }
            for error in failure.errors
        ]
        count = len(failure.errors)
        message = f"Nothing was imported: the batch has {count} problem{'s' if count != 1 else ''}. See details."
        return Status(422, error_body("validation_error", message, details))
    return Status(200, {"created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged})


@young_people_router.post(
    "/import", auth=IMPORT_AUTH, response={200: ImportSummaryOut, **ERRORS}, summary="Import young people"
)
def import_young_people(request, batch: YoungPeopleBatchIn):
    """Add or update young people, matched by `ref`: all or nothing. Any bad row means nothing is
    written and every problem comes back in `details` with its `row` (from 0) and `column`.
    Coordinators and practitioners load only young people their agency leads or whose case reference
    (`local_id`) they give; administrators load any. Sending the same batch again changes nothing."""
    return _run(request, "young-people", batch.rows)


@involvements_router.post(
    "/import", auth=IMPORT_AUTH, response={200: ImportSummaryOut, **ERRORS}, summary="Import involvements"
)
def import_involvements(request, batch: InvolvementsBatchIn):
    """Add or update involvements, matched by `ref` + `service_id` + `start`: a match updates its
    `planned_end`, `actual_end` and `weight`, never adds a second. All or nothing, with every problem
    in `details`. Coordinators and practitioners load only their own agency's services. The stored
    cliff-edge forecasts of everyone in the batch are recomputed before the call returns."""
    return _run(request, "involvements", batch.rows)


# --- reads --------------------------------------------------------------------------------------


class SearchResultOut(Schema):
    ref: str
    initials: str | None = Field(description="Only where you see the record in full")
    birth_month: str | None = Field(description="Only where you see the record in full")
    agencies: list[str] = Field(description="The agencies involved, by name")
    lead_agency: str
    lead_contact_name: str
    lead_contact_email: str
    lead_contact_phone: str
    full_access: bool


class SearchFilters(Schema):
    q: str = Field("", max_length=100, description="A reference, an agency case number, or initials")
    birth_month: str = Field("", max_length=7, description="YYYY-MM: needed with initials")


@young_people_router.get("", response={200: list[SearchResultOut], **ERRORS}, summary="Find a young person")
def search_young_people(request, filters: Query[SearchFilters]):
    """Search by reference, by an agency's case number, or by initials with a birth month. Everyone
    allowed to search gets the signpost (who is involved and whom to contact); initials and birth month
    only where you may see the record in full. No search text, no results."""
    results = people_services.young_person_search(actor=request.auth, query=filters.q, birth_month=filters.birth_month)
    return [
        {
            "ref": r.ref,
            "initials": r.initials,
            "birth_month": r.birth_month,
            "agencies": list(r.agencies),
            "lead_agency": r.lead_agency,
            "lead_contact_name": r.lead_contact_name,
            "lead_contact_email": r.lead_contact_email,
            "lead_contact_phone": r.lead_contact_phone,
            "full_access": r.full_access,
        }
        for r in results
    ]


class ReferenceOut(Schema):
    agency: AgencyRef
    local_id: str


class InvolvementOut(Schema):
    service_id: str
    service: str
    agency: AgencyRef
    start: dt.date
    planned_end: dt.date | None
    actual_end: dt.date | None
    effective_end: dt.date | None = Field(description="Actual, else planned, else the service's age limit")
    weight: float | None = Field(description="Its own weight; null uses the service's")


class ExitOut(Schema):
    service_id: str
    date: dt.date = Field(description="The first day without the service")
    reason: Literal["age_limit", "planned"]


class SuggestionOut(Schema):
    service_id: str
    reason: str


class ChangeOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    service_id: str
    from_: dt.date = Field(alias="from")
    to: dt.date


class PlanOut(Schema):
    resolved: bool
    changes: list[ChangeOut]
    extension_days: int
    bridging_needed: float


class EdgeOut(Schema):
    ref: str
    as_of: dt.date = Field(description="The day the forecast was made")
    start: dt.date
    end: dt.date = Field(description="Exclusive: the first day after the edge")
    exits: list[ExitOut]
    support_before: float
    support_after: float
    age_driven: bool
    bridged: bool
    suggestions: list[SuggestionOut]
    plan: PlanOut | None


class RecordOut(Schema):
    initials: str
    birth_month: str
    gender: str
    area: str
    needs: list[str]
    has_name: bool = Field(description="A name is recorded (revealed only on the page, and audited)")
    agency_references: list[ReferenceOut]
    involvements: list[InvolvementOut]
    cliff_edges: list[EdgeOut]


class YoungPersonOut(Schema):
    ref: str
    access: Literal["full", "signpost"]
    agencies: list[AgencyRef] = Field(description="The agencies involved")
    lead_agency: AgencyRef
    lead_contact_name: str
    lead_contact_email: str
    lead_contact_phone: str
    break_glass_until: dt.datetime | None = Field(description="Set when you see the record through break-glass")
    record: RecordOut | None = Field(description="The full record; null for the signpost")


def _agency(agency) -> dict:
    return {"id": agency.pk, "code": agency.code, "name": agency.name}


def _edge(edge) -> dict:
    detail = dict(edge.detail)
    detail["ref"] = edge.young_person.ref
    detail["as_of"] = edge.as_of
    return detail


@young_people_router.get("/{ref}", response={200: YoungPersonOut, **ERRORS}, summary="One young person")
def get_young_person(request, ref: str):
    """The signpost (who is involved, whom to contact) or, where your agency is involved or you have
    break-glass access, the full record. Every call is written to the audit trail, as a page view is."""
    opened = people_services.young_person_open(actor=request.auth, ref=ref)
    person = opened.person
    body = {
        "ref": person.ref,
        "access": opened.level,
        "agencies": [_agency(a) for a in selectors.involved_agencies(person)],
        "lead_agency": _agency(person.lead_agency),
        "lead_contact_name": person.lead_contact_name,
        "lead_contact_email": person.lead_contact_email,
        "lead_contact_phone": person.lead_contact_phone,
        "break_glass_until": opened.break_glass.expires_at if opened.break_glass else None,
        "record": None,
    }
    if opened.level == "full":
        body["record"] = {
            "initials": person.initials,
            "birth_month": person.birth_month,
            "gender": person.gender,
            "area": person.area,
            "needs": sorted(need.slug for need in person.needs.all()),
            "has_name": person.has_name,
            "agency_references": [
                {"agency": _agency(r.agency), "local_id": r.local_id} for r in selectors.agency_references_of(person)
            ],
            "involvements": [
                {
                    "service_id": i.service.code,
                    "service": i.service.name,
                    "agency": _agency(i.service.agency),
                    "start": i.start,
                    "planned_end": i.planned_end,
                    "actual_end": i.actual_end,
                    "effective_end": i.effective_end,
                    "weight": None if i.weight is None else float(i.weight),
                }
                for i in selectors.involvements_of(person)
            ],
            "cliff_edges": [_edge(e) for e in selectors.stored_edges_of(person).select_related("young_person")],
        }
    return body


class EdgeFilters(Schema):
    model_config = ConfigDict(populate_by_name=True)

    from_: dt.date | None = Field(None, alias="from", description="Edges starting on or after this day")
    to: dt.date | None = Field(None, description="Edges starting on or before this day")
    age_driven: bool | None = Field(None, description="Only age-driven edges (true) or only the others (false)")
    unbridged: bool | None = Field(None, description="Only unbridged edges (true) or only bridged ones (false)")
    limit: int = Field(1000, ge=1, le=10000)
    offset: int = Field(0, ge=0)


@transitions_router.get("/edges", response={200: list[EdgeOut], **ERRORS}, summary="Stored cliff edges")
def list_edges(request, filters: Query[EdgeFilters]):
    """The stored cliff edges (docs/formats.md) of the young people you see in full, soonest first.
    For coordinators and practitioners."""
    edges = selectors.stored_edges_for(
        request.auth,
        start_from=filters.from_,
        start_to=filters.to,
        age_driven=filters.age_driven,
        unbridged=filters.unbridged,
    )
    page = people_services.stored_edges_export(
        actor=request.auth, edges=edges[filters.offset : filters.offset + filters.limit]
    )
    return [_edge(e) for e in page]
