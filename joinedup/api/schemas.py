"""What the API returns (DESIGN §5 field names)."""

from __future__ import annotations

from ninja import Schema


class ErrorDetail(Schema):
    code: str
    message: str
    details: list[dict] = []


class Error(Schema):
    error: ErrorDetail


class AgencyRef(Schema):
    id: int
    code: str
    name: str


class AgencyOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    description: str
    website: str
    email: str
    phone: str
    is_active: bool


class ServiceOut(Schema):
    id: int
    service_id: str
    name: str
    agency: AgencyRef
    remit: str
    audience: str
    min_age: int | None
    max_age: int | None
    ends_at_age: int | None
    max_extension_days: int
    default_weight: float
    needs: list[str]
    threshold: str
    referral_route: str
    contact_email: str
    contact_phone: str
    is_public: bool
    is_active: bool


class MeOut(Schema):
    email: str
    full_name: str
    role: str
    role_label: str
    agency: AgencyRef | None
    authenticated_by: str


ERRORS = {401: Error, 403: Error, 404: Error, 422: Error, 429: Error, 500: Error}
