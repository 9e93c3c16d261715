"""The audit trail pages: admin only, filters, validation, pagination, detail, checking the
trail, and every view of the trail is itself audited."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from joinedup.governance import selectors
from joinedup.governance.selectors import AuditFilters
from joinedup.platform.access import Role
from joinedup.platform.audit import audit_record, audit_verify, compute_hash
from joinedup.platform.db_triggers import install_append_only_triggers, remove_append_only_triggers
from joinedup.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

LIST = reverse("governance:audit-list")
VERIFY = reverse("governance:audit-verify")


@pytest.fixture
def admin_client(client, admin_user):
    """Signed in as the administrator: signing in is itself event 1."""
    client.force_login(admin_user)
    assert AuditEvent.objects.get(seq=1).action == "accounts.session.sign_in"
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def rows(response) -> list[str]:
    body = response.content.decode().split('<tbody class="govuk-table__body">', 1)
    if len(body) < 2:
        return []
    return re.findall(r'href="/audit/(\d+)/"', body[1].split("</tbody>")[0])


def at(event: AuditEvent, when: datetime) -> None:
    """Move an event in time (tests only: lift the triggers, rehash, put the triggers back)."""
    from django.db import connection

    event.occurred_at = when
    remove_append_only_triggers(connection)
    AuditEvent.objects.filter(pk=event.pk).update(occurred_at=when, hash=compute_hash(event))
    install_append_only_triggers(connection)


# --- who may see it -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r.value for r in Role if r != Role.ADMIN])
def test_other_roles_are_refused(client, make_user, role):
    client.force_login(make_user(role))
    event = audit_record(actor=None, action="tests.viewer.seen")
    for response in (
        client.get(LIST),
        client.get(reverse("governance:audit-detail", args=[event.seq])),
        client.post(VERIFY),
    ):
        assert response.status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="governance.audit").exists()
    assert AuditEvent.objects.filter(action="platform.request.denied", role=role).count() == 3


def test_anonymous_is_sent_to_sign_in(client):
    for url in (LIST, reverse("governance:audit-detail", args=[1])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/?next=")
    response = client.post(VERIFY)
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_selectors_show_nothing_to_other_roles(make_user):
    audit_record(actor=None, action="tests.viewer.seen")
    practitioner = make_user(Role.PRACTITIONER)
    assert not selectors.audit_events_for(practitioner).exists()
    assert selectors.audit_event_for(practitioner, 1) is None
    assert selectors.audit_neighbours_for(practitioner, AuditEvent.objects.get(seq=1)) == (None, None)


def test_verify_is_post_only(admin_client):
    assert admin_client.get(VERIFY).status_code == 405


# --- the list ---------------------------------------------------------------------------------


def test_list_shows_events_newest_first_with_every_column(admin_client, admin_user):
    first = audit_record(
        actor=admin_user,
        action="accounts.user.create",
        object_type="accounts.user",
        object_id=7,
        object_repr="jo@example.org",
    )
    audit_record(actor=None, action="accounts.session.sign_in_failed", outcome="failure", actor_label="who@example.org")
    response = admin_client.get(LIST)
    assert response.status_code == 200
    page = text(response)
    # Newest first: the view of the page itself is recorded before the page is read.
    assert rows(response) == ["4", "3", "2", "1"]
    assert "Partnership administrator" in page and admin_user.email in page and "Harbourside Police" in page
    assert "accounts.user 7" in page and "jo@example.org" in page
    assert '<strong class="govuk-tag govuk-tag--green">Success</strong>' in page
    assert '<strong class="govuk-tag govuk-tag--red">Failure</strong>' in page
    assert first.request_id == "" or first.request_id in page
    view = AuditEvent.objects.get(seq=4)
    assert view.request_id == response["X-Request-ID"] and view.request_id in page
    assert "Check the trail" in page


def test_times_are_shown_in_london_time(admin_client):
    event = audit_record(actor=None, action="tests.viewer.summer")
    at(event, datetime(2025, 7, 1, 11, 30, 5, tzinfo=UTC))  # 12:30:05 BST
    winter = audit_record(actor=None, action="tests.viewer.winter")
    at(winter, datetime(2025, 1, 15, 11, 30, 5, tzinfo=UTC))  # 11:30:05 GMT
    page = text(admin_client.get(LIST))
    assert "1 Jul 2025 12:30:05" in page
    assert "15 Jan 2025 11:30:05" in page


def test_viewing_the_list_is_audited_with_the_filters(admin_client, admin_user):
    admin_client.get(LIST, {"action": "accounts.", "outcome": "failure", "date_from": "1/1/2025", "actor": ""})
    event = AuditEvent.objects.get(action="governance.audit.view")
    assert event.actor_id == admin_user.pk
    assert event.detail == {
        "filters": {"action": "accounts.", "outcome": "failure", "date_from": "2025-01-01"},
        "page": "1",
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor": "ALICE"}, {"2", "4"}),
        ({"action": "accounts.user"}, {"2", "3"}),
        ({"action": "accounts.user.upd"}, {"3"}),
        ({"outcome": "denied"}, {"4"}),
        ({"object_type": "accounts.user", "object_id": "9"}, {"3"}),
        ({"actor": "alice", "outcome": "success"}, {"2"}),
    ],
)
def test_filters(admin_client, query, expected):
    audit_record(
        actor=None,
        actor_label="alice@example.org",
        action="accounts.user.create",
        object_type="accounts.user",
        object_id=8,
    )
    audit_record(
        actor=None,
        actor_label="bob@example.org",
        action="accounts.user.update",
        object_type="accounts.user",
        object_id=9,
    )
    audit_record(actor=None, actor_label="alice@example.org", action="platform.request.denied", outcome="denied")
    response = admin_client.get(LIST, query)
    assert set(rows(response)) == expected
    assert "that match the filters" in text(response)
    assert "Clear filters" in text(response)


def test_date_filters_use_whole_london_days(admin_client):
    for seq_when in (
        datetime(2025, 6, 30, 22, 59, 59, tzinfo=UTC),  # 30 June 23:59:59 BST
        datetime(2025, 6, 30, 23, 0, 0, tzinfo=UTC),  # 1 July 00:00 BST
        datetime(2025, 7, 1, 22, 59, 59, tzinfo=UTC),  # 1 July 23:59:59 BST
        datetime(2025, 7, 1, 23, 0, 0, tzinfo=UTC),  # 2 July 00:00 BST
    ):
        at(audit_record(actor=None, action="tests.viewer.dated"), seq_when)
    response = admin_client.get(LIST, {"date_from": "1/7/2025", "date_to": "01/07/2025"})
    assert set(rows(response)) == {"3", "4"}
    response = admin_client.get(LIST, {"date_from": "2025-07-01"})
    # 1 is signing in, 6 and 7 the two views of this page: all today.
    assert set(rows(response)) == {"1", "3", "4", "5", "6", "7"}


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"date_from": "31/2/2025"}, "date_from", "Date from must be a real date, like 27/3/2025"),
        ({"date_to": "yesterday"}, "date_to", "Date to must be a real date, like 27/3/2025"),
        ({"date_from": "1/1/2999"}, "date_from", "Date from must be today or in the past"),
        ({"date_to": "1/1/2999"}, "date_to", "Date to must be today or in the past"),
        ({"date_from": "2/3/2025", "date_to": "1/3/2025"}, "date_to", "Date to must be the same as or after date from"),
        ({"outcome": "maybe"}, "outcome", "Select an outcome from the list"),
        ({"action": "a" * 101}, "action", "Action must be 100 characters or fewer"),
    ],
)
def test_bad_filters_get_specific_messages(admin_client, query, field, message):
    audit_record(actor=None, action="tests.viewer.any")
    response = admin_client.get(LIST, query)
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert f'<a href="#id_{field}">{message}</a>' in page
    assert f'<p id="id_{field}-error" class="govuk-error-message">' in page
    assert "<title>Audit trail (error)" in page
    assert "Correct the filters to see events." in page
    assert rows(response) == []
    # A refused filter is not a view of the trail.
    assert not AuditEvent.objects.filter(action="governance.audit.view").exists()


def test_pagination(admin_client):
    for i in range(120):
        audit_record(actor=None, action=f"tests.viewer.e{i}")
    first = admin_client.get(LIST, {"action": "tests.viewer"})
    assert rows(first) == [str(s) for s in range(121, 71, -1)]
    page = text(first)
    assert "Showing 1 to 50 of 120 events that match the filters" in page
    assert 'aria-label="Page 1" aria-current="page"' in page
    assert 'href="?action=tests.viewer&amp;page=2" rel="next"' in page
    assert 'rel="prev"' not in page
    last = admin_client.get(LIST, {"action": "tests.viewer", "page": "3"})
    assert rows(last) == [str(s) for s in range(21, 1, -1)]
    assert 'href="?action=tests.viewer&amp;page=2" rel="prev"' in text(last)
    assert 'rel="next"' not in text(last)
    # Out-of-range or nonsense page numbers land on a real page, not an error.
    assert rows(admin_client.get(LIST, {"action": "tests.viewer", "page": "99"})) == rows(last)
    assert rows(admin_client.get(LIST, {"action": "tests.viewer", "page": "x"})) == rows(first)


def test_no_matches(admin_client):
    assert "No events match these filters." in text(admin_client.get(LIST, {"action": "nothing.like.this"}))


def test_selector_filters_directly(admin_user):
    audit_record(actor=admin_user, action="accounts.user.create")
    audit_record(actor=None, action="accounts.user.create", outcome="failure")
    qs = selectors.audit_events_for(admin_user, AuditFilters(actor=admin_user.email[:5], outcome="success"))
    assert list(qs.values_list("seq", flat=True)) == [1]
    assert AuditFilters(action="x", date_from=datetime(2025, 1, 2).date()).used() == {
        "action": "x",
        "date_from": "2025-01-02",
    }


# --- the detail page --------------------------------------------------------------------------


def test_detail_shows_every_field_and_is_audited(admin_client, admin_user):
    audit_record(actor=None, action="tests.viewer.before")
    event = audit_record(
        actor=admin_user,
        action="accounts.user.update",
        object_type="accounts.user",
        object_id=12,
        object_repr="sam@example.org",
        outcome="denied",
        detail={"changed": ["role"], "reason": "<script>alert(1)</script>"},
    )
    audit_record(actor=None, action="tests.viewer.after")
    response = admin_client.get(reverse("governance:audit-detail", args=[event.seq]))
    assert response.status_code == 200
    page = text(response)
    for value in (
        "Event 3: accounts.user.update",
        admin_user.email,
        str(admin_user.pk),
        "Harbourside Police",
        str(admin_user.agency_id),
        "Partnership administrator",
        "accounts.user",
        "sam@example.org",
        '<strong class="govuk-tag govuk-tag--orange">Denied</strong>',
        event.prev_hash,
        event.hash,
        event.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
        "&quot;changed&quot;",
        "&lt;script&gt;",
        'href="/audit/2/"',
        'href="/audit/4/"',
    ):
        assert value in page, value
    assert "<script>alert" not in page
    viewed = AuditEvent.objects.get(action="governance.audit.view")
    assert (viewed.object_type, viewed.object_id, viewed.actor_id) == ("platform.auditevent", "3", admin_user.pk)
    assert viewed.request_id == response["X-Request-ID"]


def test_detail_of_a_missing_event_is_not_found(admin_client):
    assert admin_client.get(reverse("governance:audit-detail", args=[999])).status_code == 404


# --- checking the trail -------------------------------------------------------------------------


def test_check_the_trail_when_intact(admin_client, admin_user):
    audit_record(actor=None, action="tests.viewer.one")
    response = admin_client.post(VERIFY, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    page = text(response)
    assert "govuk-notification-banner--success" in page
    assert "Audit trail intact: 2 events checked" in page
    check = AuditEvent.objects.get(action="governance.audit.verify")
    assert check.actor_id == admin_user.pk and check.outcome == "success"
    assert check.detail == {"ok": True, "checked": 2, "first_bad_seq": None, "reason": ""}
    assert audit_verify().ok


def test_check_the_trail_when_tampered(admin_client):
    from django.db import connection

    for i in range(4):
        audit_record(actor=None, action=f"tests.viewer.e{i}")
    remove_append_only_triggers(connection)
    AuditEvent.objects.filter(seq=3).update(object_repr="changed")
    install_append_only_triggers(connection)
    response = admin_client.post(VERIFY, follow=True)
    page = text(response)
    assert "govuk-notification-banner--success" not in page
    assert "govuk-notification-banner" in page
    assert "Audit trail broken at event 3 (tests.viewer.e1 at " in page
    assert "does not match its hash" in page
    check = AuditEvent.objects.get(action="governance.audit.verify")
    assert check.outcome == "failure" and check.detail["first_bad_seq"] == 3
