"""The directory as Open Referral UK JSON, out and back in (docs/formats.md, "Open Referral UK JSON";
docs/adr/0007-open-referral-uk-and-the-public-directory.md).

Shape: **Open Referral UK version 1** (the UK extension of HSDS 1.1 that UK service directories
publish and validator.openreferraluk.org checks): services with ``eligibilitys``,
``service_taxonomys`` and ``contacts`` with ``phones``; organisations with their services.
What ORUK has no field for (the cliff-edge forecast's ``ends_at_age``, ``max_extension_days``
and weight, the threshold and referral route in full, the audience, whether a service is
public) travels in an ``x-joinedup`` object on each record, so a document this module writes
reads back without loss. Other publishers' documents import too: fields they leave out are
left as they are on existing services (and take the usual defaults on new ones).

``oruk_export`` reads; ``oruk_import`` is the audited, all-or-nothing write. Nothing here
exports a person: a service's contact is the service's own email address and phone number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from joinedup.platform.access import ensure_capability
from joinedup.platform.audit import audit_record

from . import selectors, services
from .models import ADULT_AGE, AGE_LIMIT, Agency, AgencyKind, Audience, Need, Service

FORMAT_VERSION = 1
STANDARD = "Open Referral UK 1.0 (HSDS 1.1 UK profile)"
EXTENSION = "x-joinedup"
NEEDS_VOCABULARY = "joinedup-needs"
NEED_ID_PREFIX = f"{NEEDS_VOCABULARY}:"
MAX_BYTES = 10 * 1024 * 1024
MAX_SERVICES = 50_000
SCOPES = ("public", "visible", "all")
# ORUK service status -> is_active. Joined Up writes only "active" and "inactive".
STATUSES = {"active": True, "inactive": False, "defunct": False, "temporarily closed": False}
_IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9-]*$")


# --- export ----------------------------------------------------------------------------


def _decimal_text(value: Decimal) -> str:
    """1.00 -> "1", 1.50 -> "1.5": the weight as text, so no float rounding creeps in."""
    return format(value.normalize(), "f")


def _organization(agency: Agency, service_refs: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "id": agency.code,
        "name": agency.name,
        "description": agency.description,
        "url": agency.website,
        "email": agency.email,
        "services": service_refs,
        EXTENSION: {"kind": agency.kind, "phone": agency.phone, "is_active": agency.is_active},
    }


def _service(service: Service, *, public_url: str) -> dict[str, Any]:
    code = service.code
    eligibilitys = []
    if service.min_age is not None or service.max_age is not None or service.threshold:
        eligibilitys.append(
            {
                "id": f"{code}-eligibility",
                "eligibility": service.threshold,
                "minimum_age": service.min_age,
                "maximum_age": service.max_age,
                "taxonomys": [],
            }
        )
    contacts = []
    if service.contact_phone:
        contacts.append(
            {
                "id": f"{code}-contact",
                "name": service.name,
                "title": "",
                "phones": [{"id": f"{code}-phone", "number": service.contact_phone, "language": "English"}],
            }
        )
    needs = sorted(service.needs.all(), key=lambda need: need.slug)
    return {
        "id": code,
        "name": service.name,
        "description": service.remit,
        "url": public_url,
        "email": service.contact_email,
        "status": "active" if service.is_active else "inactive",
        "organization": {"id": service.agency.code, "name": service.agency.name},
        "contacts": contacts,
        "eligibilitys": eligibilitys,
        "service_taxonomys": [
            {
                "id": f"{code}-{need.slug}",
                "taxonomy": {
                    "id": f"{NEED_ID_PREFIX}{need.slug}",
                    "name": str(need),
                    "vocabulary": NEEDS_VOCABULARY,
                    "parent": None,
                },
            }
            for need in needs
        ],
        EXTENSION: {
            "audience": service.audience,
            "ends_at_age": service.ends_at_age,
            "max_extension_days": service.max_extension_days,
            "default_weight": _decimal_text(service.default_weight),
            "threshold": service.threshold,
            "referral_route": service.referral_route,
            "is_public": service.is_public,
        },
    }


def oruk_export(*, scope: str = "public", user=None, base_url: str = "") -> dict[str, Any]:
    """The directory as an ORUK document.

    ``scope``: ``"public"`` (the default) is exactly the public directory: public, running
    services of active agencies, and those agencies; ``"visible"`` is what ``user`` may see
    in the signed-in directory (administrators: everything); ``"all"`` is everything, for
    the command line. ``base_url`` (like ``https://joinedup.example.org``) fills in each
    public service's ``url`` with its page in the public directory.
    """
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
    agencies, service_rows = selectors.oruk_export_rows(scope=scope, user=user)
    public_codes = set(selectors.public_service_list().values_list("code", flat=True)) if base_url else set()

    def url_of(service: Service) -> str:
        if service.code not in public_codes:
            return ""
        return base_url.rstrip("/") + reverse("public-directory:service", args=[service.code])

    by_agency: dict[int, list[dict[str, str]]] = {}
    for service in service_rows:
        by_agency.setdefault(service.agency_id, []).append({"id": service.code, "name": service.name})
    return {
        EXTENSION: {"format_version": FORMAT_VERSION, "standard": STANDARD, "scope": scope},
        "organizations": [_organization(agency, by_agency.get(agency.pk, [])) for agency in agencies],
        "services": [_service(service, public_url=url_of(service)) for service in service_rows],
    }


def oruk_json(document: Mapping[str, Any]) -> str:
    """The document as the text of a file: UTF-8, indented, keys in a fixed order."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# --- import: problems ------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class OrukProblem:
    """One thing wrong with a document: where (a JSON path such as
    ``services[3].eligibilitys[0].minimum_age``; empty for the whole document) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class OrukImportInvalid(Exception):
    """The document has problems; nothing was written."""

    def __init__(self, problems: Iterable[OrukProblem]):
        self.problems = sorted(set(problems), key=_problem_order)
        count = len(self.problems)
        super().__init__(f"Nothing was imported: the document has {count} problem{'' if count == 1 else 's'}")


def _problem_order(problem: OrukProblem) -> tuple:
    """Problems in document order: services[10] after services[9], not after services[1]."""
    parts = re.split(r"(\d+)", problem.path)
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts), problem.message


@dataclass(frozen=True)
class OrukImportResult:
    agencies_created: int
    agencies_updated: int
    agencies_unchanged: int
    services_created: int
    services_updated: int
    services_unchanged: int
    needs_created: int

    @property
    def changed(self) -> bool:
        return bool(self.agencies_created or self.agencies_updated or self.services_created or self.services_updated)

    def __str__(self) -> str:
        return (
            f"organisations: {self.agencies_created} added, {self.agencies_updated} updated, "
            f"{self.agencies_unchanged} unchanged; services: {self.services_created} added, "
            f"{self.services_updated} updated, {self.services_unchanged} unchanged"
        )


# --- import: reading the document ------------------------------------------------------

_MISSING = object()


def oruk_load(source: bytes | str) -> Any:
    """The JSON text of an uploaded file, parsed. Refuses, with an OrukImportInvalid, a file
    that is too large, not UTF-8 or not JSON."""
    if isinstance(source, bytes | bytearray):
        if len(source) > MAX_BYTES:
            raise OrukImportInvalid(
                [
                    OrukProblem(
                        "", f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into smaller files."
                    )
                ]
            )
        try:
            source = bytes(source).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise OrukImportInvalid(
                [OrukProblem("", "The file is not UTF-8 text. Save it as UTF-8 and try again.")]
            ) from None
    try:
        return json.loads(source)
    except json.JSONDecodeError as error:
        raise OrukImportInvalid(
            [OrukProblem("", f"The file is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}")]
        ) from None
    except RecursionError:
        raise OrukImportInvalid([OrukProblem("", "The file is not valid JSON: it is nested too deeply")]) from None


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else f"“{value}”"
    return text if len(text) <= 60 else text[:57] + "…"


class _Reader:
    """Reads values out of the parsed JSON, noting a problem (with its path) for each bad one."""

    def __init__(self) -> None:
        self.problems: list[OrukProblem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(OrukProblem(path, message))

    def object(self, value: Any, path: str) -> dict | None:
        if isinstance(value, dict):
            return value
        self.add(path, f"Must be an object ({{…}}), not {_shown(value)}")
        return None

    def array(self, parent: dict, key: str, path: str) -> list | None:
        """A list, or None when the key is absent or null."""
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, list):
            return value
        self.add(path, f"Must be a list ([…]), not {_shown(value)}")
        return None

    def identifier(self, parent: dict, key: str, path: str, what: str) -> str | None:
        value = parent.get(key, _MISSING)
        if value is _MISSING or value is None or value == "":
            self.add(path, f"Enter the {what}’s id")
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.add(path, f"The {what}’s id must be text, not {_shown(value)}")
            return None
        code = value.strip().lower()
        if len(code) > 50 or not _IDENTIFIER.match(code):
            self.add(
                path,
                f"The {what}’s id must be at most 50 letters, numbers and hyphens, starting with a letter "
                f"or number, not {_shown(value)}",
            )
            return None
        return code

    def text(self, parent: dict, key: str, path: str, *, required: str = "") -> Any:
        """Text, "" for null, or _MISSING when absent (and not required)."""
        value = parent.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.add(path, required)
                return None
            return _MISSING if value is _MISSING else ""
        if not isinstance(value, str):
            self.add(path, f"Must be text, not {_shown(value)}")
            return None
        if required and not value.strip():
            self.add(path, required)
            return None
        return value

    def boolean(self, parent: dict, key: str, path: str) -> Any:
        value = parent.get(key, _MISSING)
        if value is _MISSING:
            return _MISSING
        if not isinstance(value, bool):
            self.add(path, f"Must be true or false, not {_shown(value)}")
            return None
        return value

    def whole_number(self, parent: dict, key: str, path: str, *, maximum: int, nullable: bool, unit: str) -> Any:
        value = parent.get(key, _MISSING)
        if value is _MISSING:
            return _MISSING
        if value is None:
            if nullable:
                return None
            self.add(path, f"Enter a whole number of {unit} from 0 to {maximum}")
            return _MISSING
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
            self.add(path, f"Must be a whole number of {unit} from 0 to {maximum}, not {_shown(value)}")
            return _MISSING
        return value

    def weight(self, parent: dict, key: str, path: str) -> Any:
        value = parent.get(key, _MISSING)
        if value is _MISSING:
            return _MISSING
        problem = (
            f'Must be a number from 0.01 to 100 with at most 2 decimal places, like "1" or "0.5", not {_shown(value)}'
        )
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.add(path, problem)
            return _MISSING
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.add(path, problem)
            return _MISSING
        if not number.is_finite() or not Decimal("0.01") <= number <= Decimal("100") or number != round(number, 2):
            self.add(path, problem)
            return _MISSING
        return number.quantize(Decimal("0.01"))

    def choice(self, parent: dict, key: str, path: str, choices: Iterable[str], what: str) -> Any:
        value = parent.get(key, _MISSING)
        if value is _MISSING:
            return _MISSING
        allowed = list(choices)
        if not isinstance(value, str) or value.strip().lower() not in allowed:
            self.add(path, f"{what} must be one of {', '.join(allowed)}, not {_shown(value)}")
            return _MISSING
        return value.strip().lower()


@dataclass
class _AgencyPlan:
    path: str
    code: str
    fields: dict[str, Any]
    paths: dict[str, str]


@dataclass
class _ServicePlan:
    path: str
    code: str
    agency_code: str
    fields: dict[str, Any]  # model field names; only those the document gives
    needs: list[str] | None  # None: the document says nothing about needs
    need_labels: dict[str, str]
    paths: dict[str, str]  # model field -> path of the value in the document


_AGENCY_FIELD_PATHS = {
    "code": "id",
    "name": "name",
    "description": "description",
    "website": "url",
    "email": "email",
    "kind": f"{EXTENSION}.kind",
    "phone": f"{EXTENSION}.phone",
    "is_active": f"{EXTENSION}.is_active",
}


def _read_organization(reader: _Reader, raw: Any, path: str) -> _AgencyPlan | None:
    org = reader.object(raw, path)
    if org is None:
        return None
    start = len(reader.problems)
    code = reader.identifier(org, "id", f"{path}.id", "organisation")
    fields: dict[str, Any] = {}
    name = reader.text(org, "name", f"{path}.name", required="Enter the organisation’s name")
    fields["name"] = name
    for key, field in (("description", "description"), ("url", "website"), ("email", "email")):
        value = reader.text(org, key, f"{path}.{key}")
        if value is not _MISSING:
            fields[field] = value
    extension = org.get(EXTENSION)
    if extension is not None:
        ext = reader.object(extension, f"{path}.{EXTENSION}")
        if ext is not None:
            kind = reader.choice(ext, "kind", f"{path}.{EXTENSION}.kind", AgencyKind.values, "The kind of agency")
            if kind is not _MISSING:
                fields["kind"] = kind
            phone = reader.text(ext, "phone", f"{path}.{EXTENSION}.phone")
            if phone is not _MISSING:
                fields["phone"] = phone
            active = reader.boolean(ext, "is_active", f"{path}.{EXTENSION}.is_active")
            if active is not _MISSING:
                fields["is_active"] = active
    if len(reader.problems) > start or code is None:
        return None
    return _AgencyPlan(path, code, fields, {field: f"{path}.{key}" for field, key in _AGENCY_FIELD_PATHS.items()})


def _read_needs(reader: _Reader, service: dict, path: str) -> tuple[list[str] | None, dict[str, str]]:
    if "service_taxonomys" not in service:
        return None, {}
    entries = reader.array(service, "service_taxonomys", f"{path}.service_taxonomys") or []
    slugs: list[str] = []
    labels: dict[str, str] = {}
    for index, raw in enumerate(entries):
        entry_path = f"{path}.service_taxonomys[{index}]"
        entry = reader.object(raw, entry_path)
        if entry is None:
            continue
        taxonomy = reader.object(entry.get("taxonomy"), f"{entry_path}.taxonomy")
        if taxonomy is None or taxonomy.get("vocabulary") != NEEDS_VOCABULARY:
            continue  # other vocabularies are not Joined Up needs: left out
        term_id = taxonomy.get("id")
        name = taxonomy.get("name")
        if isinstance(term_id, str) and term_id.startswith(NEED_ID_PREFIX):
            raw_slug, where = term_id[len(NEED_ID_PREFIX) :], f"{entry_path}.taxonomy.id"
        elif isinstance(name, str):
            raw_slug, where = name, f"{entry_path}.taxonomy.name"
        else:
            reader.add(f"{entry_path}.taxonomy", f"A need needs an id starting “{NEED_ID_PREFIX}” or a name")
            continue
        try:
            normalised = services.need_slugs_normalise([raw_slug])
        except ValidationError as error:
            reader.add(where, " ".join(error.messages))
            continue
        if not normalised:
            reader.add(where, "Enter the need")
            continue
        slug = normalised[0]
        slugs.append(slug)
        if isinstance(name, str) and name.strip() and name.strip() != slug.replace("-", " "):
            label = name.strip()
            if len(label) > Need._meta.get_field("label").max_length:
                reader.add(f"{entry_path}.taxonomy.name", "A need’s name must be 100 characters or fewer")
                continue
            labels.setdefault(slug, label)
    return sorted(set(slugs)), labels


def _read_service(
    reader: _Reader, raw: Any, path: str, listed: Mapping[str, str]
) -> tuple[_ServicePlan | None, _AgencyPlan | None]:
    """One service, and the organisation it names when it describes it itself (as a single
    ORUK service record does) rather than by the id of one in ``listed``, the file's list."""
    service = reader.object(raw, path)
    if service is None:
        return None, None
    start = len(reader.problems)
    code = reader.identifier(service, "id", f"{path}.id", "service")
    fields: dict[str, Any] = {}
    paths = {
        "code": f"{path}.id",
        "name": f"{path}.name",
        "remit": f"{path}.description",
        "contact_email": f"{path}.email",
        "contact_phone": f"{path}.contacts",
        "is_active": f"{path}.status",
        "agency": f"{path}.organization.id",
        "min_age": f"{path}.eligibilitys",
        "max_age": f"{path}.eligibilitys",
        "threshold": f"{path}.eligibilitys",
        "needs": f"{path}.service_taxonomys",
        "": path,
    }
    for field in ("audience", "ends_at_age", "max_extension_days", "default_weight", "referral_route", "is_public"):
        paths[field] = f"{path}.{EXTENSION}.{field}"
    fields["name"] = reader.text(service, "name", f"{path}.name", required="Enter the service’s name")
    for key, field in (("description", "remit"), ("email", "contact_email")):
        value = reader.text(service, key, f"{path}.{key}")
        if value is not _MISSING:
            fields[field] = value
    status = reader.choice(service, "status", f"{path}.status", STATUSES, "The status")
    if status is not _MISSING:
        fields["is_active"] = STATUSES[status]

    # The organisation: its id, or the whole organisation.
    agency_code = None
    embedded: _AgencyPlan | None = None
    org = service.get("organization", _MISSING)
    if org is _MISSING or org is None:
        org_id = service.get("organization_id")
        if org_id is None:
            reader.add(f"{path}.organization", "Enter the organisation that runs the service")
        else:
            agency_code = reader.identifier(service, "organization_id", f"{path}.organization_id", "organisation")
            paths["agency"] = f"{path}.organization_id"
    else:
        org_obj = reader.object(org, f"{path}.organization")
        if org_obj is not None:
            agency_code = reader.identifier(org_obj, "id", f"{path}.organization.id", "organisation")
            if agency_code is not None and agency_code not in listed and set(org_obj) - {"id", "name"}:
                embedded = _read_organization(reader, org_obj, f"{path}.organization")

    # Contacts: the first phone number given is the service's phone.
    contacts = reader.array(service, "contacts", f"{path}.contacts")
    if contacts is not None or service.get("contacts", _MISSING) is None:
        phone = ""
        for index, raw_contact in enumerate(contacts or []):
            contact_path = f"{path}.contacts[{index}]"
            contact = reader.object(raw_contact, contact_path)
            if contact is None:
                continue
            phones = reader.array(contact, "phones", f"{contact_path}.phones") or []
            for phone_index, raw_phone in enumerate(phones):
                phone_path = f"{contact_path}.phones[{phone_index}]"
                phone_obj = reader.object(raw_phone, phone_path)
                if phone_obj is None:
                    continue
                number = reader.text(phone_obj, "number", f"{phone_path}.number")
                if isinstance(number, str) and number and not phone:
                    phone = number
                    paths["contact_phone"] = f"{phone_path}.number"
        fields["contact_phone"] = phone

    # Eligibility: the one entry that gives ages (and its words, as the threshold).
    eligibilitys = reader.array(service, "eligibilitys", f"{path}.eligibilitys")
    if eligibilitys is not None or service.get("eligibilitys", _MISSING) is None:
        fields["min_age"] = fields["max_age"] = None
        threshold = ""
        aged_at: int | None = None
        for index, raw_rule in enumerate(eligibilitys or []):
            rule_path = f"{path}.eligibilitys[{index}]"
            rule = reader.object(raw_rule, rule_path)
            if rule is None:
                continue
            low = reader.whole_number(
                rule, "minimum_age", f"{rule_path}.minimum_age", maximum=AGE_LIMIT, nullable=True, unit="years"
            )
            high = reader.whole_number(
                rule, "maximum_age", f"{rule_path}.maximum_age", maximum=AGE_LIMIT, nullable=True, unit="years"
            )
            words = reader.text(rule, "eligibility", f"{rule_path}.eligibility")
            if isinstance(words, str) and words and not threshold:
                threshold = words
                paths["threshold"] = f"{rule_path}.eligibility"
            gives_ages = low not in (_MISSING, None) or high not in (_MISSING, None)
            if gives_ages:
                if aged_at is not None:
                    reader.add(
                        rule_path,
                        f"Only one eligibility entry may give ages; {path}.eligibilitys[{aged_at}] already does",
                    )
                    continue
                aged_at = index
                fields["min_age"] = None if low is _MISSING else low
                fields["max_age"] = None if high is _MISSING else high
                paths["min_age"] = f"{rule_path}.minimum_age"
                paths["max_age"] = f"{rule_path}.maximum_age"
        fields["threshold"] = threshold

    needs, need_labels = _read_needs(reader, service, path)

    extension = service.get(EXTENSION)
    if extension is not None:
        ext_path = f"{path}.{EXTENSION}"
        ext = reader.object(extension, ext_path)
        if ext is not None:
            audience = reader.choice(ext, "audience", f"{ext_path}.audience", Audience.values, "Who the service is for")
            if audience is not _MISSING:
                fields["audience"] = audience
            ends = reader.whole_number(
                ext, "ends_at_age", f"{ext_path}.ends_at_age", maximum=AGE_LIMIT, nullable=True, unit="years"
            )
            if ends is not _MISSING:
                fields["ends_at_age"] = ends
            days = reader.whole_number(
                ext, "max_extension_days", f"{ext_path}.max_extension_days", maximum=3650, nullable=False, unit="days"
            )
            if days is not _MISSING:
                fields["max_extension_days"] = days
            weight = reader.weight(ext, "default_weight", f"{ext_path}.default_weight")
            if weight is not _MISSING:
                fields["default_weight"] = weight
            for key in ("threshold", "referral_route"):
                value = reader.text(ext, key, f"{ext_path}.{key}")
                if value is not _MISSING:
                    fields[key] = value
                    paths[key] = f"{ext_path}.{key}"
            public = reader.boolean(ext, "is_public", f"{ext_path}.is_public")
            if public is not _MISSING:
                fields["is_public"] = public

    if len(reader.problems) > start or code is None or agency_code is None:
        return None, embedded
    fields["code"] = code
    return _ServicePlan(path, code, agency_code, fields, needs, need_labels, paths), embedded


def _read_document(reader: _Reader, document: Any) -> tuple[list[_AgencyPlan], list[_ServicePlan]]:
    top = reader.object(document, "")
    if top is None:
        return [], []
    meta = top.get(EXTENSION)
    if (
        isinstance(meta, dict)
        and isinstance(meta.get("format_version"), int)
        and meta["format_version"] > FORMAT_VERSION
    ):
        reader.add(
            f"{EXTENSION}.format_version",
            f"The file was made by a newer version of Joined Up (format {meta['format_version']}); this one reads "
            f"format {FORMAT_VERSION}",
        )
        return [], []
    if "services" not in top:
        reader.add("services", "The file has no list of services")
        return [], []
    raw_services = reader.array(top, "services", "services")
    raw_orgs = reader.array(top, "organizations", "organizations") or []
    if raw_services is None:
        return [], []
    if len(raw_services) > MAX_SERVICES:
        reader.add("services", f"The file has more than {MAX_SERVICES:,} services. Split it into smaller files.")
        return [], []

    agencies: list[_AgencyPlan] = []
    first_org: dict[str, str] = {}
    for index, raw in enumerate(raw_orgs):
        plan = _read_organization(reader, raw, f"organizations[{index}]")
        if plan is None:
            continue
        if plan.code in first_org:
            reader.add(
                f"{plan.path}.id", f"Organisation id “{plan.code}” is used more than once ({first_org[plan.code]}.id)"
            )
            continue
        first_org[plan.code] = plan.path
        agencies.append(plan)

    plans: list[_ServicePlan] = []
    first_service: dict[str, str] = {}
    for index, raw in enumerate(raw_services):
        plan, embedded = _read_service(reader, raw, f"services[{index}]", first_org)
        if embedded is not None and embedded.code not in first_org:
            first_org[embedded.code] = embedded.path
            agencies.append(embedded)
        if plan is None:
            continue
        if plan.code in first_service:
            reader.add(
                f"{plan.path}.id", f"Service id “{plan.code}” is used more than once ({first_service[plan.code]}.id)"
            )
            continue
        first_service[plan.code] = plan.path
        plans.append(plan)

    # An organisation's list of its services must agree with the services' own organisation.
    service_org = {plan.code: plan.agency_code for plan in plans}
    for index, raw in enumerate(raw_orgs):
        if not isinstance(raw, dict) or not isinstance(raw.get("services"), list):
            continue
        org_code = str(raw.get("id", "")).strip().lower()
        for ref_index, ref in enumerate(raw["services"]):
            ref_path = f"organizations[{index}].services[{ref_index}]"
            ref_id = ref.get("id") if isinstance(ref, dict) else None
            ref_code = str(ref_id).strip().lower() if ref_id is not None else ""
            if ref_code in service_org and service_org[ref_code] != org_code:
                reader.add(
                    f"{ref_path}.id",
                    f"Service “{ref_code}” is listed here but its organization is “{service_org[ref_code]}”",
                )
    return agencies, plans


# --- import: checking against the directory and writing ---------------------------------


def _message_dict(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {("" if field == "__all__" else field): messages for field, messages in error.message_dict.items()}
    return {"": error.messages}


def _infer_audience(fields: Mapping[str, Any]) -> str:
    """For a new service whose document does not say: from its ages."""
    low, high = fields.get("min_age"), fields.get("max_age")
    if low is not None and low >= ADULT_AGE:
        return Audience.ADULT
    if high is not None and high < ADULT_AGE:
        return Audience.CHILD
    return Audience.ALL_AGE


def _check_agencies(
    plans: list[_AgencyPlan], existing: dict[str, Agency], problems: list[OrukProblem]
) -> dict[str, Agency]:
    """Each organisation as the Agency it would become (not saved), with its rules checked."""
    planned: dict[str, Agency] = {}
    names: dict[str, str] = {}
    for plan in plans:
        name = plan.fields.get("name")
        if name in names:
            problems.append(
                OrukProblem(plan.paths["name"], f"Another organisation in the file is called “{name}” ({names[name]})")
            )
            continue
        names[name] = plan.path
        stored = existing.get(plan.code)
        if stored is not None:
            agency = Agency.objects.get(pk=stored.pk)
            for field, value in plan.fields.items():
                setattr(agency, field, value)
        else:
            agency = Agency(**{"kind": AgencyKind.OTHER, **plan.fields, "code": plan.code})
        try:
            agency.full_clean()
        except ValidationError as error:
            for field, messages in _message_dict(error).items():
                problems.extend(OrukProblem(plan.paths.get(field, plan.path), message) for message in messages)
            continue
        planned[plan.code] = agency
    return planned


def _service_rows(
    plans: list[_ServicePlan], agencies: Mapping[str, Agency], existing_codes: set[str]
) -> list[dict[str, Any]]:
    rows = []
    for plan in plans:
        row = dict(plan.fields)
        row["agency"] = agencies[plan.agency_code]
        if plan.code not in existing_codes and "audience" not in row:
            row["audience"] = _infer_audience(row)
        if plan.needs is not None:
            row["needs"] = plan.needs
        rows.append(row)
    return rows


def _service_problems(plans: list[_ServicePlan], errors: Mapping[int, ValidationError]) -> list[OrukProblem]:
    problems = []
    for index, error in errors.items():
        plan = plans[index]
        for field, messages in _message_dict(error).items():
            problems.extend(OrukProblem(plan.paths.get(field, plan.path), message) for message in messages)
    return problems


def oruk_check(document: Any) -> list[OrukProblem]:
    """Every problem with a document, writing nothing."""
    try:
        _plan_import(document)
    except OrukImportInvalid as invalid:
        return invalid.problems
    return []


def _plan_import(document: Any):
    """Read and check the whole document against the directory. Writes nothing; raises
    OrukImportInvalid with every problem found."""
    reader = _Reader()
    agency_plans, service_plans = _read_document(reader, document)
    problems = list(reader.problems)
    if problems and not (agency_plans or service_plans):
        raise OrukImportInvalid(problems)

    codes = {plan.code for plan in agency_plans} | {plan.agency_code for plan in service_plans}
    existing_agencies = {agency.code: agency for agency in Agency.objects.filter(code__in=codes)}
    planned_agencies = _check_agencies(agency_plans, existing_agencies, problems)
    planned_codes = {plan.code for plan in agency_plans}

    # The services, checked with the agencies as they will be. A new agency is not saved yet:
    # a stand-in id lets the service's own rules run (they never look the agency up).
    stand_ins: dict[str, Agency] = {}
    for offset, (code, agency) in enumerate(planned_agencies.items(), start=1):
        stand_in = Agency(**{f.attname: getattr(agency, f.attname) for f in Agency._meta.concrete_fields})
        if stand_in.pk is None:
            stand_in.pk = -offset
        stand_ins[code] = stand_in
    checkable: list[_ServicePlan] = []
    for plan in service_plans:
        if plan.agency_code in stand_ins:
            checkable.append(plan)
        elif plan.agency_code in existing_agencies and plan.agency_code not in planned_codes:
            stand_ins[plan.agency_code] = existing_agencies[plan.agency_code]
            checkable.append(plan)
        elif plan.agency_code not in planned_codes:
            problems.append(
                OrukProblem(
                    plan.paths["agency"],
                    f"No organisation has the id “{plan.agency_code}”, in the file or in the directory",
                )
            )
    existing_codes = set(Service.objects.filter(code__in=[p.code for p in checkable]).values_list("code", flat=True))
    rows = _service_rows(checkable, stand_ins, existing_codes)
    problems.extend(_service_problems(checkable, services.services_import_check(rows)))
    if problems:
        raise OrukImportInvalid(problems)
    return agency_plans, service_plans, planned_agencies, existing_agencies


def oruk_import(data: Any, *, actor, actor_label: str = "") -> OrukImportResult:
    """Create or update the directory's agencies and services from an ORUK document, all or
    nothing. Organisations are matched to agencies by code and services by service ID (the
    documents' ``id``s), so importing the same document again changes nothing.

    ``data`` is the parsed JSON (see ``oruk_load``). Every problem is reported, each with
    its JSON path, in one OrukImportInvalid, and then nothing is written. The agencies and
    services are audited as their own services audit them, plus one
    ``directory.openreferral.import`` event with the counts, when anything changed.
    """
    if actor is not None:
        ensure_capability(actor, "directory.manage")
    elif not actor_label:
        raise PermissionDenied("An import without a user must say who ran it (actor_label)")
    with transaction.atomic():
        agency_plans, service_plans, planned, existing = _plan_import(data)

        agencies: dict[str, Agency] = dict(existing)
        created = updated = 0
        for plan in agency_plans:
            stored = existing.get(plan.code)
            if stored is None:
                fields = {"kind": AgencyKind.OTHER, **plan.fields, "code": plan.code}
                agencies[plan.code] = services.agency_create(actor=actor, actor_label=actor_label, **fields)
                created += 1
            else:
                before = stored.updated_at
                agencies[plan.code] = services.agency_update(
                    actor=actor, actor_label=actor_label, agency=stored, **plan.fields
                )
                updated += agencies[plan.code].updated_at != before

        needs_created = _needs_create(service_plans)
        existing_codes = set(
            Service.objects.filter(code__in=[p.code for p in service_plans]).values_list("code", flat=True)
        )
        rows = _service_rows(service_plans, agencies, existing_codes)
        try:
            result = services.services_import(actor=actor, actor_label=actor_label, rows=rows)
        except services.ServicesImportInvalid as invalid:
            raise OrukImportInvalid(_service_problems(service_plans, invalid.row_errors)) from None

        summary = OrukImportResult(
            agencies_created=created,
            agencies_updated=updated,
            agencies_unchanged=len(agency_plans) - created - updated,
            services_created=result.created,
            services_updated=result.updated,
            services_unchanged=result.unchanged,
            needs_created=len(needs_created),
        )
        if summary.changed or needs_created:
            audit_record(
                actor=actor,
                actor_label=actor_label,
                action="directory.openreferral.import",
                object_type="directory.service",
                detail={
                    "agencies_created": created,
                    "agencies_updated": updated,
                    "services_created": result.created,
                    "services_updated": result.updated,
                    "services_unchanged": result.unchanged,
                    "needs_created": needs_created,
                },
            )
    return summary


def _needs_create(plans: list[_ServicePlan]) -> list[str]:
    """Needs the document names that the directory lacks, created with the document's names
    for them. Needs already in the directory keep their own names."""
    labels: dict[str, str] = {}
    wanted: set[str] = set()
    for plan in plans:
        wanted.update(plan.needs or [])
        for slug, label in plan.need_labels.items():
            labels.setdefault(slug, label)
    known = set(Need.objects.filter(slug__in=wanted).values_list("slug", flat=True))
    missing = sorted(wanted - known)
    Need.objects.bulk_create([Need(slug=slug, label=labels.get(slug, "")) for slug in missing], ignore_conflicts=True)
    return missing
