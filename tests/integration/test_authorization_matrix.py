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
    people = _people_world(users, agency, service)
    transitions = _transitions_world(agency, people["yp_involved"])
    meeting, agenda_item, action = _meeting_world(forum, agency)
    return {
        **people,
        **transitions,
        "meeting": meeting.pk,
        "agenda_item": agenda_item.pk,
        "action": action.pk,
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


def _people_world(users, agency, service):
    """Two young people: one led by the users' agency (with its involvement and a transition plan
    with a bridging referral), and one the users' agency is not involved with at all."""
    import datetime as dt

    from joinedup.directory.models import Agency, Service
    from joinedup.people.models import BridgingReferral, Involvement, TransitionPlan, YoungPerson

    youth = Agency.objects.create(name="Harbourside Youth Service", code="harbourside-youth", kind="voluntary")
    youth_work = Service.objects.create(
        agency=youth,
        code="youth-work",
        name="Youth work",
        remit="Youth clubs",
        audience="child",
        min_age=10,
        max_age=19,
    )
    adult = Service.objects.create(
        agency=youth, code="young-adults", name="Young adults", remit="18+", audience="adult"
    )
    involved = YoungPerson.objects.create(ref="YP-MATRX", initials="MX", birth_month="2009-03", lead_agency=agency)
    involvement = Involvement.objects.create(young_person=involved, service=service, start=dt.date(2024, 1, 8))
    plan = TransitionPlan.objects.create(
        young_person=involved, edge_start=dt.date(2027, 3, 1), edge_end=dt.date(2027, 5, 30),
        agreed_by=users[Role.COORDINATOR], agency=agency, review_date=dt.date(2027, 1, 4),
    )  # fmt: skip
    referral = BridgingReferral.objects.create(plan=plan, service=adult)
    other = YoungPerson.objects.create(ref="YP-THEMS", initials="TH", birth_month="2009-05", lead_agency=youth)
    other_involvement = Involvement.objects.create(young_person=other, service=youth_work, start=dt.date(2024, 2, 5))
    return {
        "yp_involved": involved.ref,
        "yp_uninvolved": other.ref,
        "involvement_involved": involvement.pk,
        "involvement_uninvolved": other_involvement.pk,
        "referral": referral.pk,
    }


def _transitions_world(agency, ref):
    """A stored cliff edge for the involved young person (born 2009-03): two of ``agency``'s services
    end on their 18th birthday, 1 March 2027, forecast as of 1 September 2026 so it does not depend
    on today's date."""
    import datetime as dt

    from joinedup.directory.models import Service
    from joinedup.people import forecasting
    from joinedup.people.models import Involvement, YoungPerson

    person = YoungPerson.objects.get(ref=ref)
    for code, weight, extension in (("matrix-camhs", 2, 0), ("matrix-support", 1, 91)):
        ending = Service.objects.create(
            agency=agency, code=code, name=code, remit="r", audience="child", min_age=10, max_age=17,
            ends_at_age=18, default_weight=weight, max_extension_days=extension,
        )  # fmt: skip
        Involvement.objects.create(young_person=person, service=ending, start=dt.date(2024, 1, 8))
    forecasting.person_refresh(person, as_of=dt.date(2026, 9, 1))
    return {"edge_start": "2027-03-01"}


def _meeting_world(forum, agency):
    """A past meeting of the forum with a topic on its agenda and an action owned by ``agency``
    (every test user's agency, so practitioners and strategic leads may update it)."""
    import datetime as dt

    from joinedup.directory import services as directory

    meeting = directory.meeting_create(
        actor=None, actor_label="test", forum=forum, date=dt.date.today() - dt.timedelta(days=7), location="Hall"
    )
    item = directory.agenda_item_add(actor=None, actor_label="test", meeting=meeting, kind="topic", topic="Knives")
    action = directory.action_create(
        actor=None, actor_label="test", title="Map the hotspots", owner_agency=agency,
        due_date=dt.date.today(), meeting=meeting,
    )  # fmt: skip
    return meeting, item, action


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
    if method == "GET":
        response = client.get(url)
    elif url.startswith("/api/"):  # the API takes JSON: an empty object, as the token test sends
        response = client.post(url, {}, content_type="application/json")
    else:
        response = client.post(url, {})
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
