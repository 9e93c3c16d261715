"""Importing young people and involvements: all or nothing, every error with its row and column,
idempotent, scoped to the importing user's agency, forecasts stored, one audit event (ADR 0011)."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import time
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from joinedup.people import importers
from joinedup.people.models import (
    REF_ALPHABET,
    AgencyReference,
    Involvement,
    StoredEdge,
    StoredExit,
    YoungPerson,
    months_later,
)
from joinedup.platform.access import Role
from joinedup.platform.csv_import import ImportFailed, run_import
from joinedup.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

PEOPLE_COLUMNS = list(importers.YOUNG_PEOPLE_REQUIRED + importers.YOUNG_PEOPLE_OPTIONAL)
INVOLVEMENT_COLUMNS = list(importers.INVOLVEMENTS_REQUIRED + importers.INVOLVEMENTS_OPTIONAL)


def ref_for(n: int) -> str:
    """A valid reference for any n below 32**5: YP- and five characters of the reference alphabet."""
    chars = []
    for _ in range(5):
        n, digit = divmod(n, len(REF_ALPHABET))
        chars.append(REF_ALPHABET[digit])
    return "YP-" + "".join(reversed(chars))


def make_csv(rows: list[dict], columns: list[str]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in columns})
    return buffer.getvalue().encode("utf-8")


def person_row(n: int = 1, **overrides) -> dict:
    row = {
        "ref": ref_for(n),
        "initials": "JS",
        "birth_month": "2009-03",
        "gender": "female",
        "area": "Harbourside North",
        "needs": "exploitation; Mental health",
        "lead_agency": "harbourside-police",
        "lead_contact_name": "Sam Officer",
        "lead_contact_email": "sam.officer@example.org",
        "lead_contact_phone": "01632 960000",
        "local_id": "",
    }
    row.update(overrides)
    return row


def involvement_row(n: int = 1, **overrides) -> dict:
    row = {
        "ref": ref_for(n),
        "service_id": "youth-diversion",
        "start": "2024-01-15",
        "planned_end": "",
        "actual_end": "",
        "weight": "",
    }
    row.update(overrides)
    return row


def import_people(rows, *, actor=None, columns=PEOPLE_COLUMNS):
    return run_import("young-people", make_csv(rows, columns), actor=actor, actor_label="" if actor else "test")


def import_involvements(rows, *, actor=None, columns=INVOLVEMENT_COLUMNS):
    return run_import("involvements", make_csv(rows, columns), actor=actor, actor_label="" if actor else "test")


def errors_of(call, *args, **kwargs) -> list[tuple[int | None, str]]:
    with pytest.raises(ImportFailed) as caught:
        call(*args, **kwargs)
    return [(e.row, e.column) for e in caught.value.errors]


def turning_18_in(months: int) -> str:
    """The birth month of someone who turns 18 ``months`` from now (on the 1st of that month)."""
    day = months_later(timezone.localdate().replace(day=1), months - 18 * 12)
    return f"{day.year}-{day.month:02d}"


@pytest.fixture
def world(people_world):
    return people_world


# --- young people ------------------------------------------------------------------------------


def test_a_young_people_file_creates_records_needs_references_and_one_audit_event(world, admin_user):
    summary = import_people(
        [person_row(1, local_id="POL-1"), person_row(2, lead_agency="Harbourside CAMHS", needs="", gender="")],
        actor=admin_user,
    )
    assert (summary.created, summary.updated, summary.unchanged) == (2, 0, 0)
    first = YoungPerson.objects.get(ref=ref_for(1))
    assert (first.initials, first.birth_month, first.gender, first.area) == (
        "JS",
        "2009-03",
        "female",
        "Harbourside North",
    )
    assert first.lead_agency == world.police and first.lead_contact_email == "sam.officer@example.org"
    assert sorted(first.needs.values_list("slug", flat=True)) == ["exploitation", "mental-health"]
    assert first.name_encrypted == ""
    # An administrator's (or the command line's) local_id is the lead agency's case reference.
    assert list(AgencyReference.objects.values_list("young_person__ref", "agency__code", "local_id")) == [
        (ref_for(1), "harbourside-police", "POL-1")
    ]
    second = YoungPerson.objects.get(ref=ref_for(2))
    assert second.lead_agency == world.camhs_agency and second.gender == "not_known"
    assert second.needs.count() == 0
    (event,) = AuditEvent.objects.all()
    assert event.action == "people.young_person.import" and event.actor_id == admin_user.pk
    assert event.detail == {
        "created": [ref_for(1), ref_for(2)],
        "updated": {},
        "references_added": [[ref_for(1), "harbourside-police", "POL-1"]],
        "counts": {"created": 2, "updated": 0, "unchanged": 0},
    }


def test_the_same_young_people_file_twice_changes_nothing_and_audits_nothing(world):
    data = make_csv([person_row(n, local_id=f"POL-{n}") for n in range(1, 21)], PEOPLE_COLUMNS)
    first = run_import("young-people", data, actor_label="test")
    assert (first.created, first.updated, first.unchanged) == (20, 0, 0)
    stamps = dict(YoungPerson.objects.values_list("ref", "updated_at"))
    events = AuditEvent.objects.count()
    second = run_import("young-people", data, actor_label="test")
    assert (second.created, second.updated, second.unchanged) == (0, 0, 20)
    assert dict(YoungPerson.objects.values_list("ref", "updated_at")) == stamps
    assert AgencyReference.objects.count() == 20
    assert AuditEvent.objects.count() == events


def test_a_changed_row_updates_that_young_person_only_and_audits_the_change(world):
    import_people([person_row(1), person_row(2)])
    summary = import_people([person_row(1), person_row(2, birth_month="2009-05", needs="housing", area="")])
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    person = YoungPerson.objects.get(ref=ref_for(2))
    assert person.birth_month == "2009-05" and person.area == ""
    assert list(person.needs.values_list("slug", flat=True)) == ["housing"]
    event = AuditEvent.objects.order_by("seq").last()
    # what changed, never the values: administrators read the trail and see no records
    assert event.detail["updated"] == {ref_for(2): {"birth_month": "changed", "area": "changed", "needs": "changed"}}
    assert "2009-05" not in str(event.detail) and "Harbourside North" not in str(event.detail)


def test_columns_left_out_leave_those_fields_as_they_are(world):
    import_people([person_row(1)])
    summary = import_people([person_row(1, initials="KT")], columns=list(importers.YOUNG_PEOPLE_REQUIRED))
    assert summary.updated == 1
    person = YoungPerson.objects.get()
    assert person.initials == "KT" and person.area == "Harbourside North" and person.gender == "female"
    assert person.needs.count() == 2


def test_every_young_people_error_is_reported_with_its_row_and_column(world):
    AgencyReference.objects.create(
        young_person=YoungPerson.objects.create(
            ref="YP-ZZZZZ", initials="AB", birth_month="2008-01", lead_agency=world.police
        ),
        agency=world.police,
        local_id="TAKEN",
    )
    rows = [
        person_row(1),  # row 2: fine
        person_row(2, ref="XY-12345"),  # row 3
        person_row(3, initials="j5"),  # row 4
        person_row(4, birth_month="2009-13"),  # row 5
        person_row(5, birth_month=f"{timezone.localdate().year + 1}-01"),  # row 6: in the future
        person_row(6, lead_agency="nowhere"),  # row 7
        person_row(7, gender="sometimes"),  # row 8
        person_row(8, needs="ok; not/ok"),  # row 9
        person_row(9, lead_contact_email="not-an-email"),  # row 10
        person_row(1),  # row 11: the same ref as row 2
        person_row(10, local_id="TAKEN"),  # row 12: another young person's case reference
        person_row(11, local_id="X" * 101),  # row 13
        person_row(12, ref="", initials="", birth_month="", lead_agency=""),  # row 14
    ]
    assert errors_of(import_people, rows) == [
        (3, "ref"),
        (4, "initials"),
        (5, "birth_month"),
        (6, "birth_month"),
        (7, "lead_agency"),
        (8, "gender"),
        (9, "needs"),
        (10, "lead_contact_email"),
        (11, "ref"),
        (12, "local_id"),
        (13, "local_id"),
        (14, "birth_month"),
        (14, "initials"),
        (14, "lead_agency"),
        (14, "ref"),
    ]
    assert YoungPerson.objects.count() == 1 and AuditEvent.objects.count() == 0


def test_young_people_error_messages_are_plain_english(world):
    with pytest.raises(ImportFailed) as caught:
        import_people([person_row(1, lead_agency="nowhere"), person_row(1), person_row(2, birth_month="March")])
    assert [str(e) for e in caught.value.errors] == [
        "Row 2: lead_agency: No agency has the code or name “nowhere”. Add the agency first.",
        "Row 4: birth_month: Enter the birth month as a year and month, like 2008-03",
    ]
    with pytest.raises(ImportFailed) as caught:
        import_people([person_row(1), person_row(1)])
    assert [str(e) for e in caught.value.errors] == [
        f"Row 3: ref: {ref_for(1)} is already in row 2: give each young person once"
    ]


def test_a_practitioner_imports_only_young_people_their_agency_leads_or_gives_a_case_reference_for(
    world, make_user, make_young_person
):
    practitioner = make_user(Role.PRACTITIONER, agency_obj=world.police)
    other = make_young_person(ref="YP-CAMHS", lead_agency=world.camhs_agency)
    rows = [
        person_row(1),  # row 2: police leads: fine
        person_row(2, lead_agency="harbourside-camhs", local_id="POL-2"),  # row 3: fine, police's case reference
        person_row(3, lead_agency="harbourside-camhs"),  # row 4: neither
        person_row(4, ref=other.ref, lead_agency="harbourside-police"),  # row 5: taking over a stranger's record
    ]
    assert errors_of(import_people, rows, actor=practitioner) == [(4, "lead_agency"), (5, "local_id")]
    assert YoungPerson.objects.count() == 1
    summary = import_people(rows[:2] + [person_row(4, ref=other.ref, local_id="POL-4")], actor=practitioner)
    assert (summary.created, summary.updated, summary.unchanged) == (2, 1, 0)
    # The case references are the practitioner's agency's, whoever leads.
    assert sorted(AgencyReference.objects.values_list("young_person__ref", "agency__code", "local_id")) == sorted(
        [(ref_for(2), "harbourside-police", "POL-2"), (other.ref, "harbourside-police", "POL-4")]
    )
    other.refresh_from_db()
    assert other.lead_agency == world.police and other.initials == "JS"


def test_a_strategic_lead_cannot_import(world, make_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_people([person_row(1)], actor=make_user(Role.STRATEGIC_LEAD))
    assert YoungPerson.objects.count() == 0


def test_bad_row_9999_of_10000_young_people_leaves_nothing(world):
    rows = [person_row(n, needs="exploitation") for n in range(1, 10_001)]
    rows[9_998] = person_row(9_999, birth_month="2009-3")
    with pytest.raises(ImportFailed) as caught:
        import_people(rows)
    assert [(e.row, e.column) for e in caught.value.errors] == [(10_000, "birth_month")]
    assert YoungPerson.objects.count() == 0 and AuditEvent.objects.count() == 0


# --- involvements ------------------------------------------------------------------------------


@pytest.fixture
def people(world):
    """Young people 1 to 3 on record, born March 2009, led by the police."""
    import_people([person_row(n, needs="mental-health") for n in range(1, 4)])
    return {n: YoungPerson.objects.get(ref=ref_for(n)) for n in range(1, 4)}


def test_an_involvements_file_creates_involvements_and_one_audit_event(people, world, admin_user):
    events = AuditEvent.objects.count()
    summary = import_involvements(
        [
            involvement_row(1, planned_end="2026-06-30", weight="1.5"),
            involvement_row(1, service_id="camhs", start="2023-09-01", actual_end="2024-09-01"),
            involvement_row(2, service_id="leaving-care", start="2025-04-01"),
        ],
        actor=admin_user,
    )
    assert (summary.created, summary.updated, summary.unchanged) == (3, 0, 0)
    diversion = Involvement.objects.get(young_person=people[1], service=world.diversion)
    assert diversion.start == dt.date(2024, 1, 15) and diversion.planned_end == dt.date(2026, 6, 30)
    assert diversion.actual_end is None and diversion.weight == Decimal("1.5")
    assert Involvement.objects.get(service=world.camhs).actual_end == dt.date(2024, 9, 1)
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.order_by("seq").last()
    assert event.action == "people.involvement.import" and event.actor_id == admin_user.pk
    assert event.detail["refs"] == [ref_for(1), ref_for(2)]
    assert event.detail["counts"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert event.detail["created"][0] == [
        ref_for(1),
        "youth-diversion",
        "2024-01-15",
        {"planned_end": "2026-06-30", "weight": "1.5"},
    ]


def test_every_involvement_error_is_reported_with_its_row_and_column(people, world):
    Involvement.objects.create(young_person=people[3], service=world.camhs, start=dt.date(2023, 1, 1))
    rows = [
        involvement_row(1),  # row 2: fine
        involvement_row(9),  # row 3: unknown ref
        involvement_row(1, service_id="no-such-service"),  # row 4: unknown service
        involvement_row(1, service_id="camhs", start="2024-02-01", planned_end="2024-01-01"),  # row 5
        involvement_row(1, service_id="camhs", start="2024-02-01", actual_end="2024-01-31"),  # row 6
        involvement_row(2, start="2009-01-01"),  # row 7: before birth (March 2009)
        involvement_row(2, service_id="adult-mental-health", start="2024-01-01"),  # row 8: aged 14, service 18-25
        involvement_row(1),  # row 9: the same as row 2
        involvement_row(3, service_id="camhs", start="2024-06-01"),  # row 10: overlaps the one on record
        involvement_row(2, start="2024-01-01", planned_end="2024-12-31"),  # row 11: overlaps row 12
        involvement_row(2, start="2024-06-01"),  # row 12: overlaps row 11
        involvement_row(2, start="1st May"),  # row 13: not a date
        involvement_row(2, start="2024-02-30"),  # row 14: no such day
        involvement_row(2, weight="heavy"),  # row 15
        involvement_row(2, weight="1.234"),  # row 16
        involvement_row(2, weight="101"),  # row 17
        involvement_row(2, ref="", service_id="", start="", weight="1"),  # row 18
    ]
    assert errors_of(import_involvements, rows) == [
        (3, "ref"),
        (4, "service_id"),
        (5, "planned_end"),
        (6, "actual_end"),
        (7, "start"),
        (8, "service_id"),
        (9, "start"),
        (10, "start"),
        (11, "start"),
        (12, "start"),
        (13, "start"),
        (14, "start"),
        (15, "weight"),
        (16, "weight"),
        (17, "weight"),
        (18, "ref"),
        (18, "service_id"),
        (18, "start"),
    ]
    assert Involvement.objects.count() == 1


def test_involvement_error_messages_are_plain_english(people, world):
    Involvement.objects.create(young_person=people[3], service=world.camhs, start=dt.date(2023, 1, 1))
    with pytest.raises(ImportFailed) as caught:
        import_involvements(
            [
                involvement_row(9),
                involvement_row(2, service_id="adult-mental-health", start="2024-01-01"),
                involvement_row(3, service_id="camhs", start="2024-06-01"),
                involvement_row(1, start="2008-12-31"),
                involvement_row(1, service_id="camhs", start="2024-02-01", planned_end="2024-01-01"),
            ]
        )
    assert [str(e) for e in caught.value.errors] == [
        f"Row 2: ref: No young person has the reference {ref_for(9)}. Import them first (young people) or check it.",
        f"Row 3: service_id: Adult Mental Health is for ages 18 to 25; {ref_for(2)} was 14 on the start date",
        f"Row 4: start: {ref_for(3)} is already involved with Camhs from 1 January 2023 (the record already held), "
        "and this would overlap it: end that involvement first or change the dates",
        f"Row 5: start: The start date must be after {ref_for(1)} was born (March 2009)",
        "Row 6: planned_end: The planned end must be the same as or after the start date",
    ]


def test_involvements_that_follow_each_other_do_not_overlap(people, world):
    summary = import_involvements(
        [
            involvement_row(1, start="2023-01-01", actual_end="2023-06-01"),
            involvement_row(1, start="2023-03-01", actual_end="2023-03-01"),  # covers no day
            involvement_row(1, start="2023-06-01", planned_end="2024-01-01"),
            involvement_row(1, start="2024-01-01"),
        ]
    )
    assert summary.created == 4


def test_reimporting_involvements_updates_and_never_duplicates(people, world):
    rows = [involvement_row(n, planned_end="2026-06-30") for n in range(1, 4)]
    first = import_involvements(rows)
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    ids = set(Involvement.objects.values_list("pk", flat=True))
    events = AuditEvent.objects.count()
    second = import_involvements(rows)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert AuditEvent.objects.count() == events
    rows[1] = involvement_row(2, planned_end="2026-09-30", actual_end="", weight="0.5")
    third = import_involvements(rows)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    assert set(Involvement.objects.values_list("pk", flat=True)) == ids
    changed = Involvement.objects.get(young_person=people[2])
    assert changed.planned_end == dt.date(2026, 9, 30) and changed.weight == Decimal("0.5")
    event = AuditEvent.objects.order_by("seq").last()
    assert event.detail["updated"] == [
        [
            ref_for(2),
            "youth-diversion",
            "2024-01-15",
            {"planned_end": ["2026-06-30", "2026-09-30"], "weight": [None, "0.5"]},
        ]
    ]
    # A column left out leaves the field as it is; an empty cell unsets it.
    import_involvements([involvement_row(2)], columns=["ref", "service_id", "start"])
    assert Involvement.objects.get(young_person=people[2]).planned_end == dt.date(2026, 9, 30)
    import_involvements([involvement_row(2)], columns=["ref", "service_id", "start", "planned_end"])
    assert Involvement.objects.get(young_person=people[2]).planned_end is None


def test_a_practitioner_cannot_import_another_agencys_service_rows(people, world, make_user):
    practitioner = make_user(Role.PRACTITIONER, agency_obj=world.police)
    rows = [
        involvement_row(1),  # youth diversion: police's own
        involvement_row(1, service_id="camhs"),  # CAMHS's
        involvement_row(2, service_id="leaving-care", start="2025-04-01"),  # the council's
    ]
    with pytest.raises(ImportFailed) as caught:
        import_involvements(rows, actor=practitioner)
    assert [str(e) for e in caught.value.errors] == [
        "Row 3: service_id: Camhs is run by Harbourside CAMHS: you can import only Harbourside Police’s services",
        "Row 4: service_id: Leaving Care is run by Harbourside Council: you can import only Harbourside Police’s services",
    ]
    assert Involvement.objects.count() == 0
    # A coordinator is scoped the same way; an administrator may load any agency's rows.
    coordinator = make_user(Role.COORDINATOR, agency_obj=world.police)
    assert errors_of(import_involvements, rows, actor=coordinator) == [(3, "service_id"), (4, "service_id")]
    assert import_involvements(rows, actor=make_user(Role.ADMIN)).created == 3


def test_scope_errors_are_reported_with_the_other_errors(people, world, make_user):
    practitioner = make_user(Role.PRACTITIONER, agency_obj=world.police)
    rows = [involvement_row(1, service_id="camhs"), involvement_row(2, start="not a date")]
    assert errors_of(import_involvements, rows, actor=practitioner) == [(2, "service_id"), (3, "start")]


def test_forecasts_are_stored_for_everyone_the_import_touched(world):
    born = turning_18_in(5)
    import_people([person_row(1, birth_month=born), person_row(2, birth_month=born)])
    assert StoredEdge.objects.count() == 0
    import_involvements(
        [
            involvement_row(1, start="2024-01-15"),
            involvement_row(1, service_id="camhs", start="2024-01-15"),
            involvement_row(2, start="2024-01-15"),
        ]
    )
    # Person 1 loses both children's services on their 18th birthday; person 2 only one.
    (edge,) = StoredEdge.objects.all()
    assert edge.young_person.ref == ref_for(1) and edge.age_driven and not edge.bridged
    assert edge.start == YoungPerson.objects.get(ref=ref_for(1)).turns(18)
    assert sorted(StoredExit.objects.values_list("service__code", flat=True)) == ["camhs", "youth-diversion"]
    # Staggering one ending by the import recomputes the stored forecast.
    later = (edge.start + dt.timedelta(days=120)).isoformat()
    summary = import_involvements(
        [involvement_row(1, planned_end=later)], columns=["ref", "service_id", "start", "planned_end"]
    )
    assert summary.updated == 1
    assert StoredEdge.objects.count() == 0


def test_bad_row_9999_of_10000_involvements_leaves_nothing(world):
    """The bad row breaks a rule found only on the way in (every cell parses), so the whole
    import runs inside its transaction and must roll back: no involvements, no stored edges,
    no audit events from it."""
    born = turning_18_in(5)
    import_people([person_row(n, birth_month=born, needs="") for n in range(1, 5_001)])
    people_count, events = YoungPerson.objects.count(), AuditEvent.objects.count()
    rows = [involvement_row(n) for n in range(1, 5_001)] + [
        involvement_row(n, service_id="camhs") for n in range(1, 5_001)
    ]
    rows[9_998] = involvement_row(4_999, service_id="adult-mental-health")  # aged 15: not an adult service
    started = time.perf_counter()
    with pytest.raises(ImportFailed) as caught:
        import_involvements(rows)
    assert [(e.row, e.column) for e in caught.value.errors] == [(10_000, "service_id")]
    assert Involvement.objects.count() == 0
    assert StoredEdge.objects.count() == 0 and StoredExit.objects.count() == 0
    assert YoungPerson.objects.count() == people_count and AuditEvent.objects.count() == events
    refused = time.perf_counter() - started

    rows[9_998] = involvement_row(4_999, service_id="camhs")
    started = time.perf_counter()
    summary = import_involvements(rows)
    took = time.perf_counter() - started
    assert summary.created == 10_000
    assert StoredEdge.objects.count() == 5_000  # everyone loses both services at 18
    assert AuditEvent.objects.count() == events + 1
    print(f"\n10,000 involvements: refused in {refused:.1f} s, imported with forecasts in {took:.1f} s")


# --- the command ----------------------------------------------------------------------------


def write_file(tmp_path, rows, columns=INVOLVEMENT_COLUMNS, name="involvements.csv"):
    path = tmp_path / name
    path.write_bytes(make_csv(rows, columns))
    return path


def test_the_command_imports_as_the_named_user_within_their_scope(people, world, make_user, tmp_path):
    make_user(Role.PRACTITIONER, agency_obj=world.police, email="pat@example.org")
    path = write_file(tmp_path, [involvement_row(1), involvement_row(2, service_id="camhs")])
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported: the file has 1 problem"):
        call_command("import_data", "involvements", str(path), "--as", "pat@example.org", stdout=out, stderr=err)
    assert err.getvalue().splitlines() == [
        "Row 3: service_id: Camhs is run by Harbourside CAMHS: you can import only Harbourside Police’s services"
    ]
    assert Involvement.objects.count() == 0
    path = write_file(tmp_path, [involvement_row(1), involvement_row(2)])
    call_command("import_data", "involvements", str(path), "--as", "pat@example.org", stdout=out)
    assert "Imported involvements from involvements.csv: 2 created, 0 updated, 0 unchanged." in out.getvalue()
    event = AuditEvent.objects.order_by("seq").last()
    assert event.action == "people.involvement.import" and event.actor_label == "pat@example.org"


def test_the_command_line_without_a_user_may_load_any_agency(world, tmp_path):
    path = write_file(tmp_path, [person_row(1, lead_agency="harbourside-camhs")], PEOPLE_COLUMNS, "people.csv")
    out = io.StringIO()
    call_command("import_data", "young-people", str(path), stdout=out)
    assert "Imported young people from people.csv: 1 created, 0 updated, 0 unchanged." in out.getvalue()
    event = AuditEvent.objects.get()
    assert event.actor_id is None and event.actor_label == "command line"


def test_the_command_refuses_a_user_whose_role_cannot_import(world, make_user, tmp_path):
    make_user(Role.ANALYST, email="ana@example.org")
    path = write_file(tmp_path, [person_row(1)], PEOPLE_COLUMNS, "people.csv")
    with pytest.raises(CommandError, match="Your role does not allow people.import"):
        call_command("import_data", "young-people", str(path), "--as", "ana@example.org")
    assert YoungPerson.objects.count() == 0


# --- the upload page ------------------------------------------------------------------------


def upload(client, kind, rows, columns, name="file.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/young-people/import/",
        {"kind": kind, "file": SimpleUploadedFile(name, make_csv(rows, columns), content_type="text/csv")},
    )


def test_the_upload_page_lists_every_problem_and_changes_nothing(people, world, make_user, client):
    practitioner = make_user(Role.PRACTITIONER, agency_obj=world.police)
    client.force_login(practitioner)
    page = client.get("/young-people/import/?kind=involvements")
    assert page.status_code == 200
    html = page.content.decode()
    assert "You can import only Harbourside Police’s records" in html
    assert 'value="involvements" checked' in html
    events = AuditEvent.objects.count()
    response = upload(
        client, "involvements", [involvement_row(1), involvement_row(2, service_id="camhs"), involvement_row(9)],
        INVOLVEMENT_COLUMNS,
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert "The file has 2 problems. Nothing was imported." in html
    assert "Camhs is run by Harbourside CAMHS: you can import only Harbourside Police’s services" in html
    assert f"No young person has the reference {ref_for(9)}" in html
    assert '<td class="govuk-table__cell">3</td>' in html and '<td class="govuk-table__cell">4</td>' in html
    assert Involvement.objects.count() == 0 and AuditEvent.objects.count() == events


def test_the_upload_page_imports_and_shows_a_summary(people, world, make_user, client):
    client.force_login(make_user(Role.PRACTITIONER, agency_obj=world.police))
    response = upload(client, "involvements", [involvement_row(1), involvement_row(2)], INVOLVEMENT_COLUMNS)
    assert response.status_code == 302 and response["Location"] == "/young-people/import/?kind=involvements"
    page = client.get(response["Location"])
    assert "Involvements imported from file.csv: 2 added, 0 updated, 0 unchanged." in page.content.decode()
    assert Involvement.objects.count() == 2
    response = upload(client, "young-people", [person_row(7)], PEOPLE_COLUMNS)
    assert response.status_code == 302
    assert YoungPerson.objects.filter(ref=ref_for(7), lead_agency=world.police).exists()


def test_the_upload_page_asks_for_what_is_missing(world, make_user, client):
    client.force_login(make_user(Role.COORDINATOR, agency_obj=world.police))
    html = client.post("/young-people/import/", {}).content.decode()
    assert "Select what the file holds" in html and "Select a CSV file to upload" in html
    from django.core.files.uploadedfile import SimpleUploadedFile

    html = client.post(
        "/young-people/import/", {"kind": "young-people", "file": SimpleUploadedFile("people.xlsx", b"x")}
    ).content.decode()
    assert "The selected file must be a CSV" in html


def test_the_upload_page_is_refused_to_roles_that_cannot_import(world, make_user, client):
    client.force_login(make_user(Role.STRATEGIC_LEAD))
    assert client.get("/young-people/import/").status_code == 403
    assert upload(client, "young-people", [person_row(1)], PEOPLE_COLUMNS).status_code == 403
    assert YoungPerson.objects.count() == 0


# --- the documented examples (docs/formats.md) --------------------------------------------------


def _documented(section: str) -> tuple[bytes, list[str]]:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "formats.md").read_text()
    text = text[text.index(f"## {section}\n") :]
    text = text[: text.index("\n## ", 5)] if "\n## " in text[5:] else text
    csv_start = text.index("```csv\n") + len("```csv\n")
    errors_start = text.index("```text\n") + len("```text\n")
    return (
        text[csv_start : text.index("```", csv_start)].encode(),
        text[errors_start : text.index("```", errors_start)].splitlines(),
    )


@pytest.fixture
def documented_world(agency, other_agency):
    from joinedup.directory.models import Agency, AgencyKind, Service

    csc = Agency.objects.create(name="Harbourside CSC", code="harbourside-csc", kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    yjs = Agency.objects.create(name="Harbourside Youth Justice", code="harbourside-yjs", kind=AgencyKind.YOUTH_JUSTICE)
    for code, name, owner in (
        ("camhs-core", "CAMHS core", other_agency),
        ("yot-intervention", "Youth offending intervention", yjs),
        ("youth-work", "Youth work", agency),
    ):
        Service.objects.create(
            code=code, name=name, agency=owner, remit="r", audience="child", min_age=10, max_age=17, ends_at_age=18
        )
    return csc


def test_the_documented_examples_import_and_their_errors_are_what_the_importer_says(documented_world, make_user):
    people_csv, people_errors = _documented("Young people CSV")
    involvements_csv, involvement_errors = _documented("Involvements CSV")
    assert run_import("young-people", people_csv, actor_label="test").created == 2
    assert run_import("involvements", involvements_csv, actor_label="test").created == 3

    practitioner = make_user(Role.PRACTITIONER)  # Harbourside Police
    rows = [
        person_row(1),
        person_row(2, birth_month="2009-13"),
        person_row(3),
        person_row(4, lead_agency="harbourside-csc"),
    ]
    with pytest.raises(ImportFailed) as caught:
        import_people(rows, actor=practitioner)
    assert [str(e) for e in caught.value.errors] == people_errors

    person = YoungPerson.objects.get(ref="YP-9QW4M")
    Involvement.objects.filter(young_person=person).delete()
    Involvement.objects.create(young_person=person, service_id=_service("youth-work"), start=dt.date(2022, 3, 1))
    rows = [
        involvement_row(ref="YP-7F3K2", service_id="youth-work", start="2024-01-15"),
        involvement_row(ref="YP-9QW4M", service_id="yot-intervention", start="2024-02-12"),
        involvement_row(ref="YP-9QW4M", service_id="youth-work", start="2023-05-03"),
    ]
    with pytest.raises(ImportFailed) as caught:
        import_involvements(rows, actor=practitioner)
    assert [str(e) for e in caught.value.errors] == involvement_errors


def _service(code: str) -> int:
    from joinedup.directory.models import Service

    return Service.objects.get(code=code).pk


# --- standing or falling together ---------------------------------------------------------------


def test_the_import_its_forecasts_and_its_audit_stand_or_fall_together(world, monkeypatch):
    born = turning_18_in(5)
    import_people([person_row(1, birth_month=born)])
    events = AuditEvent.objects.count()

    def failing_audit(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(importers, "audit_record", failing_audit)
    with pytest.raises(RuntimeError):
        import_involvements([involvement_row(1), involvement_row(1, service_id="camhs")])
    assert Involvement.objects.count() == 0 and StoredEdge.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_a_record_saved_by_someone_else_during_the_import_refuses_it(world, monkeypatch):
    planned = importers.plan_young_people

    def plan_then_someone_else_saves(rows, **kwargs):
        result = planned(rows, **kwargs)
        YoungPerson.objects.create(ref=ref_for(2), initials="ZZ", birth_month="2008-01", lead_agency=world.police)
        return result

    monkeypatch.setattr(importers, "plan_young_people", plan_then_someone_else_saves)
    with pytest.raises(ImportFailed) as caught:
        import_people([person_row(1), person_row(2)])
    assert [str(e) for e in caught.value.errors] == [
        "File: Someone else saved some of these records while the import ran, so nothing was imported. "
        "Import the file again."
    ]
    assert YoungPerson.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_the_home_page_links_to_the_upload_page_for_those_who_may_import(world, make_user, client):
    for role, sees in ((Role.PRACTITIONER, True), (Role.ADMIN, True), (Role.STRATEGIC_LEAD, False)):
        client.force_login(make_user(role))
        html = client.get("/home/").content.decode()
        assert ('href="/young-people/import/"' in html) is sees, role


# --- overlaps, against a brute-force oracle --------------------------------------------------------


@contextlib.contextmanager
def rolled_back():
    """Run a Hypothesis example inside a savepoint that is always undone."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


_SPANS = st.lists(
    st.tuples(st.integers(0, 2400), st.one_of(st.none(), st.integers(0, 400))),
    min_size=1,
    max_size=7,
    unique_by=lambda span: span[0],
)


@hsettings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stored=_SPANS, new=_SPANS)
def test_overlaps_are_reported_exactly_where_two_involvements_share_a_day(people, world, stored, new):
    """Spans of one young person with one service, some on record, some in the file (a start
    in both is an update of the stored one). Exactly the file's rows that would share a day
    with another involvement are reported (pairwise check as the oracle); a clean file imports."""
    base, age_limit = dt.date(2020, 3, 1), dt.date(2027, 3, 1)  # youth diversion: 10 to 18

    def span(offset, length):
        start = base + dt.timedelta(days=offset)
        return start, (None if length is None else start + dt.timedelta(days=length))

    with rolled_back():
        Involvement.objects.filter(young_person=people[1]).delete()
        for offset, length in stored:
            start, end = span(offset, length)
            Involvement.objects.create(young_person=people[1], service=world.diversion, start=start, planned_end=end)
        final = {span(o, n)[0]: (span(o, n)[1], None) for o, n in stored}  # start -> (end, file row)
        rows = []
        for number, (offset, length) in enumerate(new, start=2):
            start, end = span(offset, length)
            final[start] = (end, number)
            rows.append(involvement_row(1, start=start.isoformat(), planned_end=end.isoformat() if end else ""))

        def days(start, end):
            return start, end or age_limit

        def overlap(a, b):
            (s1, e1), (s2, e2) = days(a, final[a][0]), days(b, final[b][0])
            return s1 < e1 and s2 < e2 and s1 < e2 and s2 < e1

        pairs = [(a, b) for a in final for b in final if a < b and overlap(a, b)]
        try:
            import_involvements(rows)
            reported = set()
        except ImportFailed as failure:
            assert {e.column for e in failure.errors} == {"start"}
            reported = {e.row for e in failure.errors}
        overlapping_rows = {final[x][1] for pair in pairs for x in pair if final[x][1] is not None}
        assert reported == overlapping_rows
