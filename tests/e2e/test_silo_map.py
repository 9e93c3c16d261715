"""The silo map and "who else could join" in a real browser: accessible, readable without
JavaScript and on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from joinedup.platform.access import Role
from tests.e2e.conftest import assert_accessible, sign_in
from tests.integration.test_silo_map import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(agency, other_agency):
    return build_world(agency, other_agency)


def _silo_rows(page) -> list[str]:
    return [" ".join(row.split()) for row in page.locator("#silos-table tbody tr").all_inner_texts()]


def test_a_coordinator_reads_the_silo_map(page, live_server, make_user, world):
    sign_in(page, live_server, make_user(Role.COORDINATOR))
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Silo map").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Silo map"
    picture = page.get_by_role("img", name="Silo map: which agencies sit on forums together")
    expect(picture).to_be_visible()
    assert "Harbourside CAMHS and Harbourside Youth Justice" in picture.locator("desc").text_content()
    assert _silo_rows(page) == ["Harbourside CAMHS Harbourside Youth Justice 12"]
    assert "Harbourside Housing" in page.locator("#isolated-table").inner_text()
    assert_accessible(page)
    page.get_by_label("Young people shared").fill("3")
    page.get_by_role("button", name="Show pairs").click()
    summary = page.locator(".govuk-error-summary")
    assert "smaller numbers could identify young people" in summary.inner_text()
    assert page.title().startswith("Silo map") and "(error)" in page.title()
    assert _silo_rows(page) == ["Harbourside CAMHS Harbourside Youth Justice 12"]
    assert_accessible(page)
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "id_min_shared"


def test_the_forum_page_suggests_who_else_could_join(page, live_server, make_user, world):
    sign_in(page, live_server, make_user(Role.STRATEGIC_LEAD))
    page.goto(f"{live_server.url}/directory/forums/{world['board'].pk}/")
    section = page.get_by_role("table", name="Who else could join this forum")
    assert (
        "Shares 12 young people with Harbourside CAMHS"
        in section.get_by_role("row", name="Harbourside Youth Justice").inner_text()
    )
    assert "Shares fewer than 5 young people with Harbourside Police" in section.inner_text()
    assert_accessible(page)
    section.get_by_role("link", name="Harbourside Youth Justice").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Harbourside Youth Justice"


def test_a_practitioner_sees_needs_only_and_no_silo_map(page, live_server, make_user, world):
    sign_in(page, live_server, make_user(Role.PRACTITIONER))
    assert page.get_by_role("navigation", name="Menu").get_by_role("link", name="Silo map").count() == 0
    page.goto(f"{live_server.url}/directory/forums/{world['board'].pk}/")
    section = page.get_by_role("table", name="Who else could join this forum")
    assert section.inner_text().count("Works with needs") == 1
    assert "young people" not in section.inner_text()
    assert_accessible(page)
    response = page.goto(f"{live_server.url}/directory/silo-map/")
    assert response.status == 403


def test_the_silo_map_works_without_javascript(nojs_page, live_server, admin_user, world):
    page = nojs_page
    sign_in(page, live_server, admin_user)
    page.goto(f"{live_server.url}/directory/silo-map/")
    expect(page.get_by_role("img", name="Silo map: which agencies sit on forums together")).to_be_visible()
    page.get_by_label("Young people shared").fill("3")
    page.get_by_role("button", name="Show pairs").click()
    assert "min_shared=3" in page.url
    assert _silo_rows(page) == [
        "Harbourside CAMHS Harbourside Youth Justice 12",
        "Harbourside Housing Harbourside Police 3",
    ]
    page.get_by_role("link", name="Open the map full size").click()
    assert page.locator("svg title").first.text_content() == "Silo map: which agencies sit on forums together"


def test_the_silo_map_on_a_phone(mobile_page, live_server, make_user, world):
    page = mobile_page
    sign_in(page, live_server, make_user(Role.ANALYST))
    page.goto(f"{live_server.url}/directory/silo-map/")
    picture = page.get_by_role("img", name="Silo map: which agencies sit on forums together")
    expect(picture).to_be_visible()
    assert picture.bounding_box()["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing scrolls sideways
    assert _silo_rows(page) == ["Harbourside CAMHS Harbourside Youth Justice 12"]
    assert_accessible(page)
    page.goto(f"{live_server.url}/directory/forums/{world['mace'].pk}/")
    expect(page.get_by_role("table", name="Who else could join this forum")).to_be_visible()
    assert_accessible(page)
