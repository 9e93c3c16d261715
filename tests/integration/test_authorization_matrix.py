"""The authorization matrix: every URL × every role (and anonymous) → the status expected.

The expectations live as data in tests/authz_matrix.json, reviewed like code. URLs come
from Django's resolver and from the API's OpenAPI schema: a URL with no entry in the
matrix fails the build, so a new page cannot ship without someone deciding who may use it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from joinedup.platform.access import Role

MATRIX_FILE = Path(__file__).resolve().parents[1] / "authz_matrix.json"
MATRIX = json.loads(MATRIX_FILE.read_text())
ROLES = ["anonymous", *[role.value for role in Role]]


def resolver_routes() -> set[str]:
    """Every route the site answers, as Django writes it (e.g. 'directory/agencies/<int:pk>/')."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return set(walk(get_resolver().url_patterns))


def _excluded(route: str) -> bool:
    return any(route.startswith(prefix) for prefix in MATRIX["excluded_prefixes"])


def _expected(spec: dict, role: str) -> int:
    if role in spec:
        return spec[role]
    if role != "anonymous" and "signed_in" in spec:
        return spec["signed_in"]
    return spec.get("*")


def _cases():
    for route, entry in MATRIX["pages"].items():
        for method in ("GET", "POST"):
            if method in entry:
                for role in ROLES:
                    yield pytest.param(
                        entry.get("path", "/" + route),
                        method,
                        role,
                        _expected(entry[method], role),
                        id=f"{method} /{route} as {role}",
                    )
    for path, entry in MATRIX["api"].items():
        for method, spec in entry.items():
            if method in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                for role in ROLES:
                    yield pytest.param(
                        entry.get("path", path), method, role, _expected(spec, role), id=f"{method} {path} as {role}"
                    )


def api_operation_routes() -> set[str]:
    """The resolver's spelling of each API operation ('/api/v1/agencies/{code}' -> 'api/v1/agencies/<code>')."""
    import re

    from joinedup.api.api import api

    paths = api.get_openapi_schema()["paths"]
    return {re.sub(r"\{(\w+)\}", r"<\1>", path.lstrip("/")) for path in paths}


def test_every_route_has_an_entry():
    routes = {route for route in resolver_routes() if not _excluded(route)} - api_operation_routes()
    missing = sorted(routes - set(MATRIX["pages"]))
    stale = sorted(set(MATRIX["pages"]) - routes)
    assert not missing, f"Add these routes to {MATRIX_FILE.name}: {missing}"
    assert not stale, f"These matrix entries match no route: {stale}"


def test_every_api_operation_has_an_entry(client):
    schema = client.get("/api/v1/openapi.json").json()
    operations = {(path, method.upper()) for path, item in schema["paths"].items() for method in item}
    listed = {(path, method) for path, entry in MATRIX["api"].items() for method in entry if method.isupper()}
    assert not sorted(operations - listed), (
        f"Add these API operations to {MATRIX_FILE.name}: {sorted(operations - listed)}"
    )
    assert not sorted(listed - operations), (
        f"These API matrix entries match no operation: {sorted(listed - operations)}"
    )


def test_every_expectation_is_complete():
    for case in _cases():
        path, method, role, expected = case.values
        assert isinstance(expected, int), f"No expected status for {method} {path} as {role}"


@pytest.fixture
def world(db, users, agency):
    """One of everything a URL can point at, so every route can be filled in."""
    from joinedup.accounts.models import ApiToken, hash_token
    from joinedup.directory.models import Service
    from joinedup.platform.audit import audit_record

    service = Service.objects.create(
        agency=agency, code="police-early-help", name="Early help", remit="Helps", audience="child"
    )
    token = ApiToken.objects.create(
        user=users[Role.ADMIN], name="matrix", prefix="ju_matrix", token_hash=hash_token("x")
    )
    event = audit_record(actor=users[Role.ADMIN], action="tests.matrix.setup")
    forum, forum_member, distribution_list, list_member = _forum_world(agency)
    return {
        "forum": forum.pk,
        "forum_member": forum_member.pk,
        "distribution_list": distribution_list.pk,
        "list_member": list_member.pk,
        "agency": agency.pk,
        "service": service.pk,
        "user": users[Role.PRACTITIONER].pk,
        "token": token.pk,
        "audit_seq": event.seq,
    }


def _forum_world(agency):
    """A forum chaired by ``agency`` with a second member agency whose one user is not yet on
    the forum's distribution list (so the 'add their people?' offer has someone to offer)."""
    from joinedup.accounts.models import User
    from joinedup.directory import services as directory
    from joinedup.directory.models import Agency

    member_agency = Agency.objects.create(name="Harbourside CAMHS", code="harbourside-camhs", kind="health")
    User.objects.create_user(
        email="nurse@example.org", password=None, full_name="Nia Nurse", role=Role.PRACTITIONER, agency=member_agency
    )
    forum = directory.forum_create(
        actor=None, actor_label="test", name="MACE panel", code="mace", kind="mace_panel", purpose="Plans",
        frequency="monthly", chair_agency=agency,
    )  # fmt: skip
    distribution_list = directory.distribution_list_create(actor=None, actor_label="test", name="MACE", forum=forum)
    list_member = directory.distribution_list_member_add(
        actor=None, actor_label="test", distribution_list=distribution_list, name="Pat Police",
        email="pat@example.org", agency=agency,
    )  # fmt: skip
    added = directory.forum_membership_add(actor=None, actor_label="test", forum=forum, agency=member_agency)
    return forum, added.membership, distribution_list, list_member


@pytest.mark.parametrize(("path", "method", "role", "expected"), list(_cases()))
def test_matrix(client, users, world, path, method, role, expected):
    if role != "anonymous":
        client.force_login(users[role])
    url = path.format(**world)
    response = client.get(url) if method == "GET" else client.post(url, {})
    assert response.status_code == expected, f"{method} {url} as {role}: {response.status_code}, expected {expected}"


def _api_cases():
    for path, entry in MATRIX["api"].items():
        for method, spec in entry.items():
            if method in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                for role in ROLES[1:]:
                    yield pytest.param(
                        entry.get("path", path), method, role, _expected(spec, role), id=f"{method} {path} token {role}"
                    )


@pytest.mark.parametrize(("path", "method", "role", "expected"), list(_api_cases()))
def test_api_matrix_with_personal_tokens(users, world, path, method, role, expected):
    """The API answers a token exactly as it answers the same user's session."""
    from django.test import Client

    from joinedup.accounts.services import api_token_create

    _, raw = api_token_create(actor=users[role], name="matrix")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    url = path.format(**world)
    response = client.get(url) if method == "GET" else client.post(url, {}, content_type="application/json")
    assert response.status_code == expected, f"{method} {url} with {role}'s token: {response.status_code}"
