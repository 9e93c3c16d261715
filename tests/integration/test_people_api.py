"""The people API: JSON batch imports (all or nothing, scoped, idempotent) and scoped reads
(search, one record audited like the page, stored cliff edges)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client

from joinedup.accounts import services as account_services
from joinedup.people import forecasting
from joinedup.people.models import AgencyReference, Involvement, StoredEdge, YoungPerson
from joinedup.platform.access import Role
from joinedup.platform.models import AuditEvent
from tests.integration.test_people_import import involvement_row, person_row, ref_for, turning_18_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def token_client(user) -> Client:
    _token, raw = account_services.api_token_create(actor=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(client, path, rows):
    return client.post(path, {"rows": rows}, content_type="application/json")


def json_rows(rows):
    """CSV-shaped rows as an API client would send them: unset cells left out."""
    return [{key: value for key, value in row.items() if value != ""} for row in rows]


@pytest.fixture
def police_practitioner(people_world, make_user):
    return make_user(Role.PRACTITIONER, agency_obj=people_world.police, email="pat@example.org")


# --- imports ------------------------------------------------------------------------------------


def test_a_batch_of_young_people_is_imported_and_reimporting_it_changes_nothing(police_practitioner):
    client = token_client(police_practitioner)
    rows = json_rows([person_row(1), person_row(2, lead_agency="harbourside-camhs", local_id="POL-2")])
    rows[0]["needs"] = ["exploitation", "Mental health"]
    response = post(client, "/api/v1/young-people/import", rows)
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}
    assert sorted(YoungPerson.objects.get(ref=ref_for(1)).needs.values_list("slug", flat=True)) == [
        "exploitation",
        "mental-health",
    ]
    assert AgencyReference.objects.get().agency.code == "harbourside-police"
    events = AuditEvent.objects.count()
    again = post(client, "/api/v1/young-people/import", rows)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}
    assert AuditEvent.objects.count() == events
    event = AuditEvent.objects.filter(action="people.young_person.import").get()
    assert event.actor_id == police_practitioner.pk


def test_a_bad_batch_writes_nothing_and_names_each_row_and_field(police_practitioner, people_world):
    client = token_client(police_practitioner)
    rows = json_rows(
        [person_row(1), person_row(2, birth_month="2009-13"), person_row(3, lead_agency="harbourside-camhs")]
    )
    response = post(client, "/api/v1/young-people/import", rows)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"] == "Nothing was imported: the batch has 2 problems. See details."
    assert [(d["row"], d["column"], d["field"]) for d in error["details"]] == [
        (1, "birth_month", "batch.rows.1.birth_month"),
        (2, "lead_agency", "batch.rows.2.lead_agency"),
    ]
    assert error["details"][1]["message"] == (
        "You can import only young people Harbourside Police leads, or give Harbourside Police’s case reference "
        "in local_id"
    )
    assert YoungPerson.objects.count() == 0


def test_involvements_are_scoped_to_the_callers_agency_services(police_practitioner, people_world):
    post(token_client(police_practitioner), "/api/v1/young-people/import", json_rows([person_row(1), person_row(2)]))
    client = token_client(police_practitioner)
    rows = json_rows([involvement_row(1), involvement_row(2, service_id="camhs")])
    response = post(client, "/api/v1/involvements/import", rows)
    assert response.status_code == 422
    (detail,) = response.json()["error"]["details"]
    assert (detail["row"], detail["column"]) == (1, "service_id")
    assert detail["message"] == "Camhs is run by Harbourside CAMHS: you can import only Harbourside Police’s services"
    assert Involvement.objects.count() == 0


def test_involvements_by_batch_are_idempotent_and_update_by_ref_service_and_start(police_practitioner, people_world):
    client = token_client(police_practitioner)
    born = turning_18_in(4)
    post(client, "/api/v1/young-people/import", json_rows([person_row(1, birth_month=born)]))
    rows = [{"ref": ref_for(1), "service_id": "youth-diversion", "start": "2024-01-15", "weight": 1.5}]
    assert post(client, "/api/v1/involvements/import", rows).json() == {"created": 1, "updated": 0, "unchanged": 0}
    assert post(client, "/api/v1/involvements/import", rows).json() == {"created": 0, "updated": 0, "unchanged": 1}
    rows[0]["planned_end"] = "2027-01-01"
    assert post(client, "/api/v1/involvements/import", rows).json() == {"created": 0, "updated": 1, "unchanged": 0}
    (involvement,) = Involvement.objects.all()
    assert involvement.planned_end == dt.date(2027, 1, 1) and float(involvement.weight) == 1.5
    rows[0]["planned_end"] = None  # null unsets
    post(client, "/api/v1/involvements/import", rows)
    assert Involvement.objects.get().planned_end is None


def test_an_admin_batch_may_load_any_agency_and_forecasts_are_stored(people_world, make_user):
    client = token_client(make_user(Role.ADMIN))
    born = turning_18_in(4)
    post(
        client,
        "/api/v1/young-people/import",
        json_rows([person_row(1, birth_month=born, lead_agency="harbourside-camhs")]),
    )
    rows = json_rows([involvement_row(1), involvement_row(1, service_id="camhs")])
    assert post(client, "/api/v1/involvements/import", rows).json()["created"] == 2
    assert StoredEdge.objects.get().young_person.ref == ref_for(1)


def test_unknown_fields_and_a_missing_required_field_are_refused_in_the_error_shape(police_practitioner):
    client = token_client(police_practitioner)
    response = post(client, "/api/v1/involvements/import", [{"ref": ref_for(1), "service_id": "x", "colour": "red"}])
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"batch.rows.0.start", "batch.rows.0.colour"}
    assert post(client, "/api/v1/involvements/import", []).status_code == 422


def test_roles_that_cannot_import_are_refused_before_the_body_is_read(people_world, make_user):
    for role in (Role.STRATEGIC_LEAD, Role.ANALYST, Role.MODERATOR):
        client = token_client(make_user(role))
        response = post(client, "/api/v1/young-people/import", json_rows([person_row(1)]))
        assert response.status_code == 403, role
        assert response.json()["error"]["code"] == "permission_denied"
        assert (
            client.post("/api/v1/involvements/import", "not json", content_type="application/json").status_code == 403
        )
    assert Client().post("/api/v1/young-people/import", {}, content_type="application/json").status_code == 401
    assert YoungPerson.objects.count() == 0


def test_a_session_import_needs_the_csrf_token(police_practitioner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(police_practitioner)
    response = post(client, "/api/v1/young-people/import", json_rows([person_row(1)]))
    assert response.status_code == 403
    assert YoungPerson.objects.count() == 0


# --- reads --------------------------------------------------------------------------------------


@pytest.fixture
def records(people_world, make_young_person):
    """One young person the police lead (with involvements and a stored cliff edge), one only CAMHS knows."""
    ours = make_young_person(ref="YP-OURS2", birth_month=turning_18_in(4), needs=["exploitation"])
    AgencyReference.objects.create(young_person=ours, agency=people_world.police, local_id="POL-77")
    for service in (people_world.diversion, people_world.camhs):
        Involvement.objects.create(young_person=ours, service=service, start=dt.date(2024, 1, 15))
    theirs = make_young_person(ref="YP-THE1R", lead_agency=people_world.camhs_agency, initials="QT")
    Involvement.objects.create(young_person=theirs, service=people_world.camhs, start=dt.date(2024, 2, 1))
    AgencyReference.objects.create(young_person=theirs, agency=people_world.camhs_agency, local_id="CAMHS-9")
    forecasting.people_refresh([ours, theirs])
    return ours, theirs


def test_search_gives_an_uninvolved_practitioner_the_signpost_only(records, police_practitioner):
    client = token_client(police_practitioner)
    (found,) = client.get("/api/v1/young-people", {"q": "CAMHS-9"}).json()
    assert found == {
        "ref": "YP-THE1R",
        "initials": None,
        "birth_month": None,
        "agencies": ["Harbourside CAMHS"],
        "lead_agency": "Harbourside CAMHS",
        "lead_contact_name": "Sam Officer",
        "lead_contact_email": "sam.officer@example.org",
        "lead_contact_phone": "",
        "full_access": False,
    }
    (ours,) = client.get("/api/v1/young-people", {"q": "yp-ours2"}).json()
    assert (ours["initials"], ours["birth_month"], ours["full_access"]) == ("AB", records[0].birth_month, True)
    assert client.get("/api/v1/young-people").json() == []


def test_one_record_is_the_signpost_for_an_uninvolved_practitioner_and_the_view_is_audited(
    records, police_practitioner
):
    client = token_client(police_practitioner)
    response = client.get("/api/v1/young-people/YP-THE1R")
    assert response.status_code == 200
    body = response.json()
    assert body["access"] == "signpost" and body["record"] is None
    assert [a["code"] for a in body["agencies"]] == ["harbourside-camhs"]
    assert "QT" not in response.content.decode() and "CAMHS-9" not in response.content.decode()
    event = AuditEvent.objects.filter(action="people.young_person.view").get()
    assert event.actor_id == police_practitioner.pk and event.object_repr == "YP-THE1R"
    assert event.detail == {"level": "signpost", "break_glass": None}


def test_one_record_is_full_where_the_agency_is_involved(records, police_practitioner):
    ours, _ = records
    body = token_client(police_practitioner).get("/api/v1/young-people/yp-ours2").json()
    assert body["access"] == "full"
    record = body["record"]
    assert (record["initials"], record["needs"], record["has_name"]) == ("AB", ["exploitation"], False)
    assert record["agency_references"] == [
        {
            "agency": {"id": ours.lead_agency.pk, "code": "harbourside-police", "name": "Harbourside Police"},
            "local_id": "POL-77",
        }
    ]
    assert sorted(i["service_id"] for i in record["involvements"]) == ["camhs", "youth-diversion"]
    assert {i["effective_end"] for i in record["involvements"]} == {ours.turns(18).isoformat()}
    (edge,) = record["cliff_edges"]
    assert edge["ref"] == "YP-OURS2" and edge["start"] == ours.turns(18).isoformat() and edge["age_driven"] is True
    assert AuditEvent.objects.filter(action="people.young_person.view", detail__level="full").count() == 1


def test_a_strategic_lead_gets_no_record_and_an_unknown_ref_is_404(records, make_user, police_practitioner):
    client = token_client(make_user(Role.STRATEGIC_LEAD))
    for path in ("/api/v1/young-people/YP-OURS2", "/api/v1/young-people?q=YP-OURS2", "/api/v1/transitions/edges"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "AB" not in response.content.decode()
    response = token_client(police_practitioner).get("/api/v1/young-people/YP-NNNNN")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_edges_are_those_of_young_people_the_caller_sees_in_full(records, police_practitioner, people_world, make_user):
    ours, theirs = records
    assert StoredEdge.objects.count() == 1  # only ours has two endings together
    police = token_client(police_practitioner)
    (edge,) = police.get("/api/v1/transitions/edges").json()
    assert edge["ref"] == "YP-OURS2" and edge["bridged"] is False
    assert sorted(x["service_id"] for x in edge["exits"]) == ["camhs", "youth-diversion"]
    assert edge["as_of"] == StoredEdge.objects.get().as_of.isoformat()
    listed = AuditEvent.objects.filter(action="people.stored_edge.list").latest("seq")
    assert listed.detail == {"young_people": ["YP-OURS2"]} and listed.actor_id == police_practitioner.pk
    start = dt.date.fromisoformat(edge["start"])
    assert len(police.get("/api/v1/transitions/edges", {"from": start.isoformat()}).json()) == 1
    assert police.get("/api/v1/transitions/edges", {"from": (start + dt.timedelta(days=1)).isoformat()}).json() == []
    assert police.get("/api/v1/transitions/edges", {"to": (start - dt.timedelta(days=1)).isoformat()}).json() == []
    assert len(police.get("/api/v1/transitions/edges", {"age_driven": "true", "unbridged": "true"}).json()) == 1
    assert police.get("/api/v1/transitions/edges", {"unbridged": "false"}).json() == []
    # A council practitioner is involved with neither young person: no edges.
    council = token_client(make_user(Role.PRACTITIONER, agency_obj=people_world.council))
    assert council.get("/api/v1/transitions/edges").json() == []
    assert police.get("/api/v1/transitions/edges", {"from": "soon"}).status_code == 422
