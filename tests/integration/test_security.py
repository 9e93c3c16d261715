"""Security settings a partnership would check before signing: sessions, lockout, passwords,
headers, and a production configuration that refuses to start half-configured."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from joinedup.platform.access import Role
from joinedup.platform.middleware import SESSION_LAST_SEEN_KEY, SESSION_STARTED_KEY
from tests.conftest import TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def _run_production(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    # A production process has none of the test harness's variables (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE, which Django's deployment check rightly refuses).
    harness = {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "JOINEDUP_FIELD_KEYS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in harness}
    env["DJANGO_SETTINGS_MODULE"] = "joinedup.config.settings.production"
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


FIELD_KEY = "3q2TYVbdjAm3pnnpkp0pR7YX8m7c8Sxh7uZJ2k6N0cM="


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "JOINEDUP_FIELD_KEYS"])
def test_production_refuses_to_start_without_its_environment(missing):
    env = {
        "SECRET_KEY": "a-long-random-secret-for-this-test-only-0123456789-abcdefghij",
        "ALLOWED_HOSTS": "joinedup.example.org",
        "DATABASE_URL": "postgres:///test",
        "JOINEDUP_FIELD_KEYS": FIELD_KEY,
    }
    del env[missing]
    result = _run_production(env, "check")
    assert result.returncode != 0
    assert "will not start in production without" in result.stderr
    assert missing in result.stderr


def test_production_passes_the_deployment_checklist():
    result = _run_production(
        {
            "SECRET_KEY": "a-long-random-secret-for-this-test-only-0123456789-abcdefghij",
            "ALLOWED_HOSTS": "joinedup.example.org",
            "DATABASE_URL": "postgres:///test",
            "JOINEDUP_FIELD_KEYS": FIELD_KEY,
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_passwords_are_hashed_with_argon2_in_real_settings():
    from joinedup.config.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):  # resets Django's cached hashers
        encoded = make_password("a perfectly long passphrase")
        assert identify_hasher(encoded).algorithm == "argon2"
        assert check_password("a perfectly long passphrase", encoded)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Sh0rt-pass!", "at least 12 characters"),
        ("password1234", "too common"),
        ("123456789012345", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, message):
    with pytest.raises(ValidationError) as error:
        validate_password(password)
    assert any(message in str(m) for m in error.value.messages), error.value.messages


def test_a_long_uncommon_password_is_accepted():
    validate_password("harbour lights at dusk 2026")


def test_sign_in_and_sign_out(client, make_user):
    user = make_user(Role.COORDINATOR, email="coord@example.org")
    response = client.post("/sign-in/", {"username": "Coord@Example.org", "password": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/home/"
    assert client.get("/home/").status_code == 200
    response = client.post("/sign-out/")
    assert response["Location"] == "/signed-out/"
    assert client.get("/home/").status_code == 302
    user.refresh_from_db()
    assert user.last_login is not None


def test_wrong_password_shows_a_specific_error(client, make_user):
    make_user(Role.COORDINATOR, email="coord@example.org")
    response = client.post("/sign-in/", {"username": "coord@example.org", "password": "not the password"})
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.content.decode()


def test_ten_failed_attempts_lock_the_account_even_with_the_right_password(client, make_user):
    make_user(Role.PRACTITIONER, email="prac@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/sign-in/", {"username": "prac@example.org", "password": "wrong password here"})
    response = client.post("/sign-in/", {"username": "prac@example.org", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "Your account is locked" in response.content.decode()
    assert client.get("/home/").status_code == 302


def test_nine_failures_do_not_lock(client, make_user):
    make_user(Role.PRACTITIONER, email="prac@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/sign-in/", {"username": "prac@example.org", "password": "wrong password here"})
    response = client.post("/sign-in/", {"username": "prac@example.org", "password": TEST_PASSWORD})
    assert response.status_code == 302


def _age_session(client, *, started_ago: timedelta, last_seen_ago: timedelta) -> None:
    session = client.session
    now = timezone.now()
    session[SESSION_STARTED_KEY] = (now - started_ago).isoformat()
    session[SESSION_LAST_SEEN_KEY] = (now - last_seen_ago).isoformat()
    session.save()


@pytest.mark.parametrize(
    ("started_ago", "last_seen_ago", "still_signed_in"),
    [
        (timedelta(minutes=40), timedelta(minutes=29), True),
        (timedelta(minutes=40), timedelta(minutes=31), False),
        (timedelta(hours=11, minutes=59), timedelta(minutes=1), True),
        (timedelta(hours=12, minutes=1), timedelta(minutes=1), False),
    ],
)
def test_sessions_end_after_30_minutes_idle_and_12_hours_in_all(
    client, make_user, started_ago, last_seen_ago, still_signed_in
):
    client.force_login(make_user(Role.ANALYST))
    assert client.get("/home/").status_code == 200
    _age_session(client, started_ago=started_ago, last_seen_ago=last_seen_ago)
    response = client.get("/home/")
    if still_signed_in:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")
        assert client.get("/home/").status_code == 302  # and the session is really gone


def test_password_reset_by_email_end_to_end(client, make_user):
    make_user(Role.MODERATOR, email="mod@example.org")
    response = client.post("/password-reset/", {"email": "mod@example.org"})
    assert response["Location"] == "/password-reset/sent/"
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = next(line for line in body.splitlines() if "/password-reset/" in line).strip()
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    form_path = response.redirect_chain[-1][0]
    new_password = "a brand new harbour passphrase"
    response = client.post(form_path, {"new_password1": new_password, "new_password2": new_password})
    assert response["Location"] == "/password-reset/complete/"
    assert client.post("/sign-in/", {"username": "mod@example.org", "password": new_password}).status_code == 302


def test_password_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post("/password-reset/", {"email": "nobody@example.org"})
    assert response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []


def test_security_headers(client, make_user):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert "script-src 'self' 'nonce-" in csp
    nonce = csp.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'nonce="{nonce}"' in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert len(response["X-Request-ID"]) >= 8


def test_signed_in_pages_are_never_stored(client, make_user):
    assert "no-store" not in client.get("/").get("Cache-Control", "")
    client.force_login(make_user(Role.COORDINATOR))
    for path in ("/", "/home/"):
        assert "no-store" in client.get(path)["Cache-Control"]


def test_django_admin_is_for_superusers_only(client, make_user):
    client.force_login(make_user(Role.ADMIN))
    assert client.get("/django-admin/").status_code == 302  # not staff: sent to the admin login


def test_production_collects_static_files_with_its_manifest_storage(tmp_path):
    # README's production step runs collectstatic; the manifest storage fails on any url() in a
    # stylesheet that points at a missing file (GOV.UK Frontend's CSS names the crest).
    result = _run_production(
        {
            "SECRET_KEY": "a-long-random-secret-for-this-test-only-0123456789-abcdefghij",
            "ALLOWED_HOSTS": "joinedup.example.org",
            "DATABASE_URL": "postgres:///test",
            "JOINEDUP_FIELD_KEYS": FIELD_KEY,
            "JOINEDUP_VAR_DIR": str(tmp_path),
        },
        "collectstatic",
        "--noinput",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert "govuk/joinedup.css" in manifest
