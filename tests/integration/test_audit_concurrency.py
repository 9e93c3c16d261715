"""Concurrent writers never chain to the same predecessor: appends are serialised (advisory
lock on PostgreSQL, the write lock of an IMMEDIATE transaction on SQLite)."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from joinedup.platform.audit import audit_record, audit_verify
from joinedup.platform.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 4
EACH = 25


def _writer(number: int, start: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        start.wait()
        for i in range(EACH):
            # Half the events inside a wider transaction, as real changes are written.
            if i % 2:
                with transaction.atomic():
                    audit_record(actor=None, action=f"tests.concurrent.t{number}", detail={"i": i})
            else:
                audit_record(actor=None, action=f"tests.concurrent.t{number}", detail={"i": i})
    except BaseException as error:  # noqa: BLE001 - reported to the main thread
        errors.append(error)
    finally:
        connections.close_all()


def _in_threads(target, count: int) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(count)
    threads = [threading.Thread(target=target, args=(n, start, errors)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return errors


@contextmanager
def production_like_sqlite(tmp_path):
    """On SQLite, threads write to a file copy of the test database, configured as settings.base
    configures production (WAL, IMMEDIATE transactions, a busy timeout). The in-memory test
    database is shared-cache, where a lock conflict fails at once instead of waiting."""
    if connection.vendor != "sqlite":
        yield
        return
    path = tmp_path / "audit.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    connection.connection.backup(copy)
    copy.close()
    settings_dict = connections.settings[DEFAULT_DB_ALIAS]
    saved = {"NAME": settings_dict["NAME"], "OPTIONS": dict(settings_dict.get("OPTIONS", {}))}
    settings_dict["NAME"] = str(path)
    settings_dict["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    try:
        yield
    finally:
        settings_dict.update(saved)


def test_concurrent_appends_keep_the_chain_valid(tmp_path):
    with production_like_sqlite(tmp_path):
        errors = _in_threads(_writer, THREADS)
        assert errors == []
        found: dict = {}

        def check(number, start, errors):
            try:
                found["seqs"] = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
                found["links"] = AuditEvent.objects.values("prev_hash").distinct().count()
                found["per_thread"] = [
                    AuditEvent.objects.filter(action=f"tests.concurrent.t{n}").count() for n in range(THREADS)
                ]
                found["result"] = audit_verify(batch_size=7)
            except BaseException as error:  # noqa: BLE001
                errors.append(error)
            finally:
                connections.close_all()

        # Read back on a fresh connection (a thread of its own), like the writers.
        assert _in_threads(check, 1) == []
    total = THREADS * EACH
    assert found["seqs"] == list(range(1, total + 1))
    assert found["links"] == total
    assert found["per_thread"] == [EACH] * THREADS
    assert found["result"].ok and found["result"].checked == total
