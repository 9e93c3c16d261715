"""Forums and distribution lists in a real browser: every page accessible, every form working without JavaScript."""

from __future__ import annotations

import pytest

from joinedup.accounts.models import User
from joinedup.directory import services as directory
from joinedup.directory.models import Forum
from joinedup.platform.access import Role
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def forum(agency):
    return directory.forum_create(
        actor=None,
        actor_label="test",
        name="MACE panel",
        code="mace-panel",
        kind="mace_panel",
        purpose="Plans for young people at risk of exploitation.",
        terms_of_reference="Reviews within 12 weeks.",
        frequency="monthly",
        chair_agency=agency,
    )


@pytest.fixture
def mace_list(forum, agency):
    distribution_list = directory.distribution_list_create(
        actor=None, actor_label="test", name="MACE panel list", forum=forum
    )
    directory.distribution_list_member_add(
        actor=None, actor_label="test", distribution_list=distribution_list, name="Pat Police",
        role="Detective Sergeant", email="pat@example.org", agency=agency,
    )  # fmt: skip
    return distribution_list


@pytest.fixture
def nurse(other_agency):
    return User.objects.create_user(
        email="nia@example.org", password=None, full_name="Nia Nurse", job_title="CAMHS nurse",
        role=Role.PRACTITIONER, agency=other_agency,
    )  # fmt: skip


def test_a_practitioner_reads_forums_and_a_list(page, live_server, make_user, forum, mace_list):
    sign_in(page, live_server, make_user(Role.PRACTITIONER))
    page.get_by_role("link", name="Forums").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Forums"
    assert "Monthly" in page.get_by_role("row", name="MACE panel").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="MACE panel").click()
    assert page.get_by_role("heading", level=1).inner_text() == "MACE panel"
    assert page.get_by_role("button", name="Add a member agency").count() == 0
    assert_accessible(page)
    page.get_by_role("link", name="MACE panel list").click()
    assert "pat@example.org" in page.get_by_role("row", name="Pat Police").inner_text()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="vCard for an address book").click()
    assert download.value.suggested_filename == "mace-panel-list-members.vcf"
    page.goto(live_server.url + "/directory/lists/")
    assert page.get_by_role("heading", level=1).inner_text() == "Distribution lists"
    assert_accessible(page)


def test_coordinator_adds_a_forum_after_fixing_errors(page, live_server, make_user, agency):
    sign_in(page, live_server, make_user(Role.COORDINATOR))
    page.goto(live_server.url + "/directory/forums/")
    page.get_by_role("button", name="Add a forum").click()
    assert_accessible(page)
    page.get_by_label("Name", exact=True).fill("Transitions panel")
    page.get_by_role("button", name="Add forum").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter the forum’s purpose" in summary and "Select the agency that chairs the forum" in summary
    assert_accessible(page)
    page.get_by_label("Code").fill("transitions")
    page.get_by_label("Transitions panel").check()
    page.get_by_label("Purpose").fill("Plans moves to adult services.")
    page.get_by_label("Every 6 weeks").check()
    page.get_by_label("Chair agency").select_option(label="Harbourside Police")
    page.get_by_role("button", name="Add forum").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Transitions panel"
    page.get_by_role("button", name="Change Transitions panel").click()
    assert_accessible(page)


def test_adding_a_member_offers_its_people_with_javascript(page, live_server, make_user, forum, mace_list, nurse):
    sign_in(page, live_server, make_user(Role.ADMIN))
    page.goto(f"{live_server.url}/directory/forums/{forum.pk}/")
    page.get_by_role("button", name="Add a member agency").click()
    page.get_by_role("button", name="Add agency").click()
    assert "Select the agency to add" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Agency").select_option(label="Harbourside CAMHS")
    page.get_by_label("Adviser").check()
    page.get_by_role("button", name="Add agency").click()
    assert "people to the distribution list" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("button", name="Add to the list").click()
    assert "Select at least one person" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Nia Nurse, CAMHS nurse, nia@example.org").check()
    page.get_by_role("button", name="Add to the list").click()
    assert "1 person added to MACE panel list" in page.locator("main").inner_text()
    page.get_by_role("link", name="Remove Harbourside CAMHS").click()
    assert_accessible(page)
    page.get_by_role("button", name="Remove agency").click()
    assert page.get_by_role("row", name="Harbourside CAMHS").count() == 0


def test_list_pages_for_an_admin(page, live_server, admin_user, forum, mace_list):
    sign_in(page, live_server, admin_user)
    page.goto(live_server.url + "/directory/lists/")
    page.get_by_role("button", name="Add a distribution list").click()
    page.get_by_role("button", name="Add list").click()
    assert "Enter the list’s name" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.goto(f"{live_server.url}/directory/lists/{mace_list.pk}/")
    page.get_by_role("button", name="Change MACE panel list").click()
    assert_accessible(page)
    page.goto(f"{live_server.url}/directory/lists/{mace_list.pk}/")
    page.get_by_role("button", name="Add a person").click()
    page.get_by_label("Email address").fill("nope")
    page.get_by_role("button", name="Add person").click()
    assert "Enter an email address in the correct format" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.goto(f"{live_server.url}/directory/lists/{mace_list.pk}/")
    page.get_by_role("link", name="Remove Pat Police").click()
    assert_accessible(page)


def test_every_forum_form_works_without_javascript(nojs_page, live_server, make_user, agency, forum, mace_list, nurse):
    page = nojs_page
    sign_in(page, live_server, make_user(Role.COORDINATOR))
    page.goto(live_server.url + "/directory/forums/new/")
    page.get_by_label("Name", exact=True).fill("Youth forum")
    page.get_by_label("Code").fill("youth-forum")
    page.get_by_label("Community forum").check()
    page.get_by_label("Purpose").fill("Young people's voice.")
    page.get_by_label("Monthly").check()
    page.get_by_label("Chair agency").select_option(label="Harbourside Police")
    page.get_by_role("button", name="Add forum").click()
    youth = Forum.objects.get(code="youth-forum")
    page.goto(f"{live_server.url}/directory/forums/{youth.pk}/edit/")
    page.get_by_label("Quarterly").check()
    page.get_by_role("button", name="Save changes").click()
    assert "Changes to Youth forum saved" in page.locator("main").inner_text()

    page.goto(f"{live_server.url}/directory/forums/{forum.pk}/members/add/")
    page.get_by_label("Agency").select_option(label="Harbourside CAMHS")
    page.get_by_role("button", name="Add agency").click()
    page.get_by_label("Nia Nurse, CAMHS nurse, nia@example.org").check()
    page.get_by_role("button", name="Add to the list").click()
    assert mace_list.members.filter(email="nia@example.org").exists()
    page.get_by_role("link", name="Remove Harbourside CAMHS").click()
    page.get_by_role("button", name="Remove agency").click()
    assert forum.memberships.count() == 1

    page.goto(live_server.url + "/directory/lists/new/")
    page.get_by_label("Name").fill("Youth forum list")
    page.get_by_label("Forum (optional)").select_option(label="Youth forum")
    page.get_by_role("button", name="Add list").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Youth forum list"
    page.get_by_role("button", name="Change Youth forum list").click()
    page.get_by_label("What the list is for (optional)").fill("Invitations")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("button", name="Add a person").click()
    page.get_by_label("Name").fill("Sam Shah")
    page.get_by_label("Agency").select_option(label="Harbourside Police")
    page.get_by_label("Email address").fill("sam@example.org")
    page.get_by_role("button", name="Add person").click()
    assert "sam@example.org" in page.get_by_role("row", name="Sam Shah").inner_text()
    page.get_by_role("link", name="Remove Sam Shah").click()
    page.get_by_role("button", name="Remove person").click()
    assert "Nobody is on this list yet" in page.locator("main").inner_text()
