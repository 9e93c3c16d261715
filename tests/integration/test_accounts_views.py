"""Account pages: who may open them, and that each form does what it says."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from joinedup.accounts import services
from joinedup.accounts.models import ApiToken, User, hash_token
from joinedup.platform.access import Role
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db

NON_ADMIN_ROLES = [r.value for r in Role if r != Role.ADMIN]


def signed_in(client, user):
    client.force_login(user)
    return client


def admin_urls(target_pk: int) -> list[str]:
    return [
        reverse("accounts:user-list"),
        reverse("accounts:user-add"),
        reverse("accounts:user-detail", args=[target_pk]),
        reverse("accounts:user-edit", args=[target_pk]),
        reverse("accounts:user-deactivate", args=[target_pk]),
        reverse("accounts:user-reactivate", args=[target_pk]),
    ]


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_non_admins_get_403_on_every_user_page(client, users, role):
    signed_in(client, users[role])
    target = users[Role.PRACTITIONER]
    for url in admin_urls(target.pk):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"full_name": "x"}).status_code == 403, url
    target.refresh_from_db()
    assert target.is_active


def test_anonymous_users_are_sent_to_sign_in(client, users):
    for url in [*admin_urls(users[Role.ADMIN].pk), reverse("accounts:account"), reverse("accounts:token-list")]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/"), url


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_role_has_an_account_page_and_tokens_page(client, users, role):
    user = users[role]
    signed_in(client, user)
    account = client.get(reverse("accounts:account")).content.decode()
    assert user.email in account and user.role_label in account and user.agency.name in account
    assert reverse("accounts:password-change") in account and reverse("accounts:token-list") in account
    assert client.get(reverse("accounts:token-list")).status_code == 200
    assert client.get(reverse("accounts:password-change")).status_code == 200


def test_user_list_filters_by_role_and_agency(client, admin_user, make_user, other_agency):
    make_user(Role.ANALYST, full_name="Ann Analyst")
    make_user(Role.ANALYST, agency_obj=other_agency, full_name="Otto Other")
    make_user(Role.MODERATOR, agency_obj=other_agency, full_name="Mo Moderator")
    signed_in(client, admin_user)
    page = client.get(reverse("accounts:user-list")).content.decode()
    assert all(name in page for name in ["Ann Analyst", "Otto Other", "Mo Moderator", admin_user.full_name])
    page = client.get(reverse("accounts:user-list"), {"role": "analyst"}).content.decode()
    assert "Ann Analyst" in page and "Otto Other" in page and "Mo Moderator" not in page
    page = client.get(reverse("accounts:user-list"), {"role": "analyst", "agency": other_agency.pk}).content.decode()
    assert "Otto Other" in page and "Ann Analyst" not in page and "Mo Moderator" not in page


def test_add_user_creates_and_emails_without_a_password_field(
    client, admin_user, agency, django_capture_on_commit_callbacks
):
    signed_in(client, admin_user)
    form_page = client.get(reverse("accounts:user-add")).content.decode()
    assert 'type="password"' not in form_page
    assert "Sees in full only the young people their agency works with." in form_page  # role descriptions
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:user-add"),
            {"full_name": "Pat New", "email": "pat@example.org", "role": "analyst", "agency": agency.pk},
        )
    user = User.objects.get(email="pat@example.org")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:user-detail", args=[user.pk])
    assert len(mail.outbox) == 1 and "http://testserver/password-reset/" in mail.outbox[0].body
    assert not user.has_usable_password()


def test_add_user_shows_errors(client, admin_user):
    signed_in(client, admin_user)
    response = client.post(reverse("accounts:user-add"), {"email": admin_user.email.upper(), "role": "wizard"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    for words in ["Enter the person&#x27;s full name", "Select a role", "Select the agency the person works for"]:
        assert words in page
    response = client.post(
        reverse("accounts:user-add"),
        {"full_name": "Twin", "email": admin_user.email.upper(), "role": "analyst", "agency": admin_user.agency_id},
    )
    assert "There is already a user with this email address" in response.content.decode()
    assert User.objects.filter(full_name="Twin").count() == 0


def test_edit_user_changes_role_and_agency(client, admin_user, make_user, other_agency):
    user = make_user(Role.PRACTITIONER)
    signed_in(client, admin_user)
    response = client.post(
        reverse("accounts:user-edit", args=[user.pk]),
        {"full_name": "Renamed", "email": user.email, "role": "coordinator", "agency": other_agency.pk},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.role, user.agency_id) == ("Renamed", "coordinator", other_agency.pk)


def test_admin_editing_themselves_cannot_change_role(client, admin_user):
    signed_in(client, admin_user)
    page = client.get(reverse("accounts:user-edit", args=[admin_user.pk])).content.decode()
    assert "You cannot change your own role" in page
    client.post(
        reverse("accounts:user-edit", args=[admin_user.pk]),
        {"full_name": "Still Admin", "email": admin_user.email, "role": "analyst", "agency": admin_user.agency_id},
    )
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN and admin_user.full_name == "Still Admin"


def test_deactivate_needs_a_post_after_a_confirmation_page(client, admin_user, make_user):
    user = make_user()
    signed_in(client, admin_user)
    url = reverse("accounts:user-deactivate", args=[user.pk])
    page = client.get(url).content.decode()
    assert "Yes, deactivate account" in page
    user.refresh_from_db()
    assert user.is_active
    assert client.post(url).status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert client.post(reverse("accounts:user-reactivate", args=[user.pk])).status_code == 302
    user.refresh_from_db()
    assert user.is_active


def test_deactivating_yourself_shows_the_reason(client, admin_user):
    signed_in(client, admin_user)
    response = client.post(reverse("accounts:user-deactivate", args=[admin_user.pk]))
    assert response.status_code == 400
    assert "You cannot deactivate your own account" in response.content.decode()


def test_a_deactivated_user_is_signed_out(client, admin_user, make_user):
    user = make_user()
    signed_in(client, user)
    assert client.get(reverse("accounts:account")).status_code == 200
    services.user_deactivate(actor=admin_user, user=user)
    assert client.get(reverse("accounts:account")).status_code == 302


def test_unknown_user_is_404(client, admin_user):
    signed_in(client, admin_user)
    assert client.get(reverse("accounts:user-detail", args=[99999])).status_code == 404


# --- password -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "words"),
    [("elevenchars", "at least 12 characters"), ("password1234", "too common")],
)
def test_password_change_rejects_weak_passwords(client, make_user, new, words):
    user = make_user()
    signed_in(client, user)
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": TEST_PASSWORD, "new_password": new, "confirm_password": new},
    )
    assert response.status_code == 200 and words in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


def test_password_change_needs_matching_confirmation(client, make_user):
    signed_in(client, make_user())
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": TEST_PASSWORD, "new_password": "tidal-lighthouse-orbit-19", "confirm_password": "other"},
    )
    assert "The passwords do not match" in response.content.decode()


def test_password_change_keeps_you_signed_in(client, make_user):
    user = make_user()
    signed_in(client, user)
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password": "tidal-lighthouse-orbit-19",
            "confirm_password": "tidal-lighthouse-orbit-19",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:account")
    assert client.get(reverse("accounts:account")).status_code == 200
    user.refresh_from_db()
    assert user.check_password("tidal-lighthouse-orbit-19")


# --- tokens -------------------------------------------------------------------------------------


def test_token_is_shown_once_and_then_never_again(client, make_user):
    user = make_user()
    signed_in(client, user)
    response = client.post(reverse("accounts:token-create"), {"name": "Nightly export"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = re.search(r'value="(ju_[^"]+)"', page).group(1)
    token = ApiToken.objects.get(user=user)
    assert token.token_hash == hash_token(raw)
    assert "You will not be able to see it again" in page
    for url in [
        reverse("accounts:token-list"),
        reverse("accounts:account"),
        reverse("accounts:token-revoke", args=[token.pk]),
    ]:
        later = client.get(url).content.decode()
        assert raw not in later and raw.split("_", 2)[2] not in later
    assert token.prefix in client.get(reverse("accounts:token-list")).content.decode()


def test_token_name_is_required(client, make_user):
    signed_in(client, make_user())
    response = client.post(reverse("accounts:token-create"), {"name": ""})
    assert "Enter a name for the token" in response.content.decode()
    assert ApiToken.objects.count() == 0


def test_eleventh_token_shows_the_limit(client, make_user):
    user = make_user()
    for i in range(10):
        services.api_token_create(actor=user, name=f"t{i}")
    signed_in(client, user)
    response = client.post(reverse("accounts:token-create"), {"name": "one more"})
    assert "You already have 10 active tokens" in response.content.decode()


def test_revoke_own_token_after_confirming(client, make_user):
    user = make_user()
    token, _ = services.api_token_create(actor=user, name="script")
    signed_in(client, user)
    url = reverse("accounts:token-revoke", args=[token.pk])
    assert "Yes, revoke token" in client.get(url).content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:token-list")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_someone_elses_token_is_404_for_non_admins_and_revocable_by_admins(client, make_user, admin_user):
    owner = make_user()
    token, _ = services.api_token_create(actor=owner, name="script")
    signed_in(client, make_user(Role.COORDINATOR))
    url = reverse("accounts:token-revoke", args=[token.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    signed_in(client, admin_user)
    detail = client.get(reverse("accounts:user-detail", args=[owner.pk])).content.decode()
    assert token.prefix in detail and url in detail
    response = client.post(url)
    assert response["Location"] == reverse("accounts:user-detail", args=[owner.pk])
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_list_shows_only_your_own(client, make_user):
    mine = make_user()
    theirs = make_user()
    services.api_token_create(actor=mine, name="mine-token")
    services.api_token_create(actor=theirs, name="their-token")
    signed_in(client, mine)
    page = client.get(reverse("accounts:token-list")).content.decode()
    assert "mine-token" in page and "their-token" not in page


def test_forgotten_password_reaches_a_user_who_never_set_one(
    client, admin_user, agency, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_create(
            actor=admin_user, email="late@example.org", full_name="Late", role=Role.ANALYST, agency=agency
        )
    mail.outbox.clear()
    client.post(reverse("accounts:password-reset"), {"email": "late@example.org"})
    assert [m.to for m in mail.outbox] == [["late@example.org"]]


def test_a_nonsense_filter_is_explained_not_ignored(client, admin_user):
    signed_in(client, admin_user)
    response = client.get(reverse("accounts:user-list"), {"agency": "999999", "role": "wizard"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert admin_user.email in page  # no valid filter applies, so everyone is listed
