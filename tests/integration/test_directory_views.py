"""Directory pages, forms and services: access, validation messages, writes and their audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from joinedup.directory import services as directory_services
from joinedup.directory.forms import ServiceForm
from joinedup.directory.models import Agency, Service, duration_text
from joinedup.platform.access import Role
from joinedup.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

NON_ADMIN = [r.value for r in Role if r != Role.ADMIN]


@pytest.fixture
def service(agency):
    return directory_services.service_create(
        actor=None,
        actor_label="test",
        needs=["exploitation", "mental-health"],
        agency=agency,
        code="yot-intervention",
        name="Youth offending intervention",
        remit="Works with young people in the youth justice system.",
        audience="child",
        min_age=10,
        max_age=17,
        ends_at_age=18,
        max_extension_days=183,
    )


def service_post(agency_obj, /, **overrides):
    data = {
        "agency": str(agency_obj.pk),
        "code": "adult-mh",
        "name": "Adult mental health",
        "remit": "Support for adults.",
        "audience": "adult",
        "min_age": "18",
        "max_age": "",
        "needs": "Mental health; housing",
        "threshold": "",
        "referral_route": "",
        "ends_at_age": "",
        "max_extension_days": "0",
        "default_weight": "1",
        "contact_email": "",
        "contact_phone": "",
        "is_public": "on",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def urls(agency, service):
    return {
        "agency-list": reverse("directory:agency-list"),
        "agency-detail": reverse("directory:agency-detail", args=[agency.pk]),
        "service-list": reverse("directory:service-list"),
        "service-detail": reverse("directory:service-detail", args=[service.pk]),
    }, {
        "agency-create": reverse("directory:agency-create"),
        "agency-edit": reverse("directory:agency-edit", args=[agency.pk]),
        "service-create": reverse("directory:service-create"),
        "service-edit": reverse("directory:service-edit", args=[service.pk]),
        "service-import": reverse("directory:service-import"),
    }


def test_anonymous_visitors_are_sent_to_sign_in_from_every_directory_page(client, agency, service):
    view_urls, manage_urls = urls(agency, service)
    for url in [*view_urls.values(), *manage_urls.values()]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login")), url
    assert client.post(manage_urls["service-import"]).status_code == 302
    assert Service.objects.count() == 1


@pytest.mark.parametrize("role", NON_ADMIN)
def test_only_admins_may_create_edit_or_import(client, make_user, agency, service, role):
    client.force_login(make_user(role))
    view_urls, manage_urls = urls(agency, service)
    for url in view_urls.values():
        assert client.get(url).status_code == 200, url
    for url in manage_urls.values():
        assert client.get(url).status_code == 403, url
    assert client.post(manage_urls["agency-create"], {"name": "X", "code": "x", "kind": "other"}).status_code == 403
    assert client.post(manage_urls["service-edit"], service_post(agency, code="yot-intervention")).status_code == 403
    assert Agency.objects.count() == 1
    assert Service.objects.get().name == "Youth offending intervention"
    assert "Add an agency" not in client.get(view_urls["agency-list"]).content.decode()


def test_admin_sees_every_page_and_the_add_buttons(client, admin_user, agency, service):
    client.force_login(admin_user)
    view_urls, manage_urls = urls(agency, service)
    for url in [*view_urls.values(), *manage_urls.values()]:
        assert client.get(url).status_code == 200, url
    page = client.get(view_urls["agency-list"]).content.decode()
    assert "Add an agency" in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in page


def test_inactive_agencies_and_services_are_hidden_from_everyone_but_admins(client, make_user, agency, service):
    directory_services.service_update(actor=None, actor_label="test", service=service, is_active=False)
    closed = directory_services.agency_create(
        actor=None, actor_label="test", name="Closed", code="closed", kind="other", is_active=False
    )
    client.force_login(make_user(Role.PRACTITIONER))
    assert client.get(reverse("directory:service-detail", args=[service.pk])).status_code == 404
    assert client.get(reverse("directory:agency-detail", args=[closed.pk])).status_code == 404
    page = client.get(reverse("directory:agency-list")).content.decode()
    assert "Closed" not in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">0</td>' in page


def test_service_detail_says_when_support_ends(client, make_user, service):
    client.force_login(make_user(Role.PRACTITIONER))
    page = client.get(reverse("directory:service-detail", args=[service.pk])).content.decode()
    assert "Ends at 18, can be extended by up to 6 months" in page
    assert "10 to 17" in page
    assert "mental health" in page


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (183, "6 months"),
        (90, "3 months"),
        (14, "2 weeks"),
        (10, "10 days"),
        (365, "1 year"),
        (45, "45 days"),
        (1, "1 day"),
    ],
)
def test_durations_read_as_a_person_would_say_them(days, text):
    assert duration_text(days) == text


def test_service_list_filters_by_age_need_audience_and_agency_without_javascript(
    client, make_user, agency, other_agency, service
):
    directory_services.service_create(
        actor=None,
        actor_label="test",
        needs=["housing"],
        agency=other_agency,
        code="adult-housing",
        name="Adult housing",
        remit="r",
        audience="adult",
        min_age=18,
        max_age=None,
    )
    client.force_login(make_user(Role.COORDINATOR))
    url = reverse("directory:service-list")

    def names(**params):
        response = client.get(url, params)
        return sorted(s.name for s in response.context["services"]), response

    assert names()[0] == ["Adult housing", "Youth offending intervention"]
    assert names(age="17")[0] == ["Youth offending intervention"]
    assert names(age="18")[0] == ["Adult housing"]
    assert names(age="9")[0] == []
    assert names(need="housing")[0] == ["Adult housing"]
    assert names(audience="child")[0] == ["Youth offending intervention"]
    assert names(agency=str(other_agency.pk))[0] == ["Adult housing"]
    assert names(age="12", need="exploitation", agency=str(agency.pk))[0] == ["Youth offending intervention"]
    found, response = names(age="twelve", need="housing")
    assert found == ["Adult housing"]  # the valid filter still applies
    page = response.content.decode()
    assert "Age must be a whole number, like 17" in page and "There is a problem" in page


def test_service_list_pages_keep_the_filters(client, admin_user, agency):
    for n in range(55):
        directory_services.service_create(
            actor=None,
            actor_label="test",
            agency=agency,
            code=f"s-{n:02d}",
            name=f"S {n:02d}",
            remit="r",
            audience="child",
        )
    client.force_login(admin_user)
    response = client.get(reverse("directory:service-list"), {"audience": "child", "page": "2"})
    assert len(response.context["services"]) == 5
    assert 'href="?audience=child&amp;page=1"' in response.content.decode()


def test_creating_a_service_writes_it_with_its_needs_audits_it_and_redirects_with_a_message(client, admin_user, agency):
    client.force_login(admin_user)
    response = client.post(reverse("directory:service-create"), service_post(agency), follow=True)
    service = Service.objects.get(code="adult-mh")
    assert response.redirect_chain == [(reverse("directory:service-detail", args=[service.pk]), 302)]
    assert "Adult mental health added to the directory" in response.content.decode()
    assert sorted(service.needs.values_list("slug", flat=True)) == ["housing", "mental-health"]
    event = AuditEvent.objects.get(action="directory.service.create")
    assert event.actor_id == admin_user.pk and event.object_id == str(service.pk)
    assert event.detail["needs"] == ["housing", "mental-health"]


def test_editing_a_service_audits_only_what_changed(client, admin_user, agency, service):
    client.force_login(admin_user)
    data = service_post(
        agency,
        code="yot-intervention",
        name="YOT intervention",
        audience="child",
        min_age="10",
        max_age="17",
        ends_at_age="18",
        max_extension_days="183",
        needs="exploitation; mental-health",
        remit=service.remit,
    )
    response = client.post(reverse("directory:service-edit", args=[service.pk]), data)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="directory.service.update")
    assert event.detail == {"name": ["Youth offending intervention", "YOT intervention"]}
    client.post(reverse("directory:service-edit", args=[service.pk]), data)
    assert AuditEvent.objects.filter(action="directory.service.update").count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"min_age": "18", "max_age": "16"}, "min_age", "Minimum age must be the same as or lower than maximum age"),
        (
            {"audience": "child", "min_age": "12", "ends_at_age": "12"},
            "ends_at_age",
            "The age support ends must be above the minimum age",
        ),
        (
            {"audience": "child", "min_age": "10", "max_age": "17", "ends_at_age": "19"},
            "ends_at_age",
            "The age support ends must be no more than 18, one year above the maximum age",
        ),
        (
            {"audience": "adult", "min_age": "16", "max_age": "17"},
            "max_age",
            "An adult service must have a maximum age of 18 or over",
        ),
        ({"audience": "child", "min_age": "18"}, "min_age", "A children's service must have a minimum age under 18"),
        ({"min_age": "abc"}, "min_age", "Minimum age must be a whole number, like 18"),
        ({"max_age": "121"}, "max_age", "Maximum age must be 120 or less"),
        ({"name": ""}, "name", "Enter the service’s name"),
        ({"remit": ""}, "remit", "Enter what the service does"),
        ({"audience": ""}, "audience", "Select who the service is for"),
        ({"agency": ""}, "agency", "Select the agency that runs the service"),
        (
            {"code": "Bad code"},
            "code",
            "Use lower-case letters, numbers and hyphens only, starting with a letter or number",
        ),
        (
            {"needs": "mental health!"},
            "needs",
            "Needs must use letters, numbers and hyphens only, separated by semicolons. Check “mental health!”",
        ),
        ({"default_weight": "0"}, "default_weight", "Weight must be more than 0"),
        (
            {"contact_email": "nope"},
            "contact_email",
            "Enter an email address in the correct format, like name@example.org",
        ),
    ],
)
def test_service_form_messages_are_specific(agency, changes, field, message):
    form = ServiceForm(data=service_post(agency, **changes))
    assert not form.is_valid()
    assert form.errors[field] == [message]


def test_service_form_refuses_a_service_id_already_used(agency, service):
    form = ServiceForm(data=service_post(agency, code="yot-intervention"))
    assert not form.is_valid()
    assert form.errors["code"] == ["A service with this service ID already exists"]


def test_an_invalid_service_form_shows_the_error_summary_and_writes_nothing(client, admin_user, agency):
    client.force_login(admin_user)
    response = client.post(reverse("directory:service-create"), service_post(agency, min_age="18", max_age="16"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert '<a href="#id_min_age">Minimum age must be the same as or lower than maximum age</a>' in page
    assert "(error)" in page.split("</title>")[0]
    assert Service.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="directory.").exists()


def test_creating_and_editing_an_agency(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("directory:agency-create"),
        {
            "name": "Harbourside Youth Trust",
            "code": "hyt",
            "kind": "voluntary",
            "email": "hello@hyt.org",
            "is_active": "on",
        },
    )
    agency = Agency.objects.get(code="hyt")
    assert response.url == reverse("directory:agency-detail", args=[agency.pk])
    response = client.post(
        reverse("directory:agency-edit", args=[agency.pk]),
        {
            "name": "Harbourside Youth Trust",
            "code": "hyt",
            "kind": "community",
            "email": "hello@hyt.org",
            "is_active": "on",
        },
        follow=True,
    )
    assert "Changes to Harbourside Youth Trust saved" in response.content.decode()
    actions = list(AuditEvent.objects.filter(action__startswith="directory.agency").values_list("action", "detail"))
    assert actions[0][0] == "directory.agency.create" and actions[0][1]["kind"] == "voluntary"
    assert actions[1] == ("directory.agency.update", {"kind": ["voluntary", "community"]})


def test_agency_form_messages(client, admin_user, agency):
    client.force_login(admin_user)
    response = client.post(reverse("directory:agency-create"), {"name": "Harbourside Police", "code": "", "kind": ""})
    errors = response.context["form"].errors
    assert errors["name"] == ["An agency with this name already exists"]
    assert errors["code"] == ["Enter a code for the agency"]
    assert errors["kind"] == ["Select what kind of agency it is"]
    assert Agency.objects.count() == 1


def test_a_service_that_fails_validation_leaves_no_audit_event(agency):
    with pytest.raises(ValidationError) as caught:
        directory_services.service_create(
            actor=None,
            actor_label="test",
            agency=agency,
            code="x",
            name="X",
            remit="r",
            audience="child",
            min_age=9,
            max_age=5,
        )
    assert caught.value.message_dict == {"min_age": ["Minimum age must be the same as or lower than maximum age"]}
    assert Service.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_a_failing_audit_undoes_the_write(agency, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("no audit")

    monkeypatch.setattr(directory_services, "audit_record", boom)
    with pytest.raises(RuntimeError):
        directory_services.service_create(
            actor=None, needs=["new-need"], agency=agency, code="x", name="X", remit="r", audience="child"
        )
    with pytest.raises(RuntimeError):
        directory_services.agency_update(actor=None, agency=agency, name="Renamed")
    assert Service.objects.count() == 0
    assert Agency.objects.get().name == "Harbourside Police"


def test_import_page_imports_a_file_and_reports_problems_by_row(client, admin_user, agency):
    client.force_login(admin_user)
    header = b"service_id,name,agency,audience,min_age,max_age,ends_at_age,weight,max_extension_days\n"
    good = header + b"svc-1,One,harbourside-police,child,10,17,18,1,0\n"
    response = client.post(
        reverse("directory:service-import"), {"file": SimpleUploadedFile("s.csv", good)}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("directory:service-list")
    assert "Services imported from s.csv: 1 added, 0 updated, 0 unchanged" in response.content.decode()

    bad = header + b"svc-2,Two,harbourside-police,child,x,17,18,1,0\nsvc-3,Three,nowhere,child,10,17,18,1,0\n"
    response = client.post(reverse("directory:service-import"), {"file": SimpleUploadedFile("s.csv", bad)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The file has 2 problems. Nothing was imported." in page
    assert [(p.row, p.column) for p in response.context["problems"]] == [(2, "min_age"), (3, "agency")]
    assert list(Service.objects.values_list("code", flat=True)) == ["svc-1"]

    response = client.post(reverse("directory:service-import"), {"file": SimpleUploadedFile("s.xlsx", b"PK")})
    assert response.context["form"].errors["file"] == ["The selected file must be a CSV"]
    response = client.post(reverse("directory:service-import"), {})
    assert response.context["form"].errors["file"] == ["Select a CSV file to upload"]
