"""Differential and planner properties: the fast engine against the plain reference and brute force."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.domain import cliff_edge_reference as reference
from joinedup.domain.cliff_edge import (
    EXACT_LIMIT,
    GRID_DAYS,
    CohortArrays,
    Involvement,
    Parameters,
    Person,
    PersonContext,
    Plan,
    Service,
    ServiceIndex,
    evaluate_plan,
    flexible_exits,
    forecast,
    forecast_arrays,
    forecast_person,
    plan_exits,
)

AS_OF = dt.date(2026, 11, 24)
SHIFT = 1000  # planner cases use small ordinals, as_of = day 1000
NEEDS = ["care", "housing", "mental_health", "offending"]
WEIGHTS = [None, 0, 0.25, 0.5, 1, 1.5, 2, 0.1, 0.2]


@st.composite
def services(draw):
    count = draw(st.integers(2, 6))
    result = []
    for k in range(count):
        audience = draw(st.sampled_from(["child", "adult", "all_age"]))
        low = draw(st.one_of(st.none(), st.integers(0, 18)))
        high = draw(st.one_of(st.none(), st.integers(low or 0, 25)))
        result.append(
            Service(
                service_id=f"s{k}",
                audience=audience,
                min_age=low,
                max_age=high,
                ends_at_age=draw(st.sampled_from([None, 18, 18, 17, 19])),
                weight=draw(st.sampled_from(WEIGHTS)),
                max_extension_days=draw(st.sampled_from([0, 0, 6, 7, 14])),
                needs=frozenset(draw(st.lists(st.sampled_from(NEEDS), max_size=3))),
                agency=draw(st.sampled_from(["A", "B", "C"])),
            )
        )
    return result


def _day(offset: int) -> dt.date:
    return AS_OF + dt.timedelta(days=offset)


@st.composite
def cohorts(draw, max_people=4, max_involvements=5):
    svcs = draw(services())
    people = []
    involvements = []
    for k in range(draw(st.integers(1, max_people))):
        # Born so that 18 falls around the horizon.
        birth = draw(st.integers(0, 14))
        year, month = divmod(2008 * 12 + 10 + birth - 1, 12)
        person = Person(f"P{k}", f"{year:04d}-{month + 1:02d}", frozenset(draw(st.lists(st.sampled_from(NEEDS)))))
        people.append(person)
        for _ in range(draw(st.integers(0, max_involvements))):
            start = draw(st.integers(-300, 150))
            planned = draw(st.one_of(st.none(), st.integers(start - 5, start + 300)))
            actual = draw(st.one_of(st.none(), st.none(), st.integers(start - 5, start + 300)))
            involvements.append(
                Involvement(
                    ref=person.ref,
                    service_id=draw(st.sampled_from(svcs)).service_id,
                    start=_day(start),
                    planned_end=None if planned is None else _day(planned),
                    actual_end=None if actual is None else _day(actual),
                    weight=draw(st.sampled_from(WEIGHTS)),
                )
            )
    params = Parameters(
        AS_OF,
        window_days=draw(st.integers(1, 60)),
        horizon_days=draw(st.integers(1, 200)),
        min_exits=draw(st.integers(0, 3)),
        min_drop=draw(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0, 1 / 3])),
    )
    return people, svcs, involvements, params


def _edges(result, with_plans):
    return [
        (
            e.ref, e.start, e.end, e.exits, e.support_before, e.support_after, e.age_driven, e.bridged,
            tuple(s.service_id for s in e.suggestions),
            (e.plan.resolved, e.plan.changes, e.plan.extension_days, e.plan.bridging_needed) if with_plans else None,
        )
        for e in result.cliff_edges
    ]  # fmt: skip


@settings(max_examples=150)
@given(cohorts())
def test_fast_engine_agrees_with_the_reference(cohort):
    people, svcs, involvements, params = cohort
    fast = forecast(people, svcs, involvements, params)
    oracle = reference.forecast(people, svcs, involvements, params)
    assert _edges(fast, True) == _edges(oracle, True)
    assert fast.cohort == oracle.cohort


@given(cohorts(max_people=6, max_involvements=8))
def test_fast_engine_agrees_with_the_reference_on_larger_cohorts_without_plans(cohort):
    people, svcs, involvements, params = cohort
    fast = forecast(people, svcs, involvements, params, plans=False)
    oracle = reference.forecast(people, svcs, involvements, params, plans=False)
    assert _edges(fast, False) == _edges(oracle, False)
    assert fast.cohort == oracle.cohort


@given(cohorts(), st.randoms(use_true_random=False))
def test_one_person_at_a_time_and_the_array_entry_point_give_the_same_edges(cohort, rnd):
    people, svcs, involvements, params = cohort
    whole = forecast(people, svcs, involvements, params)
    index = ServiceIndex(svcs)
    one_by_one, recomputed = [], []
    for person in people:
        mine = [i for i in involvements if i.ref == person.ref]
        one_by_one.extend(forecast([person], svcs, mine, params).cliff_edges)
        recomputed.extend(forecast_person(person, index, involvements, params))
    assert sorted(_edges(whole, True)) == sorted(_edges(type(whole)(params, tuple(one_by_one)), True))
    assert sorted(_edges(whole, True)) == sorted(_edges(type(whole)(params, tuple(recomputed)), True))
    # Columns in any order give the same forecast.
    shuffled = involvements[:]
    rnd.shuffle(shuffled)
    assert forecast_arrays(CohortArrays.from_records(people, index, shuffled), index, params) == whole


# ------------------------------------------------------------------------------------------- planner
@st.composite
def edge_cases(draw):
    """One person, 2-6 involvements ending close together, up to 4 flexible with small extension ranges."""
    count = draw(st.integers(2, 6))
    ctx = PersonContext([], [], [], [], [], [], [])
    for k in range(count):
        start = draw(st.integers(-100, 40))
        ends_never = draw(st.booleans()) and k >= 2
        end = 10**9 if ends_never else draw(st.integers(max(start + 1, 0), 80))
        ctx.service_ids.append(f"s{k}")
        ctx.starts.append(start)
        ctx.ends.append(end)
        ctx.weights.append(draw(st.sampled_from([0, 250_000, 500_000, 1_000_000, 2_000_000])))
        ctx.age_reason.append(draw(st.booleans()))
        ctx.past_actual.append(draw(st.booleans()) and end == 0)
        ctx.max_extension.append(draw(st.sampled_from([0, 7, 14, 21, 30])))
    params = Parameters(
        dt.date.fromordinal(SHIFT),
        window_days=draw(st.integers(5, 40)),
        horizon_days=draw(st.integers(20, 120)),
        min_exits=draw(st.integers(1, 3)),
        min_drop=draw(st.sampled_from([0.25, 0.5, 1.0])),
    )
    return _shift(ctx, SHIFT), params


def _shift(ctx: PersonContext, by: int) -> PersonContext:
    return dataclasses.replace(
        ctx,
        starts=[s + by for s in ctx.starts],
        ends=[e if e >= 10**9 else e + by for e in ctx.ends],
    )


def _edges_of(ctx: PersonContext, params: Parameters):
    """The edges of one person context, through the fast engine's public API."""
    svcs = [
        Service(sid, "child", None, None, None, w / 1_000_000, ext, frozenset(), "A")
        for sid, w, ext in zip(ctx.service_ids, ctx.weights, ctx.max_extension, strict=True)
    ]
    invs = [
        Involvement("P", sid, dt.date.fromordinal(s), None if e >= 10**9 else dt.date.fromordinal(e))
        for sid, s, e in zip(ctx.service_ids, ctx.starts, ctx.ends, strict=True)
    ]
    return forecast([Person("P", "2000-01")], svcs, invs, params, plans=False).cliff_edges


def _brute_force(ctx, flex, start, end, params):
    """The smallest (edge left, largest drop, extension days, extensions) over every plan."""
    options = [range(0, ctx.max_extension[i] // GRID_DAYS * GRID_DAYS + 1, GRID_DAYS) for i in flex]
    best = None
    for combo in itertools.product(*options):
        ends = list(ctx.ends)
        for i, ext in zip(flex, combo, strict=True):
            ends[i] += ext
        edge, drop = evaluate_plan(ctx, ends, start, end, params, flex)
        key = (edge, drop, sum(combo), combo)
        if best is None or key < best:
            best = key
    return best


def _extensions(plan, ctx, flex):
    by_service = {ctx.service_ids[i]: i for i in flex}
    moved = {by_service[c.service_id]: (c.to_date - c.from_date).days for c in plan.changes}
    return tuple(moved.get(i, 0) for i in flex)


@settings(max_examples=200)
@given(edge_cases())
def test_exact_planner_matches_brute_force_and_keeps_its_promises(case):
    ctx, params = case
    for edge in _edges_of(ctx, params):
        start, end = edge.start.toordinal(), edge.end.toordinal()
        flex = flexible_exits(ctx, start, end, params)
        assert len(flex) <= EXACT_LIMIT
        plan = plan_exits(ctx, start, end, params)
        assert plan.exact
        still, drop, total, combo = _brute_force(ctx, flex, start, end, params)
        assert (not plan.resolved, plan.extension_days, _extensions(plan, ctx, flex)) == (still, total, combo)
        # Never earlier, within max_extension_days, on the weekly grid, only flexible exits move.
        moved = {}
        for change in plan.changes:
            (row,) = [i for i in flex if ctx.service_ids[i] == change.service_id]
            ext = (change.to_date - change.from_date).days
            assert change.from_date.toordinal() == ctx.ends[row]
            assert 0 < ext <= ctx.max_extension[row] and ext % GRID_DAYS == 0
            moved[row] = ctx.ends[row] + ext
        assert sum(moved[r] - ctx.ends[r] for r in moved) == plan.extension_days
        ends = [moved.get(i, e) for i, e in enumerate(ctx.ends)]
        assert evaluate_plan(ctx, ends, start, end, params, flex) == (still, drop)
        # "Resolved" means a fresh forecast, its horizon stretched to the latest new end, finds no
        # edge anywhere over the plan's span.
        reach = max([moved[r] + 1 for r in moved], default=start + 1)
        span_end = max(end, reach)
        horizon = max(params.horizon_days, reach - params.as_of.toordinal())
        rerun = _edges_of(dataclasses.replace(ctx, ends=ends), dataclasses.replace(params, horizon_days=horizon))
        overlapping = [e for e in rerun if e.start.toordinal() < span_end and e.end.toordinal() > start]
        assert plan.resolved == (not overlapping)
        if plan.resolved:
            assert plan.bridging_needed == 0
        else:
            expected = (1 - params.min_drop) * edge.support_before - edge.support_after
            assert plan.bridging_needed == pytest.approx(max(0.0, expected), abs=1e-6)


def test_moving_an_exit_past_the_horizon_does_not_hide_it():
    # Two exits at day 10 in a 20-day horizon; the only allowed move (7 days) lands past the horizon
    # but still inside the window: the edge is still there.
    ctx = PersonContext(["a", "b"], [1, 1], [11, 11], [1_000_000] * 2, [False] * 2, [False] * 2, [7, 0])
    params = Parameters(dt.date.fromordinal(1), window_days=30, horizon_days=15, min_exits=2)
    plan = plan_exits(ctx, 11, 41, params)
    assert not plan.resolved and plan.changes == ()
    assert plan.bridging_needed == 1.0


def test_heuristic_above_eight_flexible_exits_still_respects_the_rules():
    count = 10
    ctx = PersonContext(
        [f"s{k}" for k in range(count)],
        [1] * count,
        [20 + k for k in range(count)],
        [1_000_000 + 100_000 * k for k in range(count)],
        [False] * count,
        [False] * count,
        [28] * count,
    )
    params = Parameters(dt.date.fromordinal(1), window_days=10, horizon_days=60, min_exits=2)
    plan = plan_exits(ctx, 20, 39, params)
    assert not plan.exact
    for change in plan.changes:
        ext = (change.to_date - change.from_date).days
        assert 0 < ext <= 28 and ext % 7 == 0
    assert plan.extension_days == sum((c.to_date - c.from_date).days for c in plan.changes)


@st.composite
def crowded_edges(draw):
    """One person whose exits crowd together around one day: fixed and flexible ones, handovers
    starting inside the windows, open-ended rows, ends past the horizon; several windows interact."""
    count = draw(st.integers(3, 9))
    cluster = draw(st.integers(0, 30))
    ctx = PersonContext([], [], [], [], [], [], [])
    for k in range(count):
        start = draw(st.one_of(st.just(-100), st.just(-100), st.integers(0, 60)))
        kind = draw(st.integers(0, 9))
        if kind == 0:
            end = 10**9
        elif kind < 7:
            end = max(start + 1, cluster + draw(st.integers(0, 20)))
        else:
            end = draw(st.integers(max(start + 1, 0), 130))
        ctx.service_ids.append(f"s{k}")
        ctx.starts.append(start)
        ctx.ends.append(end)
        ctx.weights.append(draw(st.sampled_from([0, 500_000, 1_000_000, 1_000_000, 1_500_000, 2_000_000])))
        ctx.age_reason.append(False)
        ctx.past_actual.append(False)
        ctx.max_extension.append(draw(st.sampled_from([0, 7, 14, 21, 28])))
    params = Parameters(
        dt.date.fromordinal(SHIFT),
        window_days=draw(st.integers(10, 45)),
        horizon_days=draw(st.integers(40, 100)),
        min_exits=draw(st.integers(1, 3)),
        min_drop=draw(st.sampled_from([0.25, 1 / 3, 0.5, 0.75])),
    )
    return _shift(ctx, SHIFT), params


def _compare_with_brute_force(ctx, params, flexible=range(0, EXACT_LIMIT + 1), max_combos=3000) -> int:
    """Each edge of ``ctx`` whose flexible exits number within ``flexible`` (and whose plans brute
    force can afford): the exact search's plan is brute force's, tie-break included. How many."""
    compared = 0
    for edge in _edges_of(ctx, params):
        start, end = edge.start.toordinal(), edge.end.toordinal()
        flex = flexible_exits(ctx, start, end, params)
        combos = 1
        for i in flex:
            combos *= ctx.max_extension[i] // GRID_DAYS + 1
        if len(flex) not in flexible or combos > max_combos:
            continue  # brute force too slow for a unit test
        plan = plan_exits(ctx, start, end, params)
        still, _drop, total, combo = _brute_force(ctx, flex, start, end, params)
        assert plan.exact
        assert (not plan.resolved, plan.extension_days, _extensions(plan, ctx, flex)) == (still, total, combo)
        compared += 1
    return compared


@settings(max_examples=300, deadline=None)
@given(crowded_edges())
def test_the_exact_search_finds_the_brute_force_plan_in_crowded_cases(case):
    _compare_with_brute_force(*case)


def test_the_exact_search_on_many_random_crowded_edges():
    # A fixed sample of harder cases than Hypothesis tends to draw: 4 to 6 flexible exits of up to
    # five options each, all ending within a few weeks, with handovers and fixed exits around them.
    rnd = random.Random(20261124)
    compared = 0
    while compared < 40:
        count = rnd.randint(5, 9)
        starts = [rnd.choice([-50, -50, -50, rnd.randint(0, 80)]) for _ in range(count)]
        ends = [max(s + 1, rnd.choice([0, 0, 7, 10, 30, 45, rnd.randint(0, 120)])) for s in starts]
        ctx = PersonContext(
            [f"s{k}" for k in range(count)],
            [s + SHIFT for s in starts],
            [e + SHIFT for e in ends],
            [rnd.choice([500_000, 1_000_000, 1_500_000, 2_000_000]) for _ in range(count)],
            [False] * count,
            [False] * count,
            [rnd.choice([0, 14, 21, 28]) for _ in range(count)],
        )
        params = Parameters(
            dt.date.fromordinal(SHIFT), window_days=rnd.choice([20, 30, 45]), horizon_days=90, min_exits=2,
            min_drop=rnd.choice([0.25, 0.5]),
        )  # fmt: skip
        compared += _compare_with_brute_force(ctx, params, range(4, 7), max_combos=5**6)


# ------------------------------------------------------------------------------ the compiled planner
def _crowded_context(count: int, extension: int = 28) -> PersonContext:
    """``count`` exits of different weights on nearly the same day, each movable by ``extension``."""
    return PersonContext(
        [f"s{k}" for k in range(count)],
        [1] * count,
        [20 + k % 3 for k in range(count)],
        [1_000_000 + 100_000 * k for k in range(count)],
        [False] * count,
        [False] * count,
        [extension] * count,
    )


def test_a_span_with_nothing_to_move_is_judged_as_it_is():
    # plan_exits on a span that is not a detected edge: nothing qualifies there, so it is resolved.
    ctx = PersonContext(["a"], [900], [1020], [1_000_000], [False], [False], [0])
    params = Parameters(dt.date.fromordinal(1000), window_days=30, horizon_days=90, min_exits=1, min_drop=0.5)
    plan = plan_exits(ctx, 1050, 1080, params)
    assert plan == Plan(True, (), 0, 0.0, True)
    assert _brute_force(ctx, [], 1050, 1080, params)[:3] == (False, 0, 0)
    # The same row ending inside the span: an edge no plan can move.
    plan = plan_exits(ctx, 1020, 1050, params)
    assert not plan.resolved and plan.changes == () and plan.bridging_needed == 0.5


def test_a_search_stopped_by_its_node_budget_keeps_a_valid_plan_and_says_it_is_not_exact():
    from joinedup.domain import exit_planner

    ctx = _crowded_context(6)
    params = Parameters(dt.date.fromordinal(1), window_days=10, horizon_days=60, min_exits=2)
    (edge,) = _edges_of(ctx, params)
    start, end = edge.start.toordinal(), edge.end.toordinal()
    flex = flexible_exits(ctx, start, end, params)
    args = (
        np.array([0, len(ctx.starts)]), np.array(ctx.starts), np.array(ctx.ends), np.array(ctx.weights),
        np.ones(len(ctx.starts), dtype=bool), np.array(ctx.max_extension), np.arange(len(ctx.starts)),
        np.zeros(1, dtype=np.int64), np.array([start]), np.array([end]),
        np.array([1, 1 + params.horizon_days, params.window_days, params.min_exits]), params.min_drop,
    )  # fmt: skip
    full = exit_planner._plan_edges(*args, exit_planner.NODE_BUDGET, exit_planner.HEURISTIC_BUDGET, EXACT_LIMIT)
    stopped = exit_planner._plan_edges(*args, 3, 3, EXACT_LIMIT)
    assert full[3][0] and not stopped[3][0]  # exact, then not
    assert full[8][0] > 3 >= stopped[8][0] - 1  # nodes visited
    # The stopped search's plan is still a plan: on the grid, within the limits, scored truthfully.
    still, worst, total, _exact, count, offsets, rows, exts, _nodes = stopped
    ends = list(ctx.ends)
    for row, ext in zip(rows[: count[0]].tolist(), exts[: count[0]].tolist(), strict=True):
        assert 0 <= ext <= ctx.max_extension[row] and ext % GRID_DAYS == 0
        ends[row] += ext
    assert evaluate_plan(ctx, ends, start, end, params, flex) == (bool(still[0]), int(worst[0]))
    assert total[0] == sum(ends) - sum(ctx.ends)
    # ... and never worse than changing nothing, nor better than the finished search.
    assert (bool(full[0][0]), int(full[1][0]), int(full[2][0])) <= (bool(still[0]), int(worst[0]), int(total[0]))
    assert (bool(still[0]), int(worst[0])) <= evaluate_plan(ctx, ctx.ends, start, end, params, flex)


def test_the_planner_is_compiled_for_one_signature_only():
    # A second signature would mean compiling again (about half a minute) in a running process.
    from joinedup.domain import exit_planner

    exit_planner.warm()
    ctx = _crowded_context(4)
    params = Parameters(dt.date.fromordinal(1), window_days=10, horizon_days=60, min_exits=2)
    plan_exits(ctx, 20, 40, params)
    cohort = _crowded_context(10, extension=14)
    forecast_person(
        Person("P", "2000-01"),
        [Service(sid, "child", None, None, None, w / 1_000_000, 14, frozenset(), "A")
         for sid, w in zip(cohort.service_ids, cohort.weights, strict=True)],
        [Involvement("P", sid, dt.date.fromordinal(800_000 + s), dt.date.fromordinal(800_000 + e))
         for sid, s, e in zip(cohort.service_ids, cohort.starts, cohort.ends, strict=True)],
        Parameters(dt.date.fromordinal(800_001), window_days=10, horizon_days=60),
    )  # fmt: skip
    assert len(exit_planner._plan_edges.signatures) == 1
    assert len(exit_planner._plan_edges_parallel.signatures) == 1


def test_planning_on_every_core_gives_what_planning_on_one_does():
    from benchmarks.engine import cohort_arrays, make_cohort
    from joinedup.domain import cliff_edge, exit_planner

    cohort = make_cohort(1500, seed=5)
    index = ServiceIndex(cohort.services)
    params = Parameters(AS_OF)
    r = cliff_edge._resolve(cohort_arrays(cohort, index), index, params.as_of)
    found = cliff_edge._detect(r, index, params)
    assert len(found.person) > 150
    args = exit_planner._as_columns(
        r.first, r.start, r.end, r.weight, ~r.past_actual, np.asarray(index.max_extension)[r.service],
        index.rank[r.service], found.person, found.start, found.end,
        [AS_OF.toordinal(), AS_OF.toordinal() + params.horizon_days, params.window_days, params.min_exits],
    )  # fmt: skip
    args[4] = args[4].astype(bool)
    limits = (params.min_drop, exit_planner.NODE_BUDGET, exit_planner.HEURISTIC_BUDGET, EXACT_LIMIT)
    one = exit_planner._plan_edges(*args, *limits)
    every = exit_planner._plan_edges_parallel(*args, *limits)
    for a, b in zip(one, every, strict=True):
        assert np.array_equal(a, b)
    assert one[2].sum() > 0  # some plans extend something


def test_the_exact_search_on_random_edges_with_five_to_eight_flexible_exits():
    # Larger searches than the cases above: more exits, fewer options each (brute force stays cheap),
    # every parameter varied, weightless rows and handovers included.
    rnd = random.Random(20261125)
    compared = 0
    while compared < 60:
        count = rnd.randint(6, 11)
        starts = [rnd.choice([-50, -50, -50, rnd.randint(0, 80)]) for _ in range(count)]
        ends = [max(s + 1, rnd.choice([0, 0, 3, 7, 10, 14, 30, rnd.randint(0, 100)])) for s in starts]
        ctx = PersonContext(
            [f"s{k}" for k in range(count)],
            [s + SHIFT for s in starts],
            [e + SHIFT for e in ends],
            [rnd.choice([0, 500_000, 1_000_000, 1_500_000, 2_000_000]) for _ in range(count)],
            [False] * count,
            [False] * count,
            [rnd.choice([0, 7, 14, 14, 21]) for _ in range(count)],
        )
        params = Parameters(
            dt.date.fromordinal(SHIFT), window_days=rnd.choice([10, 20, 30]), horizon_days=rnd.choice([60, 90]),
            min_exits=rnd.choice([1, 2, 2, 3]), min_drop=rnd.choice([0.25, 1 / 3, 0.5, 0.75]),
        )  # fmt: skip
        compared += _compare_with_brute_force(ctx, params, range(5, 9), max_combos=20_000)
