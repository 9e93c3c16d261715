"""Users, your account, passwords and API tokens in a real browser: accessible, and every
form works with JavaScript off."""

from __future__ import annotations

import pytest

from joinedup.accounts import services
from joinedup.accounts.models import ApiToken, User, hash_token
from joinedup.platform.access import Role
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_user_pages_are_accessible_including_errors(page, live_server, make_user, other_agency):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.PRACTITIONER, full_name="Priya Practitioner")
    services.api_token_create(actor=person, name="Priya's script")
    sign_in(page, live_server, admin)

    page.goto(f"{live_server.url}/users/")
    assert page.get_by_role("heading", level=1).inner_text() == "Users"
    assert page.get_by_role("link", name="Priya Practitioner").is_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Add a user").click()
    assert_accessible(page)
    page.get_by_role("button", name="Add user").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible() and "Select a role" in summary.inner_text()
    assert page.title().startswith("Add a user (error)")
    assert_accessible(page)

    page.goto(f"{live_server.url}/users/{person.pk}/")
    assert "Priya's script" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Change details").click()
    assert page.get_by_label("Practitioner", exact=True).is_checked()
    page.get_by_label("Full name").fill("")
    page.get_by_role("button", name="Save changes").click()
    assert "Enter the person's full name" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)

    page.goto(f"{live_server.url}/users/{person.pk}/deactivate/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/users/{admin.pk}/deactivate/")
    page.get_by_role("button", name="Yes, deactivate account").click()
    assert "You cannot deactivate your own account" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)


def test_admin_manages_users_without_javascript(nojs_page, live_server, make_user, agency, other_agency):
    page = nojs_page
    admin = make_user(Role.ADMIN)
    make_user(Role.ANALYST, agency_obj=other_agency, full_name="Otto Analyst")
    sign_in(page, live_server, admin)

    page.goto(f"{live_server.url}/users/")
    page.get_by_label("Role").select_option("analyst")
    page.get_by_role("button", name="Apply filters").click()
    table = page.locator("table").inner_text()
    assert "Otto Analyst" in table and admin.full_name not in table

    page.goto(f"{live_server.url}/users/add/")
    page.get_by_label("Full name").fill("Nia New")
    page.get_by_label("Email address").fill("nia@example.org")
    page.get_by_label("Strategic leader").check()
    page.get_by_label("Agency").select_option(label="Harbourside CAMHS")
    page.get_by_role("button", name="Add user").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Nia New"
    nia = User.objects.get(email="nia@example.org")
    assert (nia.role, nia.agency_id) == (Role.STRATEGIC_LEAD, other_agency.pk)

    page.get_by_role("button", name="Change details").click()
    page.get_by_label("Job title").fill("Board member")
    page.get_by_label("Community engagement officer").check()
    page.get_by_role("button", name="Save changes").click()
    nia.refresh_from_db()
    assert (nia.job_title, nia.role) == ("Board member", Role.MODERATOR)

    page.get_by_role("button", name="Deactivate account").click()
    page.get_by_role("button", name="Yes, deactivate account").click()
    nia.refresh_from_db()
    assert not nia.is_active
    assert "Deactivated" in page.locator("main").inner_text()
    page.get_by_role("button", name="Reactivate account").click()
    page.get_by_role("button", name="Yes, reactivate account").click()
    nia.refresh_from_db()
    assert nia.is_active


def test_account_password_and_token_pages_are_accessible(page, live_server, make_user):
    user = make_user(Role.COORDINATOR)
    sign_in(page, live_server, user)
    page.get_by_role("link", name="Your account").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your account"
    assert "Exploitation coordinator" in page.locator("main").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Change your password").click()
    assert_accessible(page)
    page.get_by_label("Current password").fill(TEST_PASSWORD)
    page.get_by_label("New password", exact=True).fill("elevenchars")
    page.get_by_label("Confirm new password").fill("elevenchars")
    page.get_by_role("button", name="Change password").click()
    assert "at least 12 characters" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)

    page.goto(f"{live_server.url}/account/tokens/")
    assert_accessible(page)
    page.get_by_role("button", name="Create a token").click()
    assert_accessible(page)
    page.get_by_role("button", name="Create token").click()
    assert "Enter a name for the token" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Token name").fill("Weekly report")
    page.get_by_role("button", name="Create token").click()
    raw = page.get_by_label("Your token").input_value()
    assert ApiToken.objects.get(user=user).token_hash == hash_token(raw)
    assert_accessible(page)

    page.get_by_role("link", name="I have copied my token").click()
    assert raw not in page.content()
    page.get_by_role("link", name="Revoke Weekly report").click()
    assert_accessible(page)


def test_password_and_tokens_work_without_javascript(nojs_page, live_server, make_user):
    page = nojs_page
    user = make_user(Role.ANALYST)
    sign_in(page, live_server, user)

    page.goto(f"{live_server.url}/account/password/")
    page.get_by_label("Current password").fill(TEST_PASSWORD)
    page.get_by_label("New password", exact=True).fill("password1234")
    page.get_by_label("Confirm new password").fill("password1234")
    page.get_by_role("button", name="Change password").click()
    assert "too common" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("Current password").fill(TEST_PASSWORD)
    page.get_by_label("New password", exact=True).fill("tidal-lighthouse-orbit-19")
    page.get_by_label("Confirm new password").fill("tidal-lighthouse-orbit-19")
    page.get_by_role("button", name="Change password").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your account"
    assert "Your password has been changed" in page.locator("main").inner_text()
    user.refresh_from_db()
    assert user.check_password("tidal-lighthouse-orbit-19")

    page.goto(f"{live_server.url}/account/tokens/new/")
    page.get_by_label("Token name").fill("Cron job")
    page.get_by_role("button", name="Create token").click()
    raw = page.get_by_label("Your token").input_value()
    assert raw.startswith("ju_")
    page.get_by_role("link", name="I have copied my token").click()
    page.get_by_role("link", name="Revoke Cron job").click()
    page.get_by_role("button", name="Yes, revoke token").click()
    assert "Revoked" in page.locator("table").inner_text()
    assert ApiToken.objects.get(user=user).revoked_at is not None
