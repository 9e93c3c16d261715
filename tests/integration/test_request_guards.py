"""The request-level guards found in review: CSRF on every form, the API's address limit
and JSON errors, NUL in paths and files, lockouts audited, the session clock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

from joinedup.platform.access import Role
from joinedup.platform.csv_import import ImportFailed, read_csv
from joinedup.platform.middleware import SESSION_STARTED_KEY
from joinedup.platform.models import AuditEvent
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db
MATRIX = json.loads((Path(__file__).resolve().parents[1] / "authz_matrix.json").read_text())
POST_ROUTES = [entry.get("path", "/" + route) for route, entry in MATRIX["pages"].items() if "POST" in entry]


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


class _Placeholders(dict):
    """Any value that resolves: CSRF is checked before the view looks anything up."""

    def __missing__(self, key: str) -> str:
        if key.startswith("yp_"):
            return "YP-ABCDE"
        if key.endswith("_start") or key.endswith("_date"):
            return "2027-03-01"
        return "1"


@pytest.mark.parametrize("path", POST_ROUTES)
def test_every_form_refuses_a_post_without_its_csrf_token(make_user, path):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(Role.ADMIN))
    url = path.format_map(_Placeholders())
    response = client.post(url, {})
    assert response.status_code == 403, f"{url} accepted a POST without a CSRF token"
    assert AuditEvent.objects.filter(action="platform.request.denied", object_id=url.split("?")[0]).exists()


@override_settings(JOINEDUP_API_ADDRESS_RATE="3/m")
def test_anonymous_api_floods_are_limited_before_authentication_and_stop_filling_the_audit():
    client = Client()
    statuses = [client.get("/api/v1/agencies").status_code for _ in range(6)]
    assert statuses == [401, 401, 401, 429, 429, 429]
    body = client.get("/api/v1/agencies").json()
    assert body["error"]["code"] == "rate_limited"
    assert AuditEvent.objects.filter(action="platform.request.denied").count() == 3


@override_settings(JOINEDUP_API_ADDRESS_RATE="3/m")
def test_the_address_limit_is_per_address():
    for _ in range(3):
        Client(REMOTE_ADDR="10.0.0.1").get("/api/v1/agencies")
    assert Client(REMOTE_ADDR="10.0.0.1").get("/api/v1/agencies").status_code == 429
    assert Client(REMOTE_ADDR="10.0.0.2").get("/api/v1/agencies").status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [("post", "/api/v1/agencies", 405, "method_not_allowed"), ("get", "/api/v1/", 404, "not_found")],
)
def test_api_errors_are_json_even_from_django(make_user, method, path, status, code):
    client = Client()
    client.force_login(make_user(Role.ANALYST))
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == code


def test_a_nul_in_the_path_is_still_audited_as_denied():
    response = Client().get("/api/v1/agencies/%00")
    assert response.status_code == 401
    event = AuditEvent.objects.get(action="platform.request.denied")
    assert "\x00" not in event.object_id and "\\x00" in event.object_id


def test_a_csv_holding_nul_is_refused_with_a_clear_message():
    with pytest.raises(ImportFailed) as failure:
        read_csv(b"service_id,name\nabc,De\x00f\n", required=["service_id", "name"])
    assert "NUL character (first on line 2)" in str(failure.value.errors[0])


def test_a_lockout_is_audited_as_such(client, make_user):
    user = make_user(Role.PRACTITIONER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/sign-in/", {"username": user.email, "password": "wrong password here"})
    event = AuditEvent.objects.get(action="accounts.session.lock_out")
    assert event.outcome == "denied" and event.actor_label == user.email and event.object_type == "accounts.user"
    failed = AuditEvent.objects.filter(action="accounts.session.sign_in_failed")
    assert failed.count() == settings.AXES_FAILURE_LIMIT
    assert all(e.object_type == "accounts.user" for e in failed)


def test_the_twelve_hours_start_at_sign_in(client, make_user):
    user = make_user(Role.ANALYST)
    client.post("/sign-in/", {"username": user.email, "password": TEST_PASSWORD})
    assert client.session[SESSION_STARTED_KEY]


def test_a_named_user_without_the_right_role_cannot_import(tmp_path, make_user):
    practitioner = make_user(Role.PRACTITIONER, email="prac@example.org")
    path = tmp_path / "services.csv"
    path.write_text(
        "service_id,name,agency,audience,min_age,max_age,ends_at_age,weight,max_extension_days\n"
        f"new-service,New,{practitioner.agency.code},child,10,17,18,1,0\n"
    )
    with pytest.raises(CommandError, match="role does not allow directory.manage"):
        call_command("import_data", "services", str(path), "--as", "prac@example.org")
    assert not AuditEvent.objects.filter(action="directory.service.import").exists()


def test_the_demo_never_runs_with_production_settings():
    with override_settings(JOINEDUP_ENVIRONMENT="production"), pytest.raises(CommandError, match="production"):
        call_command("demo", "--no-serve", "--reset")


def test_a_password_reset_goes_through_the_service_and_is_audited(client, make_user):
    from django.core import mail

    user = make_user(Role.COORDINATOR, email="coord@example.org")
    client.post("/password-reset/", {"email": "coord@example.org"})
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/password-reset/" in line).strip()
    form_path = client.get(link.split("testserver", 1)[1], follow=True).redirect_chain[-1][0]
    response = client.post(form_path, {"new_password1": "gulls over the quay", "new_password2": "gulls over the quay"})
    assert response["Location"] == "/password-reset/complete/"
    event = AuditEvent.objects.get(action="accounts.user.password_reset")
    assert event.actor_id == user.pk and event.object_id == str(user.pk)
    assert "gulls" not in json.dumps(event.detail)


def test_create_admin_makes_the_first_admin_once(django_capture_on_commit_callbacks):
    from django.core import mail

    from joinedup.accounts.models import User

    with django_capture_on_commit_callbacks(execute=True):
        call_command("create_admin", "--email", "Chair@Example.org", "--name", "Pat Chair", "--agency", "Seaview SCP")
    admin = User.objects.get(email="chair@example.org")
    assert admin.role == Role.ADMIN and admin.agency.name == "Seaview SCP" and not admin.is_staff
    assert not admin.has_usable_password()
    assert "/password-reset/" in mail.outbox[-1].body
    assert AuditEvent.objects.filter(action="accounts.user.create", object_id=str(admin.pk)).exists()
    with pytest.raises(CommandError, match="already an active administrator"):
        call_command("create_admin", "--email", "second@example.org", "--name", "Sam", "--agency", "Seaview SCP")
    assert not User.objects.filter(email="second@example.org").exists()


def test_an_invited_user_setting_their_first_password_is_audited_as_such(
    client, make_user, django_capture_on_commit_callbacks
):
    from django.core import mail

    from joinedup.accounts import services

    admin = make_user(Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        invited = services.user_create(
            actor=admin, email="new@example.org", full_name="New Person", role=Role.ANALYST, agency=admin.agency
        )
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/password-reset/" in line).strip()
    form_path = client.get(
        link.split("testserver", 1)[1] if "testserver" in link else link, follow=True
    ).redirect_chain[-1][0]
    client.post(form_path, {"new_password1": "a lighthouse keeper", "new_password2": "a lighthouse keeper"})
    assert AuditEvent.objects.filter(action="accounts.user.password_set", object_id=str(invited.pk)).exists()
