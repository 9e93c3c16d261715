"""The silo map from the database (joinedup.directory.silo): who is counted as sharing young
people, scoping and suppression by viewer, and the page, the API and the command agreeing."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from html.parser import HTMLParser
from itertools import combinations

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

from joinedup import cli
from joinedup.accounts.services import api_token_create
from joinedup.directory import services as directory
from joinedup.directory import silo
from joinedup.directory.models import Agency, AgencyKind, Audience, Need, Service
from joinedup.domain.network import SUPPRESSED
from joinedup.people.models import REF_ALPHABET, AgencyReference, Involvement, YoungPerson
from joinedup.platform.access import Role

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 15)
VIEWERS = [Role.ADMIN.value, Role.COORDINATOR.value, Role.STRATEGIC_LEAD.value, Role.ANALYST.value]
NOT_VIEWERS = [Role.PRACTITIONER.value, Role.MODERATOR.value]
NON_ADMIN_VIEWERS = [r for r in VIEWERS if r != Role.ADMIN.value]


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def _ref(n: int) -> str:
    digits = []
    for _ in range(5):
        n, r = divmod(n, len(REF_ALPHABET))
        digits.append(REF_ALPHABET[r])
    return "YP-" + "".join(reversed(digits))


_counter = {"n": 0}


def person(lead: Agency, birth_month: str = "2009-04") -> YoungPerson:
    _counter["n"] += 1
    return YoungPerson.objects.create(ref=_ref(_counter["n"]), initials="AB", birth_month=birth_month, lead_agency=lead)


def need(slug: str) -> Need:
    return Need.objects.get_or_create(slug=slug)[0]


def service(agency: Agency, code: str, *needs: str, **fields) -> Service:
    svc = Service.objects.create(
        agency=agency,
        code=code,
        name=code.replace("-", " ").title(),
        audience=fields.pop("audience", Audience.CHILD),
        **fields,
    )
    svc.needs.set([need(n) for n in needs])
    return svc


def forum(code: str, chair: Agency, *members: Agency, name: str = "", is_active: bool = True):
    f = directory.forum_create(
        actor=None, actor_label="test", name=name or code.replace("-", " ").title(), code=code, kind="subgroup",
        purpose="Meets.", frequency="monthly", chair_agency=chair, is_active=is_active,
    )  # fmt: skip
    for member in members:
        directory.forum_membership_add(actor=None, actor_label="test", forum=f, agency=member)
    return f


@pytest.fixture
def world(agency, other_agency):
    return build_world(agency, other_agency)


def build_world(police: Agency, camhs: Agency) -> dict:
    """Harbourside in small (the browser tests use it too).

    Forums: the board (police chairs; CAMHS and the school), the MACE panel (police chairs; youth
    justice), and a housing forum that no longer meets (housing chairs; CAMHS).
    Young people: 12 shared by CAMHS and youth justice (who sit on no forum together: the silo),
    3 shared by housing and the police (fewer than 5). A closed agency shares 20 with CAMHS but
    is not on the map.
    """
    yjs = Agency.objects.create(name="Harbourside Youth Justice", code="harbourside-yjs", kind=AgencyKind.YOUTH_JUSTICE)
    housing = Agency.objects.create(name="Harbourside Housing", code="harbourside-housing", kind=AgencyKind.HOUSING)
    school = Agency.objects.create(name="Harbour Academy", code="harbour-academy", kind=AgencyKind.EDUCATION)
    closed = Agency.objects.create(name="Closed Trust", code="closed-trust", kind=AgencyKind.VOLUNTARY, is_active=False)
    service(police, "police-liaison", "exploitation")
    camhs_core = service(camhs, "camhs-core", "mental-health", "exploitation")
    yot = service(yjs, "yot", "exploitation", "offending")
    service(housing, "housing-support", "housing")
    service(school, "school-pastoral", "education")
    service(closed, "closed-service", "exploitation", is_active=False)
    board = forum("board", police, camhs, school, name="Partnership board")
    mace = forum("mace", police, yjs, name="MACE panel")
    forum("housing-forum", housing, camhs, is_active=False)
    today = dt.date.today()
    for i in range(12):
        yp = person(camhs)
        if i % 2:
            AgencyReference.objects.create(young_person=yp, agency=yjs, local_id=f"YJS-{i}")
        else:
            Involvement.objects.create(young_person=yp, service=yot, start=today - dt.timedelta(days=100))
    for i in range(3):
        AgencyReference.objects.create(young_person=person(housing), agency=police, local_id=f"P-{i}")
    for i in range(20):
        AgencyReference.objects.create(young_person=person(closed), agency=camhs, local_id=f"C-{i}")
    Involvement.objects.create(young_person=person(school), service=camhs_core, start=today - dt.timedelta(days=10))
    return {
        "police": police, "camhs": camhs, "yjs": yjs, "housing": housing, "school": school, "closed": closed,
        "board": board, "mace": mace,
    }  # fmt: skip


# --- who shares young people -------------------------------------------------------------------------


def test_shared_children_counts_each_young_person_once_per_pair(world):
    counts = silo.shared_children_counts()
    assert counts == {
        ("harbourside-camhs", "harbourside-yjs"): 12,
        ("harbourside-housing", "harbourside-police"): 3,
        ("closed-trust", "harbourside-camhs"): 20,
        ("harbour-academy", "harbourside-camhs"): 1,
    }


def test_involvements_count_when_active_in_the_last_12_months(agency, other_agency):
    """Each young person is led by ``agency``; what links them to ``other_agency`` is one
    involvement whose dates decide whether it counts."""
    open_ended = service(other_agency, "open-ended")
    ends_at_18 = service(other_agency, "ends-at-18", ends_at_age=18)
    year_ago = TODAY - dt.timedelta(days=365)
    cases = [
        # (service, start, planned_end, actual_end, birth_month, counts?)
        (open_ended, TODAY - dt.timedelta(days=900), None, None, "2010-01", True),  # open
        (open_ended, TODAY, None, None, "2010-01", True),  # starts today
        (open_ended, TODAY + dt.timedelta(days=1), None, None, "2010-01", False),  # not started yet
        (open_ended, TODAY - dt.timedelta(days=900), None, year_ago + dt.timedelta(days=1), "2010-01", True),
        (open_ended, TODAY - dt.timedelta(days=900), None, year_ago, "2010-01", False),  # ended a year ago
        (open_ended, TODAY - dt.timedelta(days=900), year_ago, None, "2010-01", False),  # planned end passed
        (open_ended, TODAY - dt.timedelta(days=900), TODAY + dt.timedelta(days=9), None, "2010-01", True),
        # an actual end wins over a later planned end
        (open_ended, TODAY - dt.timedelta(days=900), TODAY + dt.timedelta(days=9), year_ago, "2010-01", False),
        # the age limit: 18 on 1 July 2024 is within the year; on 1 June 2024 it is not (year_ago = 15 June 2024)
        (ends_at_18, TODAY - dt.timedelta(days=900), None, None, "2006-07", True),
        (ends_at_18, TODAY - dt.timedelta(days=900), None, None, "2006-06", False),
        (ends_at_18, TODAY - dt.timedelta(days=900), None, None, "2009-01", True),
    ]
    expected = 0
    for svc, start, planned, actual, born, counts in cases:
        yp = person(agency, birth_month=born)
        Involvement.objects.create(young_person=yp, service=svc, start=start, planned_end=planned, actual_end=actual)
        expected += counts
    counts = silo.shared_children_counts(today=TODAY)
    assert counts == {("harbourside-camhs", "harbourside-police"): expected}
    assert expected == 6


def _reference_counts(today: dt.date) -> dict[tuple[str, str], int]:
    """The oracle: each young person's agencies worked out one by one in Python from the
    models' own ``effective_end``, then every pair counted."""
    since = today - dt.timedelta(days=365)
    pairs: dict[tuple[str, str], int] = {}
    for yp in YoungPerson.objects.select_related("lead_agency"):
        agencies = {yp.lead_agency.code}
        agencies |= {r.agency.code for r in yp.agency_references.select_related("agency")}
        for inv in yp.involvements.select_related("service__agency", "young_person"):
            end = inv.effective_end
            if inv.start <= today and (end is None or end > since):
                agencies.add(inv.service.agency.code)
        for a, b in combinations(sorted(agencies), 2):
            pairs[(a, b)] = pairs.get((a, b), 0) + 1
    return pairs


@pytest.mark.parametrize("seed", range(4))
def test_shared_children_counts_agree_with_a_person_by_person_reference(seed):
    rng = random.Random(seed)
    agencies = [Agency.objects.create(name=f"Agency {i}", code=f"agency-{i}", kind=AgencyKind.OTHER) for i in range(5)]
    services = [service(rng.choice(agencies), f"svc-{i}", ends_at_age=rng.choice([None, 16, 18, 25])) for i in range(8)]
    for n in range(40):
        yp = person(rng.choice(agencies), birth_month=f"{rng.randint(2003, 2014)}-{rng.randint(1, 12):02d}")
        for k, agency_obj in enumerate(rng.sample(agencies, rng.randint(0, 2))):
            AgencyReference.objects.create(young_person=yp, agency=agency_obj, local_id=f"{n}-{k}")
        for svc in rng.sample(services, rng.randint(0, 3)):
            start = TODAY + dt.timedelta(days=rng.randint(-1500, 30))
            planned = rng.choice([None, start + dt.timedelta(days=rng.randint(0, 900))])
            actual = rng.choice([None, None, start + dt.timedelta(days=rng.randint(0, 900))])
            Involvement.objects.create(
                young_person=yp, service=svc, start=start, planned_end=planned, actual_end=actual
            )
    assert silo.shared_children_counts(today=TODAY) == _reference_counts(TODAY)


# --- scoping and suppression ---------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_VIEWERS)
def test_practitioners_and_moderators_may_not_see_the_map(world, make_user, role):
    with pytest.raises(PermissionDenied):
        silo.silo_map_for(make_user(role))


def test_anonymous_and_deactivated_users_may_not_see_the_map(world, make_user):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        silo.silo_map_for(AnonymousUser())
    with pytest.raises(PermissionDenied):
        silo.silo_map_for(make_user(Role.ADMIN, is_active=False))


@pytest.mark.parametrize("role", VIEWERS)
def test_the_map_holds_active_agencies_and_forums_only(world, make_user, role):
    data = silo.silo_map_for(make_user(role)).to_json()
    assert [a["id"] for a in data["agencies"]] == [
        "harbour-academy", "harbourside-camhs", "harbourside-housing", "harbourside-police", "harbourside-yjs",
    ]  # fmt: skip
    assert [f["id"] for f in data["forums"]] == ["board", "mace"]
    assert data["isolated"] == [{"agency": "harbourside-housing", "reason": "no_forum"}]
    assert data["articulation_points"] == ["harbourside-police"]
    assert data["silos"] == [
        {"agency_a": "harbourside-camhs", "agency_b": "harbourside-yjs", "shared_young_people": 12}
    ]
    assert data["min_shared"] == 5
    assert data["suppressed"] is (role != Role.ADMIN)


def test_an_admin_may_lower_the_threshold_and_sees_exact_small_counts(world, admin_user):
    data = silo.silo_map_for(admin_user, min_shared=3).to_json()
    assert data["silos"] == [
        {"agency_a": "harbourside-camhs", "agency_b": "harbourside-yjs", "shared_young_people": 12},
        {"agency_a": "harbourside-housing", "agency_b": "harbourside-police", "shared_young_people": 3},
    ]
    assert data["min_shared"] == 3 and data["suppressed"] is False
    assert "(3 young people)" in silo.silo_map_for(admin_user, min_shared=3).svg()


@pytest.mark.parametrize("role", NON_ADMIN_VIEWERS)
@pytest.mark.parametrize("asked", [1, 3, 4])
def test_nobody_but_an_admin_may_ask_for_a_threshold_below_5(world, make_user, role, asked):
    """A threshold of 4 would turn "fewer than 5" into exactly 4: the threshold is a derived figure too."""
    with pytest.raises(silo.MinSharedError, match="5 or more"):
        silo.silo_map_for(make_user(role), min_shared=asked)


@override_settings(JOINEDUP_SILO_MIN_SHARED=3)
def test_a_partnership_threshold_below_5_applies_to_admins_only(world, make_user, admin_user):
    coordinator = silo.silo_map_for(make_user(Role.COORDINATOR))
    assert coordinator.min_shared == 5
    assert [p["shared_young_people"] for p in coordinator.to_json()["silos"]] == [12]
    admin = silo.silo_map_for(admin_user)
    assert admin.min_shared == 3
    assert [p["shared_young_people"] for p in admin.to_json()["silos"]] == [12, 3]


def test_a_threshold_above_every_count_lists_no_silos(world, make_user):
    data = silo.silo_map_for(make_user(Role.ANALYST), min_shared=13).to_json()
    assert data["silos"] == [] and data["min_shared"] == 13
    with pytest.raises(silo.MinSharedError, match="10,000 or fewer"):
        silo.silo_map_for(make_user(Role.ANALYST), min_shared=10_001)


@pytest.mark.parametrize("role", NON_ADMIN_VIEWERS)
def test_who_else_shows_fewer_than_5_to_non_admins(world, make_user, role):
    who_else = silo.who_else_could_join_for(make_user(role), world["board"])
    assert who_else.shares_children and who_else.suppressed
    reasons = {c.code: c.reasons for c in who_else}
    assert reasons == {
        "harbourside-yjs": ("shares 12 young people with Harbourside CAMHS", "works with needs: exploitation"),
        "harbourside-housing": (f"shares {SUPPRESSED} young people with Harbourside Police",),
    }
    assert [c.code for c in who_else] == ["harbourside-yjs", "harbourside-housing"]
    assert "3" not in " ".join(r for c in who_else for r in c.reasons)


def test_who_else_shows_exact_counts_to_admins(world, admin_user):
    who_else = silo.who_else_could_join_for(admin_user, world["board"])
    assert not who_else.suppressed
    assert {c.code: c.reasons[0] for c in who_else}["harbourside-housing"] == (
        "shares 3 young people with Harbourside Police"
    )


@pytest.mark.parametrize("role", NOT_VIEWERS)
def test_who_else_gives_needs_only_to_those_who_may_not_see_the_map(world, make_user, role):
    who_else = silo.who_else_could_join_for(make_user(role), world["board"])
    assert not who_else.shares_children
    assert [(c.code, c.reasons) for c in who_else] == [("harbourside-yjs", ("works with needs: exploitation",))]


def test_who_else_for_the_mace_panel_uses_need_names_and_leaves_out_closed_agencies(world, make_user):
    Need.objects.filter(slug="exploitation").update(label="Child exploitation")
    who_else = silo.who_else_could_join_for(make_user(Role.COORDINATOR), world["mace"])
    by_code = {c.code: c for c in who_else}
    # The closed trust shares 20 young people with CAMHS and works with exploitation, but is closed.
    assert list(by_code) == ["harbourside-camhs", "harbourside-housing"]
    assert by_code["harbourside-camhs"].reasons == (
        "shares 12 young people with Harbourside Youth Justice",
        "works with needs: Child exploitation",
    )
    assert by_code["harbourside-camhs"].pk == world["camhs"].pk


# --- the page, the API and the command agree ---------------------------------------------------------


class _Tables(HTMLParser):
    """Rows of every table with an id, as lists of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = attrs["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return {name: rows[1:] for name, rows in parser.tables.items()}  # without the header row


def _api(user, query: str = ""):
    _, raw = api_token_create(actor=user, name="silo")
    return Client(headers={"Authorization": f"Bearer {raw}"}).get(f"/api/v1/directory/silo-map{query}")


def _command(*args) -> str:
    out = io.StringIO()
    call_command("silo_map", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("role", VIEWERS)
def test_the_api_and_the_command_give_exactly_the_selectors_json(world, make_user, role):
    user = make_user(role)
    expected = silo.silo_map_for(user).to_json()
    response = _api(user)
    assert response.status_code == 200
    assert response.json() == expected
    assert json.loads(_command("--format", "json", "--user", user.email)) == expected


def test_the_command_without_a_user_is_suppressed_like_a_non_admin(world, make_user):
    expected = silo.silo_map_for(make_user(Role.STRATEGIC_LEAD)).to_json()
    assert json.loads(_command()) == expected
    assert expected["suppressed"] is True
    with pytest.raises(CommandError, match="5 or more"):
        _command("--min-shared", "3")


def test_the_command_refuses_unknown_users_and_roles_without_the_map(world, make_user):
    with pytest.raises(CommandError, match="No active user"):
        _command("--user", "nobody@example.org")
    practitioner = make_user(Role.PRACTITIONER)
    with pytest.raises(CommandError, match="does not allow"):
        _command("--user", practitioner.email)


def test_the_command_as_text(world, admin_user):
    text = _command("--format", "text", "--user", admin_user.email, "--min-shared", "3")
    assert "Harbourside CAMHS and Harbourside Youth Justice: 12" in text
    assert "Harbourside Housing and Harbourside Police: 3" in text
    assert "Harbourside Housing: sits on no forum" in text
    assert "Agencies the network would split without: Harbourside Police" in text
    assert "Exact numbers of young people (administrator)." in text


def test_silo_map_is_a_friendly_verb():
    assert cli.ALIASES["silo-map"] == "silo_map"


@pytest.mark.parametrize("role", VIEWERS)
def test_the_page_shows_the_same_figures_as_the_json(client, world, make_user, role):
    user = make_user(role)
    client.force_login(user)
    response = client.get("/directory/silo-map/")
    assert response.status_code == 200
    html = response.content.decode()
    data = silo.silo_map_for(user).to_json()
    label = {a["id"]: a["label"] for a in data["agencies"]}
    forum_label = {f["id"]: f["label"] for f in data["forums"]}
    tables = page_tables(html)
    assert tables["silos-table"] == [
        [label[p["agency_a"]], label[p["agency_b"]], str(p["shared_young_people"])] for p in data["silos"]
    ]
    assert tables["isolated-table"] == [[label["harbourside-housing"], "Sits on no forum"]]
    assert tables["betweenness-table"] == [
        [label[b["agency"]], f"{b['score']:.3f}"] for b in data["betweenness"] if b["score"] > 0
    ]
    assert tables["single-table"] == [[label[s["agency"]], forum_label[s["forum"]]] for s in data["single_forum"]]
    assert tables["agencies-table"] == [
        [
            a["label"]
            + (" Isolated" if a["isolated"] else "")
            + (" Holds the network together" if a["articulation_point"] else ""),
            f"{', '.join(sorted(forum_label[f] for f in a['forums'])) or 'None'} ({a['forum_count']})",
            f"{a['betweenness']:.3f}",
        ]
        for a in sorted(data["agencies"], key=lambda a: (a["label"], a["id"]))
    ]
    assert tables["ties-table"] == [
        [
            f"{label[e['source']]} and {label[e['target']]}",
            f"{', '.join(forum_label[f] for f in e['shared_forums'])} ({e['weight']})",
        ]
        for e in data["edges"]
    ]
    assert len(tables["groups-table"]) == len(data["components"])
    assert 'role="img"' in html and '<title id="silo-map-title">' in html
    assert ("so that nobody can be identified" in html) is (role != Role.ADMIN)
    assert ("you see exact numbers of young people" in html) is (role == Role.ADMIN)


def test_the_page_refuses_a_threshold_below_5_for_non_admins_and_uses_the_default(client, world, make_user):
    client.force_login(make_user(Role.COORDINATOR))
    response = client.get("/directory/silo-map/?min_shared=3")
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "smaller numbers could identify young people" in html
    assert page_tables(html)["silos-table"] == [["Harbourside CAMHS", "Harbourside Youth Justice", "12"]]
    assert "at least 5 young people" in html


@pytest.mark.parametrize(("query", "message"), [("abc", "whole number"), ("0", "1 or more"), ("99999", "10,000")])
def test_the_page_explains_a_bad_threshold(client, world, admin_user, query, message):
    client.force_login(admin_user)
    html = client.get(f"/directory/silo-map/?min_shared={query}").content.decode()
    assert "govuk-error-summary" in html and message in html


def test_an_admin_lowers_the_threshold_on_the_page(client, world, admin_user):
    client.force_login(admin_user)
    html = client.get("/directory/silo-map/?min_shared=3").content.decode()
    assert "govuk-error-summary" not in html
    assert page_tables(html)["silos-table"] == [
        ["Harbourside CAMHS", "Harbourside Youth Justice", "12"],
        ["Harbourside Housing", "Harbourside Police", "3"],
    ]


def test_the_svg_on_its_own(client, world, make_user):
    client.force_login(make_user(Role.ANALYST))
    response = client.get("/directory/silo-map.svg?min_shared=5")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert response.content.decode() == silo.silo_map_for(make_user(Role.ANALYST)).svg()


def test_the_api_refuses_a_threshold_below_5_for_non_admins(world, make_user, admin_user):
    response = _api(make_user(Role.ANALYST), "?min_shared=4")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert "5 or more" in response.json()["error"]["message"]
    admin = _api(admin_user, "?min_shared=3").json()
    assert [p["shared_young_people"] for p in admin["silos"]] == [12, 3]
    assert _api(admin_user, "?min_shared=0").status_code == 422


def test_the_api_schema_documents_the_silo_map(client, admin_user):
    client.force_login(admin_user)
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/directory/silo-map"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["min_shared"]
    assert "SiloMapOut" in json.dumps(operation["responses"]["200"])


@pytest.mark.parametrize("role", VIEWERS + NOT_VIEWERS)
def test_the_forum_page_says_who_else_could_join(client, world, make_user, role):
    client.force_login(make_user(role))
    html = client.get(f"/directory/forums/{world['board'].pk}/").content.decode()
    assert "Who else could join this forum" in html
    assert "Works with needs: exploitation" in html
    shares = "Shares 12 young people with Harbourside CAMHS" in html
    assert shares is (role in VIEWERS)
    if role in NON_ADMIN_VIEWERS:
        assert "Shares fewer than 5 young people with Harbourside Police" in html
    if role == Role.ADMIN:
        assert "Shares 3 young people with Harbourside Police" in html


# --- the documented format ----------------------------------------------------------------------


def _documented_blocks() -> tuple[str, str]:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "formats.md").read_text()
    section = text[text.index("## Silo map JSON") :]
    json_block = section[
        section.index("```json") + len("```json") : section.index("```\n", section.index("```json") + 7)
    ]
    start = section.index("```text") + len("```text")
    text_block = section[start : section.index("```", start)]
    return json_block, text_block.lstrip("\n")


def test_the_documented_example_is_what_a_coordinator_gets(world, make_user):
    json_block, text_block = _documented_blocks()
    assert json.loads(json_block) == silo.silo_map_for(make_user(Role.COORDINATOR)).to_json()
    assert text_block == _command("--format", "text")
