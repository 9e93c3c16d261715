"""The young person's page reads a fixed number of queries, however much the record holds
(issue 3, "Measured": the page must stay cheap at 100,000 young people). A per-row query (an
N+1) on involvements, cliff edges and their exits, plans and referrals, the young person's voice
or sharing decisions would make the larger record cost more queries than the small one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from joinedup.people import services
from joinedup.people.models import (
    AgencyReference,
    Involvement,
    SharingDecision,
    StoredEdge,
    StoredExit,
    VoiceEntry,
)
from joinedup.platform.access import Role
from joinedup.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

# Sign-in and session (middleware), opening and auditing the record, and one query per part of
# the page: a bound that fails if any part starts reading row by row.
MOST_QUERIES = 32


def _record(make_young_person, people_world, nurse, coordinator, size: int):
    """A young person led by the council, with CAMHS involved and a police case reference (the
    coordinator's agency), holding ``size`` of everything the page lists."""
    today = timezone.localdate()
    birth = today - dt.timedelta(days=17 * 365 + 100)
    person = make_young_person(
        birth_month=f"{birth.year:04d}-{birth.month:02d}", lead_agency=people_world.council, needs=["mental-health"]
    )
    AgencyReference.objects.create(young_person=person, agency=people_world.police, local_id=f"POL-{size}")
    services_cycle = [people_world.camhs, people_world.diversion, people_world.adult_mh, people_world.leaving_care]
    involvements = []
    for number in range(size):
        involvements.append(
            Involvement.objects.create(
                young_person=person,
                service=services_cycle[number % len(services_cycle)],
                start=dt.date(2020, 1, 6) + dt.timedelta(days=40 * number),
                planned_end=today + dt.timedelta(days=200 + number) if number % 2 else None,
            )
        )
    for number in range(size):
        start = today + dt.timedelta(days=30 + 100 * number)
        services.transition_plan_agree(
            actor=coordinator,
            young_person=person,
            edge_start=start,
            edge_end=start + dt.timedelta(days=60),
            review_date=today + dt.timedelta(days=30),
            referrals=[services.Referral(service=people_world.adult_mh, reason="Shares need mental-health")],
        )
    for number in range(size):
        start = today + dt.timedelta(days=30 + 100 * number)
        edge = StoredEdge.objects.create(
            young_person=person, as_of=today, start=start, end=start + dt.timedelta(days=60),
            support_before=3, support_after=1, age_driven=True, bridged=False,
            detail={
                "suggestions": [{"service_id": "adult-mental-health", "reason": "Shares need mental-health"}],
                "plan": {
                    "resolved": False, "extension_days": 30, "bridging_needed": "1",
                    "changes": [{"service_id": "camhs", "from": start.isoformat(),
                                 "to": (start + dt.timedelta(days=30)).isoformat()}],
                },
            },
        )  # fmt: skip
        for involvement in involvements[:2]:
            StoredExit.objects.create(
                edge=edge,
                service=involvement.service,
                agency=involvement.service.agency,
                date=start,
                reason="age_limit",
            )
        VoiceEntry.objects.create(
            young_person=person, recorded_by=nurse, agency=people_world.camhs_agency, worries=f"Worry {number}", scale=5
        )
        decision = SharingDecision.objects.create(
            young_person=person, decided_by=nurse, agency=people_world.camhs_agency, shared=True,
            what=f"Assessment {number}", why="Planning the transition", lawful_basis="not_applicable",
        )  # fmt: skip
        decision.with_whom.set([people_world.council, people_world.police])
    return person


def _count(client, person) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("people:detail", args=[person.ref]))
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "people/record.html"
    return len(queries.captured_queries), response.content.decode()


@pytest.mark.parametrize("role", ["practitioner", "coordinator"])
def test_the_record_page_reads_the_same_queries_for_a_small_and_a_large_record(
    client, make_user, make_young_person, people_world, role
):
    nurse = make_user(Role.PRACTITIONER, agency_obj=people_world.camhs_agency)
    coordinator = make_user(Role.COORDINATOR)  # police: involved through the case reference
    small = _record(make_young_person, people_world, nurse, coordinator, 1)
    large = _record(make_young_person, people_world, nurse, coordinator, 8)
    viewer = nurse if role == "practitioner" else coordinator
    client.force_login(viewer)
    _count(client, small)  # the first request of a session does a little more (e.g. a fresh session)
    few, small_html = _count(client, small)
    many, large_html = _count(client, large)
    # Not more (it can be one fewer: services the larger record already lists are not read again).
    assert many <= few, f"{few} queries for the small record, {many} for the large one"
    assert many <= MOST_QUERIES, many
    # The larger page really shows its larger record (so the counts compare like with like) ...
    assert large_html.count("Worry ") == 8 and small_html.count("Worry ") == 1
    assert large_html.count("Assessment ") == 8
    assert large_html.count("Cliff edge from") > small_html.count("Cliff edge from")
    assert large_html.count("Status of the referral to Adult Mental Health") == 8
    # ... with the links to change other agencies' involvements for the coordinator only.
    edit_links = large_html.count("/involvements/")
    if role == "coordinator":
        assert edit_links >= 2 * 8  # change and end for each of the eight, plus adding one
    else:
        camhs = Involvement.objects.filter(young_person=large, service=people_world.camhs).count()
        assert large_html.count('Change<span class="govuk-visually-hidden"> Camhs') == camhs
    # ... and every view is still audited, at the level the viewer has.
    views = AuditEvent.objects.filter(action="people.young_person.view", actor_id=viewer.pk).order_by("seq")
    assert views.count() == 3
    assert all(event.detail == {"level": "full", "break_glass": None} for event in views)
