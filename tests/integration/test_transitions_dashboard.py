"""The transitions dashboard: scoped list with filters, the monthly chart and its tables with small
counts suppressed, transition prompts, a constant number of queries, and keeping forecasts current
(on demand, nightly, and at once when an involvement changes)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from joinedup.directory.models import Audience, Service
from joinedup.domain import cliff_edge as engine
from joinedup.domain.disclosure import FEWER_THAN_5
from joinedup.people import forecasting, selectors, services
from joinedup.people.models import ForecastRun, Involvement, StoredEdge
from joinedup.people.views import transitions as views
from joinedup.platform.access import Role
from joinedup.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/transitions/"
_TOKEN = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')


def today() -> dt.date:
    return timezone.localdate()


def born_turning_18_in(days: int) -> str:
    """The birth month of someone taken to turn 18 about ``days`` from today (on the 1st of a month)."""
    day = today() + dt.timedelta(days=days)
    return f"{day.year - 18:04d}-{day.month:02d}"


def eighteenth(birth_month: str) -> dt.date:
    year, month = (int(x) for x in birth_month.split("-"))
    return dt.date(year + 18, month, 1)


def main(html: str) -> str:
    return _TOKEN.sub("", html[html.index("<main") : html.index("</main>")])


def table(html: str, table_id: str) -> list[list[str]]:
    """A table's body rows as lists of cell texts."""
    start = html.index(f'id="{table_id}"')
    body = html[html.index("<tbody", start) : html.index("</tbody>", start)]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells])
    return rows


@pytest.fixture
def practitioner(make_user):
    return make_user(Role.PRACTITIONER)  # Harbourside Police, like people_world.police


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.COORDINATOR)


@pytest.fixture
def more_services(people_world):
    """A second CAMHS-run service and a second police-run service, both ending at 18."""

    def child_service(code, agency):
        return Service.objects.create(
            agency=agency, code=code, name=code.replace("-", " ").title(), remit="r", audience=Audience.CHILD,
            min_age=10, max_age=17, ends_at_age=18,
        )  # fmt: skip

    return {
        "diversion": people_world.diversion,
        "camhs": people_world.camhs,
        "outreach": child_service("camhs-outreach", people_world.camhs_agency),
        "mentoring": child_service("police-mentoring", people_world.police),
    }


@pytest.fixture
def edge_person(people_world, make_young_person, more_services):
    """Make a young person whose services (diversion and CAMHS by default) all end on their 18th
    birthday, about ``days`` from today: a cliff edge."""

    def _make(*, days=120, lead=None, area="", needs=(), ref=None, with_=("diversion", "camhs")):
        birth_month = born_turning_18_in(days)
        person = make_young_person(
            ref=ref, birth_month=birth_month, lead_agency=lead or people_world.police, area=area, needs=needs
        )
        start = eighteenth(birth_month) - dt.timedelta(days=700)
        for name in with_:
            services.involvement_create(actor=None, young_person=person, service=more_services[name], start=start)
        return person

    return _make


def test_only_the_viewers_caseload_is_listed(client, practitioner, edge_person, people_world):
    mine = edge_person(area="Northcliffe")
    theirs = edge_person(lead=people_world.camhs_agency)  # police runs their diversion: involved
    stranger = edge_person(lead=people_world.camhs_agency, with_=("camhs", "outreach"))
    assert StoredEdge.objects.filter(young_person=stranger).exists()
    client.force_login(practitioner)
    response = client.get(URL)
    assert response.status_code == 200
    html = main(response.content.decode())
    assert mine.ref in html and theirs.ref in html
    assert stranger.ref not in html
    assert "2 cliff edges" in html
    # Each row links to the record and to agreeing a plan for that edge.
    edge = StoredEdge.objects.get(young_person=mine)
    assert f"/young-people/{mine.ref}/plan/?start={edge.start.isoformat()}" in html
    assert "Youth Diversion ends" in html and "(age limit)" in html
    assert "Northcliffe" in html


def test_the_dashboard_is_for_coordinators_and_practitioners_only(client, make_user):
    for role in (Role.ADMIN, Role.STRATEGIC_LEAD, Role.ANALYST, Role.MODERATOR):
        client.force_login(make_user(role))
        assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302


def test_filters_sort_and_pages(client, practitioner, edge_person, people_world, monkeypatch):
    a = edge_person(days=60, area="Northcliffe", ref="YP-ZZZZA")
    b = edge_person(days=200, area="Southbay", ref="YP-AAAAB", with_=("diversion", "mentoring"))
    assert StoredEdge.objects.filter(young_person=b).exists()
    client.force_login(practitioner)

    def refs(query: str) -> list[str]:
        html = main(client.get(URL + query).content.decode())
        return re.findall(r'href="/young-people/(YP-\w+)/plan/', html)

    assert refs("") == [a.ref, b.ref]  # soonest first
    assert refs("?order=date-desc") == [b.ref, a.ref]
    assert refs("?order=ref") == [b.ref, a.ref]
    assert refs("?area=Southbay") == [b.ref]
    assert refs(f"?agency={people_world.camhs_agency.pk}") == [a.ref]  # only a has a CAMHS exit
    start_b = StoredEdge.objects.get(young_person=b).start
    after = start_b - dt.timedelta(days=1)
    assert refs(f"?start_from-day={after.day}&start_from-month={after.month}&start_from-year={after.year}") == [b.ref]
    assert refs(f"?start_to-day={after.day}&start_to-month={after.month}&start_to-year={after.year}") == [a.ref]
    assert refs("?age_driven=on&unbridged=on") == [a.ref, b.ref]
    # A bad filter says what is wrong, and the list is not filtered by it.
    response = client.get(URL + "?start_from-day=31&start_from-month=2&start_from-year=2026")
    assert "The earliest start date must be a real date" in response.content.decode()
    response = client.get(
        URL
        + "?start_from-day=2&start_from-month=1&start_from-year=2030&start_to-day=1&start_to-month=1&start_to-year=2030"
    )
    assert "The latest start date must be the same as or after the earliest start date" in response.content.decode()
    # Pages.
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    assert refs("") == [a.ref]
    assert refs("?page=2") == [b.ref]
    html = client.get(URL + "?order=ref").content.decode()
    assert 'href="?order=ref&amp;page=2"' in html


def test_an_edge_that_is_over_is_not_listed(client, practitioner, edge_person):
    person = edge_person()
    StoredEdge.objects.filter(young_person=person).update(end=today())
    client.force_login(practitioner)
    html = main(client.get(URL).content.decode())
    assert f"/young-people/{person.ref}/plan/" not in html  # (they are still listed for a prompt)
    assert "No cliff edges are forecast for the young people in your caseload" in html


def test_monthly_counts_are_exact_for_the_caseload_and_suppressed_elsewhere(
    client, practitioner, edge_person, people_world
):
    mine = edge_person(days=100)
    elsewhere = {"lead": people_world.camhs_agency, "with_": ("camhs", "outreach")}
    others = [edge_person(days=100, **elsewhere) for _ in range(3)]
    month = StoredEdge.objects.get(young_person=mine).start.replace(day=1)
    assert all(StoredEdge.objects.get(young_person=p).start.replace(day=1) == month for p in others)
    client.force_login(practitioner)
    html = main(client.get(URL).content.decode())
    label = f"{month:%B} {month.year}"
    mine_rows = {row[0]: row[1:] for row in table(html, "mine-table")}
    other_rows = {row[0]: row[1:] for row in table(html, "others-table")}
    assert mine_rows[label] == ["1", "1", "1"]
    assert other_rows[label] == [FEWER_THAN_5] * 3
    assert all(cells == ["0", "0", "0"] for key, cells in other_rows.items() if key != label)
    assert all(cells == ["0", "0", "0"] for key, cells in mine_rows.items() if key != label)
    # The chart says the same, and has a text alternative.
    assert 'role="img"' in html and '<title id="edges-chart-title">Cliff edges starting each month</title>' in html
    assert '<desc id="edges-chart-desc">' in html and "&lt;5" in html
    # Two more elsewhere make five: shown exactly.
    for _ in range(2):
        edge_person(days=100, **elsewhere)
    html = main(client.get(URL).content.decode())
    other_rows = {row[0]: row[1:] for row in table(html, "others-table")}
    assert other_rows[label] == ["5", "5", "5"]
    # One of the five bridged: 4 unbridged would be "fewer than 5", and 1 bridged could give it away.
    person = StoredEdge.objects.filter(young_person__lead_agency=people_world.camhs_agency).first().young_person
    services.involvement_create(
        actor=None,
        young_person=person,
        service=people_world.leaving_care,
        start=eighteenth(person.birth_month) - dt.timedelta(days=30),
    )
    html = main(client.get(URL).content.decode())
    other_rows = {row[0]: row[1:] for row in table(html, "others-table")}
    assert other_rows[label][0] == "5" and other_rows[label][2] == FEWER_THAN_5
    mine_rows = {row[0]: row[1:] for row in table(html, "mine-table")}
    assert mine_rows[label] == ["1", "1", "1"]


def test_the_months_match_the_engines_cohort_view(practitioner, edge_person, people_world):
    """Yours plus elsewhere, before suppression, equal the engine's by_month over everyone."""
    for days in (20, 45, 100, 100, 230, 330):
        edge_person(days=days)
    for days in (45, 200):
        edge_person(days=days, lead=people_world.camhs_agency, with_=("camhs", "outreach"))
    forecast = forecasting.cohort_forecast(params=forecasting.parameters(today()))
    first = today().replace(day=1)
    counts = selectors.edge_months_for(practitioner, first=first, stop=first + dt.timedelta(days=400), today=today())
    assert forecast.cohort.by_month
    for row in forecast.cohort.by_month:
        year, month = (int(x) for x in row.month.split("-"))
        mine, others = counts.get(dt.date(year, month, 1), (selectors.MonthCounts(), selectors.MonthCounts()))
        assert (mine.edges + others.edges, mine.age_driven + others.age_driven, mine.unbridged + others.unbridged) == (
            row.edges,
            row.age_driven,
            row.unbridged,
        ), row.month


def test_the_query_count_does_not_grow_with_the_rows(client, coordinator, edge_person, people_world):
    edge_person(area="A")
    edge_person(days=200, area="B", lead=people_world.camhs_agency, with_=("camhs", "outreach"))
    client.force_login(coordinator)
    client.get(URL)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for index in range(8):
        edge_person(days=30 + 30 * index, area=f"Area {index}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert response.status_code == 200
    assert "9 cliff edges" in response.content.decode()
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
    assert len(few) <= 20  # session, user, filters, list, exits, months, prompts, last run, ..., not per row


def test_the_engine_never_runs_in_the_request(client, practitioner, edge_person, monkeypatch):
    person = edge_person()

    def refuse(*args, **kwargs):
        raise AssertionError("the dashboard ran the engine")

    monkeypatch.setattr(engine, "forecast", refuse)
    client.force_login(practitioner)
    response = client.get(URL)
    assert response.status_code == 200 and person.ref in response.content.decode()


# --- transition prompts ----------------------------------------------------------------------


def test_prompts_list_the_caseload_with_a_step_due_in_the_next_90_days(
    client, practitioner, make_young_person, people_world
):
    now = today()

    def born(years: int, months: int) -> str:
        index = now.year * 12 + now.month - 1 - (years * 12 + months)
        return f"{index // 12:04d}-{index % 12 + 1:02d}"

    care_act_due = make_young_person(birth_month=born(17, 7))  # 17 and 7 months: due now
    care_act_soon = make_young_person(birth_month=born(17, 4))  # 17½ within about 2 to 3 months
    too_young = make_young_person(birth_month=born(16, 10))  # 17½ in 8 months
    elsewhere = make_young_person(birth_month=born(17, 7), lead_agency=people_world.council)
    care_leaver = make_young_person(birth_month=born(16, 1))  # 16 a month ago: due now
    services.involvement_create(actor=None, young_person=care_leaver, service=people_world.leaving_care, start=now)
    not_care_leaver = make_young_person(birth_month=born(16, 1))
    client.force_login(practitioner)
    html = main(client.get(URL).content.decode())
    rows = table(html, "prompts-table")
    listed = {row[0].split()[0]: " ".join(row) for row in rows}
    assert set(listed) == {care_act_due.ref, care_act_soon.ref, care_leaver.ref}
    assert "Care Act transition assessment Due now" in listed[care_act_due.ref]
    assert "Care Act transition assessment Due from" in listed[care_act_soon.ref]
    assert "Pathway plan needs assessment Due now" in listed[care_leaver.ref]
    assert too_young.ref not in html and elsewhere.ref not in html and not_care_leaver.ref not in html
    # Soonest due first (the two due a month ago by reference), then the one due in a few months.
    assert [row[0].split()[0] for row in rows] == [*sorted([care_act_due.ref, care_leaver.ref]), care_act_soon.ref]


def test_prompts_beyond_those_shown_are_counted(client, practitioner, make_young_person, monkeypatch):
    now = today()
    index = now.year * 12 + now.month - 1 - (17 * 12 + 7)
    for _ in range(3):
        make_young_person(birth_month=f"{index // 12:04d}-{index % 12 + 1:02d}")
    monkeypatch.setattr(views, "PROMPTS_SHOWN", 2)  # (20 normally)
    client.force_login(practitioner)
    html = main(client.get(URL).content.decode())
    assert len(table(html, "prompts-table")) == 2
    assert "The 2 soonest are shown, of 3 young people with a prompt." in html


# --- keeping forecasts current -----------------------------------------------------------------


def test_recompute_now_enqueues_the_task_which_stores_every_edge(client, coordinator, edge_person):
    people = [edge_person(days=d) for d in (50, 150)]
    StoredEdge.objects.all().delete()
    client.force_login(coordinator)
    html = client.get(URL).content.decode()
    assert "Recompute all forecasts now" in html
    assert "have not been recomputed together yet" in html
    response = client.post("/transitions/forecast/", {"back": "dashboard"})
    assert response.status_code == 302 and response["Location"] == URL
    assert set(StoredEdge.objects.values_list("young_person", flat=True)) == {p.pk for p in people}
    run = ForecastRun.objects.get()
    assert run.requested_by == coordinator and run.people == 2 and run.edges == 2 and run.finished_at
    assert run.engine_seconds is not None
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="people.forecast.").order_by("seq")] == [
        "people.forecast.request",
        "people.forecast.refresh",
    ]
    html = client.get(URL).content.decode()
    assert "Every forecast was recomputed: 2 young people." in html
    # no partnership-wide total: it would reveal a suppressed month (ADR 0012)
    assert "2 young people," in main(html) and "young people, 2 cliff edges" not in main(html)


def test_the_forecast_page_is_for_coordinators_and_administrators(client, make_user):
    admin = make_user(Role.ADMIN)
    client.force_login(admin)
    assert client.get("/transitions/forecast/").status_code == 200
    response = client.post("/transitions/forecast/", {"back": "dashboard"})
    assert response["Location"] == "/transitions/forecast/"  # an administrator has no dashboard
    assert ForecastRun.objects.get().requested_by == admin
    html = client.get("/transitions/forecast/").content.decode()
    assert admin.full_name in html
    for role in (Role.PRACTITIONER, Role.STRATEGIC_LEAD, Role.ANALYST, Role.MODERATOR):
        client.force_login(make_user(role))
        assert client.post("/transitions/forecast/").status_code == 403
    assert ForecastRun.objects.count() == 1


def test_the_nightly_command_runs_or_enqueues_the_same_task(edge_person, capsys):
    edge_person()
    StoredEdge.objects.all().delete()
    call_command("forecast_refresh")
    assert "1 young people, 1 cliff edges" in capsys.readouterr().out
    assert StoredEdge.objects.count() == 1
    call_command("forecast_refresh", "--enqueue", "--as-of", today().isoformat())
    assert "Queued the forecast" in capsys.readouterr().out
    assert ForecastRun.objects.count() == 2  # the test settings' backend runs it at once
    assert ForecastRun.objects.filter(requested_by__isnull=True).count() == 2


def test_an_involvement_change_recomputes_that_young_person_at_once(edge_person, people_world, practitioner):
    person = edge_person()
    edge = StoredEdge.objects.get(young_person=person)
    assert edge.age_driven and not edge.bridged
    # Bringing in adult mental health from the 18th birthday bridges it, at once.
    services.involvement_create(
        actor=None, young_person=person, service=people_world.adult_mh, start=eighteenth(person.birth_month)
    )
    assert StoredEdge.objects.get(young_person=person).bridged
    # Ending diversion a year early leaves one ending at 18: no cliff edge any more.
    diversion = Involvement.objects.get(young_person=person, service=people_world.diversion)
    services.involvement_update(
        actor=practitioner, involvement=diversion, planned_end=eighteenth(person.birth_month) - dt.timedelta(days=365)
    )
    assert not StoredEdge.objects.filter(young_person=person).exists()


# --- who is "yours", worked out fast, and kept in memory ------------------------------------------


def test_the_fast_rule_for_who_is_yours_is_the_same_as_full_access(make_user, edge_person, people_world):
    from joinedup.people.models import AgencyReference, BreakGlassAccess, YoungPerson

    led = edge_person()  # police lead
    referenced = edge_person(lead=people_world.council, with_=("camhs", "outreach"))
    AgencyReference.objects.create(young_person=referenced, agency=people_world.police, local_id="POL-9")
    via_service = edge_person(lead=people_world.council)  # police's diversion
    nobody = edge_person(lead=people_world.council, with_=("camhs", "outreach"))
    glass = edge_person(lead=people_world.camhs_agency, with_=("camhs", "outreach"))
    coordinator = make_user(Role.COORDINATOR)
    now = timezone.now()
    BreakGlassAccess.objects.create(
        young_person=glass, user=coordinator, reason="x" * 12, opened_at=now, expires_at=now + dt.timedelta(hours=1)
    )
    expired = edge_person(lead=people_world.camhs_agency, with_=("camhs", "outreach"))
    BreakGlassAccess.objects.create(
        young_person=expired, user=coordinator, reason="x" * 12, opened_at=now - dt.timedelta(hours=5),
        expires_at=now - dt.timedelta(hours=1),
    )  # fmt: skip
    for user in (
        coordinator,
        make_user(Role.PRACTITIONER),
        make_user(Role.PRACTITIONER, agency_obj=people_world.council),
        make_user(Role.STRATEGIC_LEAD),
    ):
        exact = set(YoungPerson.objects.filter(selectors.full_access_q(user)).values_list("ref", flat=True))
        fast = set(YoungPerson.objects.filter(selectors.full_access_ids_q(user, "pk")).values_list("ref", flat=True))
        edges = set(
            StoredEdge.objects.filter(selectors.full_access_ids_q(user)).values_list("young_person__ref", flat=True)
        )
        assert fast == exact
        assert edges == exact & set(StoredEdge.objects.values_list("young_person__ref", flat=True))
    mine = set(YoungPerson.objects.filter(selectors.full_access_ids_q(coordinator, "pk")).values_list("ref", flat=True))
    assert mine == {led.ref, referenced.ref, via_service.ref, glass.ref}
    assert nobody.ref not in mine and expired.ref not in mine


@pytest.fixture
def memory(settings):
    settings.JOINEDUP_DASHBOARD_CACHE_SECONDS = 60
    selectors.memo_clear()
    yield
    selectors.memo_clear()


def test_with_the_memory_on_a_forecast_change_shows_at_once(client, practitioner, edge_person, people_world, memory):
    first = edge_person(days=60)
    client.force_login(practitioner)
    assert "1 cliff edge" in main(client.get(URL).content.decode())
    second = edge_person(days=90)  # a new stored edge: the key changes
    html = main(client.get(URL).content.decode())
    assert "2 cliff edges" in html and second.ref in html and first.ref in html
    selectors.memo_clear()
    with CaptureQueriesContext(connection) as cold:
        client.get(URL)
    with CaptureQueriesContext(connection) as warm:
        client.get(URL)
    # Remembered: the agency's edges, prompt candidates and the partnership's monthly counts.
    assert len(warm) == len(cold) - 3


def test_with_the_memory_on_what_is_shown_is_still_checked_now(client, practitioner, edge_person, people_world, memory):
    from joinedup.people.models import AgencyReference

    person = edge_person(lead=people_world.council, with_=("camhs", "outreach"))
    reference = AgencyReference.objects.create(young_person=person, agency=people_world.police, local_id="POL-1")
    client.force_login(practitioner)
    assert f"/young-people/{person.ref}/plan/" in client.get(URL).content.decode()
    reference.delete()  # police are no longer involved; the stored edges have not changed
    html = main(client.get(URL).content.decode())
    assert person.ref not in html  # the remembered list still has it, but it is not shown
