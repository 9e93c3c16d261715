"""The young people and involvements upload page in a real browser: accessible, an error report
by row, a summary on success, and working with JavaScript off."""

from __future__ import annotations

import pytest

from joinedup.people.models import Involvement, YoungPerson
from joinedup.platform.access import Role
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PEOPLE = "ref,initials,birth_month,lead_agency,needs,local_id\n"
INVOLVEMENTS = "ref,service_id,start,planned_end,actual_end,weight\n"


def test_upload_reports_problems_by_row_then_imports(page, live_server, make_user, people_world, tmp_path):
    sign_in(page, live_server, make_user(Role.PRACTITIONER, agency_obj=people_world.police))
    page.goto(live_server.url + "/young-people/import/")
    assert page.get_by_role("heading", level=1).inner_text() == "Import young people or involvements"
    assert_accessible(page)

    bad = tmp_path / "people.csv"
    bad.write_text(PEOPLE + "YP-7F3K2,JS,2009-03,harbourside-police,exploitation,\nYP-7F3K3,JS,2009-3,nowhere,,\n")
    page.get_by_label("Young people").check()
    page.get_by_label("Upload a CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Import file").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "The file has 2 problems. Nothing was imported." in summary
    table = page.get_by_role("table").inner_text()
    assert "birth_month" in table and "No agency has the code or name “nowhere”" in table
    assert page.get_by_role("row", name="3 lead_agency").count() == 1
    assert_accessible(page)
    assert YoungPerson.objects.count() == 0

    good = tmp_path / "people-fixed.csv"
    good.write_text(PEOPLE + "YP-7F3K2,JS,2009-03,harbourside-police,exploitation,\n")
    page.get_by_label("Young people").check()
    page.get_by_label("Upload a CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Import file").click()
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "Young people imported from people-fixed.csv: 1 added, 0 updated, 0 unchanged." in banner
    assert_accessible(page)

    involvements = tmp_path / "involvements.csv"
    involvements.write_text(INVOLVEMENTS + "YP-7F3K2,youth-diversion,2024-01-15,,,\nYP-7F3K2,camhs,2024-01-15,,,\n")
    page.get_by_label("Involvements").check()
    page.get_by_label("Upload a CSV file").set_input_files(str(involvements))
    page.get_by_role("button", name="Import file").click()
    table = page.get_by_role("table").inner_text()
    assert "Camhs is run by Harbourside CAMHS: you can import only Harbourside Police’s services" in table
    assert_accessible(page)
    assert Involvement.objects.count() == 0


def test_upload_works_without_javascript(nojs_page, live_server, make_user, people_world, tmp_path):
    sign_in(nojs_page, live_server, make_user(Role.ADMIN))
    nojs_page.goto(live_server.url + "/young-people/import/")
    nojs_page.get_by_role("button", name="Import file").click()
    errors = nojs_page.locator(".govuk-error-summary").inner_text()
    assert "Select what the file holds" in errors and "Select a CSV file to upload" in errors
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE + "YP-7F3K2,JS,2009-03,harbourside-camhs,,CAMHS-1\n")
    nojs_page.get_by_label("Young people").check()
    nojs_page.get_by_label("Upload a CSV file").set_input_files(str(people))
    nojs_page.get_by_role("button", name="Import file").click()
    assert "1 added, 0 updated, 0 unchanged" in nojs_page.locator("main").inner_text()
    involvements = tmp_path / "involvements.csv"
    involvements.write_text(INVOLVEMENTS + "YP-7F3K2,camhs,2024-01-15,2026-01-01,,\n")
    nojs_page.get_by_label("Involvements").check()
    nojs_page.get_by_label("Upload a CSV file").set_input_files(str(involvements))
    nojs_page.get_by_role("button", name="Import file").click()
    assert "Involvements imported from involvements.csv: 1 added" in nojs_page.locator("main").inner_text()
    assert YoungPerson.objects.get().lead_agency == people_world.camhs_agency
    assert Involvement.objects.get().service == people_world.camhs


def test_upload_page_on_a_phone_is_accessible(mobile_page, live_server, make_user, people_world):
    sign_in(mobile_page, live_server, make_user(Role.COORDINATOR, agency_obj=people_world.police))
    mobile_page.goto(live_server.url + "/young-people/import/?kind=involvements")
    assert mobile_page.get_by_label("Involvements").is_checked()
    assert_accessible(mobile_page)
