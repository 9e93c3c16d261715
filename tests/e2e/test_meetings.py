"""Meetings, actions and the panels' reviews in a real browser: every page accessible, every form
working without JavaScript, the meeting page on a phone, and need to know on screen."""

from __future__ import annotations

import datetime as dt

import pytest

from joinedup.directory import services as directory
from joinedup.directory.models import Action, AgendaItem, Attendance, Decision, Meeting
from joinedup.platform.access import Role
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TODAY = dt.date.today()
LAST_WEEK = TODAY - dt.timedelta(days=7)
OUTCOME = "A trusted adult from the youth service to meet weekly."


def day(date: dt.date) -> str:
    return f"{date.day}/{date.month}/{date.year}"


def long(date: dt.date) -> str:
    return f"{date.day} {date:%B %Y}"


@pytest.fixture
def panel(people_world):
    return directory.forum_create(
        actor=None, actor_label="test", name="MACE panel", code="mace", kind="mace_panel",
        purpose="Plans for young people at risk.", frequency="monthly", chair_agency=people_world.police,
    )  # fmt: skip


@pytest.fixture
def person(make_young_person, people_world):
    return make_young_person(
        ref="YP-7F3K2", initials="JS", lead_agency=people_world.camhs_agency, lead_contact_name="Nia Nurse",
        lead_contact_email="nia@example.org",
    )  # fmt: skip


@pytest.fixture
def meeting(panel):
    return directory.meeting_create(actor=None, actor_label="test", forum=panel, date=LAST_WEEK, location="Town Hall")


@pytest.fixture
def discussed(meeting, person, people_world):
    """The young person on the agenda with an outcome and an action, and a topic."""
    item = directory.agenda_item_add(
        actor=None,
        meeting=meeting,
        kind="young_person",
        young_person=person,
        presenter_agency=people_world.camhs_agency,
    )
    directory.agenda_item_outcome_record(
        actor=None, item=item, outcome=OUTCOME, review_date=TODAY + dt.timedelta(days=5),
        actions=[{"title": "Weekly sessions", "owner_agency": people_world.council, "due_date": TODAY}],
    )  # fmt: skip
    directory.agenda_item_add(actor=None, meeting=meeting, kind="topic", topic="Knife crime hotspots")
    directory.action_create(
        actor=None, title="Circulate the plan", owner_agency=people_world.police, due_date=LAST_WEEK, meeting=meeting
    )
    directory.attendance_record(actor=None, meeting=meeting, rows=[(people_world.police, "attended", "Pat Reid")])
    return item


def test_coordinator_runs_a_panel_meeting(page, live_server, make_user, panel, person, people_world):
    sign_in(page, live_server, make_user(Role.COORDINATOR))
    page.goto(f"{live_server.url}/directory/forums/{panel.pk}/")
    page.get_by_role("button", name="Add a meeting").click()
    page.get_by_role("button", name="Add meeting").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter the date of the meeting" in summary
    assert_accessible(page)
    page.get_by_label("Date of the meeting").fill(day(LAST_WEEK))
    page.get_by_label("Where (optional)").fill("Civic Centre, Room 4")
    page.get_by_label("Yes: it was held").check()
    page.get_by_role("button", name="Add meeting").click()
    assert page.get_by_role("heading", level=1).inner_text() == f"Meeting on {long(LAST_WEEK)}"
    assert_accessible(page)

    page.get_by_role("button", name="Add an agenda item").click()
    page.get_by_label("A young person").check()
    page.get_by_label("Young person’s reference (optional)").fill("YP-ZZZZZ")
    page.get_by_role("button", name="Add to the agenda").click()
    assert "No young person has the reference YP-ZZZZZ" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Young person’s reference (optional)").fill("yp-7f3k2")
    page.get_by_label("Agency presenting the item (optional)").select_option(label="Harbourside CAMHS")
    page.get_by_role("button", name="Add to the agenda").click()
    assert "Young person YP-7F3K2 added to the agenda as item 1" in page.locator("main").inner_text()

    page.get_by_role("link", name="Record outcome of item 1").click()
    page.get_by_label("Action: what needs to be done (optional)").fill("Weekly sessions")
    page.get_by_role("button", name="Save outcome").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter what the meeting concluded" in summary and "Select the agency that owns the action" in summary
    assert_accessible(page)
    page.get_by_label("Outcome of the discussion").fill(OUTCOME)
    page.get_by_label("Agency that owns it (optional)").select_option(label="Harbourside Council")
    page.get_by_label("Due date (optional)").fill(day(TODAY + dt.timedelta(days=14)))
    page.get_by_role("button", name="Save outcome").click()
    card = page.locator(".govuk-summary-card", has_text="Item 1").inner_text()
    assert OUTCOME in card and "Weekly sessions" in card
    assert f"By {long(LAST_WEEK + dt.timedelta(weeks=12))}" in card

    page.get_by_role("button", name="Record attendance").click()
    page.get_by_role("button", name="Save attendance").click()
    assert "Record attendance for at least one agency" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_role("group", name="Harbourside Police").get_by_label("Attended").check()
    page.get_by_label("Who came from Harbourside Police (optional)").fill("Pat Reid")
    page.get_by_role("button", name="Save attendance").click()
    assert "Pat Reid" in page.get_by_role("row", name="Harbourside Police").inner_text()

    page.get_by_role("button", name="Record a decision").click()
    page.get_by_role("button", name="Record decision").click()
    assert "Enter the decision" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Decision").fill("Next meeting online")
    page.get_by_role("button", name="Record decision").click()
    assert "Next meeting online" in page.locator("main").inner_text()

    page.get_by_role("button", name="Add an action").click()
    page.get_by_role("button", name="Add action").click()
    assert "Enter what needs to be done" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("What needs to be done").fill("Circulate the plan")
    page.get_by_label("Agency that owns it").select_option(label="Harbourside Police")
    page.get_by_label("Due date").fill(day(LAST_WEEK))
    page.get_by_role("button", name="Add action").click()
    assert "Overdue" in page.get_by_role("row", name="Circulate the plan").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Actions", exact=True).first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Actions"
    assert_accessible(page)
    page.get_by_role("row", name="Circulate the plan").get_by_role("link", name="Update").click()
    page.get_by_label("Done", exact=True).check()
    page.get_by_role("button", name="Save action").click()
    assert "Say what was done before marking the action done" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Evidence (optional)").fill("Sent to every partner")
    page.get_by_role("button", name="Save action").click()
    assert "Action updated" in page.locator("main").inner_text()
    assert Action.objects.get(title="Circulate the plan").status == "done"

    page.get_by_role("link", name="Panel reviews").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Young people due for review"
    assert_accessible(page)

    page.goto(f"{live_server.url}/directory/forums/{panel.pk}/")
    assert "Held" in page.get_by_role("row", name=long(LAST_WEEK)).inner_text()
    assert_accessible(page)
    page.get_by_role("link", name=long(LAST_WEEK)).click()
    page.get_by_role("button", name="Change meeting details").click()
    assert page.get_by_label("Date of the meeting").input_value() == day(LAST_WEEK)
    assert_accessible(page)


def test_due_for_review_lists_the_young_person(page, live_server, make_user, discussed):
    sign_in(page, live_server, make_user(Role.COORDINATOR))
    page.goto(live_server.url + "/directory/panels/due-for-review/")
    row = page.get_by_role("row", name="YP-7F3K2").inner_text()
    assert "Due soon" in row and "Nia Nurse" in row
    assert_accessible(page)


def test_an_uninvolved_practitioner_sees_the_signpost(page, live_server, make_user, meeting, discussed):
    sign_in(page, live_server, make_user(Role.PRACTITIONER))
    page.goto(f"{live_server.url}/directory/meetings/{meeting.pk}/")
    card = page.locator(".govuk-summary-card", has_text="Item 1").inner_text()
    assert "YP-7F3K2" in card and "Nia Nurse" in card
    assert "Outcome recorded — ask the lead contact" in card and OUTCOME not in card
    assert page.get_by_role("button", name="Add an agenda item").count() == 0
    assert_accessible(page)


def test_a_strategic_lead_sees_no_young_person(page, live_server, make_user, meeting, discussed):
    sign_in(page, live_server, make_user(Role.STRATEGIC_LEAD))
    page.goto(f"{live_server.url}/directory/meetings/{meeting.pk}/")
    main = page.locator("main").inner_text()
    assert "YP-7F3K2" not in main and OUTCOME not in main and "Item 1: A young person" in main
    assert_accessible(page)
    page.goto(live_server.url + "/directory/actions/?overdue=on")
    assert "Circulate the plan" in page.locator("main").inner_text()
    assert_accessible(page)


def test_the_meeting_page_on_a_phone(mobile_page, live_server, make_user, meeting, discussed, person, people_world):
    from joinedup.people.models import AgencyReference

    AgencyReference.objects.create(young_person=person, agency=people_world.police, local_id="POL-1")
    sign_in(mobile_page, live_server, make_user(Role.PRACTITIONER))
    mobile_page.goto(f"{live_server.url}/directory/meetings/{meeting.pk}/")
    assert OUTCOME in mobile_page.locator("main").inner_text()
    assert mobile_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert_accessible(mobile_page)


def test_every_meeting_form_works_without_javascript(nojs_page, live_server, make_user, panel, person, people_world):
    page = nojs_page
    sign_in(page, live_server, make_user(Role.COORDINATOR))
    page.goto(f"{live_server.url}/directory/forums/{panel.pk}/meetings/new/")
    page.get_by_label("Date of the meeting").fill(day(LAST_WEEK))
    page.get_by_label("People can join online").check()
    page.get_by_role("button", name="Add meeting").click()
    meeting = Meeting.objects.get()
    assert meeting.online and meeting.status == "planned"

    page.goto(f"{live_server.url}/directory/meetings/{meeting.pk}/edit/")
    page.get_by_label("Where (optional)").fill("Civic Centre")
    page.get_by_role("button", name="Save changes").click()
    assert "Changes to the meeting saved" in page.locator("main").inner_text()

    page.goto(f"{live_server.url}/directory/meetings/{meeting.pk}/agenda/add/")
    page.get_by_label("A young person").check()
    page.get_by_label("Young person’s reference (optional)").fill("YP-7F3K2")
    page.get_by_role("button", name="Add to the agenda").click()
    page.goto(f"{live_server.url}/directory/meetings/{meeting.pk}/agenda/add/")
    page.get_by_label("A context").check()
    page.get_by_label("Context (optional)").fill("Harbour Park skate area")
    page.get_by_role("button", name="Add to the agenda").click()
    item = AgendaItem.objects.get(kind="young_person")
    assert AgendaItem.objects.count() == 2

    page.goto(f"{live_server.url}/directory/meetings/{meeting.pk}/agenda/{item.pk}/outcome/")
    page.get_by_label("Outcome of the discussion").fill(OUTCOME)
    page.get_by_label("The panel has closed its work with this young person: no review").check()
    page.get_by_role("button", name="Save outcome").click()
    item.refresh_from_db()
    assert item.outcome == OUTCOME and item.review_date is None

    page.goto(f"{live_server.url}/directory/meetings/{meeting.pk}/attendance/")
    page.get_by_role("group", name="Harbourside Police").get_by_label("Sent apologies").check()
    page.get_by_role("button", name="Save attendance").click()
    assert Attendance.objects.get().status == "apologies"

    page.goto(f"{live_server.url}/directory/meetings/{meeting.pk}/decisions/add/")
    page.get_by_label("Decision").fill("Share the plan")
    page.get_by_label("Agenda item (optional)").select_option(label="Item 1: Young person YP-7F3K2")
    page.get_by_role("button", name="Record decision").click()
    assert Decision.objects.get().agenda_item == item

    page.goto(f"{live_server.url}/directory/meetings/{meeting.pk}/actions/add/")
    page.get_by_label("What needs to be done").fill("Joint visit")
    page.get_by_label("Agency that owns it").select_option(label="Harbourside Police")
    page.get_by_label("Due date").fill(day(TODAY + dt.timedelta(days=10)))
    page.get_by_role("button", name="Add action").click()
    action = Action.objects.get()
    assert action.young_person_id is None

    page.goto(f"{live_server.url}/directory/actions/{action.pk}/update/")
    page.get_by_label("In progress").check()
    page.get_by_label("Evidence (optional)").fill("Visit booked")
    page.get_by_role("button", name="Save action").click()
    action.refresh_from_db()
    assert action.status == "in_progress" and action.evidence == "Visit booked"

    page.goto(live_server.url + "/directory/actions/")
    page.get_by_label("Status (optional)").select_option(label="Done")
    page.get_by_role("button", name="Show actions").click()
    assert "No actions match these filters" in page.locator("main").inner_text()
