"""Open Referral UK JSON: export, import all-or-nothing with JSON-path errors, idempotence, the
lossless round trip, and the page, command and API that carry it."""

from __future__ import annotations

import contextlib
import copy
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from joinedup.accounts.services import api_token_create
from joinedup.directory import services as directory_services
from joinedup.directory.models import ADULT_AGE, Agency, AgencyKind, Audience, Need, Service
from joinedup.directory.openreferral import (
    EXTENSION,
    OrukImportInvalid,
    oruk_check,
    oruk_export,
    oruk_import,
    oruk_json,
    oruk_load,
)
from joinedup.platform.access import Role
from joinedup.platform.models import AuditEvent

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def rolled_back():
    """Run a Hypothesis example inside a savepoint that is always undone."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def make_service(agency, code, **fields):
    needs = fields.pop("needs", [])
    defaults = {"name": code.replace("-", " ").title(), "remit": f"What {code} does.", "audience": Audience.CHILD}
    return directory_services.service_create(
        actor=None, actor_label="test", needs=needs, agency=agency, code=code, **{**defaults, **fields}
    )


@pytest.fixture
def directory(agency, other_agency):
    """Every kind of service the export must tell apart, with every field filled in somewhere."""
    agency.description = "Keeps people safe."
    agency.website = "https://police.example.org"
    agency.email = "enquiries@police.example.org"
    agency.phone = "101"
    agency.save()
    closed = Agency.objects.create(name="Closed Trust", code="closed-trust", kind=AgencyKind.VOLUNTARY, is_active=False)
    Need.objects.create(slug="mental-health", label="Mental health and wellbeing")
    make_service(
        other_agency,
        "camhs-core",
        name="CAMHS core",
        remit="Mental health support for children.\nSecond line.",
        audience=Audience.CHILD,
        min_age=5,
        max_age=17,
        ends_at_age=18,
        max_extension_days=90,
        default_weight=Decimal("1.50"),
        threshold="Moderate to severe mental health needs",
        referral_route="GP or school nurse referral",
        contact_email="camhs@example.org",
        contact_phone="01632 960100",
        needs=["mental-health", "self-harm"],
    )
    make_service(
        agency, "police-yot", name="Youth offending team", audience=Audience.ALL_AGE, min_age=10, needs=["offending"]
    )
    make_service(other_agency, "adult-mh", name="Adult mental health", audience=Audience.ADULT, min_age=18)
    make_service(agency, "police-internal", name="Internal triage", is_public=False, contact_email="triage@example.org")
    make_service(agency, "retired", name="Retired service", is_active=False)
    make_service(closed, "closed-svc", name="Closed service")
    return {"closed": closed}


def codes(document, key="services"):
    return [item["id"] for item in document[key]]


def wipe_directory():
    Service.objects.all().delete()
    Need.objects.all().delete()
    Agency.objects.all().delete()


def counts():
    return (Agency.objects.count(), Service.objects.count(), Need.objects.count(), AuditEvent.objects.count())


# --- export ------------------------------------------------------------------------------


def test_public_export_is_the_public_directory_only(directory):
    document = oruk_export()
    assert codes(document) == ["adult-mh", "camhs-core", "police-yot"]
    assert codes(document, "organizations") == ["harbourside-camhs", "harbourside-police"]
    assert document[EXTENSION]["scope"] == "public"
    text = oruk_json(document)
    for hidden in ("police-internal", "triage@example.org", "retired", "closed-svc", "Closed Trust"):
        assert hidden not in text


def test_a_service_in_the_oruk_shape_with_joined_up_fields_namespaced(directory):
    document = oruk_export(base_url="https://joinedup.example.org")
    camhs = next(s for s in document["services"] if s["id"] == "camhs-core")
    assert camhs["name"] == "CAMHS core"
    assert camhs["description"] == "Mental health support for children.\nSecond line."
    assert camhs["status"] == "active"
    assert camhs["email"] == "camhs@example.org"
    assert camhs["url"] == "https://joinedup.example.org/find-a-service/services/camhs-core/"
    assert camhs["organization"] == {"id": "harbourside-camhs", "name": "Harbourside CAMHS"}
    assert camhs["eligibilitys"] == [
        {
            "id": "camhs-core-eligibility",
            "eligibility": "Moderate to severe mental health needs",
            "minimum_age": 5,
            "maximum_age": 17,
            "taxonomys": [],
        }
    ]
    assert [c["phones"][0]["number"] for c in camhs["contacts"]] == ["01632 960100"]
    assert [t["taxonomy"] for t in camhs["service_taxonomys"]] == [
        {
            "id": "joinedup-needs:mental-health",
            "name": "Mental health and wellbeing",
            "vocabulary": "joinedup-needs",
            "parent": None,
        },
        {"id": "joinedup-needs:self-harm", "name": "self harm", "vocabulary": "joinedup-needs", "parent": None},
    ]
    assert camhs[EXTENSION] == {
        "audience": "child",
        "ends_at_age": 18,
        "max_extension_days": 90,
        "default_weight": "1.5",
        "threshold": "Moderate to severe mental health needs",
        "referral_route": "GP or school nurse referral",
        "is_public": True,
    }
    police = next(o for o in document["organizations"] if o["id"] == "harbourside-police")
    assert police["url"] == "https://police.example.org" and police["email"] == "enquiries@police.example.org"
    assert police[EXTENSION] == {"kind": "police", "phone": "101", "is_active": True}
    assert police["services"] == [{"id": "police-yot", "name": "Youth offending team"}]


def test_the_export_names_no_person(directory, make_user):
    """Users, distribution-list members and their email addresses are never exported."""
    user = make_user(Role.PRACTITIONER, email="pat.practitioner@example.org", full_name="Pat Practitioner")
    dl = directory_services.distribution_list_create(actor=None, actor_label="test", name="Everyone")
    directory_services.distribution_list_member_add(
        actor=None, actor_label="test", distribution_list=dl, name="Sam Staff", email="sam.staff@example.org",
        agency=user.agency,
    )  # fmt: skip
    for scope in ("public", "all"):
        text = oruk_json(oruk_export(scope=scope))
        for personal in ("pat.practitioner@", "Pat Practitioner", "sam.staff@", "Sam Staff"):
            assert personal not in text


def test_the_full_export_holds_every_agency_and_service(directory):
    document = oruk_export(scope="all")
    assert codes(document) == ["adult-mh", "camhs-core", "closed-svc", "police-internal", "police-yot", "retired"]
    assert codes(document, "organizations") == ["closed-trust", "harbourside-camhs", "harbourside-police"]
    retired = next(s for s in document["services"] if s["id"] == "retired")
    assert retired["status"] == "inactive" and retired["url"] == ""


# --- the round trip ----------------------------------------------------------------------


def test_round_trip_into_an_empty_directory_is_lossless(directory):
    before = oruk_export(scope="all")
    wipe_directory()
    result = oruk_import(json.loads(oruk_json(before)), actor=None, actor_label="test")
    assert (result.agencies_created, result.services_created, result.needs_created) == (3, 6, 3)
    assert oruk_export(scope="all") == before
    camhs = Service.objects.get(code="camhs-core")
    assert camhs.default_weight == Decimal("1.5") and camhs.is_public and camhs.ends_at_age == 18
    assert Need.objects.get(slug="mental-health").label == "Mental health and wellbeing"
    assert Need.objects.get(slug="self-harm").label == ""


def test_reimport_is_idempotent_and_audits_nothing_the_second_time(directory, admin_user):
    document = oruk_export(scope="all")
    before = counts()
    result = oruk_import(document, actor=admin_user)
    assert not result.changed and result.services_unchanged == 6 and result.agencies_unchanged == 3
    assert counts() == before
    document["services"][0]["name"] = "Adult mental health team"
    result = oruk_import(document, actor=admin_user)
    assert (result.services_updated, result.services_created, result.services_unchanged) == (1, 0, 5)
    assert Service.objects.count() == 6
    actions = list(AuditEvent.objects.filter(seq__gt=before[3]).values_list("action", flat=True))
    assert actions == ["directory.service.import", "directory.openreferral.import"]
    summary = AuditEvent.objects.get(action="directory.openreferral.import")
    assert summary.actor_id == admin_user.pk and summary.detail["services_updated"] == 1


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=20).map(str.strip).filter(bool)
free_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("\n\"'\\"), max_size=40
)
slugs = st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True)


@st.composite
def directories(draw):
    """A directory as plain data: agencies, and services that satisfy the model's rules."""
    agency_codes = draw(st.lists(slugs, min_size=1, max_size=3, unique=True))
    agencies = [
        {
            "code": code,
            "name": f"Agency {code}",
            "kind": draw(st.sampled_from(AgencyKind.values)),
            "description": draw(free_text),
            "email": draw(st.sampled_from(["", f"{code}@example.org"])),
            "phone": draw(st.sampled_from(["", "01632 960000"])),
            "is_active": draw(st.booleans()),
        }
        for code in agency_codes
    ]
    need_slugs = draw(st.lists(slugs, max_size=4, unique=True))
    labels = {slug: draw(st.sampled_from(["", f"Label {slug}"])) for slug in need_slugs}
    services = []
    for code in draw(st.lists(slugs, max_size=5, unique=True)):
        audience = draw(st.sampled_from(Audience.values))
        low = draw(st.none() | st.integers(0, 30))
        high = draw(st.none() | st.integers(low or 0, 40))
        if audience == Audience.ADULT:
            high = None if high is None else max(high, ADULT_AGE)
        if audience == Audience.CHILD and low is not None:
            low = min(low, ADULT_AGE - 1)
            high = None if high is None else max(high, low)
        services.append(
            {
                "agency": draw(st.sampled_from(agency_codes)),
                "code": f"s-{code}",
                "name": draw(names),
                "remit": draw(free_text),
                "audience": audience,
                "min_age": low,
                "max_age": high,
                "threshold": draw(free_text),
                "referral_route": draw(free_text),
                "max_extension_days": draw(st.integers(0, 3650)),
                "default_weight": draw(
                    st.sampled_from([Decimal("1"), Decimal("0.5"), Decimal("2.25"), Decimal("100")])
                ),
                "contact_email": draw(st.sampled_from(["", "team@example.org"])),
                "contact_phone": draw(st.sampled_from(["", "01632 960001"])),
                "is_public": draw(st.booleans()),
                "is_active": draw(st.booleans()),
                "needs": draw(st.lists(st.sampled_from(need_slugs), unique=True)) if need_slugs else [],
            }
        )
    return agencies, labels, services


def build(agencies, labels, services):
    by_code = {}
    for fields in agencies:
        by_code[fields["code"]] = directory_services.agency_create(actor=None, actor_label="test", **fields)
    Need.objects.bulk_create([Need(slug=slug, label=label) for slug, label in labels.items()])
    for fields in services:
        fields = dict(fields, agency=by_code[fields["agency"]])
        directory_services.service_create(actor=None, actor_label="test", **fields)


@hsettings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=directories())
def test_any_directory_round_trips_through_an_empty_database(db, data):
    with rolled_back():
        wipe_directory()
        build(*data)
        before = oruk_export(scope="all")
        wipe_directory()
        oruk_import(oruk_load(oruk_json(before).encode("utf-8")), actor=None, actor_label="test")
        assert oruk_export(scope="all") == before
        again = oruk_import(before, actor=None, actor_label="test")
        assert not again.changed and again.needs_created == 0


# --- bad documents -----------------------------------------------------------------------


def _set(document, path, value):
    """document, 'services[1].eligibilitys[0].minimum_age', value -> sets it."""
    target = document
    parts = path.replace("]", "").replace("[", ".").split(".")
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    last = parts[-1]
    if value is _DELETE:
        del target[int(last) if last.isdigit() else last]
    else:
        target[int(last) if last.isdigit() else last] = value


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "problem_path", "words"),
    [
        (
            "services[1].eligibilitys[0].minimum_age",
            "ten",
            "services[1].eligibilitys[0].minimum_age",
            "whole number of years",
        ),
        (
            "services[1].eligibilitys[0].minimum_age",
            12.5,
            "services[1].eligibilitys[0].minimum_age",
            "whole number of years",
        ),
        ("services[1].eligibilitys[0].maximum_age", 121, "services[1].eligibilitys[0].maximum_age", "from 0 to 120"),
        (
            "services[1].eligibilitys[0].maximum_age",
            4,
            "services[1].eligibilitys[0].minimum_age",
            "Minimum age must be the same as or lower",
        ),
        (
            "services[0].eligibilitys",
            [{"minimum_age": 18, "maximum_age": 16}],
            "services[0].eligibilitys[0].minimum_age",
            "Minimum age",
        ),
        (
            "services[0].eligibilitys",
            [{"minimum_age": 18, "maximum_age": 30}, {"maximum_age": 40}],
            "services[0].eligibilitys[1]",
            "Only one eligibility entry may give ages",
        ),
        (
            "services[1].organization.id",
            "nowhere-trust",
            "services[1].organization.id",
            "No organisation has the id “nowhere-trust”",
        ),
        ("services[1].organization", _DELETE, "services[1].organization", "Enter the organisation"),
        ("services[2].id", "adult-mh", "services[2].id", "used more than once"),
        ("services[2].id", "Not An Id!", "services[2].id", "letters, numbers and hyphens"),
        ("services[2].name", "", "services[2].name", "Enter the service’s name"),
        ("services[2].name", 7, "services[2].name", "Must be text"),
        ("services[2].status", "open", "services[2].status", "The status must be one of"),
        ("services[2].email", "not-an-email", "services[2].email", "valid email"),
        ("services[2].contacts", "01632", "services[2].contacts", "Must be a list"),
        (
            f"services[1].{EXTENSION}.default_weight",
            "0.001",
            f"services[1].{EXTENSION}.default_weight",
            "at most 2 decimal places",
        ),
        (f"services[1].{EXTENSION}.default_weight", 0, f"services[1].{EXTENSION}.default_weight", "from 0.01 to 100"),
        (
            f"services[1].{EXTENSION}.audience",
            "martian",
            f"services[1].{EXTENSION}.audience",
            "Who the service is for must be one of",
        ),
        (
            f"services[0].{EXTENSION}.audience",
            "child",
            "services[0].eligibilitys[0].minimum_age",
            "children's service must have a minimum age under 18",
        ),
        (f"services[1].{EXTENSION}.ends_at_age", 3, f"services[1].{EXTENSION}.ends_at_age", "above the minimum age"),
        (
            f"services[1].{EXTENSION}.max_extension_days",
            None,
            f"services[1].{EXTENSION}.max_extension_days",
            "whole number of days",
        ),
        (f"services[1].{EXTENSION}.is_public", "yes", f"services[1].{EXTENSION}.is_public", "true or false"),
        (
            "services[1].service_taxonomys[0].taxonomy.id",
            "joinedup-needs:mental_health!",
            "services[1].service_taxonomys[0].taxonomy.id",
            "Needs must use letters",
        ),
        (
            "organizations[0].name",
            "Harbourside Police",
            "organizations[1].name",
            "Another organisation in the file is called",
        ),
        (
            f"organizations[0].{EXTENSION}.kind",
            "army",
            f"organizations[0].{EXTENSION}.kind",
            "The kind of agency must be one of",
        ),
        ("organizations[0].url", "not a website", "organizations[0].url", "valid URL"),
        ("organizations[1].id", "harbourside-camhs", "organizations[1].id", "used more than once"),
        (
            "organizations[0].services",
            [{"id": "police-yot"}],
            "organizations[0].services[0].id",
            "its organization is “harbourside-police”",
        ),
        ("services", {"id": "x"}, "services", "Must be a list"),
        ("services", _DELETE, "services", "no list of services"),
    ],
)
def test_a_bad_document_names_the_json_path_and_writes_nothing(directory, admin_user, path, value, problem_path, words):
    document = oruk_export()  # adult-mh, camhs-core, police-yot; harbourside-camhs, harbourside-police
    _set(document, path, value)
    before = counts()
    with pytest.raises(OrukImportInvalid) as caught:
        oruk_import(document, actor=admin_user)
    problems = caught.value.problems
    assert any(p.path == problem_path and words in p.message for p in problems), problems
    assert counts() == before
    assert oruk_check(document) == problems


def test_every_problem_is_reported_at_once_in_document_order(directory):
    document = oruk_export()
    document["services"] = [copy.deepcopy(service) for service in document["services"] * 4]
    for index, service in enumerate(document["services"]):
        service["id"] = f"svc-{index}"
    document["services"][2]["eligibilitys"][0]["minimum_age"] = -1
    document["services"][10]["status"] = "closed"
    problems = oruk_check(document)
    assert [p.path for p in problems] == ["services[2].eligibilitys[0].minimum_age", "services[10].status"]
    assert str(problems[0]).startswith("services[2].eligibilitys[0].minimum_age: Must be a whole number")


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[]", "Must be an object"),
        (b'{"x-joinedup": {"format_version": 2}, "services": []}', "newer version of Joined Up"),
    ],
)
def test_a_file_that_is_not_an_oruk_document_is_refused_whole(directory, raw, words):
    before = counts()
    with pytest.raises(OrukImportInvalid) as caught:
        oruk_import(oruk_load(raw), actor=None, actor_label="test")
    assert any(words in p.message for p in caught.value.problems)
    assert counts() == before


def test_a_failure_late_in_the_write_undoes_the_agencies_already_written(directory, monkeypatch):
    document = oruk_export(scope="all")
    document["organizations"].append({"id": "new-charity", "name": "New Charity", "description": ""})
    document["services"][0]["organization"] = {"id": "new-charity", "name": "New Charity"}
    for organization in document["organizations"]:
        organization.pop("services", None)

    def fail(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(directory_services, "services_import", fail)
    before = counts()
    with pytest.raises(RuntimeError):
        oruk_import(document, actor=None, actor_label="test")
    assert counts() == before and not Agency.objects.filter(code="new-charity").exists()


def test_only_administrators_may_import(directory, make_user):
    document = oruk_export()
    document["services"][0]["name"] = "Renamed"
    for role in (Role.COORDINATOR, Role.PRACTITIONER, Role.ANALYST):
        with pytest.raises(PermissionDenied):
            oruk_import(document, actor=make_user(role))
    with pytest.raises(PermissionDenied):
        oruk_import(document, actor=None)  # the command line must say who it is
    assert Service.objects.get(code="adult-mh").name == "Adult mental health"


# --- other publishers' documents ---------------------------------------------------------


FOREIGN = {
    "services": [
        {
            "id": "ac148810-d857-441c-9679-408f346de14b",
            "name": "Community Counselling",
            "description": "Counselling for young people.",
            "url": "http://example.com/counselling",
            "email": "counselling@example.com",
            "status": "active",
            "organization": {
                "id": "D9D5E0F5-D3CE-4F73-9A2F-4DD0ECC6C610",
                "name": "Example Organisation",
                "description": "A charity.",
                "url": "http://example.com",
            },
            "contacts": [{"id": "c1", "name": "Reception", "phones": [{"id": "p1", "number": "01632 960999"}]}],
            "eligibilitys": [
                {"id": "e1", "eligibility": "Young people in the borough", "minimum_age": 12, "maximum_age": 25}
            ],
            "service_taxonomys": [
                {"id": "t1", "taxonomy": {"id": "esd:123", "name": "Counselling", "vocabulary": "esdServiceTypes"}},
                {"id": "t2", "taxonomy": {"name": "Mental health", "vocabulary": "joinedup-needs"}},
            ],
            "regular_schedules": [{"id": "r1", "opens_at": "09:00"}],
        },
        {
            "id": 42,
            "name": "Young adults' advice",
            "status": "active",
            "organization": {"id": "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"},
            "eligibilitys": [{"id": "e2", "minimum_age": 18}],
        },
    ]
}


def test_another_publishers_document_imports_with_sensible_defaults(db):
    result = oruk_import(copy.deepcopy(FOREIGN), actor=None, actor_label="test")
    assert (result.agencies_created, result.services_created) == (1, 2)
    charity = Agency.objects.get(code="d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610")
    assert (charity.name, charity.kind, charity.website) == ("Example Organisation", "other", "http://example.com")
    counselling = Service.objects.get(code="ac148810-d857-441c-9679-408f346de14b")
    assert counselling.agency == charity
    assert (counselling.min_age, counselling.max_age, counselling.audience) == (12, 25, Audience.ALL_AGE)
    assert counselling.threshold == "Young people in the borough"
    assert counselling.contact_phone == "01632 960999" and counselling.contact_email == "counselling@example.com"
    assert list(counselling.needs.values_list("slug", flat=True)) == ["mental-health"]  # other vocabularies left out
    advice = Service.objects.get(code="42")
    assert (advice.audience, advice.min_age, advice.default_weight, advice.is_public) == ("adult", 18, 1, True)
    assert not oruk_import(copy.deepcopy(FOREIGN), actor=None, actor_label="test").changed


def test_fields_a_document_leaves_out_are_left_as_they_are(directory):
    document = oruk_export()
    camhs = next(s for s in document["services"] if s["id"] == "camhs-core")
    for key in (EXTENSION, "eligibilitys", "contacts", "service_taxonomys", "email", "description", "status"):
        del camhs[key]
    camhs["name"] = "CAMHS"
    oruk_import(document, actor=None, actor_label="test")
    stored = Service.objects.get(code="camhs-core")
    assert stored.name == "CAMHS"
    assert (stored.min_age, stored.max_age, stored.ends_at_age, stored.max_extension_days) == (5, 17, 18, 90)
    assert stored.default_weight == Decimal("1.5") and stored.contact_phone == "01632 960100"
    assert stored.threshold.startswith("Moderate") and stored.referral_route.startswith("GP")
    assert sorted(stored.needs.values_list("slug", flat=True)) == ["mental-health", "self-harm"]


# --- the page, the command and the API ---------------------------------------------------


def test_signed_in_download_is_what_the_user_can_see(client, make_user, admin_user, directory):
    client.force_login(make_user(Role.PRACTITIONER))
    response = client.get(reverse("directory:openreferral-export"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="directory-openreferral.json"'
    assert "no-store" in response["Cache-Control"]
    assert codes(json.loads(response.content)) == ["adult-mh", "camhs-core", "police-internal", "police-yot"]
    client.force_login(admin_user)
    assert len(json.loads(client.get(reverse("directory:openreferral-export")).content)["services"]) == 6
    listing = client.get(reverse("directory:service-list")).content.decode()
    assert reverse("directory:openreferral-export") in listing and reverse("directory:openreferral-import") in listing


def upload(document, name="directory.json"):
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    return SimpleUploadedFile(name, body, content_type="application/json")


def test_import_page_reports_problems_by_path_then_imports(client, admin_user, directory):
    client.force_login(admin_user)
    url = reverse("directory:openreferral-import")
    assert client.get(url).status_code == 200
    document = oruk_export()
    document["services"][1]["eligibilitys"][0]["maximum_age"] = "seventeen"
    response = client.post(url, {"file": upload(document)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The file has 1 problem. Nothing was imported." in page
    assert "services[1].eligibilitys[0].maximum_age" in page
    assert client.post(url, {"file": upload(b"{}", "directory.csv")}).context["form"].errors["file"] == [
        "The selected file must be a JSON file, ending .json"
    ]
    document["services"][1]["eligibilitys"][0]["maximum_age"] = 17
    document["services"][1]["name"] = "CAMHS"
    response = client.post(url, {"file": upload(document)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("directory:service-list")
    assert "services: 0 added, 1 updated, 2 unchanged" in response.content.decode()
    assert Service.objects.get(code="camhs-core").name == "CAMHS"


@pytest.mark.parametrize("role", [r.value for r in Role if r != Role.ADMIN])
def test_only_administrators_see_the_import_page(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get(reverse("directory:openreferral-import")).status_code == 403


def test_command_exports_and_imports(directory, tmp_path):
    out = io.StringIO()
    call_command("openreferral", "export", stdout=out)
    assert codes(json.loads(out.getvalue())) == ["adult-mh", "camhs-core", "police-yot"]
    target = tmp_path / "all.json"
    call_command("openreferral", "export", "--all", "--output", str(target), stderr=io.StringIO())
    document = json.loads(target.read_text())
    assert len(document["services"]) == 6
    out = io.StringIO()
    call_command("openreferral", "import", str(target), stdout=out)
    assert "services: 0 added, 0 updated, 6 unchanged" in out.getvalue()
    document["services"][0]["status"] = "paused"
    target.write_text(json.dumps(document))
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported: the document has 1 problem"):
        call_command("openreferral", "import", str(target), stderr=err)
    assert "services[0].status: The status must be one of" in err.getvalue()
    with pytest.raises(CommandError, match="There is no file"):
        call_command("openreferral", "import", str(tmp_path / "missing.json"))


def test_api_export_is_public_unless_asked_for_more(directory, make_user):
    anonymous = Client()
    response = anonymous.get("/api/v1/directory/openreferral")
    assert response.status_code == 200
    assert codes(response.json()) == ["adult-mh", "camhs-core", "police-yot"]
    assert response.json()["services"][1]["url"] == "http://testserver/find-a-service/services/camhs-core/"
    response = anonymous.get("/api/v1/directory/openreferral?include_non_public=true")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
    _, raw = api_token_create(actor=make_user(Role.ANALYST), name="t")
    token = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert "police-internal" in codes(token.get("/api/v1/directory/openreferral?include_non_public=true").json())
    assert "police-internal" not in codes(token.get("/api/v1/directory/openreferral").json())
    bad = Client(HTTP_AUTHORIZATION="Bearer ju_not_a_token")
    assert bad.get("/api/v1/directory/openreferral").status_code == 401


def test_the_documented_example_imports_and_exports_exactly_as_shown(db):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "formats.md").read_text()
    section = text[text.index("## Open Referral UK JSON") :]
    example = json.loads(
        section[section.index("```json") + len("```json") : section.index("```", section.index("```json") + 7)]
    )
    result = oruk_import(copy.deepcopy(example), actor=None, actor_label="test")
    assert (result.agencies_created, result.services_created) == (1, 1)
    assert oruk_export(base_url="https://joinedup.example.org") == example
