"""Two-factor authentication in a real browser: the setup and code pages are accessible,
and the whole journey works with JavaScript off."""

from __future__ import annotations

import time

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.accounts import services
from joinedup.platform.access import Role
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def code(device: TOTPDevice, ahead: int = 0) -> str:
    device.refresh_from_db()
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift + ahead)
    return f"{value:06d}"


def wrong(device: TOTPDevice) -> str:
    right = {code(device, ahead) for ahead in (-1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222") if c not in right)


def password_only(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/sign-in/code/**")


def test_setup_page_is_accessible_including_an_error(page, live_server, make_user):
    user = make_user(Role.PRACTITIONER)
    sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/account/")
    page.get_by_role("link", name="Set up two-factor authentication").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Set up two-factor authentication"
    device = TOTPDevice.objects.get(user=user)
    assert page.locator("#two-factor-key").inner_text().replace(" ", "") in services_b32(device)
    assert_accessible(page)

    page.get_by_label("Enter the 6-digit code from your app").fill(wrong(device))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    assert "The code is not correct" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Set up two-factor authentication (error)")
    assert_accessible(page)


def test_code_page_is_accessible_including_an_error(page, live_server, make_user):
    user = make_user(Role.COORDINATOR)
    services.totp_device_start(actor=user)
    device = services.totp_device_confirm(actor=user, token=code(TOTPDevice.objects.get(user=user)))
    password_only(page, live_server, user)
    assert page.get_by_role("heading", level=1).inner_text() == "Enter the code from your authenticator app"
    assert_accessible(page)

    page.get_by_label("Enter the 6-digit code from your app").fill(wrong(device))
    page.get_by_role("button", name="Continue").click()
    assert "The code is not correct" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)


def test_set_up_and_sign_in_with_a_code_without_javascript(nojs_page, live_server, make_user):
    page = nojs_page
    user = make_user(Role.PRACTITIONER)
    sign_in(page, live_server, user)

    page.goto(f"{live_server.url}/account/")
    page.get_by_role("link", name="Set up two-factor authentication").click()
    device = TOTPDevice.objects.get(user=user)
    page.get_by_label("Enter the 6-digit code from your app").fill(code(device))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    page.wait_for_url(f"{live_server.url}/account/")
    assert "Two-factor authentication is on" in page.locator("main").inner_text()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/signed-out/")

    password_only(page, live_server, user)
    page.goto(f"{live_server.url}/directory/")
    assert page.get_by_role("heading", level=1).inner_text() == "Enter the code from your authenticator app"
    page.get_by_label("Enter the 6-digit code from your app").fill(wrong(device))
    page.get_by_role("button", name="Continue").click()
    assert "The code is not correct" in page.locator(".govuk-error-summary").inner_text()
    time.sleep(1.2)  # after a wrong code django-otp makes the device wait a second, as a person would
    page.get_by_label("Enter the 6-digit code from your app").fill(code(device, ahead=1))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/directory/")
    page.goto(f"{live_server.url}/home/")
    assert page.get_by_role("heading", level=1).inner_text() == f"Welcome, {user.get_short_name()}"


def services_b32(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")
