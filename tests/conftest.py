"""Shared fixtures: a Hypothesis profile for slow machines, agencies and users of every role."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from joinedup.platform.access import Role

# A cold 2-core CI machine: no per-example deadline, no "too slow" failures, fixed seed order.
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=100,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile("dev", deadline=None, max_examples=50)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TEST_PASSWORD = "correct-horse-battery-staple-42"


def on_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.fixture
def agency(db):
    from joinedup.directory.models import Agency, AgencyKind

    return Agency.objects.create(name="Harbourside Police", code="harbourside-police", kind=AgencyKind.POLICE)


@pytest.fixture
def other_agency(db):
    from joinedup.directory.models import Agency, AgencyKind

    return Agency.objects.create(name="Harbourside CAMHS", code="harbourside-camhs", kind=AgencyKind.HEALTH)


@pytest.fixture
def make_user(db, agency):
    from joinedup.accounts.models import User

    counter = {"n": 0}

    def _make(role: str = Role.PRACTITIONER, *, agency_obj=None, email: str | None = None, **extra) -> User:
        counter["n"] += 1
        return User.objects.create_user(
            email=email or f"{role}{counter['n']}@example.org",
            password=TEST_PASSWORD,
            full_name=extra.pop("full_name", f"Test {role.replace('_', ' ').title()} {counter['n']}"),
            role=role,
            agency=agency_obj or agency,
            **extra,
        )

    return _make


@pytest.fixture
def users(make_user):
    """One user for every role, keyed by role value."""
    return {role.value: make_user(role.value) for role in Role}


@pytest.fixture
def admin_user(users):
    return users[Role.ADMIN]


@pytest.fixture(autouse=True)
def _audit_triggers(request):
    """Keep the append-only audit triggers in place for every test, and lift them only for
    the flush that empties the database after a transactional test (live server, e2e)."""
    uses_db = any(name in request.fixturenames for name in ("db", "transactional_db", "live_server")) or (
        request.node.get_closest_marker("django_db") is not None
    )
    if not uses_db:
        yield
        return
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or bool(marker and marker.kwargs.get("transaction"))
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.db import connection

    from joinedup.platform.db_triggers import install_append_only_triggers, remove_append_only_triggers

    install_append_only_triggers(connection)
    yield
    if transactional:
        remove_append_only_triggers(connection)
