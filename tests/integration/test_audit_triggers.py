"""The database itself refuses to change or delete audit events, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from joinedup.platform.audit import audit_record, audit_verify
from joinedup.platform.db_triggers import install_append_only_triggers, remove_append_only_triggers
from joinedup.platform.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def events():
    return [audit_record(actor=None, action=f"tests.trigger.e{i}") for i in range(3)]


def refused(sql: str, params=()) -> str:
    """Run SQL that must fail; return the database's message. The savepoint keeps the test's
    transaction usable on PostgreSQL after the error."""
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(caught.value)


def test_update_is_refused_by_the_database(events):
    message = refused("UPDATE platform_auditevent SET action = %s WHERE seq = %s", ["tests.trigger.forged", 2])
    assert "append-only" in message and "UPDATE" in message
    assert AuditEvent.objects.get(seq=2).action == "tests.trigger.e1"


def test_update_through_the_orm_is_refused(events):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(outcome="failure")
    assert AuditEvent.objects.get(seq=1).outcome == "success"


def test_delete_is_refused_by_the_database(events):
    message = refused("DELETE FROM platform_auditevent WHERE seq = %s", [2])
    assert "append-only" in message and "DELETE" in message
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=3).delete()
    assert AuditEvent.objects.count() == 3
    assert audit_verify().ok


def test_emptying_the_table_is_refused(events):
    """TRUNCATE on PostgreSQL; on SQLite (which has no TRUNCATE) the unqualified DELETE that
    SQLite would otherwise run as a fast truncate."""
    if connection.vendor == "postgresql":
        message = refused("TRUNCATE platform_auditevent")
        assert "TRUNCATE is not allowed" in message
    else:
        message = refused("DELETE FROM platform_auditevent")
        assert "DELETE is not allowed" in message
    assert AuditEvent.objects.count() == 3


def test_insert_is_still_allowed(events):
    audit_record(actor=None, action="tests.trigger.more")
    assert AuditEvent.objects.count() == 4


def test_the_model_refuses_save_and_delete_of_a_stored_event(events):
    stored = AuditEvent.objects.get(seq=1)
    stored.action = "tests.trigger.forged"
    with pytest.raises(TypeError, match="append-only"):
        stored.save()
    with pytest.raises(TypeError, match="append-only"):
        stored.delete()


def test_lifting_and_reinstalling_the_triggers(events):
    remove_append_only_triggers(connection)
    remove_append_only_triggers(connection)  # idempotent
    AuditEvent.objects.filter(seq=3).update(action="tests.trigger.tampered")
    install_append_only_triggers(connection)
    install_append_only_triggers(connection)  # idempotent
    refused("UPDATE platform_auditevent SET action = 'x.y.z' WHERE seq = 1")
    refused("DELETE FROM platform_auditevent WHERE seq = 1")
    assert audit_verify().first_bad_seq == 3
