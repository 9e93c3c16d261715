"""The transitions engine (DESIGN section 6): cliff edges, bridging suggestions, exit plans, cohort view.

Pure Python + numpy, no Django. The detection of cliff edges is vectorised over the whole cohort;
the per-edge work (exits, suggestions, the exit planner) is per person. The plain per-person oracle
lives in :mod:`joinedup.domain.cliff_edge_reference`; interpretations are in ADR 0005.

Conventions: dates are whole days; an involvement is active on ``start <= t < end``; ends are
exclusive. Weights are resolved to whole millionths (``WEIGHT_SCALE``) so that sums are exact and
the fast and reference engines compare the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

import numpy as np

WEIGHT_SCALE = 1_000_000
ADULT_AUDIENCES = frozenset({"adult", "all_age", "all-age"})
AGE_LIMIT = "age_limit"
PLANNED = "planned"
GRID_DAYS = 7
EXACT_LIMIT = 8
NEVER = 10**9  # an ordinal beyond every real date: "open-ended"
_DAY_BITS = 23  # 2**23 > date.max.toordinal()
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_NODE_BUDGET = 5_000
_ORIGIN = 1_000_000  # the day every edge is moved to while planning


# --------------------------------------------------------------------------------------------- inputs
@dataclass(frozen=True, slots=True)
class Service:
    service_id: str
    audience: str = "child"
    min_age: int | None = None
    max_age: int | None = None
    ends_at_age: int | None = None
    weight: float | None = None
    max_extension_days: int = 0
    needs: frozenset[str] = frozenset()
    agency: str = ""


@dataclass(frozen=True, slots=True)
class Person:
    ref: str
    birth_month: str  # "YYYY-MM"
    needs: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Involvement:
    ref: str
    service_id: str
    start: dt.date
    planned_end: dt.date | None = None
    actual_end: dt.date | None = None
    weight: float | None = None


@dataclass(frozen=True, slots=True)
class Parameters:
    as_of: dt.date
    window_days: int = 90
    horizon_days: int = 365
    min_exits: int = 2
    min_drop: float = 0.5

    def __post_init__(self) -> None:
        if self.window_days < 1 or self.horizon_days < 1:
            raise ValueError("window_days and horizon_days must be at least 1")
        if self.min_exits < 0 or not 0 <= self.min_drop <= 1:
            raise ValueError("min_exits must be 0 or more and min_drop between 0 and 1")


# -------------------------------------------------------------------------------------------- outputs
@dataclass(frozen=True, slots=True)
class Exit:
    service_id: str
    date: dt.date  # the effective end (exclusive: the first day without the service)
    reason: str  # "age_limit" or "planned"


@dataclass(frozen=True, slots=True)
class Suggestion:
    service_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Change:
    service_id: str
    from_date: dt.date
    to_date: dt.date


@dataclass(frozen=True, slots=True)
class Plan:
    resolved: bool
    changes: tuple[Change, ...]
    extension_days: int
    bridging_needed: float
    exact: bool = True


@dataclass(frozen=True, slots=True)
class CliffEdge:
    ref: str
    start: dt.date
    end: dt.date  # exclusive
    exits: tuple[Exit, ...]
    support_before: float
    support_after: float
    age_driven: bool
    bridged: bool
    suggestions: tuple[Suggestion, ...]
    plan: Plan | None


@dataclass(frozen=True, slots=True)
class MonthRow:
    month: str
    edges: int
    age_driven: int
    unbridged: int


@dataclass(frozen=True, slots=True)
class AgencyMonthRow:
    agency: str
    month: str
    exits: int


@dataclass(frozen=True, slots=True)
class Cohort:
    by_month: tuple[MonthRow, ...]
    by_agency: tuple[AgencyMonthRow, ...]


@dataclass(frozen=True, slots=True)
class Forecast:
    parameters: Parameters
    cliff_edges: tuple[CliffEdge, ...]
    cohort: Cohort = field(default_factory=lambda: Cohort((), ()))


# -------------------------------------------------------------------------------------------- helpers
def parse_birth_month(birth_month: str) -> tuple[int, int]:
    try:
        year_text, month_text = birth_month.split("-")
        year, month = int(year_text), int(month_text)
    except (ValueError, AttributeError):
        raise ValueError(f"Birth month must look like YYYY-MM, not {birth_month!r}")
    if not 1 <= month <= 12 or not 1 <= year <= 9000:
        raise ValueError(f"Birth month must look like YYYY-MM, not {birth_month!r}")
    return year, month


def age_date(birth_month: str, age: int) -> dt.date:
    """The day a person born in ``birth_month`` is taken to reach ``age``: the 1st of that month."""
    year, month = parse_birth_month(birth_month)
    return dt.date(year + age, month, 1)


def age_on(birth_month: str, day: dt.date) -> int:
    """Age in whole years on ``day``, counting the birthday as the 1st of the birth month."""
    year, month = parse_birth_month(birth_month)
    return day.year - year - (1 if day.month < month else 0)


def weight_units(weight: float | None, default: float | None) -> int:
    """The involvement's weight, else the service's, else 1; in millionths."""
    value = weight if weight is not None else default if default is not None else 1
    return round(float(value) * WEIGHT_SCALE)


def units_to_weight(units: float) -> float:
    return round(units / WEIGHT_SCALE, 6)


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def is_adult_service(service: Service) -> bool:
    return service.audience in ADULT_AUDIENCES


def suggest_bridges(
    person: Person, services: Iterable[Service], used: set[str] | frozenset[str], on: dt.date
) -> tuple[Suggestion, ...]:
    """Adult or all-age services the person is not using, covering their age on ``on``, sharing needs."""
    age = age_on(person.birth_month, on)
    ranked = []
    for service in services:
        if not is_adult_service(service) or service.service_id in used:
            continue
        if (service.min_age is not None and age < service.min_age) or (
            service.max_age is not None and age > service.max_age
        ):
            continue
        shared = person.needs & service.needs
        if not shared:
            continue
        ranked.append((-len(shared), service.service_id, service, shared))
    ranked.sort(key=lambda row: (row[0], row[1]))
    return tuple(
        Suggestion(service.service_id, _suggestion_reason(service, shared, age)) for _, _, service, shared in ranked
    )


def _suggestion_reason(service: Service, shared: frozenset[str], age: int) -> str:
    low = "any age" if service.min_age is None else str(service.min_age)
    if service.min_age is None and service.max_age is None:
        ages = "all ages"
    elif service.max_age is None:
        ages = f"ages {low} and over"
    elif service.min_age is None:
        ages = f"ages up to {service.max_age}"
    else:
        ages = f"ages {service.min_age} to {service.max_age}"
    needs = ", ".join(sorted(shared))
    noun = "need" if len(shared) == 1 else "needs"
    return f"Shares {noun} {needs}; serves {ages} (they will be {age})"


def bridging_needed(before_units: int, after_units: int, min_drop: float) -> float:
    """The weight a bridge from the edge's start must exceed for the edge span to stop qualifying."""
    return max(0.0, units_to_weight((1 - min_drop) * before_units - after_units))


# ------------------------------------------------------------------------------------- resolved cohort
@dataclass(slots=True)
class _Cohort:
    """Involvements resolved to arrays (one row per involvement, grouped by person)."""

    people: list[Person]
    services: list[Service]
    person: np.ndarray  # int64 person index
    service: np.ndarray  # int64 service index
    start: np.ndarray  # int64 ordinal
    end: np.ndarray  # int64 ordinal, NEVER when open-ended
    weight: np.ndarray  # int64 millionths
    age_reason: np.ndarray  # bool: reason is age_limit
    past_actual: np.ndarray  # bool: actual end set and on or before as_of
    adult: np.ndarray  # bool: the service is adult or all-age


_REF, _SERVICE, _START = attrgetter("ref"), attrgetter("service_id"), attrgetter("start")
_ACTUAL, _PLANNED, _WEIGHT = attrgetter("actual_end"), attrgetter("planned_end"), attrgetter("weight")


def _optional_ordinals(days: Iterable[dt.date | None], n: int) -> np.ndarray:
    return np.fromiter((-1 if d is None else d.toordinal() for d in days), dtype=np.int64, count=n)


def _resolve(
    people: Sequence[Person], services: Sequence[Service], involvements: Sequence[Involvement], as_of: dt.date
) -> _Cohort:
    people = list(people)
    services = list(services)
    person_index = {p.ref: i for i, p in enumerate(people)}
    service_index = {s.service_id: i for i, s in enumerate(services)}
    if len(person_index) != len(people) or len(service_index) != len(services):
        raise ValueError("Young people refs and service ids must be unique")
    n = len(involvements)
    try:
        p_idx = np.fromiter(map(person_index.__getitem__, map(_REF, involvements)), dtype=np.int64, count=n)
    except KeyError as error:
        raise ValueError(f"Involvement for unknown young person {error.args[0]!r}")
    try:
        s_idx = np.fromiter(map(service_index.__getitem__, map(_SERVICE, involvements)), dtype=np.int64, count=n)
    except KeyError as error:
        raise ValueError(f"Involvement with unknown service {error.args[0]!r}")
    start = np.fromiter(map(dt.date.toordinal, map(_START, involvements)), dtype=np.int64, count=n)
    actual = _optional_ordinals(map(_ACTUAL, involvements), n)
    planned = _optional_ordinals(map(_PLANNED, involvements), n)
    own_weight = np.fromiter(
        (np.nan if w is None else w for w in map(_WEIGHT, involvements)), dtype=np.float64, count=n
    )
    # Per person: birth month as a month count; per service: ends_at_age, default weight, audience.
    birth = np.empty(len(people), dtype=np.int64)
    for k, person in enumerate(people):
        year, month = parse_birth_month(person.birth_month)
        birth[k] = year * 12 + month - 1
    ends_at = np.array([-1 if s.ends_at_age is None else s.ends_at_age for s in services], dtype=np.int64)
    default_weight = np.array([1.0 if s.weight is None else float(s.weight) for s in services], dtype=np.float64)
    adult_service = np.array([is_adult_service(s) for s in services], dtype=bool)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return _Cohort(people, services, empty, empty, empty, empty, empty, empty.astype(bool), empty.astype(bool),
                       empty.astype(bool))  # fmt: skip

    svc_ends_at = ends_at[s_idx]
    has_age_limit = svc_ends_at >= 0
    months = birth[p_idx] + 12 * np.where(has_age_limit, svc_ends_at, 0) - 1970 * 12
    limit_date = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + _EPOCH_ORDINAL
    limit_date = np.where(has_age_limit, limit_date, -1)
    end = np.where(actual >= 0, actual, np.where(planned >= 0, planned, np.where(has_age_limit, limit_date, NEVER)))
    age_reason = has_age_limit & (end == limit_date)
    weights = np.where(np.isnan(own_weight), default_weight[s_idx], own_weight)
    weight = np.rint(weights * WEIGHT_SCALE).astype(np.int64)
    past_actual = (actual >= 0) & (actual <= as_of.toordinal())
    if len(p_idx) < 2 or bool(np.all(p_idx[1:] >= p_idx[:-1])):
        order = slice(None)  # already grouped by person, as loaders usually give them
    else:
        order = np.argsort(p_idx, kind="stable")
    return _Cohort(
        people,
        services,
        p_idx[order],
        s_idx[order],
        start[order],
        end[order],
        weight[order],
        age_reason[order],
        past_actual[order],
        adult_service[s_idx][order],
    )


class _StepSums:
    """Per-person step functions from (person, day, delta) events; value at (person, t) in O(log n)."""

    def __init__(self, person: np.ndarray, day: np.ndarray, delta: np.ndarray) -> None:
        keys = (person << _DAY_BITS) + day
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.cum = np.concatenate(([0], np.cumsum(delta[order])))

    def at(self, person: np.ndarray, t: np.ndarray) -> np.ndarray:
        base = person << _DAY_BITS
        hi = np.searchsorted(self.keys, base + t, side="right")
        lo = np.searchsorted(self.keys, base, side="left")
        return self.cum[hi] - self.cum[lo]


def _support_sums(c: _Cohort, rows: np.ndarray | None = None, adult_count: bool = False) -> _StepSums:
    person, start, end = c.person, c.start, c.end
    value = np.ones_like(c.weight) if adult_count else c.weight
    if adult_count:
        keep = c.adult
        person, start, end, value = person[keep], start[keep], end[keep], value[keep]
    live = end > start
    person, start, end, value = person[live], start[live], end[live], value[live]
    finite = end < NEVER
    return _StepSums(
        np.concatenate((person, person[finite])),
        np.concatenate((start, end[finite])),
        np.concatenate((value, -value[finite])),
    )


# ------------------------------------------------------------------------------------------- forecast
def forecast(
    people: Sequence[Person],
    services: Sequence[Service],
    involvements: Sequence[Involvement],
    params: Parameters,
    *,
    plans: bool = True,
) -> Forecast:
    """Every cliff edge in the cohort, with suggestions, exit plans (unless ``plans=False``) and counts."""
    c = _resolve(people, services, involvements, params.as_of)
    as_of = params.as_of.toordinal()
    horizon_end = as_of + params.horizon_days
    W, K, D = params.window_days, params.min_exits, params.min_drop

    # Exits in view, sorted by (person, day).
    in_view = (c.end > c.start) & (c.end >= as_of) & (c.end < horizon_end)
    exit_rows = np.flatnonzero(in_view)
    exit_keys = (c.person[exit_rows] << _DAY_BITS) + c.end[exit_rows]
    order = np.argsort(exit_keys, kind="stable")
    exit_rows, exit_keys = exit_rows[order], exit_keys[order]
    support = _support_sums(c)

    # One window per distinct (person, exit date).
    window_keys = np.unique(exit_keys)
    w_person = window_keys >> _DAY_BITS
    w_day = window_keys - (w_person << _DAY_BITS)
    n = np.searchsorted(exit_keys, window_keys + W, side="left") - np.searchsorted(exit_keys, window_keys, "left")
    before = support.at(w_person, w_day - 1)
    after = support.at(w_person, w_day + W - 1)
    drop = before - after
    qualifies = (n >= K) & (drop > 0) & (drop >= D * before)

    # Union of qualifying windows whose starts are less than W apart, per person.
    q_person, q_day = w_person[qualifies], w_day[qualifies]
    new_edge = np.ones(len(q_day), dtype=bool)
    if len(q_day) > 1:
        new_edge[1:] = (q_person[1:] != q_person[:-1]) | (q_day[1:] - q_day[:-1] >= W)
    first = np.flatnonzero(new_edge)
    last = np.append(first[1:], len(q_day))[: len(first)] - 1
    e_person, e_start, e_end = q_person[first], q_day[first], q_day[last] + W
    e_before = support.at(e_person, e_start - 1)
    e_after = support.at(e_person, e_end - 1)
    e_lo = np.searchsorted(exit_keys, (e_person << _DAY_BITS) + e_start, side="left")
    e_hi = np.searchsorted(exit_keys, (e_person << _DAY_BITS) + e_end, side="left")
    age_prefix = np.concatenate(([0], np.cumsum(c.age_reason[exit_rows])))
    age_driven = (age_prefix[e_hi] - age_prefix[e_lo]) > 0
    bridged = _support_sums(c, adult_count=True).at(e_person, e_end - 1) > 0

    # Per-edge objects.
    person_first = np.searchsorted(c.person, np.arange(len(c.people) + 1), side="left").tolist()
    service_ids = [s.service_id for s in c.services]
    row_service = c.service.tolist()
    row_end = c.end.tolist()
    row_age = c.age_reason.tolist()
    adult_services = [s for s in c.services if is_adult_service(s)]
    suggestion_cache: dict = {}
    plan_cache: dict = {}
    edges: list[CliffEdge] = []
    for p, lo, hi, start, end, before_k, after_k, age_k, bridged_k in zip(
        e_person.tolist(), e_lo.tolist(), e_hi.tolist(), e_start.tolist(), e_end.tolist(), e_before.tolist(),
        e_after.tolist(), age_driven.tolist(), bridged.tolist(), strict=True,
    ):  # fmt: skip
        edge_exits = tuple(
            sorted(
                (
                    Exit(
                        service_ids[row_service[r]],
                        dt.date.fromordinal(row_end[r]),
                        AGE_LIMIT if row_age[r] else PLANNED,
                    )
                    for r in exit_rows[lo:hi].tolist()
                ),
                key=lambda x: (x.date, x.service_id, x.reason),
            )
        )
        person = c.people[p]
        p_rows = range(person_first[p], person_first[p + 1])
        used = frozenset(service_ids[row_service[r]] for r in p_rows)
        start_day = dt.date.fromordinal(start)
        age = age_on(person.birth_month, start_day)
        suggestion_key = (person.needs, age, used)
        suggestions = suggestion_cache.get(suggestion_key)
        if suggestions is None:
            suggestions = suggestion_cache[suggestion_key] = suggest_bridges(person, adult_services, used, start_day)
        plan = None
        if plans:
            plan = plan_exits(_person_context(c, p_rows), start, end, params, plan_cache)
        edges.append(
            CliffEdge(
                ref=person.ref,
                start=start_day,
                end=dt.date.fromordinal(end),
                exits=edge_exits,
                support_before=units_to_weight(before_k),
                support_after=units_to_weight(after_k),
                age_driven=age_k,
                bridged=bridged_k,
                suggestions=suggestions,
                plan=plan,
            )
        )
    edges.sort(key=lambda e: (e.start, e.ref, e.end))

    # Cohort view: every exit in view per agency and month.
    agency_of = np.array([s.agency for s in c.services], dtype=object)
    by_agency: dict[tuple[str, str], int] = defaultdict(int)
    if len(exit_rows):
        ex_month = (c.end[exit_rows] - _EPOCH_ORDINAL).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        ex_service = c.service[exit_rows]
        keys, counts = np.unique(ex_service * (1 << 32) + ex_month, return_counts=True)
        for key, count in zip(keys.tolist(), counts.tolist(), strict=True):
            svc, month = divmod(key, 1 << 32)
            year, mon = divmod(month + 1970 * 12, 12)
            by_agency[(agency_of[svc], f"{year:04d}-{mon + 1:02d}")] += count
    return Forecast(params, tuple(edges), cohort_view(edges, by_agency, params))


def cohort_view(edges: Sequence[CliffEdge], exits_by_agency: dict[tuple[str, str], int], params: Parameters) -> Cohort:
    """Per month ahead: young people with an edge starting, age-driven, unbridged; exits per agency."""
    months = _months_ahead(params)
    people: dict[str, set[str]] = {m: set() for m in months}
    age: dict[str, set[str]] = {m: set() for m in months}
    unbridged: dict[str, set[str]] = {m: set() for m in months}
    for edge in edges:
        m = month_key(edge.start)
        people[m].add(edge.ref)
        if edge.age_driven:
            age[m].add(edge.ref)
        if not edge.bridged:
            unbridged[m].add(edge.ref)
    by_month = tuple(MonthRow(m, len(people[m]), len(age[m]), len(unbridged[m])) for m in months)
    by_agency = tuple(AgencyMonthRow(a, m, n) for (a, m), n in sorted(exits_by_agency.items()) if n)
    return Cohort(by_month, by_agency)


def _months_ahead(params: Parameters) -> list[str]:
    first = params.as_of
    last = first + dt.timedelta(days=params.horizon_days - 1)
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# --------------------------------------------------------------------------------------- exit planner
@dataclass(slots=True)
class PersonContext:
    """One person's resolved involvements, as plain lists (ordinals, millionths)."""

    service_ids: list[str]
    starts: list[int]
    ends: list[int]
    weights: list[int]
    age_reason: list[bool]
    past_actual: list[bool]
    max_extension: list[int]


def _person_context(c: _Cohort, rows: range) -> PersonContext:
    sl = slice(rows.start, rows.stop)
    services = [c.services[int(s)] for s in c.service[sl]]
    return PersonContext(
        [s.service_id for s in services],
        c.start[sl].tolist(),
        c.end[sl].tolist(),
        c.weight[sl].tolist(),
        c.age_reason[sl].tolist(),
        c.past_actual[sl].tolist(),
        [max(0, int(s.max_extension_days or 0)) for s in services],
    )


def flexible_exits(ctx: PersonContext, start: int, end: int, params: Parameters) -> list[int]:
    """Rows of the edge's exits that may move: not fixed, and at least one week of extension allowed."""
    as_of = params.as_of.toordinal()
    horizon_end = as_of + params.horizon_days
    rows = []
    for i, e in enumerate(ctx.ends):
        if not (ctx.starts[i] < e and as_of <= e < horizon_end and start <= e < end):
            continue
        if ctx.past_actual[i] or ctx.max_extension[i] < GRID_DAYS:
            continue  # fixed (age-limited with no extension allowed falls here too)
        rows.append(i)
    rows.sort(key=lambda i: (ctx.ends[i], ctx.service_ids[i], i))
    return rows


def evaluate_plan(
    ctx: PersonContext, ends: Sequence[int], edge_start: int, edge_end: int, params: Parameters, moved: Sequence[int],
    determined_before: int = NEVER,
) -> tuple[bool, int]:  # fmt: skip
    """(an edge still overlaps the plan's span, the largest drop of a window in it) for ``ends``.

    The view and the span reach as far as the moved exits (``moved`` rows) go. Only windows at days
    ``d`` with ``d + W <= determined_before`` are judged (used as a lower bound while searching).
    """
    as_of = params.as_of.toordinal()
    W, K, D = params.window_days, params.min_exits, params.min_drop
    reach = max((ends[i] for i in moved), default=edge_start) + 1
    view_end = max(as_of + params.horizon_days, reach)
    span_end = max(edge_end, reach)
    starts, weights = ctx.starts, ctx.weights
    exits = sorted(e for s, e in zip(starts, ends, strict=True) if s < e and as_of <= e < view_end)
    any_edge, worst = False, None
    last = None
    for d in exits:
        if d == last or d < edge_start or d >= span_end or d + W > determined_before:
            continue
        last = d
        before = after = 0
        for s, e, w in zip(starts, ends, weights, strict=True):
            if s <= d - 1 < e:
                before += w
            if s <= d + W - 1 < e:
                after += w
        n = sum(1 for x in exits if d <= x < d + W)
        drop = before - after
        if n >= K and drop > 0 and drop >= D * before:
            any_edge = True
        if worst is None or drop > worst:
            worst = drop
    return any_edge, (0 if worst is None else worst)


def plan_exits(
    ctx: PersonContext, edge_start: int, edge_end: int, params: Parameters, cache: dict | None = None
) -> Plan:
    """The exit plan for one edge (DESIGN section 6): exact for up to 8 flexible exits, else heuristic.

    Objective, smallest first: (an edge still overlaps the span, largest window drop in the span,
    total extension days, the extensions themselves in exit order). The last term only breaks ties,
    so the optimum is unique and any exact search finds the same plan as brute force.

    The search runs on the edge moved to a fixed day (it is translation invariant once the
    involvements that cannot matter are set aside), so ``cache`` can share answers between young
    people whose edges look alike.
    """
    flex = flexible_exits(ctx, edge_start, edge_end, params)
    options = [list(range(0, ctx.max_extension[i] // GRID_DAYS * GRID_DAYS + 1, GRID_DAYS)) for i in flex]
    reduced, rflex, last_t = _relevant_rows(ctx, flex, options, edge_start, edge_end, params)
    shift = _ORIGIN - edge_start
    moved = PersonContext(
        reduced.service_ids,
        [max(s, edge_start - 2) + shift for s in reduced.starts],
        [e if e >= NEVER else e + shift for e in reduced.ends],
        reduced.weights,
        reduced.age_reason,
        reduced.past_actual,
        reduced.max_extension,
    )
    horizon_end = min(params.as_of.toordinal() + params.horizon_days, last_t + 1)
    local = Parameters(
        dt.date.fromordinal(_ORIGIN),
        params.window_days,
        horizon_end - edge_start,
        params.min_exits,
        params.min_drop,
    )
    key = (
        local,
        edge_end - edge_start,
        tuple(zip(moved.service_ids, moved.starts, moved.ends, moved.weights, moved.max_extension, strict=True)),
        tuple(rflex),
    )
    solved = None if cache is None else cache.get(key)
    if solved is None:
        solved = _solve(moved, rflex, options, _ORIGIN, _ORIGIN + edge_end - edge_start, local)
        if cache is not None:
            cache[key] = solved
    still_edge, total, exts, exact = solved
    changes = tuple(
        Change(ctx.service_ids[i], dt.date.fromordinal(ctx.ends[i]), dt.date.fromordinal(ctx.ends[i] + ext))
        for i, ext in zip(flex, exts, strict=True)
        if ext
    )
    needed = 0.0
    if still_edge:
        before = sum(w for s, e, w in zip(ctx.starts, ctx.ends, ctx.weights, strict=True) if s <= edge_start - 1 < e)
        after = sum(w for s, e, w in zip(ctx.starts, ctx.ends, ctx.weights, strict=True) if s <= edge_end - 1 < e)
        needed = bridging_needed(before, after, params.min_drop)
    return Plan(not still_edge, changes, total, needed, exact)


def _solve(ctx, flex, options, edge_start, edge_end, params) -> tuple[bool, int, list[int], bool]:
    """(an edge is left, extension days, extension per flexible exit, found by the exact search)."""
    if len(flex) <= EXACT_LIMIT:
        seed = None
        if len(flex) >= 3:
            seed = _coordinate_descent(ctx, flex, options, [0] * len(flex), edge_start, edge_end, params)
        (key, exts), exact = _branch_and_bound(ctx, flex, options, edge_start, edge_end, params, seed)
    else:
        exact = False
        heavy = sorted(range(len(flex)), key=lambda k: (-ctx.weights[flex[k]], ctx.ends[flex[k]], k))[:EXACT_LIMIT]
        heavy.sort()
        (_, sub), _ = _branch_and_bound(
            ctx, [flex[k] for k in heavy], [options[k] for k in heavy], edge_start, edge_end, params
        )
        start_ext = [0] * len(flex)
        for k, ext in zip(heavy, sub, strict=True):
            start_ext[k] = ext
        key, exts = _coordinate_descent(ctx, flex, options, start_ext, edge_start, edge_end, params)
    return key[0], key[2], list(exts), exact


def _relevant_rows(ctx, flex, options, edge_start, edge_end, params):
    """Drop involvements that cannot touch any window the plan can judge, and fold those active over
    the whole judged stretch into one open-ended row of their total weight. Same answers, less work.
    """
    W = params.window_days
    span_end_max = max([edge_end] + [ctx.ends[i] + opts[-1] + 1 for i, opts in zip(flex, options, strict=True)])
    first_t, last_t = edge_start - 1, span_end_max + W - 2
    keep, constant = [], 0
    flex_set = set(flex)
    for i, (s, e) in enumerate(zip(ctx.starts, ctx.ends, strict=True)):
        if i in flex_set:
            keep.append(i)
        elif e <= first_t or s > last_t or e <= s:
            continue
        elif s <= first_t and e > last_t:
            constant += ctx.weights[i]
        else:
            keep.append(i)
    position = {row: k for k, row in enumerate(keep)}
    reduced = PersonContext(
        [ctx.service_ids[i] for i in keep] + [""],
        [ctx.starts[i] for i in keep] + [first_t - 1],
        [ctx.ends[i] for i in keep] + [NEVER],
        [ctx.weights[i] for i in keep] + [constant],
        [ctx.age_reason[i] for i in keep] + [False],
        [ctx.past_actual[i] for i in keep] + [False],
        [ctx.max_extension[i] for i in keep] + [0],
    )
    return reduced, [position[i] for i in flex], last_t


def _plan_key(ctx, flex, ends, edge_start, edge_end, params) -> tuple:
    edge, drop = evaluate_plan(ctx, ends, edge_start, edge_end, params, flex)
    exts = tuple(ends[i] - ctx.ends[i] for i in flex)
    return edge, drop, sum(exts), exts


def _branch_and_bound(ctx, flex, options, edge_start, edge_end, params, seed=None):
    """Exact depth-first search over the weekly extensions, pruning on a lower bound.

    At a node the first k flexible exits have their new ends; the others may still take any of
    their options. For every window whose day is already known (a fixed exit, an exit outside the
    edge, or a moved exit) the drop splits into one term per involvement, so its smallest possible
    value is the known part plus each open exit's smallest term; the window surely qualifies when
    even the fewest known exits, the smallest drop and the largest "before" qualify. The view and
    the span only grow as exits move later, so (surely an edge, largest smallest-drop, extension so
    far, extensions so far then zeros) is below every completion. Returns the best plan and whether
    the search finished (False: the node budget ran out and the plan is the best found so far).
    """
    as_of = params.as_of.toordinal()
    horizon_end = as_of + params.horizon_days
    W, K, D = params.window_days, params.min_exits, params.min_drop
    starts, weights = ctx.starts, ctx.weights
    m = len(flex)
    ends = list(ctx.ends)
    best = [seed]
    nodes = [0]
    flex_pos = {row: k for k, row in enumerate(flex)}
    rows = range(len(starts))
    # Interchangeable exits (same end, weight and options, started before the edge) give the same
    # objective whichever takes which extension; the lexicographically first assignment, the one
    # the tie-break keeps, has their extensions non-decreasing in exit order, so only that is searched.
    floor_of = [-1] * m
    seen: dict[tuple, int] = {}
    for k, row in enumerate(flex):
        start = starts[row] if starts[row] >= edge_start - 1 else None
        cls = (ctx.ends[row], weights[row], tuple(options[k]), start)
        if cls in seen:
            floor_of[k] = seen[cls]
        seen[cls] = k

    def bound(k: int) -> tuple[bool, int]:
        open_rows = flex[k:]
        open_set = set(open_rows)
        reach = max((ends[i] for i in flex[:k]), default=edge_start) + 1
        view_end = max(horizon_end, reach)
        span_end = max(edge_end, reach)
        known = [ends[i] for i in rows if i not in open_set and starts[i] < ends[i] and as_of <= ends[i] < view_end]
        surely, worst = False, None
        for d in set(known):
            if d < edge_start or d >= span_end:
                continue
            before = after = 0
            for i in rows:
                if i in open_set:
                    continue
                s, e, w = starts[i], ends[i], weights[i]
                if s <= d - 1 < e:
                    before += w
                if s <= d + W - 1 < e:
                    after += w
            drop_min = before - after
            before_max = before
            for i in open_rows:
                s, w, base = starts[i], weights[i], ctx.ends[i]
                low = high_b = None
                for ext in options[flex_pos[i]]:
                    e = base + ext
                    b = w if s <= d - 1 < e else 0
                    a = w if s <= d + W - 1 < e else 0
                    low = b - a if low is None else min(low, b - a)
                    high_b = b if high_b is None else max(high_b, b)
                drop_min += low
                before_max += high_b
            n_min = sum(1 for x in known if d <= x < d + W)
            if n_min >= K and drop_min > 0 and drop_min >= D * before_max:
                surely = True
            if worst is None or drop_min > worst:
                worst = drop_min
        # No window decided yet: nothing is known about the largest drop (it may be negative).
        return surely, (-NEVER * NEVER if worst is None else worst)

    def visit(k: int, total: int) -> bool:
        nodes[0] += 1
        if nodes[0] > _NODE_BUDGET:
            return False
        if k == m:
            key = _plan_key(ctx, flex, ends, edge_start, edge_end, params)
            if best[0] is None or key < best[0][0]:
                best[0] = (key, list(key[3]))
            return True
        prefix = tuple(ends[i] - ctx.ends[i] for i in flex[:k])
        edge = drop = None
        if best[0] is not None:
            edge, drop = bound(k)
            if (edge, drop, total, prefix + (0,) * (m - k)) >= best[0][0]:
                return True
        row = flex[k]
        floor = 0 if floor_of[k] < 0 else ends[flex[floor_of[k]]] - ctx.ends[flex[floor_of[k]]]
        tail = (0,) * (m - k - 1)
        for ext in options[k]:
            if ext < floor:
                continue
            # This node's bound holds for its children; the extension only grows along the options.
            if edge is None and best[0] is not None:
                edge, drop = bound(k)
            if edge is not None and (edge, drop, total + ext, (*prefix, ext, *tail)) >= best[0][0]:
                break
            ends[row] = ctx.ends[row] + ext
            if not visit(k + 1, total + ext):
                ends[row] = ctx.ends[row]
                return False
        ends[row] = ctx.ends[row]
        return True

    complete = visit(0, 0)
    return best[0], complete


def _coordinate_descent(ctx, flex, options, start_ext, edge_start, edge_end, params):
    """Heuristic: from ``start_ext``, repeatedly move one exit to its best grid point until no gain."""
    ends = list(ctx.ends)
    exts = list(start_ext)
    for i, ext in zip(flex, exts, strict=True):
        ends[i] = ctx.ends[i] + ext
    best = _plan_key(ctx, flex, ends, edge_start, edge_end, params)
    for _round in range(50):
        improved = False
        for k, row in enumerate(flex):
            keep = exts[k]
            for ext in options[k]:
                if ext == keep:
                    continue
                exts[k], ends[row] = ext, ctx.ends[row] + ext
                candidate = _plan_key(ctx, flex, ends, edge_start, edge_end, params)
                if candidate < best:
                    best, keep, improved = candidate, ext, True
            exts[k], ends[row] = keep, ctx.ends[row] + keep
        if not improved:
            break
    return best, exts


# --------------------------------------------------------------------------------------------- output
def forecast_to_json(result: Forecast) -> dict:
    """The ``joinedup forecast`` JSON shape (issue 3): ISO dates, edge ends exclusive."""
    p = result.parameters
    return {
        "as_of": p.as_of.isoformat(),
        "parameters": {
            "window_days": p.window_days,
            "horizon_days": p.horizon_days,
            "min_exits": p.min_exits,
            "min_drop": p.min_drop,
        },
        "cliff_edges": [_edge_json(edge) for edge in result.cliff_edges],
        "cohort": {
            "by_month": [
                {"month": r.month, "edges": r.edges, "age_driven": r.age_driven, "unbridged": r.unbridged}
                for r in result.cohort.by_month
            ],
            "by_agency": [{"agency": r.agency, "month": r.month, "exits": r.exits} for r in result.cohort.by_agency],
        },
    }


def _edge_json(edge: CliffEdge) -> dict:
    plan = edge.plan
    return {
        "ref": edge.ref,
        "start": edge.start.isoformat(),
        "end": edge.end.isoformat(),
        "exits": [{"service_id": x.service_id, "date": x.date.isoformat(), "reason": x.reason} for x in edge.exits],
        "support_before": edge.support_before,
        "support_after": edge.support_after,
        "age_driven": edge.age_driven,
        "bridged": edge.bridged,
        "suggestions": [{"service_id": s.service_id, "reason": s.reason} for s in edge.suggestions],
        "plan": None
        if plan is None
        else {
            "resolved": plan.resolved,
            "changes": [
                {"service_id": ch.service_id, "from": ch.from_date.isoformat(), "to": ch.to_date.isoformat()}
                for ch in plan.changes
            ],
            "extension_days": plan.extension_days,
            "bridging_needed": plan.bridging_needed,
        },
    }
