"""The partnership directory in a real browser: every page accessible, every form working without JavaScript."""

from __future__ import annotations

import pytest

from joinedup.directory import services as directory_services
from joinedup.directory.models import Agency, Service
from joinedup.platform.access import Role
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADER = "service_id,name,agency,audience,min_age,max_age,ends_at_age,weight,max_extension_days,needs\n"


@pytest.fixture
def service(agency):
    return directory_services.service_create(
        actor=None,
        actor_label="test",
        needs=["exploitation"],
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


def test_agency_list_and_detail_for_a_practitioner(page, live_server, make_user, agency, service):
    sign_in(page, live_server, make_user(Role.PRACTITIONER))
    page.goto(live_server.url + "/directory/")
    assert page.get_by_role("heading", level=1).inner_text() == "Agencies"
    assert page.get_by_role("button", name="Add an agency").count() == 0
    row = page.get_by_role("row", name="Harbourside Police")
    assert "Police" in row.inner_text() and "1" in row.inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Harbourside Police").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Harbourside Police"
    assert page.get_by_role("link", name="Youth offending intervention").is_visible()
    assert_accessible(page)


def test_service_list_filter_and_detail(page, live_server, make_user, agency, service):
    sign_in(page, live_server, make_user(Role.COORDINATOR))
    page.goto(live_server.url + "/directory/services/")
    assert_accessible(page)
    page.get_by_label("Age (optional)").fill("19")
    page.get_by_role("button", name="Apply filters").click()
    assert "0 services match your filters" in page.locator("#results-heading").inner_text()
    page.get_by_label("Age (optional)").fill("nineteen")
    page.get_by_role("button", name="Apply filters").click()
    assert "Age must be a whole number, like 17" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Age (optional)").fill("15")
    page.get_by_role("group", name="Needs (optional)").get_by_label("exploitation").check()
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_role("link", name="Youth offending intervention").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Youth offending intervention"
    assert "Ends at 18, can be extended by up to 6 months" in page.locator(".govuk-summary-list").inner_text()
    assert_accessible(page)


def test_service_filter_works_without_javascript(nojs_page, live_server, make_user, agency, service):
    sign_in(nojs_page, live_server, make_user(Role.ANALYST))
    nojs_page.goto(live_server.url + "/directory/services/")
    nojs_page.get_by_label("Who for (optional)").select_option("adult")
    nojs_page.get_by_role("button", name="Apply filters").click()
    assert "audience=adult" in nojs_page.url
    assert "No services match your filters" in nojs_page.locator("main").inner_text()


def test_admin_adds_an_agency_after_fixing_errors(page, live_server, admin_user):
    sign_in(page, live_server, admin_user)
    page.goto(live_server.url + "/directory/")
    page.get_by_role("button", name="Add an agency").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Add an agency"
    assert_accessible(page)
    page.get_by_role("button", name="Add agency").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter the agency’s name" in summary and "Select what kind of agency it is" in summary
    assert_accessible(page)
    page.get_by_label("Name", exact=True).fill("Harbourside Youth Trust")
    page.get_by_label("Code", exact=True).fill("hyt")
    page.get_by_label("Voluntary sector").check()
    page.get_by_role("button", name="Add agency").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Harbourside Youth Trust"
    assert "Harbourside Youth Trust added to the directory" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)


def test_agency_forms_work_without_javascript(nojs_page, live_server, admin_user, agency):
    sign_in(nojs_page, live_server, admin_user)
    nojs_page.goto(live_server.url + "/directory/agencies/new/")
    nojs_page.get_by_label("Name", exact=True).fill("Harbourside Housing")
    nojs_page.get_by_label("Code", exact=True).fill("housing")
    nojs_page.get_by_label("Housing").check()
    nojs_page.get_by_role("button", name="Add agency").click()
    assert nojs_page.get_by_role("heading", level=1).inner_text() == "Harbourside Housing"
    nojs_page.goto(live_server.url + f"/directory/agencies/{agency.pk}/edit/")
    nojs_page.get_by_label("What the agency does (optional)").fill("Keeps the peace.")
    nojs_page.get_by_role("button", name="Save changes").click()
    assert "Changes to Harbourside Police saved" in nojs_page.locator("main").inner_text()
    assert Agency.objects.get(pk=agency.pk).description == "Keeps the peace."


def test_admin_changes_an_agency(page, live_server, admin_user, agency):
    sign_in(page, live_server, admin_user)
    page.goto(live_server.url + f"/directory/agencies/{agency.pk}/")
    page.get_by_role("button", name="Change Harbourside Police").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Change Harbourside Police"
    assert_accessible(page)
    page.get_by_label("Email address (optional)").fill("not an email")
    page.get_by_role("button", name="Save changes").click()
    assert "Enter an email address in the correct format" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)


def test_admin_adds_a_service_after_fixing_errors(page, live_server, admin_user, agency):
    sign_in(page, live_server, admin_user)
    page.goto(live_server.url + "/directory/services/new/")
    assert_accessible(page)
    page.get_by_label("Agency", exact=True).select_option(label="Harbourside Police")
    page.get_by_label("Service ID").fill("missing-children")
    page.get_by_label("Name", exact=True).fill("Missing children team")
    page.get_by_label("What the service does").fill("Return home interviews.")
    page.get_by_label("Children and young people").check()
    page.get_by_label("Minimum age (optional)").fill("16")
    page.get_by_label("Maximum age (optional)").fill("12")
    page.get_by_role("button", name="Add service").click()
    summary = page.locator(".govuk-error-summary")
    assert "Minimum age must be the same as or lower than maximum age" in summary.inner_text()
    assert_accessible(page)
    summary.get_by_role("link", name="Minimum age must be the same as or lower than maximum age").click()
    page.get_by_label("Minimum age (optional)").fill("10")
    page.get_by_label("Maximum age (optional)").fill("17")
    page.get_by_label("Needs (optional)").fill("missing; exploitation")
    page.get_by_role("button", name="Add service").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Missing children team"
    assert_accessible(page)
    assert sorted(Service.objects.get(code="missing-children").needs.values_list("slug", flat=True)) == [
        "exploitation",
        "missing",
    ]


def test_service_forms_work_without_javascript(nojs_page, live_server, admin_user, agency, service):
    sign_in(nojs_page, live_server, admin_user)
    nojs_page.goto(live_server.url + "/directory/services/new/")
    nojs_page.get_by_label("Agency", exact=True).select_option(label="Harbourside Police")
    nojs_page.get_by_label("Service ID").fill("adult-mh")
    nojs_page.get_by_label("Name", exact=True).fill("Adult mental health")
    nojs_page.get_by_label("What the service does").fill("Support for adults.")
    nojs_page.get_by_label("Adults").check()
    nojs_page.get_by_label("Minimum age (optional)").fill("18")
    nojs_page.get_by_role("button", name="Add service").click()
    assert nojs_page.get_by_role("heading", level=1).inner_text() == "Adult mental health"
    nojs_page.goto(live_server.url + f"/directory/services/{service.pk}/edit/")
    nojs_page.get_by_label("Longest extension, in days").fill("90")
    nojs_page.get_by_role("button", name="Save changes").click()
    assert "Ends at 18, can be extended by up to 3 months" in nojs_page.locator("main").inner_text()


def test_admin_changes_a_service(page, live_server, admin_user, agency, service):
    sign_in(page, live_server, admin_user)
    page.goto(live_server.url + f"/directory/services/{service.pk}/")
    assert_accessible(page)
    page.get_by_role("button", name="Change Youth offending intervention").click()
    assert page.get_by_label("Needs (optional)").input_value() == "exploitation"
    assert_accessible(page)
    page.get_by_label("Age support ends (optional)").fill("30")
    page.get_by_role("button", name="Save changes").click()
    assert "The age support ends must be no more than 18" in page.locator(".govuk-error-summary").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Change Youth offending intervention"
    assert_accessible(page)


def test_import_reports_problems_then_imports(page, live_server, admin_user, agency, tmp_path):
    sign_in(page, live_server, admin_user)
    page.goto(live_server.url + "/directory/services/import/")
    assert_accessible(page)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "a,A,harbourside-police,child,10,17,18,1,0,\nb,B,nowhere,child,x,17,18,1,0,\n")
    page.get_by_label("Upload a services file").set_input_files(str(bad))
    page.get_by_role("button", name="Import services").click()
    assert "The file has 2 problems. Nothing was imported." in page.locator(".govuk-error-summary").inner_text()
    table = page.get_by_role("table").inner_text()
    assert "nowhere" in table and "min_age" in table
    assert_accessible(page)
    assert Service.objects.count() == 0
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "a,A,harbourside-police,child,10,17,18,1,0,housing\n")
    page.get_by_label("Upload a services file").set_input_files(str(good))
    page.get_by_role("button", name="Import services").click()
    assert "1 added, 0 updated, 0 unchanged" in page.locator(".govuk-notification-banner").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Services"
    assert_accessible(page)


def test_import_works_without_javascript(nojs_page, live_server, admin_user, agency, tmp_path):
    sign_in(nojs_page, live_server, admin_user)
    nojs_page.goto(live_server.url + "/directory/services/import/")
    nojs_page.get_by_role("button", name="Import services").click()
    assert "Select a CSV file to upload" in nojs_page.locator(".govuk-error-summary").inner_text()
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "a,A,Harbourside Police,all_age,,,,,,\n")
    nojs_page.get_by_label("Upload a services file").set_input_files(str(good))
    nojs_page.get_by_role("button", name="Import services").click()
    assert "1 added" in nojs_page.locator("main").inner_text()
    assert Service.objects.get().audience == "all_age"
