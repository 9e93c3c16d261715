"""Agreeing a transition plan for one cliff edge: the proposal shown with its reasons, validation with
specific messages that change nothing, and agreeing re-forecasts at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from joinedup.directory.models import Audience, Service
from joinedup.people import services
from joinedup.people.models import BridgingReferral, Involvement, PlannedEnd, StoredEdge, TransitionPlan
from joinedup.platform.access import Role
from joinedup.platform.models import AuditEvent

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def date_post(name: str, day: dt.date | None) -> dict:
    if day is None:
        return {f"{name}-day": "", f"{name}-month": "", f"{name}-year": ""}
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


@pytest.fixture
def practitioner(make_user):
    return make_user(Role.PRACTITIONER)  # Harbourside Police


@pytest.fixture
def stretch(people_world):
    """Police transitions support: ends at 18 but can be put back by up to 26 weeks."""
    return Service.objects.create(
        agency=people_world.police, code="transitions-support", name="Transitions support", remit="r",
        audience=Audience.CHILD, min_age=10, max_age=17, ends_at_age=18, max_extension_days=182,
    )  # fmt: skip


@pytest.fixture
def club(people_world):
    return Service.objects.create(
        agency=people_world.police, code="youth-club", name="Youth club", remit="r", audience=Audience.CHILD,
        min_age=10, max_age=19,
    )  # fmt: skip


@pytest.fixture
def person(make_young_person, people_world, stretch, club):
    """Turning 18 in about three months: CAMHS (weight 2, cannot move) and transitions support end
    then; the youth club carries on. Putting transitions support back 13 weeks removes the edge."""
    day = today() + dt.timedelta(days=90)
    young = make_young_person(birth_month=f"{day.year - 18:04d}-{day.month:02d}", needs=["mental-health"])
    start = today() - dt.timedelta(days=100)
    for service in (people_world.camhs, stretch, club):
        services.involvement_create(actor=None, young_person=young, service=service, start=start)
    return young


@pytest.fixture
def edge(person):
    return StoredEdge.objects.get(young_person=person)


def url(person, edge) -> str:
    return f"/young-people/{person.ref}/plan/?start={edge.start.isoformat()}"


def agreed(person, stretch, edge, **changes) -> dict:
    involvement = Involvement.objects.get(young_person=person, service=stretch)
    data = {
        **date_post(f"end_{involvement.pk}", edge.start + dt.timedelta(days=91)),
        "referral_adult-mental-health": "referred",
        "reason_adult-mental-health": "Referred by the CAMHS nurse on Monday",
        **date_post("review_date", today() + dt.timedelta(weeks=12)),
        "notes": "Agreed with the young person at the transitions panel.",
    }
    data.update(changes)
    return data


def test_the_page_shows_the_proposal_and_why(client, practitioner, person, edge, stretch):
    client.force_login(practitioner)
    response = client.get(url(person, edge))
    assert response.status_code == 200
    html = main(response.content.decode())
    new_end = edge.start + dt.timedelta(days=91)
    assert f"Agree a plan for the cliff edge from {edge.start.day} {edge.start:%B %Y}" in html
    assert f"<strong>Transitions support</strong>: end on {new_end.day} {new_end:%B %Y} instead of" in html
    assert "spaces out the endings" in html
    assert "no cliff edge is left" in html
    assert "Camhs ends" in html and "cannot be extended" in html  # the ending that cannot move
    involvement = Involvement.objects.get(young_person=person, service=stretch)
    # Pre-filled with the proposal, as GOV.UK date inputs.
    assert f'name="end_{involvement.pk}-day" type="text" inputmode="numeric" value="{new_end.day}"' in html
    assert f'name="end_{involvement.pk}-year" type="text" inputmode="numeric" value="{new_end.year}"' in html
    review = today() + dt.timedelta(weeks=12)
    assert f'name="review_date-day" type="text" inputmode="numeric" value="{review.day}"' in html
    # The suggested bridging service, with its reason and the four statuses (suggested chosen).
    assert "Adult Mental Health" in html and "Shares need mental-health; serves ages 18 to 25" in html
    for status in ("suggested", "referred", "accepted", "declined", "none"):
        assert f'name="referral_adult-mental-health" type="radio" value="{status}"' in html
    assert 'type="radio" value="suggested" checked' in html
    # Opening the page is a view of the record: audited.
    assert AuditEvent.objects.filter(action="people.young_person.view", object_repr=person.ref).exists()


def test_agreeing_records_the_plan_and_reforecasts(client, practitioner, person, edge, stretch):
    client.force_login(practitioner)
    response = client.post(url(person, edge), agreed(person, stretch, edge))
    assert response.status_code == 302
    assert response["Location"] == f"/young-people/{person.ref}/#plans"
    plan = TransitionPlan.objects.get(young_person=person)
    assert (plan.edge_start, plan.edge_end, plan.status) == (edge.start, edge.end, TransitionPlan.Status.AGREED)
    assert plan.review_date == today() + dt.timedelta(weeks=12) and plan.agreed_by == practitioner
    assert plan.notes == "Agreed with the young person at the transitions panel."
    moved = PlannedEnd.objects.get(plan=plan)
    assert (moved.from_date, moved.to_date) == (edge.start, edge.start + dt.timedelta(days=91))
    assert Involvement.objects.get(young_person=person, service=stretch).planned_end == moved.to_date
    referral = BridgingReferral.objects.get(plan=plan)
    assert (referral.service.code, referral.status) == ("adult-mental-health", "referred")
    assert referral.reason == "Referred by the CAMHS nurse on Monday"
    # Re-forecast at once: the edge is gone.
    assert not StoredEdge.objects.filter(young_person=person).exists()
    assert AuditEvent.objects.filter(action="people.transition_plan.agree").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "The forecast was recomputed: no cliff edge is left" in page


def test_a_plan_that_leaves_the_edge_says_so(client, practitioner, person, edge, stretch):
    """Agreeing no change (the end as it is now) records the plan; the edge is still forecast."""
    client.force_login(practitioner)
    involvement = Involvement.objects.get(young_person=person, service=stretch)
    data = agreed(person, stretch, edge, **date_post(f"end_{involvement.pk}", edge.start))
    data["referral_adult-mental-health"] = "none"
    response = client.post(url(person, edge), data, follow=True)
    assert "a cliff edge is still forecast from" in response.content.decode()
    plan = TransitionPlan.objects.get(young_person=person)
    assert not plan.bridging_referrals.exists()  # left out
    assert not plan.planned_ends.exists()  # nothing moved
    assert StoredEdge.objects.filter(young_person=person, start=edge.start).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: {"end": e.start - dt.timedelta(days=1)}, "cannot be earlier than"),
        (
            lambda e: {"end": e.start + dt.timedelta(days=183)},
            "Transitions support can be put back by at most 182 days",
        ),
        (lambda e: {"review": today()}, "The review date must be in the future"),
        (lambda e: {"review": today() - dt.timedelta(days=3)}, "The review date must be in the future"),
        (lambda e: {"review": None}, "Enter the review date"),
        (lambda e: {"end": None}, "Enter the agreed end of Transitions support"),
        (lambda e: {"status": "maybe"}, "Select suggested, referred, accepted, declined or leave it out"),
    ],
)
def test_validation_messages_change_nothing(client, practitioner, person, edge, stretch, change, message):
    client.force_login(practitioner)
    involvement = Involvement.objects.get(young_person=person, service=stretch)
    data = agreed(person, stretch, edge)
    what = change(edge)
    if "end" in what:
        data.update(date_post(f"end_{involvement.pk}", what["end"]))
    if "review" in what:
        data.update(date_post("review_date", what["review"]))
    if "status" in what:
        data["referral_adult-mental-health"] = what["status"]
    response = client.post(url(person, edge), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and message in html
    if "end" in what and what["end"] is not None and what["end"] < edge.start:
        assert "when it ends now" in html
    assert not TransitionPlan.objects.exists()
    assert Involvement.objects.get(pk=involvement.pk).planned_end is None
    assert StoredEdge.objects.filter(young_person=person, start=edge.start).exists()


def test_only_those_who_see_the_record_in_full_may_plan(client, make_user, people_world, person, edge):
    council = make_user(Role.PRACTITIONER, agency_obj=people_world.council)
    client.force_login(council)
    assert client.get(url(person, edge)).status_code == 403
    assert client.post(url(person, edge), {}).status_code == 403
    for role in (Role.ADMIN, Role.STRATEGIC_LEAD, Role.ANALYST, Role.MODERATOR):
        client.force_login(make_user(role))
        assert client.get(url(person, edge)).status_code == 403
    client.logout()
    assert client.get(url(person, edge)).status_code == 302
    assert not TransitionPlan.objects.exists()


def test_choosing_the_edge(client, practitioner, person, edge):
    client.force_login(practitioner)
    # Without a start: the first edge not yet over. The record page's links use ?edge=.
    assert client.get(f"/young-people/{person.ref}/plan/").status_code == 200
    assert client.get(f"/young-people/{person.ref}/plan/?edge={edge.start.isoformat()}").status_code == 200
    other = edge.start + dt.timedelta(days=1)
    assert client.get(f"/young-people/{person.ref}/plan/?start={other.isoformat()}").status_code == 404
    assert client.get(f"/young-people/{person.ref}/plan/?start=not-a-date").status_code == 200  # the first edge


def test_agreeing_again_replaces_the_earlier_plan(client, practitioner, person, edge, stretch):
    client.force_login(practitioner)
    involvement = Involvement.objects.get(young_person=person, service=stretch)
    first = agreed(person, stretch, edge, **date_post(f"end_{involvement.pk}", edge.start))
    client.post(url(person, edge), first)
    client.post(url(person, edge), agreed(person, stretch, edge))
    statuses = list(TransitionPlan.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == [TransitionPlan.Status.SUPERSEDED, TransitionPlan.Status.AGREED]
    assert not StoredEdge.objects.filter(young_person=person).exists()
