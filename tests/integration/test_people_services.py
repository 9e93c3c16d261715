"""The people services and scoping rules (DESIGN §3, §6, §7), below the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from joinedup.domain import cliff_edge as engine
from joinedup.people import forecasting, selectors, services
from joinedup.people.models import AgencyReference, BreakGlassAccess, Involvement, StoredEdge, YoungPerson
from joinedup.platform.access import Role
from joinedup.platform.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user, people_world):
    w = people_world
    return {
        "police": make_user(Role.PRACTITIONER),
        "camhs": make_user(Role.PRACTITIONER, agency_obj=w.camhs_agency),
        "council": make_user(Role.PRACTITIONER, agency_obj=w.council),
        "coordinator": make_user(Role.COORDINATOR, agency_obj=w.council),
        "lead": make_user(Role.STRATEGIC_LEAD),
        "admin": make_user(Role.ADMIN),
    }


def _messages(error: ValidationError) -> str:
    return " ".join(message for messages in error.message_dict.values() for message in messages)


# --- who sees what ----------------------------------------------------------------------------


def test_involved_agencies_see_in_full_others_the_signpost_and_leads_nothing(people_world, make_young_person, staff):
    person = make_young_person()  # police lead
    services.involvement_create(
        actor=staff["camhs"], young_person=person, service=people_world.camhs, start=dt.date(2022, 5, 1)
    )
    assert selectors.access_level(staff["police"], person) == "full"  # lead agency
    assert selectors.access_level(staff["camhs"], person) == "full"  # involvement
    assert selectors.access_level(staff["council"], person) == "signpost"
    assert selectors.access_level(staff["coordinator"], person) == "signpost"
    assert selectors.access_level(staff["lead"], person) == "none"
    assert selectors.access_level(staff["admin"], person) == "none"
    services.agency_reference_add(actor=staff["council"], young_person=person, local_id="ASC-991")
    assert selectors.access_level(staff["council"], person) == "full"  # a case reference
    assert set(selectors.young_people_for(staff["council"])) == {person}
    with pytest.raises(PermissionDenied):
        selectors.young_people_for(staff["lead"])


def test_search_gives_the_signpost_and_hides_initials_from_the_uninvolved(make_young_person, staff):
    person = make_young_person(initials="JS", birth_month="2009-04")
    [mine] = selectors.young_person_search_for(staff["police"], query=person.ref.lower())
    assert (mine.initials, mine.birth_month, mine.full_access) == ("JS", "2009-04", True)
    [theirs] = selectors.young_person_search_for(staff["camhs"], query="JS", birth_month="2009-04")
    assert theirs.ref == person.ref
    assert (theirs.initials, theirs.birth_month, theirs.full_access) == (None, None, False)
    assert theirs.agencies == ("Harbourside Police",)
    assert theirs.lead_contact_email == "sam.officer@example.org"
    # initials alone are never enough to list people
    assert selectors.young_person_search_for(staff["camhs"], query="JS") == []
    # searches that find someone are audited by reference, never with what was typed
    services.young_person_search(actor=staff["camhs"], query="JS", birth_month="2009-04")
    searched = AuditEvent.objects.get(action="people.young_person.search")
    assert searched.detail == {"by": "initials_and_birth_month", "found": [person.ref], "full": []}
    assert "JS" not in str(searched.detail) and "2009-04" not in str(searched.detail)
    services.young_person_search(actor=staff["camhs"], query="nobody")
    assert AuditEvent.objects.filter(action="people.young_person.search").count() == 1


def test_opening_a_record_is_audited_with_the_level(make_young_person, staff):
    person = make_young_person()
    assert services.young_person_open(actor=staff["camhs"], ref=person.ref).level == "signpost"
    assert services.young_person_open(actor=staff["police"], ref=person.ref).level == "full"
    events = AuditEvent.objects.filter(action="people.young_person.view", object_id=str(person.pk)).order_by("seq")
    assert [e.detail["level"] for e in events] == ["signpost", "full"]
    assert [e.actor_id for e in events] == [staff["camhs"].pk, staff["police"].pk]


def test_break_glass_needs_a_reason_expires_and_is_audited(make_young_person, staff):
    person = make_young_person()
    coordinator = staff["coordinator"]
    with pytest.raises(ValidationError, match="reason"):
        services.break_glass_open(actor=coordinator, young_person=person, reason="   ")
    with pytest.raises(PermissionDenied):
        services.break_glass_open(actor=staff["camhs"], young_person=person, reason="Missing overnight, police asked")
    grant = services.break_glass_open(
        actor=coordinator, young_person=person, reason="Missing overnight; police asked for the lead contact"
    )
    assert selectors.access_level(coordinator, person) == "full"
    opened = services.young_person_open(actor=coordinator, ref=person.ref)
    assert opened.break_glass == grant
    assert AuditEvent.objects.filter(action="people.break_glass.open", detail__grant=grant.pk).exists()
    BreakGlassAccess.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert selectors.access_level(coordinator, person) == "signpost"


def test_the_name_is_encrypted_and_every_reveal_audited(people_world, staff):
    person = services.young_person_create(
        actor=staff["police"],
        initials="jm",
        birth_month="2009-02",
        lead_agency=people_world.police,
        name="Jordan Marsh",
        needs=["Exploitation"],
    )
    stored = YoungPerson.objects.get(pk=person.pk)
    assert stored.initials == "JM"
    assert "Jordan" not in stored.name_encrypted and stored.has_name
    assert services.young_person_name_reveal(actor=staff["police"], young_person=stored) == "Jordan Marsh"
    with pytest.raises(PermissionDenied):
        services.young_person_name_reveal(actor=staff["camhs"], young_person=stored)
    reveals = AuditEvent.objects.filter(action="people.young_person.reveal_name")
    assert reveals.count() == 1
    trail = " ".join(str(e.detail) + e.object_repr for e in AuditEvent.objects.all())
    assert "Jordan" not in trail and "Marsh" not in trail


def test_creating_someone_your_agency_does_not_lead_needs_your_case_reference(people_world, staff):
    with pytest.raises(ValidationError, match="case reference"):
        services.young_person_create(
            actor=staff["camhs"], initials="AB", birth_month="2010-01", lead_agency=people_world.police
        )
    person = services.young_person_create(
        actor=staff["camhs"], initials="AB", birth_month="2010-01", lead_agency=people_world.police, local_id="C-1"
    )
    assert AgencyReference.objects.get(young_person=person).agency == people_world.camhs_agency
    assert selectors.access_level(staff["camhs"], person) == "full"


# --- involvements ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"start": dt.date(2024, 1, 10), "planned_end": dt.date(2024, 1, 9)},
            "planned end must be the same as or after",
        ),
        ({"start": dt.date(2024, 1, 10), "actual_end": dt.date(2023, 1, 9)}, "end date must be the same as or after"),
        ({"start": dt.date(2007, 6, 1)}, "must be after"),  # before birth (2008-03)
        ({"start": dt.date(2009, 6, 1)}, "is for ages 10 to 17"),  # aged 1
    ],
)
def test_involvement_rules_have_specific_messages(people_world, make_young_person, staff, fields, message):
    person = make_young_person(birth_month="2008-03")
    with pytest.raises(ValidationError) as caught:
        services.involvement_create(
            actor=staff["police"], young_person=person, service=people_world.diversion, **fields
        )
    assert message in _messages(caught.value)
    assert not Involvement.objects.exists()


def test_duplicate_and_overlapping_involvements_are_refused(people_world, make_young_person, staff):
    person = make_young_person(birth_month="2008-03")
    first = services.involvement_create(
        actor=staff["police"],
        young_person=person,
        service=people_world.diversion,
        start=dt.date(2023, 1, 1),
        planned_end=dt.date(2023, 12, 31),
    )
    with pytest.raises(ValidationError, match="already has an involvement"):
        services.involvement_create(
            actor=staff["police"], young_person=person, service=people_world.diversion, start=first.start
        )
    with pytest.raises(ValidationError, match="already involved"):
        services.involvement_create(
            actor=staff["police"], young_person=person, service=people_world.diversion, start=dt.date(2023, 6, 1)
        )
    # after it has ended, a new involvement with the same service is fine
    services.involvement_create(
        actor=staff["police"], young_person=person, service=people_world.diversion, start=dt.date(2024, 1, 1)
    )
    assert Involvement.objects.count() == 2


def test_practitioners_record_only_their_own_agencys_involvements(people_world, make_young_person, staff):
    person = make_young_person()
    with pytest.raises(PermissionDenied):
        services.involvement_create(
            actor=staff["police"], young_person=person, service=people_world.camhs, start=dt.date(2023, 1, 1)
        )
    with pytest.raises(PermissionDenied):
        services.involvement_create(
            actor=staff["lead"], young_person=person, service=people_world.diversion, start=dt.date(2023, 1, 1)
        )
    # an uninvolved agency becomes involved by recording its own involvement
    services.involvement_create(
        actor=staff["camhs"], young_person=person, service=people_world.camhs, start=dt.date(2023, 1, 1)
    )
    involvement = Involvement.objects.get()
    with pytest.raises(PermissionDenied):
        services.involvement_end(actor=staff["police"], involvement=involvement, actual_end=dt.date(2024, 1, 1))


# --- forecasts kept current --------------------------------------------------------------------


def _edges(person):
    return list(StoredEdge.objects.filter(young_person=person).values_list("start", "end", "age_driven", "bridged"))


def test_an_involvement_change_recomputes_that_persons_stored_edges(people_world, make_young_person, staff):
    today = timezone.localdate()
    born = dt.date(today.year - 18, today.month, 1) + dt.timedelta(days=62)  # turns 18 in about two months
    person = make_young_person(birth_month=f"{born.year:04d}-{born.month:02d}", needs=["mental-health"])
    w = people_world
    services.involvement_create(
        actor=staff["police"], young_person=person, service=w.diversion, start=dt.date(2022, 1, 1)
    )
    assert _edges(person) == []  # one exit is not a cliff edge
    services.involvement_create(actor=staff["camhs"], young_person=person, service=w.camhs, start=dt.date(2021, 1, 1))
    [edge] = StoredEdge.objects.filter(young_person=person)
    assert edge.age_driven and not edge.bridged
    assert sorted(edge.exits.values_list("service__code", flat=True)) == ["camhs", "youth-diversion"]
    assert [s["service_id"] for s in edge.detail["suggestions"]] == ["adult-mental-health"]
    # the stored edge is exactly what the engine says for this person today
    fresh = forecasting.person_forecast(person)
    assert engine.forecast_to_json(fresh)["cliff_edges"][0] == {
        k: v for k, v in edge.detail.items() if k != "plan_exact"
    }
    # an all-age service started before 18 bridges it (the drop still qualifies: 6 down to 3)
    services.involvement_create(
        actor=staff["council"],
        young_person=person,
        service=w.leaving_care,
        start=today - dt.timedelta(days=10),
        weight=3,
    )
    assert _edges(person) == [(edge.start, edge.end, True, True)]


def test_a_failed_write_leaves_the_stored_forecast_and_trail_as_they_were(people_world, make_young_person, staff):
    person = make_young_person(birth_month="2008-03")
    before_events = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.involvement_create(
            actor=staff["police"], young_person=person, service=people_world.diversion, start=dt.date(2000, 1, 1)
        )
    assert AuditEvent.objects.count() == before_events
    assert not StoredEdge.objects.exists()


def test_cohort_refresh_matches_per_person_refresh(people_world, make_young_person, staff):
    today = timezone.localdate()
    w = people_world
    for months in (1, 3, 5):
        born = dt.date(today.year - 18, today.month, 1)
        month = born.month + months
        year = born.year + (month - 1) // 12
        person = make_young_person(birth_month=f"{year:04d}-{(month - 1) % 12 + 1:02d}", needs=["mental-health"])
        services.involvement_create(
            actor=staff["police"], young_person=person, service=w.diversion, start=dt.date(2022, 1, 1)
        )
        services.involvement_create(
            actor=staff["camhs"], young_person=person, service=w.camhs, start=dt.date(2021, 1, 1)
        )
    per_person = sorted(StoredEdge.objects.values_list("young_person__ref", "start", "end", "detail"))
    run = forecasting.cohort_refresh()
    assert (run.people, run.edges) == (3, 3)
    assert sorted(StoredEdge.objects.values_list("young_person__ref", "start", "end", "detail")) == per_person


def test_a_second_plan_cannot_stretch_an_ending_past_the_services_limit_again(people_world, make_young_person, staff):
    person = make_young_person(birth_month="2009-03")
    involvement = services.involvement_create(
        actor=staff["police"], young_person=person, service=people_world.diversion, start=dt.date(2022, 1, 1)
    )
    original = involvement.effective_end  # 18th birthday; the service allows 90 days more
    review = timezone.localdate() + dt.timedelta(days=84)

    def agree(to_date):
        current = Involvement.objects.select_related("service", "young_person").get(pk=involvement.pk)
        return services.transition_plan_agree(
            actor=staff["police"],
            young_person=person,
            edge_start=original,
            edge_end=original + dt.timedelta(days=90),
            review_date=review,
            ends=[services.AgreedEnd(current, to_date)],
        )

    agree(original + dt.timedelta(days=56))
    with pytest.raises(ValidationError, match="at most 90 days in all"):
        agree(original + dt.timedelta(days=112))  # 56 more from the new end, 112 from the original
    agree(original + dt.timedelta(days=84))
    assert Involvement.objects.get(pk=involvement.pk).planned_end == original + dt.timedelta(days=84)


def test_an_uninvolved_agency_is_not_told_the_birth_month_and_the_refusal_is_audited(
    people_world, make_young_person, staff
):
    person = make_young_person(birth_month="2009-03")  # police lead; CAMHS sees only the signpost
    with pytest.raises(ValidationError) as caught:
        services.involvement_create(
            actor=staff["camhs"], young_person=person, service=people_world.camhs, start=dt.date(1990, 1, 1)
        )
    text = _messages(caught.value)
    assert "March 2009" not in text and "2009" not in text and "does not fit" in text
    assert AuditEvent.objects.filter(action="people.involvement.refused", object_id=str(person.pk)).exists()
    # the lead agency, which sees the record, gets the precise message
    with pytest.raises(ValidationError, match="was born"):
        services.involvement_create(
            actor=staff["police"], young_person=person, service=people_world.diversion, start=dt.date(1990, 1, 1)
        )


def test_the_audit_trail_records_that_details_changed_never_the_details(people_world, staff):
    person = services.young_person_create(
        actor=staff["police"], initials="QZ", birth_month="2009-07", area="Eastbank", lead_agency=people_world.police
    )
    services.young_person_update(actor=staff["police"], young_person=person, birth_month="2009-08", needs=["housing"])
    details = " ".join(str(e.detail) for e in AuditEvent.objects.filter(action__startswith="people.young_person."))
    for secret in ("QZ", "2009-07", "2009-08", "Eastbank", "housing"):
        assert secret not in details
    update = AuditEvent.objects.get(action="people.young_person.update")
    assert update.detail == {"birth_month": "changed", "needs": "changed"}
