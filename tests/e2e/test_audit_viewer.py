"""The audit trail pages in a real browser: every page accessible, the filter form and the
"Check the trail" button working with and without JavaScript."""

import pytest
from django.db import connection

from joinedup.platform.access import Role
from joinedup.platform.audit import audit_record
from joinedup.platform.db_triggers import install_append_only_triggers, remove_append_only_triggers
from joinedup.platform.models import AuditEvent
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_trail(page, live_server, user):
    sign_in(page, live_server, user)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Audit trail").click()
    page.wait_for_url(f"{live_server.url}/audit/")


def table_actions(page) -> list[str]:
    return page.locator("tbody tr td:nth-child(6)").all_inner_texts()


def test_list_page(page, live_server, admin_user):
    audit_record(actor=None, action="accounts.session.sign_in_failed", outcome="failure", actor_label="who@example.org")
    open_trail(page, live_server, admin_user)
    assert page.get_by_role("heading", level=1).inner_text() == "Audit trail"
    assert table_actions(page)[:2] == ["governance.audit.view", "accounts.session.sign_in"]
    assert page.locator("tbody .govuk-tag--red").inner_text().strip() == "Failure"
    assert_accessible(page)


def test_filtered_list_with_a_validation_error_then_corrected(page, live_server, admin_user):
    open_trail(page, live_server, admin_user)
    page.get_by_label("Date from (optional)").fill("31/2/2025")
    page.get_by_label("Date to (optional)").fill("1/1/2025")
    page.get_by_role("button", name="Apply filters").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Date from must be a real date, like 27/3/2025" in summary.inner_text()
    assert page.title().startswith("Audit trail (error)")
    assert page.locator("#id_date_from-error").is_visible()
    assert_accessible(page)
    # The error summary's link takes you to the field.
    summary.get_by_role("link", name="Date from must be a real date, like 27/3/2025").click()
    assert page.evaluate("document.activeElement.id") == "id_date_from"
    page.get_by_label("Date from (optional)").fill("")
    page.get_by_label("Date to (optional)").fill("")
    page.get_by_label("Action starts with (optional)").fill("accounts.session")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/audit/?**action=accounts.session**")
    assert table_actions(page) == ["accounts.session.sign_in"]
    assert "that match the filters" in page.locator("#audit-count").inner_text()
    assert_accessible(page)


def test_pagination(page, live_server, admin_user):
    for i in range(60):
        audit_record(actor=None, action=f"tests.e2e.e{i}")
    open_trail(page, live_server, admin_user)
    nav = page.get_by_role("navigation", name="Pages of events")
    nav.get_by_role("link", name="Next page").click()
    page.wait_for_url("**/audit/?page=2")
    assert page.get_by_role("link", name="Page 2").get_attribute("aria-current") == "page"
    assert len(table_actions(page)) == 63 - 50  # 60 + sign-in + two views
    assert_accessible(page)


def test_detail_page(page, live_server, admin_user):
    event = audit_record(
        actor=admin_user,
        action="accounts.user.update",
        object_type="accounts.user",
        object_id=admin_user.pk,
        detail={"changed": ["role"]},
    )
    open_trail(page, live_server, admin_user)
    page.get_by_role("link", name=f"Event {event.seq}", exact=True).click()
    page.wait_for_url(f"{live_server.url}/audit/{event.seq}/")
    assert page.get_by_role("heading", level=1).inner_text() == f"Event {event.seq}: accounts.user.update"
    summary = page.locator(".govuk-summary-list").inner_text()
    assert event.hash in summary and event.prev_hash in summary
    assert admin_user.email in summary and "Partnership administrator" in summary
    assert_accessible(page)
    page.get_by_role("link", name="Back to the audit trail").click()
    page.wait_for_url(f"{live_server.url}/audit/")


def test_check_the_trail_intact_and_tampered(page, live_server, admin_user):
    open_trail(page, live_server, admin_user)
    page.get_by_role("button", name="Check the trail").click()
    banner = page.locator(".govuk-notification-banner")
    banner.wait_for()
    assert "govuk-notification-banner--success" in banner.get_attribute("class")
    assert "Audit trail intact: 2 events checked" in banner.inner_text()
    assert_accessible(page)

    remove_append_only_triggers(connection)
    AuditEvent.objects.filter(seq=2).update(actor_label="someone.else@example.org")
    install_append_only_triggers(connection)
    page.get_by_role("button", name="Check the trail").click()
    page.wait_for_load_state()
    banner = page.locator(".govuk-notification-banner")
    assert "govuk-notification-banner--success" not in banner.get_attribute("class")
    assert "Audit trail broken at event 2 (governance.audit.view at " in banner.inner_text()
    assert_accessible(page)
    assert AuditEvent.objects.filter(action="governance.audit.verify").count() == 2


def test_other_roles_see_the_refusal_page(page, live_server, make_user):
    sign_in(page, live_server, make_user(Role.COORDINATOR))
    response = page.goto(f"{live_server.url}/audit/")
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "You do not have access to this page"
    assert_accessible(page)


def test_filters_and_check_without_javascript(nojs_page, live_server, admin_user):
    page = nojs_page
    audit_record(actor=None, action="platform.request.denied", outcome="denied", actor_label="x@example.org")
    sign_in(page, live_server, admin_user)
    page.goto(f"{live_server.url}/audit/")
    page.get_by_label("Outcome (optional)").select_option("denied")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/audit/?**outcome=denied**")
    assert table_actions(page) == ["platform.request.denied"]
    page.get_by_label("Date to (optional)").fill("not a date")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**date_to=not+a+date**")
    assert "Date to must be a real date, like 27/3/2025" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_role("link", name="Clear filters").click()
    page.wait_for_url(f"{live_server.url}/audit/")
    page.get_by_role("button", name="Check the trail").click()
    page.wait_for_url(f"{live_server.url}/audit/")
    assert "Audit trail intact:" in page.locator(".govuk-notification-banner").inner_text()
