"""The public directory (/find-a-service/) and the one service search behind every list:
only public services, never a person, cacheable for the public, and filters that agree with
a plain reference filter."""

from __future__ import annotations

import contextlib

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from joinedup.directory import selectors
from joinedup.directory import services as directory_services
from joinedup.directory.models import Agency, AgencyKind, Audience, Need, Service
from joinedup.platform.access import Role
from tests.integration.test_api import token_client

pytestmark = pytest.mark.django_db


def make_service(agency, code, **fields):
    needs = fields.pop("needs", [])
    defaults = {"name": code.replace("-", " ").title(), "remit": f"What {code} does.", "audience": Audience.CHILD}
    return directory_services.service_create(
        actor=None, actor_label="test", needs=needs, agency=agency, code=code, **{**defaults, **fields}
    )


@pytest.fixture
def directory(agency, other_agency):
    closed = Agency.objects.create(name="Closed Trust", code="closed-trust", kind=AgencyKind.VOLUNTARY, is_active=False)
    quiet = Agency.objects.create(name="Quiet Council", code="quiet-council", kind=AgencyKind.HOUSING)
    Need.objects.create(slug="mental-health", label="Mental health and wellbeing")
    make_service(
        other_agency,
        "camhs-core",
        name="CAMHS core",
        remit="Counselling and therapy for children with mental health needs.",
        min_age=5,
        max_age=17,
        threshold="Moderate to severe needs",
        referral_route="Ask your GP to refer you",
        contact_email="camhs@example.org",
        contact_phone="01632 960100",
        needs=["mental-health", "self-harm"],
    )
    make_service(agency, "youth-diversion", name="Youth diversion", min_age=10, max_age=17, needs=["offending"])
    make_service(
        other_agency,
        "adult-mh",
        name="Adult mental health",
        audience=Audience.ADULT,
        min_age=18,
        needs=["mental-health"],
    )
    make_service(agency, "police-internal", name="Internal triage", is_public=False, contact_email="triage@example.org")
    make_service(agency, "retired", name="Retired service", is_active=False)
    make_service(closed, "closed-svc", name="Closed service")
    make_service(quiet, "quiet-hidden", name="Quiet hidden service", is_public=False)
    return {"closed": closed, "quiet": quiet}


def names_on(response) -> list[str]:
    return [service.name for service in response.context["services"]]


def test_anyone_can_search_the_public_directory_without_signing_in(client, directory):
    response = client.get(reverse("public-directory:service-list"))
    assert response.status_code == 200
    assert names_on(response) == ["Adult mental health", "CAMHS core", "Youth diversion"]
    page = response.content.decode()
    assert "3 services" in page and "call 999" in page
    assert "/api/v1/directory/openreferral" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"age": "15"}, ["CAMHS core", "Youth diversion"]),
        ({"age": "18"}, ["Adult mental health"]),
        ({"age": "4"}, []),
        ({"need": "mental-health"}, ["Adult mental health", "CAMHS core"]),
        ({"need": ["offending", "self-harm"]}, ["CAMHS core", "Youth diversion"]),
        ({"need": "mental-health", "age": "16"}, ["CAMHS core"]),
        ({"q": "counselling"}, ["CAMHS core"]),
        ({"q": "THERAPY children"}, ["CAMHS core"]),
        ({"q": "mental"}, ["Adult mental health", "CAMHS core"]),
        ({"q": "triage"}, []),
        ({"q": "youth", "age": "12"}, ["Youth diversion"]),
    ],
)
def test_public_search_by_age_needs_and_words(client, directory, params, expected):
    response = client.get(reverse("public-directory:service-list"), params)
    assert names_on(response) == expected


def test_a_bad_search_value_is_explained_and_the_rest_still_applies(client, directory):
    response = client.get(reverse("public-directory:service-list"), {"age": "fifteen", "need": "mental-health"})
    assert names_on(response) == ["Adult mental health", "CAMHS core"]
    page = response.content.decode()
    assert "There is a problem" in page and "Age must be a whole number, like 17" in page
    response = client.get(reverse("public-directory:service-list"), {"need": "offending-staff-only"})
    assert "Select needs from the list" in response.content.decode()


def test_the_public_need_choices_are_only_needs_of_public_services(client, directory):
    make_service(directory["quiet"], "hidden-needs", is_public=False, needs=["staff-wellbeing"])
    form = client.get(reverse("public-directory:service-list")).context["form"]
    assert [value for value, _label in form.fields["need"].choices] == ["mental-health", "offending", "self-harm"]


def test_service_page_says_what_who_for_threshold_how_to_refer_and_contact(client, directory):
    response = client.get(reverse("public-directory:service", args=["camhs-core"]))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "CAMHS core",
        "Harbourside CAMHS",
        "Counselling and therapy",
        "Children and young people",
        "5 to 17",
        "Mental health and wellbeing",
        "self harm",
        "Moderate to severe needs",
        "Ask your GP to refer you",
        "mailto:camhs@example.org",
        "01632 960100",
    ):
        assert text in page
    assert "Service ID" not in page and "Weight" not in page


@pytest.mark.parametrize("code", ["police-internal", "retired", "closed-svc", "no-such-service"])
def test_services_not_in_the_public_directory_are_not_found(client, directory, code):
    assert client.get(reverse("public-directory:service", args=[code])).status_code == 404


def test_agency_page_lists_only_its_public_services(client, directory, agency):
    response = client.get(reverse("public-directory:agency", args=[agency.code]))
    assert response.status_code == 200
    assert [service.name for service in response.context["services"]] == ["Youth diversion"]
    page = response.content.decode()
    assert "Internal triage" not in page and "Retired service" not in page


@pytest.mark.parametrize("code", ["closed-trust", "quiet-council", "no-such-agency"])
def test_agencies_with_nothing_public_are_not_found(client, directory, code):
    assert client.get(reverse("public-directory:agency", args=[code])).status_code == 404


def test_public_pages_never_show_a_person(client, directory, agency, other_agency, make_user):
    """Staff, users, distribution lists and forums' people never reach a public page, even
    when they belong to the agencies shown."""
    user = make_user(Role.PRACTITIONER, email="pat.practitioner@example.org", full_name="Pat Practitioner")
    make_user(Role.COORDINATOR, agency_obj=other_agency, email="cora.coordinator@example.org", full_name="Cora Coord")
    forum = directory_services.forum_create(
        actor=None, actor_label="test", name="MACE panel", code="mace", kind="mace_panel", purpose="Plans",
        frequency="monthly", chair_agency=agency,
    )  # fmt: skip
    dl = directory_services.distribution_list_create(actor=None, actor_label="test", name="MACE list", forum=forum)
    directory_services.distribution_list_member_add(
        actor=None, actor_label="test", distribution_list=dl, name="Sam Staff", email="sam.staff@example.org",
        agency=user.agency,
    )  # fmt: skip
    pages = [
        reverse("public-directory:service-list"),
        reverse("public-directory:service-list") + "?q=mental&age=16",
        reverse("public-directory:service", args=["camhs-core"]),
        reverse("public-directory:service", args=["youth-diversion"]),
        reverse("public-directory:agency", args=[agency.code]),
        reverse("public-directory:agency", args=[other_agency.code]),
        "/api/v1/directory/openreferral",
    ]
    for url in pages:
        content = Client().get(url).content.decode()
        for personal in (
            "pat.practitioner@",
            "Pat Practitioner",
            "cora.coordinator@",
            "Cora Coord",
            "Sam Staff",
            "sam.staff@",
            "MACE",
            "triage@example.org",
            "Internal triage",
        ):
            assert personal not in content, (url, personal)


def test_public_pages_may_be_cached_for_the_public_but_never_for_signed_in_users(client, directory, make_user):
    url = reverse("public-directory:service", args=["camhs-core"])
    response = client.get(url)
    cache = response["Cache-Control"]
    assert "public" in cache and "max-age=300" in cache and "no-store" not in cache
    assert "Cookie" in response["Vary"]
    assert "Content-Security-Policy" in response
    client.force_login(make_user(Role.PRACTITIONER))
    response = client.get(url)
    assert response.status_code == 200
    cache = response["Cache-Control"]
    assert "no-store" in cache and "private" in cache and "public" not in cache
    assert client.post(url).status_code == 405


def test_the_public_home_page_links_to_the_directory(client):
    assert reverse("public-directory:service-list") in client.get("/").content.decode()


# --- the signed-in list and the API share the same search ---------------------------------


def test_signed_in_service_list_searches_words_and_several_needs(client, directory, make_user):
    client.force_login(make_user(Role.COORDINATOR))
    url = reverse("directory:service-list")
    assert names_on(client.get(url, {"q": "triage"})) == ["Internal triage"]
    assert names_on(client.get(url, {"need": ["offending", "self-harm"]})) == ["CAMHS core", "Youth diversion"]
    assert names_on(client.get(url, {"need": ["offending", "self-harm"], "q": "core"})) == ["CAMHS core"]
    response = client.get(url, {"age": "0"})
    assert response.context["filtered"] and "match your filters" in response.content.decode()


def test_api_services_search_words_and_several_needs(directory, make_user):
    client = token_client(make_user(Role.PRACTITIONER))[0]
    found = client.get("/api/v1/services?need=offending&need=self-harm").json()
    assert [s["service_id"] for s in found] == ["camhs-core", "youth-diversion"]
    found = client.get("/api/v1/services?q=TRIAGE").json()
    assert [s["service_id"] for s in found] == ["police-internal"]


# --- the search against a plain reference ------------------------------------------------


@contextlib.contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


NEEDS = ["exploitation", "housing", "mental-health", "offending"]
WORDS = ["youth", "Mental", "support", "café", "team"]


def reference_filter(rows, *, age=None, needs=(), text=None):
    """The search as a person would state it, over plain dicts."""
    found = []
    for row in rows:
        if age is not None and not (
            (row["min_age"] is None or row["min_age"] <= age) and (row["max_age"] is None or row["max_age"] >= age)
        ):
            continue
        if needs and not set(needs) & set(row["needs"]):
            continue
        words = (text or "").split()
        if any(w.lower() not in row["name"].lower() and w.lower() not in row["remit"].lower() for w in words):
            continue
        found.append(row["code"])
    return sorted(found)


service_rows = st.lists(
    st.fixed_dictionaries(
        {
            "min_age": st.none() | st.integers(0, 25),
            "span": st.none() | st.integers(0, 20),
            "needs": st.lists(st.sampled_from(NEEDS), unique=True, max_size=3),
            "name": st.lists(st.sampled_from(WORDS), max_size=2).map(" ".join),
            "remit": st.lists(st.sampled_from([*WORDS, "other"]), max_size=3).map(" ".join),
        }
    ),
    max_size=8,
)


@hsettings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    rows=service_rows,
    age=st.none() | st.integers(0, 50),
    needs=st.lists(st.sampled_from(NEEDS), unique=True, max_size=2),
    text=st.none() | st.lists(st.sampled_from([*WORDS, "youth team", "MENTAL"]), max_size=2).map(" ".join),
)
def test_service_filter_agrees_with_a_plain_filter(agency, rows, age, needs, text):
    with rolled_back():
        plain = []
        for index, row in enumerate(rows):
            low = row["min_age"]
            high = None if row["span"] is None else (low or 0) + row["span"]
            code = f"s-{index}"
            make_service(
                agency, code, name=row["name"] or code, remit=row["remit"], audience=Audience.ALL_AGE,
                min_age=low, max_age=high, needs=row["needs"],
            )  # fmt: skip
            plain.append(
                {"code": code, "min_age": low, "max_age": high, "needs": row["needs"], "name": row["name"] or code,
                 "remit": row["remit"]}
            )  # fmt: skip
        found = selectors.service_filter(Service.objects.all(), age=age, needs=needs, text=text)
        assert sorted(found.values_list("code", flat=True)) == reference_filter(plain, age=age, needs=needs, text=text)
        public = selectors.public_service_search(age=age, needs=needs, text=text)
        assert sorted(public.values_list("code", flat=True)) == reference_filter(plain, age=age, needs=needs, text=text)
