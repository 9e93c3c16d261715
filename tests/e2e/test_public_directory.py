"""The public directory and Open Referral UK pages in a real browser: accessible, usable on a
phone and with JavaScript off."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from joinedup.directory import services as directory_services
from joinedup.directory.models import Audience, Service
from joinedup.directory.openreferral import oruk_export
from joinedup.platform.access import Role
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def services(agency, other_agency):
    def make(agency_obj, code, **fields):
        return directory_services.service_create(actor=None, actor_label="test", agency=agency_obj, code=code, **fields)

    return [
        make(
            other_agency,
            "camhs-core",
            name="CAMHS core",
            remit="Counselling and therapy for children with mental health needs.",
            audience=Audience.CHILD,
            min_age=5,
            max_age=17,
            threshold="Moderate to severe needs",
            referral_route="Ask your GP to refer you",
            contact_email="camhs@example.org",
            contact_phone="01632 960100",
            needs=["mental-health"],
        ),
        make(
            agency,
            "youth-diversion",
            name="Youth diversion",
            remit="Helps young people stay out of the justice system.",
            audience=Audience.CHILD,
            min_age=10,
            max_age=17,
            needs=["offending"],
        ),
        make(agency, "police-internal", name="Internal triage", remit="Staff only.", audience="child", is_public=False),
    ]


def test_find_a_service_from_the_home_page_search_and_read(page, live_server, services):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Find a service for a child, young person or family").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Find a service"
    assert "2 services" in page.locator("#results-heading").inner_text()
    assert page.get_by_role("link", name="Internal triage").count() == 0
    assert_accessible(page)
    page.get_by_label("Age (optional)").fill("fifteen")
    page.get_by_role("button", name="Search").click()
    assert "Age must be a whole number, like 17" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Age (optional)").fill("15")
    page.get_by_role("group", name="Needs (optional)").get_by_label("mental health").check()
    page.get_by_label("Search (optional)").fill("counselling")
    page.get_by_role("button", name="Search").click()
    assert "1 service matches your search" in page.locator("#results-heading").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="CAMHS core").click()
    assert page.get_by_role("heading", level=1).inner_text() == "CAMHS core"
    main = page.locator("main").inner_text()
    assert "Moderate to severe needs" in main and "Ask your GP to refer you" in main and "01632 960100" in main
    assert_accessible(page)
    page.get_by_role("link", name="Harbourside CAMHS").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Harbourside CAMHS"
    assert page.get_by_role("link", name="CAMHS core").is_visible()
    assert_accessible(page)


def test_public_search_works_without_javascript(nojs_page, live_server, services):
    nojs_page.goto(live_server.url + "/find-a-service/")
    nojs_page.get_by_role("group", name="Needs (optional)").get_by_label("offending").check()
    nojs_page.get_by_role("button", name="Search").click()
    assert "need=offending" in nojs_page.url
    assert "1 service matches your search" in nojs_page.locator("#results-heading").inner_text()
    nojs_page.get_by_role("link", name="Youth diversion").click()
    assert nojs_page.get_by_role("heading", level=1).inner_text() == "Youth diversion"
    nojs_page.get_by_role("link", name="Find a service", exact=True).click()
    assert nojs_page.get_by_role("heading", level=1).inner_text() == "Find a service"


def test_public_pages_on_a_phone(mobile_page, live_server, services, agency):
    for path in (
        "/find-a-service/",
        "/find-a-service/?age=12&need=offending",
        "/find-a-service/services/camhs-core/",
        f"/find-a-service/organisations/{agency.code}/",
    ):
        mobile_page.goto(live_server.url + path)
        width = mobile_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} scrolls sideways on a phone ({width}px)"
        assert_accessible(mobile_page)


def test_public_pages_signed_in_are_the_same_pages(page, live_server, services, make_user):
    sign_in(page, live_server, make_user(Role.PRACTITIONER))
    page.goto(live_server.url + "/find-a-service/services/youth-diversion/")
    assert page.get_by_role("heading", level=1).inner_text() == "Youth diversion"
    assert_accessible(page)
    assert page.goto(live_server.url + "/find-a-service/services/police-internal/").status == 404


def test_signed_in_users_download_the_directory_as_open_referral(page, live_server, services, make_user):
    sign_in(page, live_server, make_user(Role.COORDINATOR))
    page.goto(live_server.url + "/directory/services/")
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the services you can see as Open Referral UK JSON").click()
    download = download_info.value
    assert download.suggested_filename == "directory-openreferral.json"
    document = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert [s["id"] for s in document["services"]] == ["camhs-core", "police-internal", "youth-diversion"]


def test_admin_imports_an_open_referral_file_after_fixing_it(page, live_server, admin_user, services, tmp_path):
    document = oruk_export()
    document["services"][0]["name"] = "CAMHS"
    document["services"][1]["eligibilitys"][0]["minimum_age"] = "ten"
    bad = tmp_path / "directory.json"
    bad.write_text(json.dumps(document))
    sign_in(page, live_server, admin_user)
    page.goto(live_server.url + "/directory/services/")
    page.get_by_role("button", name="Import an Open Referral UK file").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Import an Open Referral UK file"
    assert_accessible(page)
    page.get_by_label("Upload an Open Referral UK file").set_input_files(str(bad))
    page.get_by_role("button", name="Import the file").click()
    assert "The file has 1 problem. Nothing was imported." in page.locator(".govuk-error-summary").inner_text()
    assert "services[1].eligibilitys[0].minimum_age" in page.get_by_role("table").inner_text()
    assert_accessible(page)
    assert Service.objects.get(code="camhs-core").name == "CAMHS core"
    document["services"][1]["eligibilitys"][0]["minimum_age"] = 10
    good = tmp_path / "fixed.json"
    good.write_text(json.dumps(document))
    page.get_by_label("Upload an Open Referral UK file").set_input_files(str(good))
    page.get_by_role("button", name="Import the file").click()
    assert "services: 0 added, 1 updated, 1 unchanged" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)
    assert Service.objects.get(code="camhs-core").name == "CAMHS"


def test_open_referral_import_works_without_javascript(nojs_page, live_server, admin_user, services, tmp_path):
    sign_in(nojs_page, live_server, admin_user)
    nojs_page.goto(live_server.url + "/directory/services/import/openreferral/")
    nojs_page.get_by_role("button", name="Import the file").click()
    assert "Select a JSON file to upload" in nojs_page.locator(".govuk-error-summary").inner_text()
    document = oruk_export()
    document["services"][1]["name"] = "Youth diversion scheme"
    good = tmp_path / "directory.json"
    good.write_text(json.dumps(document))
    nojs_page.get_by_label("Upload an Open Referral UK file").set_input_files(str(good))
    nojs_page.get_by_role("button", name="Import the file").click()
    assert "1 updated" in nojs_page.locator("main").inner_text()
    assert Service.objects.get(code="youth-diversion").name == "Youth diversion scheme"
