"""Signing in and the home pages, in a real browser, with and without JavaScript."""

import pytest

from joinedup.platform.access import Role
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_public_home_is_accessible(page, live_server):
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Joined Up"
    assert_accessible(page)


def test_sign_in_page_is_accessible_and_shows_errors(page, live_server):
    page.goto(live_server.url + "/sign-in/")
    assert_accessible(page)
    page.get_by_role("button", name="Sign in").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert "Enter your email address" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_role_signs_in_to_a_home_page_that_fits(page, live_server, make_user, role):
    user = make_user(role)
    sign_in(page, live_server, user)
    assert page.get_by_role("heading", level=1).inner_text() == f"Welcome, {user.get_short_name()}"
    nav = page.get_by_role("navigation", name="Menu").inner_text()
    assert ("Audit trail" in nav) == (role == Role.ADMIN)
    assert ("Users" in nav) == (role == Role.ADMIN)
    assert_accessible(page)


def test_sign_in_works_without_javascript(nojs_page, live_server, make_user):
    user = make_user(Role.COORDINATOR)
    sign_in(nojs_page, live_server, user)
    assert "Welcome" in nojs_page.get_by_role("heading", level=1).inner_text()
    nojs_page.get_by_role("button", name="Sign out").click()
    nojs_page.wait_for_url(f"{live_server.url}/signed-out/")
    assert nojs_page.get_by_role("heading", level=1).inner_text() == "You have signed out"
