"""Harbourside's meetings: every forum has met and meets again, with attendance, decisions,
actions (some done, some overdue) and the panels' young people, some due for review."""

from __future__ import annotations

import datetime as dt

import pytest

from joinedup.accounts.models import User
from joinedup.demo.meetings import meeting_dates
from joinedup.demo.services import demo_partnership_load
from joinedup.directory import selectors
from joinedup.directory.models import (
    Action,
    ActionStatus,
    AgendaItem,
    AgendaItemKind,
    Forum,
    ForumFrequency,
    Meeting,
    MeetingStatus,
)
from joinedup.people.models import AgencyReference

pytestmark = pytest.mark.django_db


def test_meeting_dates_follow_each_forums_rhythm():
    as_of = dt.date(2026, 11, 24)
    mace = meeting_dates("mace-panel", ForumFrequency.MONTHLY, as_of)
    assert all(day.weekday() == 1 and 8 <= day.day <= 14 for day in mace)  # the second Tuesday
    assert [day for day in mace if day > as_of] == [dt.date(2026, 12, 8)]
    board = meeting_dates("partnership-board", ForumFrequency.QUARTERLY, as_of)
    assert len(board) == 3 and board[-1] > as_of
    subgroup = meeting_dates("exploitation-subgroup", ForumFrequency.SIX_WEEKLY, as_of)
    assert {(b - a).days for a, b in zip(subgroup, subgroup[1:], strict=False)} == {42}


def test_the_demo_has_months_of_meetings_and_panel_reviews():
    demo_partnership_load(seed=1, young_people=150)
    today = dt.date.today()
    for forum in Forum.objects.all():
        meetings = list(forum.meetings.order_by("date"))
        assert len(meetings) >= 3, forum.code
        assert meetings[-1].date > today and meetings[-1].status == MeetingStatus.PLANNED
        for meeting in meetings[:-1]:
            assert meeting.status == MeetingStatus.HELD
            assert meeting.attendance.count() == forum.memberships.count()
            assert meeting.agenda_items.exclude(outcome="").exists()
        for meeting in meetings:
            meeting.full_clean()

    assert Action.objects.filter(status=ActionStatus.DONE).exclude(evidence="").exists()
    assert Action.objects.overdue(today).count() >= 5
    for action in Action.objects.all():
        action.full_clean()

    mace_items = AgendaItem.objects.filter(meeting__forum__code="mace-panel", kind=AgendaItemKind.YOUNG_PERSON)
    assert mace_items.count() >= 10
    known_to_mace = set(
        AgencyReference.objects.filter(local_id__startswith="MACE-").values_list("young_person_id", flat=True)
    )
    assert set(mace_items.values_list("young_person_id", flat=True)) <= known_to_mace
    assert not AgendaItem.objects.filter(
        kind=AgendaItemKind.YOUNG_PERSON, meeting__forum__kind__in=["board", "subgroup", "community_forum"]
    ).exists()
    assert AgendaItem.objects.filter(meeting__forum__code="transitions-panel", kind=AgendaItemKind.YOUNG_PERSON)
    assert mace_items.filter(meeting__date__gt=today).exists()  # reviews booked at the next panel

    coordinator = User.objects.get(email="coordinator@harbourside.example")
    due = {panel.forum.code: panel.rows for panel in selectors.panel_reviews_due_for(coordinator)}
    assert due.get("mace-panel"), "the coordinator has MACE reviews due"
    for row in due["mace-panel"]:
        assert row.person.level == "full"  # the coordinator's agency holds their MACE reference
    assert Meeting.objects.filter(forum__code="mace-panel").count() >= 5


def test_rebuilding_replaces_the_meetings():
    demo_partnership_load(seed=2, young_people=0)
    first = Meeting.objects.count()
    assert first and not AgendaItem.objects.filter(kind=AgendaItemKind.YOUNG_PERSON).exists()
    demo_partnership_load(seed=2, young_people=0, replace=True)
    assert Meeting.objects.count() == first
