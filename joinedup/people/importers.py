"""Bulk loading of young people and involvements (docs/formats.md, "Young people CSV" and
"Involvements CSV"), through ``joinedup.platform.csv_import`` and, with the same rows as JSON,
through the API (``run_batch``).

Both kinds are all or nothing, report every bad row with its row number and column, and are
idempotent: young people are matched by ``ref``; involvements by ``ref`` + ``service_id`` +
``start``, so importing a file again updates (``planned_end``, ``actual_end``, ``weight``) and
never duplicates. A column left out of the file leaves that field of a matched record as it is.

**Scope.** An administrator, and the command line without ``--as``, may load any rows. Anyone
else (``people.import``: coordinators and practitioners) loads only their own agency's rows:
involvements with their agency's services; young people their agency leads, or for whom the
row gives their agency's case reference (``local_id``). A young person already on record
whom their agency is not involved with can be changed only by a row that gives that case
reference. A row out of scope is reported like any other bad row.

**Writes** happen in ``young_people_import`` and ``involvements_import`` (services in all but
module: ``actor`` first, one transaction, audited in it). Each writes one audit event for the
whole import, listing every reference created and every change made, not one per row (ADR
0011), and recomputes the stored cliff-edge forecast of every young person it touched, once,
in the same transaction (``forecasting.people_refresh``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from joinedup.directory.models import Agency, Service
from joinedup.directory.selectors import agency_lookup
from joinedup.directory.services import _changes, _needs_get_or_create, _plain, need_slugs_normalise
from joinedup.platform.access import Role, ensure_capability
from joinedup.platform.audit import audit_record
from joinedup.platform.csv_import import (
    MAX_ROWS,
    CellError,
    CsvRow,
    ImportFailed,
    ImportRowError,
    ImportSummary,
    RowErrors,
    get_importer,
    parse_choice,
    parse_decimal,
    parse_list,
    parse_rows,
)

from . import forecasting
from .models import (
    NOT_THEIR_AGE,
    REF_PATTERN,
    AgencyReference,
    Gender,
    Involvement,
    YoungPerson,
    age_date,
    age_on,
    birthday,
)
from .selectors import involved_q
from .services import audit_person_changes

CAPABILITY = "people.import"
_CHUNK = 1000  # values per IN (...) query

YOUNG_PEOPLE_REQUIRED = ("ref", "initials", "birth_month", "lead_agency")
YOUNG_PEOPLE_OPTIONAL = (
    "gender",
    "area",
    "needs",
    "lead_contact_name",
    "lead_contact_email",
    "lead_contact_phone",
    "local_id",
)
INVOLVEMENTS_REQUIRED = ("ref", "service_id", "start")
INVOLVEMENTS_OPTIONAL = ("planned_end", "actual_end", "weight")
_INVOLVEMENT_VALUES = ("planned_end", "actual_end", "weight")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- who may load what -------------------------------------------------------------------


def scoped_agency(actor) -> Agency | None:
    """The agency a user's rows are limited to, or None when they may load any agency's rows
    (an administrator, or the command line without ``--as``)."""
    if actor is None or getattr(actor, "role", None) == Role.ADMIN:
        return None
    agency = getattr(actor, "agency", None)
    if agency is None:
        raise PermissionDenied("You need to belong to an agency to import young people or involvements")
    return agency


# --- cells -------------------------------------------------------------------------------


def parse_date(value: str) -> dt.date | None:
    if value == "":
        return None
    if _DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise CellError(f"Enter a date as year-month-day, like 2025-04-01, not “{value}”")


def parse_ref(value: str) -> str:
    ref = value.strip().upper()
    if not ref:
        raise CellError("Enter the young person’s reference, like YP-7F3K2")
    if not REF_PATTERN.match(ref):
        raise CellError(
            f"“{value}” is not a reference: it is YP- followed by 5 to 8 capital letters and numbers "
            "(not 0, O, 1 or I), like YP-7F3K2"
        )
    return ref


def _field_clean(name: str, value: str) -> str:
    """A text cell checked by the model field's own rules (length, format, choices)."""
    try:
        return YoungPerson._meta.get_field(name).clean(value, None)
    except ValidationError as error:
        raise CellError(" ".join(error.messages)) from None


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _chunks(values: Sequence, size: int = _CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _errors_at(errors: dict[int, list[tuple[str, str]]]) -> list[ImportRowError]:
    return [ImportRowError(number, column, message) for number, found in errors.items() for column, message in found]


@contextlib.contextmanager
def _atomic_import():
    """The import's transaction. Another change that saved the same records first (a unique
    reference or involvement) refuses the import, like any other problem, rather than failing."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise ImportFailed(
            [
                ImportRowError(
                    None,
                    "",
                    "Someone else saved some of these records while the import ran, so nothing was imported. "
                    "Import the file again.",
                )
            ]
        ) from None


# --- young people --------------------------------------------------------------------------


@dataclass
class PersonRow:
    """One parsed row: the cells the file has, as model values."""

    number: int
    ref: str
    fields: dict[str, Any]  # initials, birth_month, lead_agency (Agency) and the optional ones present
    needs: list[str] | None  # None: the column is not in the file
    local_id: str


@dataclass
class _PersonPlan:
    row: PersonRow
    person: YoungPerson
    is_new: bool
    changed: dict[str, list[Any]] = field(default_factory=dict)
    needs: list[str] | None = None  # the needs to set, when they change
    reference: AgencyReference | None = None  # a case reference to add


class YoungPeopleImporter:
    label = "young people"
    capability = CAPABILITY
    required_columns = YOUNG_PEOPLE_REQUIRED
    optional_columns = YOUNG_PEOPLE_OPTIONAL

    def prepare(self, rows: Sequence[CsvRow]) -> tuple[list[PersonRow], list[ImportRowError]]:
        agencies = agency_lookup()
        return parse_rows(rows, lambda row, problems: self._parse(row, agencies, problems))

    def _parse(self, row: CsvRow, agencies: Mapping[str, Agency], problems: RowErrors) -> PersonRow:
        values = row.values
        fields: dict[str, Any] = {}
        ref = ""
        try:
            ref = parse_ref(values["ref"])
        except CellError as error:
            problems.add("ref", str(error))

        initials = values["initials"].upper()
        if not initials:
            problems.add("initials", "Enter the young person’s initials, like JS")
        else:
            try:
                fields["initials"] = _field_clean("initials", initials)
            except CellError as error:
                problems.add("initials", str(error))

        birth_month = values["birth_month"]
        if not birth_month:
            problems.add("birth_month", "Enter the birth month as a year and month, like 2008-03")
        else:
            try:
                fields["birth_month"] = _field_clean("birth_month", birth_month)
                YoungPerson(birth_month=birth_month).clean()
            except CellError as error:
                problems.add("birth_month", str(error))
            except ValidationError as error:
                problems.add("birth_month", " ".join(error.messages))

        lead = values["lead_agency"]
        if not lead:
            problems.add("lead_agency", "Enter the lead agency’s code, like harbourside-police")
        elif lead not in agencies:
            problems.add("lead_agency", f"No agency has the code or name “{lead}”. Add the agency first.")
        else:
            fields["lead_agency"] = agencies[lead]

        if row.has("gender"):
            try:
                fields["gender"] = parse_choice(values["gender"], Gender.values) or Gender.NOT_KNOWN
            except CellError as error:
                problems.add("gender", str(error))
        for column in ("area", "lead_contact_name", "lead_contact_email", "lead_contact_phone"):
            if row.has(column):
                try:
                    fields[column] = _field_clean(column, values[column])
                except CellError as error:
                    problems.add(column, str(error))

        needs = None
        if row.has("needs"):
            try:
                needs = need_slugs_normalise(parse_list(values["needs"]))
            except ValidationError as error:
                problems.add("needs", " ".join(error.messages))

        local_id = values.get("local_id", "")
        limit = AgencyReference._meta.get_field("local_id").max_length
        if len(local_id) > limit:
            problems.add("local_id", f"A case reference must be {limit} characters or fewer")
        return PersonRow(number=row.number, ref=ref, fields=fields, needs=needs, local_id=local_id)

    def check(self, prepared: list[PersonRow], *, actor: Any = None) -> list[ImportRowError]:
        return _errors_at(plan_young_people(prepared, actor=actor)[1])

    def write(self, prepared: list[PersonRow], *, actor: Any, actor_label: str) -> ImportSummary:
        return young_people_import(actor=actor, rows=prepared, actor_label=actor_label)


def plan_young_people(
    rows: Sequence[PersonRow], *, actor: Any, lock: bool = False
) -> tuple[list[_PersonPlan], dict[int, list[tuple[str, str]]]]:
    """Match each row to a young person by ref and check it against the records and the actor's
    scope. No writes. ``lock`` locks the matched records (inside the writing transaction)."""
    scope = scoped_agency(actor)
    refs = [row.ref for row in rows]
    existing: dict[str, YoungPerson] = {}
    for chunk in _chunks(refs):
        people = YoungPerson.objects.filter(ref__in=chunk).select_related("lead_agency")
        if lock:
            people = people.select_for_update(of=("self",))
        existing.update((person.ref, person) for person in people)
    ids = [person.pk for person in existing.values()]
    current_needs: dict[int, list[str]] = {}
    involved: set[int] = set()
    for chunk in _chunks(ids):
        through = YoungPerson.needs.through.objects.filter(youngperson_id__in=chunk)
        for person_id, slug in through.values_list("youngperson_id", "need__slug"):
            current_needs.setdefault(person_id, []).append(slug)
        if scope is not None:
            involved.update(YoungPerson.objects.filter(involved_q(scope.pk), pk__in=chunk).values_list("pk", flat=True))
    local_ids = sorted({row.local_id for row in rows if row.local_id})
    references: dict[tuple[int, str], int] = {}  # (agency, local id) -> young person
    for chunk in _chunks(local_ids):
        for agency_id, local_id, person_id in AgencyReference.objects.filter(local_id__in=chunk).values_list(
            "agency_id", "local_id", "young_person_id"
        ):
            references[(agency_id, local_id)] = person_id

    plans: list[_PersonPlan] = []
    errors: dict[int, list[tuple[str, str]]] = {}
    seen_refs: dict[str, int] = {}
    seen_local: dict[tuple[int, str], tuple[str, int]] = {}
    for row in rows:
        found: list[tuple[str, str]] = []
        if row.ref in seen_refs:
            found.append(("ref", f"{row.ref} is already in row {seen_refs[row.ref]}: give each young person once"))
        else:
            seen_refs[row.ref] = row.number
        stored = existing.get(row.ref)
        lead: Agency = row.fields["lead_agency"]
        reference_agency = scope or lead  # whose case reference local_id is
        if scope is not None:
            if row.local_id:
                pass  # the row records the user's agency as involved
            elif lead.pk != scope.pk:
                found.append(
                    (
                        "lead_agency",
                        f"You can import only young people {scope} leads, or give {scope}’s case reference in local_id",
                    )
                )
            elif stored is not None and stored.pk not in involved:
                found.append(
                    (
                        "local_id",
                        f"{scope} is not involved with {row.ref}: give {scope}’s case reference in local_id "
                        "to record that it is",
                    )
                )
        if not lead.is_active and (stored is None or stored.lead_agency_id != lead.pk):
            found.append(("lead_agency", f"{lead} is no longer active in the directory: choose a current agency"))

        reference = None
        if row.local_id:
            key = (reference_agency.pk, row.local_id)
            owner = references.get(key)
            if owner is not None and (stored is None or owner != stored.pk):
                found.append(
                    (
                        "local_id",
                        f"{reference_agency} already uses case reference {row.local_id} for another young person",
                    )
                )
            elif key in seen_local and seen_local[key][0] != row.ref:
                found.append(
                    (
                        "local_id",
                        f"Case reference {row.local_id} is already given to {seen_local[key][0]} in row "
                        f"{seen_local[key][1]}",
                    )
                )
            else:
                seen_local.setdefault(key, (row.ref, row.number))
                if owner is None:
                    reference = AgencyReference(agency=reference_agency, local_id=row.local_id)

        if found:
            errors[row.number] = found
            continue
        if stored is None:
            person = YoungPerson(ref=row.ref, **row.fields)
            plans.append(_PersonPlan(row, person, True, needs=row.needs or [], reference=reference))
        else:
            before = {name: getattr(stored, name) for name in row.fields}
            for name, value in row.fields.items():
                setattr(stored, name, value)
            changed = _changes(before, row.fields)
            needs = None
            old_needs = sorted(current_needs.get(stored.pk, []))
            if row.needs is not None and row.needs != old_needs:
                changed["needs"] = [old_needs, row.needs]
                needs = row.needs
            if reference is not None:
                changed["local_id"] = [None, row.local_id]
            plans.append(_PersonPlan(row, stored, False, changed, needs, reference))
    return plans, errors


def young_people_import(*, actor, rows: Sequence[PersonRow], actor_label: str = "") -> ImportSummary:
    """Create or update many young people, matched by ref, all or nothing; record case references;
    audit the import as one event; recompute the forecasts of everyone changed."""
    if actor is not None:
        ensure_capability(actor, CAPABILITY)
    with _atomic_import():
        plans, errors = plan_young_people(rows, actor=actor, lock=True)
        if errors:
            raise ImportFailed(_errors_at(errors))
        new = [plan for plan in plans if plan.is_new]
        changed = [plan for plan in plans if not plan.is_new and plan.changed]
        unchanged = len(plans) - len(new) - len(changed)

        YoungPerson.objects.bulk_create([plan.person for plan in new], batch_size=500)
        stored_ids: dict[str, int] = {}
        for chunk in _chunks([plan.person.ref for plan in new]):
            stored_ids.update(YoungPerson.objects.filter(ref__in=chunk).values_list("ref", "pk"))
        for plan in new:
            plan.person.pk = stored_ids[plan.person.ref]

        fields = sorted({name for plan in changed for name in plan.changed if name not in {"needs", "local_id"}})
        if fields:
            now = timezone.now()
            updated = [plan.person for plan in changed if set(plan.changed) - {"needs", "local_id"}]
            for person in updated:
                person.updated_at = now
            YoungPerson.objects.bulk_update(updated, [*fields, "updated_at"], batch_size=500)

        needs_by_slug = _needs_get_or_create({slug for plan in (*new, *changed) for slug in (plan.needs or ())})
        through = YoungPerson.needs.through
        replaced = [plan.person.pk for plan in changed if plan.needs is not None]
        for chunk in _chunks(replaced):
            through.objects.filter(youngperson_id__in=chunk).delete()
        through.objects.bulk_create(
            [
                through(youngperson_id=plan.person.pk, need_id=needs_by_slug[slug].pk)
                for plan in (*new, *changed)
                for slug in (plan.needs or ())
            ],
            batch_size=1000,
        )
        references = []
        for plan in (*new, *changed):
            if plan.reference is not None:
                plan.reference.young_person_id = plan.person.pk
                references.append(plan.reference)
        AgencyReference.objects.bulk_create(references, batch_size=1000)

        if new or changed:
            forecasting.people_refresh([plan.person.pk for plan in (*new, *changed)])
            audit_record(
                actor=actor,
                actor_label=actor_label,
                action="people.young_person.import",
                object_type="people.youngperson",
                detail={
                    "created": [plan.person.ref for plan in new],
                    "updated": {plan.person.ref: audit_person_changes(plan.changed) for plan in changed},
                    "references_added": [
                        [plan.person.ref, plan.reference.agency.code, plan.reference.local_id]
                        for plan in (*new, *changed)
                        if plan.reference is not None
                    ],
                    "counts": {"created": len(new), "updated": len(changed), "unchanged": unchanged},
                },
            )
    return ImportSummary(created=len(new), updated=len(changed), unchanged=unchanged)


# --- involvements ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Person:
    pk: int
    ref: str
    birth_month: str


@dataclass
class InvolvementRow:
    number: int
    person: _Person
    service: Service
    start: dt.date
    values: dict[str, Any]  # planned_end, actual_end, weight: the ones the file has

    @property
    def key(self) -> tuple[int, int, dt.date]:
        return (self.person.pk, self.service.pk, self.start)


@dataclass
class _InvolvementPlan:
    row: InvolvementRow
    involvement: Involvement
    is_new: bool
    changed: dict[str, list[Any]] = field(default_factory=dict)


class InvolvementsImporter:
    label = "involvements"
    capability = CAPABILITY
    required_columns = INVOLVEMENTS_REQUIRED
    optional_columns = INVOLVEMENTS_OPTIONAL

    def prepare(self, rows: Sequence[CsvRow]) -> tuple[list[InvolvementRow], list[ImportRowError]]:
        refs = sorted({row.values["ref"].strip().upper() for row in rows})
        people: dict[str, _Person] = {}
        for chunk in _chunks(refs):
            for pk, ref, birth_month in YoungPerson.objects.filter(ref__in=chunk).values_list(
                "pk", "ref", "birth_month"
            ):
                people[ref] = _Person(pk, ref, birth_month)
        services = {service.code: service for service in Service.objects.select_related("agency")}
        return parse_rows(rows, lambda row, problems: self._parse(row, people, services, problems))

    def _parse(self, row, people, services, problems: RowErrors) -> InvolvementRow | None:
        values = row.values
        person = service = start = None
        try:
            ref = parse_ref(values["ref"])
            person = people.get(ref)
            if person is None:
                problems.add(
                    "ref", f"No young person has the reference {ref}. Import them first (young people) or check it."
                )
        except CellError as error:
            problems.add("ref", str(error))
        code = values["service_id"]
        if not code:
            problems.add("service_id", "Enter the service ID, like camhs-core")
        else:
            service = services.get(code)
            if service is None:
                problems.add("service_id", f"No service has the service ID “{code}”. Check it in the directory.")
        try:
            start = parse_date(values["start"])
            if start is None:
                problems.add("start", "Enter the date the involvement started, like 2025-04-01")
        except CellError as error:
            problems.add("start", str(error))
        parsed: dict[str, Any] = {}
        for column in ("planned_end", "actual_end"):
            if row.has(column):
                try:
                    parsed[column] = parse_date(values[column])
                except CellError as error:
                    problems.add(column, str(error))
        if row.has("weight"):
            try:
                weight = parse_decimal(values["weight"], minimum=Decimal(0), maximum=Decimal(100))
                if weight is not None and weight != weight.quantize(Decimal("0.01")):
                    raise CellError("Give the weight with at most 2 decimal places, like 0.75")
                parsed["weight"] = weight
            except CellError as error:
                problems.add("weight", str(error))
        if start is not None:
            if parsed.get("planned_end") is not None and parsed["planned_end"] < start:
                problems.add("planned_end", "The planned end must be the same as or after the start date")
            if parsed.get("actual_end") is not None and parsed["actual_end"] < start:
                problems.add("actual_end", "The end date must be the same as or after the start date")
        if problems.errors:
            return None
        return InvolvementRow(number=row.number, person=person, service=service, start=start, values=parsed)

    def check(self, prepared: list[InvolvementRow], *, actor: Any = None) -> list[ImportRowError]:
        return _errors_at(plan_involvements(prepared, actor=actor)[1])

    def write(self, prepared: list[InvolvementRow], *, actor: Any, actor_label: str) -> ImportSummary:
        return involvements_import(actor=actor, rows=prepared, actor_label=actor_label)


def _effective_end(planned, actual, service: Service, birth_month: str) -> dt.date | None:
    """DESIGN §6: actual end, else planned end, else the service's age limit, else open-ended."""
    if actual is not None:
        return actual
    if planned is not None:
        return planned
    if service.ends_at_age is not None:
        return age_date(birth_month, service.ends_at_age)
    return None


def plan_involvements(
    rows: Sequence[InvolvementRow], *, actor: Any, lock: bool = False
) -> tuple[list[_InvolvementPlan], dict[int, list[tuple[str, str]]]]:
    """Match each row to an involvement by ref + service + start and check it: scope, duplicates,
    birth, age range, overlaps with the stored involvements and the file's other rows. No writes."""
    scope = scoped_agency(actor)
    person_ids = sorted({row.person.pk for row in rows})
    stored: dict[tuple[int, int], list[Involvement]] = {}
    involved: set[int] = set()
    for chunk in _chunks(person_ids):
        if scope is not None:
            involved.update(YoungPerson.objects.filter(involved_q(scope.pk), pk__in=chunk).values_list("pk", flat=True))
        found = Involvement.objects.filter(young_person_id__in=chunk)
        if lock:
            found = found.select_for_update()
        for involvement in found:
            stored.setdefault((involvement.young_person_id, involvement.service_id), []).append(involvement)
    by_key = {(i.young_person_id, i.service_id, i.start): i for group in stored.values() for i in group}

    plans: list[_InvolvementPlan] = []
    errors: dict[int, list[tuple[str, str]]] = {}
    seen: dict[tuple, int] = {}
    for row in rows:
        found: list[tuple[str, str]] = []
        person, service, start = row.person, row.service, row.start
        if scope is not None and service.agency_id != scope.pk:
            errors[row.number] = [
                ("service_id", f"{service.name} is run by {service.agency}: you can import only {scope}’s services")
            ]
            continue  # nothing more about a young person outside the importer's scope
        if row.key in seen:
            found.append(
                (
                    "start",
                    f"{person.ref} with {service.name} from {_day(start)} is already in row {seen[row.key]}: "
                    "give each involvement once",
                )
            )
        else:
            seen[row.key] = row.number
        existing = by_key.get(row.key)
        if existing is None:
            if not service.is_active or not service.agency.is_active:
                found.append(("service_id", f"{service.name} is no longer offered: choose a current service"))
            born = birthday(person.birth_month)
            age = age_on(person.birth_month, start)
            low, high = service.min_age, service.max_age
            outside = (low is not None and age < low) or (high is not None and age > high)
            if scope is not None and person.pk not in involved and (start < born or outside):
                # An agency not yet involved sees only the signpost: the message must not give
                # away the birth month or the age (DESIGN §3.2).
                found.append(("start", NOT_THEIR_AGE))
            elif start < born:
                found.append(("start", f"The start date must be after {person.ref} was born ({born:%B %Y})"))
            elif outside:
                found.append(
                    (
                        "service_id",
                        f"{service.name} is for ages {service.age_range_text.lower()}; "
                        f"{person.ref} was {age} on the start date",
                    )
                )
        if found:
            errors[row.number] = found
            continue
        if existing is None:
            values = {name: row.values.get(name) for name in _INVOLVEMENT_VALUES}
            involvement = Involvement(young_person_id=person.pk, service=service, start=start, **values)
            plans.append(_InvolvementPlan(row, involvement, True))
        else:
            before = {name: getattr(existing, name) for name in row.values}
            for name, value in row.values.items():
                setattr(existing, name, value)
            plans.append(_InvolvementPlan(row, existing, False, _changes(before, row.values)))

    _check_overlaps(plans, stored, errors)
    plans = [plan for plan in plans if plan.row.number not in errors]
    return plans, errors


def _check_overlaps(
    plans: list[_InvolvementPlan],
    stored: dict[tuple[int, int], list[Involvement]],
    errors: dict[int, list[tuple[str, str]]],
) -> None:
    """Two involvements of one young person with one service must not overlap in time: check the
    records as they would be after the import, and report each overlap on a row of the file."""
    from_file: dict[int, _InvolvementPlan] = {id(plan.involvement): plan for plan in plans}
    groups: dict[tuple[int, int], list[Involvement]] = {}
    for key, group in stored.items():
        groups[key] = list(group)
    for plan in plans:
        if plan.is_new:
            groups.setdefault((plan.involvement.young_person_id, plan.involvement.service_id), []).append(
                plan.involvement
            )
    for group in groups.values():
        if len(group) < 2 or not any(id(item) in from_file for item in group):
            continue
        any_plan = next(from_file[id(item)] for item in group if id(item) in from_file)
        service, person = any_plan.row.service, any_plan.row.person
        spans = []
        for item in group:
            end = _effective_end(item.planned_end, item.actual_end, service, person.birth_month)
            if end is None or end > item.start:  # an involvement ending the day it starts covers no day
                spans.append((item.start, end, item))
        # Starts are distinct within a group (a start twice is a duplicate row or an update).
        # Sorted by start, a span overlaps another exactly when an earlier one reaches past its
        # start, or the next one starts before it ends: so every overlapping row is found in
        # one pass, with the involvement it overlaps.
        spans.sort(key=lambda span: span[0])
        reach: tuple[dt.date | None, Involvement] | None = None  # the furthest end so far
        for index, (start, end, item) in enumerate(spans):
            other = None
            if reach is not None and (reach[0] is None or start < reach[0]):
                other = reach[1]
            elif index + 1 < len(spans) and (end is None or spans[index + 1][0] < end):
                other = spans[index + 1][2]
            if other is not None and id(item) in from_file:
                where = (
                    f"row {from_file[id(other)].row.number}" if id(other) in from_file else "the record already held"
                )
                errors.setdefault(from_file[id(item)].row.number, []).append(
                    (
                        "start",
                        f"{person.ref} is already involved with {service.name} from {_day(other.start)} "
                        f"({where}), and this would overlap it: end that involvement first or change the dates",
                    )
                )
            if reach is None or (reach[0] is not None and (end is None or end > reach[0])):
                reach = (end, item)


def involvements_import(*, actor, rows: Sequence[InvolvementRow], actor_label: str = "") -> ImportSummary:
    """Create or update many involvements, matched by ref + service + start, all or nothing; audit
    the import as one event; recompute the forecasts of everyone whose involvements changed."""
    if actor is not None:
        ensure_capability(actor, CAPABILITY)
    with _atomic_import():
        plans, errors = plan_involvements(rows, actor=actor, lock=True)
        if errors:
            raise ImportFailed(_errors_at(errors))
        new = [plan for plan in plans if plan.is_new]
        changed = [plan for plan in plans if not plan.is_new and plan.changed]
        unchanged = len(plans) - len(new) - len(changed)
        Involvement.objects.bulk_create([plan.involvement for plan in new], batch_size=500)
        if changed:
            now = timezone.now()
            for plan in changed:
                plan.involvement.updated_at = now
            Involvement.objects.bulk_update(
                [plan.involvement for plan in changed], [*_INVOLVEMENT_VALUES, "updated_at"], batch_size=500
            )
        if new or changed:
            touched = sorted({plan.row.person.pk for plan in (*new, *changed)})
            forecasting.people_refresh(touched)
            audit_record(
                actor=actor,
                actor_label=actor_label,
                action="people.involvement.import",
                object_type="people.involvement",
                detail={
                    "created": [_involvement_key(plan) + [_created_values(plan)] for plan in new],
                    "updated": [_involvement_key(plan) + [plan.changed] for plan in changed],
                    "refs": sorted({plan.row.person.ref for plan in (*new, *changed)}),
                    "counts": {"created": len(new), "updated": len(changed), "unchanged": unchanged},
                },
            )
    return ImportSummary(created=len(new), updated=len(changed), unchanged=unchanged)


def _involvement_key(plan: _InvolvementPlan) -> list[str]:
    return [plan.row.person.ref, plan.row.service.code, plan.row.start.isoformat()]


def _created_values(plan: _InvolvementPlan) -> dict[str, Any]:
    return {
        name: _plain(getattr(plan.involvement, name))
        for name in _INVOLVEMENT_VALUES
        if getattr(plan.involvement, name) is not None
    }


# --- the same rows from the API -------------------------------------------------------------


def run_batch(kind: str, rows: Iterable[Mapping[str, Any]], *, actor: Any, actor_label: str = "") -> ImportSummary:
    """Import rows given as ``{column: value}`` (the API's JSON batch) exactly as a file of ``kind``
    would be: all or nothing, raising ``ImportFailed`` with every problem. A row's number is its
    position in the batch, from 0. A key left out of a row is a column left out of the file;
    ``None`` is an empty cell."""
    importer = get_importer(kind)
    if actor is not None:
        ensure_capability(actor, importer.capability)
    csv_rows = []
    for index, row in enumerate(rows):
        if index >= MAX_ROWS:
            raise ImportFailed(
                [ImportRowError(None, "", f"The batch has more than {MAX_ROWS:,} rows. Send it in smaller batches.")]
            )
        csv_rows.append(CsvRow(index, {name: _cell(value) for name, value in row.items()}))
    prepared, errors = importer.prepare(csv_rows)
    if errors:
        errors.extend(importer.check(prepared, actor=actor))
        raise ImportFailed(errors)
    with transaction.atomic():
        return importer.write(prepared, actor=actor, actor_label=actor_label)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(str(item).strip() for item in value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()
