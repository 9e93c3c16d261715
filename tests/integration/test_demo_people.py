"""Harbourside's young people: ~600 with histories and real cliff edges, built through the audited
services; the bulk builder for large cohorts; and the page benchmark's harness (without load)."""

from __future__ import annotations

import datetime as dt
import io
import random
import threading
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.db import transaction

from benchmarks import pages
from joinedup.accounts.models import User
from joinedup.demo import people as demo_people
from joinedup.demo.services import demo_partnership_load, demo_young_person_examples
from joinedup.directory.models import Audience
from joinedup.people import forecasting
from joinedup.people.models import (
    REF_PATTERN,
    AgencyReference,
    Involvement,
    SharingDecision,
    StoredEdge,
    StoredExit,
    TransitionPlan,
    VoiceEntry,
    YoungPerson,
)
from joinedup.people.selectors import access_level, young_people_for
from joinedup.platform.audit import audit_verify
from joinedup.platform.encryption import decrypt_text
from joinedup.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

SEED = 11
AS_OF = dt.date(2026, 11, 24)
YEAR_END = AS_OF + dt.timedelta(days=365)


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker):
    """The default demo (600 young people), built once for the class below and rolled back after it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield demo_partnership_load(seed=SEED, young_people=600, as_of=AS_OF)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def user(local: str) -> User:
    return User.objects.get(email=f"{local}@harbourside.example")


# --- the generator, without a database ----------------------------------------------------------


def test_the_generator_is_deterministic_and_refs_depend_on_the_seed_alone():
    first = list(demo_people.generate(SEED, AS_OF, 300))
    again = list(demo_people.generate(SEED, AS_OF, 300))
    assert first == again
    refs = [p.ref for p in first]
    assert len(set(refs)) == len(refs)
    assert all(REF_PATTERN.match(ref) for ref in refs)
    later = list(demo_people.generate(SEED, AS_OF + dt.timedelta(days=40), 300))
    assert [p.ref for p in later] == refs
    other = list(demo_people.generate(SEED + 1, AS_OF, 300))
    assert len({p.ref for p in other} & set(refs)) < 5
    assert [p.birth_month for p in other] != [p.birth_month for p in first]


def test_references_never_collide_across_a_large_cohort():
    make = demo_people.ref_maker(SEED)
    refs = {make(index) for index in range(200_000)}
    assert len(refs) == 200_000


def test_ages_run_from_10_to_19_and_areas_genders_and_needs_vary():
    people = list(demo_people.generate(SEED, AS_OF, 600))
    ages = Counter(YoungPerson(birth_month=p.birth_month).age_on(AS_OF) for p in people)
    assert set(ages) == set(range(10, 20))
    assert len({p.area for p in people}) == len(demo_people.AREAS)
    assert len({p.gender for p in people}) >= 3
    assert all(p.needs for p in people)
    assert {p.story for p in people} == set(demo_people.STORIES)


# --- the default demo: 600 young people through the audited services --------------------------


class TestTheDefaultDemo:
    """Built once (about 20 s), read by every test in the class."""

    def test_the_demo_builds_600_young_people_with_the_seeds_refs(self, demo):
        expected = list(demo_people.generate(SEED, AS_OF, 600))
        assert demo.young_people == YoungPerson.objects.count() == 600
        assert set(YoungPerson.objects.values_list("ref", flat=True)) == {p.ref for p in expected}
        assert demo.involvements == Involvement.objects.count() == sum(len(p.involvements) for p in expected)
        assert 8 <= demo.involvements / demo.young_people <= 12
        assert demo.as_of == AS_OF
        stored = YoungPerson.objects.get(ref=expected[0].ref)
        assert (stored.birth_month, stored.initials, stored.area) == (
            expected[0].birth_month,
            expected[0].initials,
            expected[0].area,
        )

    def test_every_write_was_audited_as_the_demo(self, demo):
        creates = AuditEvent.objects.filter(action="people.young_person.create")
        assert creates.count() == 600
        assert set(creates.values_list("actor_label", flat=True)) == {"joinedup demo"}
        assert AuditEvent.objects.filter(action="people.involvement.create").count() == demo.involvements
        assert AuditEvent.objects.filter(action="people.voice.create").count() == VoiceEntry.objects.count() > 0
        assert AuditEvent.objects.filter(action="people.transition_plan.agree").count() == demo.transition_plans
        assert not AuditEvent.objects.filter(action="demo.young_people.bulk_load").exists()
        assert audit_verify().ok

    def test_at_least_15_percent_turn_18_within_the_year(self, demo):
        turning = [p for p in YoungPerson.objects.all() if AS_OF <= p.turns(18) < YEAR_END]
        assert len(turning) == demo.turning_18
        assert len(turning) >= 0.15 * 600

    def test_childrens_services_end_together_at_18_real_cliff_edges(self, demo):
        """Edges whose exits include two or more age-limited endings on the 18th birthday."""
        clustered = 0
        for edge in StoredEdge.objects.filter(age_driven=True).select_related("young_person"):
            at_18 = edge.young_person.turns(18)
            exits = [x for x in edge.exits.all() if x.reason == "age_limit" and x.date == at_18]
            if len(exits) >= 2:
                clustered += 1
                assert AS_OF <= at_18 < YEAR_END
        assert clustered >= 30
        assert demo.cliff_edges == StoredEdge.objects.count() >= 50

    def test_some_edges_are_bridged_and_some_are_not(self, demo):
        bridged = StoredEdge.objects.filter(bridged=True)
        unbridged = StoredEdge.objects.filter(bridged=False, age_driven=True)
        assert bridged.count() >= 10
        assert unbridged.count() >= 20
        # Bridged by an all-age service that started before the 18th birthday (leaving care, the
        # young adults' mental health team ...), still going when the edge ends.
        carried = 0
        for edge in bridged.select_related("young_person")[:40]:
            person = edge.young_person
            for involvement in Involvement.objects.filter(young_person=person).select_related("service"):
                end = (
                    involvement.actual_end
                    or involvement.planned_end
                    or (person.turns(involvement.service.ends_at_age) if involvement.service.ends_at_age else None)
                )
                if (
                    involvement.service.audience in {Audience.ALL_AGE, Audience.ADULT}
                    and involvement.start < person.turns(18)
                    and (end is None or end >= edge.end)
                ):
                    carried += 1
                    break
        assert carried >= 5

    def test_staggered_and_handed_over_young_people_mostly_have_no_edge(self, demo):
        specs = {p.ref: p for p in demo_people.generate(SEED, AS_OF, 600)}
        with_edges = set(StoredEdge.objects.values_list("young_person__ref", flat=True))
        staggered = [ref for ref, p in specs.items() if p.transition == "staggered"]
        cliffs = [ref for ref, p in specs.items() if p.transition == "cliff"]
        assert len(staggered) >= 10 and len(cliffs) >= 20
        assert sum(ref not in with_edges for ref in staggered) >= 0.7 * len(staggered)
        assert sum(ref in with_edges for ref in cliffs) >= 0.8 * len(cliffs)
        # Staggered: planned ends spread out, the exploitation service extended past 18.
        extended = Involvement.objects.filter(
            young_person__ref__in=staggered, service__code="safe-harbour-exploitation", planned_end__isnull=False
        )
        assert any(i.planned_end > i.young_person.turns(18) for i in extended.select_related("young_person"))

    def test_every_involvement_respects_its_services_age_range_and_a_sample_passes_full_clean(self, demo):
        rows = Involvement.objects.select_related("service", "young_person")
        for involvement in rows:
            age = involvement.young_person.age_on(involvement.start)
            low, high = involvement.service.min_age, involvement.service.max_age
            assert (low is None or age >= low) and (high is None or age <= high), involvement
            assert involvement.start >= involvement.young_person.born
            assert involvement.start <= AS_OF or involvement.start == involvement.young_person.turns(18)
        sample = random.Random(3).sample(list(rows.order_by("pk")), 300)
        for involvement in sample:
            involvement.full_clean()

    def test_stored_edges_match_the_forecast_computed_now(self, demo):
        people = list(YoungPerson.objects.order_by("ref"))
        for person in random.Random(5).sample(people, 60):
            fresh = sorted(
                (e.start, e.end, e.age_driven, e.bridged, tuple((x.service_id, x.date, x.reason) for x in e.exits))
                for e in forecasting.person_forecast(person, as_of=AS_OF).cliff_edges
            )
            stored = sorted(
                (
                    e.start,
                    e.end,
                    e.age_driven,
                    e.bridged,
                    tuple(
                        sorted(((x.service.code, x.date, x.reason) for x in e.exits.all()), key=lambda x: (x[1], x[0]))
                    ),
                )
                for e in StoredEdge.objects.filter(young_person=person).prefetch_related("exits__service")
            )
            assert stored == fresh, person.ref
            assert all(e.as_of == AS_OF for e in StoredEdge.objects.filter(young_person=person))

    def test_practitioners_see_their_agencys_caseload_in_full(self, demo):
        nurse = user("nurse")  # Harbourside CAMHS
        camhs_people = set(
            YoungPerson.objects.filter(involvements__service__agency__code="harbourside-camhs").values_list(
                "pk", flat=True
            )
        )
        caseload = set(young_people_for(nurse).values_list("pk", flat=True))
        assert len(camhs_people) >= 100
        assert camhs_people <= caseload
        led = YoungPerson.objects.filter(lead_agency__code="harbourside-camhs")
        assert led.exists() and all(p.lead_contact_email == nurse.email for p in led)
        outsider = YoungPerson.objects.exclude(pk__in=caseload).first()
        assert access_level(nurse, outsider) == "signpost"
        assert access_level(nurse, led.first()) == "full"
        # The coordinator sees the MACE panel's young people through the partnership's case numbers.
        coordinator = user("coordinator")
        mace = AgencyReference.objects.filter(agency__code="harbourside-scp", local_id__startswith="MACE-")
        assert mace.count() >= 20
        assert set(mace.values_list("young_person_id", flat=True)) <= set(
            young_people_for(coordinator).values_list("pk", flat=True)
        )
        assert access_level(user("strategic-lead"), outsider) == "none"
        # Every lead agency has a demo practitioner, who is the lead contact.
        for person in YoungPerson.objects.select_related("lead_agency")[:100]:
            assert person.lead_contact_email == f"{demo_people.LEAD_USERS[person.lead_agency.code]}@harbourside.example"

    def test_camhs_and_youth_justice_share_young_people_the_silo(self, demo):
        camhs = set(
            Involvement.objects.filter(service__agency__code="harbourside-camhs").values_list("young_person", flat=True)
        )
        yjs = set(
            Involvement.objects.filter(service__agency__code="harbourside-yjs").values_list("young_person", flat=True)
        )
        assert len(camhs & yjs) >= 10

    def test_names_voices_sharing_decisions_and_plans(self, demo):
        named = YoungPerson.objects.exclude(name_encrypted="")
        assert 0.15 * 600 <= named.count() <= 0.45 * 600
        for person in named[:20]:
            name = decrypt_text(person.name_encrypted)
            first, last = name.split(" ")
            assert person.initials == first[0] + last[0]
            assert name not in person.name_encrypted
        voices = VoiceEntry.objects.all()
        assert voices.count() >= 100
        assert all(v.recorded_on <= AS_OF for v in voices)
        assert {v.scale for v in voices} - {None} <= set(range(11))
        decisions = SharingDecision.objects.all()
        assert decisions.filter(shared=True).count() >= 20 and decisions.filter(shared=False).exists()
        for decision in decisions[:30]:
            decision.full_clean()
            assert decision.with_whom.exists()
        plans = TransitionPlan.objects.all()
        assert 5 <= plans.count() == demo.transition_plans
        assert all(plan.planned_ends.exists() or plan.bridging_referrals.exists() for plan in plans)
        examples = demo_young_person_examples()
        assert len(examples) >= 3
        for example in examples:
            person = YoungPerson.objects.get(ref=example.ref)
            assert access_level(User.objects.get(email=example.email), person) == "full"


# --- rebuilding, the command, and the large-cohort builder ---------------------------------------


def test_rebuilding_in_place_replaces_the_young_people():
    first = demo_partnership_load(seed=4, young_people=40, as_of=AS_OF)
    refs = set(YoungPerson.objects.values_list("ref", flat=True))
    again = demo_partnership_load(seed=4, young_people=40, as_of=AS_OF, replace=True)
    assert again.replaced and again.young_people == first.young_people == 40
    assert set(YoungPerson.objects.values_list("ref", flat=True)) == refs
    assert Involvement.objects.count() == first.involvements
    removed = AuditEvent.objects.get(action="demo.partnership.remove").detail["removed"]
    assert removed["young_people"] == 40
    assert audit_verify().ok


def test_the_command_prints_the_counts_and_young_people_to_try():
    out = io.StringIO()
    call_command(
        "demo", "--no-serve", "--reset", "--no-migrate", "--young-people", "60", "--as-of", AS_OF.isoformat(),
        stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    text = out.getvalue()
    assert "60 young people with" in text
    assert "turn 18 within a year of 24 November 2026" in text
    assert "cliff edges forecast" in text
    assert "/young-people/YP-" in text
    assert "/transitions/" in text
    assert YoungPerson.objects.count() == 60


def test_the_large_cohort_builder_bulk_loads_with_one_audit_event():
    result = demo_partnership_load(seed=3, young_people=2000, as_of=AS_OF)
    assert result.young_people == YoungPerson.objects.count() == 2000
    assert result.involvements == Involvement.objects.count()
    assert 8.5 <= result.involvements / result.young_people <= 11.5
    assert result.turning_18 >= 0.15 * 2000
    assert result.cliff_edges == StoredEdge.objects.count() >= 150
    assert StoredExit.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="people.").exists()
    event = AuditEvent.objects.get(action="demo.young_people.bulk_load")
    assert event.detail["young_people"] == 2000
    assert event.detail["involvements"] == result.involvements
    assert event.detail["per_row_audit"] is False
    # The same people as the generator writes, and valid as the forms would check them.
    expected = list(demo_people.generate(3, AS_OF, 2000))
    assert set(YoungPerson.objects.values_list("ref", flat=True)) == {p.ref for p in expected}
    assert VoiceEntry.objects.exists() and SharingDecision.objects.exists()
    for involvement in random.Random(1).sample(list(Involvement.objects.order_by("pk")), 150):
        involvement.full_clean()
    for person in random.Random(2).sample(list(YoungPerson.objects.all()), 50):
        person.full_clean()


# --- the page benchmark's harness, without load ------------------------------------------------


def test_page_benchmarks_are_skipped_without_postgresql():
    assert "not set" in pages.skip_reason({})
    assert "not PostgreSQL" in pages.skip_reason({"JOINEDUP_BENCH_DATABASE_URL": "sqlite:///x.sqlite3"})
    assert pages.skip_reason({"JOINEDUP_BENCH_DATABASE_URL": "postgres:///test"}) is None
    assert pages.database_url("postgres:///test", "joinedup_bench") == "postgres:///joinedup_bench"
    assert (
        pages.database_url("postgres://u:p@db:5433/test?sslmode=disable", "b")
        == "postgres://u:p@db:5433/b?sslmode=disable"
    )


def test_page_benchmark_urls_cookies_and_sign_in_form():
    assert pages.young_person_paths(["YP-ABCDE", "YP-23456"]) == ["/young-people/YP-ABCDE/", "/young-people/YP-23456/"]
    page = '<form><input type="hidden" name="csrfmiddlewaretoken" value="tok123"><input name="username"></form>'
    assert pages.csrf_token(page) == "tok123"
    cookies = pages.cookies_from(
        [("Set-Cookie", "__Host-csrftoken=abc; Path=/; Secure"), ("Content-Type", "text/html"), ("set-cookie", "x=1")]
    )
    assert cookies == {"__Host-csrftoken": "abc", "x": "1"}
    assert pages.cookie_header(cookies) == "__Host-csrftoken=abc; x=1"


def test_percentiles_and_summary():
    values = [float(v) for v in range(1, 101)]
    assert pages.percentile(values, 50) == 50
    assert pages.percentile(values, 95) == 95
    assert pages.percentile(values, 99) == 99
    assert pages.percentile([7.0], 99) == 7.0
    phase = pages.Phase("x", ["/a/"], "c", latencies=[0.01] * 99 + [0.3], sent=100, answered=100, seconds=2.0)
    summary = pages.summarise(phase)
    assert (summary.p50_ms, summary.p99_ms, summary.rate, summary.errors) == (10, 10, 50, 0)
    assert summary.meets_target and "met" in summary.line()


def test_the_open_loop_generator_sends_every_request_and_counts_errors():
    seen = []

    def send(port, path, headers):
        seen.append((path, headers["Cookie"]))
        return 500 if path == "/bad/" else 200

    phase = pages.open_loop(0, pages.Phase("t", ["/a/", "/b/", "/bad/"], "s=1"), rate=200, seconds=0.15, send=send)
    assert phase.sent == len(seen) == 30
    assert Counter(path for path, _ in seen) == {"/a/": 10, "/b/": 10, "/bad/": 10}
    assert {cookie for _, cookie in seen} == {"s=1"}
    assert phase.statuses == {200: 20, 500: 10}
    assert len(phase.failures) == 10 and len(phase.latencies) == 30


def test_the_open_loop_generator_speaks_http_to_a_real_server():
    hits = defaultdict(int)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits[(self.path, self.headers.get("Cookie"), self.headers.get("X-Forwarded-Proto"))] += 1
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        phase = pages.open_loop(
            server.server_address[1],
            pages.Phase("real", ["/young-people/YP-ABCDE/"], "sessionid=x"),
            rate=100,
            seconds=0.1,
        )
        p50, p95 = pages.one_at_a_time(server.server_address[1], phase, count=4)
    finally:
        server.shutdown()
        server.server_close()
    assert phase.statuses == {200: 10} and not phase.failures
    assert hits == {("/young-people/YP-ABCDE/", "sessionid=x", "https"): 14}
    assert 0 < p50 <= p95


def test_the_open_loop_generator_gives_up_on_a_server_that_cannot_keep_up():
    phase = pages.open_loop(
        0, pages.Phase("t", ["/slow/"], "s=1"), rate=1000, seconds=0.2, give_up_after=20, send=lambda *a: 503
    )
    assert phase.abandoned
    assert 20 <= phase.sent < phase.planned == 200
    summary = pages.summarise(phase)
    assert not summary.meets_target and "ABANDONED" in summary.line()
