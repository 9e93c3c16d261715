"""The database side of the cliff-edge forecast: read the cohort, run the pure engine, store edges.

``joinedup.domain.cliff_edge`` knows nothing of Django. This module turns rows into the
engine's inputs and its cliff edges into ``StoredEdge`` rows, which the dashboard reads.
- ``person_refresh(person)`` runs inside the write that changed an involvement, so the stored
  forecast is never behind what a practitioner just recorded.
- ``people_refresh(persons)`` does the same for many people with one engine run (bulk imports).
- ``cohort_refresh(as_of=...)`` recomputes everyone (the nightly and on-demand task).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from joinedup.directory.models import Agency, Service
from joinedup.domain import cliff_edge as engine

from .models import ForecastRun, Involvement, StoredEdge, StoredExit, YoungPerson


def parameters(as_of: dt.date | None = None) -> engine.Parameters:
    """The forecast's parameters: from settings, with DESIGN §6's defaults."""
    return engine.Parameters(
        as_of=as_of or timezone.localdate(),
        window_days=settings.JOINEDUP_FORECAST_WINDOW_DAYS,
        horizon_days=settings.JOINEDUP_FORECAST_HORIZON_DAYS,
        min_exits=settings.JOINEDUP_FORECAST_MIN_EXITS,
        min_drop=settings.JOINEDUP_FORECAST_MIN_DROP,
    )


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


_index_cache: dict[str, object] = {"key": None, "value": None}


def _directory_version() -> tuple:
    """Changes whenever a service or an agency is added or changed (a needs change saves the service)."""
    services = Service.objects.aggregate(n=Count("pk"), top=Max("pk"), changed=Max("updated_at"))
    agencies = Agency.objects.aggregate(n=Count("pk"), changed=Max("updated_at"))
    return (services["n"], services["top"], services["changed"], agencies["n"], agencies["changed"])


def engine_services() -> tuple[engine.ServiceIndex, dict[str, Service]]:
    """Every service in the directory (active or not: past involvements still refer to them), as
    the engine's prepared index, and the rows by service id.

    The index is built once per directory version and kept for the process, so recomputing one
    young person after an edit does no per-service set-up (the issue's 5 ms budget)."""
    key = _directory_version()
    if _index_cache["key"] == key:
        return _index_cache["value"]  # type: ignore[return-value]
    rows = list(Service.objects.select_related("agency").prefetch_related("needs"))
    services = [
        engine.Service(
            service_id=s.code,
            audience=s.audience,
            min_age=s.min_age,
            max_age=s.max_age,
            ends_at_age=s.ends_at_age,
            weight=_float(s.default_weight),
            max_extension_days=s.max_extension_days,
            needs=frozenset(need.slug for need in s.needs.all()),
            agency=s.agency.code,
        )
        for s in rows
    ]
    value = (engine.ServiceIndex(services), {s.code: s for s in rows})
    _index_cache.update(key=key, value=value)
    return value


def engine_people(people: Iterable[YoungPerson]) -> list[engine.Person]:
    return [
        engine.Person(ref=p.ref, birth_month=p.birth_month, needs=frozenset(n.slug for n in p.needs.all()))
        for p in people
    ]


def engine_involvements(rows: Iterable[tuple]) -> list[engine.Involvement]:
    """From (ref, service code, start, planned_end, actual_end, weight) tuples."""
    return [
        engine.Involvement(
            ref=ref, service_id=code, start=start, planned_end=planned, actual_end=actual, weight=_float(w)
        )
        for ref, code, start, planned, actual, w in rows
    ]


_INVOLVEMENT_COLUMNS = ("young_person__ref", "service__code", "start", "planned_end", "actual_end", "weight")


def _edge_detail(edge: engine.CliffEdge, services: dict[str, Service]) -> dict:
    """The edge's JSON (docs/formats.md), without suggestions of services no longer offered."""
    detail = engine.forecast_to_json(
        engine.Forecast(parameters=engine.Parameters(as_of=edge.start), cliff_edges=(edge,))
    )["cliff_edges"][0]
    detail["suggestions"] = [
        s
        for s in detail["suggestions"]
        if services[s["service_id"]].is_active and services[s["service_id"]].agency.is_active
    ]
    detail["plan_exact"] = None if edge.plan is None else edge.plan.exact
    return detail


def _store(edges: Iterable[engine.CliffEdge], people: dict[str, int], services: dict[str, Service], as_of) -> int:
    stored, exits = [], []
    for edge in edges:
        plan = edge.plan
        row = StoredEdge(
            young_person_id=people[edge.ref],
            as_of=as_of,
            start=edge.start,
            end=edge.end,
            support_before=Decimal(str(edge.support_before)),
            support_after=Decimal(str(edge.support_after)),
            age_driven=edge.age_driven,
            bridged=edge.bridged,
            resolved_by_plan=None if plan is None else plan.resolved,
            extension_days=0 if plan is None else plan.extension_days,
            bridging_needed=Decimal(str(plan.bridging_needed)) if plan is not None else Decimal(0),
            detail=_edge_detail(edge, services),
        )
        stored.append(row)
        exits.append(edge.exits)
    StoredEdge.objects.bulk_create(stored, batch_size=2000)
    exit_rows = []
    for row, edge_exits in zip(stored, exits, strict=True):
        for item in edge_exits:
            service = services[item.service_id]
            exit_rows.append(
                StoredExit(edge=row, service=service, agency_id=service.agency_id, date=item.date, reason=item.reason)
            )
    StoredExit.objects.bulk_create(exit_rows, batch_size=5000)
    return len(stored)


def person_forecast(person: YoungPerson, *, as_of: dt.date | None = None) -> engine.Forecast:
    """One young person's forecast, computed now (not stored)."""
    params = parameters(as_of)
    services, _ = engine_services()
    rows = Involvement.objects.filter(young_person=person).values_list(*_INVOLVEMENT_COLUMNS)
    [one] = engine_people([person])
    return engine.Forecast(params, engine.forecast_person(one, services, engine_involvements(rows), params))


_refresh_deferred: ContextVar[bool] = ContextVar("joinedup_forecast_refresh_deferred", default=False)


@contextmanager
def refresh_deferred() -> Iterator[None]:
    """Inside the block ``person_refresh`` does nothing: for loads that write many involvements
    and then run ``cohort_refresh`` once (the demo). The caller must run it."""
    token = _refresh_deferred.set(True)
    try:
        yield
    finally:
        _refresh_deferred.reset(token)


def person_refresh(person: YoungPerson, *, as_of: dt.date | None = None) -> int:
    """Recompute and store one young person's cliff edges (inside the caller's transaction)."""
    if _refresh_deferred.get():
        return 0
    params = parameters(as_of)
    services, by_code = engine_services()
    rows = Involvement.objects.filter(young_person=person).values_list(*_INVOLVEMENT_COLUMNS)
    [one] = engine_people([person])
    edges = engine.forecast_person(one, services, engine_involvements(rows), params)
    with transaction.atomic():
        StoredEdge.objects.filter(young_person=person).delete()
        return _store(edges, {person.ref: person.pk}, by_code, params.as_of)


_CHUNK = 1000  # ids per IN (...) query: well under every database's parameter limit


def people_refresh(persons: Iterable[YoungPerson | int], *, as_of: dt.date | None = None) -> int:
    """Recompute and store the cliff edges of many young people with one engine run (inside the
    caller's transaction): what a bulk import calls, instead of ``person_refresh`` per person.
    Takes young people or their primary keys; returns the number of edges stored."""
    ids = sorted({p if isinstance(p, int) else p.pk for p in persons})
    if not ids:
        return 0
    params = parameters(as_of)
    services, by_code = engine_services()
    needs: dict[int, set[str]] = {}
    refs: dict[str, int] = {}
    people: list[engine.Person] = []
    rows: list[tuple] = []
    through = YoungPerson.needs.through
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for person_id, slug in through.objects.filter(youngperson_id__in=chunk).values_list(
            "youngperson_id", "need__slug"
        ):
            needs.setdefault(person_id, set()).add(slug)
        for pk, ref, birth_month in YoungPerson.objects.filter(pk__in=chunk).values_list("pk", "ref", "birth_month"):
            refs[ref] = pk
            people.append(engine.Person(ref=ref, birth_month=birth_month, needs=frozenset(needs.get(pk, ()))))
        rows.extend(Involvement.objects.filter(young_person_id__in=chunk).values_list(*_INVOLVEMENT_COLUMNS))
    result = engine.forecast(people, services, engine_involvements(rows), params)
    with transaction.atomic():
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            StoredExit.objects.filter(edge__young_person_id__in=chunk).delete()
            StoredEdge.objects.filter(young_person_id__in=chunk).delete()
        return _store(result.cliff_edges, refs, by_code, params.as_of)


def cohort_inputs(as_of: dt.date | None = None):
    """Everything the engine needs for the whole cohort: (people, services, involvements, params, ids)."""
    params = parameters(as_of)
    services, by_code = engine_services()
    needs: dict[int, set[str]] = {}
    for person_id, slug in YoungPerson.needs.through.objects.values_list("youngperson_id", "need__slug"):
        needs.setdefault(person_id, set()).add(slug)
    ids: dict[str, int] = {}
    people = []
    for pk, ref, birth_month in YoungPerson.objects.values_list("pk", "ref", "birth_month").iterator(chunk_size=5000):
        ids[ref] = pk
        people.append(engine.Person(ref=ref, birth_month=birth_month, needs=frozenset(needs.get(pk, ()))))
    involvements = engine_involvements(
        Involvement.objects.values_list(*_INVOLVEMENT_COLUMNS).iterator(chunk_size=20000)
    )
    return people, services, involvements, params, ids, by_code


def cohort_forecast(as_of: dt.date | None = None, *, params: engine.Parameters | None = None) -> engine.Forecast:
    """The whole cohort's forecast from the database (``joinedup forecast`` without files).

    ``params`` (with its own ``as_of``) replaces the partnership's settings, for the command's options."""
    people, services, involvements, settings_params, _, _ = cohort_inputs(as_of)
    return engine.forecast(people, services, involvements, params or settings_params)


def cohort_refresh(*, as_of: dt.date | None = None, requested_by=None) -> ForecastRun:
    """Recompute every young person's stored edges in one transaction, and record the run."""
    people, services, involvements, params, ids, by_code = cohort_inputs(as_of)
    run = ForecastRun.objects.create(
        as_of=params.as_of,
        parameters={
            "window_days": params.window_days,
            "horizon_days": params.horizon_days,
            "min_exits": params.min_exits,
            "min_drop": params.min_drop,
        },
        requested_by=requested_by,
    )
    started = time.perf_counter()
    result = engine.forecast(people, services, involvements, params)
    seconds = time.perf_counter() - started
    with transaction.atomic():
        StoredExit.objects.all().delete()
        StoredEdge.objects.all().delete()
        count = _store(result.cliff_edges, ids, by_code, params.as_of)
        run.finished_at = timezone.now()
        run.people = len(people)
        run.edges = count
        run.engine_seconds = seconds
        run.save(update_fields=["finished_at", "people", "edges", "engine_seconds"])
    return run
