"""Hand-worked examples for the transitions engine (DESIGN section 6)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from joinedup.domain import cliff_edge_reference as reference
from joinedup.domain.cliff_edge import (
    NO_DATE,
    NO_WEIGHT,
    Change,
    CohortArrays,
    Exit,
    Involvement,
    Parameters,
    Person,
    Service,
    ServiceIndex,
    age_date,
    age_on,
    birth_month_number,
    forecast,
    forecast_arrays,
    forecast_person,
    forecast_to_json,
)

D = dt.date
AS_OF = D(2026, 11, 24)

CSC = Service("csc", "child", 0, 17, 18, None, 0, frozenset({"care"}), "Harbourside Council")
CAMHS = Service("camhs", "child", 0, 17, 18, None, 0, frozenset({"mental_health"}), "Harbourside NHS")
YJS = Service("yjs", "child", 10, 17, 18, None, 0, frozenset({"offending"}), "Harbourside YJS")
AMHS = Service("amhs", "adult", 18, None, None, None, 0, frozenset({"mental_health"}), "Harbourside NHS")
LEAVING_CARE = Service("leaving_care", "adult", 16, 25, None, None, 0, frozenset({"care", "housing"}), "Council")
HOUSING = Service("housing", "all_age", None, None, None, 0.5, 0, frozenset({"housing"}), "Housing Trust")
SPORTS = Service("sports", "all_age", None, None, None, None, 0, frozenset({"leisure"}), "Leisure")
MENTOR = Service("mentor", "child", 8, 17, None, None, 0, frozenset(), "Voluntary")
SERVICES = [CSC, CAMHS, YJS, AMHS, LEAVING_CARE, HOUSING, SPORTS, MENTOR]

# Born March 2009: 18 on 2027-03-01.
SAM = Person("SAM", "2009-03", frozenset({"mental_health", "care", "housing"}))


def run(involvements, people=(SAM,), **params):
    p = Parameters(params.pop("as_of", AS_OF), **params)
    fast = forecast(list(people), SERVICES, involvements, p)
    oracle = reference.forecast(list(people), SERVICES, involvements, p)
    assert _comparable(fast) == _comparable(oracle)
    return fast


def _comparable(result):
    return [
        (
            e.ref,
            e.start,
            e.end,
            e.exits,
            e.support_before,
            e.support_after,
            e.age_driven,
            e.bridged,
            [s.service_id for s in e.suggestions],
            (e.plan.resolved, e.plan.changes, e.plan.extension_days, e.plan.bridging_needed),
        )
        for e in result.cliff_edges
    ], result.cohort


def test_age_dates_take_the_first_of_the_birth_month():
    assert age_date("2009-03", 18) == D(2027, 3, 1)
    assert age_date("2008-02", 18) == D(2026, 2, 1)
    assert age_on("2009-03", D(2027, 2, 28)) == 17
    assert age_on("2009-03", D(2027, 3, 1)) == 18


def test_seventeen_year_old_losing_csc_camhs_and_youth_justice_at_18_is_one_age_driven_edge():
    result = run([Involvement("SAM", "csc", D(2015, 1, 1)), Involvement("SAM", "camhs", D(2024, 6, 1)),
                  Involvement("SAM", "yjs", D(2026, 1, 1))])  # fmt: skip
    (edge,) = result.cliff_edges
    assert edge.start == D(2027, 3, 1)
    assert edge.end == D(2027, 3, 1) + dt.timedelta(days=90)
    assert edge.exits == (
        Exit("camhs", D(2027, 3, 1), "age_limit"),
        Exit("csc", D(2027, 3, 1), "age_limit"),
        Exit("yjs", D(2027, 3, 1), "age_limit"),
    )
    assert (edge.support_before, edge.support_after) == (3.0, 0.0)
    assert edge.age_driven and not edge.bridged
    # Adult services covering 18 and sharing needs; leaving care shares two needs so ranks first.
    assert [s.service_id for s in edge.suggestions] == ["leaving_care", "amhs", "housing"]
    assert "care, housing" in edge.suggestions[0].reason and "16 to 25" in edge.suggestions[0].reason
    assert "sports" not in [s.service_id for s in edge.suggestions]
    # Nothing can be extended: the plan says so and states the bridge needed, (1 - 0.5) * 3 - 0.
    assert not edge.plan.resolved and edge.plan.changes == () and edge.plan.bridging_needed == 1.5
    row = next(r for r in result.cohort.by_month if r.month == "2027-03")
    assert (row.edges, row.age_driven, row.unbridged) == (1, 1, 1)


def test_staggered_endings_are_not_an_edge():
    result = run([
        Involvement("SAM", "csc", D(2015, 1, 1), planned_end=D(2027, 1, 10)),
        Involvement("SAM", "camhs", D(2024, 6, 1), planned_end=D(2027, 5, 1)),
        Involvement("SAM", "mentor", D(2024, 6, 1), planned_end=D(2027, 9, 1)),
    ])  # fmt: skip
    assert result.cliff_edges == ()


def test_a_handover_inside_the_window_is_no_drop():
    result = run([
        Involvement("SAM", "csc", D(2015, 1, 1)),
        Involvement("SAM", "camhs", D(2024, 6, 1)),
        Involvement("SAM", "leaving_care", D(2027, 4, 1), planned_end=D(2029, 1, 1), weight=1),
        Involvement("SAM", "amhs", D(2027, 5, 1), planned_end=D(2029, 1, 1)),
    ])  # fmt: skip
    assert result.cliff_edges == ()


def test_an_adult_mental_health_involvement_on_the_last_day_bridges_the_edge():
    result = run([
        Involvement("SAM", "csc", D(2015, 1, 1)),
        Involvement("SAM", "camhs", D(2024, 6, 1), weight=2),
        Involvement("SAM", "yjs", D(2026, 1, 1)),
        Involvement("SAM", "amhs", D(2027, 3, 1), weight=1),
    ])  # fmt: skip
    (edge,) = result.cliff_edges
    assert edge.bridged  # 4 -> 1: still a drop of 3 >= 2, but adult support is there at the end
    assert (edge.support_before, edge.support_after) == (4.0, 1.0)
    assert "amhs" not in [s.service_id for s in edge.suggestions]  # already used
    row = next(r for r in result.cohort.by_month if r.month == "2027-03")
    assert (row.edges, row.age_driven, row.unbridged) == (1, 1, 0)


def test_overlapping_qualifying_windows_merge_into_one_edge():
    result = run([
        Involvement("SAM", "mentor", D(2024, 1, 1), planned_end=D(2027, 1, 4)),
        Involvement("SAM", "housing", D(2024, 1, 1), planned_end=D(2027, 1, 4), weight=1),
        Involvement("SAM", "csc", D(2015, 1, 1)),
        Involvement("SAM", "camhs", D(2024, 6, 1)),
    ])  # fmt: skip
    (edge,) = result.cliff_edges
    # Windows at 2027-01-04 (4 -> 2) and 2027-03-01 (2 -> 0) both qualify and start 56 days apart.
    assert edge.start == D(2027, 1, 4)
    assert edge.end == D(2027, 3, 1) + dt.timedelta(days=90)
    assert len(edge.exits) == 4
    assert (edge.support_before, edge.support_after) == (4.0, 0.0)
    assert edge.age_driven


def test_windows_w_or_more_apart_stay_separate_edges():
    result = run(
        [
            Involvement("SAM", "mentor", D(2026, 1, 1), planned_end=D(2027, 1, 1)),
            Involvement("SAM", "housing", D(2026, 1, 1), planned_end=D(2027, 1, 1), weight=1),
            Involvement("SAM", "csc", D(2015, 1, 1)),
            Involvement("SAM", "camhs", D(2024, 6, 1)),
        ],
        window_days=30,
    )
    assert [(e.start, e.end) for e in result.cliff_edges] == [
        (D(2027, 1, 1), D(2027, 1, 31)),
        (D(2027, 3, 1), D(2027, 3, 31)),
    ]


@pytest.mark.parametrize(
    ("horizon_days", "edges"),
    [(97, 0), (98, 1)],  # 2026-11-24 + 97 days = 2027-03-01: the exits fall just outside, then inside
)
def test_the_horizon_is_exclusive(horizon_days, edges):
    assert AS_OF + dt.timedelta(days=97) == D(2027, 3, 1)
    result = run(
        [Involvement("SAM", "csc", D(2015, 1, 1)), Involvement("SAM", "camhs", D(2024, 6, 1))],
        horizon_days=horizon_days,
    )
    assert len(result.cliff_edges) == edges


def test_exits_on_as_of_are_in_view():
    result = run(
        [Involvement("SAM", "csc", D(2015, 1, 1)), Involvement("SAM", "camhs", D(2024, 6, 1))],
        as_of=D(2027, 3, 1),
    )
    assert [e.start for e in result.cliff_edges] == [D(2027, 3, 1)]


@pytest.mark.parametrize(("min_exits", "edges"), [(2, 1), (3, 0)])
def test_min_exits_is_inclusive(min_exits, edges):
    result = run(
        [Involvement("SAM", "csc", D(2015, 1, 1)), Involvement("SAM", "camhs", D(2024, 6, 1))],
        min_exits=min_exits,
    )
    assert len(result.cliff_edges) == edges


@pytest.mark.parametrize(("mentor_weight", "edges"), [(2.0, 1), (2.000001, 0)])
def test_min_drop_is_inclusive(mentor_weight, edges):
    # before = 2 + mentor, drop = 2: qualifies exactly when 2 >= 0.5 * (2 + mentor).
    result = run([
        Involvement("SAM", "csc", D(2015, 1, 1)),
        Involvement("SAM", "camhs", D(2024, 6, 1)),
        Involvement("SAM", "mentor", D(2024, 6, 1), planned_end=D(2028, 1, 1), weight=mentor_weight),
    ])  # fmt: skip
    assert len(result.cliff_edges) == edges


def test_no_drop_is_never_an_edge_even_with_min_drop_zero():
    result = run(
        [
            Involvement("SAM", "csc", D(2015, 1, 1)),
            Involvement("SAM", "camhs", D(2024, 6, 1)),
            Involvement("SAM", "amhs", D(2027, 3, 15), planned_end=D(2028, 6, 1), weight=2),
        ],
        min_drop=0.0,
    )
    assert result.cliff_edges == ()


def test_effective_end_and_reason():
    result = run([
        Involvement("SAM", "csc", D(2015, 1, 1), planned_end=D(2027, 3, 1)),  # equals the age date
        Involvement("SAM", "camhs", D(2024, 6, 1), planned_end=D(2027, 2, 1), actual_end=D(2027, 3, 8)),
        Involvement("SAM", "mentor", D(2024, 6, 1)),  # open-ended: never exits
    ])  # fmt: skip
    (edge,) = result.cliff_edges
    assert edge.exits == (Exit("csc", D(2027, 3, 1), "age_limit"), Exit("camhs", D(2027, 3, 8), "planned"))
    assert (edge.support_before, edge.support_after) == (3.0, 1.0)


def test_extensions_stagger_the_exits_when_allowed():
    csc = Service("csc", "child", 0, 17, 18, None, 91, frozenset({"care"}), "Council")
    camhs = Service("camhs", "child", 0, 17, 18, None, 0, frozenset({"mental_health"}), "NHS")
    services = [csc, camhs]
    involvements = [Involvement("SAM", "csc", D(2015, 1, 1)), Involvement("SAM", "camhs", D(2024, 6, 1))]
    p = Parameters(AS_OF)
    (edge,) = forecast([SAM], services, involvements, p).cliff_edges
    # csc has to leave the 90-day window starting at camhs' exit: 13 weeks (91 days) does it, 12 not.
    assert edge.plan.resolved
    assert edge.plan.changes == (Change("csc", D(2027, 3, 1), D(2027, 5, 31)),)
    assert edge.plan.extension_days == 91
    assert edge.plan.bridging_needed == 0.0
    oracle = reference.forecast([SAM], services, involvements, p).cliff_edges[0].plan
    assert (oracle.resolved, oracle.changes, oracle.extension_days) == (
        edge.plan.resolved,
        edge.plan.changes,
        edge.plan.extension_days,
    )


def test_past_actual_ends_are_fixed_and_future_actual_ends_may_move():
    csc = Service("csc", "child", 0, 17, None, None, 98, frozenset(), "Council")
    camhs = Service("camhs", "child", 0, 17, None, None, 98, frozenset(), "NHS")
    services = [csc, camhs]
    as_of = D(2027, 1, 1)
    past = [
        Involvement("SAM", "csc", D(2020, 1, 1), actual_end=as_of),
        Involvement("SAM", "camhs", D(2020, 1, 1), actual_end=as_of),
    ]
    (edge,) = forecast([SAM], services, past, Parameters(as_of)).cliff_edges
    assert not edge.plan.resolved and edge.plan.changes == ()
    future = [
        Involvement("SAM", "csc", D(2020, 1, 1), actual_end=D(2027, 2, 1)),
        Involvement("SAM", "camhs", D(2020, 1, 1), actual_end=D(2027, 2, 1)),
    ]
    (edge,) = forecast([SAM], services, future, Parameters(as_of)).cliff_edges
    assert edge.plan.resolved and len(edge.plan.changes) == 1


def test_json_shape_matches_issue_3():
    result = run([Involvement("SAM", "csc", D(2015, 1, 1)), Involvement("SAM", "camhs", D(2024, 6, 1))])
    data = forecast_to_json(result)
    assert set(data) == {"as_of", "parameters", "cliff_edges", "cohort"}
    assert data["as_of"] == "2026-11-24"
    assert data["parameters"] == {"window_days": 90, "horizon_days": 365, "min_exits": 2, "min_drop": 0.5}
    (edge,) = data["cliff_edges"]
    assert set(edge) == {
        "ref", "start", "end", "exits", "support_before", "support_after", "age_driven", "bridged",
        "suggestions", "plan",
    }  # fmt: skip
    assert edge["start"] == "2027-03-01" and edge["end"] == "2027-05-30"
    assert edge["exits"][0] == {"service_id": "camhs", "date": "2027-03-01", "reason": "age_limit"}
    assert set(edge["suggestions"][0]) == {"service_id", "reason"}
    assert set(edge["plan"]) == {"resolved", "changes", "extension_days", "bridging_needed"}
    assert set(data["cohort"]) == {"by_month", "by_agency"}
    assert data["cohort"]["by_month"][0] == {"month": "2026-11", "edges": 0, "age_driven": 0, "unbridged": 0}
    assert len(data["cohort"]["by_month"]) == 13  # 2026-11 .. 2027-11
    assert data["cohort"]["by_agency"] == [
        {"agency": "Harbourside Council", "month": "2027-03", "exits": 1},
        {"agency": "Harbourside NHS", "month": "2027-03", "exits": 1},
    ]


def test_unknown_refs_and_services_are_refused():
    with pytest.raises(ValueError, match="unknown service"):
        forecast([SAM], SERVICES, [Involvement("SAM", "nope", D(2020, 1, 1))], Parameters(AS_OF))
    with pytest.raises(ValueError, match="unknown young person"):
        forecast([SAM], SERVICES, [Involvement("ZED", "csc", D(2020, 1, 1))], Parameters(AS_OF))
    with pytest.raises(ValueError, match="YYYY-MM"):
        forecast([Person("X", "2009-13")], SERVICES, [], Parameters(AS_OF))


def test_empty_cohort():
    result = forecast([], SERVICES, [], Parameters(AS_OF))
    assert result.cliff_edges == () and result.cohort.by_agency == ()


def test_alike_edges_of_different_people_share_a_plan_at_their_own_dates():
    csc = Service("csc", "child", 0, 17, 18, None, 91, frozenset({"care"}), "Council")
    camhs = Service("camhs", "child", 0, 17, 18, None, 0, frozenset({"mental_health"}), "NHS")
    people = [Person("A", "2009-03"), Person("B", "2009-05")]
    involvements = [Involvement(ref, service, D(2015, 1, 1)) for ref in ("A", "B") for service in ("csc", "camhs")]
    p = Parameters(AS_OF)
    edges = forecast(people, [csc, camhs], involvements, p).cliff_edges
    assert [(e.ref, e.plan.changes) for e in edges] == [
        ("A", (Change("csc", D(2027, 3, 1), D(2027, 5, 31)),)),
        ("B", (Change("csc", D(2027, 5, 1), D(2027, 7, 31)),)),
    ]
    oracle = reference.forecast(people, [csc, camhs], involvements, p).cliff_edges
    assert [e.plan.changes for e in oracle] == [e.plan.changes for e in edges]


# ------------------------------------------------------------------------------ array entry point
ALEX = Person("ALEX", "2009-05", frozenset({"care"}))
MIXED = [
    Involvement("SAM", "csc", D(2015, 1, 1)),
    Involvement("ALEX", "csc", D(2016, 1, 1), planned_end=D(2027, 4, 1), weight=1.5),
    Involvement("SAM", "camhs", D(2024, 6, 1), weight=2),
    Involvement("ALEX", "camhs", D(2024, 6, 1), actual_end=D(2027, 4, 15)),
    Involvement("SAM", "yjs", D(2026, 1, 1)),
    Involvement("ALEX", "housing", D(2020, 1, 1), planned_end=D(2027, 5, 1)),
]


def _columns(people, involvements):
    """The columns a caller with a query result would pass (people in a different order)."""
    index = ServiceIndex(SERVICES)
    refs = [p.ref for p in people]
    return CohortArrays(
        refs=refs,
        birth_month=np.array([birth_month_number(p.birth_month) for p in people], dtype=np.int64),
        needs=[p.needs for p in people],
        person=np.array([refs.index(i.ref) for i in involvements], dtype=np.int64),
        service=np.array([index.index(i.service_id) for i in involvements], dtype=np.int64),
        start=np.array([i.start.toordinal() for i in involvements], dtype=np.int64),
        planned_end=np.array([NO_DATE if i.planned_end is None else i.planned_end.toordinal() for i in involvements]),
        actual_end=np.array([NO_DATE if i.actual_end is None else i.actual_end.toordinal() for i in involvements]),
        weight=np.array([NO_WEIGHT if i.weight is None else round(i.weight * 1_000_000) for i in involvements]),
    ), index


def test_the_array_entry_point_gives_the_same_forecast_as_records():
    people = [ALEX, SAM]
    arrays, index = _columns(people, MIXED)  # involvements not grouped by person: sorted once
    p = Parameters(AS_OF)
    from_arrays = forecast_arrays(arrays, index, p)
    from_records = run(MIXED, people=people)
    assert from_arrays == from_records
    assert [e.ref for e in from_arrays.cliff_edges] == ["SAM", "ALEX"]
    assert forecast(people, index, MIXED, p) == from_records  # a prebuilt index works the same
    assert forecast_to_json(from_arrays) == forecast_to_json(from_records)


def test_one_person_recompute_matches_the_cohort_and_ignores_other_people():
    p = Parameters(AS_OF)
    index = ServiceIndex(SERVICES)
    whole = forecast([SAM, ALEX], SERVICES, MIXED, p).cliff_edges
    for person in (SAM, ALEX):
        mine = tuple(e for e in whole if e.ref == person.ref)
        assert mine
        assert forecast_person(person, index, MIXED, p) == mine
        assert forecast_person(person, SERVICES, [i for i in MIXED if i.ref == person.ref], p) == mine
    assert forecast_person(Person("NOBODY", "2009-01"), index, MIXED, p) == ()


def test_service_index_refuses_duplicate_ids_and_unknown_services():
    with pytest.raises(ValueError, match="unique"):
        ServiceIndex([CSC, CSC])
    with pytest.raises(ValueError, match="unknown service 'nope'"):
        ServiceIndex(SERVICES).index("nope")
    with pytest.raises(ValueError, match="unknown service"):
        forecast_person(SAM, ServiceIndex(SERVICES), [Involvement("SAM", "nope", D(2020, 1, 1))], Parameters(AS_OF))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"person": np.array([0, 2] + [0] * 4)}, "person must index"),
        ({"service": np.array([0, 99] + [0] * 4)}, "service must index"),
        ({"start": np.array([0] * 6)}, "start must hold date ordinals"),
        ({"planned_end": np.array([-5] * 6)}, "planned_end must hold date ordinals or NO_DATE"),
        ({"weight": np.array([1.5] * 6)}, "weight must hold integers"),
        ({"actual_end": np.array([NO_DATE] * 5)}, "actual_end must be one-dimensional with 6 entries"),
        ({"birth_month": np.array([0, 24100])}, "YYYY-MM"),
        ({"needs": [frozenset()]}, "one entry per young person"),
    ],
)
def test_cohort_arrays_are_checked(change, message):
    arrays, index = _columns([ALEX, SAM], MIXED)
    fields = {name: getattr(arrays, name) for name in arrays.__slots__}
    fields.update(change)
    with pytest.raises(ValueError, match=message):
        forecast_arrays(CohortArrays(**fields), index, Parameters(AS_OF))


def test_empty_arrays():
    arrays, index = _columns([], [])
    result = forecast_arrays(arrays, index, Parameters(AS_OF))
    assert result.cliff_edges == () and result.cohort.by_agency == ()
