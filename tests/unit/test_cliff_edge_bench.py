"""The engine benchmark's synthetic cohort (benchmarks/engine.py), small: the engine's answer on it
is the reference's. A correctness check of what `make bench` times, not a timing."""

from __future__ import annotations

from benchmarks.engine import AS_OF, cohort_arrays, make_cohort
from joinedup.domain import cliff_edge_reference as reference
from joinedup.domain.cliff_edge import GRID_DAYS, Parameters, ServiceIndex, forecast, forecast_arrays


def _edge(e, with_plan):
    plan = (e.plan.resolved, e.plan.changes, e.plan.extension_days, e.plan.bridging_needed) if with_plan else None
    return (e.ref, e.start, e.end, e.exits, e.support_before, e.support_after, e.age_driven, e.bridged,
            tuple(s.service_id for s in e.suggestions), plan)  # fmt: skip


def test_the_benchmark_cohort_gives_the_reference_answer():
    cohort = make_cohort(400)
    assert len(cohort.person) > 3000  # about ten involvements each
    services = ServiceIndex(cohort.services)
    params = Parameters(AS_OF)
    people, involvements = cohort.people(), cohort.involvements()
    fast = forecast_arrays(cohort_arrays(cohort, services), services, params)
    assert fast == forecast(people, cohort.services, involvements, params)
    assert len(fast.cliff_edges) >= 40

    oracle = reference.forecast(people, cohort.services, involvements, params, plans=False)
    assert [_edge(e, False) for e in fast.cliff_edges] == [_edge(e, False) for e in oracle.cliff_edges]
    assert fast.cohort == oracle.cohort

    # Plans against the reference's brute force, for the young people whose plans it can afford.
    by_id = {s.service_id: s for s in cohort.services}
    horizon_end = AS_OF.toordinal() + params.horizon_days
    compared = moved = 0
    for person in people:
        mine = [i for i in involvements if i.ref == person.ref]
        combos = 1
        for inv in mine:
            end = inv.actual_end or inv.planned_end
            if end is None or AS_OF.toordinal() <= end.toordinal() < horizon_end:
                combos *= by_id[inv.service_id].max_extension_days // GRID_DAYS + 1
        edges = [e for e in fast.cliff_edges if e.ref == person.ref]
        if not edges or combos > 400:
            continue
        expected = reference.forecast_person(person, cohort.services, involvements, params)
        assert [_edge(e, True) for e in edges] == [_edge(e, True) for e in expected]
        compared += len(edges)
        moved += sum(1 for e in edges if e.plan.changes)
    assert compared >= 20 and moved >= 3  # plans that move exits are among those checked
