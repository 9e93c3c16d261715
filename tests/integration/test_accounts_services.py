"""Account services: atomic, audited, with the rules that protect the partnership."""

from __future__ import annotations

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from joinedup.accounts import services
from joinedup.accounts.models import ApiToken, User, hash_token
from joinedup.platform.access import Role
from joinedup.platform.models import AuditEvent
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def events(action: str):
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def messages_of(exc_info) -> str:
    return " ".join(exc_info.value.messages)


# --- create ---------------------------------------------------------------------------------


def test_user_create_sends_a_set_password_link_and_is_audited(admin_user, agency, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_create(
            actor=admin_user,
            email=" New.Person@Example.org ",
            full_name="New Person",
            role=Role.PRACTITIONER,
            agency=agency,
            job_title="Youth worker",
            base_url="https://joinedup.example.org/",
        )
    user.refresh_from_db()
    assert user.email == "new.person@example.org"
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.org"]
    assert "Set your password" in message.subject
    link = next(line for line in message.body.splitlines() if line.startswith("https://joinedup.example.org/"))
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert default_token_generator.check_token(user, token)
    (event,) = events("accounts.user.create")
    assert event.actor_id == admin_user.pk and event.object_id == str(user.pk)
    assert event.detail == {"email": "new.person@example.org", "role": "practitioner", "agency_id": agency.pk}


def test_set_password_link_from_the_invitation_works(admin_user, agency, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_create(
            actor=admin_user, email="invitee@example.org", full_name="Invitee", role=Role.ANALYST, agency=agency
        )
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "a-long-unusual-phrase-77", "new_password2": "a-long-unusual-phrase-77"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-long-unusual-phrase-77")


def test_duplicate_email_fails_with_no_audit_and_no_email(admin_user, agency, django_capture_on_commit_callbacks):
    existing = admin_user.email.upper()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as exc:
        services.user_create(actor=admin_user, email=existing, full_name="Twin", role=Role.ANALYST, agency=agency)
    assert exc.value.message_dict == {"email": ["There is already a user with this email address"]}
    assert events("accounts.user.create") == []
    assert mail.outbox == []


def test_non_admin_cannot_create_users(users, agency):
    with pytest.raises(PermissionDenied):
        services.user_create(
            actor=users[Role.COORDINATOR], email="x@example.org", full_name="X", role=Role.ADMIN, agency=agency
        )
    assert not User.objects.filter(email="x@example.org").exists()
    assert events("accounts.user.create") == []


def test_a_failed_audit_rolls_back_the_create(admin_user, agency, monkeypatch):
    def broken_audit(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        services.user_create(
            actor=admin_user, email="ghost@example.org", full_name="Ghost", role=Role.ANALYST, agency=agency
        )
    assert not User.objects.filter(email="ghost@example.org").exists()


# --- update -----------------------------------------------------------------------------------


def test_user_update_records_only_what_changed(admin_user, make_user, other_agency):
    user = make_user(Role.PRACTITIONER)
    services.user_update(
        actor=admin_user, user=user, role=Role.COORDINATOR, agency=other_agency, full_name=user.full_name
    )
    user.refresh_from_db()
    assert (user.role, user.agency_id) == (Role.COORDINATOR, other_agency.pk)
    (event,) = events("accounts.user.update")
    assert event.detail["changed"]["role"] == ["practitioner", "coordinator"]
    assert event.detail["changed"]["agency_id"][1] == other_agency.pk
    assert "full_name" not in event.detail["changed"]


def test_user_update_with_no_change_writes_no_audit(admin_user, make_user):
    user = make_user()
    services.user_update(actor=admin_user, user=user, full_name=user.full_name, role=user.role)
    assert events("accounts.user.update") == []


def test_admin_cannot_change_their_own_role(admin_user):
    with pytest.raises(ValidationError) as exc:
        services.user_update(actor=admin_user, user=admin_user, role=Role.ANALYST)
    assert "your own role" in messages_of(exc)
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN
    assert events("accounts.user.update") == []


def test_update_rejects_an_email_another_user_has(admin_user, make_user):
    user = make_user()
    with pytest.raises(ValidationError) as exc:
        services.user_update(actor=admin_user, user=user, email=admin_user.email.upper())
    assert "email" in exc.value.message_dict


# --- deactivate, reactivate, last admin ---------------------------------------------------------


def test_deactivate_and_reactivate_are_audited(admin_user, make_user):
    user = make_user()
    services.user_deactivate(actor=admin_user, user=user)
    user.refresh_from_db()
    assert not user.is_active
    services.user_reactivate(actor=admin_user, user=user)
    user.refresh_from_db()
    assert user.is_active
    assert len(events("accounts.user.deactivate")) == 1
    assert len(events("accounts.user.reactivate")) == 1


def test_admin_cannot_deactivate_themselves(admin_user):
    with pytest.raises(ValidationError) as exc:
        services.user_deactivate(actor=admin_user, user=admin_user)
    assert messages_of(exc) == "You cannot deactivate your own account. Ask another administrator."
    admin_user.refresh_from_db()
    assert admin_user.is_active
    assert events("accounts.user.deactivate") == []


def test_the_last_active_admin_cannot_be_deactivated(make_user):
    """Two admins deactivating each other at once: the second, acting on a stale view of
    itself, must not leave the partnership with no administrator."""
    first = make_user(Role.ADMIN, full_name="Ada Admin")
    second = make_user(Role.ADMIN, full_name="Bo Admin")
    services.user_deactivate(actor=first, user=second)
    # ``second`` still holds its in-memory, active self (as a request already under way would).
    with pytest.raises(ValidationError) as exc:
        services.user_deactivate(actor=second, user=first)
    assert messages_of(exc).startswith("Ada Admin is the only active partnership administrator.")
    first.refresh_from_db()
    assert first.is_active
    assert len(events("accounts.user.deactivate")) == 1


def test_the_last_active_admin_cannot_lose_the_admin_role(make_user):
    first = make_user(Role.ADMIN, full_name="Ada Admin")
    second = make_user(Role.ADMIN, full_name="Bo Admin")
    services.user_update(actor=first, user=second, role=Role.ANALYST)
    with pytest.raises(ValidationError) as exc:
        services.user_update(actor=second, user=first, role=Role.ANALYST)
    assert "only active partnership administrator" in messages_of(exc)
    first.refresh_from_db()
    assert first.role == Role.ADMIN


def test_an_admin_can_be_demoted_while_another_remains(make_user):
    first = make_user(Role.ADMIN)
    second = make_user(Role.ADMIN)
    services.user_update(actor=first, user=second, role=Role.MODERATOR)
    second.refresh_from_db()
    assert second.role == Role.MODERATOR


def test_deactivating_an_inactive_user_is_refused(admin_user, make_user):
    user = make_user(is_active=False)
    with pytest.raises(ValidationError, match="already deactivated"):
        services.user_deactivate(actor=admin_user, user=user)
    with pytest.raises(ValidationError, match="already active"):
        services.user_reactivate(actor=admin_user, user=admin_user)


# --- password change ----------------------------------------------------------------------------


def test_password_change_happy_path_is_audited_without_secrets(make_user):
    user = make_user()
    services.user_password_change(actor=user, old_password=TEST_PASSWORD, new_password="tidal-lighthouse-orbit-19")
    user.refresh_from_db()
    assert user.check_password("tidal-lighthouse-orbit-19")
    (event,) = events("accounts.user.password_change")
    dumped = str(event.detail) + event.object_repr
    assert "tidal" not in dumped and TEST_PASSWORD not in dumped and user.password not in dumped


@pytest.mark.parametrize(
    ("new_password", "words"),
    [
        ("elevenchars", "at least 12 characters"),  # 11 characters
        ("password1234", "too common"),
        ("184736291047", "entirely numeric"),
    ],
)
def test_weak_passwords_are_rejected(make_user, new_password, words):
    user = make_user()
    with pytest.raises(ValidationError) as exc:
        services.user_password_change(actor=user, old_password=TEST_PASSWORD, new_password=new_password)
    assert words in " ".join(exc.value.message_dict["new_password"])
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
    assert events("accounts.user.password_change") == []


def test_twelve_characters_is_enough(make_user):
    user = make_user()
    services.user_password_change(actor=user, old_password=TEST_PASSWORD, new_password="qz7-wavy-owl")
    user.refresh_from_db()
    assert user.check_password("qz7-wavy-owl")


def test_wrong_current_password_is_rejected(make_user):
    user = make_user()
    with pytest.raises(ValidationError) as exc:
        services.user_password_change(actor=user, old_password="not-it", new_password="tidal-lighthouse-orbit-19")
    assert exc.value.message_dict == {"old_password": ["Your current password is incorrect"]}


# --- API tokens ---------------------------------------------------------------------------------


def test_token_create_stores_only_the_hash(make_user):
    user = make_user()
    token, raw = services.api_token_create(actor=user, name="  Monthly report  ")
    assert token.name == "Monthly report"
    assert raw.startswith(f"{token.prefix}_") and len(raw) > 50
    assert token.token_hash == hash_token(raw) and raw not in token.token_hash
    (event,) = events("accounts.apitoken.create")
    assert raw not in str(event.detail) and token.token_hash not in str(event.detail)
    assert event.detail == {"name": "Monthly report", "prefix": token.prefix}


def test_two_tokens_never_share_a_secret(make_user):
    user = make_user()
    raws = {services.api_token_create(actor=user, name=f"t{i}")[1] for i in range(5)}
    assert len(raws) == 5


def test_at_most_ten_active_tokens(make_user):
    user = make_user()
    tokens = [services.api_token_create(actor=user, name=f"t{i}")[0] for i in range(10)]
    with pytest.raises(ValidationError, match="10 active tokens"):
        services.api_token_create(actor=user, name="eleventh")
    assert len(events("accounts.apitoken.create")) == 10
    services.api_token_revoke(actor=user, token=tokens[0])
    services.api_token_create(actor=user, name="eleventh")
    assert ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() == 10


def test_blank_token_name_is_refused(make_user):
    with pytest.raises(ValidationError) as exc:
        services.api_token_create(actor=make_user(), name="   ")
    assert exc.value.message_dict == {"name": ["Enter a name for the token"]}


def test_only_the_owner_or_an_admin_can_revoke(make_user, admin_user):
    owner = make_user()
    other = make_user(Role.COORDINATOR)
    token, _raw = services.api_token_create(actor=owner, name="script")
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=other, token=token)
    token.refresh_from_db()
    assert token.revoked_at is None
    services.api_token_revoke(actor=admin_user, token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None
    (event,) = events("accounts.apitoken.revoke")
    assert event.actor_id == admin_user.pk and event.detail["owner_id"] == owner.pk
    with pytest.raises(ValidationError, match="already been revoked"):
        services.api_token_revoke(actor=owner, token=token)
    assert len(events("accounts.apitoken.revoke")) == 1


def test_audit_chain_still_verifies_after_account_changes(admin_user, make_user):
    from joinedup.platform.audit import audit_verify

    user = make_user()
    services.user_update(actor=admin_user, user=user, job_title="Nurse")
    token, _ = services.api_token_create(actor=user, name="x")
    services.api_token_revoke(actor=user, token=token)
    services.user_deactivate(actor=admin_user, user=user)
    assert audit_verify().ok
