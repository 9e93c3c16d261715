"""Meetings, agenda items, attendance, decisions, actions and the panels' reviews: services
(validation messages, audit, permissions) and need to know on every page (ADR 0009)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from joinedup.directory import selectors
from joinedup.directory import services as directory
from joinedup.directory.models import (
    Action,
    AgendaItem,
    Attendance,
    Decision,
    Meeting,
    MeetingStatus,
    review_date_default,
)
from joinedup.people.models import AgencyReference
from joinedup.people.selectors import involved_agencies
from joinedup.platform.access import Role
from joinedup.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()
LAST_MONTH = TODAY - dt.timedelta(days=30)
OUTCOME = "Disruption plan agreed: a trusted adult from the youth service to meet weekly."


@pytest.fixture
def panel(people_world):
    return directory.forum_create(
        actor=None, actor_label="test", name="MACE panel", code="mace", kind="mace_panel",
        purpose="Plans for young people at risk.", frequency="monthly", chair_agency=people_world.police,
    )  # fmt: skip


@pytest.fixture
def board(people_world):
    return directory.forum_create(
        actor=None, actor_label="test", name="Partnership board", code="board", kind="board",
        purpose="Priorities.", frequency="quarterly", chair_agency=people_world.police,
    )  # fmt: skip


@pytest.fixture
def meeting(panel):
    return directory.meeting_create(actor=None, actor_label="test", forum=panel, date=LAST_MONTH, location="Town Hall")


@pytest.fixture
def person(make_young_person, people_world):
    """Led by CAMHS: the police (the test users' agency) are not involved."""
    return make_young_person(
        ref="YP-7F3K2", initials="JS", lead_agency=people_world.camhs_agency, lead_contact_name="Nia Nurse",
        lead_contact_email="nia@example.org",
    )  # fmt: skip


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.COORDINATOR)


@pytest.fixture
def item(meeting, person, coordinator, people_world):
    return directory.agenda_item_add(
        actor=coordinator, meeting=meeting, kind="young_person", young_person=person,
        presenter_agency=people_world.camhs_agency,
    )  # fmt: skip


def messages_of(error: ValidationError) -> list[str]:
    return error.messages


# --- meetings ------------------------------------------------------------------------------


def test_a_meeting_is_created_and_audited(coordinator, panel):
    meeting = directory.meeting_create(actor=coordinator, forum=panel, date=TODAY + dt.timedelta(days=7), online=True)
    assert meeting.status == MeetingStatus.PLANNED and meeting.where == "Online"
    event = AuditEvent.objects.get(action="directory.meeting.create")
    assert event.actor_id == coordinator.pk
    assert event.detail["forum"] == "mace" and event.detail["online"] is True


def test_meeting_validation_messages(panel, meeting):
    with pytest.raises(ValidationError) as caught:
        directory.meeting_create(actor=None, forum=panel, date=TODAY + dt.timedelta(days=3), status="held")
    assert "Enter where the meeting is, or say that it is online" in messages_of(caught.value)
    assert "A meeting on a date still to come cannot have been held: choose Planned" in messages_of(caught.value)
    with pytest.raises(ValidationError) as caught:
        directory.meeting_create(actor=None, forum=panel, date=LAST_MONTH, location="Library")
    assert messages_of(caught.value) == [f"MACE panel already has a meeting on {LAST_MONTH.day} {LAST_MONTH:%B %Y}"]
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.STRATEGIC_LEAD, Role.ANALYST, Role.MODERATOR])
def test_only_forum_managers_record_meetings(make_user, panel, meeting, people_world, role):
    actor = make_user(role)
    with pytest.raises(PermissionDenied):
        directory.meeting_create(actor=actor, forum=panel, date=TODAY, location="Hall")
    with pytest.raises(PermissionDenied):
        directory.agenda_item_add(actor=actor, meeting=meeting, kind="topic", topic="Knife crime")
    with pytest.raises(PermissionDenied):
        directory.attendance_record(actor=actor, meeting=meeting, rows=[(people_world.police, "attended", "")])
    with pytest.raises(PermissionDenied):
        directory.decision_record(actor=actor, meeting=meeting, text="Agreed")
    with pytest.raises(PermissionDenied):
        directory.action_create(
            actor=actor, title="X", owner_agency=people_world.police, due_date=TODAY, meeting=meeting
        )
    assert Meeting.objects.count() == 1
    assert not (AgendaItem.objects.exists() or Attendance.objects.exists() or Decision.objects.exists())
    assert not Action.objects.exists()


# --- agenda items --------------------------------------------------------------------------


def test_the_coordinator_puts_any_young_person_on_a_panel_agenda(item, person, meeting):
    assert item.order == 1 and item.young_person == person
    assert item.review_date == meeting.date + dt.timedelta(weeks=12) == review_date_default(meeting.date)
    event = AuditEvent.objects.get(action="directory.agenda_item.add")
    assert event.detail["young_person"] == "YP-7F3K2" and event.detail["kind"] == "young_person"
    assert "JS" not in str(event.detail) and "Nia" not in str(event.detail)
    topic = directory.agenda_item_add(actor=None, meeting=meeting, kind="topic", topic="Knife crime in the town centre")
    assert topic.order == 2


def test_an_administrator_cannot_put_a_young_person_on_an_agenda(admin_user, meeting, person):
    with pytest.raises(PermissionDenied):
        directory.agenda_item_add(actor=admin_user, meeting=meeting, kind="young_person", young_person=person)
    directory.agenda_item_add(actor=admin_user, meeting=meeting, kind="context", context="Harbour Park skate area")
    assert list(AgendaItem.objects.values_list("kind", flat=True)) == ["context"]


def test_agenda_item_validation_messages(coordinator, meeting, board, item, person):
    board_meeting = directory.meeting_create(actor=None, forum=board, date=LAST_MONTH, online=True)
    with pytest.raises(ValidationError) as caught:
        directory.agenda_item_add(actor=coordinator, meeting=board_meeting, kind="young_person", young_person=person)
    assert messages_of(caught.value) == [
        "Young people are discussed only at a MACE or transitions panel. Partnership board can discuss a context "
        "or a topic"
    ]
    with pytest.raises(ValidationError) as caught:
        directory.agenda_item_add(actor=coordinator, meeting=meeting, kind="young_person", young_person=person)
    assert messages_of(caught.value) == ["YP-7F3K2 is already on the agenda of this meeting"]
    with pytest.raises(ValidationError) as caught:
        directory.agenda_item_add(actor=coordinator, meeting=meeting, kind="context", context="  ")
    assert messages_of(caught.value) == ["Enter the context: a place, school, online space or peer group"]
    with pytest.raises(ValidationError) as caught:
        directory.agenda_item_add(actor=coordinator, meeting=meeting, kind="young_person")
    assert messages_of(caught.value) == ["Enter the young person’s reference, like YP-7F3K2"]
    assert AgendaItem.objects.count() == 1


def test_recording_an_outcome_with_an_action(coordinator, item, meeting, people_world):
    directory.agenda_item_outcome_record(
        actor=coordinator, item=item, outcome=OUTCOME,
        actions=[{"title": "Refer to Safe Harbour", "owner_agency": people_world.police, "due_date": TODAY}],
    )  # fmt: skip
    item.refresh_from_db()
    meeting.refresh_from_db()
    assert item.outcome == OUTCOME and item.review_date == review_date_default(meeting.date)
    assert meeting.status == MeetingStatus.HELD
    action = Action.objects.get()
    assert action.agenda_item == item and action.meeting == meeting and action.young_person_id == item.young_person_id
    assert action.source == f"MACE panel, {meeting.date.day} {meeting.date:%B %Y}"
    event = AuditEvent.objects.get(action="directory.agenda_item.outcome")
    assert event.detail == {
        "item": item.pk, "young_person": "YP-7F3K2", "replaced": False,
        "review_date": item.review_date.isoformat(), "actions": [action.pk],
    }  # fmt: skip
    created = AuditEvent.objects.get(action="directory.action.create")
    assert "Safe Harbour" not in str(created.detail) and created.object_repr == f"Action {action.pk}"
    assert AuditEvent.objects.filter(action="directory.meeting.update", detail={"status": ["planned", "held"]}).exists()


def test_outcome_rules(coordinator, item, panel, person):
    with pytest.raises(ValidationError) as caught:
        directory.agenda_item_outcome_record(actor=coordinator, item=item, outcome=" ")
    assert messages_of(caught.value) == ["Enter what the meeting concluded"]
    with pytest.raises(ValidationError) as caught:
        directory.agenda_item_outcome_record(actor=coordinator, item=item, outcome="x", review_date=item.meeting.date)
    assert messages_of(caught.value) == [
        f"The review date must be after the meeting ({LAST_MONTH.day} {LAST_MONTH:%B %Y})"
    ]
    directory.agenda_item_outcome_record(actor=coordinator, item=item, outcome="Closed", no_review=True)
    item.refresh_from_db()
    assert item.review_date is None
    later = directory.meeting_create(actor=None, forum=panel, date=TODAY + dt.timedelta(days=5), location="Hall")
    future_item = directory.agenda_item_add(actor=coordinator, meeting=later, kind="young_person", young_person=person)
    with pytest.raises(ValidationError) as caught:
        directory.agenda_item_outcome_record(actor=coordinator, item=future_item, outcome="Too soon")
    assert "has not happened yet: record the outcome after it" in messages_of(caught.value)[0]


def test_a_failed_action_leaves_no_outcome(coordinator, item, people_world):
    with pytest.raises(ValidationError):
        directory.agenda_item_outcome_record(
            actor=coordinator, item=item, outcome=OUTCOME,
            actions=[{"title": "", "owner_agency": people_world.police, "due_date": TODAY}],
        )  # fmt: skip
    item.refresh_from_db()
    assert item.outcome == "" and not Action.objects.exists()
    assert not AuditEvent.objects.filter(action="directory.agenda_item.outcome").exists()


# --- attendance and decisions ----------------------------------------------------------------


def test_attendance_is_recorded_replaced_and_audited(coordinator, meeting, people_world):
    police, camhs = people_world.police, people_world.camhs_agency
    directory.attendance_record(
        actor=coordinator, meeting=meeting, rows=[(police, "attended", "Sam Officer"), (camhs, "apologies", "")]
    )
    directory.attendance_record(actor=coordinator, meeting=meeting, rows=[(camhs, "attended", "Nia Nurse")])
    assert dict(meeting.attendance.values_list("agency__code", "status")) == {
        "harbourside-police": "attended", "harbourside-camhs": "attended",
    }  # fmt: skip
    rows = {row.agency.code: row for row in selectors.attendance_rows_for(coordinator, meeting)}
    assert rows["harbourside-police"].role_in_forum == "Chair"
    assert rows["harbourside-camhs"].role_in_forum == "" and rows["harbourside-camhs"].attendees == "Nia Nurse"
    events = AuditEvent.objects.filter(action="directory.attendance.record").order_by("seq")
    assert [e.detail for e in events] == [
        {"harbourside-police": "attended", "harbourside-camhs": "apologies"}, {"harbourside-camhs": "attended"},
    ]  # fmt: skip


def test_attendance_validation_messages(coordinator, meeting, panel, people_world):
    police = people_world.police
    with pytest.raises(ValidationError) as caught:
        directory.attendance_record(actor=coordinator, meeting=meeting, rows=[(police, "", "Sam")])
    assert messages_of(caught.value) == ["Select whether Harbourside Police attended before saying who came"]
    with pytest.raises(ValidationError) as caught:
        directory.attendance_record(actor=coordinator, meeting=meeting, rows=[(police, "", "")])
    assert messages_of(caught.value) == ["Record attendance for at least one agency"]
    planned = directory.meeting_create(actor=None, forum=panel, date=TODAY + dt.timedelta(days=9), location="Hall")
    with pytest.raises(ValidationError) as caught:
        directory.attendance_record(actor=coordinator, meeting=planned, rows=[(police, "attended", "")])
    assert "has not happened yet: record attendance after it" in messages_of(caught.value)[0]
    assert not Attendance.objects.exists()


def test_decisions_about_a_young_person_keep_their_words_out_of_the_audit(coordinator, meeting, item):
    directory.decision_record(actor=coordinator, meeting=meeting, text="Share the disruption plan", agenda_item=item)
    general = directory.decision_record(actor=coordinator, meeting=meeting, text="Next meeting online")
    events = AuditEvent.objects.filter(action="directory.decision.record").order_by("seq")
    assert events[0].detail["young_person"] == "YP-7F3K2" and "text" not in events[0].detail
    assert events[1].detail["text"] == "Next meeting online" and general.agenda_item is None
    with pytest.raises(ValidationError) as caught:
        directory.decision_record(actor=coordinator, meeting=meeting, text="")
    assert messages_of(caught.value) == ["Enter the decision"]


# --- actions ----------------------------------------------------------------------------------


@pytest.fixture
def board_action(board, people_world):
    meeting = directory.meeting_create(actor=None, forum=board, date=LAST_MONTH, location="Hall")
    return directory.action_create(
        actor=None, title="Publish the annual report", owner_agency=people_world.camhs_agency,
        lead="Nia Nurse", due_date=LAST_MONTH + dt.timedelta(days=10), meeting=meeting,
    )  # fmt: skip


def test_overdue_is_derived_from_status_and_due_date(board_action):
    assert board_action.is_overdue
    assert list(Action.objects.overdue()) == [board_action]
    board_action.status = "in_progress"
    assert board_action.is_overdue
    board_action.status = "cancelled"
    assert not board_action.is_overdue
    assert not board_action.is_overdue_on(board_action.due_date)


def test_action_validation_messages(board_action, people_world):
    with pytest.raises(ValidationError) as caught:
        directory.action_create(actor=None, title="", owner_agency=None, due_date=None)
    assert set(messages_of(caught.value)) >= {"Enter what needs to be done", "Enter the date the action is due"}
    with pytest.raises(ValidationError) as caught:
        directory.action_update(actor=None, action=board_action, status="done")
    assert messages_of(caught.value) == ["Say what was done before marking the action done"]
    with pytest.raises(ValidationError) as caught:
        directory.action_update(actor=None, action=board_action, status="cancelled")
    assert messages_of(caught.value) == ["Say why the action was cancelled"]
    with pytest.raises(ValidationError) as caught:
        directory.action_create(
            actor=None, title="Too early", owner_agency=people_world.police,
            due_date=board_action.meeting.date - dt.timedelta(days=1), meeting=board_action.meeting,
        )  # fmt: skip
    assert messages_of(caught.value)[0].startswith("The due date must be on or after the meeting")
    board_action.refresh_from_db()
    assert board_action.status == "open"


def test_the_owner_agency_updates_progress_and_completes(board_action, make_user, people_world):
    nurse = make_user(Role.PRACTITIONER, agency_obj=people_world.camhs_agency)
    directory.action_update(actor=nurse, action=board_action, status="in_progress", evidence="Draft written")
    done = directory.action_complete(actor=nurse, action=board_action, evidence="Published on the website")
    assert done.status == "done" and done.completed_on == TODAY and not done.is_overdue
    event = AuditEvent.objects.filter(action="directory.action.update").order_by("seq").last()
    assert event.detail["status"] == ["in_progress", "done"]
    assert event.detail["completed_on"] == [None, TODAY.isoformat()]
    assert event.detail["evidence"] == "changed"
    with pytest.raises(PermissionDenied):
        directory.action_update(actor=nurse, action=board_action, title="Something else")


@pytest.mark.parametrize(
    ("role", "own_agency", "allowed"),
    [
        (Role.PRACTITIONER, False, False),
        (Role.STRATEGIC_LEAD, True, True),
        (Role.ANALYST, True, False),
        (Role.MODERATOR, True, False),
        (Role.COORDINATOR, False, True),
        (Role.ADMIN, False, True),
    ],
)
def test_who_may_update_an_action(board_action, make_user, people_world, role, own_agency, allowed):
    agency = people_world.camhs_agency if own_agency else people_world.police
    actor = make_user(role, agency_obj=agency)
    assert selectors.action_can_update(actor, board_action) is allowed
    if allowed:
        directory.action_update(actor=actor, action=board_action, status="in_progress")
    else:
        with pytest.raises(PermissionDenied):
            directory.action_update(actor=actor, action=board_action, status="in_progress")
    board_action.refresh_from_db()
    assert board_action.status == ("in_progress" if allowed else "open")


# --- need to know on the meeting page --------------------------------------------------------


@pytest.fixture
def recorded(coordinator, item, meeting, people_world):
    directory.agenda_item_outcome_record(
        actor=coordinator, item=item, outcome=OUTCOME,
        actions=[{"title": "Weekly trusted-adult sessions", "owner_agency": people_world.council,
                  "due_date": TODAY + dt.timedelta(days=20)}],
    )  # fmt: skip
    directory.decision_record(
        actor=coordinator, meeting=meeting, text="Share the plan with the school", agenda_item=item
    )
    directory.agenda_item_add(actor=coordinator, meeting=meeting, kind="topic", topic="Knife crime hotspots")
    return item


def page_of(client, user, meeting) -> str:
    client.force_login(user)
    response = client.get(reverse("directory:meeting-detail", args=[meeting.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_uninvolved_practitioner_sees_the_reference_and_whom_to_ask(client, make_user, meeting, recorded):
    html = page_of(client, make_user(Role.PRACTITIONER), meeting)
    assert "Young person YP-7F3K2" in html
    assert "Harbourside CAMHS" in html and "Nia Nurse" in html and "nia@example.org" in html
    assert "Outcome recorded — ask the lead contact" in html
    assert OUTCOME not in html and "Share the plan with the school" not in html
    assert "Weekly trusted-adult sessions" not in html and "An action" in html
    assert ">JS<" not in html
    assert "Knife crime hotspots" in html  # topics are for everyone
    event = AuditEvent.objects.get(action="directory.meeting.view")
    assert event.detail == {"young_people": {"YP-7F3K2": "signpost"}}


def test_an_involved_practitioner_sees_the_outcome(client, make_user, meeting, recorded, person, people_world):
    AgencyReference.objects.create(young_person=person, agency=people_world.police, local_id="POL-1")
    html = page_of(client, make_user(Role.PRACTITIONER), meeting)
    assert OUTCOME in html and "Share the plan with the school" in html and "Weekly trusted-adult sessions" in html
    assert ">JS<" in html
    assert AuditEvent.objects.get(action="directory.meeting.view").detail == {"young_people": {"YP-7F3K2": "full"}}


def test_the_coordinator_sees_the_panel_outcome_but_not_the_record(client, coordinator, meeting, recorded):
    html = page_of(client, coordinator, meeting)
    assert OUTCOME in html and "Weekly trusted-adult sessions" in html
    assert ">JS<" not in html  # initials belong to the record, which needs involvement or break-glass
    event = AuditEvent.objects.filter(action="directory.meeting.view").get()
    assert event.detail == {"young_people": {"YP-7F3K2": "panel_outcome"}}


@pytest.mark.parametrize("role", [Role.STRATEGIC_LEAD, Role.ADMIN, Role.ANALYST, Role.MODERATOR])
def test_roles_without_records_see_no_young_person(client, make_user, meeting, recorded, role):
    html = page_of(client, make_user(role), meeting)
    assert "YP-7F3K2" not in html and OUTCOME not in html and "Nia Nurse" not in html
    assert "Item 1: A young person" in html and "Who they are is shown only to practitioners and coordinators" in html
    assert "Weekly trusted-adult sessions" not in html
    assert "Knife crime hotspots" in html
    assert not AuditEvent.objects.filter(action="directory.meeting.view").exists()


def test_the_owner_agency_sees_its_own_action_but_not_the_outcome(client, make_user, meeting, recorded, people_world):
    worker = make_user(Role.PRACTITIONER, agency_obj=people_world.council)
    html = page_of(client, worker, meeting)
    assert "Weekly trusted-adult sessions" in html and OUTCOME not in html
    action = Action.objects.get()
    assert selectors.action_can_update(worker, action)
    strategic = make_user(Role.STRATEGIC_LEAD, agency_obj=people_world.council)
    assert not selectors.action_detail_visible(strategic, action)
    with pytest.raises(PermissionDenied):
        directory.action_update(actor=strategic, action=action, status="in_progress")


def test_outcome_page_refuses_an_administrator_on_a_young_persons_item(client, admin_user, meeting, recorded):
    client.force_login(admin_user)
    url = reverse("directory:agenda-item-outcome", args=[meeting.pk, recorded.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"outcome": "Changed"}).status_code == 403
    recorded.refresh_from_db()
    assert recorded.outcome == OUTCOME


def test_involved_agencies_match_the_people_rule(people_world, person, make_young_person):
    AgencyReference.objects.create(young_person=person, agency=people_world.council, local_id="C-1")
    other = make_young_person(ref="YP-ABCDE")
    from joinedup.people.models import Involvement

    Involvement.objects.create(young_person=other, service=people_world.camhs, start=dt.date(2020, 1, 1))
    names = selectors._involved_agency_names([person, other])
    for each in (person, other):
        assert names[each.pk] == tuple(agency.name for agency in involved_agencies(each))


# --- the actions list --------------------------------------------------------------------------


def test_actions_list_filters_and_hides_what_it_should(client, make_user, recorded, board_action, people_world):
    analyst = make_user(Role.ANALYST)
    client.force_login(analyst)
    url = reverse("directory:action-list")
    html = client.get(url).content.decode()
    assert "Publish the annual report" in html and "Overdue" in html
    assert "Weekly trusted-adult sessions" not in html and "An action about a young person" in html
    html = client.get(url, {"overdue": "on"}).content.decode()
    assert "Publish the annual report" in html and "An action about a young person" not in html
    html = client.get(url, {"owner_agency": people_world.council.pk}).content.decode()
    assert "Publish the annual report" not in html and "1 action" in html
    html = client.get(url, {"status": "nonsense"}).content.decode()
    assert "Select a status from the list" in html and "Publish the annual report" in html
    assert not AuditEvent.objects.filter(action="directory.action.list").exists()
    client.force_login(make_user(Role.COORDINATOR))
    html = client.get(url).content.decode()
    assert "Weekly trusted-adult sessions" in html and "About YP-7F3K2" in html
    assert AuditEvent.objects.get(action="directory.action.list").detail == {"young_people": ["YP-7F3K2"]}


# --- due for review ----------------------------------------------------------------------------


def _item_with_review(coordinator, panel, person, meeting_date, review_date):
    meeting = Meeting.objects.filter(forum=panel, date=meeting_date).first() or directory.meeting_create(
        actor=None, forum=panel, date=meeting_date, location="Hall"
    )
    return directory.agenda_item_add(
        actor=coordinator, meeting=meeting, kind="young_person", young_person=person, review_date=review_date
    )


def test_due_for_review(coordinator, panel, make_young_person, people_world, make_user):
    old = TODAY - dt.timedelta(days=100)
    overdue = make_young_person(ref="YP-AAAAA", lead_agency=people_world.camhs_agency)
    soon = make_young_person(ref="YP-BBBBB", lead_agency=people_world.police)
    later = make_young_person(ref="YP-CCCCC")
    reviewed = make_young_person(ref="YP-DDDDD", lead_agency=people_world.police)
    today = make_young_person(ref="YP-EEEEE", lead_agency=people_world.police)
    _item_with_review(coordinator, panel, overdue, old, TODAY - dt.timedelta(days=3))
    _item_with_review(coordinator, panel, soon, old, TODAY + dt.timedelta(days=14))
    _item_with_review(coordinator, panel, later, old, TODAY + dt.timedelta(days=15))
    _item_with_review(coordinator, panel, reviewed, old, TODAY - dt.timedelta(days=1))
    _item_with_review(coordinator, panel, reviewed, TODAY + dt.timedelta(days=2), TODAY + dt.timedelta(weeks=13))
    _item_with_review(coordinator, panel, today, old, TODAY)

    (group,) = selectors.panel_reviews_due_for(coordinator)
    assert group.forum == panel
    assert [(row.person.ref, row.due) for row in group.rows] == [
        ("YP-AAAAA", "overdue"), ("YP-EEEEE", "today"), ("YP-BBBBB", "soon"),
    ]  # fmt: skip
    practitioner = make_user(Role.PRACTITIONER)  # police: lead agency of BBBBB, DDDDD and EEEEE
    (group,) = selectors.panel_reviews_due_for(practitioner)
    assert [row.person.ref for row in group.rows] == ["YP-EEEEE", "YP-BBBBB"]
    assert all(row.person.level == "full" for row in group.rows)
    assert selectors.panel_reviews_due_for(make_user(Role.STRATEGIC_LEAD)) == []

    client_html = _reviews_page(coordinator)  # a police coordinator: police lead BBBBB and EEEEE
    assert "YP-AAAAA" in client_html and "Overdue" in client_html and "Due soon" in client_html
    event = AuditEvent.objects.get(action="directory.panel_reviews.view")
    assert event.detail["young_people"] == {"YP-AAAAA": "signpost", "YP-BBBBB": "full", "YP-EEEEE": "full"}


def _reviews_page(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.get(reverse("directory:panel-reviews"))
    assert response.status_code == 200
    return response.content.decode()


# --- forms through the views -----------------------------------------------------------------


def test_agenda_form_finds_the_young_person_by_reference(client, coordinator, meeting, person):
    client.force_login(coordinator)
    url = reverse("directory:agenda-item-add", args=[meeting.pk])
    html = client.post(url, {"kind": "young_person", "young_person_ref": "YP-ZZZZZ"}).content.decode()
    assert "No young person has the reference YP-ZZZZZ: check it" in html
    html = client.post(url, {"kind": "young_person", "young_person_ref": "Jo Smith"}).content.decode()
    assert "A reference is YP- followed by 5 to 8 letters and numbers" in html
    response = client.post(url, {"kind": "young_person", "young_person_ref": "yp-7f3k2"})
    assert response.status_code == 302
    assert AgendaItem.objects.get().young_person == person


def test_admin_agenda_form_offers_no_young_person(client, admin_user, meeting, person):
    client.force_login(admin_user)
    url = reverse("directory:agenda-item-add", args=[meeting.pk])
    html = client.get(url).content.decode()
    assert "young_person_ref" not in html and 'value="young_person"' not in html
    html = client.post(url, {"kind": "young_person", "young_person_ref": "YP-7F3K2"}).content.decode()
    assert "Select a kind of item from the list" in html
    assert not AgendaItem.objects.exists()


def test_forum_page_lists_upcoming_and_past_meetings(client, make_user, panel, meeting):
    directory.meeting_create(actor=None, forum=panel, date=TODAY + dt.timedelta(days=10), location="Library")
    client.force_login(make_user(Role.STRATEGIC_LEAD))
    html = client.get(reverse("directory:forum-detail", args=[panel.pk])).content.decode()
    coming, past = html.split("Coming up</h3>")[1].split("Past meetings</h3>")
    upcoming_date = TODAY + dt.timedelta(days=10)
    assert f"{upcoming_date.day} {upcoming_date:%B %Y}" in coming
    assert f"{LAST_MONTH.day} {LAST_MONTH:%B %Y}" in past


# --- due for review against a plain oracle ---------------------------------------------------


@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),  # which young person
            st.integers(-120, 30),  # meeting day, from today
            st.one_of(st.none(), st.integers(1, 120)),  # review, days after the meeting (None: closed)
        ),
        max_size=12,
    )
)
@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_due_for_review_matches_a_plain_oracle(coordinator, panel, make_young_person, items):
    with transaction.atomic():
        people = [make_young_person(ref=f"YP-RVWX{letter}") for letter in "ABCD"]
        seen: set[tuple[int, int]] = set()
        latest: dict[int, tuple[dt.date, dt.date | None]] = {}
        for who, meeting_day, review_after in items:
            if (who, meeting_day) in seen:
                continue
            seen.add((who, meeting_day))
            meeting_date = TODAY + dt.timedelta(days=meeting_day)
            review = meeting_date + dt.timedelta(days=review_after) if review_after else None
            meeting = Meeting.objects.filter(forum=panel, date=meeting_date).first() or Meeting.objects.create(
                forum=panel, date=meeting_date, location="Hall"
            )
            AgendaItem.objects.create(
                meeting=meeting, kind="young_person", young_person=people[who], review_date=review
            )
            if who not in latest or latest[who][0] < meeting_date:
                latest[who] = (meeting_date, review)
        expected = sorted(
            (review, people[who].ref)
            for who, (_, review) in latest.items()
            if review is not None and review <= TODAY + dt.timedelta(days=14)
        )
        panels = selectors.panel_reviews_due_for(coordinator)
        got = [(row.item.review_date, row.person.ref) for panel_rows in panels for row in panel_rows.rows]
        assert got == expected
        transaction.set_rollback(True)


def test_an_administrator_is_not_offered_a_young_persons_item(client, admin_user, meeting, recorded):
    client.force_login(admin_user)
    for name in ("decision-add", "action-add"):
        url = reverse(f"directory:{name}", args=[meeting.pk])
        html = client.get(url).content.decode()
        assert "Item 2: Knife crime hotspots" in html and "Item 1:" not in html
        html = client.post(url, {"text": "x", "title": "x", "agenda_item": str(recorded.pk)}).content.decode()
        assert "Select an item from this meeting’s agenda" in html


def test_the_outcome_and_action_pages_are_audited_views_of_the_young_person(
    client, coordinator, make_user, meeting, recorded, people_world
):
    client.force_login(coordinator)
    assert client.get(reverse("directory:agenda-item-outcome", args=[meeting.pk, recorded.pk])).status_code == 200
    event = AuditEvent.objects.get(action="directory.agenda_item.view")
    assert event.detail == {"young_people": {"YP-7F3K2": "panel_outcome"}}
    worker = make_user(Role.PRACTITIONER, agency_obj=people_world.council)
    client.force_login(worker)
    action = Action.objects.get()
    assert client.get(reverse("directory:action-update", args=[action.pk])).status_code == 200
    viewed = AuditEvent.objects.get(action="directory.action.view")
    assert viewed.detail == {"young_people": ["YP-7F3K2"]} and viewed.actor_id == worker.pk
