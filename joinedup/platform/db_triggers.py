"""Database triggers that make the audit trail append-only: UPDATE and DELETE are refused.

Used by migration 0002 and by the test suite, which must lift them to empty the tables
between transactional tests (a flush is the only delete the trail ever sees).
"""

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION joinedup_audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only: % is not allowed on platform_auditevent', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER platform_auditevent_append_only
    BEFORE UPDATE OR DELETE ON platform_auditevent
    FOR EACH ROW EXECUTE FUNCTION joinedup_audit_refuse_change();
CREATE OR REPLACE TRIGGER platform_auditevent_no_truncate
    BEFORE TRUNCATE ON platform_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION joinedup_audit_refuse_change();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS platform_auditevent_no_truncate ON platform_auditevent;
DROP TRIGGER IF EXISTS platform_auditevent_append_only ON platform_auditevent;
DROP FUNCTION IF EXISTS joinedup_audit_refuse_change();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER IF NOT EXISTS platform_auditevent_no_update BEFORE UPDATE ON platform_auditevent
       BEGIN SELECT RAISE(ABORT, 'The audit trail is append-only: UPDATE is not allowed on platform_auditevent'); END;""",
    """CREATE TRIGGER IF NOT EXISTS platform_auditevent_no_delete BEFORE DELETE ON platform_auditevent
       BEGIN SELECT RAISE(ABORT, 'The audit trail is append-only: DELETE is not allowed on platform_auditevent'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS platform_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS platform_auditevent_no_delete;",
]


def install_append_only_triggers(connection):
    """Create the triggers (idempotent) on this database connection."""
    _run(connection, [POSTGRES_FORWARD] if connection.vendor == "postgresql" else SQLITE_FORWARD)


def remove_append_only_triggers(connection):
    """Drop the triggers (idempotent) on this database connection."""
    _run(connection, [POSTGRES_REVERSE] if connection.vendor == "postgresql" else SQLITE_REVERSE)


def _run(connection, statements):
    if connection.vendor not in {"postgresql", "sqlite"}:
        raise NotImplementedError(f"No append-only audit triggers for {connection.vendor}")
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
