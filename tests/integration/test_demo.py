"""The Harbourside demo: deterministic per seed, complete, valid, audited, all or nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.password_validation import validate_password
from django.db.models import ProtectedError
from django.urls import reverse

from joinedup.accounts.models import User
from joinedup.demo import harbourside
from joinedup.demo.harbourside import DEMO_PASSWORD, BuildStep
from joinedup.demo.services import demo_partnership_load, demo_partnership_present, demo_sign_ins
from joinedup.directory.models import Agency, AgencyKind, Audience, Need, Service
from joinedup.platform.access import Role
from joinedup.platform.audit import audit_verify
from joinedup.platform.models import AuditEvent

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Everything the demo builds, without database ids."""
    agencies = [
        (a.code, a.name, a.kind, a.description, a.website, a.email, a.phone, a.is_active, a.created_at, a.updated_at)
        for a in Agency.objects.order_by("code")
    ]
    services = [
        (
            s.code,
            s.agency.code,
            s.name,
            s.remit,
            s.audience,
            s.min_age,
            s.max_age,
            s.ends_at_age,
            s.max_extension_days,
            s.default_weight,
            s.threshold,
            s.referral_route,
            s.contact_email,
            s.contact_phone,
            s.is_public,
            tuple(sorted(n.slug for n in s.needs.all())),
            s.created_at,
        )
        for s in Service.objects.select_related("agency").prefetch_related("needs").order_by("code")
    ]
    users = [
        (u.email, u.full_name, u.job_title, u.phone, u.role, u.agency.code, u.is_staff, u.is_superuser, u.date_joined)
        for u in User.objects.select_related("agency").order_by("email")
    ]
    return {"agencies": agencies, "services": services, "users": users}


@pytest.fixture
def built():
    return demo_partnership_load(seed=1)


def test_the_same_seed_builds_the_same_partnership_and_another_seed_other_people():
    demo_partnership_load(seed=3)
    first = snapshot()
    demo_partnership_load(seed=3, replace=True)
    again = snapshot()
    assert again == first

    demo_partnership_load(seed=4, replace=True)
    other = snapshot()
    # Agencies and services are fixed data (their end rules are the point); the people
    # and the made-up phone numbers come from the seed.
    assert [row[:4] for row in other["agencies"]] == [row[:4] for row in first["agencies"]]
    assert [row[:13] for row in other["services"]] == [row[:13] for row in first["services"]]
    assert [u[0] for u in other["users"]] == [u[0] for u in first["users"]]
    assert [u[1] for u in other["users"]] != [u[1] for u in first["users"]]


def test_it_is_about_twenty_agencies_and_forty_services(built):
    assert built.agencies == Agency.objects.count() == len(harbourside.AGENCIES)
    assert built.services == Service.objects.count() == len(harbourside.SERVICES)
    assert built.users == User.objects.count() == len(harbourside.USERS)
    assert 18 <= built.agencies <= 25
    assert 35 <= built.services <= 50


def test_every_agency_kind_and_every_role_is_there(built):
    assert set(Agency.objects.values_list("kind", flat=True)) == set(AgencyKind.values)
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    practitioner_agencies = set(
        User.objects.filter(role=Role.PRACTITIONER).values_list("agency__kind", flat=True).distinct()
    )
    assert len(practitioner_agencies) >= 4


def test_every_row_passes_full_clean(built):
    for agency in Agency.objects.all():
        agency.full_clean()
    for service in Service.objects.all():
        service.full_clean()
        assert service.remit and service.threshold and service.referral_route, service.code
        assert service.needs.exists(), f"{service.code} meets no needs"
    for user in User.objects.all():
        user.full_clean()
        assert user.agency_id is not None
        assert user.email.endswith("@harbourside.example")


def test_the_needs_vocabulary_is_shared_and_used(built):
    slugs = set(Need.objects.values_list("slug", flat=True))
    assert slugs == {slug for slug, _ in harbourside.NEEDS}
    used = set(Service.needs.through.objects.values_list("need__slug", flat=True))
    assert used == slugs
    for expected in ("exploitation", "mental-health", "substance-misuse", "housing", "education", "offending"):
        assert expected in slugs
    for expected in ("send", "care-leaver", "family-support", "missing"):
        assert expected in slugs


def rule(code: str) -> tuple:
    s = Service.objects.get(code=code)
    return (s.audience, s.min_age, s.max_age, s.ends_at_age, s.max_extension_days)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # Children's social care to 18.
        ("csc-social-work", (Audience.CHILD, 0, 17, 18, 0)),
        ("csc-exploitation-team", (Audience.CHILD, 10, 17, 18, 0)),
        # Leaving care to 21, extendable to 25 (four years).
        ("leaving-care-personal-adviser", (Audience.ALL_AGE, 16, 20, 21, 1461)),
        # Youth justice to 18, then adult probation from 18.
        ("yjs-court-orders", (Audience.CHILD, 10, 17, 18, 0)),
        ("probation-supervision", (Audience.ADULT, 18, None, None, 0)),
        # CAMHS to 18; adult mental health from 18.
        ("camhs-community", (Audience.CHILD, 0, 17, 18, 0)),
        ("camhs-crisis", (Audience.CHILD, 0, 17, 18, 0)),
        ("amh-community", (Audience.ADULT, 18, None, None, 0)),
        # School to 16, sixth form and college 16 to 19.
        ("academy-pastoral", (Audience.CHILD, 11, 15, 16, 0)),
        ("st-brendans-pastoral", (Audience.CHILD, 11, 15, 16, 0)),
        ("st-brendans-sixth-form", (Audience.CHILD, 16, 18, 19, 0)),
        ("college-student-support", (Audience.CHILD, 16, 18, 19, 0)),
        # The voluntary exploitation service: six months past 18.
        ("safe-harbour-exploitation", (Audience.CHILD, 10, 17, 18, 182)),
        # Youth work to 19, and to 25 with SEND as a second service.
        ("youth-work", (Audience.CHILD, 11, 18, 19, 0)),
        ("youth-work-send", (Audience.ALL_AGE, 11, 24, 25, 0)),
        # Substance misuse: children to 18, adults from 18.
        ("turning-tide-young-people", (Audience.CHILD, 10, 17, 18, 0)),
        ("turning-tide-adults", (Audience.ADULT, 18, None, None, 0)),
        # Youth homelessness 16 to 25.
        ("foyer-supported-accommodation", (Audience.ALL_AGE, 16, 24, 25, 0)),
        # Adult social care from 18.
        ("asc-care-and-support", (Audience.ADULT, 18, None, None, 0)),
        ("asc-safeguarding", (Audience.ADULT, 18, None, None, 0)),
    ],
)
def test_end_rules(built, code, expected):
    assert rule(code) == expected


def test_thresholds_say_what_the_report_worries_about(built):
    adult_mh = Service.objects.get(code="amh-community")
    assert "higher threshold than CAMHS" in adult_mh.threshold
    assert "Care Act" in Service.objects.get(code="asc-care-and-support").threshold
    assert "section 42" in Service.objects.get(code="asc-safeguarding").threshold
    youth_work_send = Service.objects.get(code="youth-work-send")
    assert youth_work_send.needs.filter(slug="send").exists()
    # Leaving care runs on to the 25th birthday: 21 plus at least four years of 365 days.
    leaving_care = Service.objects.get(code="leaving-care-personal-adviser")
    assert leaving_care.max_extension_days >= 4 * 365


def test_the_age_rule_is_one_rule(built):
    """'To N' means max_age N - 1 and support ends on the N-th birthday, everywhere."""
    for service in Service.objects.exclude(ends_at_age=None):
        assert service.max_age == service.ends_at_age - 1, service.code
    for service in Service.objects.filter(audience=Audience.ADULT):
        assert service.min_age is not None and service.min_age >= 18, service.code
    for service in Service.objects.filter(audience=Audience.CHILD):
        assert service.ends_at_age is not None and service.ends_at_age <= 19, service.code
    assert {s.default_weight for s in Service.objects.all()} <= {
        Decimal("0.25"),
        Decimal("0.5"),
        Decimal("1"),
        Decimal("1.5"),
        Decimal("2"),
    }


def test_one_audit_event_records_the_load(built):
    events = list(AuditEvent.objects.filter(action="demo.partnership.load"))
    assert len(events) == 1
    event = events[0]
    assert event.actor_id is None
    assert event.actor_label == "joinedup demo"
    assert event.detail == {"seed": 1, "agencies": built.agencies, "services": built.services, "users": built.users}
    assert audit_verify().ok


def make_outsider(email: str, role: str = Role.ADMIN, agency: Agency | None = None) -> User:
    """A user who is not part of the demo (conftest's agencies share the demo's names)."""
    agency = agency or Agency.objects.create(name="Elsewhere Council", code="elsewhere", kind=AgencyKind.OTHER)
    return User.objects.create_user(
        email=email, password="not-the-demo-password-9", full_name="Out Sider", role=role, agency=agency
    )


def test_the_load_is_audited_as_the_actor_when_there_is_one():
    actor = make_outsider("real.admin@example.org")
    demo_partnership_load(actor=actor, seed=2)
    event = AuditEvent.objects.get(action="demo.partnership.load")
    assert event.actor_id == actor.pk
    assert event.actor_label == "real.admin@example.org"
    assert event.role == Role.ADMIN


def test_every_demo_user_signs_in_with_the_printed_password(built, client):
    for spec in harbourside.USERS:
        user = User.objects.get(email=spec.email)
        validate_password(DEMO_PASSWORD, user)
        assert user.check_password(DEMO_PASSWORD)
    response = client.post(
        reverse("accounts:login"), {"username": "coordinator@harbourside.example", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email="coordinator@harbourside.example").pk)
    admin = User.objects.get(email="admin@harbourside.example")
    assert admin.role == Role.ADMIN
    # The demo password is published: no demo user may reach Django's own admin.
    assert not User.objects.filter(is_staff=True).exists()
    assert not User.objects.filter(is_superuser=True).exists()


def test_sign_in_lines_give_one_user_for_every_role_first(built):
    lines = demo_sign_ins()
    first = lines[: len(Role)]
    assert [entry.role for entry in first] == list(Role.values)
    assert {entry.email for entry in lines} == set(User.objects.values_list("email", flat=True))
    assert "coordinator@harbourside.example" in {entry.email for entry in first}


def test_a_failing_step_leaves_nothing_behind(monkeypatch):
    def explode(ctx):
        assert ctx.counts["users"] == len(harbourside.USERS)  # everything before it was written
        raise RuntimeError("step failed")

    monkeypatch.setattr(harbourside, "STEPS", [*harbourside.STEPS, BuildStep("explode", explode)])
    monkeypatch.setattr("joinedup.demo.services.STEPS", harbourside.STEPS)
    with pytest.raises(RuntimeError, match="step failed"):
        demo_partnership_load(seed=1)
    assert not Agency.objects.exists()
    assert not Service.objects.exists()
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()
    assert not demo_partnership_present()


def test_rebuilding_in_place_keeps_the_audit_trail_and_other_data(built):
    outsider = make_outsider("outsider@example.org")
    # Someone else's user in a demo agency: the rebuild refuses rather than delete them.
    guest = make_outsider("guest@example.org", Role.ANALYST, Agency.objects.get(code="harbourside-csp"))
    with pytest.raises(ProtectedError):
        demo_partnership_load(seed=1, replace=True)
    assert AuditEvent.objects.filter(action="demo.partnership.load").count() == 1
    assert User.objects.filter(email__endswith="@harbourside.example").count() == len(harbourside.USERS)
    guest.delete()

    result = demo_partnership_load(seed=1, replace=True)
    assert result.replaced
    assert User.objects.filter(pk=outsider.pk).exists()
    assert Agency.objects.filter(code="elsewhere").exists()
    assert Agency.objects.count() == len(harbourside.AGENCIES) + 1
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions == ["demo.partnership.load", "demo.partnership.remove", "demo.partnership.load"]
    removed = AuditEvent.objects.get(action="demo.partnership.remove").detail["removed"]
    assert removed["agencies"] == len(harbourside.AGENCIES)
    assert removed["users"] == len(harbourside.USERS)
    assert audit_verify().ok


def test_the_seed_must_be_a_whole_number():
    with pytest.raises(TypeError):
        demo_partnership_load(seed="1")
    with pytest.raises(TypeError):
        demo_partnership_load(seed=True)
