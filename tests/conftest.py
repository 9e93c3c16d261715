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


# --- young people -------------------------------------------------------------------------


@pytest.fixture
def people_world(db, agency, other_agency):
    """A small partnership with services that end at 18 and adult services that could bridge.

    agency (police) runs a youth diversion scheme; other_agency (CAMHS) runs CAMHS to 18;
    a third agency runs adult mental health (18-25, needs mental-health) and leaving care (16-25).
    """
    from decimal import Decimal
    from types import SimpleNamespace

    from joinedup.directory.models import Agency, AgencyKind, Audience, Need, Service

    council = Agency.objects.create(
        name="Harbourside Council", code="harbourside-council", kind=AgencyKind.ADULT_SOCIAL_CARE
    )
    needs = {slug: Need.objects.create(slug=slug) for slug in ("mental-health", "exploitation", "housing")}

    def service(code, owner, audience, low, high, ends=None, extension=0, weight="1", tags=()):
        made = Service.objects.create(
            code=code,
            name=code.replace("-", " ").title(),
            agency=owner,
            remit=f"{code} remit",
            audience=audience,
            min_age=low,
            max_age=high,
            ends_at_age=ends,
            max_extension_days=extension,
            default_weight=Decimal(weight),
        )
        made.needs.set([needs[t] for t in tags])
        return made

    return SimpleNamespace(
        police=agency,
        camhs_agency=other_agency,
        council=council,
        needs=needs,
        diversion=service(
            "youth-diversion", agency, Audience.CHILD, 10, 17, ends=18, extension=90, tags=["exploitation"]
        ),
        camhs=service(
            "camhs", other_agency, Audience.CHILD, 5, 17, ends=18, extension=0, weight="2", tags=["mental-health"]
        ),
        adult_mh=service("adult-mental-health", council, Audience.ADULT, 18, 25, tags=["mental-health"]),
        leaving_care=service("leaving-care", council, Audience.ALL_AGE, 16, 25, ends=25, tags=["housing"]),
    )


@pytest.fixture
def make_young_person(people_world):
    """Create a young person (lead agency police by default) straight in the database."""
    from joinedup.people.models import YoungPerson

    counter = {"n": 0}

    def _make(*, ref=None, birth_month="2009-03", lead_agency=None, needs=(), **extra):
        counter["n"] += 1
        person = YoungPerson.objects.create(
            ref=ref or f"YP-T{counter['n']:04d}".replace("0", "Z").replace("1", "Y"),
            initials=extra.pop("initials", "AB"),
            birth_month=birth_month,
            lead_agency=lead_agency or people_world.police,
            lead_contact_name=extra.pop("lead_contact_name", "Sam Officer"),
            lead_contact_email=extra.pop("lead_contact_email", "sam.officer@example.org"),
            **extra,
        )
        person.needs.set([people_world.needs[slug] for slug in needs])
        return person

    return _make
