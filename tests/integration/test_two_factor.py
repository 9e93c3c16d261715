"""Two-factor authentication with an authenticator app (TOTP): setting it up, signing in
with a code, what an unverified session may reach, turning it off and an administrator's reset.

Codes are computed the way an authenticator app does, from the device's real secret.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.accounts import services
from joinedup.platform.access import Role
from joinedup.platform.models import AuditEvent
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttle_delay(settings):
    """django-otp makes a device wait 1, 2, 4... seconds after each wrong code; the tests
    that need that wait say so. The count of wrong codes is still kept."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def code(device: TOTPDevice, ahead: int = 0, *, refresh: bool = True) -> str:
    """The code the user's app shows now (``ahead`` time steps later, for a second use:
    a code that has been accepted once is never accepted again)."""
    if refresh:
        device.refresh_from_db()
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift + ahead)
    return f"{value:0{device.digits}d}"


def wrong(device: TOTPDevice) -> str:
    right = {code(device, ahead) for ahead in (-1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444") if c not in right)


def enabled_device(user) -> TOTPDevice:
    services.totp_device_start(actor=user)
    return services.totp_device_confirm(actor=user, token=code(TOTPDevice.objects.get(user=user)))


def password_sign_in(client, user, next_url: str = ""):
    url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": user.email, "password": TEST_PASSWORD})


def all_audit_text() -> str:
    return json.dumps(list(AuditEvent.objects.values()), default=str)


# --- Setting it up ---------------------------------------------------------------------------


def test_setup_page_shows_the_key_and_link_and_the_right_code_turns_it_on(client, make_user):
    user = make_user(Role.PRACTITIONER)
    client.force_login(user)
    account = client.get(reverse("accounts:account")).content.decode()
    assert "Two-factor authentication" in account and ">Off<" in account
    assert reverse("accounts:two-factor-setup") in account

    page = client.get(reverse("accounts:two-factor-setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    html = page.content.decode()
    key = page.context["setup"]["key_groups"]
    assert all(len(group) == 4 for group in key.split(" ")[:-1])
    assert key.replace(" ", "") in page.context["setup"]["uri"]
    assert key in html and "otpauth://totp/Joined%20Up%3A" in html
    for attribute in ('autocomplete="one-time-code"', 'inputmode="numeric"', 'spellcheck="false"', "width-5"):
        assert attribute in html

    # Reloading shows the same key: the app the user has just set up keeps working.
    assert client.get(reverse("accounts:two-factor-setup")).context["setup"]["key_groups"] == key

    response = client.post(reverse("accounts:two-factor-setup"), {"token": wrong(device)})
    assert response.status_code == 200
    assert "The code is not correct" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    response = client.post(reverse("accounts:two-factor-setup"), {"token": code(device)})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:account")
    device.refresh_from_db()
    assert device.confirmed
    # The session that proved it holds the app is verified: it is not sent to the code page.
    assert client.get(reverse("web:home")).status_code == 200
    assert ">On<" in client.get(reverse("accounts:account")).content.decode()
    event = AuditEvent.objects.filter(action="accounts.two_factor.enable").get()
    assert event.actor_id == user.pk


def test_confirm_refuses_codes_that_are_not_six_digits(make_user):
    user = make_user(Role.ANALYST)
    services.totp_device_start(actor=user)
    for bad, message in [("", "Enter the 6-digit code"), ("12345", "must be 6 digits"), ("abcdef", "must be 6 digits")]:
        with pytest.raises(services.ValidationError) as exc:
            services.totp_device_confirm(actor=user, token=bad)
        assert message in str(exc.value)


def test_starting_again_replaces_the_unconfirmed_key(make_user):
    user = make_user(Role.COORDINATOR)
    first = services.totp_device_start(actor=user)
    second = services.totp_device_start(actor=user)
    assert list(TOTPDevice.objects.filter(user=user)) == [second]
    assert first.key != second.key
    old_code = code(first, refresh=False)
    if old_code not in {code(second, ahead) for ahead in (-1, 0, 1)}:  # one chance in a million they match
        with pytest.raises(services.ValidationError, match="not correct"):
            services.totp_device_confirm(actor=user, token=old_code)
    assert services.totp_device_confirm(actor=user, token=code(second)).pk == second.pk


def test_wrong_codes_are_throttled_by_the_device(settings, make_user):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    user = make_user(Role.MODERATOR)
    device = services.totp_device_start(actor=user)
    with pytest.raises(services.ValidationError, match="not correct"):
        services.totp_device_confirm(actor=user, token=wrong(device))
    # Even the right code must wait: the failure was committed, not rolled back with the error.
    with pytest.raises(services.ValidationError, match="Wait"):
        services.totp_device_confirm(actor=user, token=code(device))
    device.refresh_from_db()
    assert device.throttling_failure_count == 1 and not device.confirmed


# --- Signing in ----------------------------------------------------------------------------


def test_sign_in_needs_the_code_after_the_password(client, make_user):
    user = make_user(Role.PRACTITIONER)
    device = enabled_device(user)

    response = password_sign_in(client, user, next_url="/directory/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two-factor-code"))
    assert "next=%2Fdirectory%2F" in response["Location"]

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Enter the code from your authenticator app" in page.content.decode()

    response = client.post(reverse("accounts:two-factor-code"), {"token": wrong(device), "next": "/directory/"})
    assert response.status_code == 200
    assert "The code is not correct" in response.content.decode()
    failed = AuditEvent.objects.filter(action="accounts.session.two_factor_failed").get()
    assert failed.outcome == "failure" and failed.actor_id == user.pk and failed.detail["failures"] == 1
    assert client.get(reverse("web:home")).status_code == 302

    response = client.post(reverse("accounts:two-factor-code"), {"token": code(device, ahead=1), "next": "/directory/"})
    assert response.status_code == 302 and response["Location"] == "/directory/"
    assert client.get(reverse("web:home")).status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    assert AuditEvent.objects.filter(action="accounts.session.two_factor_verified", actor_id=user.pk).exists()


def test_the_code_page_refuses_an_address_on_another_site(client, make_user):
    user = make_user(Role.PRACTITIONER)
    device = enabled_device(user)
    password_sign_in(client, user)
    response = client.post(
        reverse("accounts:two-factor-code"), {"token": code(device, ahead=1), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("web:home")


def test_users_without_two_factor_sign_in_with_a_password_only(client, make_user):
    user = make_user(Role.STRATEGIC_LEAD)
    response = password_sign_in(client, user)
    assert response["Location"] == reverse("web:home")
    assert client.get(reverse("web:home")).status_code == 200
    # An unconfirmed setup does not change how they sign in.
    services.totp_device_start(actor=user)
    client.logout()
    assert password_sign_in(client, user)["Location"] == reverse("web:home")


def test_unverified_user_reaches_only_the_code_page_sign_out_and_public_pages(client, make_user):
    user = make_user(Role.ADMIN)
    enabled_device(user)
    password_sign_in(client, user)

    for url in ["/home/", "/directory/", "/account/", "/users/", "/audit/", "/account/two-factor/turn-off/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:two-factor-code") + "?next="), url
    assert client.post("/account/tokens/new/", {"name": "x"})["Location"] == reverse("accounts:two-factor-code")

    for url in ["/", "/accessibility/", "/privacy/", "/healthz", reverse("accounts:two-factor-code")]:
        assert client.get(url).status_code == 200, url

    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_authenticated"
    assert "authenticator app" in response.json()["error"]["message"]

    assert client.post(reverse("accounts:logout"))["Location"] == reverse("accounts:signed-out")
    assert client.get("/home/")["Location"].startswith(reverse("accounts:login"))


def test_api_tokens_are_not_affected_by_two_factor(client, make_user):
    user = make_user(Role.PRACTITIONER)
    enabled_device(user)
    _, raw = services.api_token_create(actor=user, name="script")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    # Also alongside a session that has not given its code: the token decides.
    password_sign_in(client, user)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer ju_wrong").status_code == 401


def test_ten_wrong_codes_in_a_row_sign_the_user_out(client, make_user):
    user = make_user(Role.PRACTITIONER)
    device = enabled_device(user)
    password_sign_in(client, user)
    bad = wrong(device)
    for attempt in range(1, 10):
        response = client.post(reverse("accounts:two-factor-code"), {"token": bad})
        assert response.status_code == 200, attempt
    response = client.post(reverse("accounts:two-factor-code"), {"token": bad})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    page = client.get(response["Location"])
    assert "You entered a wrong code 10 times, so we have signed you out" in page.content.decode()
    assert client.get("/home/")["Location"].startswith(reverse("accounts:login"))
    failures = AuditEvent.objects.filter(action="accounts.session.two_factor_failed").order_by("seq")
    assert [event.detail["failures"] for event in failures] == list(range(1, 11))
    assert AuditEvent.objects.filter(action="accounts.session.sign_out", actor_id=user.pk).exists()

    # Signing in again starts a fresh count and the right code works.
    password_sign_in(client, user)
    response = client.post(reverse("accounts:two-factor-code"), {"token": code(device, ahead=1)})
    assert response["Location"] == reverse("web:home")


def test_a_new_password_sign_in_needs_a_new_code(client, make_user):
    user = make_user(Role.PRACTITIONER)
    device = enabled_device(user)
    password_sign_in(client, user)
    client.post(reverse("accounts:two-factor-code"), {"token": code(device, ahead=1)})
    assert client.get("/home/").status_code == 200
    client.logout()
    password_sign_in(client, user)
    assert client.get("/home/").status_code == 302


# --- Turning it off ------------------------------------------------------------------------


def test_turning_it_off_needs_a_current_code(client, make_user):
    user = make_user(Role.COORDINATOR)
    client.force_login(user)
    client.get(reverse("accounts:two-factor-setup"))
    device = TOTPDevice.objects.get(user=user)
    client.post(reverse("accounts:two-factor-setup"), {"token": code(device)})
    assert client.get(reverse("accounts:account")).content.decode().count("Turn off") == 1

    response = client.post(reverse("accounts:two-factor-turn-off"), {"token": ""})
    assert "Enter the 6-digit code" in response.content.decode()
    response = client.post(reverse("accounts:two-factor-turn-off"), {"token": wrong(device)})
    assert response.status_code == 200 and "The code is not correct" in response.content.decode()
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()

    response = client.post(reverse("accounts:two-factor-turn-off"), {"token": code(device, ahead=1)})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:account")
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="accounts.two_factor.disable", actor_id=user.pk).exists()
    client.logout()
    assert password_sign_in(client, user)["Location"] == reverse("web:home")


# --- An administrator's reset ---------------------------------------------------------------


def test_admin_resets_a_lost_phone_and_it_is_audited(client, make_user):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.PRACTITIONER, full_name="Pat Lostphone")
    enabled_device(person)
    client.force_login(admin)
    detail = client.get(reverse("accounts:user-detail", args=[person.pk])).content.decode()
    reset_url = reverse("accounts:user-two-factor-reset", args=[person.pk])
    assert reset_url in detail

    page = client.get(reset_url)
    assert page.status_code == 200 and "Reset Pat Lostphone's two-factor authentication?" in page.content.decode()
    response = client.post(reset_url)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:user-detail", args=[person.pk])
    assert not TOTPDevice.objects.filter(user=person).exists()
    event = AuditEvent.objects.get(action="accounts.two_factor.reset")
    assert (event.actor_id, event.object_id) == (admin.pk, str(person.pk))

    assert client.post(reset_url).status_code == 400
    assert password_sign_in(client, person)["Location"] == reverse("web:home")


@pytest.mark.parametrize("role", [r.value for r in Role if r != Role.ADMIN])
def test_only_administrators_may_reset(client, make_user, role):
    person = make_user(Role.PRACTITIONER)
    enabled_device(person)
    actor = make_user(role)
    client.force_login(actor)
    assert client.post(reverse("accounts:user-two-factor-reset", args=[person.pk])).status_code == 403
    with pytest.raises(services.PermissionDenied):
        services.user_two_factor_reset(actor=actor, user=person)
    assert TOTPDevice.objects.filter(user=person, confirmed=True).exists()


def test_the_audit_trail_never_holds_the_secret(client, make_user):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.PRACTITIONER)
    device = enabled_device(user)
    secrets = {device.key, device.key.upper(), services_b32(device)}
    password_sign_in(client, user)
    client.post(reverse("accounts:two-factor-code"), {"token": wrong(device)})
    client.post(reverse("accounts:two-factor-code"), {"token": code(device, ahead=1)})
    services.user_two_factor_reset(actor=admin, user=user)
    text = all_audit_text()
    assert AuditEvent.objects.filter(action__startswith="accounts.two_factor.").count() == 3
    for secret in secrets:
        assert secret not in text


def services_b32(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")
