"""What gets audited, and that every event carries who, where, what, when, outcome and request."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from joinedup.platform.access import Role
from joinedup.platform.audit import audit_verify
from joinedup.platform.models import AuditEvent
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def only_event(action: str) -> AuditEvent:
    events = list(AuditEvent.objects.filter(action=action))
    assert len(events) == 1, [str(e) for e in AuditEvent.objects.all()]
    return events[0]


def assert_complete(event: AuditEvent, response, *, actor=None) -> None:
    """Every field the trail promises, filled in and consistent with the request."""
    assert event.action.count(".") >= 2
    assert event.outcome in {"success", "failure", "denied"}
    assert event.occurred_at.utcoffset() == timedelta(0)
    assert abs(timezone.now() - event.occurred_at) < timedelta(minutes=1)
    assert event.request_id and event.request_id == response["X-Request-ID"]
    assert event.object_type
    if actor is not None:
        assert event.actor_id == actor.pk
        assert event.actor_label == actor.email
        assert event.agency_id == actor.agency_id
        assert event.agency_label == str(actor.agency)
        assert event.role == actor.role


def test_sign_in_is_audited(client, make_user):
    user = make_user(Role.COORDINATOR)
    response = client.post("/sign-in/", {"username": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    event = only_event("accounts.session.sign_in")
    assert_complete(event, response, actor=user)
    assert (event.object_type, event.object_id) == ("accounts.user", str(user.pk))
    assert event.outcome == "success"


def test_failed_sign_in_is_audited_without_the_password(client, make_user):
    user = make_user(Role.PRACTITIONER)
    wrong = "Wrong-Horse-Battery-Staple-99"
    response = client.post("/sign-in/", {"username": user.email, "password": wrong})
    assert response.status_code == 200
    event = only_event("accounts.session.sign_in_failed")
    assert event.outcome == "failure"
    assert event.actor_id is None and event.actor_label == user.email
    assert event.request_id == response["X-Request-ID"]
    # The password tried is nowhere in the row, in any field.
    row = AuditEvent.objects.filter(pk=event.pk).values().get()
    flat = json.dumps(row, default=str)
    assert wrong not in flat and wrong.lower() not in flat.lower()
    assert TEST_PASSWORD not in flat
    assert "password" not in json.dumps(event.detail).lower()


def test_sign_out_is_audited(client, make_user):
    user = make_user(Role.ANALYST)
    client.post("/sign-in/", {"username": user.email, "password": TEST_PASSWORD})
    response = client.post("/sign-out/")
    assert response.status_code == 302
    event = only_event("accounts.session.sign_out")
    assert_complete(event, response, actor=user)


def test_denied_request_is_audited(client, make_user):
    user = make_user(Role.PRACTITIONER)
    client.force_login(user)
    response = client.get("/audit/")
    assert response.status_code == 403
    event = only_event("platform.request.denied")
    assert_complete(event, response, actor=user)
    assert event.outcome == "denied"
    assert event.object_id == "/audit/"
    assert event.detail == {"method": "GET", "path": "/audit/", "status": 403}


def test_a_caller_cannot_choose_its_request_id(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/audit/", headers={"X-Request-ID": "someone-elses-request-id"})
    assert response["X-Request-ID"] != "someone-elses-request-id"
    assert only_event("governance.audit.view").request_id == response["X-Request-ID"]


def test_every_event_of_a_session_is_complete_and_the_chain_holds(client, admin_user):
    responses = [
        client.post("/sign-in/", {"username": admin_user.email, "password": TEST_PASSWORD}),
        client.get("/audit/?action=accounts"),
        client.post("/audit/verify/"),
        client.post("/sign-out/"),
    ]
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.action for e in events] == [
        "accounts.session.sign_in",
        "governance.audit.view",
        "governance.audit.verify",
        "accounts.session.sign_out",
    ]
    for event, response in zip(events, responses, strict=True):
        assert_complete(event, response, actor=admin_user)
    assert len({e.request_id for e in events}) == 4
    assert audit_verify().ok


def test_times_are_stored_in_utc(admin_user):
    from joinedup.platform.audit import audit_record

    event = audit_record(actor=admin_user, action="tests.time.check")
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.occurred_at == event.occurred_at
    assert stored.occurred_at.astimezone(UTC).isoformat() == event.occurred_at.isoformat()
    assert event.occurred_at.tzinfo is UTC or event.occurred_at.utcoffset() == timedelta(0)
