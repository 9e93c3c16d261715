"""Young people's record pages: scoping, audit of every view and reveal, break-glass, the forms'
validation messages, and who may change what."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from joinedup.people import services
from joinedup.people.models import (
    BreakGlassAccess,
    BridgingReferral,
    Involvement,
    SharingDecision,
    StoredEdge,
    VoiceEntry,
    YoungPerson,
)
from joinedup.platform.access import Role
from joinedup.platform.encryption import encrypt_text
from joinedup.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

NO_RECORDS = [Role.ADMIN, Role.STRATEGIC_LEAD, Role.ANALYST, Role.MODERATOR]


def today() -> dt.date:
    return timezone.localdate()


def birth_month_turning_18_in(days: int) -> str:
    day = today() + dt.timedelta(days=days)
    return f"{day.year - 18:04d}-{day.month:02d}"


def month_text(birth_month: str) -> str:
    year, month = (int(x) for x in birth_month.split("-"))
    return dt.date(year, month, 1).strftime("%B %Y")


def date_post(name: str, day: dt.date | None) -> dict:
    if day is None:
        return {f"{name}-day": "", f"{name}-month": "", f"{name}-year": ""}
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def events(action: str):
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


_TOKEN = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')


def main(html: str) -> str:
    """The page's main content, without CSRF tokens (random letters that could match anything)."""
    return _TOKEN.sub("", html[html.index("<main") : html.index("</main>")])


def page(client, url):
    response = client.get(url)
    return response, main(response.content.decode())


@pytest.fixture
def nurse(make_user, people_world):
    """A CAMHS practitioner: their agency runs CAMHS."""
    return make_user(Role.PRACTITIONER, agency_obj=people_world.camhs_agency)


@pytest.fixture
def officer(make_user):
    """A police practitioner (the default agency, which runs youth diversion)."""
    return make_user(Role.PRACTITIONER)


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.COORDINATOR)


@pytest.fixture
def camhs_person(people_world, make_young_person, nurse):
    """Led by the council, with CAMHS involved: police are not involved."""
    person = make_young_person(
        initials="QZXJ", birth_month="2008-07", lead_agency=people_world.council, lead_contact_name="Cara Council"
    )
    Involvement.objects.create(young_person=person, service=people_world.camhs, start=dt.date(2020, 1, 6))
    VoiceEntry.objects.create(
        young_person=person, recorded_by=nurse, agency=people_world.camhs_agency, worries="Hidden worry text", scale=4
    )
    SharingDecision.objects.create(
        young_person=person, decided_by=nurse, agency=people_world.camhs_agency, shared=False,
        what="Secret assessment", why="Not needed", lawful_basis="not_applicable",
    )  # fmt: skip
    return person


# --- scoping ------------------------------------------------------------------------------------


def test_an_uninvolved_practitioner_sees_the_signpost_and_no_details(client, officer, camhs_person):
    client.force_login(officer)
    response, html = page(client, reverse("people:detail", args=[camhs_person.ref]))
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "people/signpost.html"
    assert camhs_person.ref in html
    assert "Harbourside Council" in html and "Harbourside CAMHS" in html and "Cara Council" in html
    for secret in ("QZXJ", "July 2008", "2008-07", "Hidden worry text", "Secret assessment", "Camhs", "2020"):
        assert secret not in html, secret
    assert "Support timeline" not in html
    assert "Break-glass access" not in html  # practitioners cannot break the glass
    assert "Add an involvement with your service" in html
    (event,) = events("people.young_person.view")
    assert event.detail == {"level": "signpost", "break_glass": None}
    assert event.object_repr == camhs_person.ref


def test_an_involved_practitioner_sees_the_full_record(client, nurse, camhs_person):
    client.force_login(nurse)
    response, html = page(client, reverse("people:detail", args=[camhs_person.ref.lower()]))
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "people/record.html"
    for detail in ("QZXJ", "July 2008", "Hidden worry text", "Secret assessment", "Camhs", "Support timeline"):
        assert detail in html, detail
    assert "4 out of 10: some things are good, some are bad" in html
    assert "no-store" in response["Cache-Control"]
    (event,) = events("people.young_person.view")
    assert event.detail == {"level": "full", "break_glass": None}


@pytest.mark.parametrize("role", NO_RECORDS)
def test_roles_without_people_search_get_no_record(client, make_user, camhs_person, role):
    client.force_login(make_user(role))
    for url in (
        reverse("people:search"),
        reverse("people:search") + f"?q={camhs_person.ref}",
        reverse("people:detail", args=[camhs_person.ref]),
        reverse("people:add"),
        reverse("people:involvement-add", args=[camhs_person.ref]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert camhs_person.ref not in response.content.decode()
    assert client.post(reverse("people:name-reveal", args=[camhs_person.ref])).status_code == 403
    assert not events("people.young_person.view")


def test_anonymous_is_sent_to_sign_in(client, camhs_person):
    response = client.get(reverse("people:detail", args=[camhs_person.ref]))
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_an_unknown_reference_is_not_found(client, officer):
    client.force_login(officer)
    assert client.get("/young-people/YP-NNNNN/").status_code == 404
    assert client.get("/young-people/not-a-ref/").status_code == 404


# --- search and "your young people" -----------------------------------------------------------


def test_search_by_reference_case_number_and_initials(client, officer, nurse, camhs_person, make_young_person):
    services.agency_reference_add(actor=nurse, young_person=camhs_person, local_id="CAMHS-4471")
    client.force_login(officer)
    for query in (camhs_person.ref, camhs_person.ref.lower(), "CAMHS-4471"):
        _, html = page(client, reverse("people:search") + f"?q={query}")
        assert "1 result" in html and camhs_person.ref in html
        assert "Not shown: your agency is not involved" in html and "QZXJ" not in html
        assert "Cara Council" in html
    # Initials need a birth month: alone they find nothing, and the page says why.
    _, html = page(client, reverse("people:search") + "?q=qzxj")
    assert "0 results" in html and "To search by initials, also enter the birth month" in html
    _, html = page(client, reverse("people:search") + "?q=QZXJ&birth_month-month=7&birth_month-year=2008")
    assert camhs_person.ref in html
    # The involved agency sees initials and birth month in the results.
    client.force_login(nurse)
    _, html = page(client, reverse("people:search") + f"?q={camhs_person.ref}")
    assert "QZXJ, July 2008" in html


def test_search_reports_a_bad_birth_month(client, officer):
    client.force_login(officer)
    _, html = page(client, reverse("people:search") + "?q=AB&birth_month-month=13&birth_month-year=2008")
    assert "The birth month must be a real month" in html


def test_your_young_people_lists_only_your_agencys_with_the_next_cliff_edge(
    client, officer, camhs_person, make_young_person
):
    mine = make_young_person(initials="MN")  # led by police
    edge = StoredEdge.objects.create(
        young_person=mine, as_of=today(), start=today() + dt.timedelta(days=40), end=today() + dt.timedelta(days=130),
        support_before=3, support_after=0, age_driven=True, bridged=False, detail={},
    )  # fmt: skip
    client.force_login(officer)
    _, html = page(client, reverse("people:search"))
    caseload = html.split('id="caseload"')[1]
    assert mine.ref in caseload and "MN" in caseload
    assert camhs_person.ref not in html
    assert f"{edge.start.day} {edge.start:%B %Y}" in caseload


# --- audit of views and of the name ---------------------------------------------------------------


def test_every_page_about_a_young_person_is_audited(client, officer, make_young_person, people_world):
    person = make_young_person()
    involvement = Involvement.objects.create(
        young_person=person, service=people_world.diversion, start=dt.date(2021, 5, 3)
    )
    client.force_login(officer)
    urls = [
        reverse("people:detail", args=[person.ref]),
        reverse("people:edit", args=[person.ref]),
        reverse("people:involvement-add", args=[person.ref]),
        reverse("people:involvement-edit", args=[person.ref, involvement.pk]),
        reverse("people:involvement-end", args=[person.ref, involvement.pk]),
        reverse("people:sharing-decision-add", args=[person.ref]),
        reverse("people:voice-add", args=[person.ref]),
        reverse("people:reference-add", args=[person.ref]),
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url
    viewed = events("people.young_person.view")
    assert len(viewed) == len(urls)
    assert all(e.object_repr == person.ref and e.detail["level"] == "full" for e in viewed)


def test_showing_the_full_name_is_audited_and_never_in_a_url_or_the_trail(client, officer, make_young_person):
    person = make_young_person(name_encrypted=encrypt_text("Jamie Example"))
    client.force_login(officer)
    url = reverse("people:detail", args=[person.ref])
    _, html = page(client, url)
    assert "Jamie Example" not in html and "Show full name" in html
    assert client.get(reverse("people:name-reveal", args=[person.ref])).status_code == 405
    response = client.post(reverse("people:name-reveal", args=[person.ref]))
    assert response.status_code == 200 and "Jamie Example" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    (reveal,) = events("people.young_person.reveal_name")
    assert reveal.object_repr == person.ref and reveal.actor_id == officer.pk
    everything = json.dumps([[e.detail, e.object_repr] for e in AuditEvent.objects.all()])
    assert "Jamie" not in everything
    _, html = page(client, url)  # reloading hides it again
    assert "Jamie Example" not in html


def test_an_uninvolved_user_cannot_reveal_the_name(client, officer, make_young_person, people_world):
    person = make_young_person(lead_agency=people_world.council, name_encrypted=encrypt_text("Jamie Example"))
    client.force_login(officer)
    response = client.post(reverse("people:name-reveal", args=[person.ref]))
    assert response.status_code == 403 and "Jamie" not in response.content.decode()
    assert not events("people.young_person.reveal_name")
    with pytest.raises(PermissionDenied):
        services.young_person_name_reveal(actor=officer, young_person=person)


def test_revealing_when_no_name_is_recorded_says_so_and_audits_nothing(officer, make_young_person):
    person = make_young_person()
    assert services.young_person_name_reveal(actor=officer, young_person=person) == ""
    assert not events("people.young_person.reveal_name")


# --- break-glass ------------------------------------------------------------------------------------


def test_break_glass_needs_a_reason_expires_and_is_audited(client, coordinator, camhs_person, make_user):
    client.force_login(coordinator)
    url = reverse("people:detail", args=[camhs_person.ref])
    _, html = page(client, url)
    assert "Break-glass access" in html and "QZXJ" not in html
    glass = reverse("people:break-glass", args=[camhs_person.ref])
    _, html = page(client, glass)
    assert "Why do you need to see this record now?" in html
    html = client.post(glass, {"reason": ""}).content.decode()
    assert "Give the reason you need to see this record" in html
    html = client.post(glass, {"reason": "Missing"}).content.decode()
    assert "in at least 10 characters" in html
    assert not BreakGlassAccess.objects.exists()

    response = client.post(glass, {"reason": "Reported missing tonight; police asked for contacts"})
    assert response.status_code == 302 and response["Location"] == url
    grant = BreakGlassAccess.objects.get()
    assert grant.user == coordinator
    (opened,) = events("people.break_glass.open")
    assert opened.detail["reason"] == "Reported missing tonight; police asked for contacts"
    assert opened.detail["grant"] == grant.pk

    response, html = page(client, url)
    assert [t.name for t in response.templates][0] == "people/record.html"
    assert "QZXJ" in html and 'id="break-glass-banner"' in html
    assert f"{timezone.localtime(grant.expires_at):%H:%M}" in html
    assert events("people.young_person.view")[-1].detail == {"level": "full", "break_glass": grant.pk}

    # Time passes: the grant expires and the record closes again.
    grant.expires_at = timezone.now() - dt.timedelta(minutes=1)
    grant.save()
    response, html = page(client, url)
    assert [t.name for t in response.templates][0] == "people/signpost.html" and "QZXJ" not in html

    # The report shows who, which record, why and until when.
    _, html = page(client, reverse("people:break-glass-report"))
    assert camhs_person.ref in html and "Reported missing tonight" in html and coordinator.full_name in html
    assert "Ended" in html
    client.force_login(make_user(Role.ADMIN))
    _, html = page(client, reverse("people:break-glass-report"))
    assert "Reported missing tonight" in html


def test_break_glass_is_for_coordinators_only(client, officer, camhs_person):
    client.force_login(officer)
    glass = reverse("people:break-glass", args=[camhs_person.ref])
    assert client.get(glass).status_code == 403
    assert client.post(glass, {"reason": "I would like to see it please"}).status_code == 403
    assert client.get(reverse("people:break-glass-report")).status_code == 403
    assert not BreakGlassAccess.objects.exists()


def test_break_glass_is_not_needed_where_the_agency_is_involved(client, coordinator, make_young_person):
    person = make_young_person()
    client.force_login(coordinator)
    response = client.get(reverse("people:break-glass", args=[person.ref]))
    assert response.status_code == 302 and response["Location"] == reverse("people:detail", args=[person.ref])


# --- young people: add and change ---------------------------------------------------------------------


def person_post(lead_agency, /, **overrides) -> dict:
    data = {
        "initials": "jd",
        "birth_month-month": "3",
        "birth_month-year": "2009",
        "gender": "female",
        "area": "Harbour ward",
        "needs": ["exploitation"],
        "lead_agency": str(lead_agency.pk),
        "lead_contact_name": "Sam Officer",
        "lead_contact_email": "sam@example.org",
        "lead_contact_phone": "",
        "name": "",
        "local_id": "",
    }
    data.update(overrides)
    return data


def test_add_a_young_person(client, officer, people_world):
    client.force_login(officer)
    response = client.post(reverse("people:add"), person_post(people_world.police, name="Jo Doe"))
    person = YoungPerson.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("people:detail", args=[person.ref])
    assert person.initials == "JD" and person.birth_month == "2009-03" and person.has_name
    assert list(person.needs.values_list("slug", flat=True)) == ["exploitation"]
    (created,) = events("people.young_person.create")
    assert created.detail["name_recorded"] is True and "Jo Doe" not in json.dumps(created.detail)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"initials": ""}, "Enter the young person’s initials"),
        ({"initials": "JÉ"}, "Initials are 1 to 4 capital letters, like JS"),
        ({"initials": "ABCDEFGHIJK"}, "Initials must be 1 to 4 letters, like JS"),
        ({"initials": "ABCDE"}, "Initials are 1 to 4 capital letters, like JS"),
        ({"birth_month-month": "", "birth_month-year": ""}, "Enter the birth month"),
        ({"birth_month-year": ""}, "The birth month must include a year"),
        ({"birth_month-month": "14"}, "The birth month must be a real month"),
        ({"birth_month-year": "2990"}, "The birth month must be in the past"),
        ({"birth_month-year": "1980"}, "The birth month must be within the last 30 years"),
        ({"lead_agency": ""}, "Select the lead agency"),
        ({"lead_contact_email": "nope"}, "Enter an email address in the correct format, like name@example.org"),
        ({"needs": ["not-a-need"]}, "Select needs from the list"),
    ],
)
def test_adding_a_young_person_reports_each_problem(client, officer, people_world, overrides, message):
    client.force_login(officer)
    html = client.post(reverse("people:add"), person_post(people_world.police, **overrides)).content.decode()
    assert message in html and "There is a problem" in html
    assert not YoungPerson.objects.exists()


def test_another_agency_leading_needs_your_case_reference(client, officer, people_world):
    client.force_login(officer)
    html = client.post(reverse("people:add"), person_post(people_world.council)).content.decode()
    assert "Give Harbourside Police’s case reference, so your agency is recorded as involved" in html
    assert '<a href="#id_local_id">' in html
    client.post(reverse("people:add"), person_post(people_world.council, local_id="CR-1"))
    person = YoungPerson.objects.get()
    assert person.agency_references.get().local_id == "CR-1"


def test_change_a_young_person_and_their_name(client, officer, make_young_person, people_world):
    person = make_young_person(name_encrypted=encrypt_text("Old Name"))
    client.force_login(officer)
    url = reverse("people:edit", args=[person.ref])
    html = client.get(url).content.decode()
    assert "Old Name" not in html and 'value="AB"' in html and "Remove the full name" in html
    data = person_post(people_world.police, initials="AB", area="Old town", name="")
    assert client.post(url, data).status_code == 302
    person.refresh_from_db()
    assert person.area == "Old town" and person.has_name  # an empty name keeps it
    client.post(url, data | {"remove_name": "on"})
    person.refresh_from_db()
    assert not person.has_name
    changes = [e.detail for e in events("people.young_person.update")]
    assert changes[-1]["name"] == ["recorded", "none"]
    assert "Old Name" not in json.dumps(changes)


def test_an_uninvolved_practitioner_cannot_change_a_young_person(client, officer, camhs_person, people_world):
    client.force_login(officer)
    url = reverse("people:edit", args=[camhs_person.ref])
    assert client.get(url).status_code == 403
    assert client.post(url, person_post(people_world.council, initials="XX")).status_code == 403
    camhs_person.refresh_from_db()
    assert camhs_person.initials == "QZXJ"


# --- involvements --------------------------------------------------------------------------------------


def involvement_post(service, start, planned_end=None, **extra) -> dict:
    data = (
        {"service": str(service.pk), "weight": ""} | date_post("start", start) | date_post("planned_end", planned_end)
    )
    data.update(extra)
    return data


def test_add_an_involvement_recomputes_the_forecast(client, officer, make_young_person, people_world):
    person = make_young_person(birth_month=birth_month_turning_18_in(120), needs=["mental-health"])
    Involvement.objects.create(young_person=person, service=people_world.camhs, start=dt.date(2022, 1, 3))
    client.force_login(officer)
    url = reverse("people:involvement-add", args=[person.ref])
    response = client.post(url, involvement_post(people_world.diversion, dt.date(2023, 2, 6)))
    assert response.status_code == 302
    involvement = person.involvements.get(service=people_world.diversion)
    (created,) = events("people.involvement.create")
    assert created.detail["young_person"] == person.ref and created.detail["service"] == "youth-diversion"
    edge = StoredEdge.objects.get(young_person=person)
    assert edge.age_driven and edge.start == person.turns(18)
    _, html = page(client, reverse("people:detail", args=[person.ref]))
    assert f"Cliff edge from {edge.start.day} {edge.start:%B %Y}" in html
    assert "Age-driven" in html and "Not bridged" in html
    assert "Adult Mental Health" in html and "Shares need mental-health" in html
    assert "Bridging support weighing more than" in html or "no cliff edge is left" in html
    assert involvement.service.name in html


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("end_before_start", "The planned end must be the same as or after the start date"),
        ("start_before_birth", "The start date must be after {ref} was born (March 2009)"),
        ("age_range", "Youth Diversion is for ages 10 to 17; {ref} was 18 on the start date"),
        ("unknown_service", "Select a service from the list: you can record involvements only with the services listed"),
        ("another_agencys_service", "Select a service from the list: you can record involvements only with the services listed"),
        ("no_start", "Enter the start date"),
        ("bad_start", "The start date must be a real date"),
        ("part_start", "The start date must include a month"),
        ("bad_weight", "Weight must be a number, like 1 or 0.5"),
        ("big_weight", "Weight must be 100 or less"),
    ],
)  # fmt: skip
def test_involvement_validation_messages(client, officer, make_young_person, people_world, case, message):
    person = make_young_person(birth_month="2009-03")
    diversion = people_world.diversion
    data = {
        "end_before_start": involvement_post(diversion, dt.date(2024, 5, 1), dt.date(2024, 4, 1)),
        "start_before_birth": involvement_post(diversion, dt.date(2008, 1, 1)),
        "age_range": involvement_post(diversion, dt.date(2027, 6, 1)),
        "unknown_service": involvement_post(diversion, dt.date(2024, 5, 1)) | {"service": "999999"},
        "another_agencys_service": involvement_post(people_world.camhs, dt.date(2024, 5, 1)),
        "no_start": involvement_post(diversion, None),
        "bad_start": involvement_post(diversion, dt.date(2024, 5, 1)) | {"start-day": "31", "start-month": "2"},
        "part_start": involvement_post(diversion, dt.date(2024, 5, 1)) | {"start-month": ""},
        "bad_weight": involvement_post(diversion, dt.date(2024, 5, 1), weight="lots"),
        "big_weight": involvement_post(diversion, dt.date(2024, 5, 1), weight="250"),
    }[case]
    client.force_login(officer)
    response = client.post(reverse("people:involvement-add", args=[person.ref]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert message.format(ref=person.ref) in html, html[html.find("govuk-error-summary") :][:800]
    assert "There is a problem" in html
    assert not person.involvements.exists()
    assert not events("people.involvement.create")


def test_duplicate_and_overlapping_involvements_are_refused(client, officer, make_young_person, people_world):
    person = make_young_person(birth_month="2009-03")
    Involvement.objects.create(
        young_person=person, service=people_world.diversion, start=dt.date(2024, 5, 1), planned_end=dt.date(2025, 5, 1)
    )
    client.force_login(officer)
    url = reverse("people:involvement-add", args=[person.ref])
    html = client.post(url, involvement_post(people_world.diversion, dt.date(2024, 5, 1))).content.decode()
    assert f"{person.ref} already has an involvement with Youth Diversion starting on 1 May 2024" in html
    html = client.post(url, involvement_post(people_world.diversion, dt.date(2024, 9, 2))).content.decode()
    assert f"{person.ref} is already involved with Youth Diversion from 1 May 2024" in html
    assert person.involvements.count() == 1


def test_a_discontinued_service_cannot_be_chosen_but_its_involvement_can_still_end(
    client, officer, make_young_person, people_world
):
    person = make_young_person(birth_month="2009-03")
    involvement = Involvement.objects.create(
        young_person=person, service=people_world.diversion, start=dt.date(2024, 5, 1)
    )
    people_world.diversion.is_active = False
    people_world.diversion.save()
    with pytest.raises(ValidationError, match="no longer offered"):
        services.involvement_create(
            actor=officer, young_person=person, service=people_world.diversion, start=dt.date(2025, 1, 6)
        )
    client.force_login(officer)
    url = reverse("people:involvement-end", args=[person.ref, involvement.pk])
    assert client.post(url, date_post("actual_end", dt.date(2025, 1, 6))).status_code == 302
    involvement.refresh_from_db()
    assert involvement.actual_end == dt.date(2025, 1, 6)


def test_change_and_end_an_involvement(client, officer, make_young_person, people_world):
    person = make_young_person(birth_month="2009-03")
    involvement = Involvement.objects.create(
        young_person=person, service=people_world.diversion, start=dt.date(2024, 5, 1)
    )
    client.force_login(officer)
    edit = reverse("people:involvement-edit", args=[person.ref, involvement.pk])
    html = client.get(edit).content.decode()
    assert 'name="start-day"' in html and 'value="2024"' in html
    data = involvement_post(people_world.diversion, dt.date(2024, 5, 1), dt.date(2026, 3, 1), weight="1.5")
    data |= date_post("actual_end", None)
    assert client.post(edit, data).status_code == 302
    involvement.refresh_from_db()
    assert involvement.planned_end == dt.date(2026, 3, 1) and str(involvement.weight) == "1.50"
    (updated,) = events("people.involvement.update")
    assert updated.detail["planned_end"] == [None, "2026-03-01"]

    end = reverse("people:involvement-end", args=[person.ref, involvement.pk])
    html = client.post(end, date_post("actual_end", None)).content.decode()
    assert "Enter the date the involvement ended" in html
    html = client.post(end, date_post("actual_end", dt.date(2024, 4, 1))).content.decode()
    assert "The end date must be the same as or after the start date" in html
    assert client.post(end, date_post("actual_end", dt.date(2025, 2, 3))).status_code == 302
    html = client.post(end, date_post("actual_end", dt.date(2025, 3, 3))).content.decode()
    assert "This involvement already ended on 3 February 2025" in html
    involvement.refresh_from_db()
    assert involvement.actual_end == dt.date(2025, 2, 3)


def test_a_practitioner_cannot_change_another_agencys_involvement(
    client, officer, nurse, coordinator, make_young_person, people_world
):
    person = make_young_person(birth_month="2009-03")  # police lead: the officer sees it in full
    camhs = Involvement.objects.create(young_person=person, service=people_world.camhs, start=dt.date(2024, 5, 1))
    client.force_login(officer)
    html = client.get(reverse("people:detail", args=[person.ref])).content.decode()
    assert reverse("people:involvement-edit", args=[person.ref, camhs.pk]) not in html
    for name in ("people:involvement-edit", "people:involvement-end"):
        url = reverse(name, args=[person.ref, camhs.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, date_post("actual_end", dt.date(2025, 1, 6))).status_code == 403
    with pytest.raises(PermissionDenied):
        services.involvement_end(actor=officer, involvement=camhs, actual_end=dt.date(2025, 1, 6))
    assert not services.involvement_can_change(officer, camhs)
    assert services.involvement_can_change(nurse, camhs)
    assert services.involvement_can_change(coordinator, camhs)
    camhs.refresh_from_db()
    assert camhs.actual_end is None
    # The coordinator may change any involvement on a record they see in full.
    client.force_login(coordinator)
    url = reverse("people:involvement-end", args=[person.ref, camhs.pk])
    assert client.post(url, date_post("actual_end", dt.date(2025, 1, 6))).status_code == 302


def test_an_uninvolved_practitioner_can_add_their_own_service_and_so_becomes_involved(
    client, officer, camhs_person, people_world
):
    client.force_login(officer)
    url = reverse("people:involvement-add", args=[camhs_person.ref])
    html = client.get(url).content.decode()
    assert "QZXJ" not in html and "Youth Diversion" in html and "Camhs" not in html
    response = client.post(url, involvement_post(people_world.diversion, dt.date(2021, 9, 6)))
    assert response.status_code == 302
    response, html = page(client, reverse("people:detail", args=[camhs_person.ref]))
    assert [t.name for t in response.templates][0] == "people/record.html" and "QZXJ" in html


def test_an_uninvolved_practitioner_can_add_their_case_reference(client, officer, camhs_person):
    client.force_login(officer)
    url = reverse("people:reference-add", args=[camhs_person.ref])
    html = client.post(url, {"local_id": ""}).content.decode()
    assert "Enter the case reference" in html
    assert client.post(url, {"local_id": "POL-77"}).status_code == 302
    (added,) = events("people.agency_reference.create")
    assert added.detail == {"agency": "harbourside-police", "local_id": "POL-77"}
    _, html = page(client, reverse("people:detail", args=[camhs_person.ref]))
    assert "POL-77" in html and "QZXJ" in html
    html = client.post(url, {"local_id": "POL-77"}).content.decode()
    assert "Harbourside Police already uses case reference POL-77 for another young person" in html


# --- sharing decisions, voice, referrals -------------------------------------------------------------


def sharing_post(people_world, **overrides) -> dict:
    data = {
        "shared": "yes",
        "what": "MACE risk assessment",
        "with_whom": [str(people_world.council.pk)],
        "with_whom_other": "",
        "why": "To plan support at 18",
        "lawful_basis": "public_task",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"shared": ""}, "Select whether the information was shared"),
        ({"what": ""}, "Say what information the decision is about"),
        ({"why": ""}, "Say why you decided this"),
        ({"lawful_basis": ""}, "Select the lawful basis"),
        ({"lawful_basis": "not_applicable"}, "Information was shared: choose the lawful basis for sharing it"),
        ({"with_whom": []}, "Say whom the information was, or was not, shared with"),
    ],
)
def test_sharing_decision_messages(client, officer, make_young_person, people_world, overrides, message):
    person = make_young_person()
    client.force_login(officer)
    url = reverse("people:sharing-decision-add", args=[person.ref])
    html = client.post(url, sharing_post(people_world, **overrides)).content.decode()
    assert message in html and "There is a problem" in html
    assert not SharingDecision.objects.exists()


def test_record_a_sharing_decision(client, officer, make_young_person, people_world):
    person = make_young_person()
    client.force_login(officer)
    url = reverse("people:sharing-decision-add", args=[person.ref])
    response = client.post(
        url, sharing_post(people_world, shared="no", lawful_basis="not_applicable", with_whom_other="GP")
    )
    assert response.status_code == 302
    decision = SharingDecision.objects.get()
    assert decision.shared is False and decision.with_whom_other == "GP" and decision.agency == people_world.police
    (recorded,) = events("people.sharing_decision.create")
    assert recorded.detail["with_whom"] == ["harbourside-council"]
    _, html = page(client, reverse("people:detail", args=[person.ref]))
    assert "Not shared" in html and "Harbourside Council, GP" in html


def test_record_the_young_persons_voice(client, officer, make_young_person):
    person = make_young_person()
    client.force_login(officer)
    url = reverse("people:voice-add", args=[person.ref])
    html = client.post(url, {"working_well": "", "worries": "", "wants": ""}).content.decode()
    assert "Record at least one of what is working well, worries, what they want or the scale" in html
    html = client.post(url, {"scale": "11"}).content.decode()
    assert "Select a number from 0 to 10" in html
    assert client.post(url, {"working_well": "Football on Fridays", "scale": "7"}).status_code == 302
    client.post(url, {"wants": "A flat near my sister"})
    (first, second) = VoiceEntry.objects.order_by("pk")
    assert first.scale == 7 and second.scale is None
    _, html = page(client, reverse("people:detail", args=[person.ref]))
    assert "7 out of 10: things are mostly good" in html
    assert html.index("A flat near my sister") < html.index("Football on Fridays")  # latest first


def test_voice_and_sharing_need_the_full_record(client, officer, camhs_person, people_world):
    client.force_login(officer)
    for name in ("people:voice-add", "people:sharing-decision-add"):
        url = reverse(name, args=[camhs_person.ref])
        assert client.get(url).status_code == 403
        assert client.post(url, sharing_post(people_world) | {"worries": "x"}).status_code == 403
    assert VoiceEntry.objects.count() == 1 and SharingDecision.objects.count() == 1


def test_update_a_bridging_referral(client, officer, nurse, make_young_person, people_world):
    person = make_young_person(birth_month=birth_month_turning_18_in(120), needs=["mental-health"])
    plan = services.transition_plan_agree(
        actor=officer, young_person=person, edge_start=person.turns(18), edge_end=person.turns(18) + dt.timedelta(90),
        review_date=today() + dt.timedelta(days=30),
        referrals=[services.Referral(service=people_world.adult_mh, reason="Shares need mental-health")],
    )  # fmt: skip
    referral = plan.bridging_referrals.get()
    client.force_login(officer)
    _, html = page(client, reverse("people:detail", args=[person.ref]))
    assert "Status of the referral to Adult Mental Health" in html and "Suggested" in html
    url = reverse("people:referral-status", args=[person.ref, referral.pk])
    html = client.post(url, {f"referral-{referral.pk}-status": "lost"}).content.decode()
    assert "Select suggested, referred, accepted or declined" in html
    response = client.post(url, {f"referral-{referral.pk}-status": "referred"})
    assert response.status_code == 302 and response["Location"].endswith("#plans")
    referral.refresh_from_db()
    assert referral.status == BridgingReferral.Status.REFERRED
    (updated,) = events("people.bridging_referral.update")
    assert updated.detail["status"] == ["suggested", "referred"]
    client.force_login(nurse)  # CAMHS is not involved with this young person
    assert client.post(url, {f"referral-{referral.pk}-status": "accepted"}).status_code == 403


# --- the page's parts ----------------------------------------------------------------------------------


def test_the_timeline_is_an_accessible_chart_with_a_table(client, officer, make_young_person, people_world):
    person = make_young_person(birth_month=birth_month_turning_18_in(200))
    Involvement.objects.create(young_person=person, service=people_world.diversion, start=dt.date(2023, 1, 2))
    Involvement.objects.create(
        young_person=person, service=people_world.camhs, start=dt.date(2022, 1, 3), actual_end=dt.date(2023, 6, 5)
    )
    client.force_login(officer)
    _, html = page(client, reverse("people:detail", args=[person.ref]))
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and f"Support timeline for {person.ref}" in svg and "<desc" in svg
    assert "18th birthday" in svg and "Today" in svg and "Support level" in svg
    table = html[html.index('id="involvements"') :]
    assert "Age limit (18)" in table and "Ended" in table and "5 Jun 2023" in table
    assert 'id="support-steps"' in html


def test_transition_prompts_on_the_page(client, officer, make_young_person, people_world):
    day = today() - dt.timedelta(days=17 * 366 + 220)  # about 17 years 7 months old
    person = make_young_person(birth_month=f"{day.year:04d}-{day.month:02d}")
    client.force_login(officer)
    _, html = page(client, reverse("people:detail", args=[person.ref]))
    assert "Care Act transition assessment" in html and "Due now" in html
    assert "Pathway plan needs assessment" not in html
    Involvement.objects.create(young_person=person, service=people_world.leaving_care, start=today())
    _, html = page(client, reverse("people:detail", args=[person.ref]))
    assert "Pathway plan needs assessment" in html and "Was due" in html


def test_the_break_glass_report_lists_the_newest_first(coordinator, make_user, make_young_person, people_world):
    from joinedup.people import selectors

    person = make_young_person(lead_agency=people_world.council)
    first = services.break_glass_open(actor=coordinator, young_person=person, reason="First reason, long enough")
    second = services.break_glass_open(actor=coordinator, young_person=person, reason="Second reason, long enough")
    assert list(selectors.break_glass_report_for(coordinator)) == [second, first]
    with pytest.raises(PermissionDenied):
        selectors.break_glass_report_for(make_user(Role.PRACTITIONER))


def test_an_uninvolved_coordinator_may_add_only_their_own_agencys_services(
    client, coordinator, camhs_person, people_world
):
    client.force_login(coordinator)
    url = reverse("people:involvement-add", args=[camhs_person.ref])
    html = client.get(url).content.decode()
    assert "Youth Diversion" in html and "Adult Mental Health" not in html
    html = client.post(url, involvement_post(people_world.adult_mh, dt.date(2026, 9, 7))).content.decode()
    assert "Select a service from the list" in html
    assert camhs_person.involvements.count() == 1


def test_navigation_and_home_cards(client, make_user):
    for role, sees_people, sees_report in (
        (Role.PRACTITIONER, True, False),
        (Role.COORDINATOR, True, True),
        (Role.ADMIN, False, True),
        (Role.STRATEGIC_LEAD, False, False),
    ):
        client.force_login(make_user(role))
        html = client.get(reverse("web:home")).content.decode()
        nav = html[html.index('id="navigation"') : html.index("</nav>", html.index('id="navigation"'))]
        assert ('href="/young-people/"' in nav) is sees_people, role
        assert ("Break-glass access report" in html) is sees_report, role


def test_selectors_for_the_record_pages(officer, nurse, make_young_person, people_world):
    from joinedup.people import selectors

    later = make_young_person(initials="LA")
    sooner = make_young_person(initials="SO")
    none = make_young_person(initials="NO")
    for person, days in ((later, 200), (sooner, 30)):
        StoredEdge.objects.create(
            young_person=person, as_of=today(), start=today() + dt.timedelta(days=days),
            end=today() + dt.timedelta(days=days + 90), support_before=2, support_after=0, age_driven=False,
            bridged=False, detail={},
        )  # fmt: skip
    StoredEdge.objects.create(  # over already: not the next edge
        young_person=none, as_of=today() - dt.timedelta(days=200), start=today() - dt.timedelta(days=150),
        end=today() - dt.timedelta(days=60), support_before=2, support_after=0, age_driven=False, bridged=False,
        detail={},
    )  # fmt: skip
    caseload = list(selectors.caseload_for(officer))
    assert [p.ref for p in caseload] == [sooner.ref, later.ref, none.ref]
    assert caseload[2].next_edge is None
    assert selectors.caseload_for(nurse).count() == 0

    Involvement.objects.create(young_person=sooner, service=people_world.leaving_care, start=dt.date(2025, 3, 3))
    Involvement.objects.create(young_person=later, service=people_world.camhs, start=dt.date(2021, 3, 1))
    assert selectors.leaving_care_person_ids([sooner.pk, later.pk, none.pk]) == {sooner.pk}

    services.agency_reference_add(actor=nurse, young_person=later, local_id="C-9")
    involved = {item.agency.code: item for item in selectors.who_is_involved(later)}
    assert set(involved) == {"harbourside-police", "harbourside-camhs"}
    assert involved["harbourside-police"].is_lead and involved["harbourside-camhs"].case_references == ("C-9",)
    assert involved["harbourside-camhs"].services == ("Camhs",)
