"""Importing the services CSV: all or nothing, every error with its row, idempotent, audited."""

from __future__ import annotations

import contextlib
import csv
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from joinedup.directory import services as directory_services
from joinedup.directory.models import Agency, AgencyKind, Need, Service
from joinedup.platform.access import Role
from joinedup.platform.csv_import import ImportFailed, run_import
from joinedup.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

COLUMNS = [
    "service_id",
    "name",
    "agency",
    "audience",
    "min_age",
    "max_age",
    "ends_at_age",
    "weight",
    "max_extension_days",
    "needs",
    "remit",
    "threshold",
    "referral_route",
    "contact_email",
    "contact_phone",
]


def make_csv(rows: list[dict], columns: list[str] = COLUMNS) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in columns})
    return buffer.getvalue().encode("utf-8")


def good_row(n: int = 1, **overrides) -> dict:
    row = {
        "service_id": f"svc-{n}",
        "name": f"Service {n}",
        "agency": "harbourside-police",
        "audience": "child",
        "min_age": "10",
        "max_age": "17",
        "ends_at_age": "18",
        "weight": "1",
        "max_extension_days": "90",
        "needs": "exploitation; Mental health",
        "remit": "Works with young people at risk.",
        "threshold": "Any concern",
        "referral_route": "Email the team",
        "contact_email": "team@example.org",
        "contact_phone": "01234 567890",
    }
    row.update(overrides)
    return row


def import_rows(rows, columns=COLUMNS, actor=None):
    return run_import("services", make_csv(rows, columns), actor=actor, actor_label="" if actor else "test")


def failure_of(rows, columns=COLUMNS) -> list[tuple[int | None, str]]:
    with pytest.raises(ImportFailed) as caught:
        import_rows(rows, columns)
    return [(e.row, e.column) for e in caught.value.errors]


@contextlib.contextmanager
def rolled_back():
    """Run a Hypothesis example inside a savepoint that is always undone."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def test_a_good_file_creates_services_with_every_field_needs_and_audit(agency, admin_user):
    summary = import_rows([good_row(1), good_row(2, agency="Harbourside Police", needs="")], actor=admin_user)
    assert (summary.created, summary.updated, summary.unchanged) == (2, 0, 0)
    service = Service.objects.get(code="svc-1")
    assert service.agency == agency
    assert (service.audience, service.min_age, service.max_age, service.ends_at_age) == ("child", 10, 17, 18)
    assert service.default_weight == Decimal("1") and service.max_extension_days == 90
    assert sorted(service.needs.values_list("slug", flat=True)) == ["exploitation", "mental-health"]
    assert service.remit == "Works with young people at risk."
    assert service.contact_email == "team@example.org"
    assert Service.objects.get(code="svc-2").needs.count() == 0
    (event,) = AuditEvent.objects.all()
    assert event.action == "directory.service.import"
    assert event.actor_id == admin_user.pk
    assert event.detail == {"created": ["svc-1", "svc-2"], "updated": {}, "unchanged": 0}


def test_a_forecast_services_file_with_only_the_nine_required_columns_imports(agency):
    columns = COLUMNS[:9]
    summary = import_rows([good_row(1, ends_at_age="", weight="", max_extension_days="", min_age="")], columns)
    assert summary.created == 1
    service = Service.objects.get(code="svc-1")
    assert service.ends_at_age is None and service.min_age is None
    assert service.default_weight == Decimal("1") and service.max_extension_days == 0
    assert service.remit == ""


def test_every_error_is_reported_with_its_row_and_column_and_nothing_is_written(agency):
    rows = [
        good_row(1),  # row 2: fine
        good_row(2, min_age="ten"),  # row 3
        good_row(3, audience="elderly"),  # row 4
        good_row(4, min_age="17", max_age="12", ends_at_age=""),  # row 5
        good_row(5, agency="Nowhere Agency"),  # row 6
        good_row(1, name="Same ID again"),  # row 7: service_id used twice
        good_row(7, needs="mental health!"),  # row 8
        good_row(8, name="", weight="0"),  # row 9: two errors on one row
        good_row(9, audience="adult", min_age="16", max_age="17", ends_at_age="18"),  # row 10
        good_row(10, ends_at_age="25"),  # row 11: more than max_age + 1
        good_row(11, service_id="Not A Slug"),  # row 12
    ]
    assert failure_of(rows) == [
        (3, "min_age"),
        (4, "audience"),
        (5, "min_age"),
        (6, "agency"),
        (7, "service_id"),
        (8, "needs"),
        (9, "name"),
        (9, "weight"),
        (10, "ends_at_age"),
        (10, "max_age"),
        (11, "ends_at_age"),
        (12, "service_id"),
    ]
    assert Service.objects.count() == 0
    assert Need.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_error_messages_are_plain_english(agency):
    with pytest.raises(ImportFailed) as caught:
        import_rows(
            [
                good_row(1, min_age="17", max_age="12", ends_at_age=""),
                good_row(2, agency="Nowhere"),
                good_row(1),
                good_row(4, ends_at_age="10"),
            ]
        )
    assert [str(e) for e in caught.value.errors] == [
        "Row 2: min_age: Minimum age must be the same as or lower than maximum age",
        "Row 3: agency: No agency has the code or name “Nowhere”. Add the agency first.",
        "Row 4: service_id: Service ID “svc-1” is used more than once in the file",
        "Row 5: ends_at_age: The age support ends must be above the minimum age",
    ]


def test_a_bad_header_is_reported_on_row_1(agency):
    data = make_csv([good_row(1)], [c for c in COLUMNS if c != "weight"] + ["colour"])
    with pytest.raises(ImportFailed) as caught:
        run_import("services", data)
    assert {(e.row, e.column) for e in caught.value.errors} == {(1, "colour"), (1, "weight")}


def test_bad_row_9999_of_10000_leaves_nothing_and_reports_row_10000(agency):
    existing = directory_services.service_create(
        actor=None, needs=["housing"], code="svc-5", name="Old name", agency=agency, remit="r", audience="child"
    )
    events_before = AuditEvent.objects.count()
    rows = [good_row(n, needs="exploitation") for n in range(1, 10_001)]
    rows[9_998] = good_row(9_999, max_age="not a number")
    with pytest.raises(ImportFailed) as caught:
        import_rows(rows)
    assert [(e.row, e.column) for e in caught.value.errors] == [(10_000, "max_age")]
    assert list(Service.objects.values_list("code", "name")) == [("svc-5", "Old name")]
    assert list(existing.needs.values_list("slug", flat=True)) == ["housing"]
    assert AuditEvent.objects.count() == events_before


def test_reimporting_the_same_file_changes_nothing(agency):
    data = make_csv([good_row(n) for n in range(1, 21)])
    first = run_import("services", data, actor_label="test")
    assert (first.created, first.updated, first.unchanged) == (20, 0, 0)
    stamps = dict(Service.objects.values_list("code", "updated_at"))
    events = AuditEvent.objects.count()
    second = run_import("services", data, actor_label="test")
    assert (second.created, second.updated, second.unchanged) == (0, 0, 20)
    assert dict(Service.objects.values_list("code", "updated_at")) == stamps
    assert AuditEvent.objects.count() == events


def test_a_changed_row_updates_only_that_service_and_audits_the_change(agency, other_agency):
    import_rows([good_row(1), good_row(2)])
    summary = import_rows([good_row(1), good_row(2, agency="harbourside-camhs", ends_at_age="", needs="housing")])
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    service = Service.objects.get(code="svc-2")
    assert service.agency == other_agency and service.ends_at_age is None
    assert list(service.needs.values_list("slug", flat=True)) == ["housing"]
    event = AuditEvent.objects.order_by("seq").last()
    assert event.action == "directory.service.import"
    assert event.detail == {
        "created": [],
        "updated": {
            "svc-2": {
                "agency": ["harbourside-police", "harbourside-camhs"],
                "ends_at_age": [18, None],
                "needs": [["exploitation", "mental-health"], ["housing"]],
            }
        },
        "unchanged": 1,
    }


def test_columns_left_out_of_the_file_leave_those_fields_as_they_are(agency):
    import_rows([good_row(1)])
    summary = import_rows([good_row(1, name="Renamed")], COLUMNS[:9])
    assert summary.updated == 1
    service = Service.objects.get(code="svc-1")
    assert service.name == "Renamed"
    assert service.remit == "Works with young people at risk."
    assert sorted(service.needs.values_list("slug", flat=True)) == ["exploitation", "mental-health"]


def test_the_import_and_its_audit_stand_or_fall_together(agency, monkeypatch):
    def failing_audit(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(directory_services, "audit_record", failing_audit)
    with pytest.raises(RuntimeError):
        import_rows([good_row(n) for n in range(1, 6)])
    assert Service.objects.count() == 0
    assert Need.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_rule_errors_are_found_on_write_when_every_cell_parses(agency):
    """With no cell errors the rules are checked once, on the way in, and still reported by row."""
    with pytest.raises(ImportFailed) as caught:
        import_rows([good_row(1), good_row(2), good_row(3, min_age="15", max_age="12", ends_at_age="")])
    assert [str(e) for e in caught.value.errors] == [
        "Row 4: min_age: Minimum age must be the same as or lower than maximum age"
    ]
    assert Service.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_rule_errors_are_reported_alongside_a_structural_error(agency):
    data = (
        make_csv([good_row(1, min_age="15", max_age="12", ends_at_age="")])
        + b"svc-9,x,y,z,1,2,3,4,5,6,7,8,9,10,11,12\n"
    )
    with pytest.raises(ImportFailed) as caught:
        run_import("services", data)
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "min_age"), (3, "")]


# --- properties ----------------------------------------------------------------------

valid_rows = st.lists(
    st.builds(
        lambda n, audience, low, span, weight, days, needs: good_row(
            n,
            audience=audience,
            min_age=str(low),
            max_age=str(low + span),
            ends_at_age=str(low + span + 1) if audience != "adult" else "",
            weight=str(weight),
            max_extension_days=str(days),
            needs="; ".join(needs),
        ),
        st.integers(0, 10**6),
        st.sampled_from(["child", "all_age"]),
        st.integers(0, 16),
        st.integers(0, 8),
        st.sampled_from([Decimal("1"), Decimal("0.5"), Decimal("2.25")]),
        st.integers(0, 365),
        st.lists(st.sampled_from(["exploitation", "mental-health", "housing", "education"]), max_size=3),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda row: row["service_id"],
)

bad_cells = st.sampled_from(
    [
        ("min_age", "x"),
        ("max_age", "-3"),
        ("audience", "teens"),
        ("agency", "Unknown Agency"),
        ("weight", "0"),
        ("max_extension_days", "9999"),
        ("name", ""),
        ("service_id", ""),
        ("needs", "a+b"),
        ("ends_at_age", "200"),
    ]
)


@hsettings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=valid_rows, where=st.integers(min_value=0), bad=bad_cells)
def test_any_file_with_one_bad_row_imports_nothing_and_names_that_row(agency, rows, where, bad):
    with rolled_back():
        index = where % len(rows)
        column, value = bad
        rows[index] = {**rows[index], column: value}
        before = AuditEvent.objects.count()
        with pytest.raises(ImportFailed) as caught:
            import_rows(rows)
        assert {e.row for e in caught.value.errors} == {index + 2}
        assert column in {e.column for e in caught.value.errors}
        assert Service.objects.count() == 0
        assert AuditEvent.objects.count() == before


@hsettings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=valid_rows)
def test_reimport_is_idempotent_for_any_valid_file(agency, rows):
    with rolled_back():
        first = import_rows(rows)
        assert first.created == len(rows)
        state = sorted(
            (s.code, s.min_age, s.max_age, s.ends_at_age, s.default_weight, tuple(n.slug for n in s.needs.all()))
            for s in Service.objects.prefetch_related("needs")
        )
        events = AuditEvent.objects.count()
        second = import_rows(rows)
        assert (second.created, second.updated, second.unchanged) == (0, 0, len(rows))
        assert AuditEvent.objects.count() == events
        assert (
            sorted(
                (s.code, s.min_age, s.max_age, s.ends_at_age, s.default_weight, tuple(n.slug for n in s.needs.all()))
                for s in Service.objects.prefetch_related("needs")
            )
            == state
        )


# --- the command ---------------------------------------------------------------------


def write_file(tmp_path, rows, columns=COLUMNS):
    path = tmp_path / "services.csv"
    path.write_bytes(make_csv(rows, columns))
    return path


def test_command_imports_and_prints_the_summary(agency, tmp_path):
    path = write_file(tmp_path, [good_row(1), good_row(2)])
    out, err = io.StringIO(), io.StringIO()
    call_command("import_data", "services", str(path), stdout=out, stderr=err)
    assert out.getvalue().strip() == "Imported services from services.csv: 2 created, 0 updated, 0 unchanged."
    assert err.getvalue() == ""
    (event,) = AuditEvent.objects.all()
    assert event.action == "directory.service.import"
    assert event.actor_id is None and event.actor_label == "command line"
    out = io.StringIO()
    call_command("import_data", "services", str(path), stdout=out)
    assert "0 created, 0 updated, 2 unchanged" in out.getvalue()


def test_command_prints_every_error_to_stderr_and_fails(agency, tmp_path):
    path = write_file(tmp_path, [good_row(1), good_row(2, min_age="x"), good_row(3, agency="Nowhere")])
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported: the file has 2 problems"):
        call_command("import_data", "services", str(path), stdout=out, stderr=err)
    assert err.getvalue().splitlines() == [
        "Row 3: min_age: Enter a whole number, like 18, not “x”",
        "Row 4: agency: No agency has the code or name “Nowhere”. Add the agency first.",
    ]
    assert out.getvalue() == ""
    assert Service.objects.count() == 0


def test_command_exits_non_zero_from_the_joinedup_cli(agency, tmp_path, capsys):
    from joinedup.cli import main

    path = write_file(tmp_path, [good_row(1, audience="x")])
    with pytest.raises(SystemExit) as exit_info:
        main(["joinedup", "import", "services", str(path)])
    assert exit_info.value.code == 1
    assert "Row 2: audience: Must be one of child, adult, all_age, not “x”" in capsys.readouterr().err


def test_command_records_the_named_user_as_the_actor(agency, tmp_path, make_user):
    admin = make_user(Role.ADMIN, email="lead@example.org")
    path = write_file(tmp_path, [good_row(1)])
    call_command("import_data", "services", str(path), "--as", "lead@example.org", stdout=io.StringIO())
    assert set(AuditEvent.objects.values_list("actor_id", flat=True)) == {admin.pk}
    with pytest.raises(CommandError, match="No active user has the email address nobody@example.org"):
        call_command("import_data", "services", str(path), "--as", "nobody@example.org")


def test_command_refuses_an_unknown_kind_and_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Unknown import kind “widgets”. Known kinds: .*services"):
        call_command("import_data", "widgets", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="There is no file at"):
        call_command("import_data", "services", str(tmp_path / "missing.csv"))


def test_an_agency_is_matched_by_code_before_another_agencys_identical_name(agency):
    Agency.objects.create(name="harbourside-police", code="confusing", kind=AgencyKind.OTHER)
    import_rows([good_row(1, agency="harbourside-police")])
    assert Service.objects.get().agency == agency
