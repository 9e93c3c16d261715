"""Pages anyone can reach, the password reset journey, lockout and error pages: accessible,
and every form usable with JavaScript off."""

import re

import pytest
from django.conf import settings
from django.core import mail

from joinedup.platform.access import Role
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/accessibility/", "Accessibility statement for Joined Up"),
        ("/privacy/", "How Joined Up uses information"),
        ("/no-such-page/", "Page not found"),
        ("/password-reset/", "Reset your password"),
        ("/password-reset/sent/", "Check your email"),
        ("/password-reset/complete/", "Your password has been changed"),
        ("/password-reset/MQ/bad-token/", "This link has expired or been used"),
    ],
)
def test_public_pages_are_accessible(page, live_server, path, heading):
    page.goto(live_server.url + path)
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert_accessible(page)


def test_mobile_home_is_accessible(mobile_page, live_server):
    mobile_page.goto(live_server.url + "/")
    assert_accessible(mobile_page)


def test_forbidden_page_is_accessible(page, live_server, make_user):
    sign_in(page, live_server, make_user(Role.PRACTITIONER))
    response = page.goto(live_server.url + "/audit/")
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "You do not have access to this page"
    assert_accessible(page)


def test_password_reset_journey_with_and_without_javascript(page, nojs_page, live_server, make_user):
    user = make_user(Role.COORDINATOR, email="coord@example.org")
    # The choose-a-password page with an error, checked for accessibility.
    page.goto(live_server.url + "/password-reset/")
    page.get_by_label("Email").fill("coord@example.org")
    page.get_by_role("button", name="Send the link").click()
    link = re.search(r"http://\S+/password-reset/\S+/", mail.outbox[-1].body).group(0)
    page.goto(re.sub(r"^http://[^/]+", live_server.url, link))
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password confirmation").fill("short")
    page.get_by_role("button", name="Save password").click()
    assert "at least 12 characters" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    # The whole journey with JavaScript off.
    nojs_page.goto(live_server.url + "/password-reset/")
    nojs_page.get_by_label("Email").fill("coord@example.org")
    nojs_page.get_by_role("button", name="Send the link").click()
    nojs_page.wait_for_url(live_server.url + "/password-reset/sent/")
    link = re.search(r"http://\S+/password-reset/\S+/", mail.outbox[-1].body).group(0)
    nojs_page.goto(re.sub(r"^http://[^/]+", live_server.url, link))
    nojs_page.get_by_label("New password", exact=True).fill("the tide comes in at seven")
    nojs_page.get_by_label("New password confirmation").fill("the tide comes in at seven")
    nojs_page.get_by_role("button", name="Save password").click()
    nojs_page.wait_for_url(live_server.url + "/password-reset/complete/")
    sign_in(nojs_page, live_server, user, password="the tide comes in at seven")


def test_lockout_page_is_accessible(page, live_server, make_user):
    user = make_user(Role.PRACTITIONER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(live_server.url + "/sign-in/")
        page.get_by_label("Email address").fill(user.email)
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + "/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your account is locked"
    assert_accessible(page)
