"""The JSON API: authentication, scoping, error shapes, OpenAPI and the docs switch."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from joinedup.accounts import services
from joinedup.accounts.models import ApiToken
from joinedup.directory.models import Agency, AgencyKind, Audience, Need, Service
from joinedup.platform.access import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def directory(agency, other_agency):
    """Active and inactive agencies and services, with needs and ages that the filters pick apart."""
    closed = Agency.objects.create(name="Closed Trust", code="closed-trust", kind=AgencyKind.VOLUNTARY, is_active=False)
    mental = Need.objects.create(slug="mental-health")
    housing = Need.objects.create(slug="housing")
    camhs = Service.objects.create(
        agency=other_agency,
        code="camhs-core",
        name="CAMHS core",
        remit="Mental health support",
        audience=Audience.CHILD,
        min_age=5,
        max_age=17,
        ends_at_age=18,
        max_extension_days=90,
        default_weight=Decimal("1.50"),
    )
    camhs.needs.set([mental, housing])
    adult = Service.objects.create(
        agency=other_agency,
        code="adult-mh",
        name="Adult mental health",
        remit="Adults",
        audience=Audience.ADULT,
        min_age=18,
    )
    adult.needs.set([mental])
    Service.objects.create(
        agency=agency, code="police-yot", name="Police liaison", remit="Liaison", audience=Audience.ALL_AGE
    )
    Service.objects.create(
        agency=agency, code="retired", name="Retired service", remit="Gone", audience=Audience.CHILD, is_active=False
    )
    Service.objects.create(
        agency=closed, code="closed-svc", name="Closed agency service", remit="Gone", audience=Audience.CHILD
    )
    return {"closed": closed}


def token_client(user, name="script") -> tuple[Client, str]:
    _token, raw = services.api_token_create(actor=user, name=name)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}"), raw


def session_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    return body["error"]


# --- authentication -------------------------------------------------------------------------


def test_me_with_a_token(make_user, agency):
    user = make_user(Role.COORDINATOR)
    client, _raw = token_client(user)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json() == {
        "email": user.email,
        "full_name": user.full_name,
        "role": "coordinator",
        "role_label": "Exploitation coordinator",
        "agency": {"id": agency.pk, "code": agency.code, "name": agency.name},
        "authenticated_by": "token",
    }


def test_me_with_a_session(make_user):
    user = make_user(Role.ANALYST)
    response = session_client(user).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["email"] == user.email
    assert response.json()["authenticated_by"] == "session"


def test_no_credentials_is_401_json_with_a_bearer_challenge(db):
    response = Client().get("/api/v1/me")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer ju_nothing_here", "Bearer ", "Bearer " + "x" * 500])
def test_unknown_token_is_401(db, header):
    assert_error(Client(HTTP_AUTHORIZATION=header).get("/api/v1/me"), 401, "not_authenticated")


def test_revoked_token_is_401(make_user):
    user = make_user()
    client, raw = token_client(user)
    assert client.get("/api/v1/me").status_code == 200
    token = ApiToken.objects.get(user=user)
    services.api_token_revoke(actor=user, token=token)
    error = assert_error(client.get("/api/v1/me"), 401, "not_authenticated")
    assert "revoked" in error["message"]


def test_token_of_a_deactivated_user_is_401_and_works_again_on_reactivation(make_user):
    admin = make_user(Role.ADMIN)
    user = make_user()
    client, _raw = token_client(user)
    services.user_deactivate(actor=admin, user=user)
    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")
    services.user_reactivate(actor=admin, user=user)
    assert client.get("/api/v1/me").status_code == 200


def test_a_bad_token_is_refused_even_with_a_valid_session(make_user):
    user = make_user()
    client = session_client(user)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer ju_wrong_secret")
    assert_error(response, 401, "not_authenticated")


def test_a_refused_call_is_audited_as_denied(db):
    from joinedup.platform.models import AuditEvent

    Client().get("/api/v1/agencies")
    event = AuditEvent.objects.get(action="platform.request.denied")
    assert event.detail["status"] == 401
    assert event.detail["path"] == "/api/v1/agencies"


def test_last_used_is_set_then_updated_at_most_once_a_minute(make_user):
    user = make_user()
    client, _raw = token_client(user)
    token = ApiToken.objects.get(user=user)
    assert token.last_used_at is None
    client.get("/api/v1/me")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(seconds=61))
    client.get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at > first


def test_raw_token_is_nowhere_in_the_database(make_user):
    from django.db import connection

    user = make_user()
    token, raw = services.api_token_create(actor=user, name="report")
    secret = raw.split("_", 2)[2]
    assert raw.startswith(token.prefix + "_") and token.prefix.startswith("ju_")
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names come from introspection
            for row in cursor.fetchall():
                text = " ".join(str(v) for v in row)
                if secret in text or raw in text:
                    found.append(table)
    assert found == []
    assert ApiToken.objects.get(pk=token.pk).token_hash == __import__("hashlib").sha256(raw.encode()).hexdigest()


# --- scoping --------------------------------------------------------------------------------


def test_agencies_list_hides_deactivated_agencies_except_from_admins(make_user, directory):
    practitioner = make_user(Role.PRACTITIONER)
    admin = make_user(Role.ADMIN)
    codes = [a["code"] for a in token_client(practitioner)[0].get("/api/v1/agencies").json()]
    assert codes == ["harbourside-camhs", "harbourside-police"]
    admin_codes = [a["code"] for a in token_client(admin)[0].get("/api/v1/agencies").json()]
    assert admin_codes == ["closed-trust", "harbourside-camhs", "harbourside-police"]


def test_agency_by_code_is_scoped(make_user, directory):
    practitioner_client = token_client(make_user(Role.PRACTITIONER))[0]
    admin_client = token_client(make_user(Role.ADMIN))[0]
    body = practitioner_client.get("/api/v1/agencies/harbourside-police").json()
    assert body["name"] == "Harbourside Police" and body["kind"] == "police" and body["is_active"] is True
    assert_error(practitioner_client.get("/api/v1/agencies/closed-trust"), 404, "not_found")
    assert admin_client.get("/api/v1/agencies/closed-trust").json()["is_active"] is False
    assert_error(admin_client.get("/api/v1/agencies/no-such-agency"), 404, "not_found")


def test_services_list_scoping_and_fields(make_user, directory):
    client = token_client(make_user(Role.STRATEGIC_LEAD))[0]
    services_json = client.get("/api/v1/services").json()
    assert [s["service_id"] for s in services_json] == ["adult-mh", "camhs-core", "police-yot"]
    camhs = next(s for s in services_json if s["service_id"] == "camhs-core")
    assert camhs["needs"] == ["housing", "mental-health"]
    assert (camhs["min_age"], camhs["max_age"], camhs["ends_at_age"]) == (5, 17, 18)
    assert camhs["max_extension_days"] == 90
    assert camhs["default_weight"] == 1.5 and isinstance(camhs["default_weight"], float)
    assert camhs["agency"]["code"] == "harbourside-camhs"
    admin_ids = [s["service_id"] for s in token_client(make_user(Role.ADMIN))[0].get("/api/v1/services").json()]
    assert admin_ids == ["adult-mh", "camhs-core", "closed-svc", "police-yot", "retired"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("age=10", ["camhs-core", "police-yot"]),
        ("age=18", ["adult-mh", "police-yot"]),
        ("age=17", ["camhs-core", "police-yot"]),
        ("need=mental-health", ["adult-mh", "camhs-core"]),
        ("need=housing", ["camhs-core"]),
        ("audience=all_age", ["police-yot"]),
        ("agency=harbourside-camhs", ["adult-mh", "camhs-core"]),
        ("agency=harbourside-camhs&age=40&need=mental-health", ["adult-mh"]),
        ("agency=closed-trust", []),
    ],
)
def test_services_filters(make_user, directory, query, expected):
    client = token_client(make_user(Role.PRACTITIONER))[0]
    response = client.get(f"/api/v1/services?{query}")
    assert response.status_code == 200
    assert [s["service_id"] for s in response.json()] == expected


def test_service_by_id_is_scoped(make_user, directory):
    practitioner_client = token_client(make_user(Role.PRACTITIONER))[0]
    assert practitioner_client.get("/api/v1/services/camhs-core").json()["name"] == "CAMHS core"
    assert_error(practitioner_client.get("/api/v1/services/retired"), 404, "not_found")
    assert_error(practitioner_client.get("/api/v1/services/closed-svc"), 404, "not_found")
    admin_client = token_client(make_user(Role.ADMIN))[0]
    assert admin_client.get("/api/v1/services/retired").json()["is_active"] is False


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_role_reads_the_directory_and_itself(make_user, directory, role):
    client = token_client(make_user(role))[0]
    for path in ("/api/v1/me", "/api/v1/agencies", "/api/v1/services", "/api/v1/services/camhs-core"):
        assert client.get(path).status_code == 200, path


def test_session_calls_see_the_same_scope_as_the_pages(make_user, directory):
    client = session_client(make_user(Role.PRACTITIONER))
    assert [a["code"] for a in client.get("/api/v1/agencies").json()] == ["harbourside-camhs", "harbourside-police"]


# --- errors ---------------------------------------------------------------------------------


def test_a_user_without_a_directory_role_gets_403(make_user, directory):
    roleless = make_user(role="")
    client = token_client_unchecked(roleless)
    assert_error(client.get("/api/v1/agencies"), 403, "permission_denied")
    assert_error(client.get("/api/v1/services/camhs-core"), 403, "permission_denied")


def token_client_unchecked(user) -> Client:
    """A token made directly, for a user whose role carries no capability (so the service would refuse)."""
    from joinedup.accounts.models import hash_token

    raw = "ju_testtest_" + "s" * 40
    ApiToken.objects.create(user=user, name="legacy", prefix="ju_testtest", token_hash=hash_token(raw))
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.mark.parametrize("query", ["age=-1", "age=121", "age=ten", "audience=martian"])
def test_bad_filters_are_422_with_details(make_user, directory, query):
    client = token_client(make_user())[0]
    error = assert_error(client.get(f"/api/v1/services?{query}"), 422, "validation_error")
    assert error["details"]
    field = query.split("=")[0]
    assert any(d["field"] == field and d["location"] == "query" and d["message"] for d in error["details"])


def test_unknown_api_path_is_404_json(make_user):
    client = token_client(make_user())[0]
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_error(Client().get("/api/v1/no/such/thing/"), 404, "not_found")


def test_unexpected_failure_is_500_json_without_internals(make_user, directory, monkeypatch):
    from joinedup.api.routers import directory as directory_routes

    def explode(user):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(directory_routes, "agency_list_for", explode)
    client = token_client(make_user())[0]
    response = client.get("/api/v1/agencies")
    error = assert_error(response, 500, "server_error")
    assert "hunter2" not in response.content.decode()
    assert error["details"] == []


@override_settings(JOINEDUP_API_RATE="3/m")
def test_too_many_requests_is_429_rate_limited(make_user):
    client = token_client(make_user())[0]
    for _ in range(3):
        assert client.get("/api/v1/me").status_code == 200
    response = client.get("/api/v1/me")
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1
    # Another caller has their own allowance.
    assert token_client(make_user())[0].get("/api/v1/me").status_code == 200


# --- OpenAPI and docs -----------------------------------------------------------------------


def test_openapi_is_valid_and_lists_every_endpoint(db):
    from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    errors = [e.message for e in OPENAPI_31_VALIDATOR.iter_errors(schema)]
    assert errors == []
    assert set(schema["paths"]) == {
        "/api/v1/me",
        "/api/v1/agencies",
        "/api/v1/agencies/{code}",
        "/api/v1/services",
        "/api/v1/services/{service_id}",
        "/api/v1/directory/openreferral",
        "/api/v1/directory/silo-map",
        "/api/v1/young-people",
        "/api/v1/young-people/{ref}",
        "/api/v1/young-people/import",
        "/api/v1/involvements/import",
        "/api/v1/transitions/edges",
    }
    params = {p["name"] for p in schema["paths"]["/api/v1/services"]["get"]["parameters"]}
    assert params == {"age", "need", "audience", "agency", "q"}
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    for item in schema["paths"].values():
        for operation in item.values():
            assert {"200", "401", "403", "404", "422", "500"} <= set(operation["responses"])


def test_docs_are_served_when_enabled(db):
    with override_settings(JOINEDUP_API_DOCS=True):
        response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_with_docs_off_the_docs_are_404_and_the_schema_is_for_signed_in_users(make_user):
    with override_settings(JOINEDUP_API_DOCS=False):
        response = Client().get("/api/v1/docs")
        assert_error(response, 404, "not_found")
        assert_error(Client().get("/api/v1/openapi.json"), 401, "not_authenticated")
        client = Client()
        client.force_login(make_user(Role.ANALYST))
        assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "Joined Up API"


def test_api_responses_are_never_cached(make_user):
    response = token_client(make_user())[0].get("/api/v1/me")
    assert "no-store" in response["Cache-Control"]
