"""Transitions in a real browser: the dashboard (chart and tables) accessible on a desktop and a phone,
its filters and "recompute" without JavaScript, and agreeing a plan with and without JavaScript."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from joinedup.directory.models import Audience, Service
from joinedup.people import services
from joinedup.people.models import StoredEdge, TransitionPlan, YoungPerson
from joinedup.platform.access import Role
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def today() -> dt.date:
    return timezone.localdate()


def turning_18_in(days: int) -> str:
    day = today() + dt.timedelta(days=days)
    return f"{day.year - 18:04d}-{day.month:02d}"


def fill_date(page, legend: str, day: dt.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


@pytest.fixture
def cohort(people_world):
    """Police-led young people with cliff edges over the coming months, one of them resolvable by
    putting transitions support back; and a few elsewhere, whose small counts are suppressed."""
    support = Service.objects.create(
        agency=people_world.police, code="transitions-support", name="Transitions support", remit="r",
        audience=Audience.CHILD, min_age=10, max_age=17, ends_at_age=18, max_extension_days=182,
    )  # fmt: skip
    club = Service.objects.create(
        agency=people_world.police, code="youth-club", name="Youth club", remit="r", audience=Audience.CHILD,
        min_age=10, max_age=19,
    )  # fmt: skip
    made = []
    for index, (days, area) in enumerate(
        [(60, "Harbour ward"), (95, "Northcliffe"), (160, "Harbour ward"), (250, "Southbay")]
    ):
        person = YoungPerson.objects.create(
            ref=f"YP-E2ET{'ABCD'[index]}", initials="KL", birth_month=turning_18_in(days),
            lead_agency=people_world.police, area=area,
        )  # fmt: skip
        person.needs.set([people_world.needs["mental-health"]])
        start = today() - dt.timedelta(days=200)
        chosen = (people_world.camhs, support, club) if index == 0 else (people_world.camhs, people_world.diversion)
        for service in chosen:
            services.involvement_create(
                actor=None, actor_label="test", young_person=person, service=service, start=start
            )
        made.append(person)
    council_support = Service.objects.create(
        agency=people_world.council, code="council-youth-support", name="Council youth support", remit="r",
        audience=Audience.CHILD, min_age=10, max_age=17, ends_at_age=18,
    )  # fmt: skip
    for index in range(3):  # elsewhere: police are not involved, so the count of 3 is suppressed
        other = YoungPerson.objects.create(
            ref=f"YP-E2EX{'ABC'[index]}", initials="QZ", birth_month=turning_18_in(95),
            lead_agency=people_world.council,
        )  # fmt: skip
        for service in (people_world.camhs, council_support):
            services.involvement_create(
                actor=None,
                actor_label="test",
                young_person=other,
                service=service,
                start=today() - dt.timedelta(days=30),
            )
    assert StoredEdge.objects.filter(young_person__lead_agency=people_world.council).count() == 3
    return made


def test_the_dashboard_with_its_chart_tables_and_filters(page, live_server, make_user, cohort):
    sign_in(page, live_server, make_user(Role.PRACTITIONER))
    page.get_by_role("link", name="Transitions").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Cliff edges ahead"
    chart = page.get_by_role("img", name="Cliff edges starting each month")
    assert chart.is_visible()
    assert page.locator("#mine-table tbody tr").count() >= 12
    others = page.locator("#others-table").inner_text()
    assert "fewer than 5" in others
    assert "4 cliff edges" in page.locator("#results-count").inner_text()
    assert_accessible(page)
    page.get_by_label("Area (optional)").select_option("Harbour ward")
    page.get_by_label("Sort by (optional)").select_option("ref")
    page.get_by_role("button", name="Apply").click()
    assert "2 cliff edges match your filters" in page.locator("#results-count").inner_text()
    assert page.locator("#edges-table tbody tr").count() == 2
    assert_accessible(page)
    # A bad date is explained, and focusable from the error summary.
    fill_date(page, "Starting on or after (optional)", dt.date(2026, 1, 1))
    page.get_by_role("group", name="Starting on or after (optional)").get_by_label("Month").fill("13")
    page.get_by_role("button", name="Apply").click()
    assert "The earliest start date must be a real date" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)


def test_the_dashboard_on_a_phone(mobile_page, live_server, make_user, cohort):
    sign_in(mobile_page, live_server, make_user(Role.COORDINATOR))
    mobile_page.goto(f"{live_server.url}/transitions/")
    assert mobile_page.get_by_role("img", name="Cliff edges starting each month").is_visible()
    assert mobile_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # Every table fits the screen, or scrolls sideways in its own labelled region (nothing is cut off).
    assert mobile_page.evaluate(
        "Array.from(document.querySelectorAll('main table')).every(t => "
        "t.getBoundingClientRect().right <= window.innerWidth + 1 || t.closest('.app-table-scroll'))"
    )
    assert_accessible(mobile_page)


def test_filters_and_recompute_work_without_javascript(nojs_page, live_server, make_user, cohort):
    page = nojs_page
    sign_in(page, live_server, make_user(Role.COORDINATOR))
    page.goto(f"{live_server.url}/transitions/")
    page.get_by_label("Only age-driven cliff edges").check()
    page.get_by_role("button", name="Apply").click()
    assert "age_driven=on" in page.url
    assert "4 cliff edges match your filters" in page.locator("#results-count").inner_text()
    StoredEdge.objects.all().delete()
    page.get_by_role("button", name="Recompute all forecasts now").click()
    assert "Every forecast was recomputed" in page.locator(".govuk-notification-banner").inner_text()
    assert StoredEdge.objects.filter(young_person__in=cohort).count() == 4


def test_agreeing_a_plan(page, live_server, make_user, cohort):
    person = cohort[0]
    edge = StoredEdge.objects.get(young_person=person)
    sign_in(page, live_server, make_user(Role.PRACTITIONER))
    page.goto(f"{live_server.url}/transitions/")
    page.get_by_role("link", name=f"Agree a plan for {person.ref}").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Agree a plan for the cliff edge from")
    assert "Transitions support: end on" in page.locator("#proposed-changes").inner_text()
    assert_accessible(page)
    # Too late an end date, and a review date in the past: both explained, nothing saved.
    fill_date(page, "Transitions support: agreed end", edge.start + dt.timedelta(days=400))
    fill_date(page, "Review date", today() - dt.timedelta(days=1))
    page.get_by_role("button", name="Agree plan").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Transitions support can be put back by at most 182 days" in summary
    assert "The review date must be in the future" in summary
    assert_accessible(page)
    assert not TransitionPlan.objects.exists()
    fill_date(page, "Transitions support: agreed end", edge.start + dt.timedelta(days=91))
    fill_date(page, "Review date", today() + dt.timedelta(weeks=8))
    page.get_by_role("group", name="Adult Mental Health: referral").get_by_label("Referred").check()
    page.get_by_role("button", name="Agree plan").click()
    assert "no cliff edge is left" in page.locator(".govuk-notification-banner").inner_text()
    plan = TransitionPlan.objects.get()
    assert plan.bridging_referrals.get().status == "referred"
    assert not StoredEdge.objects.filter(young_person=person).exists()


def test_agreeing_a_plan_without_javascript(nojs_page, live_server, make_user, cohort):
    page = nojs_page
    person = cohort[1]
    edge = StoredEdge.objects.get(young_person=person)
    sign_in(page, live_server, make_user(Role.PRACTITIONER))
    page.goto(f"{live_server.url}/young-people/{person.ref}/plan/?start={edge.start.isoformat()}")
    page.get_by_role("group", name="Youth Diversion: agreed end").get_by_label("Day").fill("")
    page.get_by_role("button", name="Agree plan").click()
    assert "The agreed end of Youth Diversion must include a day" in page.locator(".govuk-error-summary").inner_text()
    fill_date(page, "Youth Diversion: agreed end", edge.start + dt.timedelta(days=84))
    page.get_by_label("Notes (optional)").fill("Agreed at the transitions panel")
    page.get_by_role("button", name="Agree plan").click()
    assert f"/young-people/{person.ref}/" in page.url
    assert "Plan agreed for" in page.locator(".govuk-notification-banner").inner_text()
    plan = TransitionPlan.objects.get(young_person=person)
    assert plan.notes == "Agreed at the transitions panel"
    assert plan.planned_ends.get().to_date == edge.start + dt.timedelta(days=84)


def test_an_administrator_recomputes_every_forecast(page, live_server, make_user, cohort):
    StoredEdge.objects.all().delete()
    sign_in(page, live_server, make_user(Role.ADMIN))
    page.goto(f"{live_server.url}/transitions/forecast/")
    assert page.get_by_role("heading", level=1).inner_text() == "Recompute forecasts"
    assert "No forecast of everyone has run yet" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Recompute all forecasts now").click()
    assert (
        "Every forecast was recomputed: 7 young people, 7 cliff edges."
        in page.locator(".govuk-notification-banner").inner_text()
    )
    assert page.locator("#runs-table tbody tr").count() == 1
    assert_accessible(page)
    assert StoredEdge.objects.count() == 7
