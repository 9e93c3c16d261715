"""Young people's records in a real browser: every page accessible, every form working without
JavaScript, and the record page on a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from joinedup.accounts.models import User
from joinedup.people import services
from joinedup.people.models import (
    BreakGlassAccess,
    BridgingReferral,
    Involvement,
    SharingDecision,
    VoiceEntry,
    YoungPerson,
)
from joinedup.platform.access import Role
from joinedup.platform.encryption import encrypt_text
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def soon_18(days: int = 150) -> str:
    day = timezone.localdate() + dt.timedelta(days=days)
    return f"{day.year - 18:04d}-{day.month:02d}"


def fill_date(page, legend: str, day: dt.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


@pytest.fixture
def officer(make_user):
    return make_user(Role.PRACTITIONER)


@pytest.fixture
def person(people_world, officer):
    """Led by police, turning 18 soon, with CAMHS and youth diversion both ending at 18: a cliff edge."""
    young = YoungPerson.objects.create(
        ref="YP-E2E2E", initials="KL", birth_month=soon_18(), lead_agency=people_world.police,
        lead_contact_name="Sam Officer", lead_contact_email="sam@example.org", area="Harbour ward",
        name_encrypted=encrypt_text("Kit Lane"),
    )  # fmt: skip
    young.needs.set([people_world.needs["mental-health"], people_world.needs["exploitation"]])
    for service, start in ((people_world.camhs, dt.date(2022, 1, 3)), (people_world.diversion, dt.date(2023, 2, 6))):
        services.involvement_create(actor=None, actor_label="test", young_person=young, service=service, start=start)
    services.voice_record(actor=officer, young_person=young, working_well="Football on Fridays", scale=6)
    services.sharing_decision_record(
        actor=officer, young_person=young, shared=True, what="MACE risk assessment", why="Plan support at 18",
        lawful_basis="public_task", with_whom=[people_world.council],
    )  # fmt: skip
    plan = services.transition_plan_agree(
        actor=officer, young_person=young, edge_start=young.turns(18), edge_end=young.turns(18) + dt.timedelta(90),
        review_date=timezone.localdate() + dt.timedelta(days=28),
        referrals=[services.Referral(service=people_world.adult_mh, reason="Shares need mental-health")],
    )  # fmt: skip
    assert plan.bridging_referrals.count() == 1
    return young


@pytest.fixture
def stranger(people_world):
    """Led by the council; police are not involved."""
    young = YoungPerson.objects.create(
        ref="YP-STRNG", initials="QZ", birth_month="2008-07", lead_agency=people_world.council,
        lead_contact_name="Cara Council", lead_contact_email="cara@example.org",
    )  # fmt: skip
    Involvement.objects.create(young_person=young, service=people_world.camhs, start=dt.date(2020, 1, 6))
    return young


def test_a_practitioner_finds_and_reads_a_record(page, live_server, officer, person):
    sign_in(page, live_server, officer)
    page.get_by_role("link", name="Young people").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Young people"
    assert "YP-E2E2E" in page.locator("#caseload").inner_text()
    assert_accessible(page)
    page.get_by_label("Reference, case number or initials (optional)").fill("yp-e2e2e")
    page.get_by_role("button", name="Search").click()
    assert "1 result" in page.locator("#results-heading").inner_text()
    assert_accessible(page)
    page.locator("#results").get_by_role("link", name="YP-E2E2E").click()
    assert page.get_by_role("heading", level=1).inner_text() == "YP-E2E2E"
    main = page.locator("main").inner_text()
    for text in ("Support timeline", "Cliff edge from", "Age-driven", "Football on Fridays", "MACE risk assessment"):
        assert text in main, text
    assert page.get_by_role("img", name="Support timeline for YP-E2E2E").count() == 1
    assert "Kit Lane" not in main
    assert_accessible(page)
    page.get_by_role("button", name="Show full name").click()
    assert "Kit Lane" in page.locator("#full-name").inner_text()
    assert_accessible(page)


def test_the_record_page_on_a_phone(mobile_page, live_server, officer, person):
    sign_in(mobile_page, live_server, officer)
    mobile_page.goto(f"{live_server.url}/young-people/{person.ref}/")
    assert "Support timeline" in mobile_page.locator("main").inner_text()
    assert mobile_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert_accessible(mobile_page)


def test_a_signpost_then_break_glass_then_the_report(page, live_server, make_user, stranger):
    coordinator = make_user(Role.COORDINATOR)
    sign_in(page, live_server, coordinator)
    page.goto(f"{live_server.url}/young-people/{stranger.ref}/")
    main = page.locator("main").inner_text()
    assert "Cara Council" in main and "QZ" not in main and "July 2008" not in main
    assert_accessible(page)
    page.get_by_role("button", name="Open the record").click()
    assert "Give the reason you need to see this record" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Why do you need to see this record now?").fill("Reported missing; police need contacts")
    page.get_by_role("button", name="Open the record").click()
    assert page.locator("#break-glass-banner").is_visible()
    assert "QZ" in page.locator("#initials").inner_text()
    assert_accessible(page)
    page.goto(f"{live_server.url}/young-people/break-glass/")
    assert "Reported missing; police need contacts" in page.locator("#break-glass").inner_text()
    assert_accessible(page)


def test_the_signpost_for_a_practitioner(page, live_server, officer, stranger):
    sign_in(page, live_server, officer)
    page.goto(f"{live_server.url}/young-people/{stranger.ref}/")
    assert page.get_by_role("link", name="Add an involvement with your service").is_visible()
    assert page.get_by_role("button", name="Open the record").count() == 0
    assert_accessible(page)


def test_every_form_page_is_accessible_with_its_errors(page, live_server, officer, person):
    involvement = person.involvements.get(service__code="youth-diversion")
    referral = BridgingReferral.objects.get()
    sign_in(page, live_server, officer)
    forms = [
        ("/young-people/add/", "Add young person", "Enter the young person’s initials"),
        (f"/young-people/{person.ref}/edit/", None, None),
        (f"/young-people/{person.ref}/involvements/add/", "Add involvement", "Select a service"),
        (f"/young-people/{person.ref}/involvements/{involvement.pk}/edit/", None, None),
        (f"/young-people/{person.ref}/involvements/{involvement.pk}/end/", "End involvement", "Enter the date"),
        (f"/young-people/{person.ref}/sharing-decisions/add/", "Record decision", "Select whether"),
        (f"/young-people/{person.ref}/voice/add/", "Record their views", "Record at least one"),
        (f"/young-people/{person.ref}/case-references/add/", "Add case reference", "Enter the case reference"),
        (f"/young-people/{person.ref}/referrals/{referral.pk}/", None, None),
    ]
    for path, button, message in forms:
        page.goto(live_server.url + path)
        assert_accessible(page)
        if button:
            page.get_by_role("button", name=button).click()
            assert message in page.locator(".govuk-error-summary").inner_text(), path
            assert_accessible(page)


def test_every_form_works_without_javascript(nojs_page, live_server, officer, person, stranger, people_world):
    page = nojs_page
    sign_in(page, live_server, officer)

    # Add a young person.
    page.goto(live_server.url + "/young-people/add/")
    page.get_by_label("Initials", exact=True).fill("j.s.")
    group = page.get_by_role("group", name="Birth month")
    group.get_by_label("Month").fill("5")
    group.get_by_label("Year").fill("2010")
    page.get_by_label("Exploitation").check()
    page.get_by_label("Lead agency").select_option(label="Harbourside Police")
    page.get_by_role("button", name="Add young person").click()
    added = YoungPerson.objects.get(initials="JS")
    assert added.birth_month == "2010-05" and page.get_by_role("heading", level=1).inner_text() == added.ref

    # Change their details.
    page.goto(f"{live_server.url}/young-people/{added.ref}/edit/")
    page.get_by_label("Area (optional)").fill("Old town")
    page.get_by_role("button", name="Save changes").click()
    assert YoungPerson.objects.get(pk=added.pk).area == "Old town"

    # Add, change and end an involvement.
    page.goto(f"{live_server.url}/young-people/{added.ref}/involvements/add/")
    page.get_by_label("Service", exact=True).select_option(label="Youth Diversion (Harbourside Police), ages 10 to 17")
    fill_date(page, "Start date", dt.date(2024, 9, 2))
    page.get_by_role("button", name="Add involvement").click()
    involvement = Involvement.objects.get(young_person=added)
    page.goto(f"{live_server.url}/young-people/{added.ref}/involvements/{involvement.pk}/edit/")
    fill_date(page, "Planned end date (optional)", dt.date(2026, 9, 7))
    page.get_by_role("button", name="Save changes").click()
    involvement.refresh_from_db()
    assert involvement.planned_end == dt.date(2026, 9, 7)
    page.goto(f"{live_server.url}/young-people/{added.ref}/involvements/{involvement.pk}/end/")
    fill_date(page, "Date it ended", dt.date(2025, 3, 3))
    page.get_by_role("button", name="End involvement").click()
    involvement.refresh_from_db()
    assert involvement.actual_end == dt.date(2025, 3, 3)

    # A sharing decision and the young person's voice.
    page.goto(f"{live_server.url}/young-people/{added.ref}/sharing-decisions/add/")
    page.get_by_label("No, it was not shared").check()
    page.get_by_label("What information").fill("School attendance")
    page.get_by_label("Harbourside Council").check()
    page.get_by_label("Why", exact=True).fill("Not needed for the plan")
    page.get_by_label("Not applicable: nothing was shared").check()
    page.get_by_role("button", name="Record decision").click()
    assert SharingDecision.objects.filter(young_person=added, shared=False).exists()
    page.goto(f"{live_server.url}/young-people/{added.ref}/voice/add/")
    page.get_by_label("What is working well (optional)").fill("Boxing club")
    page.get_by_label("8", exact=True).check()
    page.get_by_role("button", name="Record their views").click()
    assert VoiceEntry.objects.get(young_person=added).scale == 8
    assert "8 out of 10" in page.locator("#voice ~ .govuk-summary-card").first.inner_text()

    # A bridging referral's status, on the record page itself.
    page.goto(f"{live_server.url}/young-people/{person.ref}/")
    page.get_by_label("Status of the referral to Adult Mental Health").select_option("referred")
    page.get_by_role("button", name="Update status of the referral to Adult Mental Health").click()
    assert BridgingReferral.objects.get().status == "referred"

    # Show the full name.
    page.goto(f"{live_server.url}/young-people/{person.ref}/")
    page.get_by_role("button", name="Show full name").click()
    assert "Kit Lane" in page.locator("#full-name").inner_text()

    # Search (a GET form).
    page.goto(f"{live_server.url}/young-people/")
    page.get_by_label("Reference, case number or initials (optional)").fill(stranger.ref)
    page.get_by_role("button", name="Search").click()
    assert "Not shown: your agency is not involved" in page.locator("#results").inner_text()

    # An uninvolved agency records its case reference and so sees the record.
    page.goto(f"{live_server.url}/young-people/{stranger.ref}/")
    page.get_by_role("link", name="Add your agency’s case reference").click()
    page.get_by_label("Case reference").fill("POL-99")
    page.get_by_role("button", name="Add case reference").click()
    assert "QZ" in page.locator("#initials").inner_text()


def test_break_glass_works_without_javascript(nojs_page, live_server, make_user, stranger):
    coordinator = make_user(Role.COORDINATOR)
    sign_in(nojs_page, live_server, coordinator)
    nojs_page.goto(f"{live_server.url}/young-people/{stranger.ref}/break-glass/")
    nojs_page.get_by_label("Why do you need to see this record now?").fill("Missing from home since last night")
    nojs_page.get_by_role("button", name="Open the record").click()
    assert BreakGlassAccess.objects.get().user == User.objects.get(pk=coordinator.pk)
    assert "QZ" in nojs_page.locator("#initials").inner_text()
